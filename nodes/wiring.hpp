// Spawning, wiring and stopping a node's actors, all derived from the topology
// (nodes/topology.hpp): which roles it hosts, which local producer each consumer
// gets, which streams come from which peer node, and the order of the stop.
#pragma once

#include <cstdint>
#include <vector>

#include "caf/fwd.hpp"

#include "messages/orders.hpp"
#include "nodes/roles.hpp"

namespace trading {

struct node_config;

/// The node's actors by topology role index (invalid where not hosted).
struct hosted_actors {
  std::vector<caf::actor> by_role;
};

hosted_actors spawn_hosted(caf::actor_system& sys, const node_config& cfg,
                           node_resources& res, node_metrics& metrics);

/// Hands each consumer the producers it needs that live in this process.
void wire_local(caf::actor_system& sys, const node_config& cfg,
                const hosted_actors& a);

/// Publishes the entry actor on node.host:node.port; `entry` gets it either way.
caf::expected<std::uint16_t> publish_entry(caf::actor_system& sys,
                                           const node_config& cfg,
                                           const hosted_actors& a,
                                           caf::actor& entry);

/// One link per remote node, carrying every stream this node needs from it.
std::vector<caf::actor> spawn_links(caf::actor_system& sys, const node_config& cfg,
                                    const hosted_actors& a, link_metrics& m);

/// Stops the actors, sources first and then each consumer before the producers
/// it needs to drain; returns the OMS's positions (empty if it is not hosted).
std::vector<position> stop_in_order(caf::actor_system& sys, const hosted_actors& a,
                                    const node_config& cfg);

} // namespace trading
