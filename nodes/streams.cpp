#include "nodes/streams.hpp"

#include <chrono>
#include <string>
#include <vector>

#include "caf/actor_system.hpp"
#include "caf/openssl/publish.hpp"
#include "caf/event_based_actor.hpp"
#include "caf/io/middleman.hpp"
#include "caf/send.hpp"
#include "caf/stateful_actor.hpp"
#include "caf/typed_event_based_actor.hpp"

#include "messages/interfaces.hpp"
#include "messages/type_ids.hpp"

namespace trading {

namespace {

constexpr auto request_timeout = std::chrono::seconds(3);

// -- the entry actor -----------------------------------------------------------

struct entry_state {
  static inline const char* name = "entry";
  std::string node_name;
  std::vector<caf::actor> producers; // by topology role index

  /// The producer of `stream` if it has that interface and is hosted here.
  template <class Handle>
  Handle find(const std::string& stream, topology::interface kind) const {
    auto s = topology::find_stream(stream);
    if (!s || s->kind != kind)
      return {};
    return caf::actor_cast<Handle>(producers.at(topology::role_index(s->producer)));
  }
};

entry_actor::behavior_type entry(entry_actor::stateful_pointer<entry_state> self,
                                 std::string node_name,
                                 std::vector<caf::actor> producers) {
  self->state.node_name = std::move(node_name);
  self->state.producers = std::move(producers);
  using topology::interface;
  return {
    [self](hello_atom, std::uint32_t) {
      return std::make_tuple(hello_atom::value, protocol_version,
                             self->state.node_name);
    },
    [self](quotes_atom, const std::string& stream) {
      return self->state.find<quote_stream_actor>(stream, interface::quote_stream);
    },
    [self](sentiment_atom, const std::string& stream) {
      return self->state.find<sentiment_stream_actor>(stream,
                                                      interface::sentiment_stream);
    },
    [self](orders_atom, const std::string& stream) {
      return self->state.find<order_entry_actor>(stream, interface::order_entry);
    },
  };
}

template <class Handle, class Atom>
void typed_look_up(caf::event_based_actor* self, const entry_actor& entry, Atom atom,
                   const std::string& stream, std::function<void(caf::actor)> found,
                   std::function<void(caf::error&)> failed) {
  self->request(entry, request_timeout, atom, stream)
    .then([found](Handle& h) { found(caf::actor_cast<caf::actor>(h)); },
          [failed](caf::error& err) { failed(err); });
}

} // namespace

void hand_over(const caf::actor& sender, const caf::actor& consumer,
               const topology::stream& stream, const caf::actor& producer) {
  switch (stream.kind) {
    case topology::interface::quote_stream:
      caf::send_as(sender, consumer, peer_atom::value,
                   caf::actor_cast<quote_stream_actor>(producer));
      break;
    case topology::interface::sentiment_stream:
      caf::send_as(sender, consumer, peer_atom::value,
                   caf::actor_cast<sentiment_stream_actor>(producer));
      break;
    case topology::interface::order_entry:
      caf::send_as(sender, consumer, peer_atom::value,
                   caf::actor_cast<order_entry_actor>(producer));
      break;
  }
}

void look_up(caf::event_based_actor* self, const caf::actor& entry_handle,
             const topology::stream& stream, std::function<void(caf::actor)> found,
             std::function<void(caf::error&)> failed) {
  auto entry = caf::actor_cast<entry_actor>(entry_handle);
  std::string name{stream.name};
  switch (stream.kind) {
    case topology::interface::quote_stream:
      typed_look_up<quote_stream_actor>(self, entry, quotes_atom::value, name,
                                        std::move(found), std::move(failed));
      break;
    case topology::interface::sentiment_stream:
      typed_look_up<sentiment_stream_actor>(self, entry, sentiment_atom::value, name,
                                            std::move(found), std::move(failed));
      break;
    case topology::interface::order_entry:
      typed_look_up<order_entry_actor>(self, entry, orders_atom::value, name,
                                       std::move(found), std::move(failed));
      break;
  }
}

caf::expected<std::uint16_t> publish_entry(caf::actor_system& sys,
                                           std::string node_name,
                                           std::vector<caf::actor> producers,
                                           const std::string& host,
                                           std::uint16_t port, caf::actor& out) {
  auto handle = sys.spawn(entry, std::move(node_name), std::move(producers));
  out = caf::actor_cast<caf::actor>(handle);
  // Published typed: a peer's remote_actor<entry_actor> checks the interface.
  if (sys.has_openssl_manager())
    return caf::openssl::publish(handle, port, host.c_str(), true);
  return sys.middleman().publish(handle, port, host.c_str(), true);
}

std::set<std::string> entry_interface(caf::actor_system& sys) {
  return sys.message_types<entry_actor>();
}

} // namespace trading
