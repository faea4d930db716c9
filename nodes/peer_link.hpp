// peer_link: keeps the streams this node needs from one remote node handed to the
// local consumers, across that node's absence, death and restarts.
//
//        start                   connect + entry interface + hello + every stream
//   ---> waiting ---------------------------------------------------> linked
//         ^   |  failure: log who we wait for (once per change, then       |
//         |   +- with a count), retry after a capped exponential backoff   |
//         +------ down_msg of a producer it holds (the peer died, or hung --+
//                 past middleman.connection-timeout): consumers get an
//                 invalid handle, then the new one once the peer is back
//
// Interface: none from outside; it stops on an exit message.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "caf/fwd.hpp"

#include "nodes/topology.hpp"

namespace trading {

struct link_metrics;
struct peer_metrics;

/// A stream wanted from the peer and the local actors that consume it.
struct wanted_stream {
  const topology::stream* stream;
  std::vector<caf::actor> consumers;
};

struct peer_link_settings {
  std::string host;
  std::uint16_t port = 0;
  std::vector<wanted_stream> streams;
  std::int64_t backoff_min_ms = 100;
  std::int64_t backoff_max_ms = 2000;
};

/// `peer` is this link's entry in metrics.peers.
caf::actor spawn_peer_link(caf::actor_system& sys, peer_link_settings settings,
                           link_metrics& metrics, peer_metrics& peer);

} // namespace trading
