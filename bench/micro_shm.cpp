// Micro benchmarks of the floors under our transports, without CAF:
//
//   shm_read           one seqlock slot read of the book segment, same process
//   shm_cross_process  a slot write in one process seen by a spinning reader in
//                      another (one way, paced: one write in flight at a time)
//   shm_cross_process_every_ms  the same, one write per millisecond (the
//                      stack's cadence, on caches that go cold in between)
//   shm_cross_process_futex  the same, the reader asleep on the segment's futex
//                      (strategy.wait = futex, spin 0): each write is made once
//                      the reader has announced itself, so every sample pays
//                      the writer's FUTEX_WAKE and the reader's wake-up
//   tcp_loopback_rtt   a fixed-size message echoed by another process over
//                      127.0.0.1 (the floor under the CAF middleman)
//
// Every operation is timed on its own with CLOCK_MONOTONIC into a
// latency_histogram; Google Benchmark reports as usual, and our rows (see
// bench_rows.hpp) go to --rows_out=FILE (stdout without it). --quick takes fewer
// samples; --no_pin leaves both processes unpinned (on this 2-vCPU VM a
// blocking wake-up on the other, pinned CPU was sometimes several times slower
// than letting the scheduler place the processes). Google Benchmark's own flags
// (--benchmark_filter=...) work as usual. The first warmup_samples of every row
// are discarded.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <tuple>

#include <benchmark/benchmark.h>

#include "actors/latency_histogram.hpp"
#include "bench/bench_rows.hpp"
#include "messages/types.hpp"
#include "shm/book_segment.hpp"

namespace {

using namespace trading;
using namespace trading::bench;
using std::chrono::milliseconds;
using std::chrono::seconds;

row_collector rows;
unsigned child_lifetime_s = 600; // hard bound on any forked child

constexpr std::size_t read_batch = 1000;

// -- helpers ------------------------------------------------------------------

void report_percentiles(benchmark::State& state, const latency_histogram& h) {
  state.counters["p50_ns"] = static_cast<double>(h.percentile(50.0));
  state.counters["p99_ns"] = static_cast<double>(h.percentile(99.0));
}

std::string segment_name(const char* what) {
  return "/trading_bench_" + std::string{what} + "_"
         + std::to_string(::getpid());
}

shm::slot_entry sample_entry() {
  shm::slot_entry e{};
  e.top.bid = to_price(100.25);
  e.top.ask = to_price(100.27);
  e.top.last = to_price(100.26);
  e.top.bid_size = 300;
  e.top.ask_size = 500;
  e.feed_incarnation = 1;
  return e;
}

std::string cpu_text(int cpu) {
  return cpu < 0 ? std::string{"unpinned"} : "CPU " + std::to_string(cpu);
}

// -- shm_read -------------------------------------------------------------------

void bm_shm_read(benchmark::State& state) {
  affinity_guard restore;
  auto [cpu, other_cpu] = cpu_pair();
  (void) other_cpu;
  pin_current_thread(cpu);
  auto name = segment_name("read");
  shm::segment_writer writer{name, {"BENCH"}};
  writer.write(0, sample_entry());
  auto attached = shm::attach_reader(name);
  if (attached.status != shm::attach_status::attached) {
    state.SkipWithError(("attach_reader: " + attached.error).c_str());
    return;
  }
  // Mapped by both sides: drop the name now, so that nothing is left behind
  // even if we are killed (the writer's destructor then skips the unlink).
  ::shm_unlink(name.c_str());
  const auto& reader = *attached.reader;
  shm::slot_entry out{};
  auto batch = [&] {
    for (std::size_t i = 0; i < read_batch; ++i) {
      reader.read(0, out);
      benchmark::DoNotOptimize(out);
    }
  };
  auto hist = std::make_unique<latency_histogram>();
  for (std::size_t i = 0; i < warmup_samples; ++i)
    batch();
  for (auto _ : state) {
    auto t0 = mono_ns();
    batch();
    auto t1 = mono_ns();
    // Rounded mean of the batch; a read is never free, so at least 1 ns.
    auto per_read = (t1 - t0 + static_cast<nanos_t>(read_batch) / 2)
                    / static_cast<nanos_t>(read_batch);
    hist->record(std::max<nanos_t>(1, per_read));
  }
  state.SetItemsProcessed(state.iterations()
                          * static_cast<std::int64_t>(read_batch));
  report_percentiles(state, *hist);
  rows.add("shm_read", *hist, "mean of batch of 1000 reads",
           "same process, writer idle, " + cpu_text(cpu),
           sizeof(shm::slot_entry));
}

// -- shm_cross_process ------------------------------------------------------------

// Lives in MAP_SHARED memory created before the fork.
struct cross_shared {
  latency_histogram hist;              // written by the reader (child) only
  std::atomic<std::uint64_t> acked{0}; // last sequence the reader recorded
  std::atomic<std::uint32_t> ready{0};
  std::atomic<std::uint32_t> failed{0};
};

static_assert(std::atomic<std::uint64_t>::is_always_lock_free);
static_assert(std::atomic<std::uint32_t>::is_always_lock_free);

// How the reader waits for a write.
enum class cross_wait { spin, futex };

// The child: spins on the change counter (or sleeps on its futex), reads the
// slot, records the one-way latency of every write after the warm-up, acks.
// Never returns.
[[noreturn]] void cross_reader(const std::string& name, cross_shared* sh,
                               std::uint64_t total, cross_wait wait) {
  auto attached = shm::attach_reader(name, wait == cross_wait::futex
                                             ? shm::reader_access::waiter
                                             : shm::reader_access::read_only);
  if (attached.status != shm::attach_status::attached) {
    std::fprintf(stderr, "shm_cross_process reader: %s\n",
                 attached.error.c_str());
    sh->failed.store(1, std::memory_order_release);
    ::_exit(2);
  }
  const auto& reader = *attached.reader;
  sh->ready.store(1, std::memory_order_release);
  std::uint64_t seen_counter = reader.change_counter();
  std::uint64_t last_seq = 0;
  shm::slot_entry e{};
  while (last_seq < total) {
    std::uint64_t c = 0;
    bool changed = false;
    if (wait == cross_wait::futex) {
      auto r = reader.wait_for_change(seen_counter, 0, 10'000'000'000);
      c = r.counter;
      changed = r.outcome != shm::wait_outcome::timed_out;
    } else {
      changed = spin_until(
        [&] {
          c = reader.change_counter();
          return c != seen_counter;
        },
        seconds(10), 0);
    }
    if (!changed)
      ::_exit(4); // the writer went quiet: give up
    seen_counter = c;
    reader.read(0, e);
    auto now = mono_ns();
    if (e.feed_sequence == last_seq)
      continue;
    last_seq = e.feed_sequence;
    if (last_seq > warmup_samples)
      sh->hist.record(std::max<nanos_t>(1, now - e.written_ns));
    sh->acked.store(last_seq, std::memory_order_release);
  }
  ::_exit(0);
}

// every_ns > 0: one write per every_ns, the writer spinning in between (the
// `_every_ms` row: the stack's cadence, on caches that went cold meanwhile).
void bm_shm_cross_process(benchmark::State& state, cross_wait wait, nanos_t every_ns,
                          const char* row) {
  affinity_guard restore;
  auto [writer_cpu, reader_cpu] = cpu_pair();
  const auto total = warmup_samples
                     + static_cast<std::uint64_t>(state.max_iterations);
  shared_object<cross_shared> sh;
  auto name = segment_name("xproc");
  shm::segment_writer writer{name, {"BENCH"}}; // unlinks the name at the end
  auto entry = sample_entry();
  const pid_t parent = ::getpid();
  std::fflush(nullptr);
  pid_t child = ::fork();
  if (child < 0) {
    state.SkipWithError("fork failed");
    return;
  }
  if (child == 0) {
    become_child(parent, reader_cpu, child_lifetime_s);
    cross_reader(name, sh.get(), total, wait);
  }
  pin_current_thread(writer_cpu);
  bool ok = spin_until(
    [&] {
      return sh->ready.load(std::memory_order_acquire) != 0
             || sh->failed.load(std::memory_order_acquire) != 0;
    },
    seconds(10), 1);
  ok = ok && sh->failed.load() == 0;
  ::shm_unlink(name.c_str()); // both sides mapped it (see bm_shm_read)
  std::uint64_t seq = 0;
  send_pacer pacer{every_ns};
  auto send_one = [&] {
    pacer.wait();
    // A sleeping reader is the case to time: write once it has announced itself.
    if (wait == cross_wait::futex
        && !spin_until([&] { return writer.waiting_readers() > 0; }, seconds(5), 0))
      return false;
    ++seq;
    entry.feed_sequence = seq;
    entry.written_ns = mono_ns();
    writer.write(0, entry);
    return spin_until(
      [&] { return sh->acked.load(std::memory_order_acquire) >= seq; },
      seconds(5), 0);
  };
  for (std::size_t i = 0; ok && i < warmup_samples; ++i)
    ok = send_one();
  for (auto _ : state) {
    if (!ok || !send_one()) {
      ok = false;
      break;
    }
  }
  int status = reap_child(child, milliseconds(ok ? 2000 : 10));
  if (!ok) {
    state.SkipWithError("the reader process failed or stopped answering");
    return;
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    state.SkipWithError("the reader process did not exit cleanly");
    return;
  }
  report_percentiles(state, sh->hist);
  const bool futex = wait == cross_wait::futex;
  const std::string how = (futex ? "reader asleep on the futex" : "reader spins")
                          + (every_ns > 0 ? ", one write per "
                                              + std::to_string(every_ns / 1000) + " us"
                                          : std::string{});
  rows.add(row, sh->hist,
           "one operation",
           reader_cpu >= 0 ? how + ", pinned to another CPU (writer "
                               + cpu_text(writer_cpu) + ", reader "
                               + cpu_text(reader_cpu) + ")"
                           : how + ", writer and reader unpinned",
           sizeof(shm::slot_entry));
}

// -- tcp_loopback_rtt -------------------------------------------------------------

bool write_all(int fd, const char* p, std::size_t n) {
  while (n > 0) {
    auto w = ::send(fd, p, n, MSG_NOSIGNAL);
    if (w < 0) {
      if (errno == EINTR)
        continue;
      return false;
    }
    p += w;
    n -= static_cast<std::size_t>(w);
  }
  return true;
}

// False on error, timeout (SO_RCVTIMEO) or end of stream.
bool read_exact(int fd, char* p, std::size_t n) {
  while (n > 0) {
    auto r = ::recv(fd, p, n, 0);
    if (r < 0) {
      if (errno == EINTR)
        continue;
      return false;
    }
    if (r == 0)
      return false;
    p += r;
    n -= static_cast<std::size_t>(r);
  }
  return true;
}

void set_socket_options(int fd, int timeout_s) {
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  timeval tv{};
  tv.tv_sec = timeout_s;
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

// The child: accepts one connection and echoes fixed-size messages until the
// parent closes it. Never returns.
[[noreturn]] void tcp_echo(int listener) {
  pollfd pfd{listener, POLLIN, 0};
  if (::poll(&pfd, 1, 10'000) != 1)
    ::_exit(2);
  int fd = ::accept(listener, nullptr, nullptr);
  ::close(listener);
  if (fd < 0)
    ::_exit(2);
  set_socket_options(fd, 30);
  char buf[remote_payload_bytes];
  while (read_exact(fd, buf, sizeof(buf)))
    if (!write_all(fd, buf, sizeof(buf)))
      ::_exit(3);
  ::close(fd);
  ::_exit(0);
}

struct fd_closer {
  int fd;
  ~fd_closer() {
    if (fd >= 0)
      ::close(fd);
  }
};

void bm_tcp_loopback_rtt(benchmark::State& state) {
  affinity_guard restore;
  auto [client_cpu, echo_cpu] = cpu_pair();
  fd_closer listener{::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)};
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  if (listener.fd < 0
      || ::bind(listener.fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr))
           != 0
      || ::listen(listener.fd, 1) != 0
      || ::getsockname(listener.fd, reinterpret_cast<sockaddr*>(&addr), &len)
           != 0) {
    state.SkipWithError(("listen on 127.0.0.1: "
                         + std::string{std::strerror(errno)})
                          .c_str());
    return;
  }
  const pid_t parent = ::getpid();
  std::fflush(nullptr);
  pid_t child = ::fork();
  if (child < 0) {
    state.SkipWithError("fork failed");
    return;
  }
  if (child == 0) {
    become_child(parent, echo_cpu, child_lifetime_s);
    tcp_echo(listener.fd);
  }
  ::close(listener.fd);
  listener.fd = -1;
  pin_current_thread(client_cpu);
  fd_closer conn{::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)};
  bool ok = conn.fd >= 0
            && ::connect(conn.fd, reinterpret_cast<sockaddr*>(&addr),
                         sizeof(addr))
                 == 0;
  if (ok)
    set_socket_options(conn.fd, 5);
  char out[remote_payload_bytes] = {};
  char in[remote_payload_bytes];
  std::uint64_t seq = 0;
  auto hist = std::make_unique<latency_histogram>();
  auto round_trip = [&]() -> nanos_t {
    ++seq;
    std::memcpy(out, &seq, sizeof(seq));
    auto t0 = mono_ns();
    if (!write_all(conn.fd, out, sizeof(out))
        || !read_exact(conn.fd, in, sizeof(in)))
      return -1;
    auto t1 = mono_ns();
    if (std::memcmp(in, &seq, sizeof(seq)) != 0)
      return -1;
    return std::max<nanos_t>(1, t1 - t0);
  };
  for (std::size_t i = 0; ok && i < warmup_samples; ++i)
    ok = round_trip() > 0;
  for (auto _ : state) {
    nanos_t rtt = ok ? round_trip() : -1;
    if (rtt < 0) {
      ok = false;
      break;
    }
    hist->record(rtt);
  }
  ::close(conn.fd); // the echo sees the end of the stream and exits
  conn.fd = -1;
  int status = reap_child(child, milliseconds(2000));
  if (!ok) {
    state.SkipWithError("the TCP echo failed");
    return;
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    state.SkipWithError("the echo process did not exit cleanly");
    return;
  }
  report_percentiles(state, *hist);
  rows.add("tcp_loopback_rtt", *hist, "one operation",
           echo_cpu >= 0 ? "blocking sockets, TCP_NODELAY, pinned (client "
                             + cpu_text(client_cpu) + ", echo process "
                             + cpu_text(echo_cpu) + ")"
                         : "blocking sockets, TCP_NODELAY, unpinned",
           remote_payload_bytes);
}

} // namespace

int main(int argc, char** argv) {
  auto flags = take_bench_flags(argc, argv);
  if (!flags.ok)
    return 2;
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv))
    return 2;
  child_lifetime_s = flags.quick ? 120 : 600;
  set_pinning(flags.pin);

  auto n = [&](std::size_t full, std::size_t quick) {
    return static_cast<benchmark::IterationCount>(
      sample_count(flags, full, quick));
  };
  benchmark::RegisterBenchmark("shm_read", bm_shm_read)
    ->Iterations(n(200'000, 5'000))
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime();
  for (auto [row, wait, every_ns, full, quick] :
       {std::tuple{"shm_cross_process", cross_wait::spin, nanos_t{0}, 1'000'000, 5'000},
        std::tuple{"shm_cross_process_futex", cross_wait::futex, nanos_t{0}, 200'000,
                   5'000},
        std::tuple{"shm_cross_process_every_ms", cross_wait::spin, nanos_t{1'000'000},
                   5'000, 1'000}})
    benchmark::RegisterBenchmark(row, bm_shm_cross_process, wait, every_ns, row)
      ->Iterations(n(full, quick))
      ->Unit(benchmark::kNanosecond)
      ->UseRealTime();
  benchmark::RegisterBenchmark("tcp_loopback_rtt", bm_tcp_loopback_rtt)
    ->Iterations(n(200'000, 5'000))
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime();

  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return emit_rows(rows.rows(), flags.rows_out) ? 0 : 1;
}
