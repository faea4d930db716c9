#pragma once

// Included only by the sources of the roles that may run on the I/O thread: it
// pulls in CAF's middleman.

#include <utility>

#include "caf/actor_system.hpp"
#include "caf/io/middleman.hpp"
#include "caf/io/network/multiplexer.hpp"
#include "caf/spawn_options.hpp"

#include "actors/actor_home.hpp"

namespace trading {

/// An event-based actor that its node's middleman multiplexer runs, the way CAF 0.17
/// runs a broker (abstract_broker): whoever sends to it, it is scheduled on the
/// multiplexer, which runs it in the same loop pass when the sender is the I/O
/// thread itself (a message just read from a peer) and is woken through its pipe
/// otherwise. Its own sends to other nodes go to the BASP broker on that thread,
/// again without a wake-up.
template <class Base>
class io_thread_actor final : public Base {
public:
  using Base::Base;

  void enqueue(caf::mailbox_element_ptr what, caf::execution_unit*) override {
    Base::enqueue(std::move(what), &this->system().middleman().backend());
  }

  caf::resumable::subtype_t subtype() const override {
    return caf::resumable::io_actor;
  }
};

/// Spawns the function-based actor `fun(self, xs...)` at `home`. The I/O thread
/// needs the middleman loaded (every node loads it).
template <class Fun, class... Ts>
auto spawn_at(caf::actor_system& sys, actor_home home, Fun fun, Ts&&... xs) {
  if (home == actor_home::scheduler)
    return sys.spawn(fun, std::forward<Ts>(xs)...);
  using impl = io_thread_actor<caf::infer_impl_from_fun_t<Fun>>;
  // The launch goes through the host's exec_later, like every later wake-up.
  caf::actor_config cfg{&sys.middleman().backend()};
  caf::detail::init_fun_factory<impl, Fun> make_init;
  cfg.init_fun = make_init(std::move(fun), std::forward<Ts>(xs)...);
  return sys.spawn_impl<impl, caf::no_spawn_options>(cfg);
}

} // namespace trading
