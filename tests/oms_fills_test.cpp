// The OMS engine against depth, without CAF: immediate-or-cancel fills across
// levels (one trades-log line per level), limit prices never bettered by the
// market's worse levels or by slippage, fees, each pre-trade risk limit, P&L on
// hand-computed cases, the end-of-run report, and recovery from a journal with
// PARTIAL lines.
#include "actors/append_log.hpp"
#include "actors/execution_engine.hpp"
#include "actors/oms.hpp"
#include "actors/run_report.hpp"
#include "messages/json.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "tests/temp_dir.hpp"

namespace trading {
namespace {

using json = nlohmann::json;
using test_support::temp_dir;

std::vector<json> records_of(const std::string& path) {
  std::ifstream in{path};
  std::vector<json> out;
  for (std::string line; std::getline(in, line);)
    out.push_back(json::parse(line));
  return out;
}

// A book: asks 100.00 x 100, 100.10 x 200, 100.20 x 300, 100.30 x 400,
// 100.40 x 500; bids 99.90 x 100, 99.80 x 200, ... 99.50 x 500. Last 99.95.
void five_levels(quote& top, book_depth& depth) {
  top.ask = to_price(100.00);
  top.ask_size = 100;
  top.bid = to_price(99.90);
  top.bid_size = 100;
  top.last = to_price(99.95);
  for (std::size_t k = 0; k < book_levels - 1; ++k) {
    auto n = static_cast<price_t>(k + 1);
    depth.asks[k] = level{top.ask + n * to_price(0.10), static_cast<quantity_t>(100 * (n + 1))};
    depth.bids[k] = level{top.bid - n * to_price(0.10), static_cast<quantity_t>(100 * (n + 1))};
  }
}

order make_order(const std::string& id, side dir, quantity_t quantity, double limit,
                 const std::string& account = "strategy") {
  order o;
  o.order_id = id;
  o.account = account;
  o.symbol = "AAPL";
  o.dir = dir;
  o.quantity = quantity;
  o.limit_price = limit > 0 ? to_price(limit) : no_price;
  o.timestamp_ns = wall_ns();
  return o;
}

class fills_test : public ::testing::Test {
protected:
  fills_test() : log_path(dir.file("trades.log")) {
    open();
  }

  // A fresh engine on the same trades log (a restart: it recovers).
  void open() {
    engine.reset();
    log.reset();
    log = std::make_unique<append_log>(log_path);
    engine = std::make_unique<execution_engine>(std::vector<std::string>{"AAPL", "MSFT"},
                                                100'000, 1000, 0x77, *log, metrics);
    engine->set_clock([this](const order&) { return now_ns; });
    engine->recover();
  }

  void quote_levels() {
    quote top;
    book_depth depth;
    five_levels(top, depth);
    engine->on_quote("AAPL", top, depth);
  }

  // Executes `o`; returns the lines it added to the log.
  std::vector<json> run(const order& o) {
    auto before = records_of(log_path).size();
    last = engine->execute(o);
    auto all = records_of(log_path);
    return {all.begin() + static_cast<std::ptrdiff_t>(before), all.end()};
  }

  temp_dir dir;
  std::string log_path;
  oms_metrics metrics;
  std::unique_ptr<append_log> log;
  std::unique_ptr<execution_engine> engine;
  nanos_t now_ns = 1'000'000'000;
  execution_report last;
};

} // namespace

// -- fills across levels -----------------------------------------------------------

TEST_F(fills_test, a_buy_walks_the_asks_one_line_per_level_and_the_last_says_filled) {
  quote_levels();
  auto lines = run(make_order("b-1", side::buy, 450, 0)); // no limit
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0]["status"], "PARTIAL");
  EXPECT_EQ(lines[0]["quantity"], 100);
  EXPECT_DOUBLE_EQ(lines[0]["execution_price"].get<double>(), 100.00);
  EXPECT_EQ(lines[1]["status"], "PARTIAL");
  EXPECT_EQ(lines[1]["quantity"], 200);
  EXPECT_DOUBLE_EQ(lines[1]["execution_price"].get<double>(), 100.10);
  EXPECT_EQ(lines[2]["status"], "FILLED");
  EXPECT_EQ(lines[2]["quantity"], 150);
  EXPECT_DOUBLE_EQ(lines[2]["execution_price"].get<double>(), 100.20);
  for (auto& l : lines) {
    EXPECT_EQ(l["order_quantity"], 450);
    EXPECT_EQ(l["order_id"], "b-1");
    EXPECT_FALSE(l.contains("leaves_quantity"));
  }
  EXPECT_EQ(lines[2]["filled_quantity"], 450);
  // Every line is its own execution with its own journal sequence.
  EXPECT_NE(lines[0]["execution_id"], lines[1]["execution_id"]);
  EXPECT_EQ(lines[1]["sequence"].get<int>(), lines[0]["sequence"].get<int>() + 1);
  // The answer is the last line.
  EXPECT_EQ(last.status, exec_status::filled);
  EXPECT_EQ(last.filled_quantity, 450);
  EXPECT_EQ(last.execution_id, lines[2]["execution_id"]);
  EXPECT_EQ(engine->positions_of("strategy").positions.at(0).quantity, 450);
  EXPECT_EQ(metrics.fills.get(), 3u);
}

TEST_F(fills_test, a_sell_walks_the_bids_down) {
  quote_levels();
  auto lines = run(make_order("s-1", side::sell, 300, 0));
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_DOUBLE_EQ(lines[0]["execution_price"].get<double>(), 99.90);
  EXPECT_DOUBLE_EQ(lines[1]["execution_price"].get<double>(), 99.80);
  EXPECT_EQ(lines[1]["status"], "FILLED");
  EXPECT_EQ(engine->positions_of("strategy").positions.at(0).quantity, -300);
}

TEST_F(fills_test, the_limit_stops_the_walk_and_the_rest_is_cancelled_on_the_last_line) {
  quote_levels();
  auto lines = run(make_order("b-1", side::buy, 1000, 100.15)); // two levels within
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0]["status"], "PARTIAL");
  EXPECT_FALSE(lines[0].contains("leaves_quantity"));
  EXPECT_EQ(lines[1]["status"], "PARTIAL");
  EXPECT_EQ(lines[1]["quantity"], 200);
  EXPECT_EQ(lines[1]["leaves_quantity"], 700);
  EXPECT_EQ(lines[1]["filled_quantity"], 300);
  for (auto& l : lines)
    EXPECT_LE(l["execution_price"].get<double>(), 100.15);
  EXPECT_EQ(last.status, exec_status::partial);
  EXPECT_EQ(last.leaves_quantity, 700);
  EXPECT_EQ(engine->positions_of("strategy").positions.at(0).quantity, 300);
}

TEST_F(fills_test, an_order_larger_than_the_book_takes_every_level_and_cancels_the_rest) {
  quote_levels();
  auto lines = run(make_order("b-1", side::buy, 2000, 0));
  ASSERT_EQ(lines.size(), 5u); // 100 + 200 + 300 + 400 + 500
  EXPECT_EQ(lines.back()["leaves_quantity"], 500);
  EXPECT_EQ(lines.back()["status"], "PARTIAL");
}

TEST_F(fills_test, a_limit_the_best_level_does_not_meet_is_rejected_and_moves_nothing) {
  quote_levels();
  auto lines = run(make_order("b-1", side::buy, 10, 99.99));
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["status"], "REJECTED");
  EXPECT_NE(lines[0]["reason"].get<std::string>().find("no liquidity within the limit"),
            std::string::npos);
  auto sell = run(make_order("s-1", side::sell, 10, 99.91));
  EXPECT_EQ(sell[0]["status"], "REJECTED");
  EXPECT_TRUE(engine->positions_of("strategy").positions.empty());
}

TEST_F(fills_test, a_limit_at_a_level_takes_that_level) {
  quote_levels();
  auto lines = run(make_order("b-1", side::buy, 150, 100.00));
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["quantity"], 100);
  EXPECT_EQ(lines[0]["leaves_quantity"], 50);
}

TEST_F(fills_test, slippage_moves_prices_against_the_order_but_never_past_the_limit) {
  fill_costs costs;
  costs.slippage_bps = 50; // up to 0.5 %: often beyond the limit below
  costs.slippage_seed = 9;
  engine->set_fill_costs(costs);
  quote_levels();
  std::vector<double> prices;
  for (int i = 0; i < 50; ++i) {
    auto lines = run(make_order("b-" + std::to_string(i), side::buy, 250, 100.12));
    for (auto& l : lines) {
      if (l["status"] == "REJECTED")
        continue;
      auto px = l["execution_price"].get<double>();
      EXPECT_LE(px, 100.12);
      prices.push_back(px);
    }
    auto sell = run(make_order("s-" + std::to_string(i), side::sell, 250, 99.85));
    for (auto& l : sell) {
      if (l["status"] != "REJECTED") {
        EXPECT_GE(l["execution_price"].get<double>(), 99.85);
      }
    }
  }
  // Some prices moved off the book's levels (the model is on).
  auto off_level = std::count_if(prices.begin(), prices.end(), [](double p) {
    return std::abs(p - 100.00) > 1e-9 && std::abs(p - 100.10) > 1e-9;
  });
  EXPECT_GT(off_level, 0);
}

TEST_F(fills_test, slippage_is_the_same_for_the_same_seed) {
  auto prices_for = [&](const std::string& tag) {
    fill_costs costs;
    costs.slippage_bps = 20;
    costs.slippage_seed = 4;
    engine->set_fill_costs(costs);
    quote_levels();
    std::vector<double> out;
    for (int i = 0; i < 20; ++i)
      for (auto& l : run(make_order(tag + std::to_string(i), side::buy, 250, 0)))
        out.push_back(l["execution_price"].get<double>());
    return out;
  };
  auto first = prices_for("x-");
  auto second = prices_for("y-"); // set_fill_costs reseeds
  EXPECT_EQ(first, second);
}

TEST_F(fills_test, fees_are_charged_per_share_on_each_line) {
  fill_costs costs;
  costs.fee_per_share = 0.005;
  engine->set_fill_costs(costs);
  quote_levels();
  auto lines = run(make_order("b-1", side::buy, 150, 0));
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_DOUBLE_EQ(lines[0]["fee"].get<double>(), 0.5);  // 100 x 0.005
  EXPECT_DOUBLE_EQ(lines[1]["fee"].get<double>(), 0.25); // 50 x 0.005
  EXPECT_DOUBLE_EQ(engine->report().totals.fees, 0.75);
}

// -- risk limits ---------------------------------------------------------------------

TEST_F(fills_test, max_position_rejects_an_order_that_could_go_beyond_it_per_account) {
  risk_limits limits;
  limits.max_position = 300;
  engine->set_risk_limits(limits);
  quote_levels();
  EXPECT_EQ(engine->execute(make_order("b-1", side::buy, 200, 0)).status, exec_status::filled);
  auto r = engine->execute(make_order("b-2", side::buy, 101, 0));
  EXPECT_EQ(r.status, exec_status::rejected);
  EXPECT_EQ(r.reason, "risk limit oms.risk.max_position (300) exceeded");
  // Reducing is fine, and so is the other side up to the limit.
  EXPECT_EQ(engine->execute(make_order("s-1", side::sell, 500, 0)).status,
            exec_status::filled); // 200 -> -300
  EXPECT_EQ(engine->execute(make_order("s-2", side::sell, 1, 0)).status,
            exec_status::rejected);
  // Another account has its own position.
  EXPECT_EQ(engine->execute(make_order("d-1", side::buy, 300, 0, "desk")).status,
            exec_status::filled);
  EXPECT_EQ(metrics.risk_rejects.get(), 2u);
  EXPECT_EQ(engine->report().rejects.at("risk limit oms.risk.max_position (300) exceeded"),
            2u);
}

TEST_F(fills_test, max_position_counts_the_orders_of_the_same_batch) {
  risk_limits limits;
  limits.max_position = 300;
  engine->set_risk_limits(limits);
  quote_levels();
  engine->submit(make_order("b-1", side::buy, 200, 0));
  engine->submit(make_order("b-2", side::buy, 200, 0)); // 400 once both execute
  auto& reports = engine->commit(mono_ns());
  ASSERT_EQ(reports.size(), 2u);
  EXPECT_EQ(reports[0].status, exec_status::filled);
  EXPECT_EQ(reports[1].status, exec_status::rejected);
}

TEST_F(fills_test, max_orders_per_s_uses_the_engines_clock_not_the_wall) {
  risk_limits limits;
  limits.max_orders_per_s = 3;
  engine->set_risk_limits(limits);
  quote_levels();
  for (int i = 0; i < 3; ++i) {
    now_ns += 100'000'000; // 0.1 s apart in the engine's time
    EXPECT_EQ(engine->execute(make_order("o-" + std::to_string(i), side::buy, 1, 0)).status,
              exec_status::filled);
  }
  now_ns += 100'000'000; // the fourth within one second of the first
  auto r = engine->execute(make_order("o-3", side::buy, 1, 0));
  EXPECT_EQ(r.status, exec_status::rejected);
  EXPECT_EQ(r.reason, "risk limit oms.risk.max_orders_per_s (3) exceeded");
  // Another account has its own rate.
  EXPECT_EQ(engine->execute(make_order("d-0", side::buy, 1, 0, "desk")).status,
            exec_status::filled);
  now_ns += 800'000'000; // exactly one second after the first: it has left the window
  EXPECT_EQ(engine->execute(make_order("o-4", side::buy, 1, 0)).status, exec_status::filled);
  EXPECT_EQ(metrics.risk_rejects.get(), 1u);
}

TEST_F(fills_test, in_a_backtest_the_order_rate_is_counted_in_event_time) {
  risk_limits limits;
  limits.max_orders_per_s = 2;
  engine->set_risk_limits(limits);
  engine->set_clock(event_time_of);
  quote_levels();
  auto at = [](order o, nanos_t event_ns) {
    o.event_ns = event_ns;
    return o;
  };
  // Three orders in one event-time second, however fast the host sends them.
  EXPECT_EQ(engine->execute(at(make_order("o-1", side::buy, 1, 0), 5'000'000'000)).status,
            exec_status::filled);
  EXPECT_EQ(engine->execute(at(make_order("o-2", side::buy, 1, 0), 5'400'000'000)).status,
            exec_status::filled);
  EXPECT_EQ(engine->execute(at(make_order("o-3", side::buy, 1, 0), 5'900'000'000)).status,
            exec_status::rejected);
  // A second of event time later (no wall time at all in between): admitted.
  EXPECT_EQ(engine->execute(at(make_order("o-4", side::buy, 1, 0), 6'000'000'000)).status,
            exec_status::filled);
}

TEST_F(fills_test, price_band_rejects_a_limit_too_far_from_the_last_price) {
  risk_limits limits;
  limits.price_band_bps = 100; // 1 % of 99.95: 98.95 .. 100.95
  engine->set_risk_limits(limits);
  quote_levels();
  auto far = engine->execute(make_order("b-1", side::buy, 10, 101.0));
  EXPECT_EQ(far.status, exec_status::rejected);
  EXPECT_EQ(far.reason, "risk limit oms.risk.price_band_bps (100) exceeded");
  EXPECT_EQ(engine->execute(make_order("b-2", side::buy, 10, 100.9)).status,
            exec_status::filled);
  EXPECT_EQ(engine->execute(make_order("s-1", side::sell, 10, 98.9)).status,
            exec_status::rejected);
}

TEST_F(fills_test, max_quantity_names_its_key) {
  engine = std::make_unique<execution_engine>(std::vector<std::string>{"AAPL"}, 100, 1000,
                                              0x78, *log, metrics);
  quote_levels();
  auto r = engine->execute(make_order("b-1", side::buy, 101, 0));
  EXPECT_EQ(r.reason, "quantity exceeds the limit of 100 (oms.max_quantity)");
}

// -- P&L --------------------------------------------------------------------------

TEST_F(fills_test, pnl_across_levels_is_average_cost_by_hand) {
  quote_levels();
  // BUY 300: 100 @ 100.00 + 200 @ 100.10 -> average (10000 + 20020) / 300 = 100.0666..
  engine->execute(make_order("b-1", side::buy, 300, 0));
  // SELL 250 at the bids: 100 @ 99.90 + 150 @ 99.80
  // realized: 100 x (99.90 - 100.0666..) + 150 x (99.80 - 100.0666..)
  //         = -16.666.. - 40.0 = -56.666..
  engine->execute(make_order("s-1", side::sell, 250, 0));
  auto rep = engine->report();
  ASSERT_EQ(rep.symbols.size(), 1u);
  auto& row = rep.symbols[0];
  EXPECT_EQ(row.trades, 4u);
  EXPECT_EQ(row.volume, 550);
  EXPECT_EQ(row.position, 50);
  EXPECT_NEAR(row.avg_price, 30020.0 / 300.0, 1e-9);
  EXPECT_NEAR(row.realized_pnl, -(100 * (30020.0 / 300 - 99.90) + 150 * (30020.0 / 300 - 99.80)),
              1e-9);
  EXPECT_NEAR(row.realized_pnl, -56.6666666667, 1e-6);
  // Unrealized: 50 marked to the last price 99.95: 50 x (99.95 - 100.0666..) = -5.8333..
  EXPECT_DOUBLE_EQ(row.mark_price, 99.95);
  EXPECT_NEAR(row.unrealized_pnl, 50 * (99.95 - 30020.0 / 300), 1e-9);
  EXPECT_NEAR(row.unrealized_pnl, -5.8333333333, 1e-6);
  EXPECT_EQ(rep.totals.trades, 4u);
  EXPECT_NEAR(rep.totals.realized_pnl, row.realized_pnl, 1e-12);
}

TEST_F(fills_test, a_short_reversed_to_long_realizes_the_short_and_opens_the_rest) {
  quote top;
  top.bid = to_price(50.0);
  top.ask = to_price(50.0);
  top.bid_size = top.ask_size = 1000;
  top.last = to_price(50.0);
  engine->on_quote("MSFT", top);
  auto sell = make_order("s-1", side::sell, 100, 0);
  sell.symbol = "MSFT";
  engine->execute(sell); // short 100 @ 50
  top.ask = to_price(48.0);
  top.last = to_price(49.0);
  engine->on_quote("MSFT", top);
  auto buy = make_order("b-1", side::buy, 300, 0);
  buy.symbol = "MSFT";
  engine->execute(buy); // cover 100 @ 48 (+200), long 200 @ 48
  auto rep = engine->report();
  ASSERT_EQ(rep.symbols.size(), 1u);
  EXPECT_DOUBLE_EQ(rep.symbols[0].realized_pnl, 200.0);
  EXPECT_EQ(rep.symbols[0].position, 200);
  EXPECT_DOUBLE_EQ(rep.symbols[0].avg_price, 48.0);
  EXPECT_DOUBLE_EQ(rep.symbols[0].unrealized_pnl, 200.0); // 200 x (49 - 48)
}

TEST_F(fills_test, the_report_sums_symbols_and_counts_rejects_by_reason) {
  quote_levels();
  engine->execute(make_order("b-1", side::buy, 150, 0));
  engine->execute(make_order("b-2", side::buy, 10, 1.0));   // nothing within the limit
  engine->execute(make_order("b-3", side::buy, 10, 1.0));
  auto bad = make_order("x-1", side::buy, 10, 0);
  bad.symbol = "NOPE";
  engine->execute(bad);
  auto rep = engine->report();
  EXPECT_EQ(rep.totals.trades, 2u);
  EXPECT_EQ(rep.totals.volume, 150);
  EXPECT_EQ(rep.rejects.size(), 2u);
  EXPECT_EQ(rep.rejects.at("no liquidity within the limit price (immediate-or-cancel)"), 2u);
  EXPECT_EQ(rep.rejects.at("unknown symbol 'NOPE'"), 1u);
  auto j = json::parse(report_json(rep));
  EXPECT_EQ(j["symbols"]["AAPL"]["trades"], 2);
  EXPECT_EQ(j["totals"]["volume"], 150);
  EXPECT_TRUE(j["totals"]["avg_price"].is_null());
  for (auto key : {"trades", "volume", "position", "avg_price", "realized_pnl",
                   "unrealized_pnl", "fees"})
    EXPECT_TRUE(j["symbols"]["AAPL"].contains(key)) << key;
  auto table = report_table(rep);
  EXPECT_NE(table.find("AAPL"), std::string::npos) << table;
  EXPECT_NE(table.find("total"), std::string::npos) << table;
  EXPECT_NE(table.find("unknown symbol 'NOPE'"), std::string::npos) << table;
  auto path = dir.file("report.json");
  EXPECT_EQ(write_report(path, rep), "");
  std::ifstream in{path};
  EXPECT_EQ(json::parse(in), j);
}

// -- recovery and repeats -----------------------------------------------------------

TEST_F(fills_test, a_restart_rebuilds_positions_from_partial_lines_and_answers_repeats_alike) {
  quote_levels();
  auto first = engine->execute(make_order("b-1", side::buy, 1000, 100.15)); // 300 of 1000
  ASSERT_EQ(first.status, exec_status::partial);
  auto second = engine->execute(make_order("s-1", side::sell, 250, 0));     // 100 + 150
  ASSERT_EQ(second.status, exec_status::filled);
  auto before = engine->report();
  auto lines_before = records_of(log_path).size();

  open(); // restart on the same log
  auto pos = engine->positions_of("strategy").positions;
  ASSERT_EQ(pos.size(), 1u);
  EXPECT_EQ(pos[0].quantity, 50);
  auto after = engine->report();
  EXPECT_EQ(after.totals.trades, before.totals.trades);
  EXPECT_EQ(after.totals.volume, before.totals.volume);
  EXPECT_NEAR(after.totals.realized_pnl, before.totals.realized_pnl, 1e-9);
  // The same ids again: the original outcomes, nothing executed or logged.
  quote_levels();
  auto again = engine->execute(make_order("b-1", side::buy, 1000, 100.15));
  EXPECT_TRUE(again.repeat);
  EXPECT_EQ(again.status, exec_status::partial);
  EXPECT_EQ(again.filled_quantity, 300);
  EXPECT_EQ(again.leaves_quantity, 700);
  EXPECT_EQ(again.execution_id, first.execution_id);
  auto again2 = engine->execute(make_order("s-1", side::sell, 250, 0));
  EXPECT_TRUE(again2.repeat);
  EXPECT_EQ(again2.execution_id, second.execution_id);
  EXPECT_EQ(records_of(log_path).size(), lines_before);
  EXPECT_EQ(engine->positions_of("strategy").positions[0].quantity, 50);
  // New executions continue the journal's sequence.
  auto next = engine->execute(make_order("b-2", side::buy, 10, 0));
  EXPECT_EQ(next.sequence, lines_before + 1);
}

TEST_F(fills_test, an_order_whose_last_line_was_torn_off_is_answered_with_what_the_log_holds) {
  quote_levels();
  engine->execute(make_order("b-1", side::buy, 450, 0)); // three lines
  engine.reset();
  // Keep the first two lines whole and tear the third (a kill mid-write).
  auto all = records_of(log_path);
  ASSERT_EQ(all.size(), 3u);
  {
    std::ofstream out{log_path, std::ios::trunc};
    out << all[0].dump() << "\n" << all[1].dump() << "\n" << all[2].dump().substr(0, 20);
  }
  open();
  EXPECT_EQ(engine->positions_of("strategy").positions.at(0).quantity, 300);
  quote_levels();
  auto again = engine->execute(make_order("b-1", side::buy, 450, 0));
  EXPECT_TRUE(again.repeat); // never executed a second time
  EXPECT_EQ(again.filled_quantity, 300);
  EXPECT_EQ(again.leaves_quantity, 150);
  EXPECT_EQ(engine->positions_of("strategy").positions.at(0).quantity, 300);
}

TEST_F(fills_test, a_failed_write_executes_nothing_of_a_multi_level_order) {
  engine.reset();
  log = std::make_unique<append_log>("/dev/full");
  engine = std::make_unique<execution_engine>(std::vector<std::string>{"AAPL"}, 100'000,
                                              1000, 0x79, *log, metrics);
  quote_levels();
  auto r = engine->execute(make_order("b-1", side::buy, 450, 0));
  EXPECT_EQ(r.status, exec_status::rejected);
  EXPECT_EQ(r.reason, "trades log unavailable");
  EXPECT_EQ(r.filled_quantity, 0);
  EXPECT_TRUE(engine->positions_of("strategy").positions.empty());
  EXPECT_EQ(engine->sequence(), 0u);
}

} // namespace trading
