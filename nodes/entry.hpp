// entry: the one actor a node publishes on its port. Peers ask it, by role, for the
// actors this node hosts. Interface:
//   (hello_atom, protocol)   -> (hello_atom, protocol_version, node name)
//   (lookup_atom, role)      -> actor (invalid if this node does not host `role`)
#pragma once

#include <string>
#include <vector>
#include <utility>

#include "caf/fwd.hpp"

namespace trading {

using role_table = std::vector<std::pair<caf::atom_value, caf::actor>>;

caf::actor spawn_entry(caf::actor_system& sys, std::string node_name,
                       role_table roles);

} // namespace trading
