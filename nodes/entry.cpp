#include "nodes/entry.hpp"

#include "caf/actor_system.hpp"
#include "caf/event_based_actor.hpp"
#include "caf/stateful_actor.hpp"

#include "messages/atoms.hpp"

namespace trading {

namespace {

struct entry_state {
  static inline const char* name = "entry";
  std::string node_name;
  role_table roles;
};

caf::behavior entry(caf::stateful_actor<entry_state>* self, std::string node_name,
                    role_table roles) {
  self->state.node_name = std::move(node_name);
  self->state.roles = std::move(roles);
  return {
    [self](hello_atom, std::uint32_t) {
      return caf::make_message(hello_atom::value, protocol_version,
                               self->state.node_name);
    },
    [self](lookup_atom, caf::atom_value role) {
      for (auto& [hosted, handle] : self->state.roles)
        if (hosted == role)
          return handle;
      return caf::actor{};
    },
  };
}

} // namespace

caf::actor spawn_entry(caf::actor_system& sys, std::string node_name,
                       role_table roles) {
  return sys.spawn(entry, std::move(node_name), std::move(roles));
}

} // namespace trading
