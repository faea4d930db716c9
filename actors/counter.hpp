// A counter that one actor bumps and the node's main thread reads for its stats
// line and summary. No CAF and no messages: reading it costs the actor nothing.
#pragma once

#include <atomic>
#include <cstdint>

namespace trading {

/// One counter per cache line, so actors on different threads never share a line.
/// Each counter has exactly one writing actor (CAF runs an actor on one thread at a
/// time), so a relaxed load+store replaces a locked read-modify-write.
struct alignas(64) counter {
  std::atomic<std::uint64_t> value{0};

  void add(std::uint64_t n = 1) {
    value.store(value.load(std::memory_order_relaxed) + n,
                std::memory_order_relaxed);
  }

  void set(std::uint64_t n) {
    value.store(n, std::memory_order_relaxed);
  }

  std::uint64_t get() const {
    return value.load(std::memory_order_relaxed);
  }
};

/// What every actor counts about messages it did not obey: private messages
/// (stop, timer, peer hand-over) from outside its node, and messages it does not
/// understand at all. Both are dropped, counted and logged (once per interval).
struct guard_metrics {
  counter refused;
  counter dropped;
};

} // namespace trading
