// Atoms for the control messages that carry no struct of their own.
// (CAF 0.17: atoms are values of atom_value, at most 10 characters, and need no
// type ID.)
#pragma once

#include <cstdint>

#include "caf/atom.hpp"

namespace trading {

// -- public: what a peer may send ----------------------------------------------

/// consumer -> producer: (subscribe_atom, sink) starts delivery to `sink`.
using subscribe_atom = caf::atom_constant<caf::atom("subscribe")>;
/// peer -> entry actor: (hello_atom, protocol) -> (hello_atom, protocol, node name).
using hello_atom = caf::atom_constant<caf::atom("hello")>;
/// peer -> entry actor: (quotes_atom, stream) -> quote_stream_actor, and so on per
/// interface: the entry hands out a typed handle per stream (invalid if not hosted).
using quotes_atom = caf::atom_constant<caf::atom("quotes")>;
using sentiment_atom = caf::atom_constant<caf::atom("sentiment")>;
using orders_atom = caf::atom_constant<caf::atom("orders")>;

// -- private: only the actor itself or its node may send these ------------------

/// node -> actor: finish in-flight work and stop producing; replies true.
using stop_atom = caf::atom_constant<caf::atom("stop")>;
/// node -> consumer: (peer_atom, producer) hands over the producer of a stream it
/// consumes; an invalid handle says the producer was lost until the next one.
using peer_atom = caf::atom_constant<caf::atom("peer")>;
/// oms -> itself: journal and answer the orders in hand (group commit).
using commit_atom = caf::atom_constant<caf::atom("commit")>;
/// actor -> itself: a periodic timer fired.
using timer_atom = caf::atom_constant<caf::atom("timer")>;
/// Public: (positions_atom, account) -> that account's positions (order entry).
/// Private: node -> oms: (positions_atom) -> every account's, for the summary.
using positions_atom = caf::atom_constant<caf::atom("positions")>;
/// strategy -> its OMS in the same process, while idle (strategy.warm_us): a
/// no-op whose delivery keeps the order's path in the caches of both threads.
/// It never crosses processes, so it did not change the wire protocol's version.
using warm_atom = caf::atom_constant<caf::atom("warm")>;

/// Backtest (one process, node.backtest): clock -> feed: (step_atom, play) plays
/// the feed's next replayed event if `play` (else only looks) and answers the
/// timestamp of the event after it, -1 when the file has ended.
using step_atom = caf::atom_constant<caf::atom("step")>;
/// strategy -> backtest clock: (handled_atom, n): it has handled n events in all,
/// and every order they caused has its outcome.
using handled_atom = caf::atom_constant<caf::atom("handled")>;

/// Bumped whenever a message struct or the entry protocol changes shape: peers of
/// another protocol are refused at connect time with a clear error.
constexpr std::uint32_t protocol_version = 7;

} // namespace trading
