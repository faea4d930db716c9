// Counters that actors bump and the node's main thread reads for its stats line and
// summary. No CAF and no messages: reading them costs the actors nothing.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

#include "actors/latency_histogram.hpp"
#include "messages/types.hpp"

namespace trading {

/// One counter per cache line, so actors on different threads never share a line.
/// Each counter has exactly one writing actor (CAF runs an actor on one thread at a
/// time), so a relaxed load+store replaces a locked read-modify-write.
struct alignas(64) counter {
  std::atomic<std::uint64_t> value{0};

  void add(std::uint64_t n = 1) {
    value.store(value.load(std::memory_order_relaxed) + n,
                std::memory_order_relaxed);
  }

  std::uint64_t get() const {
    return value.load(std::memory_order_relaxed);
  }
};

struct feed_metrics {
  counter ticks_sent;
  counter news_sent;
  counter messages_out;
  counter subscribers;
};

struct book_metrics {
  counter ticks_in;
  counter shm_writes;
  counter gaps;        // ticks missing within one feed incarnation
  counter resets;      // a new feed incarnation was seen
  counter skipped;     // ticks for symbols the book does not carry (logged)
  counter updates_out; // book_update messages sent
  counter subscribers;
};

struct strategy_metrics {
  counter book_events;  // new prices seen (shm polls or book_update messages)
  counter news_in;
  counter orders_sent;
  counter fills;
  counter rejects;
  counter outcome_unknown; // no answer within strategy.order_timeout_ms
  counter stale_pauses;    // times trading paused because the book went stale
  counter attaches;        // shm segment attached (first time and after a restart)
  counter messages_in;
  std::atomic<std::int32_t> sentiment{50};
  /// Age of each new price when the strategy saw it (tick creation -> seen);
  /// written by the strategy only, read after it stopped.
  latency_histogram tick_age;
  /// Latencies are recorded from this CLOCK_MONOTONIC time on (the end of the
  /// node's warm-up; set before the actor starts; 0 records everything).
  nanos_t record_from_ns = 0;
};

/// Filled by the OMS, read after it stopped (positions under a mutex, as fills are
/// rare next to ticks).
struct oms_metrics {
  counter orders_in;
  counter fills;
  counter rejects;
  counter duplicates;
  counter log_failures;
  counter book_updates_in;

  // Written by the OMS only; the node reads them after the OMS terminated.
  // Recorded from record_from_ns on (see strategy_metrics).
  nanos_t record_from_ns = 0;
  latency_histogram tick_to_trade;
  latency_histogram hop_feed_to_book;
  latency_histogram hop_book_to_strategy;
  latency_histogram hop_strategy_to_oms;

  struct position {
    quantity_t quantity = 0;
    double average_price = 0; // of the open quantity
    double realized_pnl = 0;
    double last_price = 0;
  };

  std::mutex positions_mtx;
  std::map<std::string, position> positions;
};

/// Shared by all of a node's peer links, so these take read-modify-writes.
struct link_metrics {
  std::atomic<std::int64_t> expected{0};  // remote roles this node needs
  std::atomic<std::int64_t> connected{0}; // of which handed over now
  std::atomic<std::uint64_t> reconnects{0};
  std::atomic<std::uint64_t> losses{0};   // peers lost (died, hung, closed)
};

/// Everything a node counts, one block per actor.
struct node_metrics {
  feed_metrics price_feed;
  feed_metrics news_feed;
  book_metrics book;
  strategy_metrics strategy;
  oms_metrics oms;
  link_metrics links;
};

} // namespace trading
