// A thread of its own that keeps an interval_schedule, so that a feed's timer
// does not go through CAF's clock thread. CAF-free: the owner says how to wake
// its actor.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>

#include "actors/interval_schedule.hpp"

namespace trading {

/// Every re-arm with delayed_send wakes CAF's clock thread, which shares the
/// feed's core: measured in one process, feed -> book 2.8 us p50 and
/// tick-to-trade p99 48 us with it, 1.9 us and 20 us with this thread. Its one
/// wake-up per interval happens before the feed stamps the ticks, so that the
/// thread switch falls outside tick-to-trade.
///
/// At most one wake-up is outstanding: intervals that fall due while the owner
/// is busy add up, and the owner takes them all at once with take(). A slow
/// consumer therefore never fills its mailbox with timer messages.
class interval_timer {
public:
  /// Calls `wake` (on the timer's thread) when an interval falls due and the
  /// owner has taken every earlier one. The first interval is due at once.
  /// `owner` names the timer's log lines.
  interval_timer(interval_schedule schedule, std::function<void()> wake,
                 const char* owner);

  /// Stops the thread and waits for it.
  ~interval_timer();

  interval_timer(const interval_timer&) = delete;
  interval_timer& operator=(const interval_timer&) = delete;

  /// How many intervals to play now: all that fell due since the last take(),
  /// or 1 after the owner stalled for more than
  /// interval_schedule::max_intervals_behind of them (logged), as the schedule
  /// does when the thread itself stalls. 0 if none fell due.
  std::int64_t take();

  /// What take() would find now, without taking it.
  std::int64_t pending() const noexcept {
    return due_.load(std::memory_order_acquire);
  }

  /// Idempotent; returns once the thread has ended, however long the interval.
  void stop();

private:
  void run(interval_schedule schedule);
  void fall_due() {
    if (due_.fetch_add(1, std::memory_order_acq_rel) == 0)
      wake_();
  }

  std::function<void()> wake_;
  const char* owner_;
  std::atomic<std::int64_t> due_{0};
  std::mutex mx_;
  std::condition_variable stopped_;
  bool stopping_ = false;
  std::thread thread_;
};

} // namespace trading
