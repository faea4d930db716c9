#include "actors/oms.hpp"

#include <chrono>
#include <iostream>
#include <memory>
#include <optional>
#include <stdexcept>
#include <variant>

#include "caf/actor_system.hpp"
#include "caf/stateful_actor.hpp"
#include "caf/system_messages.hpp"
#include "caf/typed_event_based_actor.hpp"
#include "caf/typed_response_promise.hpp"

#include "actors/actor_guard.hpp"
#include "actors/append_log.hpp"
#include "actors/diagnostics.hpp"
#include "actors/io_thread_actor.hpp"
#include "actors/execution_engine.hpp"
#include "actors/market_models.hpp"
#include "messages/interfaces.hpp"
#include "messages/type_ids.hpp"
#include "shm/book_segment.hpp"

namespace trading {

namespace {

/// Order entry and the book's quotes (public), plus what only its node sends:
/// stop, the book's hand-over, the positions for the summary.
using oms_actor = order_entry_actor::extend_with<quote_sink_actor>::extend<
  caf::replies_to<stop_atom>::with<bool>, handover<quote_stream_actor>,
  caf::replies_to<positions_atom>::with<std::vector<position>>,
  caf::reacts_to<commit_atom>, caf::reacts_to<timer_atom>>;

/// The most orders answered by one group commit (bounds an answer's wait).
constexpr std::size_t max_batch = max_order_batch;

/// One answer owed: to a single order, or to an order_batch of `orders` orders
/// (one message back with all their reports).
struct owed_answer {
  std::variant<caf::typed_response_promise<execution_report>,
               caf::typed_response_promise<execution_report_batch>>
    promise;
  std::size_t orders = 1;

  /// Answers with the reports from `first` on (one, or `orders` of them).
  template <class Iterator>
  void deliver(Iterator first) {
    if (auto one = std::get_if<0>(&promise)) {
      one->deliver(*first);
      return;
    }
    auto last = first + static_cast<std::ptrdiff_t>(orders);
    std::get<1>(promise).deliver(execution_report_batch{{first, last}});
  }

  void fail(const caf::error& err) {
    std::visit([&](auto& p) { p.deliver(err); }, promise);
  }
};

struct oms_state {
  static inline const char* name = "oms";

  oms_metrics* metrics = nullptr;
  std::shared_ptr<execution_engine> engine;
  std::optional<actor_guard> guard;
  // book_source shm: the segment, attached on first need and after a restart.
  std::string shm_name;
  nanos_t stale_after_ns = 0;
  std::unique_ptr<shm::segment_reader> reader;
  std::optional<log_limiter> book_trouble;
  nanos_t next_check_ns = 0; // of the segment's health (syscalls: not per order)
  bool writer_alive = false;
  caf::strong_actor_ptr book; // the only sender of quotes it takes
  std::vector<std::string> instruments;
  std::string report_path; // oms.report
  // Group commit: the answers owed for the orders in the engine's batch, in
  // submission order.
  std::vector<owed_answer> owed;
  bool commit_sent = false; // a commit message is on its way to us
  bool sync_timer = false;  // fsync interval: a timer will fdatasync
};

using self_ptr = oms_actor::stateful_pointer<oms_state>;

// Splits the order's path into hops from the stamps it carries (all
// CLOCK_MONOTONIC, which every process on the host shares).
void record_latency(oms_metrics& m, const order& x, nanos_t received_ns) {
  if (x.tick_created_ns <= 0 || received_ns < m.record_from_ns)
    return;
  m.tick_to_trade.record(received_ns - x.tick_created_ns);
  m.tick_to_trade_live.record(received_ns - x.tick_created_ns);
  m.hop_feed_to_book.record(x.book_received_ns - x.tick_created_ns);
  m.hop_book_to_strategy.record(x.strategy_seen_ns - x.book_received_ns);
  m.hop_strategy_to_oms.record(received_ns - x.strategy_seen_ns);
  if (x.strategy_sent_ns > 0) {
    m.hop_strategy_pass.record(x.strategy_sent_ns - x.strategy_seen_ns);
    m.hop_order_to_oms.record(received_ns - x.strategy_sent_ns);
  }
}

// Every 10 ms at most: is the segment still the book's, and its writer alive?
void check_segment(oms_state& st, nanos_t now) {
  if (now < st.next_check_ns)
    return;
  st.next_check_ns = now + 10'000'000;
  st.writer_alive = false;
  if (!st.reader)
    return;
  auto health = st.reader->health(now, st.stale_after_ns);
  st.writer_alive = health == shm::segment_health::healthy;
  if (!st.writer_alive && health != shm::segment_health::writer_stopped) {
    st.book_trouble->log(log_level::warn, oms_state::name,
                         "no live book: " + st.reader->describe(health), now);
    st.reader.reset(); // the book node restarted, or the segment was damaged
  }
}

// The current book of `symbol` from the segment into the engine, or no price at
// all (no segment, a dead writer, a slot never written): the OMS never fills at
// an old price.
void refresh_book(oms_state& st, const std::string& symbol) {
  auto none = [&] { st.engine->on_quote(symbol, quote{}); };
  auto now = mono_ns();
  check_segment(st, now);
  if (!st.reader) {
    auto result = shm::attach_reader(st.shm_name);
    if (!result.reader) {
      st.book_trouble->log(log_level::warn, oms_state::name,
                           "no live book: " + result.error, now);
      return none();
    }
    st.reader = std::move(result.reader);
    st.next_check_ns = 0;
    check_segment(st, now);
  }
  auto slot = st.reader->slot_of(symbol);
  if (slot < 0 || !st.writer_alive)
    return none();
  shm::slot_entry e{};
  book_depth depth;
  try {
    st.reader->read(static_cast<std::uint32_t>(slot), e, depth);
  } catch (const shm::segment_error& err) {
    log_warn(oms_state::name, err.what());
    st.reader.reset();
    return none();
  }
  if (e.feed_sequence == 0)
    return none();
  st.engine->on_quote(symbol, e.top, depth);
}

// The end-of-run report: marked to the book's last prices, written to
// oms.report (if named) and printed as a table.
void report_run(oms_state& st) {
  if (!st.shm_name.empty())
    for (auto& symbol : st.instruments)
      refresh_book(st, symbol);
  auto report = st.engine->report();
  if (!st.report_path.empty()) {
    if (auto err = write_report(st.report_path, report); !err.empty())
      log_error(oms_state::name, "report: " + err);
    else
      log_info(oms_state::name, "report written to " + st.report_path);
  }
  std::cout << "oms report:\n" << report_table(report) << std::flush;
}

// An order received at `received_ns`: its latency recorded, decided against
// the book as it is now; its answer comes from the next commit.
void take_order(oms_state& st, const order& x, nanos_t received_ns) {
  record_latency(*st.metrics, x, received_ns);
  if (!st.shm_name.empty())
    refresh_book(st, x.symbol);
  st.engine->submit(x); // rejects bad input, never throws on it
}

// Journals the batch with one write, then answers every order in it.
void commit(self_ptr self) {
  auto& st = self->state;
  if (st.owed.empty() && st.engine->pending() == 0)
    return; // (an empty order_batch is owed an empty answer: no early return)
  auto now = mono_ns();
  auto& reports = st.engine->commit(now);
  std::size_t owed_orders = 0;
  for (auto& answer : st.owed)
    owed_orders += answer.orders;
  if (owed_orders != reports.size()) {
    // A bug, never bad input: every submit owes exactly one report. Nobody is
    // handed another order's report; each owed answer gets an error instead.
    log_error(oms_state::name, "commit: " + std::to_string(reports.size())
                                 + " reports for " + std::to_string(owed_orders)
                                 + " owed answers");
    auto err = caf::make_error(caf::sec::runtime_error, "oms: answers out of step");
    for (auto& answer : st.owed)
      answer.fail(err);
    st.owed.clear();
    return;
  }
  auto next = reports.begin();
  for (auto& answer : st.owed) {
    answer.deliver(next);
    next += static_cast<std::ptrdiff_t>(answer.orders);
  }
  st.owed.clear();
  if (st.engine->sync_pending() && !st.sync_timer) {
    st.sync_timer = true;
    auto due = st.engine->sync_due_ns();
    self->delayed_send(self, std::chrono::nanoseconds(due > now ? due - now : 0),
                       timer_atom::value);
  }
}

// Commits now if no other message waits (a lone order pays nothing extra), else
// once the orders already in the mailbox are in the batch: our commit message
// queues behind them.
void commit_when_in_hand(self_ptr self) {
  auto& st = self->state;
  if (self->mailbox().empty() || st.engine->pending() >= max_batch) {
    commit(self);
  } else if (!st.commit_sent) {
    st.commit_sent = true;
    self->send(self, commit_atom::value);
  }
}

oms_actor::behavior_type oms(self_ptr self, const oms_settings& cfg,
                             std::shared_ptr<execution_engine> engine,
                             oms_metrics* metrics) {
  auto& st = self->state;
  st.metrics = metrics;
  st.instruments = cfg.instruments;
  st.report_path = cfg.report;
  if (cfg.book_source == "shm") {
    st.shm_name = cfg.book_shm_name;
    st.stale_after_ns = cfg.book_stale_after_ms * 1'000'000;
  }
  st.engine = std::move(engine);
  st.guard.emplace(oms_state::name, metrics->guard);
  st.guard->drop_unknown(self);
  st.book_trouble.emplace();
  return {
    [self](const order& x) {
      auto& st = self->state;
      take_order(st, x, mono_ns());
      auto promise = self->make_response_promise<execution_report>();
      st.owed.push_back({promise, 1});
      commit_when_in_hand(self);
      return promise;
    },
    // A strategy pass's orders arrive together: all are received now (none
    // waits behind another's journal write) and committed with one write.
    [self](const order_batch& xs) {
      auto now = mono_ns(); // received: before the promise, as a lone order's
      auto& st = self->state;
      auto promise = self->make_response_promise<execution_report_batch>();
      if (!st.guard->size_ok(self, xs.orders.size(), max_order_batch, "order_batch")) {
        promise.deliver(caf::make_error(caf::sec::invalid_argument,
                                        "order_batch longer than max_order_batch"));
        return promise;
      }
      for (auto& x : xs.orders)
        take_order(st, x, now);
      st.owed.push_back({promise, xs.orders.size()});
      commit_when_in_hand(self);
      return promise;
    },
    [self](positions_atom, const std::string& account) {
      commit(self); // the answer includes every order before it
      return self->state.engine->positions_of(account);
    },
    [self](warm_atom) {
      // Nothing else: that the message came through is the point (strategy.warm_us).
      self->state.metrics->warm_messages.add();
    },
    [self](commit_atom) {
      if (!self->state.guard->self_ok(self, "commit"))
        return;
      self->state.commit_sent = false;
      commit(self);
    },
    [self](timer_atom) {
      auto& st = self->state;
      if (!st.guard->self_ok(self, "timer"))
        return;
      st.sync_timer = false;
      st.engine->sync_now(mono_ns());
    },
    [self](const tick& t) {
      auto& st = self->state;
      if (!st.guard->from_ok(self, st.book, "quote"))
        return; // prices only from the book it linked to
      st.metrics->book_updates_in.add();
      st.engine->on_quote(t.symbol, t.top, t.depth);
    },
    [self](const tick_batch& batch) {
      auto& st = self->state;
      if (!st.guard->from_ok(self, st.book, "quote"))
        return;
      st.metrics->book_updates_in.add(batch.ticks.size());
      for (auto& t : batch.ticks)
        st.engine->on_quote(t.symbol, t.top, t.depth);
    },
    [self](peer_atom, quote_stream_actor& book) {
      auto& st = self->state;
      if (!st.guard->private_ok(self, "peer"))
        return;
      // A new book starts from nothing, a lost one leaves nothing: no fill at a
      // price from a dead book.
      st.engine->clear_book();
      st.book = caf::actor_cast<caf::strong_actor_ptr>(book);
      if (book)
        self->send(book, subscribe_atom::value,
                   caf::actor_cast<quote_sink_actor>(self));
    },
    [self](positions_atom) -> std::vector<position> {
      if (!self->state.guard->private_ok(self, "positions"))
        return {};
      commit(self);
      return self->state.engine->positions();
    },
    [self](stop_atom) {
      if (!self->state.guard->private_ok(self, "stop"))
        return false;
      commit(self);
      self->state.engine->sync_now(mono_ns());
      report_run(self->state);
      self->state.guard->flush();
      self->state.book_trouble->flush(mono_ns());
      return true;
    },
  };
}


fsync_policy sync_policy_of(const std::string& name) {
  if (name == "every")
    return fsync_policy::every;
  if (name == "interval")
    return fsync_policy::interval;
  return fsync_policy::none;
}

} // namespace

std::shared_ptr<execution_engine> open_oms_engine(const oms_settings& cfg,
                                                  append_log& trades_log,
                                                  oms_metrics& metrics) {
  if (auto err = trades_log.lock_exclusive(); !err.empty())
    throw std::runtime_error("trades log: " + err);
  auto engine = std::make_shared<execution_engine>(
    cfg.instruments, cfg.max_quantity, static_cast<std::size_t>(cfg.dedup_window),
    new_incarnation_id(), trades_log, metrics, sync_policy_of(cfg.fsync),
    cfg.fsync_interval_ms * 1'000'000);
  risk_limits limits;
  limits.max_position = cfg.risk_max_position;
  limits.max_orders_per_s = cfg.risk_max_orders_per_s;
  limits.price_band_bps = cfg.risk_price_band_bps;
  engine->set_risk_limits(limits);
  fill_costs costs;
  costs.slippage_bps = cfg.slippage_bps;
  costs.slippage_seed = static_cast<std::uint64_t>(cfg.slippage_seed);
  costs.fee_per_share = cfg.fee_per_share;
  engine->set_fill_costs(costs);
  // One time source: given, else event time in a backtest (deterministic, the
  // same on every run), else the host's monotonic clock.
  if (cfg.clock)
    engine->set_clock(cfg.clock);
  else if (cfg.backtest)
    engine->set_clock(event_time_of);
  else
    engine->set_clock({});
  // Before the first order: the answered ids, positions and sequence of every
  // earlier run.
  auto started = mono_ns();
  auto journal = engine->recover();
  if (journal.lines > 0 || journal.torn_offset >= 0)
    log_info("oms", "recovered " + std::to_string(journal.reports) + " outcomes from "
                      + trades_log.path() + " in "
                      + std::to_string((mono_ns() - started) / 1'000'000) + " ms ("
                      + std::to_string(journal.malformed) + " malformed, "
                      + (journal.torn_offset >= 0 ? "a torn last line set aside"
                                                  : "no torn line")
                      + "), journal sequence " + std::to_string(engine->sequence()));
  return engine;
}

caf::actor spawn_oms(caf::actor_system& sys, const oms_settings& cfg,
                     std::shared_ptr<execution_engine> engine, oms_metrics& metrics) {
  return caf::actor_cast<caf::actor>(spawn_at(sys, cfg.home, oms, cfg, std::move(engine), &metrics));
}

} // namespace trading
