// Shared support for the micro benchmarks (bench/micro_shm.cpp, micro_oms.cpp and
// bench/micro_actor.cpp): our result rows and their JSON form, our own
// command-line flags, CPU pinning, and the plumbing for benchmarks that fork a
// peer process (shared anonymous memory, reaping children). No CAF here.
//
// A row summarises one latency_histogram of individually timed operations:
//
//   [{"name": "shm_read", "unit": "ns", "count": 100000, "p50": 4, "p90": 5,
//     "p99": 9, "p999": 20, "max": 311, "payload_bytes": 96,
//     "profile": "same process, writer idle",
//     "method": "mean of batch of 1000 reads"}, ...]
#pragma once

#include <sched.h>
#include <sys/types.h>
#include <time.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <memory>
#include <new>
#include <string>
#include <utility>
#include <vector>

#include "actors/latency_histogram.hpp"

namespace trading::bench {

// -- constants ----------------------------------------------------------------

/// Payload of the remote rows: the TCP echo (micro_shm) sends exactly this many
/// bytes; micro_actor pads its tick so that the serialized message comes close
/// and reports the size it measured.
constexpr std::size_t remote_payload_bytes = 128;

/// Samples discarded at the start of every row.
constexpr std::size_t warmup_samples = 1000;

// -- rows ---------------------------------------------------------------------

struct bench_row {
  std::string name;
  std::string unit = "ns";
  std::string method;
  std::string profile;
  std::uint64_t count = 0;
  std::int64_t p50 = 0;
  std::int64_t p90 = 0;
  std::int64_t p99 = 0;
  std::int64_t p999 = 0;
  std::int64_t max = 0;
  std::size_t payload_bytes = 0;
  /// (percent, value) points for the CDF plot.
  std::vector<std::pair<double, std::int64_t>> cdf;
  /// Optional rates of the row, e.g. ("orders_per_s", 250000): written as the
  /// object "rates" when there are any.
  std::vector<std::pair<std::string, double>> rates;
};

/// Percentiles (nearest rank) and max of `h`.
bench_row make_row(std::string name, const latency_histogram& h,
                   std::string method, std::string profile,
                   std::size_t payload_bytes);

/// A JSON array of objects with the keys name, unit, count, p50, p90, p99, p999,
/// max, payload_bytes, profile, method, cdf (and rates, if the row has any).
void write_rows(const std::vector<bench_row>& rows, std::ostream& out);

/// Writes `rows` to the file `path`, or to stdout when `path` is empty.
/// Returns false (after printing why) if the file could not be written.
bool emit_rows(const std::vector<bench_row>& rows, const std::string& path);

/// Collects the histograms of one program's rows by name, in first-seen order.
/// A benchmark that runs more than once (--benchmark_repetitions) merges into
/// its row.
class row_collector {
public:
  void add(const std::string& name, const latency_histogram& h,
           const std::string& method, const std::string& profile,
           std::size_t payload_bytes);

  std::vector<bench_row> rows() const;

private:
  struct entry {
    std::string name;
    std::string method;
    std::string profile;
    std::size_t payload_bytes;
    std::unique_ptr<latency_histogram> hist; // ~34 KiB: keep it off the stack
  };
  std::vector<entry> entries_;
};

// -- flags ----------------------------------------------------------------------

struct bench_flags {
  std::string rows_out; // empty: print the rows to stdout
  bool quick = false;   // fewer samples: each program well under 60 s
  bool pin = true;      // --no_pin: leave both processes of a row unpinned
  bool ok = true;       // false: a flag of ours was malformed (message printed)
};

/// Removes `--rows_out=FILE` (or `--rows_out FILE`), `--quick` and `--no_pin`
/// from argv, updating argc, so that benchmark::Initialize sees only its own
/// flags.
bench_flags take_bench_flags(int& argc, char** argv);

/// `full` samples normally, `quick` with --quick.
inline std::size_t sample_count(const bench_flags& f, std::size_t full,
                                std::size_t quick) {
  return f.quick ? quick : full;
}

// -- CPUs -----------------------------------------------------------------------

/// The CPUs this process may run on (from sched_getaffinity), ascending.
std::vector<int> allowed_cpus();

/// Pins the calling thread to `cpu`; threads it creates afterwards inherit
/// that. Returns false (and changes nothing) on failure, which callers ignore.
bool pin_current_thread(int cpu);

/// Call once at start-up, before pinning anything: with `enabled`, cpu_pair()
/// hands out the first two CPUs allowed now; without, nothing gets pinned.
void set_pinning(bool enabled);

/// The CPUs for the two sides of a two-process benchmark: {first, second}
/// allowed CPU, or {-1, -1} (do not pin: pin_current_thread(-1) is a no-op)
/// when pinning is off or only one CPU is allowed.
std::pair<int, int> cpu_pair();

/// Restores the calling thread's CPU affinity on destruction.
class affinity_guard {
public:
  affinity_guard();
  ~affinity_guard();
  affinity_guard(const affinity_guard&) = delete;
  affinity_guard& operator=(const affinity_guard&) = delete;

private:
  cpu_set_t saved_;
  bool valid_ = false;
};

// -- processes ------------------------------------------------------------------

/// Memory shared with children forked later (MAP_SHARED | MAP_ANONYMOUS), holding
/// one T constructed in place. T must be usable by two processes at once: plain
/// data and lock-free atomics only.
class shared_region {
public:
  explicit shared_region(std::size_t bytes); // throws std::runtime_error
  ~shared_region();
  shared_region(const shared_region&) = delete;
  shared_region& operator=(const shared_region&) = delete;
  void* data() const { return data_; }

private:
  void* data_ = nullptr;
  std::size_t size_ = 0;
};

template <class T>
class shared_object {
public:
  shared_object() : region_(sizeof(T)), ptr_(new (region_.data()) T()) {}
  ~shared_object() { ptr_->~T(); }
  T* operator->() const { return ptr_; }
  T& operator*() const { return *ptr_; }
  T* get() const { return ptr_; }

private:
  shared_region region_;
  T* ptr_;
};

/// Call first thing in a forked child (`parent` = getpid() before the fork):
/// dies with the parent (PR_SET_PDEATHSIG), dies anyway after `max_lifetime_s`
/// (alarm), pins itself to `cpu` (if >= 0).
void become_child(pid_t parent, int cpu, unsigned max_lifetime_s);

/// Waits up to `grace` for `pid` to exit, then SIGKILLs and reaps it. Returns
/// the raw wait status, or -1 if waitpid failed.
int reap_child(pid_t pid, std::chrono::milliseconds grace);

/// Spins (with a CPU pause, yielding every `yield_every` rounds, 0 = never)
/// until `ready()` returns true or `timeout` passes. Returns ready().
template <class Ready>
bool spin_until(Ready&& ready, std::chrono::nanoseconds timeout,
                unsigned yield_every);

/// Paces a driver to one send per `every_ns` (0: no pacing), spinning on the
/// clock in between as the stack's threads spin between ticks (the `_every_ms`
/// rows, whose paths go cold in between).
class send_pacer {
public:
  explicit send_pacer(std::int64_t every_ns) noexcept : every_ns_(every_ns) {}
  /// Returns once the next send is due: at once the first time.
  void wait() noexcept;

private:
  std::int64_t every_ns_;
  std::int64_t next_ns_ = 0;
};

// -- implementation of templates --------------------------------------------------

inline void cpu_relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield" ::: "memory");
#endif
}

inline void yield_cpu() noexcept {
  sched_yield();
}

inline std::int64_t steady_ns() noexcept {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

inline void send_pacer::wait() noexcept {
  if (every_ns_ <= 0)
    return;
  while (steady_ns() < next_ns_) {
  }
  next_ns_ = steady_ns() + every_ns_;
}

template <class Ready>
bool spin_until(Ready&& ready, std::chrono::nanoseconds timeout,
                unsigned yield_every) {
  std::int64_t deadline = 0;
  for (std::uint64_t round = 1;; ++round) {
    if (ready())
      return true;
    if (yield_every != 0 && round % yield_every == 0)
      yield_cpu();
    else
      cpu_relax();
    if ((round & 0x3ff) == 0) { // read the clock rarely
      auto now = steady_ns();
      if (deadline == 0)
        deadline = now + timeout.count();
      else if (now > deadline)
        return ready();
    }
  }
}

} // namespace trading::bench
