// The typed interfaces (caf::typed_actor, CAF 0.17) of what crosses actors, and so
// nodes. A peer only ever gets one of the public handles below; each actor's full
// interface (in its own header) adds the private messages that only the actor
// itself or its node may send (timers, stop, peer hand-over), and the actor refuses
// those from anyone else.
//
//   quote stream:      (subscribe, quote_sink) ; then tick / tick_batch to the sink
//   sentiment stream:  (subscribe, sentiment_sink) ; then news to the sink
//   order entry:       order -> execution_report;
//                      order_batch -> execution_report_batch;
//                      (positions, account) -> account_positions
//   entry (per node):  hello, and one typed lookup per interface
//
// Includes CAF's typed_actor: include it from actor and node sources only.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "caf/replies_to.hpp"
#include "caf/typed_actor.hpp"

#include "messages/atoms.hpp"
#include "messages/market.hpp"
#include "messages/orders.hpp"

namespace trading {

// -- streams --------------------------------------------------------------------

/// Takes quotes: the book from the price feed, the strategy and OMS from the book.
using quote_sink_actor
  = caf::typed_actor<caf::reacts_to<tick>, caf::reacts_to<tick_batch>>;

/// Produces quotes to every subscribed sink (price feed, book).
using quote_stream_actor
  = caf::typed_actor<caf::reacts_to<subscribe_atom, quote_sink_actor>>;

using sentiment_sink_actor = caf::typed_actor<caf::reacts_to<news>>;

using sentiment_stream_actor
  = caf::typed_actor<caf::reacts_to<subscribe_atom, sentiment_sink_actor>>;

// -- services -------------------------------------------------------------------

/// Executes an order (or a strategy pass's orders, together); the report is in
/// the trades log when it is sent. An account's positions, for a client to
/// reconcile with after it (re)connects. A warm_atom does nothing (its strategy
/// sends it to keep the path warm).
using order_entry_actor
  = caf::typed_actor<caf::replies_to<order>::with<execution_report>,
                     caf::replies_to<order_batch>::with<execution_report_batch>,
                     caf::replies_to<positions_atom, std::string>::with<
                       account_positions>,
                     caf::reacts_to<warm_atom>>;

// -- the node's entry -----------------------------------------------------------

/// The one actor a node publishes on its port. Each lookup names a stream of the
/// topology (nodes/topology.hpp) and answers an invalid handle if this node does
/// not produce it.
using entry_actor = caf::typed_actor<
  caf::replies_to<hello_atom, std::uint32_t>::with<hello_atom, std::uint32_t,
                                                   std::string>,
  caf::replies_to<quotes_atom, std::string>::with<quote_stream_actor>,
  caf::replies_to<sentiment_atom, std::string>::with<sentiment_stream_actor>,
  caf::replies_to<orders_atom, std::string>::with<order_entry_actor>>;

// -- private parts ----------------------------------------------------------------

/// Every actor of a node answers its stop (after draining) with true.
using stoppable_actor = caf::typed_actor<caf::replies_to<stop_atom>::with<bool>>;

/// The backtest clock (actors/backtest_clock.hpp): the strategy tells it how many
/// events it has handled; node-internal, never published.
using backtest_clock_actor = caf::typed_actor<caf::reacts_to<handled_atom, std::uint64_t>>;

/// What a consumer of each interface accepts from its node: the producer, or an
/// invalid handle when it was lost.
template <class Producer>
using handover = caf::reacts_to<peer_atom, Producer>;

} // namespace trading
