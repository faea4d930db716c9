// top_of_book (the "book" role): keeps the top of book per symbol from the price
// feed's quotes, writes every update into the shm segment under its slot's seqlock,
// and republishes each quote (with its receive stamp) to its own subscribers.
// Public interfaces: quote_sink_actor (the feed's ticks) and quote_stream_actor
// (subscribe to the book). Private: stop and the price feed's hand-over (from its
// node), the segment heartbeat timer (from itself).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "caf/fwd.hpp"

#include "actors/actor_home.hpp"
#include "actors/counter.hpp"

namespace trading {

namespace shm {
class segment_writer;
}

struct top_of_book_settings {
  std::string shm_name = "/trading_book";
  std::int64_t heartbeat_ms = 100;
  /// A reader calls the writer dead after this long without a heartbeat (the
  /// node hands it to the segment's readers).
  std::int64_t stale_after_ms = 1000;

  // Filled by the node from other sections:
  actor_home home = actor_home::scheduler; // caf.io_thread_roles
};

struct top_of_book_metrics {
  counter ticks_in;
  counter shm_writes;
  counter gaps;        // ticks missing within one feed incarnation
  counter resets;      // a new feed incarnation was seen
  counter skipped;     // ticks for symbols the book does not carry (logged)
  counter updates_out; // quotes republished to subscribers
  counter subscribers;
  guard_metrics guard;
};

/// The node creates the segment (a failure there is fatal before any actor
/// starts) and shares it; the segment is unlinked when the last owner lets go.
/// `on_segment_lost` is called (on the actor's thread) when the segment shrank or
/// was replaced under the writer: the node exits 1 naming it.
caf::actor spawn_top_of_book(caf::actor_system& sys, const top_of_book_settings& cfg,
                             std::shared_ptr<shm::segment_writer> segment,
                             top_of_book_metrics& metrics,
                             void (*on_segment_lost)(const std::string& why));

} // namespace trading
