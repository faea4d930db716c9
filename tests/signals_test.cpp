// Strategy decision logic, with reference values from the system it grew from.
#include "actors/signals.hpp"

#include <gtest/gtest.h>

#include <initializer_list>
#include <numeric>
#include <string>
#include <vector>

// Inside namespace trading: with `using namespace trading`, `signal` would be
// ambiguous with ::signal from <signal.h> (which GoogleTest includes).
namespace trading {
namespace {

price_window window_of(std::size_t capacity, std::initializer_list<double> prices) {
  price_window w{capacity};
  for (auto p : prices)
    w.push(p);
  return w;
}

} // namespace

// -- to_string ----------------------------------------------------------------

TEST(signals, to_string_names_each_signal) {
  EXPECT_EQ(std::string{to_string(trade_signal::buy)}, "BUY");
  EXPECT_EQ(std::string{to_string(trade_signal::sell)}, "SELL");
  EXPECT_EQ(std::string{to_string(trade_signal::neutral)}, "NEUTRAL");
}

// -- moving averages ----------------------------------------------------------

TEST(signals, sma_is_the_mean_of_the_last_window_values) {
  std::vector<double> prices{100, 102, 104, 106, 108};
  EXPECT_EQ(simple_moving_average(prices, 3), 106.0);
  EXPECT_EQ(simple_moving_average(prices, 5), 104.0);
  EXPECT_EQ(simple_moving_average(prices, 1), 108.0);
  EXPECT_FALSE(simple_moving_average(prices, 10));
  EXPECT_FALSE(simple_moving_average(prices, 0));
  EXPECT_FALSE(simple_moving_average({}, 1));
}

TEST(signals, price_window_averages_match_sma) {
  auto w = window_of(20, {100, 102, 104, 106, 108});
  EXPECT_EQ(w.size(), 5u);
  EXPECT_EQ(w.capacity(), 20u);
  EXPECT_EQ(w.average(3), 106.0);
  EXPECT_EQ(w.average(5), 104.0);
  EXPECT_FALSE(w.average(10));
  EXPECT_FALSE(w.average(0));
}

TEST(signals, price_window_keeps_only_the_last_n) {
  price_window w{20};
  std::vector<double> all;
  for (int i = 1; i <= 25; ++i) {
    double p = 100.0 + i * 1.5;
    w.push(p);
    all.push_back(p);
  }
  EXPECT_EQ(w.size(), 20u);
  EXPECT_EQ(w.capacity(), 20u);
  double last20 = std::accumulate(all.end() - 20, all.end(), 0.0) / 20;
  ASSERT_TRUE(w.average(20));
  EXPECT_DOUBLE_EQ(*w.average(20), last20);
  EXPECT_DOUBLE_EQ(*w.average(20), *simple_moving_average(all, 20));
  EXPECT_DOUBLE_EQ(*w.average(5), *simple_moving_average(all, 5));
  EXPECT_FALSE(w.average(21));
}

TEST(signals, price_window_clear_forgets_prices) {
  auto w = window_of(4, {1, 2, 3, 4, 5});
  w.clear();
  EXPECT_EQ(w.size(), 0u);
  EXPECT_EQ(w.capacity(), 4u);
  EXPECT_FALSE(w.average(1));
  w.push(7);
  EXPECT_EQ(w.average(1), 7.0);
}

TEST(signals, price_window_of_capacity_zero_stays_empty) {
  price_window w{0};
  w.push(1);
  EXPECT_EQ(w.size(), 0u);
  EXPECT_FALSE(w.average(1));
}

// -- price signal -------------------------------------------------------------

TEST(signals, rising_prices_give_buy) {
  auto w = window_of(20, {100, 101, 102, 105, 108});
  EXPECT_EQ(price_signal(w, 2, 4), trade_signal::buy);
}

TEST(signals, falling_prices_give_sell) {
  auto w = window_of(20, {110, 108, 106, 103, 100});
  EXPECT_EQ(price_signal(w, 2, 4), trade_signal::sell);
}

TEST(signals, too_few_prices_give_neutral) {
  price_window w{20};
  for (int i = 0; i < 10; ++i)
    w.push(100.0 + i); // rising, but only 10 of the 20 the long MA needs
  EXPECT_EQ(price_signal(w, 5, 20), trade_signal::neutral);
}

TEST(signals, price_signal_is_a_level_not_a_crossing) {
  price_window w{4};
  for (double p : {100.0, 101.0, 102.0, 105.0}) // short 2 above long 4: BUY
    w.push(p);
  EXPECT_EQ(price_signal(w, 2, 4), trade_signal::buy);
  w.push(108.0); // still above: still BUY, not a one-off event
  EXPECT_EQ(price_signal(w, 2, 4), trade_signal::buy);
}

TEST(signals, flat_prices_give_neutral) {
  price_window w{20};
  for (int i = 0; i < 20; ++i)
    w.push(100.1); // not exactly representable: the sums round differently
  EXPECT_EQ(price_signal(w, 5, 20), trade_signal::neutral);
  EXPECT_EQ(price_signal(w, 3, 7), trade_signal::neutral);
}

// -- sentiment ----------------------------------------------------------------

TEST(signals, sentiment_thresholds_are_strict) {
  EXPECT_EQ(sentiment_signal(75), trade_signal::buy);
  EXPECT_EQ(sentiment_signal(61), trade_signal::buy);
  EXPECT_EQ(sentiment_signal(25), trade_signal::sell);
  EXPECT_EQ(sentiment_signal(39), trade_signal::sell);
  EXPECT_EQ(sentiment_signal(50), trade_signal::neutral);
  EXPECT_EQ(sentiment_signal(40), trade_signal::neutral);
  EXPECT_EQ(sentiment_signal(60), trade_signal::neutral);
  EXPECT_EQ(sentiment_signal(71, 70, 30), trade_signal::buy);
  EXPECT_EQ(sentiment_signal(65, 70, 30), trade_signal::neutral);
}

// -- combination --------------------------------------------------------------

TEST(signals, combine_needs_both_to_agree) {
  struct row {
    trade_signal price, sentiment, want;
  };
  const row table[] = {
    {trade_signal::buy, trade_signal::buy, trade_signal::buy},
    {trade_signal::buy, trade_signal::sell, trade_signal::neutral},
    {trade_signal::buy, trade_signal::neutral, trade_signal::neutral},
    {trade_signal::sell, trade_signal::buy, trade_signal::neutral},
    {trade_signal::sell, trade_signal::sell, trade_signal::sell},
    {trade_signal::sell, trade_signal::neutral, trade_signal::neutral},
    {trade_signal::neutral, trade_signal::buy, trade_signal::neutral},
    {trade_signal::neutral, trade_signal::sell, trade_signal::neutral},
    {trade_signal::neutral, trade_signal::neutral, trade_signal::neutral},
  };
  for (const auto& r : table)
    EXPECT_EQ(combine(r.price, r.sentiment), r.want)
      << to_string(r.price) << " + " << to_string(r.sentiment);
}

// -- target position and orders -----------------------------------------------

TEST(signals, target_follows_buy_and_sell_and_neutral_holds) {
  EXPECT_EQ(target_position(trade_signal::buy, 0, 10), 10);
  EXPECT_EQ(target_position(trade_signal::sell, 10, 10), -10);
  EXPECT_EQ(target_position(trade_signal::neutral, 10, 10), 10);
  EXPECT_EQ(target_position(trade_signal::neutral, -10, 10), -10);
  EXPECT_EQ(target_position(trade_signal::neutral, 0, 10), 0);
}

TEST(signals, flat_and_buy_orders_buy_quantity) {
  auto target = target_position(trade_signal::buy, 0, 10);
  auto d = decide_order(0, target, false);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->dir, side::buy);
  EXPECT_EQ(d->quantity, 10);
}

TEST(signals, long_and_buy_orders_nothing) {
  auto target = target_position(trade_signal::buy, 10, 10);
  EXPECT_FALSE(decide_order(10, target, false));
}

TEST(signals, long_and_sell_reverses_with_twice_the_quantity) {
  auto target = target_position(trade_signal::sell, 10, 10);
  auto d = decide_order(10, target, false);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->dir, side::sell);
  EXPECT_EQ(d->quantity, 20);
  auto back = decide_order(-10, 10, false);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->dir, side::buy);
  EXPECT_EQ(back->quantity, 20);
}

TEST(signals, outstanding_order_blocks_a_new_one) {
  EXPECT_FALSE(decide_order(0, 10, true));
  EXPECT_FALSE(decide_order(10, -10, true));
}

TEST(signals, neutral_keeps_the_target_and_orders_nothing_more) {
  auto target = target_position(trade_signal::neutral, 10, 10);
  EXPECT_EQ(target, 10);
  EXPECT_FALSE(decide_order(10, target, false));
  // Partially filled toward the target: NEUTRAL still completes it.
  auto d = decide_order(4, target, false);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->dir, side::buy);
  EXPECT_EQ(d->quantity, 6);
}

// -- threshold rule (strategy.kind = threshold) -------------------------------------

price_window window_of(std::initializer_list<double> prices, std::size_t capacity = 20) {
  price_window w{capacity};
  for (auto p : prices)
    w.push(p);
  return w;
}

TEST(threshold, back_reads_prices_by_age_across_the_ring) {
  auto w = window_of({1, 2, 3, 4, 5}, 3);
  EXPECT_EQ(w.back(0), 5.0);
  EXPECT_EQ(w.back(2), 3.0);
  EXPECT_FALSE(w.back(3));
}

TEST(threshold, a_move_beyond_the_threshold_is_a_level_either_way) {
  // 100 -> 100.6 over 3 prices: +0.6 %.
  EXPECT_EQ(move_signal(window_of({100, 100.2, 100.6}), 3, 0.5), trade_signal::buy);
  EXPECT_EQ(move_signal(window_of({100, 100.2, 100.6}), 3, 0.6), trade_signal::neutral);
  EXPECT_EQ(move_signal(window_of({100, 99.8, 99.4}), 3, 0.5), trade_signal::sell);
  EXPECT_EQ(move_signal(window_of({100, 99.8, 99.6}), 3, 0.5), trade_signal::neutral);
  // Only the window counts: the 90 before it is forgotten.
  EXPECT_EQ(move_signal(window_of({90, 100, 100, 100}), 3, 0.5), trade_signal::neutral);
}

TEST(threshold, fewer_prices_than_the_window_is_neutral) {
  EXPECT_EQ(move_signal(window_of({100, 120}), 3, 0.5), trade_signal::neutral);
  EXPECT_EQ(move_signal(window_of({100, 120}), 1, 0.5), trade_signal::neutral);
}

TEST(threshold, needs_sentiment_to_agree_before_it_trades) {
  auto up = move_signal(window_of({100, 101}), 2, 0.5);
  EXPECT_EQ(combine(up, sentiment_signal(70)), trade_signal::buy);
  EXPECT_EQ(combine(up, sentiment_signal(50)), trade_signal::neutral);
  EXPECT_EQ(combine(up, sentiment_signal(30)), trade_signal::neutral);
  auto target = target_position(combine(up, sentiment_signal(70)), 0, 10);
  auto d = decide_order(0, target, false);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->dir, side::buy);
  EXPECT_EQ(d->quantity, 10);
}

} // namespace trading
