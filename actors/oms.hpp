// oms: executes orders against the book and answers each with an execution_report
// (already in the trades log when it is sent). The orders in hand are journaled
// with one write (group commit, actors/execution_engine.hpp); at start it recovers
// from its trades log, which it holds locked (one OMS per log).
// Public interface: order_entry_actor (messages/interfaces.hpp: orders, an
// account's positions for reconciliation, and warm_atom, which it ignores), and with
// oms.book_source = actor also quote_sink_actor (the book's quotes). Private (from
// its node): stop, the book's hand-over (an invalid handle: the book was lost, so
// every order is rejected with "no live book" until it is back), positions.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "caf/fwd.hpp"

#include "actors/actor_home.hpp"
#include "actors/counter.hpp"
#include "actors/latency_histogram.hpp"
#include "messages/types.hpp"
#include "shm/counters_segment.hpp"

namespace trading {

class append_log;
class execution_engine;
struct order;

struct oms_settings {
  /// shm: read the price from the segment when an order arrives (same host);
  /// actor: keep the book from the book's quote stream (any host).
  std::string book_source = "actor";
  std::string trades_log = "trades.log";
  std::int64_t max_quantity = 100'000;
  /// How many recent order ids it remembers, with their reports: an order id in
  /// the window is answered with its original report (marked repeat), never
  /// executed twice; rebuilt from the trades log at start.
  std::int64_t dedup_window = 100'000;
  /// When the trades log is fdatasync'ed: none (the OS decides), every (each
  /// group commit, before its answers), interval (at most fsync_interval_ms
  /// after a write; answers do not wait for it).
  std::string fsync = "none";
  std::int64_t fsync_interval_ms = 100;
  /// Pre-trade limits (oms.risk.*; oms.max_quantity above), 0 = off.
  std::int64_t risk_max_position = 0;
  std::int64_t risk_max_orders_per_s = 0;
  double risk_price_band_bps = 0;
  /// Execution costs, off by default: slippage up to this many bps against
  /// the order (seeded), a fee per executed share.
  double slippage_bps = 0;
  std::int64_t slippage_seed = 1;
  double fee_per_share = 0;
  /// The JSON report written at the end of the run ("" = none); the table is
  /// printed either way.
  std::string report;
  /// The clock of the order-rate limit (empty: CLOCK_MONOTONIC, or with
  /// `backtest` the order's event time). Not a config key: a hook for tests and
  /// other drivers.
  std::function<nanos_t(const order&)> clock;

  // Filled by the node from other sections:
  bool backtest = false; // node.backtest: time is event time
  actor_home home = actor_home::scheduler; // caf.io_thread_roles

  // Filled by the node from other sections:
  std::vector<std::string> instruments;    // instruments
  std::string book_shm_name;               // book.shm_name
  std::int64_t book_stale_after_ms = 1000; // book.stale_after_ms
};

struct oms_metrics {
  counter orders_in;
  counter fills;
  counter rejects;
  counter risk_rejects; // of those, breaches of a pre-trade limit
  counter duplicates;
  counter log_failures;
  counter log_writes; // one per group commit
  counter warm_messages; // strategy.warm_us's no-ops taken
  counter book_updates_in;
  guard_metrics guard;

  // Written by the OMS only; the node reads them after the OMS terminated.
  // Recorded from record_from_ns on (the end of the node's warm-up).
  nanos_t record_from_ns = 0;
  latency_histogram tick_to_trade;
  shm::live_histogram tick_to_trade_live; // the same, coarse, readable while it runs
  latency_histogram hop_feed_to_book;
  latency_histogram hop_book_to_strategy;
  latency_histogram hop_strategy_to_oms;
  // strategy_to_oms split: the strategy's pass, then the order message.
  latency_histogram hop_strategy_pass;
  latency_histogram hop_order_to_oms;
};

/// Opens the OMS's journal: locks the trades log (one OMS per log) and recovers
/// the answered order ids, positions and journal sequence from it. Throws
/// std::runtime_error naming the problem (the node's start fails with it).
std::shared_ptr<execution_engine> open_oms_engine(const oms_settings& cfg,
                                                  append_log& trades_log,
                                                  oms_metrics& metrics);

caf::actor spawn_oms(caf::actor_system& sys, const oms_settings& cfg,
                     std::shared_ptr<execution_engine> engine, oms_metrics& metrics);

} // namespace trading
