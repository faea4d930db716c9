// oms: executes orders against the book and answers each with an execution_report
// (already in the trades log when it is sent).
// Public interface: order_entry_actor (messages/interfaces.hpp), and with
// oms.book_source = actor also quote_sink_actor (the book's quotes). Private (from
// its node): stop, the book's hand-over (an invalid handle: the book was lost, so
// every order is rejected with "no live book" until it is back), positions.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "caf/fwd.hpp"

#include "actors/counter.hpp"
#include "actors/latency_histogram.hpp"
#include "messages/types.hpp"

namespace trading {

class append_log;

struct oms_settings {
  /// shm: read the price from the segment when an order arrives (same host);
  /// actor: keep the book from the book's quote stream (any host).
  std::string book_source = "actor";
  std::string trades_log = "trades.log";
  std::int64_t max_quantity = 100'000;
  /// How many recent order ids it remembers to refuse a duplicate.
  std::int64_t dedup_window = 100'000;

  // Filled by the node from other sections:
  std::vector<std::string> instruments;    // instruments
  std::string book_shm_name;               // book.shm_name
  std::int64_t book_stale_after_ms = 1000; // book.stale_after_ms
};

struct oms_metrics {
  counter orders_in;
  counter fills;
  counter rejects;
  counter duplicates;
  counter log_failures;
  counter book_updates_in;
  guard_metrics guard;

  // Written by the OMS only; the node reads them after the OMS terminated.
  // Recorded from record_from_ns on (the end of the node's warm-up).
  nanos_t record_from_ns = 0;
  latency_histogram tick_to_trade;
  latency_histogram hop_feed_to_book;
  latency_histogram hop_book_to_strategy;
  latency_histogram hop_strategy_to_oms;
};

caf::actor spawn_oms(caf::actor_system& sys, const oms_settings& cfg,
                     append_log& trades_log, oms_metrics& metrics);

} // namespace trading
