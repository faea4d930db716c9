// The typed glue between the topology's streams and CAF handles: each interface
// kind (nodes/topology.hpp) has its typed handle (messages/interfaces.hpp), and
// these functions are the one switch over them. Adding an interface kind is one
// case in each.
#pragma once

#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "caf/fwd.hpp"

#include "nodes/topology.hpp"

namespace trading {

/// Sends `(peer_atom, producer as the stream's typed handle)` to `consumer`, as
/// `sender` (a local actor, so that the consumer obeys it). An invalid producer
/// tells the consumer the stream was lost.
void hand_over(const caf::actor& sender, const caf::actor& consumer,
               const topology::stream& stream, const caf::actor& producer);

/// Asks a peer's entry actor for `stream`; `found` gets the handle (invalid if the
/// peer does not produce it), `failed` the error.
void look_up(caf::event_based_actor* self, const caf::actor& entry,
             const topology::stream& stream, std::function<void(caf::actor)> found,
             std::function<void(caf::error&)> failed);

/// Spawns the entry actor (hello, and a typed lookup per interface kind over
/// `producers`: one handle per topology role, invalid if not hosted here) into
/// `entry`, and publishes it, typed, on host:port (0 picks a free port).
caf::expected<std::uint16_t> publish_entry(caf::actor_system& sys,
                                           std::string node_name,
                                           std::vector<caf::actor> producers,
                                           const std::string& host,
                                           std::uint16_t port, caf::actor& entry);

/// The message types of the entry interface, as the middleman reports a published
/// actor's: a peer whose entry offers other types is not a trading node (of this
/// protocol).
std::set<std::string> entry_interface(caf::actor_system& sys);

} // namespace trading
