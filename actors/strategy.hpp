// strategy: the signal generator. Moving averages of each symbol's last price
// (short above long: BUY, below: SELL) combined with sentiment (BUY > buy_above,
// SELL < sell_below); it orders only when both agree, toward a target position, one
// order per symbol at a time, and its position moves only on a reported fill.
//
// Nothing lost, nothing doubled: it keeps each order until its outcome arrives and
// sends it again with the same id (the OMS answers a known id from its journal)
// when the OMS link comes back or strategy.order_timeout_ms passes; at start it
// resends the last order per symbol from its orders log (one per symbol may lack
// an outcome). On each link to the OMS it asks for its account's positions and
// adopts them; a fill changes its position only if the OMS's journal sequence is
// past the positions it adopted. After a reject it backs off (0.1 s doubling to
// 5 s) before it orders that symbol again.
//
// It stays a blocking actor on its own thread (detached): in shm mode it polls the
// segment's change counter every strategy.poll_us, and at 0 it spins; with
// strategy.wait = futex it spins strategy.spin_us and then sleeps on the segment's
// futex until the next write (at most 1 ms; a message in its mailbox wakes it
// too), so it reacts like a spinner without keeping a core busy. Any of that an
// event-based actor could only do by sending itself a message per poll (a mailbox
// round trip each time, on the CAF worker threads everything else needs). Behind
// its handle it presents typed interfaces: quote_sink_actor (quotes in
// strategy.book_source = actor) and sentiment_sink_actor; it sends orders through an
// order_entry_actor and takes the execution reports as the answers. Private: stop
// and the producers' hand-over (from its node); anything else is dropped and counted.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "caf/fwd.hpp"

#include "actors/actor_home.hpp"
#include "actors/counter.hpp"
#include "actors/latency_histogram.hpp"
#include "messages/types.hpp"
#include "shm/counters_segment.hpp"

namespace trading {

class append_log;
class io_loop;

struct strategy_settings {
  std::string book_source = "shm"; // shm | actor
  std::int64_t poll_us = 100;      // 0 spins
  /// How it waits for the book in shm mode: "poll" (every poll_us) or "futex"
  /// (spin spin_us, then sleep until the writer's next write, at most 1 ms).
  std::string wait = "poll";
  std::int64_t spin_us = 0;
  /// While it idles, a no-op message to its OMS at most this often (once per
  /// loop pass; 0: never), so that the next order finds the path in cache.
  /// Never in a backtest.
  std::int64_t warm_us = 0;
  /// io_thread (caf.io_thread_roles = strategy, a spinning strategy only): it
  /// takes its node's I/O loop over and runs it on each pass of its own loop.
  actor_home home = actor_home::scheduler;
  std::int64_t short_window = 5;
  std::int64_t long_window = 20;
  std::int64_t quantity = 10;
  std::int64_t buy_above = 60;
  std::int64_t sell_below = 40;
  /// The limit is the price seen plus this much (BUY above the ask, SELL below
  /// the bid): room for the book to move before the order arrives. 100 bps is
  /// ten sigmas of the demo's per-tick move.
  double limit_tolerance_bps = 100;
  std::string orders_log = "orders.log";
  std::int64_t order_timeout_ms = 2000;
  /// Pin the strategy's thread to this CPU (-1: no pinning). With poll_us = 0 a
  /// pinned spinner keeps a core to itself instead of time-slicing with CAF.
  std::int64_t cpu = -1;
  /// The strategy thread's scheduling policy: "other" (SCHED_OTHER, a normal
  /// thread) or "idle" (SCHED_IDLE: it spins only while no other thread of its
  /// CPU is runnable; any thread woken there runs at once, ahead of it).
  std::string sched_policy = "other";
  /// Order ids of orders it gave up on (outside the OMS's dedup window) that it
  /// still recognizes when a late outcome comes (the oldest are forgotten first).
  std::int64_t timed_out_window = 10'000;
  /// Its account at the OMS: its orders carry it, it reconciles its positions.
  std::string account = "strategy";
  /// The price rule: ma_sentiment (moving averages) or threshold (a move beyond
  /// threshold_pct percent over long_window prices); either needs sentiment to agree.
  std::string kind = "ma_sentiment";
  double threshold_pct = 0.5;

  // Filled by the node from other sections:
  std::vector<std::string> instruments;  // instruments
  std::string book_shm_name;             // book.shm_name
  std::int64_t book_stale_after_ms = 1000; // book.stale_after_ms
  std::int64_t drain_timeout_ms = 2000;  // node.drain_timeout_ms
  std::int64_t oms_dedup_window = 100'000; // oms.dedup_window: how long a resend is safe
  /// node.backtest: its timeouts and back-offs run on event time, and it tells the
  /// backtest clock (handed over by its node) when each event is handled.
  bool backtest = false;
};

/// One symbol as the strategy sees it, for the live view: written by the strategy
/// only (relaxed words), read by the node's counters publisher.
struct live_position {
  std::atomic<std::int64_t> quantity{0};
  std::atomic<std::int64_t> average_price{0}; // price_t
  std::atomic<std::int64_t> realized{0};      // price_t units (1e-4 currency)
  std::atomic<std::int64_t> last_price{0};    // price_t, of the last price seen
};

struct strategy_metrics {
  counter book_events;  // new prices seen (shm polls or quote messages)
  counter news_in;
  counter orders_sent;
  counter fills;
  counter rejects;
  counter outcome_unknown; // orders that had no answer within order_timeout_ms
  std::atomic<std::int64_t> unknown_now{0}; // of those, still without an outcome
  counter resent;          // orders sent again with the same id
  counter repeats;         // answers the OMS had given before (marked repeat)
  counter reconciled;      // symbols whose position it took over from the OMS
  counter stale_pauses;    // times trading paused because the book went stale
  counter attaches;        // shm segment attached (first time and after a restart)
  counter messages_in;
  counter market_events;   // ticks and news handled (what a backtest counts)
  counter checks;          // periodic checks (timeouts, drain) completed
  guard_metrics guard;
  std::atomic<std::int32_t> sentiment{50};
  /// Age of each new price when the strategy saw it (tick creation -> seen);
  /// written by the strategy only, read after it stopped.
  latency_histogram tick_age;
  shm::live_histogram tick_age_live; // the same, coarse, readable while it runs
  /// Per instrument (strategy_settings::instruments order, the first 16).
  std::array<live_position, shm::max_symbols> live;
  /// Recent prices (one per symbol per 100 ms at most), orders, fills, rejects.
  shm::event_ring<256> events;
  /// Latencies are recorded from this CLOCK_MONOTONIC time on (the end of the
  /// node's warm-up; set before the actor starts; 0 records everything).
  nanos_t record_from_ns = 0;
  /// Its positions when it stopped (symbol, quantity), written before it answers
  /// its stop (or exits), read by its node after that.
  std::vector<std::pair<std::string, std::int64_t>> final_positions;
};

/// Whether strategy.warm_us applies, and if not, why: not in a backtest (event
/// time). It applies to an OMS in this process or another: over the network the
/// no-op keeps the OMS node's receiving path (its loop, BASP, the OMS) in cache.
enum class warm_use { off, on, refused_backtest };
warm_use warm_use_for(const strategy_settings& cfg);

/// `io` is the node's I/O loop for a strategy at actor_home::io_thread (else null).
caf::actor spawn_strategy(caf::actor_system& sys, const strategy_settings& cfg,
                          append_log& orders_log, strategy_metrics& metrics,
                          io_loop* io = nullptr);

} // namespace trading
