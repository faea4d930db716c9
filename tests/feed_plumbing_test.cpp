// What the feeds run on besides their market models: the timer thread that keeps
// their interval schedule (off CAF's clock thread).
#include "actors/interval_schedule.hpp"
#include "actors/interval_timer.hpp"

#include <gtest/gtest.h>

#include "tests/eventually.hpp"

#include <atomic>
#include <functional>

namespace trading {
namespace {

// -- the feeds' timer thread ----------------------------------------------------

using test_support::eventually;

/// What a feed's wake-up does, counted: how many wake-ups, and when the last came.
struct wake_log {
  std::atomic<int> wakes{0};
  std::atomic<nanos_t> last_ns{0};
  std::function<void()> callback() {
    return [this] {
      last_ns = mono_ns();
      ++wakes;
    };
  }
};

constexpr nanos_t one_ms = 1'000'000;

TEST(interval_timer_test, fires_at_once_then_not_before_the_next_due_time) {
  wake_log log;
  interval_schedule schedule{one_ms, 0, mono_ns()};
  auto first_due = schedule.due();
  interval_timer timer{schedule, log.callback(), "test"};
  ASSERT_TRUE(eventually([&] { return log.wakes == 1; }));
  EXPECT_GE(timer.take(), 1);
  ASSERT_TRUE(eventually([&] { return log.wakes == 2; }));
  EXPECT_GE(log.last_ns.load(), first_due + one_ms);
  EXPECT_GE(timer.take(), 1);
}

TEST(interval_timer_test, a_busy_owner_gets_one_wake_up_and_every_due_interval) {
  wake_log log;
  interval_timer timer{interval_schedule{one_ms, 0, mono_ns()}, log.callback(), "test"};
  // Nothing taken: intervals add up behind the one outstanding wake-up.
  ASSERT_TRUE(eventually([&] { return timer.pending() >= 5; }));
  EXPECT_EQ(log.wakes, 1);
  EXPECT_GE(timer.take(), 5);
  ASSERT_TRUE(eventually([&] { return log.wakes == 2; })); // taken: wakes again
}

TEST(interval_timer_test, an_owner_stalled_for_too_long_plays_one_interval) {
  wake_log log;
  interval_timer timer{interval_schedule{one_ms / 10, 0, mono_ns()}, log.callback(),
                       "test"};
  ASSERT_TRUE(eventually(
    [&] { return timer.pending() > interval_schedule::max_intervals_behind; }));
  EXPECT_EQ(log.wakes, 1); // before take(): then the next interval wakes it again
  EXPECT_EQ(timer.take(), 1); // and a warning: it skipped ahead
}

TEST(interval_timer_test, stop_ends_the_thread_at_once_however_long_the_interval) {
  wake_log log;
  interval_timer timer{interval_schedule{3600 * 1000 * one_ms, 0, mono_ns()},
                       log.callback(), "test"};
  ASSERT_TRUE(eventually([&] { return log.wakes == 1; }));
  timer.stop(); // an hour early: a stop that waited for the interval hangs the test
  timer.stop(); // and again (the destructor does too)
  EXPECT_EQ(log.wakes, 1);
  EXPECT_EQ(timer.take(), 1);
}

} // namespace
} // namespace trading
