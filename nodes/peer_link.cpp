#include "nodes/peer_link.hpp"
#include "nodes/tls.hpp"

#include <chrono>
#include <set>

#include "caf/actor_system.hpp"
#include "caf/all.hpp"
#include "caf/io/middleman.hpp"
#include "caf/io/middleman_actor.hpp"

#include "actors/diagnostics.hpp"
#include "messages/atoms.hpp"
#include "nodes/node_metrics.hpp"
#include "nodes/streams.hpp"

namespace trading {

namespace {

constexpr const char* who = "peer_link";
constexpr auto request_timeout = std::chrono::seconds(3);

struct link_stream {
  const topology::stream* stream;
  std::vector<caf::actor> consumers;
  caf::actor current; // invalid while not linked
};

struct peer_link_state {
  static inline const char* name = "peer_link";

  std::string host;
  std::uint16_t port = 0;
  std::string where; // host:port, for messages
  std::vector<link_stream> streams;
  link_metrics* metrics = nullptr;
  peer_metrics* peer = nullptr;
  std::int64_t backoff_min_ms = 0;
  std::int64_t backoff_max_ms = 0;
  std::int64_t backoff_ms = 0;
  std::uint64_t generation = 0; // answers to an older attempt are ignored
  std::uint64_t failures = 0;   // in a row, for the log's pacing
  std::string last_error;
  bool ever_linked = false;
};

using self_ptr = caf::stateful_actor<peer_link_state>*;

// What we wait for, by the producing roles (the log lines' vocabulary).
std::string roles_text(const peer_link_state& st) {
  std::string out;
  for (auto& r : st.streams) {
    std::string role{r.stream->producer};
    if (out.find(role) == std::string::npos)
      out += (out.empty() ? "" : ", ") + role;
  }
  return out;
}

void give(self_ptr self, link_stream& r, const caf::actor& handle) {
  auto& st = self->state;
  if (r.current && !handle) {
    st.metrics->connected.fetch_sub(1);
    st.peer->connected.fetch_sub(1);
  } else if (!r.current && handle) {
    st.metrics->connected.fetch_add(1);
    st.peer->connected.fetch_add(1);
  }
  r.current = handle;
  for (auto& consumer : r.consumers)
    hand_over(caf::actor_cast<caf::actor>(self), consumer, *r.stream, handle);
}

void drop_all(self_ptr self) {
  for (auto& r : self->state.streams) {
    if (r.current) {
      self->demonitor(r.current);
      give(self, r, caf::actor{});
    }
  }
}

caf::actor_control_block* block_of(const caf::actor& x) {
  return caf::actor_cast<caf::actor_control_block*>(x);
}

void schedule_attempt(self_ptr self, std::int64_t delay_ms) {
  self->delayed_send(self, std::chrono::milliseconds(delay_ms), timer_atom::value);
}

// Logs who we wait for (the first failure, a changed reason, then every 10th),
// drops what the attempt had found, and retries after a doubling backoff.
void fail(self_ptr self, std::uint64_t gen, const std::string& reason) {
  auto& st = self->state;
  if (gen != st.generation)
    return;
  ++st.generation;
  drop_all(self);
  if (reason != st.last_error || st.failures % 10 == 0)
    log_warn(who, "waiting for " + roles_text(st) + " at " + st.where + ": " + reason
                    + "; retrying with backoff (now " + std::to_string(st.backoff_ms)
                    + " ms)");
  st.last_error = reason;
  ++st.failures;
  schedule_attempt(self, st.backoff_ms);
  st.backoff_ms = std::min(st.backoff_ms * 2, st.backoff_max_ms);
}

void linked(self_ptr self, std::uint64_t gen, const std::string& peer_name) {
  auto& st = self->state;
  for (auto& r : st.streams)
    if (!r.current)
      return;
  log_info(who, std::string{st.ever_linked ? "re-linked" : "linked"} + " to node '"
                  + peer_name + "' at " + st.where + " (" + roles_text(st) + ")");
  (void) gen;
  if (st.ever_linked)
    st.metrics->reconnects.fetch_add(1); // a reconnect is a link regained
  st.backoff_ms = st.backoff_min_ms;
  st.failures = 0;
  st.last_error.clear();
  st.ever_linked = true;
}

void look_up_streams(self_ptr self, std::uint64_t gen, const caf::actor& entry,
                     const std::string& peer_name) {
  for (std::size_t i = 0; i < self->state.streams.size(); ++i) {
    auto stream = self->state.streams[i].stream;
    look_up(
      self, entry, *stream,
      [=](caf::actor handle) {
        auto& st = self->state;
        if (gen != st.generation)
          return;
        if (!handle)
          return fail(self, gen, "node '" + peer_name + "' does not host "
                                   + std::string{stream->producer});
        self->monitor(handle);
        give(self, st.streams[i], handle);
        linked(self, gen, peer_name);
      },
      [=](caf::error& err) {
        fail(self, gen, "lookup of " + std::string{stream->name} + " failed: "
                          + self->system().render(err));
      });
  }
}

// A TLS mismatch shows as a connect error: say what to check.
std::string tls_hint(caf::actor_system& sys, const caf::error& err) {
  // Nobody listening, or a timeout, is no TLS matter.
  auto text = sys.render(err);
  auto handshake = err == caf::sec::disconnect_during_handshake
                   || (err == caf::sec::cannot_connect_to_node
                       && text.find("ip_connect failed") == std::string::npos);
  if (!handshake)
    return {};
  if (sys.has_openssl_manager())
    return "; this node uses TLS: the peer needs node.tls.* with a certificate from "
           "the same CA";
  return "; the peer may require TLS (node.tls.*)";
}

void attempt(self_ptr self) {
  auto& st = self->state;
  auto gen = st.generation;
  auto mm = connector(self->system()); // TLS when the node has it
  self->request(mm, request_timeout, caf::connect_atom::value, st.host, st.port)
    .then(
      [=](const caf::node_id&, caf::strong_actor_ptr& ptr,
          const std::set<std::string>& ifs) {
        auto entry = caf::actor_cast<caf::actor>(ptr);
        if (!entry)
          return fail(self, gen, "nothing is published there");
        // What typed remote_actor<entry_actor> checks, without blocking a worker.
        if (ifs != entry_interface(self->system()))
          return fail(self, gen,
                      "the actor published there is not a trading node entry "
                      "(wrong actor interface: it offers "
                        + (ifs.empty() ? std::string{"no typed interface"}
                                       : caf::deep_to_string(ifs))
                        + ", a trading node's entry of protocol "
                        + std::to_string(protocol_version) + " is expected)");
        self->request(entry, request_timeout, hello_atom::value, protocol_version)
          .then(
            [=](hello_atom, std::uint32_t version, std::string& peer_name) {
              if (version != protocol_version)
                return fail(self, gen,
                            "node '" + peer_name + "' speaks protocol "
                              + std::to_string(version) + ", this node "
                              + std::to_string(protocol_version));
              look_up_streams(self, gen, entry, peer_name);
            },
            [=](caf::error& err) {
              if (err == caf::sec::request_timeout)
                return fail(self, gen, "no answer to hello (the connection was "
                                       "lost, or the node is hung)");
              fail(self, gen, "the actor published there is not a trading node "
                              "entry (wrong actor interface: "
                                + self->system().render(err) + ")");
            });
      },
      [=](caf::error& err) {
        fail(self, gen, "cannot connect (" + self->system().render(err) + ")"
                          + tls_hint(self->system(), err));
      });
}

caf::behavior peer_link(self_ptr self, peer_link_settings cfg,
                        link_metrics* metrics, peer_metrics* peer) {
  auto& st = self->state;
  st.host = cfg.host;
  st.port = cfg.port;
  st.where = cfg.host + ":" + std::to_string(cfg.port);
  for (auto& r : cfg.streams)
    st.streams.push_back(link_stream{r.stream, r.consumers, caf::actor{}});
  st.metrics = metrics;
  st.peer = peer;
  st.backoff_min_ms = cfg.backoff_min_ms;
  st.backoff_max_ms = cfg.backoff_max_ms;
  st.backoff_ms = cfg.backoff_min_ms;
  metrics->expected.fetch_add(static_cast<std::int64_t>(st.streams.size()));
  self->set_down_handler([self](caf::down_msg& msg) {
    auto& st = self->state;
    // Match on the handle held, not the address: a late down message from an
    // older connection's proxy of the same actor must not drop the new link.
    for (auto& r : st.streams) {
      if (!r.current || block_of(r.current) != msg.source.get())
        continue;
      log_warn(who, "lost " + std::string{r.stream->producer} + " at " + st.where + " ("
                      + self->system().render(msg.reason) + "): reconnecting");
      st.metrics->losses.fetch_add(1);
      st.peer->losses.fetch_add(1);
      ++st.generation;
      drop_all(self);
      st.backoff_ms = st.backoff_min_ms;
      schedule_attempt(self, st.backoff_min_ms);
      return;
    }
  });
  attempt(self);
  return {
    [self](timer_atom) { attempt(self); },
  };
}

} // namespace

caf::actor spawn_peer_link(caf::actor_system& sys, peer_link_settings settings,
                           link_metrics& metrics, peer_metrics& peer) {
  return sys.spawn(peer_link, std::move(settings), &metrics, &peer);
}

} // namespace trading
