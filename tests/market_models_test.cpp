// The feeds' market models: deterministic per seed, prices that stay sane, and
// sequence/incarnation stamps a book can check for gaps.
#include "actors/market_models.hpp"
#include "actors/interval_schedule.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <map>
#include <string>
#include <tuple>
#include <vector>

namespace trading {
namespace {

const std::map<std::string, double> three_symbols{
  {"AAPL", 175.0}, {"MSFT", 330.0}, {"XYZ", 1.25}};

std::vector<tick> run_walk(std::uint64_t seed, int steps, double volatility = 0.001,
                           double spread_bps = 2.0, std::uint64_t incarnation = 7,
                           const std::map<std::string, double>& symbols
                           = three_symbols) {
  price_walk walk{symbols, seed, volatility, spread_bps, incarnation};
  std::vector<tick> out;
  for (int i = 0; i < steps; ++i)
    walk.step(out, 1000 + i);
  return out;
}

auto fields(const tick& t) {
  return std::tie(t.symbol, t.top.bid, t.top.ask, t.top.last, t.top.bid_size,
                  t.top.ask_size, t.feed_incarnation, t.sequence, t.created_ns,
                  t.book_received_ns);
}

std::vector<std::int32_t> run_sentiment(std::uint64_t seed, int steps,
                                        std::int32_t start = 50,
                                        std::int32_t step = 5, std::int32_t jump = 20,
                                        double jump_probability = 0.1) {
  sentiment_walk walk{start, seed, step, jump, jump_probability};
  std::vector<std::int32_t> out;
  for (int i = 0; i < steps; ++i)
    out.push_back(walk.next());
  return out;
}

} // namespace

// -- price_walk ---------------------------------------------------------------

TEST(price_walk, same_seed_and_settings_give_identical_ticks) {
  auto a = run_walk(42, 500);
  auto b = run_walk(42, 500);
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i)
    ASSERT_TRUE(fields(a[i]) == fields(b[i])) << "tick " << i << " differs";
}

TEST(price_walk, different_seeds_give_different_prices) {
  auto a = run_walk(42, 100);
  auto b = run_walk(43, 100);
  ASSERT_EQ(a.size(), b.size());
  std::size_t differing = 0;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (a[i].top.last != b[i].top.last)
      ++differing;
  EXPECT_GT(differing, a.size() / 2);
}

TEST(price_walk, each_step_emits_one_tick_per_symbol_in_symbol_order) {
  price_walk walk{three_symbols, 1, 0.001, 2.0, 7};
  EXPECT_EQ(walk.symbol_count(), 3u);
  std::vector<tick> out;
  walk.step(out, 5);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].symbol, "AAPL");
  EXPECT_EQ(out[1].symbol, "MSFT");
  EXPECT_EQ(out[2].symbol, "XYZ");
  walk.step(out, 6);
  EXPECT_EQ(out.size(), 6u); // appends, never clears
}

TEST(price_walk, first_prices_start_near_the_configured_start_prices) {
  auto ticks = run_walk(42, 1);
  ASSERT_EQ(ticks.size(), 3u);
  EXPECT_NEAR(to_double(ticks[0].top.last), 175.0, 175.0 * 0.01);
  EXPECT_NEAR(to_double(ticks[1].top.last), 330.0, 330.0 * 0.01);
}

TEST(price_walk, price_never_falls_below_one_cent_even_with_huge_volatility) {
  auto ticks = run_walk(3, 5000, 2.0);
  auto floor_hits = 0;
  for (auto& t : ticks) {
    ASSERT_GE(t.top.last, to_price(0.01)) << t.symbol << " seq " << t.sequence;
    ASSERT_GE(t.top.bid, 1) << t.symbol << " seq " << t.sequence;
    if (t.top.last == to_price(0.01))
      ++floor_hits;
  }
  EXPECT_GT(floor_hits, 0) << "the floor was never reached: test too weak";
}

TEST(price_walk, bid_is_below_ask_and_last_lies_between) {
  for (double spread : {0.0, 2.0, 50.0, 1000.0}) {
    for (auto& t : run_walk(11, 300, 0.01, spread)) {
      SCOPED_TRACE("spread " + std::to_string(spread) + " seq "
                   + std::to_string(t.sequence));
      ASSERT_LT(t.top.bid, t.top.ask);
      ASSERT_LE(t.top.bid, t.top.last);
      ASSERT_LE(t.top.last, t.top.ask);
    }
  }
}

TEST(price_walk, spread_follows_spread_bps) {
  // 100 bp around 1000.0: half is 5.0 on each side. (A volatility far below one
  // price unit keeps last at 1000.0; 0 would be UB for std::normal_distribution.)
  auto ticks = run_walk(5, 1, 1e-12, 100.0, 7, {{"ONE", 1000.0}});
  ASSERT_EQ(ticks.size(), 1u);
  EXPECT_EQ(ticks[0].top.last, to_price(1000.0));
  EXPECT_EQ(ticks[0].top.bid, to_price(995.0));
  EXPECT_EQ(ticks[0].top.ask, to_price(1005.0));
}

TEST(price_walk, sizes_are_whole_lots_of_one_hundred) {
  for (auto& t : run_walk(9, 100)) {
    ASSERT_EQ(t.top.bid_size % 100, 0);
    ASSERT_EQ(t.top.ask_size % 100, 0);
    ASSERT_GE(t.top.bid_size, 100);
    ASSERT_LE(t.top.ask_size, 1000);
  }
}

TEST(price_walk, sequence_increases_by_one_per_tick_across_symbols) {
  price_walk walk{three_symbols, 42, 0.001, 2.0, 7};
  std::vector<tick> out;
  for (int i = 0; i < 50; ++i)
    walk.step(out, i);
  ASSERT_EQ(out.size(), 150u);
  for (std::size_t i = 0; i < out.size(); ++i)
    ASSERT_EQ(out[i].sequence, i + 1);
  EXPECT_EQ(walk.sequence(), 150u);
}

TEST(price_walk, ticks_carry_the_feed_incarnation_and_creation_time) {
  price_walk walk{three_symbols, 42, 0.001, 2.0, 0xABCDEF0123ull};
  std::vector<tick> out;
  walk.step(out, 123456789);
  for (auto& t : out) {
    EXPECT_EQ(t.feed_incarnation, 0xABCDEF0123ull);
    EXPECT_EQ(t.created_ns, 123456789);
    EXPECT_EQ(t.book_received_ns, 0) << "only the book sets book_received_ns";
  }
}

// -- sentiment_walk -------------------------------------------------------------

TEST(sentiment_walk, stays_within_zero_and_one_hundred) {
  for (std::int32_t start : {0, 50, 100}) {
    sentiment_walk walk{start, 99, 7, 30, 0.3};
    for (int i = 0; i < 10000; ++i) {
      auto x = walk.next();
      ASSERT_GE(x, 0);
      ASSERT_LE(x, 100);
      ASSERT_EQ(x, walk.value());
    }
  }
}

TEST(sentiment_walk, steps_are_plus_or_minus_step_or_jump_unless_clamped) {
  const std::int32_t step = 5, jump = 20;
  sentiment_walk walk{50, 7, step, jump, 0.25};
  auto previous = walk.value();
  auto steps = 0, jumps = 0;
  for (int i = 0; i < 5000; ++i) {
    auto x = walk.next();
    auto size = std::abs(x - previous);
    if (x == 0 || x == 100) {
      ASSERT_LE(size, jump) << "from " << previous << " to " << x;
    } else {
      ASSERT_TRUE(size == step || size == jump) << "from " << previous << " to " << x;
      (size == step ? steps : jumps) += 1;
    }
    previous = x;
  }
  EXPECT_GT(steps, 0);
  EXPECT_GT(jumps, 0);
}

TEST(sentiment_walk, jump_probability_zero_only_steps_and_one_only_jumps) {
  auto only_steps = run_sentiment(3, 200, 50, 3, 30, 0.0);
  auto previous = 50;
  for (auto x : only_steps) {
    if (x != 0 && x != 100) {
      ASSERT_EQ(std::abs(x - previous), 3);
    }
    previous = x;
  }
  auto only_jumps = run_sentiment(3, 200, 50, 3, 10, 1.0);
  previous = 50;
  for (auto x : only_jumps) {
    if (x != 0 && x != 100) {
      ASSERT_EQ(std::abs(x - previous), 10);
    }
    previous = x;
  }
}

TEST(sentiment_walk, is_deterministic_per_seed) {
  EXPECT_EQ(run_sentiment(7, 1000), run_sentiment(7, 1000));
  EXPECT_NE(run_sentiment(7, 1000), run_sentiment(8, 1000));
}

TEST(sentiment_walk, starts_at_the_start_value) {
  sentiment_walk walk{37, 1, 5, 20, 0.1};
  EXPECT_EQ(walk.value(), 37);
}

// -- per-symbol news ---------------------------------------------------------------

std::vector<std::vector<std::int32_t>> run_news(const std::vector<std::string>& symbols,
                                                int steps) {
  news_walk walk{50, 7, 5, 20, 0.1, symbols};
  std::vector<std::vector<std::int32_t>> out(walk.size());
  for (int s = 0; s < steps; ++s) {
    walk.next();
    for (std::size_t i = 0; i < walk.size(); ++i)
      out[i].push_back(walk.value(i));
  }
  return out;
}

TEST(news_walk, per_symbol_news_adds_a_walk_per_symbol_and_keeps_the_market_wide_one) {
  news_walk walk{50, 7, 5, 20, 0.1, {"AAPL", "MSFT"}};
  ASSERT_EQ(walk.size(), 3u);
  EXPECT_EQ(walk.symbol(0), "");
  EXPECT_EQ(walk.symbol(1), "AAPL");
  EXPECT_EQ(walk.symbol(2), "MSFT");
  auto with = run_news({"AAPL", "MSFT"}, 500);
  auto without = run_news({}, 500);
  ASSERT_EQ(without.size(), 1u);
  EXPECT_EQ(with[0], without[0]); // market-wide values unchanged
  EXPECT_EQ(with[0], run_sentiment(7, 500));
  EXPECT_NE(with[1], with[0]); // each symbol walks on its own
  EXPECT_NE(with[1], with[2]);
  EXPECT_EQ(with, run_news({"AAPL", "MSFT"}, 500)); // and deterministically
}

// -- incarnations -----------------------------------------------------------------

TEST(incarnation, two_calls_return_different_nonzero_ids) {
  auto a = new_incarnation_id();
  auto b = new_incarnation_id();
  EXPECT_NE(a, b);
  EXPECT_NE(a, 0u);
  EXPECT_NE(b, 0u);
}

// -- the feeds' timer schedule -------------------------------------------------

TEST(interval_schedule_test, due_times_stay_on_the_grid_however_late_a_firing_is) {
  interval_schedule s{1000, 0, 12'345};
  EXPECT_EQ(s.due(), 12'000); // the current one: fired at once
  auto f = s.advance(12'400);
  EXPECT_EQ(s.due(), 13'000);
  EXPECT_EQ(f.wait_ns, 600);
  f = s.advance(13'950); // fired 950 late: the next is still on the grid
  EXPECT_EQ(s.due(), 14'000);
  EXPECT_EQ(f.wait_ns, 50);
  EXPECT_EQ(f.skipped, 0);
}

TEST(interval_schedule_test, a_phase_shifts_the_grid) {
  interval_schedule s{1000, 500, 12'345};
  EXPECT_EQ(s.due(), 11'500);
  s.advance(11'600);
  EXPECT_EQ(s.due(), 12'500);
  interval_schedule wrapped{1000, 1500, 12'345}; // a phase of more than an interval
  EXPECT_EQ(wrapped.due(), 11'500);
}

TEST(interval_schedule_test, two_schedules_half_an_interval_apart_never_coincide) {
  interval_schedule ticks{1'000'000, 0, 5'000'123};
  interval_schedule news{1'000'000, 500'000, 5'000'456};
  nanos_t now = 5'000'500;
  for (int i = 0; i < 1000; ++i) {
    now += 1'000'000 + (i % 7) * 37'000; // firings late by up to 222 us
    ticks.advance(now);
    news.advance(now);
    auto apart = ((news.due() - ticks.due()) % 1'000'000 + 1'000'000) % 1'000'000;
    ASSERT_EQ(apart, 500'000) << "at firing " << i;
  }
}

TEST(interval_schedule_test, a_long_stall_skips_ahead_instead_of_bursting) {
  interval_schedule s{1000, 0, 0};
  auto within = s.advance(50 * 1000); // 49 intervals late: fire them at once
  EXPECT_EQ(within.skipped, 0);
  EXPECT_LT(within.wait_ns, 0);
  s = interval_schedule{1000, 0, 0};
  auto stalled = s.advance(1'000'000); // 1000 intervals late
  EXPECT_EQ(s.due(), 1'001'000);       // the next due time after now
  EXPECT_EQ(stalled.wait_ns, 1000);
  EXPECT_EQ(stalled.skipped, 1000);
}

} // namespace trading

TEST(PriceWalkRegressions, ZeroVolatilityIsAFlatMarket) {
  trading::price_walk walk({{"FLAT", 100.0}}, 1, 0.0, 2.0, 1);
  std::vector<trading::tick> ticks;
  for (int i = 0; i < 10; ++i)
    walk.step(ticks, 0);
  for (auto& t : ticks)
    EXPECT_EQ(t.top.last, trading::to_price(100.0));
}
