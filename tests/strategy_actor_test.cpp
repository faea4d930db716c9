// The strategy actor, mostly in book_source = "actor" mode (three tests read a real
// shm segment: two with strategy.wait = futex, one spinning while it runs its
// node's I/O loop), driven by a scoped_actor that
// stands in for the OMS (and the book and news feed): which orders it sends
// (a pass's orders as one order_batch),
// that it holds back while one is outstanding, how fills and rejects move its
// position, how it drains and stops, and how it treats messages it must not obey
// (private ones from outside its node) or does not understand.
#include "actors/append_log.hpp"
#include "actors/io_loop.hpp"
#include "actors/io_thread_actor.hpp"
#include "actors/signals.hpp"
#include "actors/strategy.hpp"
#include "messages/atoms.hpp"
#include "messages/interfaces.hpp"
#include "messages/json.hpp"
#include "messages/type_ids.hpp"
#include "shm/book_segment.hpp"

#include "caf/all.hpp"
#include "caf/io/all.hpp"

#include <gtest/gtest.h>

#include "tests/eventually.hpp"
#include "tests/temp_dir.hpp"
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <initializer_list>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

namespace trading {
namespace {

constexpr auto patience = std::chrono::seconds(5);

using test_support::temp_dir;

class test_config : public caf::actor_system_config {
public:
  /// `own_io_loop`: with the middleman, whose loop an io_loop runs (the node's
  /// setup when caf.io_thread_roles names the strategy).
  explicit test_config(bool own_io_loop = false) {
    register_message_types(*this);
    if (own_io_loop) {
      load<caf::io::middleman>();
      set("middleman.manual-multiplexing", true);
    }
  }
};

news market_news(std::int32_t sentiment, const std::string& symbol = "") {
  news n;
  n.symbol = symbol;
  n.sentiment = sentiment;
  n.label = label_for(sentiment);
  n.feed_incarnation = 1;
  n.created_ns = mono_ns();
  return n;
}

/// A tick as the book republishes it (book_received_ns set).
tick update_at(const std::string& symbol, double last) {
  static std::uint64_t sequence = 0;
  tick u;
  u.symbol = symbol;
  u.top.last = to_price(last);
  u.top.bid = to_price(last - 0.01);
  u.top.ask = to_price(last + 0.01);
  u.top.bid_size = 100;
  u.top.ask_size = 100;
  u.feed_incarnation = 1;
  u.sequence = ++sequence;
  u.created_ns = mono_ns();
  u.book_received_ns = u.created_ns + 1;
  return u;
}

/// For counters the strategy's own thread bumps.
template <class Condition>
bool eventually(Condition condition) {
  return test_support::eventually(condition, patience, std::chrono::milliseconds(1));
}

order make_logged_order(const std::string& id, const std::string& symbol, side dir) {
  order o;
  o.order_id = id;
  o.symbol = symbol;
  o.dir = dir;
  o.quantity = 10;
  o.limit_price = to_price(100);
  o.timestamp_ns = wall_ns();
  return o;
}

execution_report outcome_of(const order& o, exec_status status,
                            std::string reason = {}) {
  execution_report r;
  r.execution_id = "test-" + o.order_id;
  r.order_id = o.order_id;
  r.symbol = o.symbol;
  r.dir = o.dir;
  r.quantity = o.quantity;
  r.order_quantity = o.quantity;
  r.filled_quantity = executed(status) ? o.quantity : 0;
  r.order_price = o.limit_price;
  r.execution_price = executed(status) ? o.limit_price : no_price;
  r.status = status;
  r.reason = std::move(reason);
  r.timestamp_ns = wall_ns() / 1000 * 1000;
  return r;
}

class strategy_test : public ::testing::Test {
protected:
  explicit strategy_test(bool own_io_loop = false)
    : orders_path(dir.file("orders.log")), orders_log(orders_path), cfg(own_io_loop),
      loop(own_io_loop ? std::make_unique<io_loop>(sys) : nullptr) {
  }

  ~strategy_test() override {
    // A test that failed half-way leaves the strategy running; the system's
    // destructor waits for it.
    if (strategy)
      self->send_exit(strategy, caf::exit_reason::user_shutdown);
  }

  /// Spawns the strategy for AAPL and MSFT (windows 2/4, quantity 10) and hands
  /// it `self` as its OMS (from an actor of its own node, as its node does).
  void start(std::int64_t drain_timeout_ms = 2000,
             std::int64_t order_timeout_ms = 600'000) {
    strategy_settings settings;
    settings.book_source = "actor";
    settings.short_window = 2;
    settings.long_window = 4;
    settings.quantity = 10;
    settings.order_timeout_ms = order_timeout_ms; // default: never in a test
    settings.instruments = {"AAPL", "MSFT"};
    settings.drain_timeout_ms = drain_timeout_ms;
    settings.warm_us = warm_us;
    strategy = spawn_strategy(sys, settings, orders_log, metrics);
    // `self` plays every producer: the strategy takes a stream only from the
    // producer its node handed over.
    self->send(strategy, peer_atom::value, caf::actor_cast<sentiment_stream_actor>(self));
    self->send(strategy, peer_atom::value, caf::actor_cast<quote_stream_actor>(self));
    self->send(strategy, peer_atom::value, caf::actor_cast<order_entry_actor>(self));
  }

  template <class T>
  void send(const T& x) {
    self->send(strategy, x);
  }

  void send_prices(const std::string& symbol, std::initializer_list<double> prices) {
    for (auto p : prices)
      send(update_at(symbol, p));
  }

  /// The next order the strategy sends, waiting at most `patience`.
  std::optional<order> next_order() {
    std::optional<order> got;
    self->receive([&](order& o) { got = std::move(o); },
                  caf::after(patience) >> [] {});
    return got;
  }

  /// Keeps sending `symbol` prices from `price` on (stepping by `step`, one every
  /// 5 ms) until an order comes, at most `patience`.
  std::optional<order> order_while_prices_move(const std::string& symbol, double price,
                                               double step) {
    auto deadline = std::chrono::steady_clock::now() + patience;
    while (std::chrono::steady_clock::now() < deadline) {
      send(update_at(symbol, price));
      price += step;
      std::optional<order> got;
      self->receive([&](order& o) { got = std::move(o); },
                    caf::after(std::chrono::milliseconds(5)) >> [] {});
      if (got)
        return got;
    }
    return std::nullopt;
  }

  /// Spawns the strategy on the shm segment `shm_name` (strategy.wait futex, or
  /// with `io` spinning while it runs that loop; AAPL and MSFT, windows 2/4),
  /// hands it `self` as its OMS and news feed and sends positive news; true once
  /// it has attached.
  bool start_on_segment(const std::string& shm_name, io_loop* io = nullptr) {
    strategy_settings settings;
    settings.book_source = "shm";
    settings.wait = io ? "poll" : "futex";
    if (io)
      settings.poll_us = 0; // it spins
    settings.home = io ? actor_home::io_thread : actor_home::scheduler;
    settings.short_window = 2;
    settings.long_window = 4;
    settings.quantity = 10;
    settings.order_timeout_ms = 600'000;
    settings.instruments = {"AAPL", "MSFT"};
    settings.book_shm_name = shm_name;
    strategy = spawn_strategy(sys, settings, orders_log, metrics, io);
    self->send(strategy, peer_atom::value, caf::actor_cast<sentiment_stream_actor>(self));
    self->send(strategy, peer_atom::value, caf::actor_cast<order_entry_actor>(self));
    send(market_news(90));
    return sync() && eventually([&] { return metrics.attaches.get() == 1; });
  }

  /// A slot as the book writes it, at `price` (bid/ask a cent around it).
  static shm::slot_entry slot_at(double price, std::uint64_t sequence) {
    shm::slot_entry e{};
    e.top.last = to_price(price);
    e.top.bid = to_price(price - 0.01);
    e.top.ask = to_price(price + 0.01);
    e.top.bid_size = e.top.ask_size = 100;
    e.feed_incarnation = 1;
    e.feed_sequence = sequence;
    e.tick_created_ns = e.book_received_ns = e.written_ns = mono_ns();
    return e;
  }

  /// Asks the strategy to stop; true if it replied true.
  bool stop() {
    auto replied = false;
    std::string failure;
    self->request(strategy, patience, stop_atom::value)
      .receive([&](bool ok) { replied = ok; },
               [&](caf::error& err) { failure = sys.render(err); });
    EXPECT_TRUE(failure.empty()) << failure;
    return replied;
  }

  /// Waits for the strategy to terminate (after which its metrics and log are
  /// final); true if it did.
  bool await_termination() {
    self->monitor(strategy);
    auto down = false;
    self->receive([&](caf::down_msg& msg) { down = msg.source == strategy; },
                  caf::after(patience) >> [] {});
    if (down)
      strategy = nullptr;
    return down;
  }

  /// Sends news and waits until the strategy has handled it: everything sent to
  /// the strategy from this thread before it has been handled too (a mailbox is
  /// FIFO). False if it was not handled within the patience.
  bool sync() {
    auto before = metrics.news_in.get();
    send(market_news(50, "SYNC")); // a symbol it does not trade: changes nothing
    return eventually([&] { return metrics.news_in.get() > before; });
  }

  /// Whether another order is already waiting in `self`'s mailbox.
  bool order_pending() {
    auto got = false;
    self->receive([&](order&) { got = true; },
                  caf::after(std::chrono::seconds(0)) >> [] {});
    return got;
  }

  std::vector<order> logged_orders() {
    std::ifstream in{orders_path};
    std::vector<order> out;
    for (std::string line; std::getline(in, line);)
      out.push_back(nlohmann::json::parse(line).get<order>());
    return out;
  }

  std::int64_t warm_us = 0; // strategy.warm_us for start()

  // Destroyed in reverse: the system (which waits for the strategy) goes first,
  // then the log and metrics the strategy writes to.
  temp_dir dir;
  std::string orders_path;
  append_log orders_log;
  strategy_metrics metrics;
  test_config cfg;
  caf::actor_system sys{cfg};
  // With `own_io_loop`, the loop on a thread of the test's (as its node's). It
  // ends once every actor is done, so `self` goes first.
  std::unique_ptr<io_loop> loop;
  caf::scoped_actor self{sys};
  caf::actor strategy;
};

} // namespace

TEST_F(strategy_test, rising_prices_with_positive_news_send_one_buy_of_the_quantity) {
  start();
  send(market_news(75));
  auto trigger = update_at("AAPL", 105);
  send_prices("AAPL", {100, 101, 102});
  send(trigger); // the fourth price fills the long window: SMA(2) > SMA(4)
  auto o = next_order();
  ASSERT_TRUE(o) << "no order within " << patience.count() << " s";
  EXPECT_EQ(o->symbol, "AAPL");
  EXPECT_EQ(o->dir, side::buy);
  EXPECT_EQ(o->quantity, 10);
  // BUY at the ask it saw plus the tolerance (100 bps of 105.01, rounded up)
  EXPECT_EQ(o->limit_price, trigger.top.ask + (trigger.top.ask + 99) / 100);
  EXPECT_EQ(o->limit_price,
            limit_with_tolerance(side::buy, trigger.top.ask,
                                 strategy_settings{}.limit_tolerance_bps));
  EXPECT_FALSE(o->order_id.empty());
  EXPECT_EQ(o->tick_created_ns, trigger.created_ns);
  EXPECT_EQ(o->book_received_ns, trigger.book_received_ns);
  EXPECT_GE(o->strategy_seen_ns, trigger.book_received_ns);
  EXPECT_NEAR(static_cast<double>(o->timestamp_ns), static_cast<double>(wall_ns()),
              60e9);
}

// One pass that makes every symbol order (here one tick_batch; over shm one read
// of the segment) sends its orders as one order_batch, so the OMS receives them
// together; the answer comes back as one execution_report_batch.
TEST_F(strategy_test, a_pass_that_orders_every_symbol_sends_one_order_batch) {
  start();
  send(market_news(75));
  send_prices("AAPL", {100, 101, 102});
  send_prices("MSFT", {200, 201, 202});
  ASSERT_TRUE(sync());
  EXPECT_FALSE(order_pending()); // the windows are not full yet
  tick_batch pass;
  pass.ticks = {update_at("AAPL", 105), update_at("MSFT", 205)};
  send(pass);
  std::optional<order_batch> got;
  self->receive([&](order_batch& xs) { got = std::move(xs); },
                caf::after(patience) >> [] {});
  ASSERT_TRUE(got) << "no order_batch within " << patience.count() << " s";
  ASSERT_EQ(got->orders.size(), 2u);
  EXPECT_EQ(got->orders[0].symbol, "AAPL");
  EXPECT_EQ(got->orders[1].symbol, "MSFT");
  for (auto& o : got->orders) {
    EXPECT_EQ(o.dir, side::buy);
    EXPECT_EQ(o.quantity, 10);
  }
  // Consecutive ids of this run ("<8 hex digits>-<n>"), each order its own, short
  // enough for std::string's inline buffer (no allocation per order).
  auto prefix_of = [](const std::string& id) { return id.substr(0, id.find('-') + 1); };
  auto number_of = [](const std::string& id) { return std::stoull(id.substr(id.find('-') + 1)); };
  EXPECT_EQ(prefix_of(got->orders[0].order_id).size(), 9u);
  EXPECT_EQ(prefix_of(got->orders[0].order_id), prefix_of(got->orders[1].order_id));
  EXPECT_EQ(number_of(got->orders[1].order_id), number_of(got->orders[0].order_id) + 1);
  EXPECT_LE(got->orders[1].order_id.size(), std::string{}.capacity());
  EXPECT_EQ(got->orders[0].tick_created_ns, pass.ticks[0].created_ns);
  EXPECT_EQ(got->orders[1].tick_created_ns, pass.ticks[1].created_ns);
  EXPECT_FALSE(order_pending()); // nothing sent on its own besides the batch
  // Both answers in one message: both positions move.
  send(execution_report_batch{{outcome_of(got->orders[0], exec_status::filled),
                               outcome_of(got->orders[1], exec_status::filled)}});
  ASSERT_TRUE(stop());
  ASSERT_TRUE(await_termination());
  EXPECT_EQ(metrics.orders_sent.get(), 2u);
  EXPECT_EQ(metrics.fills.get(), 2u);
  using held = std::pair<std::string, std::int64_t>;
  EXPECT_EQ(metrics.final_positions,
            (std::vector<held>{{"AAPL", 10}, {"MSFT", 10}}));
  auto logged = logged_orders(); // the orders log has both, in the batch's order
  ASSERT_EQ(logged.size(), 2u);
  EXPECT_EQ(logged[0].order_id, got->orders[0].order_id);
  EXPECT_EQ(logged[1].order_id, got->orders[1].order_id);
}

TEST_F(strategy_test, a_partial_fill_moves_the_position_by_what_executed_and_the_rest_is_sent_again) {
  start();
  send(market_news(75));
  send_prices("AAPL", {100, 101, 102, 105});
  auto buy = next_order();
  ASSERT_TRUE(buy);
  ASSERT_EQ(buy->quantity, 10);
  // The OMS's answer is the order's last line: 4 executed, 6 cancelled.
  auto partial = outcome_of(*buy, exec_status::partial);
  partial.quantity = 1; // this line's; the order executed 4 over several lines
  partial.filled_quantity = 4;
  partial.leaves_quantity = 6;
  send(partial);
  send_prices("AAPL", {108}); // still BUY: the rest of the target
  auto rest = next_order();
  ASSERT_TRUE(rest);
  EXPECT_EQ(rest->dir, side::buy);
  EXPECT_EQ(rest->quantity, 6); // from +4 to the target +10
  send(outcome_of(*rest, exec_status::filled));
  ASSERT_TRUE(stop());
  ASSERT_TRUE(await_termination());
  EXPECT_EQ(metrics.fills.get(), 2u);
  EXPECT_EQ(metrics.rejects.get(), 0u);
}

TEST_F(strategy_test, holds_back_while_an_order_is_outstanding_and_reverses_with_twice_the_quantity) {
  start();
  send(market_news(75));
  send_prices("AAPL", {100, 101, 102, 105, 108});
  auto buy = next_order();
  ASSERT_TRUE(buy);
  EXPECT_EQ(buy->dir, side::buy);
  EXPECT_EQ(buy->quantity, 10);
  // Still rising while the BUY is outstanding: these must not produce orders.
  send_prices("AAPL", {110, 112});
  send(outcome_of(*buy, exec_status::filled));
  send(market_news(25));
  auto trigger = update_at("AAPL", 100); // window 108 110 112 100: SMA(2) < SMA(4)
  send(trigger);
  // Messages are handled in order: an order from the extra rising prices would
  // arrive before this one.
  auto sell = next_order();
  ASSERT_TRUE(sell);
  EXPECT_EQ(sell->symbol, "AAPL");
  EXPECT_EQ(sell->dir, side::sell);
  EXPECT_EQ(sell->quantity, 20); // from +10 to -10
  // SELL at the bid it saw less the tolerance
  EXPECT_EQ(sell->limit_price,
            limit_with_tolerance(side::sell, trigger.top.bid,
                                 strategy_settings{}.limit_tolerance_bps));
  EXPECT_NE(sell->order_id, buy->order_id);
  send(outcome_of(*sell, exec_status::filled));
  ASSERT_TRUE(stop());
  ASSERT_TRUE(await_termination());
  EXPECT_FALSE(order_pending());
  EXPECT_EQ(metrics.orders_sent.get(), 2u);
  EXPECT_EQ(metrics.fills.get(), 2u);
  EXPECT_EQ(metrics.rejects.get(), 0u);
  EXPECT_EQ(metrics.book_events.get(), 8u);
  EXPECT_EQ(metrics.news_in.get(), 2u);
  // The orders log holds one JSON line per order sent, in order.
  auto logged = logged_orders();
  ASSERT_EQ(logged.size(), 2u);
  EXPECT_EQ(logged[0].order_id, buy->order_id);
  EXPECT_EQ(logged[0].dir, side::buy);
  EXPECT_EQ(logged[0].quantity, 10);
  EXPECT_EQ(logged[0].limit_price, buy->limit_price);
  EXPECT_EQ(logged[1].order_id, sell->order_id);
  EXPECT_EQ(logged[1].dir, side::sell);
  EXPECT_EQ(logged[1].quantity, 20);
}

TEST_F(strategy_test, after_a_reject_it_backs_off_then_wants_the_full_quantity_again) {
  start();
  send(market_news(75));
  send_prices("AAPL", {100, 101, 102, 105});
  auto first = next_order();
  ASSERT_TRUE(first);
  EXPECT_EQ(first->dir, side::buy);
  auto rejected_at = mono_ns();
  send(outcome_of(*first, exec_status::rejected, "quantity exceeds the limit"));
  // Not on the very next price (no reject storm): the next order comes from a
  // price it saw at least the first backoff (0.1 s) after the reject.
  auto second = order_while_prices_move("AAPL", 108, 1);
  ASSERT_TRUE(second) << "no new order after the backoff";
  EXPECT_GE(second->strategy_seen_ns - rejected_at, 100'000'000)
    << "ordered again right after a reject";
  EXPECT_EQ(second->dir, side::buy);
  EXPECT_EQ(second->quantity, 10) << "the reject moved the position";
  EXPECT_NE(second->order_id, first->order_id);
  send(outcome_of(*second, exec_status::filled));
  ASSERT_TRUE(stop());
  ASSERT_TRUE(await_termination());
  EXPECT_EQ(metrics.rejects.get(), 1u);
  EXPECT_EQ(metrics.fills.get(), 1u);
  EXPECT_EQ(metrics.orders_sent.get(), 2u);
}

TEST_F(strategy_test, rejected_reversal_keeps_the_long_position_and_retries_the_full_reversal) {
  start();
  send(market_news(75));
  send_prices("AAPL", {100, 101, 102, 105});
  auto buy = next_order();
  ASSERT_TRUE(buy);
  send(outcome_of(*buy, exec_status::filled));
  send(market_news(25));
  send_prices("AAPL", {104, 103, 90});
  auto sell = next_order();
  ASSERT_TRUE(sell);
  EXPECT_EQ(sell->dir, side::sell);
  EXPECT_EQ(sell->quantity, 20);
  send(outcome_of(*sell, exec_status::rejected, "no live book for AAPL"));
  auto again = order_while_prices_move("AAPL", 85, -1);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->dir, side::sell);
  EXPECT_EQ(again->quantity, 20); // still +10 -> -10
}

TEST_F(strategy_test, sends_no_order_before_any_news) {
  start();
  send_prices("AAPL", {100, 101, 102, 105, 108});
  send(market_news(75));
  auto trigger = update_at("AAPL", 111);
  send(trigger);
  auto o = next_order();
  ASSERT_TRUE(o);
  // The first order comes from the first price after the news.
  EXPECT_EQ(o->limit_price,
            limit_with_tolerance(side::buy, trigger.top.ask,
                                 strategy_settings{}.limit_tolerance_bps));
  EXPECT_EQ(o->dir, side::buy);
}

TEST_F(strategy_test, symbol_news_overrides_market_news_for_that_symbol) {
  start();
  send(market_news(75));
  send(market_news(25, "AAPL"));
  send_prices("AAPL", {100, 101, 102, 105, 108}); // rising, but AAPL news is bad
  send_prices("MSFT", {300, 301, 302, 305});      // rising, market news good
  auto o = next_order();
  ASSERT_TRUE(o);
  EXPECT_EQ(o->symbol, "MSFT");
  EXPECT_EQ(o->dir, side::buy);
  send(outcome_of(*o, exec_status::filled));
  send_prices("AAPL", {90}); // falling and bad news: sell short
  auto short_sale = next_order();
  ASSERT_TRUE(short_sale);
  EXPECT_EQ(short_sale->symbol, "AAPL");
  EXPECT_EQ(short_sale->dir, side::sell);
  EXPECT_EQ(short_sale->quantity, 10);
}

// strategy.warm_us: while it idles, no-op messages to its OMS (here `self`, in
// this process), from the strategy itself, and no order with them.
TEST_F(strategy_test, with_warm_us_it_keeps_sending_its_oms_a_no_op_while_idle) {
  warm_us = 1000;
  start();
  auto warm = 0;
  caf::strong_actor_ptr from;
  for (auto i = 0; i < 3; ++i)
    self->receive(
      [&](warm_atom) {
        ++warm;
        from = self->current_sender();
      },
      caf::after(patience) >> [] {});
  EXPECT_EQ(warm, 3);
  EXPECT_EQ(from, caf::actor_cast<caf::strong_actor_ptr>(strategy));
  EXPECT_EQ(metrics.orders_sent.get(), 0u);
  EXPECT_FALSE(order_pending());
}

TEST(strategy_warm_use, its_oms_is_kept_warm_outside_a_backtest) {
  strategy_settings cfg;
  EXPECT_EQ(warm_use_for(cfg), warm_use::off); // warm_us 0, the default
  cfg.warm_us = 20;
  EXPECT_EQ(warm_use_for(cfg), warm_use::on);
  cfg.backtest = true;
  EXPECT_EQ(warm_use_for(cfg), warm_use::refused_backtest);
}

TEST_F(strategy_test, without_warm_us_it_sends_its_oms_no_warm_message) {
  start();
  // Handled news means it has the OMS (FIFO). An absence has no event to wait
  // for: 50 ms are five passes of its idle loop (10 ms each in actor mode),
  // the first of which would send one with warm_us set.
  ASSERT_TRUE(sync());
  auto warm = false;
  self->receive([&](warm_atom) { warm = true; },
                caf::after(std::chrono::milliseconds(50)) >> [] {});
  EXPECT_FALSE(warm);
}

TEST_F(strategy_test, report_for_an_unknown_order_does_not_move_the_position) {
  start();
  order fake;
  fake.order_id = "not-ours-1";
  fake.symbol = "AAPL";
  fake.dir = side::buy;
  fake.quantity = 10;
  send(outcome_of(fake, exec_status::filled));
  send(market_news(75));
  send_prices("AAPL", {100, 101, 102, 105});
  auto o = next_order();
  ASSERT_TRUE(o) << "no order: the unknown fill moved the position to the target";
  EXPECT_EQ(o->dir, side::buy);
  EXPECT_EQ(o->quantity, 10);
}

TEST_F(strategy_test, stop_replies_true_and_terminates) {
  start();
  self->monitor(strategy);
  ASSERT_TRUE(stop());
  auto down = false;
  self->receive([&](caf::down_msg& msg) { down = msg.source == strategy; },
                caf::after(patience) >> [] {});
  ASSERT_TRUE(down);
  strategy = nullptr;
  EXPECT_EQ(metrics.orders_sent.get(), 0u);
}

// The drain: with an order in flight, stop is answered only once the order's
// report came in (not at once, and not at the drain timeout), no new order goes out
// meanwhile, and the report still counts.
TEST_F(strategy_test, stop_waits_for_the_report_of_an_order_in_flight) {
  start(60'000); // a drain timeout far beyond the patience: only the report ends it
  send(market_news(75));
  send_prices("AAPL", {100, 101, 102, 105});
  auto o = next_order();
  ASSERT_TRUE(o);
  // The stop goes out now; its reply is collected later from `stopper`'s mailbox.
  caf::scoped_actor stopper{sys};
  auto stopping = stopper->request(strategy, patience, stop_atom::value);
  const char* quit = "the strategy handles nothing after the stop: it quit at once "
                     "instead of draining";
  ASSERT_TRUE(sync()) << quit;
  // While draining, prices that would make an MSFT order make none.
  send_prices("MSFT", {300, 301, 302, 305});
  ASSERT_TRUE(sync()) << quit;
  EXPECT_FALSE(order_pending()) << "an order went out while draining";
  // Make sure its periodic check (every 10 ms, where it answers a finished drain)
  // ran after the stop: the stop was handled before `checked` was read (sync),
  // and the strategy counts a check when it has completed it, so a count past
  // `checked` is a whole check after the stop.
  auto checked = metrics.checks.get();
  ASSERT_TRUE(eventually([&] { return metrics.checks.get() > checked; }))
    << "no periodic check after the stop";
  EXPECT_TRUE(stopper->mailbox().empty())
    << "stop was answered while an order was still in flight";
  // The report ends the drain.
  send(outcome_of(*o, exec_status::filled));
  auto replied = false;
  std::string failure;
  stopping.receive([&](bool ok) { replied = ok; },
                   [&](caf::error& err) { failure = sys.render(err); });
  ASSERT_TRUE(replied) << "no stop reply after the report: " << failure;
  ASSERT_TRUE(await_termination());
  EXPECT_EQ(metrics.fills.get(), 1u) << "the report in the drain was not counted";
  EXPECT_EQ(metrics.orders_sent.get(), 1u);
  EXPECT_EQ(metrics.outcome_unknown.get(), 0u);
  EXPECT_EQ(logged_orders().size(), 1u);
}

TEST_F(strategy_test, stop_gives_up_on_an_unanswered_order_after_the_drain_timeout) {
  constexpr auto drain_timeout = std::chrono::milliseconds(300);
  start(drain_timeout.count());
  send(market_news(75));
  send_prices("AAPL", {100, 101, 102, 105});
  auto o = next_order();
  ASSERT_TRUE(o);
  // Never answered: the drain ends at its bound, not before (the strategy starts
  // its clock when it handles the stop, after this).
  auto sent = std::chrono::steady_clock::now();
  ASSERT_TRUE(stop());
  auto waited = std::chrono::steady_clock::now() - sent;
  EXPECT_GE(waited, drain_timeout) << "stop was answered before the drain timeout";
  EXPECT_LT(waited, patience);
  ASSERT_TRUE(await_termination());
  EXPECT_EQ(metrics.orders_sent.get(), 1u);
  EXPECT_EQ(metrics.fills.get(), 0u);
  EXPECT_EQ(logged_orders().size(), 1u);
}

TEST_F(strategy_test, stop_without_an_order_in_flight_does_not_wait_for_the_drain_timeout) {
  start(60'000);
  send(market_news(75));
  send_prices("AAPL", {100, 101, 102, 105});
  auto o = next_order();
  ASSERT_TRUE(o);
  send(outcome_of(*o, exec_status::filled));
  ASSERT_TRUE(stop()) << "stop waited although nothing was in flight";
  ASSERT_TRUE(await_termination());
  EXPECT_EQ(metrics.fills.get(), 1u);
}

// -- messages it must not obey or does not understand ----------------------------

TEST_F(strategy_test, messages_it_does_not_understand_are_dropped_and_counted) {
  start();
  order wrong_way; // it sends orders, it never takes one
  wrong_way.order_id = "o-1";
  wrong_way.symbol = "AAPL";
  wrong_way.quantity = 10;
  self->send(strategy, std::string{"hello"});
  self->send(strategy, std::int32_t{42});
  self->send(strategy, wrong_way);
  self->send(strategy, std::string{"two"}, std::int32_t{2});
  caf::anon_send(strategy, 3.5);
  ASSERT_TRUE(eventually([&] { return metrics.guard.dropped.get() >= 5; }))
    << "dropped: " << metrics.guard.dropped.get();
  // It keeps working: news, prices, an order, a report, and stop.
  send(market_news(75));
  send_prices("AAPL", {100, 101, 102, 105});
  auto o = next_order();
  ASSERT_TRUE(o) << "no order after the unknown messages";
  EXPECT_EQ(o->dir, side::buy);
  send(outcome_of(*o, exec_status::filled));
  ASSERT_TRUE(stop());
  ASSERT_TRUE(await_termination());
  EXPECT_EQ(metrics.guard.dropped.get(), 5u);
  EXPECT_EQ(metrics.guard.refused.get(), 0u);
  EXPECT_EQ(metrics.news_in.get(), 1u);
  EXPECT_EQ(metrics.fills.get(), 1u);
}

TEST_F(strategy_test, stop_from_an_anonymous_sender_is_refused_and_it_keeps_running) {
  start();
  caf::anon_send(strategy, stop_atom::value);
  ASSERT_TRUE(eventually([&] { return metrics.guard.refused.get() >= 1; }))
    << "the anonymous stop was not refused";
  // Still trading: a draining strategy would send no order.
  send(market_news(75));
  send_prices("AAPL", {100, 101, 102, 105});
  auto o = next_order();
  ASSERT_TRUE(o) << "no order after the refused stop";
  send(outcome_of(*o, exec_status::filled));
  ASSERT_TRUE(sync());
  EXPECT_EQ(metrics.fills.get(), 1u);
  // A stop from an actor of its own node is obeyed.
  ASSERT_TRUE(stop());
  ASSERT_TRUE(await_termination());
  EXPECT_EQ(metrics.guard.refused.get(), 1u);
  EXPECT_EQ(metrics.guard.dropped.get(), 0u);
}

TEST_F(strategy_test, hand_over_from_an_anonymous_sender_is_refused) {
  start();
  caf::scoped_actor intruder{sys};
  caf::anon_send(strategy, peer_atom::value, caf::actor_cast<order_entry_actor>(intruder));
  ASSERT_TRUE(eventually([&] { return metrics.guard.refused.get() >= 1; }))
    << "the anonymous hand-over was not refused";
  // Orders still go to the OMS its node handed over.
  send(market_news(75));
  send_prices("AAPL", {100, 101, 102, 105});
  auto o = next_order();
  ASSERT_TRUE(o) << "the order did not come to the node's OMS";
  auto stolen = false;
  intruder->receive([&](order&) { stolen = true; },
                    caf::after(std::chrono::seconds(0)) >> [] {});
  EXPECT_FALSE(stolen);
  EXPECT_EQ(metrics.guard.refused.get(), 1u);
}

TEST_F(strategy_test, streams_and_answers_from_anyone_but_their_producer_are_refused) {
  start();
  caf::scoped_actor stranger{sys};
  // A stranger's news, prices and fake fill: none may move the strategy.
  stranger->send(strategy, market_news(75));
  for (auto p : {100.0, 101.0, 102.0, 105.0})
    stranger->send(strategy, update_at("AAPL", p));
  order fake;
  fake.order_id = "fake-1";
  fake.symbol = "AAPL";
  fake.dir = side::buy;
  fake.quantity = 10;
  stranger->send(strategy, outcome_of(fake, exec_status::filled));
  ASSERT_TRUE(eventually([&] { return metrics.guard.refused.get() >= 6; }));
  ASSERT_TRUE(sync());
  EXPECT_EQ(metrics.fills.get(), 0u);
  EXPECT_EQ(metrics.book_events.get(), 0u);
  EXPECT_FALSE(order_pending()) << "a stranger's prices and news made it trade";
  // From the producers its node handed over, the same trade goes through.
  send(market_news(75));
  send_prices("AAPL", {100, 101, 102, 105});
  auto o = next_order();
  ASSERT_TRUE(o);
  EXPECT_EQ(o->quantity, 10) << "the stranger's fill moved the position";
}

TEST_F(strategy_test, an_anonymous_exit_message_is_refused_and_its_nodes_obeyed) {
  start();
  self->monitor(strategy);
  caf::anon_send_exit(strategy, caf::exit_reason::user_shutdown);
  ASSERT_TRUE(eventually([&] { return metrics.guard.refused.get() >= 1; }))
    << "an anonymous exit message was not refused";
  ASSERT_TRUE(sync()) << "it stopped on a stranger's exit message";
  self->send_exit(strategy, caf::exit_reason::user_shutdown);
  auto down = false;
  self->receive([&](caf::down_msg& msg) { down = msg.source == strategy; },
                caf::after(patience) >> [] {});
  ASSERT_TRUE(down);
  strategy = nullptr;
}

TEST_F(strategy_test, an_unanswered_order_is_sent_again_with_its_id_until_its_outcome_comes) {
  start(2000, 200);
  send(market_news(75));
  send_prices("AAPL", {100, 101, 102, 105});
  auto buy = next_order();
  ASSERT_TRUE(buy);
  EXPECT_FALSE(buy->resend);
  // Nobody answers: after strategy.order_timeout_ms the same order comes again.
  auto again = next_order();
  ASSERT_TRUE(again) << "no resend within the patience";
  EXPECT_EQ(again->order_id, buy->order_id);
  EXPECT_TRUE(again->resend);
  EXPECT_EQ(again->quantity, buy->quantity);
  EXPECT_EQ(metrics.outcome_unknown.get(), 1u);
  EXPECT_EQ(metrics.unknown_now.load(), 1);
  EXPECT_GE(metrics.resent.get(), 1u);
  // The outcome arrives (the OMS answers the original and the resend alike): it
  // counts once, and "unknown" ends.
  send(outcome_of(*buy, exec_status::filled));
  auto repeat = outcome_of(*buy, exec_status::filled);
  repeat.repeat = true;
  send(repeat);
  ASSERT_TRUE(sync());
  while (order_pending()) {
  } // resends sent before the outcome arrived
  EXPECT_EQ(metrics.unknown_now.load(), 0);
  EXPECT_EQ(metrics.fills.get(), 1u);
  EXPECT_EQ(metrics.repeats.get(), 1u);
  // The reversal that follows sells twice the quantity: the fill counted once.
  send(market_news(25));
  auto sell = order_while_prices_move("AAPL", 100, -5);
  ASSERT_TRUE(sell);
  EXPECT_EQ(sell->dir, side::sell);
  EXPECT_EQ(sell->quantity, 20);
  // Both sends are in the orders log, the second marked as a resend.
  send(outcome_of(*sell, exec_status::filled));
  ASSERT_TRUE(stop());
  ASSERT_TRUE(await_termination());
  auto logged = logged_orders();
  ASSERT_GE(logged.size(), 3u);
  EXPECT_EQ(logged[1].order_id, buy->order_id);
  EXPECT_TRUE(logged[1].resend);
}

TEST_F(strategy_test, on_the_oms_link_it_asks_for_its_positions_and_resends_what_is_pending) {
  start();
  // The node hands over the OMS: first the account's positions are asked.
  std::optional<std::string> asked;
  self->receive([&](positions_atom, const std::string& account) { asked = account; },
                caf::after(patience) >> [] {});
  ASSERT_TRUE(asked);
  EXPECT_EQ(*asked, "strategy");
  send(market_news(75));
  send_prices("AAPL", {100, 101, 102, 105});
  auto buy = next_order();
  ASSERT_TRUE(buy);
  // The OMS link drops and comes back: positions first, then the same order.
  self->send(strategy, peer_atom::value, order_entry_actor{});
  self->send(strategy, peer_atom::value, caf::actor_cast<order_entry_actor>(self));
  asked.reset();
  self->receive([&](positions_atom, const std::string& account) { asked = account; },
                caf::after(patience) >> [] {});
  ASSERT_TRUE(asked);
  auto again = next_order();
  ASSERT_TRUE(again);
  EXPECT_EQ(again->order_id, buy->order_id);
  EXPECT_TRUE(again->resend);
}

TEST_F(strategy_test, it_adopts_the_oms_positions_and_does_not_count_a_fill_they_hold) {
  start();
  send(market_news(75));
  send_prices("AAPL", {100, 101, 102, 105});
  auto buy = next_order();
  ASSERT_TRUE(buy);
  // The OMS says: AAPL +10, as of journal sequence 7 (which holds this buy).
  account_positions theirs;
  theirs.account = "strategy";
  theirs.sequence = 7;
  position aapl;
  aapl.symbol = "AAPL";
  aapl.quantity = 10;
  theirs.positions = {aapl};
  self->send(strategy, theirs);
  auto fill = outcome_of(*buy, exec_status::filled);
  fill.sequence = 7;
  fill.repeat = true;
  send(fill);
  ASSERT_TRUE(sync());
  EXPECT_EQ(metrics.reconciled.get(), 1u);
  // Had the fill counted again, the position would be +20 and the reversal 30.
  send(market_news(25));
  auto sell = order_while_prices_move("AAPL", 100, -5);
  ASSERT_TRUE(sell);
  EXPECT_EQ(sell->quantity, 20);
  send(outcome_of(*sell, exec_status::filled)); // sequence 0: counts
  ASSERT_TRUE(stop());
  ASSERT_TRUE(await_termination());
  ASSERT_EQ(metrics.final_positions.size(), 2u);
  EXPECT_EQ(metrics.final_positions[0].first, "AAPL");
  EXPECT_EQ(metrics.final_positions[0].second, -10);
}

TEST_F(strategy_test, at_start_it_resends_the_last_order_per_symbol_of_its_orders_log) {
  order aapl_old = make_logged_order("old-1", "AAPL", side::buy);
  order aapl_last = make_logged_order("old-2", "AAPL", side::sell);
  order msft_last = make_logged_order("old-3", "MSFT", side::buy);
  for (auto& o : {aapl_old, aapl_last, msft_last})
    ASSERT_EQ(orders_log.append(to_log_line(o)), "");
  start();
  // Both resends are sent at the link, as one message.
  std::optional<order_batch> batch;
  self->receive([&](order_batch& xs) { batch = std::move(xs); },
                caf::after(patience) >> [] {});
  ASSERT_TRUE(batch) << "no resends; resent metric " << metrics.resent.get();
  std::vector<std::string> resent;
  for (auto& o : batch->orders) {
    EXPECT_TRUE(o.resend);
    resent.push_back(o.order_id);
  }
  std::sort(resent.begin(), resent.end());
  EXPECT_EQ(resent, (std::vector<std::string>{"old-2", "old-3"}));
  EXPECT_FALSE(order_pending());
}

} // namespace trading

namespace trading {
namespace {

// strategy.wait = futex: the strategy reads a real segment, sleeping on its futex
// between writes (the writer's wake count proves it announced itself there), and
// still trades on what the writer publishes and obeys its mailbox (news, stop).
TEST_F(strategy_test, in_futex_wait_mode_it_trades_on_segment_writes_and_stops) {
  const std::string shm_name = "/strategy_test_" + std::to_string(::getpid());
  shm::segment_writer writer{shm_name, {"AAPL", "MSFT"}};
  ASSERT_TRUE(start_on_segment(shm_name));
  std::optional<order> got;
  std::uint64_t sequence = 0;
  auto deadline = std::chrono::steady_clock::now() + patience;
  for (double price = 100; !got && std::chrono::steady_clock::now() < deadline;
       price += 0.5) {
    writer.heartbeat(mono_ns());
    writer.write(0, slot_at(price, ++sequence));
    self->receive([&](order& o) { got = std::move(o); },
                  caf::after(std::chrono::milliseconds(5)) >> [] {});
  }
  ASSERT_TRUE(got);
  EXPECT_EQ(got->symbol, "AAPL");
  EXPECT_EQ(got->dir, side::buy);
  EXPECT_GT(writer.wakes_sent(), 0u); // it slept on the futex and was woken
  send(outcome_of(*got, exec_status::filled));
  EXPECT_TRUE(stop());
  EXPECT_TRUE(await_termination());
  EXPECT_EQ(metrics.fills.get(), 1u);
}

// The book publishes a tick_batch's slots with one bump of the change counter:
// the strategy reads them in one pass and orders both symbols in one message.
TEST_F(strategy_test, a_batch_published_on_the_segment_is_ordered_in_one_message) {
  const std::string shm_name = "/strategy_test_batch_" + std::to_string(::getpid());
  shm::segment_writer writer{shm_name, {"AAPL", "MSFT"}};
  ASSERT_TRUE(start_on_segment(shm_name));
  std::uint64_t sequence = 0;
  auto publish_pair = [&](double price) {
    writer.heartbeat(mono_ns());
    writer.stage(0, slot_at(price, ++sequence));
    writer.stage(1, slot_at(price + 100, ++sequence));
    writer.publish();
  };
  // Three rising pairs, each read (both slots) before the next is staged, so no
  // pass can see one symbol of a pair without the other.
  for (int k = 1; k <= 3; ++k) {
    publish_pair(100 + k);
    ASSERT_TRUE(eventually([&] { return metrics.book_events.get() == 2u * k; }))
      << "pair " << k << " not read";
  }
  EXPECT_FALSE(order_pending()); // the long windows are not full yet
  publish_pair(105); // fills both windows in the same pass
  std::optional<order_batch> got;
  self->receive([&](order_batch& xs) { got = std::move(xs); },
                [&](order& o) { ADD_FAILURE() << "a lone order for " << o.symbol; },
                caf::after(patience) >> [] {});
  ASSERT_TRUE(got);
  ASSERT_EQ(got->orders.size(), 2u);
  EXPECT_EQ(got->orders[0].symbol, "AAPL");
  EXPECT_EQ(got->orders[1].symbol, "MSFT");
  // Both seen in the same pass: one strategy_seen_ns; sent together after it.
  EXPECT_EQ(got->orders[0].strategy_seen_ns, got->orders[1].strategy_seen_ns);
  EXPECT_EQ(got->orders[0].strategy_sent_ns, got->orders[1].strategy_sent_ns);
  EXPECT_GE(got->orders[0].strategy_sent_ns, got->orders[0].strategy_seen_ns);
  send(execution_report_batch{{outcome_of(got->orders[0], exec_status::filled),
                               outcome_of(got->orders[1], exec_status::filled)}});
  EXPECT_TRUE(stop());
  EXPECT_TRUE(await_termination());
  EXPECT_EQ(metrics.fills.get(), 2u);
}

// Answers the name of the thread that runs it.
caf::behavior thread_namer(caf::event_based_actor*) {
  return {[](caf::get_atom) {
    char name[16] = {};
    pthread_getname_np(pthread_self(), name, sizeof(name));
    return std::string{name};
  }};
}

// caf.io_thread_roles = strategy: its node's loop runs on a thread of the node's
// (io_loop) until the spinning strategy takes it over.
class strategy_io_loop_test : public strategy_test {
protected:
  strategy_io_loop_test() : strategy_test(true) {
  }

  ~strategy_io_loop_test() override {
    if (probe) // before the loop's end, which waits for every actor
      self->send_exit(probe, caf::exit_reason::user_shutdown);
  }

  /// The thread that runs an actor on the I/O thread, asked from here.
  std::string io_thread_name() {
    std::string name = "(no answer)";
    self->request(probe, patience, caf::get_atom::value)
      .receive([&](std::string& x) { name = std::move(x); },
               [&](caf::error& err) { ADD_FAILURE() << sys.render(err); });
    return name;
  }

  caf::actor probe = spawn_at(sys, actor_home::io_thread, thread_namer);
};

// While it runs, the strategy's own thread is its node's I/O thread (an actor
// there runs on it), and it trades on the segment; at its stop it gives the loop
// back to the node's thread.
TEST_F(strategy_io_loop_test, a_spinning_strategy_runs_its_nodes_loop_until_it_stops) {
  EXPECT_EQ(io_thread_name(), "io_loop");
  const std::string shm_name = "/strategy_test_io_" + std::to_string(::getpid());
  shm::segment_writer writer{shm_name, {"AAPL", "MSFT"}};
  ASSERT_TRUE(start_on_segment(shm_name, loop.get()));
  EXPECT_TRUE(eventually([&] { return io_thread_name() == "strategy"; }));
  std::optional<order> got;
  std::uint64_t sequence = 0;
  auto deadline = std::chrono::steady_clock::now() + patience;
  for (double price = 100; !got && std::chrono::steady_clock::now() < deadline;
       price += 0.5) {
    writer.heartbeat(mono_ns());
    writer.write(0, slot_at(price, ++sequence));
    self->receive([&](order& o) { got = std::move(o); },
                  caf::after(std::chrono::milliseconds(5)) >> [] {});
  }
  ASSERT_TRUE(got);
  EXPECT_EQ(got->symbol, "AAPL");
  send(outcome_of(*got, exec_status::filled));
  EXPECT_TRUE(stop());
  EXPECT_TRUE(await_termination());
  EXPECT_EQ(metrics.fills.get(), 1u);
  EXPECT_EQ(io_thread_name(), "io_loop");
}

} // namespace
} // namespace trading

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
