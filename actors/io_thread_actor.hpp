#pragma once

// Included only by sources that spawn an actor at a home (the roles that may run
// on the I/O thread, micro_actor, tests): it pulls in CAF's middleman.

#include <algorithm>
#include <cstddef>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>

#include "caf/actor_system.hpp"
#include "caf/io/middleman.hpp"
#include "caf/io/network/multiplexer.hpp"
#include "caf/scheduled_actor.hpp"
#include "caf/spawn_options.hpp"

#include "actors/actor_home.hpp"
#include "actors/diagnostics.hpp"

namespace trading {

/// Whether the calling thread is `sys`'s middleman I/O thread.
inline bool on_io_thread(caf::actor_system& sys) {
  return std::this_thread::get_id() == sys.middleman().backend().thread_id();
}

/// An event-based actor that its node's middleman multiplexer runs, the way CAF 0.17
/// runs a broker (abstract_broker): whoever sends to it, it is scheduled on the
/// multiplexer, which runs it in its next loop iteration without sleeping when the
/// sender is the I/O thread itself (a message just read from a peer) and is woken
/// through its pipe otherwise. Its own sends to other nodes go to the BASP broker
/// on that thread, again without a wake-up. With middleman workers (> 0) BASP
/// delivers from those threads instead, and the receiving side saves nothing.
/// Like a broker, it must be gone before the middleman stops (a node awaits all
/// its actors before its system shuts down).
template <class Base>
class io_thread_actor final : public Base {
public:
  static_assert(std::is_base_of_v<caf::scheduled_actor, Base>
                  && !std::is_base_of_v<caf::blocking_actor, Base>,
                "only an event-based actor can run on the multiplexer");

  using Base::Base;
  using Base::enqueue;

  void enqueue(caf::mailbox_element_ptr what, caf::execution_unit*) override {
    Base::enqueue(std::move(what), &this->system().middleman().backend());
  }

  caf::resumable::subtype_t subtype() const override {
    return caf::resumable::io_actor;
  }

  caf::resumable::resume_result resume(caf::execution_unit* ctx,
                                       std::size_t max_throughput) override {
    if (!placement_logged_) {
      placement_logged_ = true;
      log_placement();
    }
    // A bounded share of the loop: what it sent (replies, acks) goes out and the
    // node's other connections are served before it takes more; CAF's default
    // throughput is unbounded.
    return Base::resume(ctx, std::min(max_throughput, max_messages_per_run));
  }

private:
  static constexpr std::size_t max_messages_per_run = 64;

  // Said by the actor from where it runs, so a test or a reader of the log sees
  // the placement itself rather than the config that asked for it.
  void log_placement() {
    std::string who = this->name();
    if (on_io_thread(this->system()))
      log_info(who.c_str(), who + " runs on the middleman's I/O thread");
    else
      log_error(who.c_str(), who + " should run on the middleman's I/O thread but does not");
  }

  bool placement_logged_ = false;
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
