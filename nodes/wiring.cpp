#include "nodes/wiring.hpp"

#include <algorithm>
#include <chrono>
#include <string>

#include "caf/actor_system.hpp"
#include "caf/all.hpp"
#include "caf/io/middleman.hpp"

#include "actors/diagnostics.hpp"
#include "messages/atoms.hpp"
#include "messages/type_ids.hpp"
#include "nodes/config.hpp"
#include "nodes/peer_link.hpp"
#include "nodes/streams.hpp"
#include "nodes/topology.hpp"

namespace trading {

namespace {

constexpr const char* who = "node";

const caf::actor& producer_of(const hosted_actors& a, const topology::stream& s) {
  return a.by_role[topology::role_index(s.producer)];
}

/// The stop order: sources (roles that consume nothing) first, so the pipeline
/// drains; then a role only after every role that consumes one of its streams.
std::vector<std::size_t> stop_order() {
  auto& roles = topology::roles;
  std::vector<std::size_t> out;
  auto stopped = [&](std::size_t i) {
    return std::find(out.begin(), out.end(), i) != out.end();
  };
  for (std::size_t i = 0; i < roles.size(); ++i)
    if (std::all_of(roles[i].consumes.begin(), roles[i].consumes.end(),
                    [](auto& c) { return c.stream.empty(); }))
      out.push_back(i);
  while (out.size() < roles.size()) {
    for (std::size_t i = 0; i < roles.size(); ++i) {
      if (stopped(i))
        continue;
      auto needed_by_running = false;
      for (std::size_t j = 0; j < roles.size(); ++j)
        for (auto& c : roles[j].consumes)
          if (j != i && !stopped(j) && !c.stream.empty()
              && topology::find_stream(c.stream)->producer == roles[i].name)
            needed_by_running = true;
      if (!needed_by_running)
        out.push_back(i);
    }
  }
  return out;
}

} // namespace

hosted_actors spawn_hosted(caf::actor_system& sys, const node_config& cfg,
                           node_resources& res, node_metrics& metrics) {
  hosted_actors a;
  a.by_role.resize(topology::roles.size());
  for (std::size_t i = 0; i < topology::roles.size(); ++i)
    if (cfg.hosts(topology::roles[i].name))
      a.by_role[i] = adapter_of(i).spawn(sys, cfg, res, metrics);
  // Not an error (one list may serve several nodes' configs), but likely a slip.
  for (auto& role : cfg.caf.io_thread_roles)
    if (!cfg.hosts(role))
      log_warn("node", "caf.io_thread_roles names " + role
                         + ", which this node does not host: ignored");
  return a;
}

void wire_local(caf::actor_system& sys, const node_config& cfg,
                const hosted_actors& a) {
  caf::scoped_actor self{sys}; // a local sender: consumers obey only their node
  for (auto& [consumer, stream_name] : consumed_streams(cfg)) {
    auto stream = topology::find_stream(stream_name);
    auto& producer = producer_of(a, *stream);
    if (producer)
      hand_over(caf::actor_cast<caf::actor>(self), a.by_role[topology::role_index(consumer)],
                *stream, producer);
  }
}

caf::expected<std::uint16_t> publish_entry(caf::actor_system& sys,
                                           const node_config& cfg,
                                           const hosted_actors& a,
                                           caf::actor& entry) {
  return trading::publish_entry(sys, cfg.node.name, a.by_role, cfg.node.host,
                                static_cast<std::uint16_t>(cfg.node.port), entry);
}

std::vector<caf::actor> spawn_links(caf::actor_system& sys, const node_config& cfg,
                                    const hosted_actors& a, link_metrics& m) {
  std::vector<peer_link_settings> links;
  for (auto& [consumer, stream_name] : consumed_streams(cfg)) {
    auto stream = topology::find_stream(stream_name);
    if (cfg.hosts(stream->producer))
      continue; // local: wired directly
    auto& peer = cfg.peer(stream->producer);
    auto same = [&](auto& l) { return l.host == peer.host && l.port == peer.port; };
    auto link = std::find_if(links.begin(), links.end(), same);
    if (link == links.end()) {
      peer_link_settings fresh;
      fresh.host = peer.host;
      fresh.port = static_cast<std::uint16_t>(peer.port);
      fresh.backoff_min_ms = cfg.node.reconnect_min_ms;
      fresh.backoff_max_ms = cfg.node.reconnect_max_ms;
      links.push_back(std::move(fresh));
      link = std::prev(links.end());
    }
    auto& handle = a.by_role[topology::role_index(consumer)];
    auto wanted = std::find_if(link->streams.begin(), link->streams.end(),
                               [&](auto& w) { return w.stream == stream; });
    if (wanted == link->streams.end())
      link->streams.push_back(wanted_stream{stream, {handle}});
    else
      wanted->consumers.push_back(handle);
  }
  std::vector<caf::actor> out;
  for (auto& l : links) {
    auto& peer = m.peers.at(m.peer_count++);
    std::string roles;
    for (auto& w : l.streams)
      if (roles.find(w.stream->producer) == std::string::npos)
        roles += (roles.empty() ? "" : ",") + std::string{w.stream->producer};
    peer.label = roles + "@" + l.host + ":" + std::to_string(l.port);
    peer.expected = static_cast<std::int64_t>(l.streams.size());
    out.push_back(spawn_peer_link(sys, std::move(l), m, peer));
  }
  return out;
}

std::vector<position> stop_in_order(caf::actor_system& sys, const hosted_actors& a,
                                    const node_config& cfg) {
  caf::scoped_actor self{sys};
  auto timeout = std::chrono::milliseconds(cfg.node.drain_timeout_ms + 1000);
  std::vector<position> positions;
  auto& oms = a.by_role[topology::role_index("oms")];
  for (auto i : stop_order()) {
    auto& x = a.by_role[i];
    if (!x)
      continue;
    self->request(x, timeout, stop_atom::value)
      .receive([](bool) {},
               [&](caf::error& err) {
                 log_warn(who, "the " + std::string{topology::roles[i].name}
                                 + " actor did not confirm its stop: "
                                 + sys.render(err));
               });
    if (x == oms)
      self->request(x, timeout, positions_atom::value)
        .receive([&](std::vector<position>& xs) { positions = std::move(xs); },
                 [&](caf::error& err) {
                   log_warn(who, "no positions from the oms: " + sys.render(err));
                 });
  }
  for (auto& x : a.by_role)
    if (x)
      self->send_exit(x, caf::exit_reason::user_shutdown);
  return positions;
}

} // namespace trading
