#include "actors/edge.hpp"

#include <chrono>
#include <cstdio>
#include <map>
#include <optional>
#include <stdexcept>

#include "caf/all.hpp"
#include "caf/io/broker.hpp"
#include "caf/io/middleman.hpp"
#include "caf/io/system_messages.hpp"

#include "actors/actor_guard.hpp"
#include "actors/diagnostics.hpp"
#include "actors/edge_codec.hpp"
#include "actors/market_models.hpp"
#include "messages/interfaces.hpp"
#include "messages/type_ids.hpp"

namespace trading {

namespace {

namespace io = caf::io;
namespace codec = edge_codec;

/// node -> edge: open the listeners; replies (ok, lines or the failure).
using listen_atom = caf::atom_constant<caf::atom("listen")>;

constexpr const char* who = "edge";
constexpr auto heartbeat_check = std::chrono::milliseconds(250);
constexpr nanos_t heartbeat_after_ns = 1'000'000'000;

enum class port_kind : std::uint8_t { price, news, orders, gateway, oms };

const char* key_of(port_kind k) {
  switch (k) {
    case port_kind::price:
      return "edge.price_port";
    case port_kind::news:
      return "edge.news_port";
    case port_kind::orders:
      return "edge.order_port";
    case port_kind::gateway:
      return "edge.gateway_port";
    default:
      return "edge.oms_port";
  }
}

bool length_prefixed(port_kind k) {
  return k == port_kind::gateway || k == port_kind::oms;
}

struct connection {
  port_kind kind = port_kind::price;
  std::uint64_t number = 0;
  std::string account;
  codec::star_splitter star;
  codec::length_splitter length;
  std::uint64_t unacked = 0; // bytes written and not yet acknowledged by CAF
  nanos_t last_sent_ns = 0;
};

struct edge_state {
  static inline const char* name = "edge";
  edge_settings cfg;
  edge_metrics* metrics = nullptr;
  std::optional<actor_guard> guard;
  std::map<io::accept_handle, port_kind> listeners;
  std::map<io::connection_handle, connection> conns;
  std::string start_id; // per start: accounts of one run never meet another's
  std::uint64_t next_number = 1;
  caf::strong_actor_ptr book;
  caf::strong_actor_ptr news_feed;
  order_entry_actor oms;
  log_limiter limiter;
  bool stopped = false;
};

using broker_ptr = io::stateful_broker<edge_state>*;

void forget(broker_ptr self, io::connection_handle hdl) {
  if (self->state.conns.erase(hdl) > 0)
    self->state.metrics->clients.fetch_sub(1, std::memory_order_relaxed);
}

// Appends one whole frame to the client's output, or drops the client if its
// unread output would pass the bound. Returns false if it dropped it.
bool put(broker_ptr self, io::connection_handle hdl, connection& c,
         const std::string& bytes) {
  auto& st = self->state;
  auto limit = static_cast<std::uint64_t>(st.cfg.client_buffer_kb) * 1024;
  if (c.unacked + bytes.size() > limit) {
    st.metrics->drops.add();
    st.limiter.log(log_level::warn, who, "drop",
                   "dropped client " + std::to_string(c.number) + " of "
                     + key_of(c.kind) + ": it left "
                     + std::to_string(c.unacked) + " bytes unread (bound "
                     + std::to_string(limit) + ")",
                   mono_ns());
    self->close(hdl);
    forget(self, hdl);
    return false;
  }
  self->write(hdl, bytes.size(), bytes.data());
  c.unacked += bytes.size();
  c.last_sent_ns = mono_ns();
  st.metrics->frames_out.add();
  return true;
}

void send_now(broker_ptr self, io::connection_handle hdl, const std::string& bytes) {
  auto i = self->state.conns.find(hdl);
  if (i == self->state.conns.end() || !self->valid(hdl))
    return; // gone meanwhile: never write to a closed handle
  if (put(self, hdl, i->second, bytes))
    self->flush(hdl);
}

/// Sends one frame per kind to every client of that kind, then flushes them.
template <class Encode>
void broadcast(broker_ptr self, port_kind kind, Encode encode) {
  std::string bytes;
  std::vector<io::connection_handle> written;
  for (auto i = self->state.conns.begin(); i != self->state.conns.end();) {
    auto hdl = i->first;
    auto& c = i->second;
    ++i; // put() may erase the current entry
    if (c.kind != kind)
      continue;
    if (bytes.empty())
      bytes = encode();
    if (put(self, hdl, c, bytes))
      written.push_back(hdl);
  }
  for (auto hdl : written)
    self->flush(hdl);
}

void on_tick(broker_ptr self, const tick& x) {
  broadcast(self, port_kind::price, [&] { return codec::star_price(x); });
  broadcast(self, port_kind::gateway,
            [&] { return codec::gateway_market_data(x, wall_ns()); });
}

std::string answer(port_kind kind, const std::string& client_id,
                   const execution_report& r) {
  return length_prefixed(kind) ? codec::gateway_execution(client_id, r)
                               : codec::star_execution(client_id, r);
}

std::string reject(port_kind kind, const std::string& client_id,
                   const std::string& reason) {
  return length_prefixed(kind) ? codec::gateway_reject(client_id, reason)
                               : codec::star_reject(client_id, reason);
}

void refuse(broker_ptr self, io::connection_handle hdl, port_kind kind,
            const std::string& client_id, const std::string& reason) {
  auto& st = self->state;
  st.metrics->rejects.add();
  st.limiter.log(log_level::warn, who, "reject:" + reason,
                 std::string{"rejected a frame on "} + key_of(kind) + ": " + reason,
                 mono_ns());
  send_now(self, hdl, reject(kind, client_id, reason));
}

void place(broker_ptr self, io::connection_handle hdl, connection& c,
           codec::client_order x) {
  auto& st = self->state;
  if (!x.problem.empty()) {
    refuse(self, hdl, c.kind, x.client_id, x.problem);
    return;
  }
  if (!st.oms) {
    refuse(self, hdl, c.kind, x.client_id, "order entry unavailable: no OMS linked");
    return;
  }
  order o;
  o.account = x.account.empty() ? c.account : x.account;
  o.client_order_id = x.client_id;
  o.order_id = codec::edge_order_id(o.account, x.client_id);
  o.symbol = x.symbol;
  o.dir = x.dir;
  o.quantity = x.quantity;
  o.limit_price = x.price;
  o.timestamp_ns = wall_ns();
  st.metrics->orders.add();
  auto kind = c.kind;
  auto client_id = x.client_id;
  self
    ->request(st.oms, std::chrono::milliseconds(st.cfg.order_timeout_ms), std::move(o))
    .then(
      [self, hdl, kind, client_id](execution_report& r) {
        if (r.status == exec_status::rejected)
          self->state.metrics->rejects.add();
        send_now(self, hdl, answer(kind, client_id, r));
      },
      [self, hdl, kind, client_id](caf::error& err) {
        self->state.metrics->rejects.add();
        send_now(self, hdl,
                 reject(kind, client_id,
                        "no answer from the OMS (" + self->system().render(err)
                          + "); resend the same id to learn its outcome"));
      });
}

void on_data(broker_ptr self, io::connection_handle hdl, connection& c,
             const std::vector<char>& buf) {
  if (c.kind == port_kind::price || c.kind == port_kind::news)
    return; // stream-only ports: what a client writes there is ignored
  std::vector<codec::frame> frames;
  if (length_prefixed(c.kind))
    c.length.feed(buf.data(), buf.size(), frames);
  else
    c.star.feed(buf.data(), buf.size(), frames);
  for (auto& f : frames) {
    self->state.metrics->frames_in.add();
    if (!f.problem.empty()) {
      refuse(self, hdl, c.kind, {}, f.problem);
    } else if (length_prefixed(c.kind)) {
      int type = -1;
      auto x = codec::parse_gateway_message(f.text, type);
      if (type == 4 || !x.problem.empty())
        place(self, hdl, c, std::move(x));
      else if (type != 7) // a client's heartbeat needs no answer
        refuse(self, hdl, c.kind, {},
               "unexpected message type " + std::to_string(type)
                 + " (a client sends 4 orders and 7 heartbeats)");
    } else {
      place(self, hdl, c, codec::parse_star_order(f.text));
    }
    if (self->state.conns.count(hdl) == 0)
      return; // dropped while answering
  }
}

void stop(broker_ptr self) {
  auto& st = self->state;
  if (st.stopped)
    return;
  st.stopped = true;
  auto bye = codec::gateway_shutdown(wall_ns(), "node stopping");
  for (auto& [hdl, c] : st.conns) {
    if (length_prefixed(c.kind)) {
      self->write(hdl, bye.size(), bye.data());
      st.metrics->frames_out.add();
      self->flush(hdl);
    }
    self->close(hdl);
  }
  st.metrics->clients.store(0, std::memory_order_relaxed);
  st.conns.clear();
  for (auto& l : st.listeners)
    self->close(l.first);
  st.listeners.clear();
  st.limiter.flush(mono_ns());
}

caf::behavior edge(broker_ptr self, edge_settings cfg, edge_metrics* metrics) {
  auto& st = self->state;
  st.cfg = std::move(cfg);
  st.metrics = metrics;
  st.guard.emplace(who, metrics->guard);
  st.guard->drop_unknown(self);
  char id[16];
  std::snprintf(id, sizeof id, "%08llx",
                static_cast<unsigned long long>(new_incarnation_id() & 0xffffffffu));
  st.start_id = id;
  self->delayed_send(self, heartbeat_check, timer_atom::value);
  return {
    // -- private: from its node ---------------------------------------------------
    [self](listen_atom) -> caf::message {
      auto& st = self->state;
      if (!st.guard->private_ok(self, "listen"))
        return caf::make_message(false, std::vector<std::string>{"refused"});
      std::vector<std::string> lines;
      auto open = [&](port_kind kind, const std::optional<std::int64_t>& port) {
        if (!port)
          return true;
        auto x = self->add_tcp_doorman(static_cast<std::uint16_t>(*port),
                                       st.cfg.host.c_str(), true);
        if (!x) {
          lines = {std::string{"cannot listen on "} + key_of(kind) + " "
                   + st.cfg.host + ":" + std::to_string(*port) + ": "
                   + self->system().render(x.error())};
          return false;
        }
        st.listeners.emplace(x->first, kind);
        lines.push_back(std::string{key_of(kind)} + " " + st.cfg.host + ":"
                        + std::to_string(x->second));
        return true;
      };
      auto ok = open(port_kind::price, st.cfg.price_port)
                && open(port_kind::news, st.cfg.news_port)
                && open(port_kind::orders, st.cfg.order_port)
                && open(port_kind::gateway, st.cfg.gateway_port)
                && open(port_kind::oms, st.cfg.oms_port);
      return caf::make_message(ok, std::move(lines));
    },
    [self](peer_atom, quote_stream_actor& x) {
      if (!self->state.guard->private_ok(self, "peer"))
        return;
      self->state.book = caf::actor_cast<caf::strong_actor_ptr>(x);
      // No stream listener on: no quotes, so a demo with the edge off pays nothing.
      auto& c = self->state.cfg;
      if (x && (c.price_port || c.gateway_port))
        self->send(x, subscribe_atom::value, caf::actor_cast<quote_sink_actor>(self));
    },
    [self](peer_atom, sentiment_stream_actor& x) {
      if (!self->state.guard->private_ok(self, "peer"))
        return;
      self->state.news_feed = caf::actor_cast<caf::strong_actor_ptr>(x);
      auto& c = self->state.cfg;
      if (x && (c.news_port || c.gateway_port))
        self->send(x, subscribe_atom::value,
                   caf::actor_cast<sentiment_sink_actor>(self));
    },
    [self](peer_atom, order_entry_actor& x) {
      if (self->state.guard->private_ok(self, "peer"))
        self->state.oms = std::move(x);
    },
    [self](stop_atom) {
      if (!self->state.guard->private_ok(self, "stop"))
        return false;
      stop(self);
      return true;
    },
    [self](timer_atom) {
      auto& st = self->state;
      if (!st.guard->self_ok(self, "timer") || st.stopped)
        return;
      auto now = mono_ns();
      std::string beat;
      for (auto i = st.conns.begin(); i != st.conns.end();) {
        auto hdl = i->first;
        auto& c = i->second;
        ++i;
        if (!length_prefixed(c.kind) || now - c.last_sent_ns < heartbeat_after_ns)
          continue;
        if (beat.empty())
          beat = codec::gateway_heartbeat(wall_ns());
        if (put(self, hdl, c, beat))
          self->flush(hdl);
      }
      st.guard->flush();
      st.limiter.flush(now);
      self->delayed_send(self, heartbeat_check, timer_atom::value);
    },
    // -- the streams -------------------------------------------------------------
    [self](const tick& x) {
      if (self->state.guard->from_ok(self, self->state.book, "quote"))
        on_tick(self, x);
    },
    [self](const tick_batch& b) {
      if (self->state.guard->from_ok(self, self->state.book, "quote"))
        for (auto& x : b.ticks)
          on_tick(self, x);
    },
    [self](const news& x) {
      if (!self->state.guard->from_ok(self, self->state.news_feed, "news"))
        return;
      broadcast(self, port_kind::news, [&] { return codec::star_news(x); });
      broadcast(self, port_kind::gateway,
                [&] { return codec::gateway_news(x, wall_ns()); });
    },
    // -- the clients -------------------------------------------------------------
    [self](const io::new_connection_msg& msg) {
      auto& st = self->state;
      auto l = st.listeners.find(msg.source);
      if (st.stopped || l == st.listeners.end()) {
        self->close(msg.handle);
        return;
      }
      connection c;
      c.kind = l->second;
      c.number = st.next_number++;
      c.account = "edge-" + st.start_id + "-" + std::to_string(c.number);
      c.last_sent_ns = mono_ns();
      // Reads on every connection, even stream-only ones: else no close is seen.
      self->configure_read(msg.handle, io::receive_policy::at_most(4096));
      self->ack_writes(msg.handle, true);
      st.conns.emplace(msg.handle, std::move(c));
      st.metrics->connections.add();
      st.metrics->clients.fetch_add(1, std::memory_order_relaxed);
    },
    [self](const io::new_data_msg& msg) {
      self->state.metrics->bytes_in.add(msg.buf.size());
      auto i = self->state.conns.find(msg.handle);
      if (i != self->state.conns.end())
        on_data(self, msg.handle, i->second, msg.buf);
    },
    [self](const io::data_transferred_msg& msg) {
      auto i = self->state.conns.find(msg.handle);
      if (i != self->state.conns.end())
        i->second.unacked -= std::min(i->second.unacked, msg.written);
    },
    [self](const io::connection_closed_msg& msg) { forget(self, msg.handle); },
    [self](const io::acceptor_closed_msg& msg) {
      self->state.listeners.erase(msg.handle);
    },
  };
}

} // namespace

caf::actor spawn_edge(caf::actor_system& sys, const edge_settings& cfg,
                      edge_metrics& metrics) {
  return sys.middleman().spawn_broker(edge, cfg, &metrics);
}

std::vector<std::string> open_edge_listeners(caf::actor_system& sys,
                                             const caf::actor& handle) {
  caf::scoped_actor self{sys};
  std::vector<std::string> out;
  std::string failure;
  self->request(handle, std::chrono::seconds(5), listen_atom::value)
    .receive(
      [&](bool ok, std::vector<std::string>& lines) {
        if (ok)
          out = std::move(lines);
        else
          failure = lines.empty() ? "cannot listen" : lines.front();
      },
      [&](caf::error& err) { failure = "cannot open listeners: " + sys.render(err); });
  if (!failure.empty())
    throw std::runtime_error(failure);
  return out;
}

} // namespace trading
