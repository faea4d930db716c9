// edge: the gateway for outside clients, on plain TCP beside the middleman. One
// CAF broker owns up to five listeners (a listener is off while its port is unset):
//
//   edge.price_port   protocol 1 prices `SYMBOL,PRICE*`        (from the book stream)
//   edge.news_port    protocol 1 sentiment `N*`                (sentiment stream)
//   edge.order_port   protocol 1 orders `{...}*` -> executions (order entry)
//   edge.gateway_port protocol 2 market data (1), news (2), heartbeats (7)
//   edge.oms_port     protocol 2 orders (4) -> trade executions (5), heartbeats (7)
//
// (Protocol details and caps: actors/edge_codec.hpp.) Every client gets whole
// frames from when it joined. A client whose unacknowledged output passes
// `client_buffer_kb` is dropped with a log line: the feeds and other clients never
// wait for it. Orders go to the OMS as account "edge-<start id>-<n>" per connection
// (or the account the order names), with order_id edge_order_id(account, client
// id), so a resent id gets the OMS's original answer. On stop, protocol-2 clients
// get a shutdown (8) message, then every connection and listener closes.
// Private (from its node): the producers' hand-over, listen, stop.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "caf/fwd.hpp"

#include "actors/counter.hpp"

namespace trading {

struct edge_settings {
  std::string host = "127.0.0.1";
  std::optional<std::int64_t> price_port;
  std::optional<std::int64_t> news_port;
  std::optional<std::int64_t> order_port;
  std::optional<std::int64_t> gateway_port;
  std::optional<std::int64_t> oms_port;
  /// Output a client may leave unread before it is dropped.
  std::int64_t client_buffer_kb = 1024;
  std::int64_t order_timeout_ms = 5000;
};

struct edge_metrics {
  std::atomic<std::int64_t> clients{0};
  counter connections;
  counter bytes_in; // read from clients, whole frames or not
  counter frames_in;
  counter frames_out;
  counter orders;
  counter rejects; // malformed frames and OMS rejects answered to clients
  counter drops;   // slow clients dropped
  guard_metrics guard;
};

caf::actor spawn_edge(caf::actor_system& sys, const edge_settings& cfg,
                      edge_metrics& metrics);

/// Opens the configured listeners (call once, right after spawn_edge). Returns
/// one line per listener ("price_port 127.0.0.1:5001"), or throws
/// std::runtime_error naming the key, address and error of the first that fails.
std::vector<std::string> open_edge_listeners(caf::actor_system& sys,
                                             const caf::actor& edge);

} // namespace trading
