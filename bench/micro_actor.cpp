// Micro benchmarks of CAF 0.17 message passing, the way our node uses it:
//
//   actor_local_one_way   sender actor -> receiver actor, one actor_system
//   actor_local_one_way_spinning, actor_local_handoff_spinning  the same hop
//                         with the one-process profile's spinning worker, from
//                         an actor on it and from a thread on the other CPU
//   actor_local_one_way_spinning_every_ms, actor_local_handoff_spinning_every_ms
//                         those two hops once a millisecond, the stack's cadence
//                         (cold caches), instead of back to back
//   actor_local_rtt       an event-based actor's request(...).then() -> echo
//                         actor -> response, back to back (what our actors do)
//   actor_local_rtt_blocking  scoped_actor request(...).receive() -> echo
//                         actor -> response: the blocking receive adds a
//                         thread wake-up to every round trip
//   actor_remote_one_way  driver in this process -> receiver actor in another
//                         process, over the middleman on 127.0.0.1
//   actor_remote_one_way_io_thread  the same, the receiver run by its node's
//                         middleman thread (caf.io_thread_roles): one wake-up less
//   actor_remote_one_way_io_loop  the same, and the driver's own spinning thread
//                         runs its node's I/O loop (io_loop, as the strategy in
//                         caf.io_thread_roles does): no wake-up on the sending
//                         side; the receiver's I/O thread still wakes on its socket
//   actor_remote_rtt      event-based request(...).then() -> echo actor in the
//                         other process -> response, back to back
//   actor_remote_rtt_blocking  scoped_actor request -> echo actor in the other
//                         process -> response
//
// Flags as in micro_shm: --rows_out=FILE, --quick, --no_pin, and Google
// Benchmark's own; --caf_set=KEY=VALUE (repeatable) sets a CAF option in every
// actor system of the run, the remote host's included, after our defaults: for
// A/B runs of scheduler and middleman settings (e.g. --caf_set=middleman.workers=1,
// --caf_set=scheduler.policy=stealing). Integer values are set as integers,
// scheduler.policy as an atom, anything else as a string; the profile of every
// row reads the settings back.
//
// All rows are paced (the next message leaves only after the previous one was
// recorded), so they measure latency, not throughput. Every message is the same
// trading::tick, its symbol padded so that the serialized message is close to
// remote_payload_bytes (the size micro_shm's TCP echo uses); payload_bytes
// reports the size measured with caf::binary_serializer.
//
// Processes: the remote host is forked at the very start of main, before this
// process builds any actor_system (CAF's threads do not survive a fork). It
// builds its own system only when the first remote row asks for it (a byte on
// a pipe), publishes an entry actor on 127.0.0.1, port 0, and writes the port
// back. The entry actor records one-way latencies into a histogram in
// MAP_SHARED memory and hands out its echo actor. CLOCK_MONOTONIC is shared by
// both processes. The host dies with us (PR_SET_PDEATHSIG), after an alarm at
// the latest, and is reaped at the end.
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include <benchmark/benchmark.h>

#include "caf/all.hpp"
#include "caf/io/all.hpp"

#include "actors/io_loop.hpp"
#include "actors/io_thread_actor.hpp"
#include "actors/latency_histogram.hpp"
#include "bench/bench_rows.hpp"
#include "messages/market.hpp"
#include "messages/type_ids.hpp"
#include "messages/types.hpp"

namespace {

using namespace trading;
using namespace trading::bench;
using std::chrono::milliseconds;
using std::chrono::seconds;

/// driver -> remote entry actor: answers with the host's echo actor.
using echo_lookup_atom = caf::atom_constant<caf::atom("benchecho")>;
/// driver -> remote entry actor: answers with the host's entry actor that runs on
/// its middleman's I/O thread (actor_remote_one_way_io_thread).
using io_entry_lookup_atom = caf::atom_constant<caf::atom("benchioent")>;
/// driver -> pinger: make this many round trips, back to back.
using ping_atom = caf::atom_constant<caf::atom("benchping")>;

// -- settings -------------------------------------------------------------------

// What notes/caf-0.17.md found best on 2 cores: the sharing scheduler (a
// condition-variable wake-up, ~2 % CPU idle) and no middleman worker threads.
constexpr std::size_t local_threads = 2;  // one process on both CPUs
constexpr std::size_t remote_threads = 1; // each process pinned to one CPU

row_collector rows;
unsigned child_lifetime_s = 900;
// --caf_set=KEY=VALUE options, applied by configure() after its defaults.
std::vector<std::pair<std::string, std::string>> caf_overrides;
constexpr auto request_timeout = seconds(5); // the one-off echo lookup
constexpr auto wait_timeout = seconds(10);   // paced waits, watchdogs

// The scheduler of the one-process benchmark profile (configs/bench/all_in_one.json:
// caf.scheduler_policy stealing, caf.aggressive_polling, one thread): a worker
// that never sleeps, so a message to it costs no wake-up.
enum class worker_wait { sleeps, spins };

void configure(caf::actor_system_config& cfg, std::size_t threads, bool middleman,
               worker_wait wait = worker_wait::sleeps) {
  register_message_types(cfg);
  if (middleman)
    cfg.load<caf::io::middleman>();
  cfg.set("scheduler.policy",
          wait == worker_wait::spins ? caf::atom("stealing") : caf::atom("sharing"));
  cfg.set("scheduler.max-threads", static_cast<std::int64_t>(threads));
  if (wait == worker_wait::spins) { // as nodes/node.cpp sets caf.aggressive_polling
    cfg.set("work-stealing.aggressive-poll-attempts", std::int64_t{100'000'000});
    cfg.set("work-stealing.aggressive-steal-interval", std::int64_t{1});
  }
  if (middleman)
    cfg.set("middleman.workers", std::int64_t{0});
  for (auto& [key, value] : caf_overrides) {
    if (!value.empty() && value.find_first_not_of("0123456789") == std::string::npos)
      cfg.set(key, static_cast<std::int64_t>(std::stoll(value)));
    else if (key == "scheduler.policy")
      cfg.set(key, caf::atom_from_string(value));
    else
      cfg.set(key, value);
  }
}

// Takes the --caf_set=KEY=VALUE arguments out of argv; false on a malformed one.
bool take_caf_overrides(int& argc, char** argv) {
  static constexpr char prefix[] = "--caf_set=";
  int out = 1;
  for (int in = 1; in < argc; ++in) {
    std::string arg = argv[in];
    if (arg.rfind(prefix, 0) != 0) {
      argv[out++] = argv[in];
      continue;
    }
    auto kv = arg.substr(sizeof(prefix) - 1);
    auto eq = kv.find('=');
    if (eq == 0 || eq == std::string::npos) {
      std::fprintf(stderr, "--caf_set needs KEY=VALUE, got '%s'\n", kv.c_str());
      return false;
    }
    caf_overrides.emplace_back(kv.substr(0, eq), kv.substr(eq + 1));
  }
  for (int i = out; i < argc; ++i)
    argv[i] = nullptr;
  argc = out;
  return true;
}

// The settings the system really runs with (read back, so a misspelled key
// shows up in the profile instead of passing silently).
std::string describe(caf::actor_system& sys, bool middleman) {
  auto policy = caf::get_or(sys.config(), "scheduler.policy",
                            caf::atom("?"));
  std::string s = "scheduler.policy=" + caf::to_string(policy)
                  + ", scheduler threads="
                  + std::to_string(sys.scheduler().num_workers());
  if (middleman)
    s += ", middleman.workers="
         + std::to_string(caf::get_or(sys.config(), "middleman.workers",
                                      std::int64_t{-1}));
  for (auto& [key, value] : caf_overrides)
    if (key != "scheduler.policy" && key != "middleman.workers")
      s += ", " + key + "=" + value;
  return s;
}

// -- payload ----------------------------------------------------------------------

tick make_tick(std::string symbol) {
  tick t;
  t.symbol = std::move(symbol);
  t.top.bid = to_price(100.25);
  t.top.ask = to_price(100.27);
  t.top.last = to_price(100.26);
  t.top.bid_size = 300;
  t.top.ask_size = 500;
  t.feed_incarnation = 1;
  return t;
}

std::size_t serialized_size(caf::actor_system& sys, const tick& t) {
  std::vector<char> buf;
  caf::binary_serializer sink{sys, buf};
  auto msg = caf::make_message(t);
  if (auto err = sink(msg)) {
    std::fprintf(stderr, "serializing a tick failed: %s\n",
                 sys.render(err).c_str());
    return 0;
  }
  return buf.size();
}

struct payload_info {
  std::string symbol;
  std::size_t bytes = 0;
};

// The padded symbol and the serialized size of a message holding one tick.
const payload_info& payload(caf::actor_system& sys) {
  static std::optional<payload_info> info;
  if (!info) {
    // The symbol is a length prefix plus its bytes: the size grows by one per
    // character (while the length fits one varint byte).
    auto base = serialized_size(sys, make_tick("B"));
    std::size_t len = 1;
    if (base > 0 && base - 1 < remote_payload_bytes)
      len = std::max<std::size_t>(1, remote_payload_bytes - (base - 1));
    std::string symbol = "BENCH";
    symbol.resize(std::max<std::size_t>(len, symbol.size()), 'X');
    symbol.resize(len);
    info = payload_info{symbol, serialized_size(sys, make_tick(symbol))};
  }
  return *info;
}

// -- helpers ----------------------------------------------------------------------

void report_percentiles(benchmark::State& state, const latency_histogram& h) {
  state.counters["p50_ns"] = static_cast<double>(h.percentile(50.0));
  state.counters["p99_ns"] = static_cast<double>(h.percentile(99.0));
}

nanos_t elapsed_since(nanos_t t0) {
  return std::max<nanos_t>(1, mono_ns() - t0);
}

// Waits (yielding the CPU to the actor threads, or running `serve` on each look)
// until `counter` reaches `n`; false only if it stops moving for wait_timeout.
// The bound is on a stall, not on the whole run: 200 k remote round trips take
// longer than any fixed bound.
template <class Serve = void (*)()>
bool await_count(const std::atomic<std::uint64_t>& counter, std::uint64_t n,
                 Serve serve = [] {}, unsigned yield_every = 1) {
  auto seen = counter.load(std::memory_order_acquire);
  for (;;) {
    if (spin_until(
          [&] {
            serve();
            return counter.load(std::memory_order_acquire) >= n;
          },
          wait_timeout, yield_every))
      return true;
    auto now = counter.load(std::memory_order_acquire);
    if (now == seen)
      return false;
    seen = now;
  }
}

// Like await_count, but sleeps 1 ms between looks: for a driver that only waits
// for the actors to finish a long run, so that it never takes the CPU (the one
// it is pinned to is the one the pinger and the multiplexer run on).
bool await_count_idle(const std::atomic<std::uint64_t>& counter, std::uint64_t n) {
  auto seen = counter.load(std::memory_order_acquire);
  auto last_move = std::chrono::steady_clock::now();
  for (;;) {
    auto now = counter.load(std::memory_order_acquire);
    if (now >= n)
      return true;
    if (now != seen) {
      seen = now;
      last_move = std::chrono::steady_clock::now();
    } else if (std::chrono::steady_clock::now() - last_move > wait_timeout) {
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

// Ends the process if a blocking wait without a timeout of its own stalls: no
// beat() for `limit` prints why and _exits (the host dies with us).
//
// Why round trips use no request timeout: a blocking actor does not cancel the
// timeout of a request that was answered (checked on 0.17.6). Each one later
// lands in the scoped_actor's mailbox as a stale message that receive() skips
// but keeps, so after `timeout` every receive scans all of them (quadratic: 100
// to 700 us per request after 60 k requests with a 100 ms timeout) and each
// one wakes the waiting driver spuriously.
class watchdog {
public:
  watchdog(std::string what, std::chrono::seconds limit)
    : what_(std::move(what)), limit_(limit), thread_([this] { run(); }) {
  }

  ~watchdog() {
    {
      std::lock_guard<std::mutex> guard{mtx_};
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

  void beat() noexcept {
    beats_.fetch_add(1, std::memory_order_relaxed);
  }

private:
  void run() {
    std::unique_lock<std::mutex> lock{mtx_};
    auto last = beats_.load(std::memory_order_relaxed);
    auto last_change = std::chrono::steady_clock::now();
    while (!cv_.wait_for(lock, milliseconds(250), [this] { return stop_; })) {
      auto now = std::chrono::steady_clock::now();
      auto b = beats_.load(std::memory_order_relaxed);
      if (b != last) {
        last = b;
        last_change = now;
      } else if (now - last_change > limit_) {
        std::fprintf(stderr, "%s: no progress for %lld s, giving up\n",
                     what_.c_str(), static_cast<long long>(limit_.count()));
        std::fflush(nullptr);
        ::_exit(3);
      }
    }
  }

  std::string what_;
  std::chrono::seconds limit_;
  std::atomic<std::uint64_t> beats_{0};
  std::mutex mtx_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_; // last: starts after the members above exist
};

// One request/response round trip; -1 on error. No request timeout (see
// watchdog): the caller holds a watchdog.
nanos_t round_trip(caf::scoped_actor& self, const caf::actor& echo,
                   const tick& t) {
  nanos_t rtt = -1;
  auto t0 = mono_ns();
  self->request(echo, caf::infinite, t)
    .receive([&](tick&) { rtt = elapsed_since(t0); },
             [&](caf::error&) { rtt = -1; });
  return rtt;
}

// Warm-up, then one round trip per benchmark iteration into `hist`, each under
// a watchdog beat; false as soon as one fails.
bool measure_round_trips(benchmark::State& state, caf::scoped_actor& self,
                         const caf::actor& echo, const tick& t,
                         latency_histogram& hist, const char* row) {
  watchdog dog{row, wait_timeout};
  for (std::size_t i = 0; i < warmup_samples; ++i) {
    if (round_trip(self, echo, t) < 0)
      return false;
    dog.beat();
  }
  for (auto _ : state) {
    auto rtt = round_trip(self, echo, t);
    if (rtt < 0)
      return false;
    hist.record(rtt);
    dog.beat();
  }
  return true;
}

caf::behavior echo_actor() {
  return {
    [](tick& t) -> tick { return std::move(t); },
  };
}

// -- event-based ping-pong (actor_local_rtt, actor_remote_rtt) ---------------------

// What the pinger shares with the driver thread (which outlives it).
struct ping_shared {
  latency_histogram hist;            // written by the pinger only
  std::atomic<std::uint64_t> done{0}; // round trips completed
  std::atomic<bool> failed{false};
};

struct pinger_state {
  caf::actor echo;
  ping_shared* sh = nullptr;
  tick t;
  std::uint64_t left = 0;
  const char* name = "pinger";
};

// One round trip; the next leaves from its response handler.
void ping_once(caf::stateful_actor<pinger_state>* self) {
  auto t0 = mono_ns();
  auto* sh = self->state.sh;
  self->request(self->state.echo, caf::infinite, self->state.t)
    .then(
      [self, sh, t0](tick&) {
        sh->hist.record(elapsed_since(t0));
        sh->done.fetch_add(1, std::memory_order_release);
        if (--self->state.left > 0)
          ping_once(self);
      },
      [sh](caf::error&) { sh->failed.store(true); });
}

// On {ping_atom, n}: n request/response round trips to `echo`, back to back,
// so no thread waits in between: each is two mailbox hand-overs, as between
// the stack's actors. No request timeout (an event-based request without one
// arms no timer); the driver's wait is the bound.
caf::behavior pinger(caf::stateful_actor<pinger_state>* self, caf::actor echo,
                     ping_shared* sh, tick t) {
  self->state.echo = std::move(echo);
  self->state.sh = sh;
  self->state.t = std::move(t);
  return {
    [self](ping_atom, std::uint64_t n) {
      self->state.left = n;
      if (n > 0)
        ping_once(self);
    },
  };
}

// Warm-up, reset, then state.max_iterations round trips by a pinger spawned in
// `sys` against `echo`; false if one failed or stalled.
bool measure_ping_pong(benchmark::State& state, caf::actor_system& sys,
                       const caf::actor& echo, const tick& t, ping_shared& sh) {
  auto p = sys.spawn(pinger, echo, &sh, t);
  auto run = [&](std::uint64_t n) {
    auto target = sh.done.load() + n;
    caf::anon_send(p, ping_atom::value, n);
    return await_count_idle(sh.done, target) && !sh.failed.load();
  };
  bool ok = run(warmup_samples);
  sh.hist.reset(); // the pinger is idle: nothing in flight
  const auto n = static_cast<std::uint64_t>(state.max_iterations);
  if (ok)
    ok = run(n);
  for (auto _ : state) {
  } // the samples are the pinger's; this loop only counts them
  caf::anon_send_exit(p, caf::exit_reason::user_shutdown);
  return ok;
}

constexpr const char* ping_pong_method =
  "one operation (an event-based actor's request(...).then() to an echo actor; "
  "the next request leaves from the response handler, back to back)";

// -- actor_local_one_way ---------------------------------------------------------------

// A receiver actor that records now - created_ns of every tick and counts it,
// and a sender actor that stamps a tick and sends it on to the receiver.
struct one_way_actors {
  caf::actor sender;
  caf::actor receiver;
};

one_way_actors spawn_one_way(caf::actor_system& sys, latency_histogram* h,
                             std::atomic<std::uint64_t>* count) {
  auto receiver = sys.spawn([h, count]() -> caf::behavior {
    return {
      [h, count](const tick& t) {
        h->record(elapsed_since(t.created_ns));
        count->fetch_add(1, std::memory_order_release);
      },
    };
  });
  auto sender = sys.spawn(
    [receiver](caf::event_based_actor* self) -> caf::behavior {
      return {
        [self, receiver](tick& t) {
          t.created_ns = mono_ns();
          self->send(receiver, std::move(t));
        },
      };
    });
  return {sender, receiver};
}

// Paced one-way samples: `send(tick)` sends one tick into `sys` (it or the
// sender actor stamps it), awaited before the next; the warm-up's samples are
// dropped. Adds the row, or marks the benchmark failed if one was lost.
template <class Send>
void measure_one_way(benchmark::State& state, caf::actor_system& sys, Send send,
                     const char* name, const char* method, const std::string& profile,
                     nanos_t every_ns = 0) {
  auto hist = std::make_unique<latency_histogram>();
  std::atomic<std::uint64_t> received{0};
  auto actors = spawn_one_way(sys, hist.get(), &received);
  const auto& pay = payload(sys);
  auto t = make_tick(pay.symbol);
  std::uint64_t seq = 0;
  send_pacer pacer{every_ns};
  auto one = [&] {
    pacer.wait();
    t.sequence = ++seq;
    send(actors, t);
    return await_count(received, seq);
  };
  bool ok = true;
  for (std::size_t i = 0; ok && i < warmup_samples; ++i)
    ok = one();
  hist->reset(); // the receiver is idle: everything sent was recorded
  for (auto _ : state)
    if (!ok || !(ok = one()))
      break;
  caf::anon_send_exit(actors.sender, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(actors.receiver, caf::exit_reason::user_shutdown);
  caf::scoped_actor{sys}->wait_for(actors.sender, actors.receiver); // they hold hist
  if (!ok) {
    state.SkipWithError("a message was not received in time");
    return;
  }
  report_percentiles(state, *hist);
  rows.add(name, *hist, method, profile, pay.bytes);
}

// Through the sender actor, which stamps the tick.
void via_sender(const one_way_actors& a, const tick& t) {
  caf::anon_send(a.sender, t);
}

void bm_actor_local_one_way(benchmark::State& state) {
  caf::actor_system_config cfg;
  configure(cfg, local_threads, false);
  caf::actor_system sys{cfg};
  measure_one_way(state, sys, via_sender, "actor_local_one_way",
                  "one operation (sender actor stamps mono_ns, receiver actor "
                  "records now - stamp; paced)",
                  "one process, unpinned, " + describe(sys, false));
}

// -- actor_local_one_way_spinning, actor_local_handoff_spinning --------------------------

std::string cpu_text(int cpu) {
  return cpu < 0 ? std::string{"unpinned"} : "CPU " + std::to_string(cpu);
}

// The one-process benchmark profile's two message hops, as its tick-to-trade
// row takes them: every CAF thread on one CPU with one worker that polls
// instead of sleeping (worker_wait::spins), and
//   - spinning one way: a sender actor -> a receiver actor, both on that worker
//     (the feed -> book hop);
//   - spinning hand-off: a thread outside the scheduler on the other CPU (as the
//     strategy's is) stamps and sends -> a receiver actor on that worker (the
//     strategy -> OMS hop).
// actor_local_one_way's sleeping workers pay a wake-up these hops do not (and a
// halted vCPU's on a guest without a cpuidle driver), so these are the floors of
// the one-process rows.
//
// The `_every_ms` rows send the same hops once a millisecond, the stack's cadence
// (one tick batch, about one order, per millisecond): in between both threads
// spin on nothing, so what the hop needs leaves their caches as it does in the
// stack. Their excess over the back-to-back rows is what a hop pays for being
// cold; they are not floors.
enum class spinning_hop { one_way, handoff };

void bm_actor_local_spinning(benchmark::State& state, spinning_hop hop, nanos_t every_ns,
                             const char* name) {
  affinity_guard restore;
  const auto [worker_cpu, driver_cpu] = cpu_pair();
  pin_current_thread(worker_cpu); // before the system: its threads inherit it
  caf::actor_system_config cfg;
  configure(cfg, 1, false, worker_wait::spins);
  caf::actor_system sys{cfg};
  pin_current_thread(driver_cpu);
  auto spins = "one process, CAF threads: " + cpu_text(worker_cpu) + ", "
               + describe(sys, false) + ", its worker polling aggressively";
  std::string pacing = every_ns > 0 ? "; one send per " + std::to_string(every_ns / 1000)
                                          + " us, the driver spinning in between"
                                    : std::string{};
  if (hop == spinning_hop::one_way) {
    measure_one_way(state, sys, via_sender, name,
                    "one operation (sender actor stamps mono_ns, receiver actor on "
                    "the same spinning worker records now - stamp; paced)",
                    spins + pacing, every_ns);
    return;
  }
  auto direct = [](const one_way_actors& a, tick& t) {
    t.created_ns = mono_ns();
    caf::anon_send(a.receiver, t);
  };
  measure_one_way(state, sys, direct, name,
                  "one operation (a thread outside the scheduler stamps mono_ns and "
                  "sends; the receiver actor on the spinning worker records now - "
                  "stamp; paced)",
                  spins + "; the sending thread: " + cpu_text(driver_cpu) + pacing,
                  every_ns);
}

// -- actor_local_rtt ------------------------------------------------------------------

void bm_actor_local_rtt(benchmark::State& state) {
  auto sh = std::make_unique<ping_shared>(); // outlives the system
  caf::actor_system_config cfg;
  configure(cfg, local_threads, false);
  caf::actor_system sys{cfg};
  const auto& pay = payload(sys);
  auto echo = sys.spawn(echo_actor);
  bool ok = measure_ping_pong(state, sys, echo, make_tick(pay.symbol), *sh);
  caf::anon_send_exit(echo, caf::exit_reason::user_shutdown);
  if (!ok) {
    state.SkipWithError("a round trip failed or stalled");
    return;
  }
  report_percentiles(state, sh->hist);
  rows.add("actor_local_rtt", sh->hist, ping_pong_method,
           "one process, unpinned, " + describe(sys, false), pay.bytes);
}

// -- actor_local_rtt_blocking ------------------------------------------------------

void bm_actor_local_rtt_blocking(benchmark::State& state) {
  auto hist = std::make_unique<latency_histogram>();
  caf::actor_system_config cfg;
  configure(cfg, local_threads, false);
  caf::actor_system sys{cfg};
  const auto& pay = payload(sys);
  auto echo = sys.spawn(echo_actor);
  bool ok = true;
  {
    caf::scoped_actor self{sys};
    ok = measure_round_trips(state, self, echo, make_tick(pay.symbol), *hist,
                             "actor_local_rtt_blocking");
  }
  caf::anon_send_exit(echo, caf::exit_reason::user_shutdown);
  if (!ok) {
    state.SkipWithError("a request failed or timed out");
    return;
  }
  report_percentiles(state, *hist);
  rows.add("actor_local_rtt_blocking", *hist,
           "one operation (scoped_actor request(...).receive() to an echo "
           "actor)",
           "one process, unpinned, " + describe(sys, false), pay.bytes);
}

// -- the remote host process ---------------------------------------------------------

// Lives in MAP_SHARED memory created before the fork.
struct remote_shared {
  latency_histogram hist;                 // written by the host only
  std::atomic<std::uint64_t> received{0}; // ticks the host's entry recorded
};

static_assert(std::atomic<std::uint64_t>::is_always_lock_free);

caf::behavior entry_actor(caf::event_based_actor*, remote_shared* sh,
                          caf::actor echo, caf::actor io_entry) {
  return {
    [sh](const tick& t) {
      sh->hist.record(elapsed_since(t.created_ns));
      sh->received.fetch_add(1, std::memory_order_release);
    },
    [echo](echo_lookup_atom) { return echo; },
    [io_entry](io_entry_lookup_atom) { return io_entry; },
  };
}

struct host_reply {
  std::uint16_t port = 0; // 0: publish failed
  char profile[200] = {};
};

bool write_full(int fd, const void* p, std::size_t n) {
  auto* c = static_cast<const char*>(p);
  while (n > 0) {
    auto w = ::write(fd, c, n);
    if (w < 0 && errno == EINTR)
      continue;
    if (w <= 0)
      return false;
    c += w;
    n -= static_cast<std::size_t>(w);
  }
  return true;
}

// Reads exactly n bytes within `timeout_ms` overall (-1: no limit).
bool read_full(int fd, void* p, std::size_t n, int timeout_ms) {
  auto* c = static_cast<char*>(p);
  while (n > 0) {
    pollfd pfd{fd, POLLIN, 0};
    int r = ::poll(&pfd, 1, timeout_ms);
    if (r < 0 && errno == EINTR)
      continue;
    if (r <= 0)
      return false;
    auto got = ::read(fd, c, n);
    if (got < 0 && errno == EINTR)
      continue;
    if (got <= 0)
      return false;
    c += got;
    n -= static_cast<std::size_t>(got);
  }
  return true;
}

// The child: waits for 'S', builds its system, publishes, replies, waits for
// 'Q' (or the end of the pipe). Never returns.
[[noreturn]] void host_main(int cmd_fd, int reply_fd, remote_shared* sh) {
  char c = 0;
  if (!read_full(cmd_fd, &c, 1, -1) || c != 'S')
    ::_exit(0); // no remote row ran
  {
    caf::actor_system_config cfg;
    configure(cfg, remote_threads, true);
    caf::actor_system sys{cfg};
    auto echo = sys.spawn(echo_actor);
    // The same receiver, run by the middleman's thread (as caf.io_thread_roles
    // runs the stack's roles): the reading thread handles the tick itself.
    auto io_entry = spawn_at(sys, actor_home::io_thread, entry_actor, sh, echo,
                             caf::actor{});
    auto entry = sys.spawn(entry_actor, sh, echo, io_entry);
    host_reply reply;
    auto port = sys.middleman().publish(entry, 0, "127.0.0.1", true);
    if (port)
      reply.port = *port;
    else
      std::fprintf(stderr, "remote host: publish failed: %s\n",
                   sys.render(port.error()).c_str());
    auto profile = describe(sys, true);
    profile.copy(reply.profile, sizeof(reply.profile) - 1);
    write_full(reply_fd, &reply, sizeof(reply));
    while (read_full(cmd_fd, &c, 1, -1) && c != 'Q')
      ; // ignore anything else
    caf::anon_send_exit(entry, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(io_entry, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(echo, caf::exit_reason::user_shutdown);
  } // the system's destructor joins its threads
  ::_exit(0);
}

class remote_host {
public:
  // Call before this process builds any actor_system.
  void fork_host(int cpu) {
    int cmd[2];
    int reply[2];
    if (::pipe2(cmd, O_CLOEXEC) != 0)
      return;
    if (::pipe2(reply, O_CLOEXEC) != 0) {
      ::close(cmd[0]);
      ::close(cmd[1]);
      return;
    }
    const pid_t parent = ::getpid();
    std::fflush(nullptr);
    pid_ = ::fork();
    if (pid_ == 0) {
      become_child(parent, cpu, child_lifetime_s);
      ::close(cmd[1]);
      ::close(reply[0]);
      host_main(cmd[0], reply[1], sh_.get());
    }
    ::close(cmd[0]);
    ::close(reply[1]);
    if (pid_ < 0) {
      ::close(cmd[1]);
      ::close(reply[0]);
      return;
    }
    cmd_fd_ = cmd[1];
    reply_fd_ = reply[0];
    cpu_ = cpu;
  }

  // Starts the host's actor system once; returns its port, 0 on failure.
  std::uint16_t port() {
    if (!started_ && cmd_fd_ >= 0) {
      started_ = true;
      host_reply reply;
      if (write_full(cmd_fd_, "S", 1)
          && read_full(reply_fd_, &reply, sizeof(reply), 30'000)) {
        port_ = reply.port;
        reply.profile[sizeof(reply.profile) - 1] = '\0';
        profile_ = reply.profile;
      }
    }
    return port_;
  }

  const std::string& profile() const { return profile_; }
  int cpu() const { return cpu_; }
  remote_shared* shared() const { return sh_.get(); }

  // Tells the host to shut down and reaps it (SIGKILL after a grace period).
  void stop() {
    if (cmd_fd_ >= 0) {
      write_full(cmd_fd_, "Q", 1);
      ::close(cmd_fd_);
      cmd_fd_ = -1;
    }
    if (pid_ > 0) {
      reap_child(pid_, milliseconds(5000));
      pid_ = -1;
    }
    if (reply_fd_ >= 0) {
      ::close(reply_fd_);
      reply_fd_ = -1;
    }
  }

  ~remote_host() { stop(); }

private:
  shared_object<remote_shared> sh_;
  pid_t pid_ = -1;
  int cmd_fd_ = -1;
  int reply_fd_ = -1;
  int cpu_ = -1;
  bool started_ = false;
  std::uint16_t port_ = 0;
  std::string profile_;
};

std::unique_ptr<remote_host> host;

// remote_actor fails at once if nobody listens: retry with backoff (~5 s).
caf::expected<caf::actor> connect(caf::actor_system& sys, std::uint16_t port) {
  auto delay = milliseconds(10);
  for (int attempt = 1;; ++attempt) {
    auto x = sys.middleman().remote_actor("127.0.0.1", port);
    if (x || attempt == 10)
      return x;
    std::this_thread::sleep_for(delay);
    delay = std::min(delay * 2, milliseconds(1000));
  }
}

std::string remote_profile(caf::actor_system& sys, int my_cpu) {
  return "two processes on 127.0.0.1; sender: " + cpu_text(my_cpu) + ", "
         + describe(sys, true) + "; receiver: " + cpu_text(host->cpu()) + ", "
         + host->profile();
}

/// How the driver's system runs its middleman loop: on CAF's thread, or on a
/// thread of ours (io_loop) that the driver can take over.
enum class client_loop { caf_thread, io_loop };

/// The driver's side of a remote row: its own actor system (threads inherit the
/// caller's pinning), connected to the host process's entry actor.
class remote_client {
public:
  remote_client(std::uint16_t port, int my_cpu, client_loop how = client_loop::caf_thread)
    : sys_(configured(cfg_, how)) {
    if (how == client_loop::io_loop)
      loop_ = std::make_unique<io_loop>(sys_);
    watchdog dog{"remote_actor", seconds(30)}; // it may block on a mute peer
    auto x = connect(sys_, port);
    if (!x) {
      error_ = "remote_actor: " + sys_.render(x.error());
      return;
    }
    entry = std::move(*x);
    const auto& pay = payload(sys_);
    payload_bytes = pay.bytes;
    symbol = pay.symbol;
    profile = remote_profile(sys_, my_cpu);
    if (loop_)
      profile += "; the sender's thread runs its middleman loop (io_loop)";
  }

  /// Empty when connected; else why not.
  const std::string& error() const {
    return error_;
  }

  caf::actor_system& sys() {
    return sys_;
  }

  /// The loop the driver may take (client_loop::io_loop), else null.
  io_loop* loop() {
    return loop_.get();
  }

  /// Asks the host's entry for one of its actors (`Atom`: which); empty with
  /// `why` set on failure.
  template <class Atom>
  caf::actor lookup(Atom which, std::string& why) {
    caf::actor found;
    // Its own scoped_actor: the stale timeout goes to a dead actor.
    caf::scoped_actor asker{sys_};
    asker->request(entry, request_timeout, which)
      .receive([&](caf::actor& a) { found = std::move(a); },
               [&](caf::error& err) { why = sys_.render(err); });
    return found;
  }

  caf::actor entry;
  std::size_t payload_bytes = 0;
  std::string symbol;
  std::string profile;

private:
  static caf::actor_system_config& configured(caf::actor_system_config& cfg,
                                              client_loop how) {
    configure(cfg, remote_threads, true);
    if (how == client_loop::io_loop)
      cfg.set("middleman.manual-multiplexing", true);
    return cfg;
  }

  caf::actor_system_config cfg_; // declared first: sys_ is built from it
  caf::actor_system sys_;
  std::unique_ptr<io_loop> loop_; // ends before sys_
  std::string error_;
};

// -- actor_remote_one_way --------------------------------------------------------------

// Who handles a remote one-way hop at either end.
enum class remote_hop {
  /// actor_remote_one_way, the floor's hop: the driver's send wakes its node's
  /// middleman thread, the receiver runs on the host's scheduler.
  to_worker,
  /// ..._io_thread: the receiver runs on the host's middleman thread.
  to_io_thread,
  /// ..._io_loop: that, and the driver's thread runs its own node's loop (as a
  /// spinning strategy in caf.io_thread_roles, or a feed on its I/O thread once
  /// its timer has woken it).
  io_loop_to_io_thread,
};

void bm_actor_remote_one_way(benchmark::State& state, remote_hop hop) {
  affinity_guard restore;
  const int my_cpu = cpu_pair().first;
  pin_current_thread(my_cpu); // before the system: its threads inherit it
  auto port = host->port();
  if (port == 0) {
    state.SkipWithError("the remote host did not start");
    return;
  }
  auto* sh = host->shared();
  bool ok = true;
  std::string profile;
  std::size_t payload_bytes = 0;
  {
    remote_client client{port, my_cpu,
                         hop == remote_hop::io_loop_to_io_thread ? client_loop::io_loop
                                                                 : client_loop::caf_thread};
    if (!client.error().empty()) {
      state.SkipWithError(client.error().c_str());
      return;
    }
    payload_bytes = client.payload_bytes;
    profile = client.profile;
    auto receiver = client.entry;
    if (hop != remote_hop::to_worker) {
      std::string why;
      receiver = client.lookup(io_entry_lookup_atom::value, why);
      if (!receiver) {
        state.SkipWithError(("I/O-thread entry lookup failed: " + why).c_str());
        return;
      }
    }
    // The host is idle between rows: nothing is in flight.
    sh->received.store(0, std::memory_order_relaxed);
    sh->hist.reset();
    auto t = make_tick(client.symbol);
    std::uint64_t seq = 0;
    // Held until the row ends: from here the driver's thread serves the loop.
    io_loop_lease lease{client.loop()};
    auto one = [&] {
      t.sequence = ++seq;
      t.created_ns = mono_ns();
      caf::anon_send(receiver, t);
      if (client.loop()) // it spins on the loop, as the strategy does
        return await_count(sh->received, seq, [&] { lease.run_ready(); }, 0);
      return await_count(sh->received, seq);
    };
    for (std::size_t i = 0; ok && i < warmup_samples; ++i)
      ok = one();
    sh->hist.reset(); // paced: the host recorded everything sent so far
    for (auto _ : state)
      if (!ok || !(ok = one()))
        break;
  }
  if (!ok) {
    state.SkipWithError("a tick was not received in time");
    return;
  }
  report_percentiles(state, sh->hist);
  static constexpr const char* names[] = {"actor_remote_one_way",
                                          "actor_remote_one_way_io_thread",
                                          "actor_remote_one_way_io_loop"};
  static constexpr const char* homes[]
    = {")", "; the receiver runs on its middleman's I/O thread, caf.io_thread_roles)",
       "; the receiver runs on its middleman's I/O thread, and the driver's spinning "
       "thread runs its own node's middleman loop, as the strategy in "
       "caf.io_thread_roles)"};
  auto i = static_cast<std::size_t>(hop);
  rows.add(names[i], sh->hist,
           std::string{"one operation (driver stamps tick.created_ns and sends; the "
                       "receiver actor in the other process records now - created_ns; "
                       "paced"}
             + homes[i],
           profile, payload_bytes);
}

// -- actor_remote_rtt, actor_remote_rtt_blocking ------------------------------------

// How the driver makes its round trips to the echo actor in the other process.
enum class rtt_style { event_based, blocking };

void bm_actor_remote_rtt(benchmark::State& state, rtt_style style) {
  affinity_guard restore;
  const int my_cpu = cpu_pair().first;
  pin_current_thread(my_cpu);
  auto port = host->port();
  if (port == 0) {
    state.SkipWithError("the remote host did not start");
    return;
  }
  auto hist = std::make_unique<latency_histogram>();
  auto sh = std::make_unique<ping_shared>(); // outlives the client's system
  bool ok = true;
  std::string why;
  std::string profile;
  std::size_t payload_bytes = 0;
  {
    remote_client client{port, my_cpu};
    if (!client.error().empty()) {
      state.SkipWithError(client.error().c_str());
      return;
    }
    payload_bytes = client.payload_bytes;
    profile = client.profile;
    auto echo = client.lookup(echo_lookup_atom::value, why);
    if (!echo) {
      state.SkipWithError(("echo lookup failed: " + why).c_str());
      return;
    }
    if (style == rtt_style::event_based) {
      ok = measure_ping_pong(state, client.sys(), echo, make_tick(client.symbol), *sh);
    } else {
      caf::scoped_actor self{client.sys()};
      ok = measure_round_trips(state, self, echo, make_tick(client.symbol), *hist,
                               "actor_remote_rtt_blocking");
    }
  }
  if (!ok) {
    state.SkipWithError("a round trip failed, stalled or timed out");
    return;
  }
  if (style == rtt_style::event_based) {
    report_percentiles(state, sh->hist);
    rows.add("actor_remote_rtt", sh->hist,
             std::string{ping_pong_method} + ", the echo actor in the other process",
             profile, payload_bytes);
    return;
  }
  report_percentiles(state, *hist);
  rows.add("actor_remote_rtt_blocking", *hist,
           "one operation (scoped_actor request(...).receive() to an echo "
           "actor in the other process)",
           profile, payload_bytes);
}

} // namespace

int main(int argc, char** argv) {
  if (!take_caf_overrides(argc, argv))
    return 2;
  auto flags = take_bench_flags(argc, argv);
  if (!flags.ok)
    return 2;
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv))
    return 2;
  child_lifetime_s = flags.quick ? 180 : 900;
  set_pinning(flags.pin);

  // Fork the remote host first: no actor_system exists in this process yet.
  host = std::make_unique<remote_host>();
  host->fork_host(cpu_pair().second);

  auto n = [&](std::size_t full, std::size_t quick) {
    return static_cast<benchmark::IterationCount>(
      sample_count(flags, full, quick));
  };
  benchmark::RegisterBenchmark("actor_local_one_way", bm_actor_local_one_way)
    ->Iterations(n(200'000, 5'000))
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime();
  // Back to back (the floors), then once a millisecond (5 s; the warm-up's
  // 1000 samples take another second).
  for (auto [name, hop, every_ns, full, quick] :
       {std::tuple{"actor_local_one_way_spinning", spinning_hop::one_way, nanos_t{0},
                   200'000, 5'000},
        std::tuple{"actor_local_handoff_spinning", spinning_hop::handoff, nanos_t{0},
                   200'000, 5'000},
        std::tuple{"actor_local_one_way_spinning_every_ms", spinning_hop::one_way,
                   nanos_t{1'000'000}, 5'000, 1'000},
        std::tuple{"actor_local_handoff_spinning_every_ms", spinning_hop::handoff,
                   nanos_t{1'000'000}, 5'000, 1'000}})
    benchmark::RegisterBenchmark(name, bm_actor_local_spinning, hop, every_ns, name)
      ->Iterations(n(full, quick))
      ->Unit(benchmark::kMicrosecond)
      ->UseRealTime();
  benchmark::RegisterBenchmark("actor_local_rtt", bm_actor_local_rtt)
    ->Iterations(n(500'000, 5'000))
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime();
  benchmark::RegisterBenchmark("actor_local_rtt_blocking", bm_actor_local_rtt_blocking)
    ->Iterations(n(500'000, 5'000))
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime();
  benchmark::RegisterBenchmark("actor_remote_one_way", bm_actor_remote_one_way,
                               remote_hop::to_worker)
    ->Iterations(n(200'000, 5'000))
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime();
  benchmark::RegisterBenchmark("actor_remote_one_way_io_thread", bm_actor_remote_one_way,
                               remote_hop::to_io_thread)
    ->Iterations(n(200'000, 5'000))
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime();
  benchmark::RegisterBenchmark("actor_remote_one_way_io_loop", bm_actor_remote_one_way,
                               remote_hop::io_loop_to_io_thread)
    ->Iterations(n(200'000, 5'000))
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime();
  benchmark::RegisterBenchmark("actor_remote_rtt", bm_actor_remote_rtt,
                               rtt_style::event_based)
    ->Iterations(n(200'000, 5'000))
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime();
  benchmark::RegisterBenchmark("actor_remote_rtt_blocking", bm_actor_remote_rtt,
                               rtt_style::blocking)
    ->Iterations(n(200'000, 5'000))
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime();

  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  host->stop();
  return emit_rows(rows.rows(), flags.rows_out) ? 0 : 1;
}
