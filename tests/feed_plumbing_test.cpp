// What the feeds run on besides their market models: the timer thread that keeps
// their interval schedule (off CAF's clock thread), and the message a feed fills
// in place and shares with its subscribers.
#include "actors/interval_schedule.hpp"
#include "actors/interval_timer.hpp"
#include "actors/reused_message.hpp"
#include "actors/time_slice.hpp"
#include "messages/market.hpp"
#include "messages/type_ids.hpp"

#include <gtest/gtest.h>

#include "tests/eventually.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <thread>


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
  // 10 ms: a test thread that stalls for a whole second between its two looks
  // below would meet the cap (100 intervals) instead.
  interval_timer timer{interval_schedule{10 * one_ms, 0, mono_ns()}, log.callback(),
                       "test"};
  // Nothing taken: intervals add up behind the one outstanding wake-up.
  ASSERT_TRUE(eventually([&] { return timer.pending() >= 5; }, std::chrono::seconds(30),
                         std::chrono::milliseconds(1)));
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

// -- the timer thread's time slice ----------------------------------------------

TEST(time_slice_test, a_thread_gets_the_short_slice_it_asks_for) {
  std::string why = "not run";
  std::int64_t before = 0, after = 0;
  std::thread{[&] { // a thread of its own: the test's thread keeps its slice
    before = current_time_slice_ns();
    why = request_time_slice(short_time_slice_ns);
    after = current_time_slice_ns();
  }}.join();
  if (why == "the thread is not SCHED_OTHER")
    GTEST_SKIP() << "the test runs under another scheduling policy: " << why;
  ASSERT_EQ(why, "");
  if (after == before && before != short_time_slice_ns)
    GTEST_SKIP() << "this kernel ignores custom slices (Linux 6.12+ has them): the "
                    "slice stayed "
                 << before << " ns";
  EXPECT_EQ(after, short_time_slice_ns);
}

// -- the feed's reused message --------------------------------------------------

tick_batch& fill(reused_message<tick_batch>& m, const char* symbol) {
  auto& b = m.filling([](tick_batch& x) { x.ticks.clear(); });
  tick t;
  t.symbol = symbol;
  b.ticks.push_back(t);
  return b;
}

TEST(reused_message_test, a_receiver_that_still_holds_the_last_one_gets_it_unchanged) {
  reused_message<tick_batch> outgoing;
  fill(outgoing, "AAPL");
  caf::message held = outgoing.sealed(); // a receiver that has not run yet
  fill(outgoing, "MSFT");
  auto next = outgoing.sealed();
  EXPECT_EQ(outgoing.made(), 2u);
  ASSERT_EQ(held.get_as<tick_batch>(0).ticks.size(), 1u);
  EXPECT_EQ(held.get_as<tick_batch>(0).ticks[0].symbol, "AAPL");
  EXPECT_EQ(next.get_as<tick_batch>(0).ticks[0].symbol, "MSFT");
}

TEST(reused_message_test, once_every_receiver_dropped_it_the_next_fills_the_same_storage) {
  reused_message<tick_batch> outgoing;
  auto* first = &fill(outgoing, "AAPL");
  {
    caf::message held = outgoing.sealed(); // received and dropped
  }
  auto* second = &fill(outgoing, "MSFT");
  EXPECT_EQ(first, second);
  EXPECT_EQ(outgoing.made(), 1u);
  auto sent = outgoing.sealed();
  ASSERT_EQ(sent.get_as<tick_batch>(0).ticks.size(), 1u); // reset before refilling
  EXPECT_EQ(sent.get_as<tick_batch>(0).ticks[0].symbol, "MSFT");
}

TEST(reused_message_test, filling_twice_before_sealing_is_one_value) {
  reused_message<tick_batch> outgoing;
  fill(outgoing, "AAPL");
  fill(outgoing, "MSFT");
  EXPECT_EQ(outgoing.sealed().get_as<tick_batch>(0).ticks.size(), 2u);
  EXPECT_EQ(outgoing.made(), 1u);
}

} // namespace
} // namespace trading
