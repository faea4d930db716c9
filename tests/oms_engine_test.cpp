// The OMS's execution engine without CAF: fills at the book, rejects with reasons,
// the trades log written before execute() returns, the bounded dedup window, and
// positions with P&L.
#include "actors/append_log.hpp"
#include "actors/execution_engine.hpp"
#include "actors/oms.hpp"
#include "actors/recent_ids.hpp"
#include "messages/json.hpp"

#include <gtest/gtest.h>

#include "tests/temp_dir.hpp"
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <unistd.h>
#include <vector>

namespace trading {
namespace {

using json = nlohmann::json;

using test_support::temp_dir;

std::vector<std::string> read_lines(const std::string& path) {
  std::ifstream in{path};
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);)
    lines.push_back(line);
  return lines;
}

std::vector<json> read_records(const std::string& path) {
  std::vector<json> out;
  for (auto& line : read_lines(path))
    out.push_back(json::parse(line));
  return out;
}

quote top(double bid, double ask) {
  quote q;
  q.bid = to_price(bid);
  q.ask = to_price(ask);
  q.last = (q.bid + q.ask) / 2;
  q.bid_size = q.ask_size = 1'000'000; // deep enough that every order fills at the top
  return q;
}

/// The position the engine reports for `symbol`, if it reports one.
std::optional<position> find_position(const execution_engine& engine,
                                      const std::string& symbol) {
  auto all = engine.positions();
  auto i = std::find_if(all.begin(), all.end(),
                        [&](const position& p) { return p.symbol == symbol; });
  if (i == all.end())
    return std::nullopt;
  return *i;
}

/// How many recent order ids the test engines remember (far more than any test
/// sends, except the one about the window's bound).
constexpr std::size_t dedup_window = 1000;

order make_order(const std::string& id, const std::string& symbol, side dir,
                 quantity_t quantity, double limit = 0.0) { // 0: no limit
  order o;
  o.order_id = id;
  o.symbol = symbol;
  o.dir = dir;
  o.quantity = quantity;
  o.limit_price = to_price(limit);
  o.timestamp_ns = wall_ns();
  return o;
}

class engine_test : public ::testing::Test {
protected:
  engine_test()
    : log_path(dir.file("trades.log")),
      log(log_path),
      engine({"AAPL", "MSFT"}, 1000, dedup_window, 0x1234, log, metrics) {
  }

  /// The engine's position in `symbol` (an empty one if it never had a fill).
  position position_of(const std::string& symbol) {
    return find_position(engine, symbol).value_or(position{});
  }

  // Executes `o` and checks that the outcome is the last line of the log by the
  // time execute() returns.
  execution_report execute(const order& o) {
    auto before = read_lines(log_path).size();
    auto r = engine.execute(o);
    auto lines = read_lines(log_path);
    EXPECT_EQ(lines.size(), before + 1) << "no log line for order " << o.order_id;
    if (!lines.empty()) {
      EXPECT_EQ(lines.back() + "\n", to_log_line(r));
    }
    return r;
  }

  void expect_rejected(const order& o, const std::string& reason_part) {
    SCOPED_TRACE("order " + o.order_id);
    auto r = execute(o);
    EXPECT_EQ(r.status, exec_status::rejected);
    EXPECT_NE(r.reason.find(reason_part), std::string::npos) << r.reason;
    EXPECT_EQ(r.execution_price, no_price);
    auto rec = read_records(log_path).back();
    EXPECT_EQ(rec.at("status"), "REJECTED");
    EXPECT_TRUE(rec.at("execution_price").is_null());
    EXPECT_EQ(rec.at("reason"), r.reason);
  }

  temp_dir dir;
  std::string log_path;
  append_log log;
  oms_metrics metrics;
  execution_engine engine;
};

} // namespace

// -- fills -----------------------------------------------------------------------

TEST_F(engine_test, buy_fills_at_the_ask_and_sell_at_the_bid) {
  engine.on_quote("AAPL", top(99.5, 100.5));
  auto buy = execute(make_order("o-1", "AAPL", side::buy, 10, 101.0));
  EXPECT_EQ(buy.status, exec_status::filled);
  EXPECT_EQ(buy.execution_price, to_price(100.5));
  EXPECT_EQ(buy.order_price, to_price(101.0));
  EXPECT_TRUE(buy.reason.empty());
  auto sell = execute(make_order("o-2", "AAPL", side::sell, 4, 99.0));
  EXPECT_EQ(sell.status, exec_status::filled);
  EXPECT_EQ(sell.execution_price, to_price(99.5));
  EXPECT_EQ(metrics.fills.get(), 2u);
  EXPECT_EQ(metrics.orders_in.get(), 2u);
  EXPECT_EQ(metrics.rejects.get(), 0u);
}

TEST_F(engine_test, fill_uses_the_latest_top_of_book) {
  engine.on_quote("AAPL", top(99.5, 100.5));
  engine.on_quote("AAPL", top(101.0, 101.25));
  auto r = execute(make_order("o-1", "AAPL", side::buy, 1));
  EXPECT_EQ(r.execution_price, to_price(101.25));
}

TEST_F(engine_test, fill_is_a_json_line_with_every_field_and_no_reason) {
  engine.on_quote("AAPL", top(99.5, 100.5));
  auto o = make_order("o-1", "AAPL", side::buy, 10, 101.0);
  auto r = execute(o);
  auto records = read_records(log_path);
  ASSERT_EQ(records.size(), 1u);
  auto& rec = records[0];
  EXPECT_EQ(rec.at("execution_id"), r.execution_id);
  EXPECT_EQ(rec.at("order_id"), "o-1");
  EXPECT_EQ(rec.at("symbol"), "AAPL");
  EXPECT_EQ(rec.at("side"), "BUY");
  EXPECT_EQ(rec.at("quantity"), 10);
  EXPECT_DOUBLE_EQ(rec.at("order_price").get<double>(), 101.0);
  EXPECT_DOUBLE_EQ(rec.at("execution_price").get<double>(), 100.5);
  EXPECT_EQ(rec.at("status"), "FILLED");
  EXPECT_FALSE(rec.contains("reason"));
  // timestamp: epoch seconds, close to now, and the report's whole microseconds.
  auto ts = rec.at("timestamp").get<double>();
  EXPECT_NEAR(ts, static_cast<double>(wall_ns()) / 1e9, 60.0);
  EXPECT_EQ(r.timestamp_ns % 1000, 0);
  execution_report back = rec;
  EXPECT_EQ(back.timestamp_ns, r.timestamp_ns);
  EXPECT_EQ(back.execution_id, r.execution_id);
  EXPECT_EQ(back.execution_price, r.execution_price);
}

// -- rejects ---------------------------------------------------------------------

TEST_F(engine_test, unknown_symbol_is_rejected) {
  expect_rejected(make_order("o-1", "NOPE", side::buy, 10), "unknown symbol 'NOPE'");
}

TEST_F(engine_test, non_positive_quantity_is_rejected) {
  engine.on_quote("AAPL", top(99.5, 100.5));
  expect_rejected(make_order("o-1", "AAPL", side::buy, 0), "quantity must be positive");
  expect_rejected(make_order("o-2", "AAPL", side::sell, -5),
                  "quantity must be positive");
}

TEST_F(engine_test, quantity_over_the_maximum_is_rejected) {
  engine.on_quote("AAPL", top(99.5, 100.5));
  expect_rejected(make_order("o-1", "AAPL", side::buy, 1001), "exceeds the limit");
  auto at_limit = execute(make_order("o-2", "AAPL", side::buy, 1000));
  EXPECT_EQ(at_limit.status, exec_status::filled);
}

TEST_F(engine_test, order_before_any_price_is_rejected) {
  expect_rejected(make_order("o-1", "MSFT", side::buy, 10), "no live book for MSFT");
}

TEST_F(engine_test, order_on_a_side_without_a_price_is_rejected) {
  engine.on_quote("MSFT", top(0.0, 330.0)); // asks only
  EXPECT_EQ(execute(make_order("o-1", "MSFT", side::buy, 1)).status,
            exec_status::filled);
  expect_rejected(make_order("o-2", "MSFT", side::sell, 1), "no live book");
}

TEST_F(engine_test, order_without_an_id_is_rejected) {
  engine.on_quote("AAPL", top(99.5, 100.5));
  expect_rejected(make_order("", "AAPL", side::buy, 10), "missing order id");
}

TEST_F(engine_test, an_order_id_sent_again_gets_the_original_report_marked_repeat) {
  engine.on_quote("AAPL", top(99.5, 100.5));
  auto first = execute(make_order("o-1", "AAPL", side::buy, 10));
  EXPECT_EQ(first.status, exec_status::filled);
  EXPECT_FALSE(first.repeat);
  engine.on_quote("AAPL", top(120.0, 121.0)); // a resend must not see a new price
  auto again = engine.execute(make_order("o-1", "AAPL", side::buy, 10));
  EXPECT_TRUE(again.repeat);
  EXPECT_EQ(again.status, exec_status::filled);
  EXPECT_EQ(again.execution_id, first.execution_id);
  EXPECT_EQ(again.execution_price, first.execution_price);
  EXPECT_EQ(again.sequence, first.sequence);
  EXPECT_EQ(position_of("AAPL").quantity, 10);
  EXPECT_EQ(metrics.fills.get(), 1u);
  EXPECT_EQ(metrics.duplicates.get(), 1u);
  // Never executed or journaled twice.
  auto records = read_records(log_path);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_FALSE(records[0].contains("repeat"));
}

TEST_F(engine_test, a_rejected_order_id_sent_again_gets_the_same_reject) {
  expect_rejected(make_order("o-1", "AAPL", side::buy, 10), "no live book");
  engine.on_quote("AAPL", top(99.5, 100.5));
  auto again = engine.execute(make_order("o-1", "AAPL", side::buy, 10));
  EXPECT_TRUE(again.repeat);
  EXPECT_EQ(again.status, exec_status::rejected);
  EXPECT_NE(again.reason.find("no live book"), std::string::npos) << again.reason;
  EXPECT_EQ(position_of("AAPL").quantity, 0);
  EXPECT_EQ(read_lines(log_path).size(), 1u);
}

// -- group commit ------------------------------------------------------------------

TEST_F(engine_test, a_batch_is_journaled_with_one_write_before_any_answer) {
  engine.on_quote("AAPL", top(99.5, 100.5));
  engine.on_quote("MSFT", top(299.5, 300.5));
  engine.submit(make_order("o-1", "AAPL", side::buy, 10));
  engine.submit(make_order("o-2", "MSFT", side::sell, 5));
  engine.submit(make_order("o-3", "AAPL", side::buy, 0));   // rejected
  engine.submit(make_order("o-1", "AAPL", side::buy, 10));  // in-batch repeat
  EXPECT_EQ(engine.pending(), 4u);
  EXPECT_TRUE(read_lines(log_path).empty()) << "nothing is written before commit";
  EXPECT_EQ(position_of("AAPL").quantity, 0) << "no fill before it is journaled";
  auto reports = engine.commit(mono_ns());
  ASSERT_EQ(reports.size(), 4u);
  EXPECT_EQ(metrics.log_writes.get(), 1u);
  EXPECT_EQ(reports[0].status, exec_status::filled);
  EXPECT_EQ(reports[1].status, exec_status::filled);
  EXPECT_EQ(reports[2].status, exec_status::rejected);
  EXPECT_TRUE(reports[3].repeat);
  EXPECT_EQ(reports[3].execution_id, reports[0].execution_id);
  auto records = read_records(log_path);
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[0].at("sequence"), 1);
  EXPECT_EQ(records[2].at("sequence"), 3);
  EXPECT_EQ(position_of("AAPL").quantity, 10);
  EXPECT_EQ(position_of("MSFT").quantity, -5);
  EXPECT_EQ(engine.pending(), 0u);
}

TEST(group_commit, a_failed_write_rejects_the_whole_batch_and_its_in_batch_repeats) {
  append_log log{"/dev/full"};
  oms_metrics metrics;
  execution_engine engine({"AAPL"}, 1000, dedup_window, 1, log, metrics);
  engine.on_quote("AAPL", top(99.5, 100.5));
  engine.submit(make_order("o-1", "AAPL", side::buy, 10));
  engine.submit(make_order("o-1", "AAPL", side::buy, 10));
  auto reports = engine.commit(mono_ns());
  ASSERT_EQ(reports.size(), 2u);
  for (auto& r : reports) {
    EXPECT_EQ(r.status, exec_status::rejected);
    EXPECT_EQ(r.reason, "trades log unavailable");
  }
  EXPECT_FALSE(find_position(engine, "AAPL").has_value());
  EXPECT_EQ(engine.sequence(), 0u) << "unwritten lines take no journal sequence";
}

TEST(group_commit, fsync_every_and_interval_write_and_answer_the_same) {
  for (auto policy : {fsync_policy::every, fsync_policy::interval}) {
    temp_dir dir;
    append_log log{dir.file("trades.log")};
    oms_metrics metrics;
    execution_engine engine({"AAPL"}, 1000, dedup_window, 1, log, metrics, policy,
                            1'000'000'000);
    engine.on_quote("AAPL", top(99.5, 100.5));
    EXPECT_EQ(engine.execute(make_order("o-1", "AAPL", side::buy, 10)).status,
              exec_status::filled);
    // interval: the first write syncs at once (none was due before), a second
    // one within the interval waits for the timer.
    engine.execute(make_order("o-2", "AAPL", side::buy, 10));
    EXPECT_EQ(engine.sync_pending(), policy == fsync_policy::interval);
    EXPECT_TRUE(engine.sync_now(mono_ns()));
    EXPECT_FALSE(engine.sync_pending());
    EXPECT_EQ(read_lines(dir.file("trades.log")).size(), 2u);
    EXPECT_EQ(metrics.log_failures.get(), 0u);
  }
}

// -- recovery from the journal --------------------------------------------------------

TEST(recovery, a_restarted_engine_answers_from_the_journal_and_keeps_positions) {
  temp_dir dir;
  auto path = dir.file("trades.log");
  execution_report first;
  {
    append_log log{path};
    oms_metrics metrics;
    execution_engine engine({"AAPL", "MSFT"}, 1000, dedup_window, 1, log, metrics);
    engine.on_quote("AAPL", top(99.0, 100.0));
    engine.on_quote("MSFT", top(299.0, 300.0));
    first = engine.execute(make_order("o-1", "AAPL", side::buy, 10));
    engine.on_quote("AAPL", top(110.0, 111.0));
    engine.execute(make_order("o-2", "AAPL", side::sell, 4));
    auto other = make_order("c-1", "MSFT", side::sell, 3);
    other.account = "client";
    engine.execute(other);
  }
  append_log log{path};
  oms_metrics metrics;
  execution_engine engine({"AAPL", "MSFT"}, 1000, dedup_window, 2, log, metrics);
  auto summary = engine.recover();
  EXPECT_EQ(summary.reports, 3u);
  EXPECT_EQ(summary.malformed, 0u);
  EXPECT_EQ(summary.torn_offset, -1);
  EXPECT_EQ(engine.sequence(), 3u);
  auto mine = engine.positions_of("strategy");
  EXPECT_EQ(mine.sequence, 3u);
  ASSERT_EQ(mine.positions.size(), 1u);
  EXPECT_EQ(mine.positions[0].quantity, 6);
  EXPECT_DOUBLE_EQ(mine.positions[0].realized_pnl, 4 * (110.0 - 100.0));
  auto theirs = engine.positions_of("client");
  ASSERT_EQ(theirs.positions.size(), 1u);
  EXPECT_EQ(theirs.positions[0].quantity, -3);
  // The resend of an order answered before the restart: the same answer.
  engine.on_quote("AAPL", top(50.0, 51.0));
  auto again = engine.execute(make_order("o-1", "AAPL", side::buy, 10));
  EXPECT_TRUE(again.repeat);
  EXPECT_EQ(again.execution_id, first.execution_id);
  EXPECT_EQ(again.execution_price, first.execution_price);
  // A new order continues the journal's sequence.
  auto next = engine.execute(make_order("o-3", "AAPL", side::buy, 1));
  EXPECT_EQ(next.sequence, 4u);
  EXPECT_EQ(read_lines(path).size(), 4u);
}

TEST(recovery, a_torn_last_line_is_set_aside_and_the_next_line_starts_fresh) {
  temp_dir dir;
  auto path = dir.file("trades.log");
  {
    append_log log{path};
    oms_metrics metrics;
    execution_engine engine({"AAPL"}, 1000, dedup_window, 1, log, metrics);
    engine.on_quote("AAPL", top(99.0, 100.0));
    engine.execute(make_order("o-1", "AAPL", side::buy, 10));
  }
  auto whole = read_lines(path)[0].size() + 1;
  {
    std::ofstream out{path, std::ios::app};
    out << "not json at all\n" << R"({"execution_id":"x-2","order_id":"o-2","sta)";
  }
  append_log log{path};
  oms_metrics metrics;
  execution_engine engine({"AAPL"}, 1000, dedup_window, 2, log, metrics);
  auto summary = engine.recover();
  EXPECT_EQ(summary.reports, 1u);
  EXPECT_EQ(summary.malformed, 1u);
  EXPECT_EQ(summary.torn_offset, static_cast<std::int64_t>(whole + 16));
  EXPECT_EQ(read_lines(path + ".torn").at(0), R"({"execution_id":"x-2","order_id":"o-2","sta)");
  // o-2 was never answered: it executes now, on a line of its own.
  engine.on_quote("AAPL", top(99.0, 100.0));
  auto r = engine.execute(make_order("o-2", "AAPL", side::buy, 10));
  EXPECT_FALSE(r.repeat);
  auto lines = read_lines(path);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(json::parse(lines[2]).at("order_id"), "o-2");
  EXPECT_EQ(find_position(engine, "AAPL").value_or(position{}).quantity, 20);
}

TEST(recovery, a_missing_log_is_an_empty_journal) {
  temp_dir dir;
  append_log log{dir.file("trades.log")};
  ::unlink(dir.file("trades.log").c_str());
  oms_metrics metrics;
  execution_engine engine({"AAPL"}, 1000, dedup_window, 1, log, metrics);
  auto summary = engine.recover();
  EXPECT_EQ(summary.lines, 0u);
  EXPECT_EQ(engine.sequence(), 0u);
}

TEST(recovery, only_one_writer_may_hold_a_journal) {
  temp_dir dir;
  append_log first{dir.file("trades.log")};
  append_log second{dir.file("trades.log")};
  EXPECT_EQ(first.lock_exclusive(), "");
  auto err = second.lock_exclusive();
  EXPECT_NE(err.find("in use by another process"), std::string::npos) << err;
}

TEST_F(engine_test, rejects_change_no_position) {
  engine.on_quote("AAPL", top(99.5, 100.5));
  execute(make_order("o-1", "AAPL", side::buy, 5000));
  execute(make_order("o-2", "AAPL", side::buy, 0));
  execute(make_order("", "AAPL", side::buy, 10));
  EXPECT_EQ(position_of("AAPL").quantity, 0);
  EXPECT_EQ(metrics.rejects.get(), 3u);
  EXPECT_EQ(metrics.fills.get(), 0u);
}

// -- the dedup window ----------------------------------------------------------------

// The engine remembers only the last `dedup_window` order ids (actors/recent_ids.hpp):
// memory stays bounded however long the OMS runs, and the price is that an id older
// than the window is forgotten, so a resubmit of it executes again. The window must
// therefore cover every id a client might still retry (oms.dedup_window).
TEST(dedup_window, remembers_the_last_ids_and_forgets_the_oldest) {
  temp_dir dir;
  auto path = dir.file("trades.log");
  append_log log{path};
  oms_metrics metrics;
  execution_engine engine({"AAPL"}, 1000, 3, 1, log, metrics);
  engine.on_quote("AAPL", top(99.5, 100.5));
  for (auto id : {"1", "2", "3", "4"})
    ASSERT_EQ(engine.execute(make_order(id, "AAPL", side::buy, 1)).status,
              exec_status::filled)
      << "order " << id;
  // Window now {2, 3, 4}: id 1 was forgotten when 4 came in.
  auto again = engine.execute(make_order("1", "AAPL", side::buy, 1));
  EXPECT_EQ(again.status, exec_status::filled);
  EXPECT_FALSE(again.repeat) << "id 1 is older than the window and executes again";
  // Still within the window (now {3, 4, 1}): answered from it.
  EXPECT_TRUE(engine.execute(make_order("4", "AAPL", side::buy, 1)).repeat);
  EXPECT_TRUE(engine.execute(make_order("1", "AAPL", side::buy, 1)).repeat);
  EXPECT_EQ(metrics.duplicates.get(), 2u);
  EXPECT_EQ(metrics.fills.get(), 5u);
  EXPECT_EQ(find_position(engine, "AAPL").value_or(position{}).quantity, 5);
}

// An id erased (the strategy's timed-out order whose report came late) and inserted
// again must live its full window: the slot it held before is not its slot any more.
TEST(recent_ids, an_erased_then_reinserted_id_outlives_its_old_slot) {
  recent_ids ids{3};
  ids.insert("a"); // slot 0
  EXPECT_TRUE(ids.erase("a"));
  EXPECT_FALSE(ids.erase("a"));
  ids.insert("b"); // slot 1
  ids.insert("a"); // slot 2
  ids.insert("c"); // slot 0 again, which "a" held first: "a" must survive it
  EXPECT_TRUE(ids.contains("a"));
  EXPECT_TRUE(ids.contains("b"));
  EXPECT_TRUE(ids.contains("c"));
  EXPECT_EQ(ids.size(), 3u);
  ids.insert("d"); // slot 1: now "b" is the oldest and goes
  EXPECT_FALSE(ids.contains("b"));
  EXPECT_TRUE(ids.contains("a"));
}

// -- a lost book -----------------------------------------------------------------------

TEST_F(engine_test, cleared_book_rejects_the_next_order_until_a_new_quote) {
  engine.on_quote("AAPL", top(99.5, 100.5));
  EXPECT_EQ(execute(make_order("o-1", "AAPL", side::buy, 1)).status,
            exec_status::filled);
  engine.clear_book(); // the book's node died: no price is live any more
  auto r = execute(make_order("o-2", "AAPL", side::buy, 1));
  EXPECT_EQ(r.status, exec_status::rejected);
  EXPECT_EQ(r.reason.rfind("no live book", 0), 0u) << r.reason;
  EXPECT_EQ(r.execution_price, no_price);
  auto s = execute(make_order("o-3", "AAPL", side::sell, 1));
  EXPECT_EQ(s.reason.rfind("no live book", 0), 0u) << s.reason;
  EXPECT_EQ(position_of("AAPL").quantity, 1);
  // A new book brings prices back.
  engine.on_quote("AAPL", top(101.0, 102.0));
  auto after = execute(make_order("o-4", "AAPL", side::buy, 1));
  EXPECT_EQ(after.status, exec_status::filled);
  EXPECT_EQ(after.execution_price, to_price(102.0));
}

// -- malformed symbols -------------------------------------------------------------------

TEST_F(engine_test, symbol_outside_the_symbol_rule_is_malformed_and_not_echoed) {
  engine.on_quote("AAPL", top(99.5, 100.5));
  int n = 0;
  for (std::string symbol :
       {"A B", "été", "ÉTÉ", "aapl", "", "ABCDEFGHIJKLMNOP" /* 16 characters */}) {
    SCOPED_TRACE("symbol '" + symbol + "'");
    auto o = make_order("m-" + std::to_string(++n), symbol, side::buy, 1);
    expect_rejected(o, "malformed symbol");
    auto r = read_records(log_path).back();
    EXPECT_EQ(r.at("reason").get<std::string>().rfind("malformed symbol", 0), 0u);
    if (!symbol.empty()) {
      EXPECT_EQ(r.at("reason").get<std::string>().find(symbol), std::string::npos)
        << "the reason echoes the symbol";
    }
  }
  EXPECT_EQ(metrics.rejects.get(), 6u);
  EXPECT_TRUE(engine.positions().empty());
}

// -- execution ids -------------------------------------------------------------------

TEST_F(engine_test, execution_ids_are_unique_within_one_engine) {
  engine.on_quote("AAPL", top(99.5, 100.5));
  std::set<std::string> ids;
  for (int i = 0; i < 100; ++i) {
    // Fills and rejects alike get an id.
    auto qty = i % 3 == 0 ? 0 : 1;
    ids.insert(execute(make_order("o-" + std::to_string(i), "AAPL", side::buy, qty))
                 .execution_id);
  }
  EXPECT_EQ(ids.size(), 100u);
}

TEST_F(engine_test, two_engines_of_different_incarnations_give_different_ids) {
  oms_metrics other_metrics;
  execution_engine other({"AAPL"}, 1000, dedup_window, 0x5678, log, other_metrics);
  engine.on_quote("AAPL", top(99.5, 100.5));
  other.on_quote("AAPL", top(99.5, 100.5));
  std::set<std::string> ids;
  for (int i = 0; i < 10; ++i) {
    auto id = "o-" + std::to_string(i);
    ids.insert(engine.execute(make_order(id, "AAPL", side::buy, 1)).execution_id);
    ids.insert(other.execute(make_order(id, "AAPL", side::buy, 1)).execution_id);
  }
  EXPECT_EQ(ids.size(), 20u);
  EXPECT_EQ(read_lines(log_path).size(), 20u);
}

// -- the trades log -------------------------------------------------------------------

TEST(trades_log, existing_content_survives_and_new_records_are_appended) {
  temp_dir dir;
  auto path = dir.file("trades.log");
  std::ofstream{path} << "{\"earlier\":1}\n";
  {
    append_log log{path};
    oms_metrics metrics;
    execution_engine engine({"AAPL"}, 1000, dedup_window, 1, log, metrics);
    engine.on_quote("AAPL", top(99.5, 100.5));
    engine.execute(make_order("o-1", "AAPL", side::buy, 1));
  }
  {
    append_log log{path}; // a restart
    oms_metrics metrics;
    execution_engine engine({"AAPL"}, 1000, dedup_window, 2, log, metrics);
    engine.on_quote("AAPL", top(99.5, 100.5));
    engine.execute(make_order("o-2", "AAPL", side::buy, 1));
  }
  auto lines = read_lines(path);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0], "{\"earlier\":1}");
  EXPECT_EQ(json::parse(lines[1]).at("order_id"), "o-1");
  EXPECT_EQ(json::parse(lines[2]).at("order_id"), "o-2");
}

TEST(trades_log, unwritable_path_throws_naming_the_path) {
  auto path = "/tmp/oms_engine_test_no_such_dir_" + std::to_string(::getpid())
              + "/trades.log";
  try {
    append_log log{path};
    FAIL() << "no exception";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string{e.what()}.find(path), std::string::npos) << e.what();
  }
}

TEST(trades_log, write_failure_rejects_the_order_and_changes_no_position) {
  // /dev/full opens fine and fails every write with ENOSPC.
  append_log log{"/dev/full"};
  EXPECT_FALSE(log.append("x\n").empty());
  oms_metrics metrics;
  execution_engine engine({"AAPL"}, 1000, dedup_window, 1, log, metrics);
  engine.on_quote("AAPL", top(99.5, 100.5));
  auto r = engine.execute(make_order("o-1", "AAPL", side::buy, 10));
  EXPECT_EQ(r.status, exec_status::rejected);
  EXPECT_EQ(r.reason, "trades log unavailable");
  EXPECT_EQ(r.execution_price, no_price);
  EXPECT_EQ(metrics.log_failures.get(), 1u);
  EXPECT_EQ(metrics.fills.get(), 0u);
  EXPECT_EQ(metrics.rejects.get(), 1u);
  auto p = find_position(engine, "AAPL");
  EXPECT_TRUE(!p || p->quantity == 0);
  // An unlogged answer is not remembered: the same order sent again is tried again,
  // not answered from the window.
  auto again = engine.execute(make_order("o-1", "AAPL", side::buy, 10));
  EXPECT_EQ(again.reason, "trades log unavailable");
  EXPECT_FALSE(again.repeat);
  EXPECT_EQ(metrics.duplicates.get(), 0u);
}

// -- positions and P&L ----------------------------------------------------------------

TEST_F(engine_test, buy_then_sell_at_a_higher_price_realizes_the_gain) {
  engine.on_quote("AAPL", top(99.0, 100.0));
  execute(make_order("o-1", "AAPL", side::buy, 10));
  auto open = position_of("AAPL");
  EXPECT_EQ(open.quantity, 10);
  EXPECT_DOUBLE_EQ(open.average_price, 100.0);
  EXPECT_DOUBLE_EQ(open.realized_pnl, 0.0);
  engine.on_quote("AAPL", top(110.0, 111.0));
  execute(make_order("o-2", "AAPL", side::sell, 10));
  auto closed = position_of("AAPL");
  EXPECT_EQ(closed.quantity, 0);
  EXPECT_DOUBLE_EQ(closed.realized_pnl, 100.0);
  EXPECT_DOUBLE_EQ(closed.average_price, 0.0);
  EXPECT_DOUBLE_EQ(closed.last_price, 110.0);
}

TEST_F(engine_test, adding_to_a_position_averages_its_price) {
  engine.on_quote("AAPL", top(99.0, 100.0));
  execute(make_order("o-1", "AAPL", side::buy, 10));
  engine.on_quote("AAPL", top(109.0, 110.0));
  execute(make_order("o-2", "AAPL", side::buy, 30));
  auto p = position_of("AAPL");
  EXPECT_EQ(p.quantity, 40);
  EXPECT_DOUBLE_EQ(p.average_price, 107.5);
  EXPECT_DOUBLE_EQ(p.realized_pnl, 0.0);
}

TEST_F(engine_test, partial_reduction_keeps_the_average_and_realizes_the_closed_part) {
  engine.on_quote("AAPL", top(99.0, 100.0));
  execute(make_order("o-1", "AAPL", side::buy, 10));
  engine.on_quote("AAPL", top(95.0, 96.0));
  execute(make_order("o-2", "AAPL", side::sell, 4));
  auto p = position_of("AAPL");
  EXPECT_EQ(p.quantity, 6);
  EXPECT_DOUBLE_EQ(p.average_price, 100.0);
  EXPECT_DOUBLE_EQ(p.realized_pnl, -20.0);
}

TEST_F(engine_test, reversal_leaves_the_rest_open_at_the_new_price) {
  engine.on_quote("AAPL", top(99.0, 100.0));
  execute(make_order("o-1", "AAPL", side::buy, 10));
  engine.on_quote("AAPL", top(105.0, 106.0));
  execute(make_order("o-2", "AAPL", side::sell, 20));
  auto p = position_of("AAPL");
  EXPECT_EQ(p.quantity, -10);
  EXPECT_DOUBLE_EQ(p.average_price, 105.0);
  EXPECT_DOUBLE_EQ(p.realized_pnl, 50.0);
}

TEST_F(engine_test, short_covered_lower_realizes_the_gain) {
  engine.on_quote("AAPL", top(100.0, 101.0));
  execute(make_order("o-1", "AAPL", side::sell, 10));
  engine.on_quote("AAPL", top(89.0, 90.0));
  execute(make_order("o-2", "AAPL", side::buy, 10));
  auto p = position_of("AAPL");
  EXPECT_EQ(p.quantity, 0);
  EXPECT_DOUBLE_EQ(p.realized_pnl, 100.0);
}

TEST_F(engine_test, positions_are_kept_per_symbol) {
  engine.on_quote("AAPL", top(99.0, 100.0));
  engine.on_quote("MSFT", top(329.0, 330.0));
  execute(make_order("o-1", "AAPL", side::buy, 10));
  execute(make_order("o-2", "MSFT", side::sell, 3));
  EXPECT_EQ(position_of("AAPL").quantity, 10);
  EXPECT_EQ(position_of("MSFT").quantity, -3);
  EXPECT_DOUBLE_EQ(position_of("MSFT").average_price, 329.0);
  // positions() lists each symbol that had a fill, in symbol order.
  auto all = engine.positions();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].symbol, "AAPL");
  EXPECT_EQ(all[1].symbol, "MSFT");
}

TEST_F(engine_test, positions_list_no_symbol_without_a_fill) {
  EXPECT_TRUE(engine.positions().empty());
  engine.on_quote("AAPL", top(99.0, 100.0));
  execute(make_order("o-1", "AAPL", side::buy, 0)); // rejected
  execute(make_order("o-2", "MSFT", side::buy, 1)); // no live book: rejected
  EXPECT_TRUE(engine.positions().empty());
  execute(make_order("o-3", "AAPL", side::buy, 2));
  auto all = engine.positions();
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].symbol, "AAPL");
  EXPECT_EQ(all[0].quantity, 2);
  EXPECT_DOUBLE_EQ(all[0].last_price, 100.0);
}

} // namespace trading

namespace trading {
namespace {

// A peer can send any bytes: a malformed order is rejected and logged, and the
// engine (the OMS actor) survives it.
TEST(OmsEngineMalformedInput, NonUtf8IdsAndSymbolsAreRejectedAndLoggedNotThrown) {
  test_support::temp_dir dir;
  auto path = dir.file("trades.log");
  append_log log{path};
  oms_metrics metrics;
  execution_engine engine{{"AAPL"}, 1000, dedup_window, 1, log, metrics};
  engine.on_quote("AAPL", top(99.0, 100.0));
  order bad_symbol;
  bad_symbol.order_id = "o-1";
  bad_symbol.symbol = "AA\xff\xfe";
  bad_symbol.quantity = 10;
  order bad_id;
  bad_id.order_id = "o-\xc3\x28";
  bad_id.symbol = "AAPL";
  bad_id.quantity = 10;
  execution_report r1, r2;
  ASSERT_NO_THROW(r1 = engine.execute(bad_symbol));
  ASSERT_NO_THROW(r2 = engine.execute(bad_id));
  EXPECT_EQ(r1.status, exec_status::rejected);
  EXPECT_NE(r1.reason.find("malformed symbol"), std::string::npos) << r1.reason;
  EXPECT_EQ(r2.status, exec_status::rejected);
  EXPECT_NE(r2.reason.find("malformed order id"), std::string::npos) << r2.reason;
  std::ifstream in{path};
  std::string line;
  int lines = 0;
  while (std::getline(in, line)) {
    ++lines;
    EXPECT_NO_THROW(nlohmann::json::parse(line)) << line;
  }
  EXPECT_EQ(lines, 2);
  EXPECT_EQ(metrics.fills.get(), 0u);
}

} // namespace
} // namespace trading
