// Atoms for the few control messages that carry no struct of their own.
// (CAF 0.17: atoms are values of atom_value, at most 10 characters, and need no
// type ID.)
#pragma once

#include "caf/atom.hpp"

namespace trading {

/// subscriber -> book_writer/news_feed: (subscribe_atom, actor) starts delivery.
using subscribe_atom = caf::atom_constant<caf::atom("subscribe")>;
/// node -> actor: finish in-flight work and stop producing.
using stop_atom = caf::atom_constant<caf::atom("stop")>;
/// peer -> entry actor: (lookup_atom, role) -> actor handle (invalid if not hosted).
using lookup_atom = caf::atom_constant<caf::atom("lookup")>;
/// peer -> entry actor: (hello_atom, protocol) -> (hello_atom, protocol, node name).
using hello_atom = caf::atom_constant<caf::atom("hello")>;
/// node -> consumer: (peer_atom, role, actor) hands over the producer for `role`;
/// an invalid actor says the role was lost (its node died) until the next one.
using peer_atom = caf::atom_constant<caf::atom("peer")>;
/// actor -> itself: a periodic timer fired.
using timer_atom = caf::atom_constant<caf::atom("timer")>;

/// Roles by which a node's entry actor hands out the actors it hosts.
namespace role {
constexpr auto price_feed = caf::atom("price_feed");
constexpr auto news_feed = caf::atom("news_feed");
constexpr auto book = caf::atom("book");
constexpr auto strategy = caf::atom("strategy");
constexpr auto oms = caf::atom("oms");
} // namespace role

/// Bumped whenever a message struct or the entry protocol changes shape: peers of
/// another protocol are refused at connect time with a clear error.
constexpr std::uint32_t protocol_version = 1;

} // namespace trading
