// The OMS actor (the engine's own rules are in oms_engine_test and
// oms_fills_test): a strategy pass's orders arrive as one order_batch and are
// answered with one execution_report_batch, a report per order in the batch's
// order, all journaled with one write; a single order is still answered alone.
// Every test runs with the OMS on the scheduler and on the middleman's I/O
// thread (caf.io_thread_roles).
#include "actors/append_log.hpp"
#include "actors/execution_engine.hpp"
#include "actors/oms.hpp"
#include "messages/atoms.hpp"
#include "messages/interfaces.hpp"
#include "messages/json.hpp"
#include "messages/type_ids.hpp"

#include "caf/all.hpp"
#include "caf/io/all.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/temp_dir.hpp"

#include <chrono>
#include <fstream>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace trading {
namespace {

constexpr auto patience = std::chrono::seconds(5);

// One scheduler thread: a test can hold it, or the I/O thread (block_the_oms_thread),
// while it queues messages for the OMS, which then finds them all in its mailbox
// at once.
class test_config : public caf::actor_system_config {
public:
  test_config() {
    register_message_types(*this);
    load<caf::io::middleman>();
    set("scheduler.max-threads", 1);
  }
};

order buy(const std::string& id, const std::string& symbol, quantity_t quantity) {
  order o;
  o.order_id = id;
  o.symbol = symbol;
  o.dir = side::buy;
  o.quantity = quantity;
  o.limit_price = to_price(101);
  return o;
}

class oms_actor_test : public ::testing::TestWithParam<actor_home> {
protected:
  oms_actor_test() : trades_path(dir.file("trades.log")), trades_log(trades_path) {
    settings.instruments = {"AAPL", "MSFT"};
    settings.home = GetParam();
    engine = open_oms_engine(settings, trades_log, metrics);
    oms = spawn_oms(sys, settings, engine, metrics);
    // `self` is its book: the OMS takes quotes only from the book it was given.
    self->send(oms, peer_atom::value, caf::actor_cast<quote_stream_actor>(self));
    self->receive([](subscribe_atom, const quote_sink_actor&) {},
                  caf::after(patience) >> [] {});
    for (auto symbol : {"AAPL", "MSFT"}) {
      tick t;
      t.symbol = symbol;
      t.top.last = to_price(100);
      t.top.bid = to_price(99.99);
      t.top.ask = to_price(100.01);
      t.top.bid_size = t.top.ask_size = 1000;
      t.sequence = 1;
      self->send(oms, t);
    }
  }

  ~oms_actor_test() override {
    self->send_exit(oms, caf::exit_reason::user_shutdown);
  }

  std::optional<execution_report_batch> place(const order_batch& xs) {
    std::optional<execution_report_batch> got;
    self->request(oms, patience, xs)
      .receive([&](execution_report_batch& r) { got = std::move(r); },
               [&](caf::error& err) { ADD_FAILURE() << sys.render(err); });
    return got;
  }

  /// Occupies the OMS's thread (the only scheduler thread, or the I/O thread)
  /// until the returned promise is set: the OMS does not run meanwhile, so what
  /// is sent in between waits in its mailbox.
  std::promise<void> block_the_oms_thread() {
    std::promise<void> release;
    // Shared with the blocker: it may still be inside set_value when we return.
    auto running = std::make_shared<std::promise<void>>();
    auto held = running->get_future();
    auto released = release.get_future().share();
    auto hold = [released, running] {
      running->set_value();
      released.wait();
    };
    if (GetParam() == actor_home::io_thread)
      sys.middleman().backend().post(hold);
    else
      sys.spawn([hold](caf::event_based_actor* blocker) {
        blocker->quit();
        hold();
      });
    held.wait();
    return release;
  }

  std::vector<execution_report> journal() {
    std::ifstream in{trades_path};
    std::vector<execution_report> out;
    for (std::string line; std::getline(in, line);)
      out.push_back(nlohmann::json::parse(line).get<execution_report>());
    return out;
  }

  test_support::temp_dir dir;
  std::string trades_path;
  append_log trades_log;
  oms_settings settings;
  oms_metrics metrics;
  std::shared_ptr<execution_engine> engine;
  test_config cfg;
  caf::actor_system sys{cfg};
  caf::scoped_actor self{sys};
  caf::actor oms;
};

TEST_P(oms_actor_test, a_batch_is_answered_in_its_order_with_one_journal_write) {
  auto writes_before = metrics.log_writes.get();
  order_batch pass{{buy("b-1", "AAPL", 10), buy("b-2", "NOPE", 10),
                    buy("b-3", "MSFT", 20), buy("b-1", "AAPL", 10)}};
  auto answer = place(pass);
  ASSERT_TRUE(answer);
  ASSERT_EQ(answer->reports.size(), 4u);
  auto& r = answer->reports;
  EXPECT_EQ(r[0].order_id, "b-1");
  EXPECT_EQ(r[0].status, exec_status::filled);
  EXPECT_EQ(r[0].execution_price, to_price(100.01));
  EXPECT_EQ(r[1].order_id, "b-2");
  EXPECT_EQ(r[1].status, exec_status::rejected);
  EXPECT_NE(r[1].reason.find("unknown symbol"), std::string::npos) << r[1].reason;
  EXPECT_EQ(r[2].order_id, "b-3");
  EXPECT_EQ(r[2].status, exec_status::filled);
  EXPECT_EQ(r[2].filled_quantity, 20);
  // The same id twice in one batch: executed once, the second is its answer again.
  EXPECT_EQ(r[3].order_id, "b-1");
  EXPECT_TRUE(r[3].repeat);
  EXPECT_EQ(r[3].execution_id, r[0].execution_id);
  EXPECT_FALSE(r[0].repeat);
  // Three outcomes, one group commit: every line in the log before the answer.
  EXPECT_EQ(metrics.log_writes.get() - writes_before, 1u);
  auto lines = journal();
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0].order_id, "b-1");
  EXPECT_EQ(lines[1].order_id, "b-2");
  EXPECT_EQ(lines[2].order_id, "b-3");
  EXPECT_EQ(metrics.orders_in.get(), 4u);
  EXPECT_EQ(metrics.duplicates.get(), 1u);
}

TEST_P(oms_actor_test, an_empty_batch_gets_an_empty_answer_and_writes_nothing) {
  auto answer = place(order_batch{});
  ASSERT_TRUE(answer);
  EXPECT_TRUE(answer->reports.empty());
  EXPECT_EQ(metrics.log_writes.get(), 0u);
  EXPECT_TRUE(journal().empty());
}

TEST_P(oms_actor_test, single_orders_and_batches_in_one_commit_answer_each_their_own) {
  // All three requests wait in the OMS's mailbox while the scheduler is held,
  // so they are one group commit: each still gets its own slice of the reports.
  auto writes_before = metrics.log_writes.get();
  auto release = block_the_oms_thread();
  auto one = self->request(oms, patience, buy("s-1", "AAPL", 5));
  auto two = self->request(oms, patience, order_batch{{buy("s-2", "MSFT", 5),
                                                        buy("s-3", "AAPL", 5)}});
  auto three = self->request(oms, patience, buy("s-4", "MSFT", 7));
  release.set_value();
  std::optional<execution_report> single;
  one.receive([&](execution_report& r) { single = std::move(r); },
              [&](caf::error& err) { ADD_FAILURE() << sys.render(err); });
  std::optional<execution_report_batch> batch;
  two.receive([&](execution_report_batch& r) { batch = std::move(r); },
              [&](caf::error& err) { ADD_FAILURE() << sys.render(err); });
  ASSERT_TRUE(single);
  EXPECT_EQ(single->order_id, "s-1");
  EXPECT_EQ(single->status, exec_status::filled);
  std::optional<execution_report> last;
  three.receive([&](execution_report& r) { last = std::move(r); },
                [&](caf::error& err) { ADD_FAILURE() << sys.render(err); });
  ASSERT_TRUE(batch);
  ASSERT_EQ(batch->reports.size(), 2u);
  EXPECT_EQ(batch->reports[0].order_id, "s-2");
  EXPECT_EQ(batch->reports[1].order_id, "s-3");
  ASSERT_TRUE(last);
  EXPECT_EQ(last->order_id, "s-4");
  EXPECT_EQ(last->filled_quantity, 7);
  EXPECT_EQ(metrics.log_writes.get() - writes_before, 1u);
  EXPECT_EQ(journal().size(), 4u);
  // Positions as the journal has them: the OMS's answer includes every order.
  std::optional<account_positions> held;
  self->request(oms, patience, positions_atom::value, std::string{"strategy"})
    .receive([&](account_positions& p) { held = std::move(p); },
             [&](caf::error& err) { ADD_FAILURE() << sys.render(err); });
  ASSERT_TRUE(held);
  EXPECT_EQ(held->sequence, 4u);
  ASSERT_EQ(held->positions.size(), 2u);
  EXPECT_EQ(held->positions[0].symbol, "AAPL");
  EXPECT_EQ(held->positions[0].quantity, 10);
  EXPECT_EQ(held->positions[1].symbol, "MSFT");
  EXPECT_EQ(held->positions[1].quantity, 12);
}

// strategy.warm_us's no-op, queued between orders, changes nothing: each order
// gets its answer, the orders in hand still go out in one journal write, and
// nothing is dropped as not understood.
TEST_P(oms_actor_test, warm_messages_between_orders_change_no_answer_and_no_commit) {
  auto writes_before = metrics.log_writes.get();
  auto release = block_the_oms_thread();
  self->send(oms, warm_atom::value);
  auto one = self->request(oms, patience, buy("w-1", "AAPL", 5));
  self->send(oms, warm_atom::value);
  auto two = self->request(oms, patience, buy("w-2", "MSFT", 5));
  self->send(oms, warm_atom::value);
  release.set_value();
  std::vector<std::string> answered;
  for (auto* pending : {&one, &two})
    pending->receive([&](execution_report& r) { answered.push_back(r.order_id); },
                     [&](caf::error& err) { ADD_FAILURE() << sys.render(err); });
  EXPECT_EQ(answered, (std::vector<std::string>{"w-1", "w-2"}));
  EXPECT_EQ(metrics.log_writes.get() - writes_before, 1u);
  EXPECT_EQ(journal().size(), 2u);
  EXPECT_EQ(metrics.orders_in.get(), 2u);
  EXPECT_EQ(metrics.warm_messages.get(), 3u);
  EXPECT_EQ(metrics.guard.dropped.get(), 0u);
}

TEST_P(oms_actor_test, a_batch_longer_than_the_cap_is_refused_and_nothing_executes) {
  order_batch flood;
  for (std::size_t i = 0; i <= max_order_batch; ++i)
    flood.orders.push_back(buy("f-" + std::to_string(i), "AAPL", 1));
  std::string failure;
  self->request(oms, patience, flood)
    .receive([&](execution_report_batch&) { ADD_FAILURE() << "answered"; },
             [&](caf::error& err) { failure = sys.render(err); });
  EXPECT_NE(failure.find("invalid_argument"), std::string::npos) << failure;
  EXPECT_EQ(metrics.guard.refused.get(), 1u); // counted and logged as a refusal
  EXPECT_EQ(metrics.orders_in.get(), 0u);
  EXPECT_TRUE(journal().empty());
  // The OMS goes on: the same orders within the cap execute.
  flood.orders.resize(max_order_batch);
  auto answer = place(flood);
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->reports.size(), max_order_batch);
}

INSTANTIATE_TEST_SUITE_P(homes, oms_actor_test,
                         ::testing::Values(actor_home::scheduler, actor_home::io_thread),
                         [](const auto& home) {
                           return home.param == actor_home::io_thread ? "io_thread"
                                                                      : "scheduler";
                         });

} // namespace
} // namespace trading

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
