// Starts an actor's interval_timer: each wake-up is a timer_atom from the actor to
// itself, so the actor_guard's self_ok() admits it as before. Included by actor
// sources only.
#pragma once

#include <optional>

#include "caf/actor_cast.hpp"
#include "caf/actor_control_block.hpp"
#include "caf/make_message.hpp"
#include "caf/message_id.hpp"

#include "actors/interval_timer.hpp"
#include "messages/atoms.hpp"

namespace trading {

/// The timer holds a strong reference to `self`: reset `timer` when the actor
/// stops its timer for good; stateful actors destroy their state (and so the
/// timer) when they terminate, which breaks the cycle in any case.
template <class Self>
void start_self_timer(Self* self, std::optional<interval_timer>& timer,
                      const interval_schedule& schedule, const char* owner) {
  auto me = caf::actor_cast<caf::strong_actor_ptr>(self);
  timer.emplace(
    schedule,
    [me] {
      me->enqueue(me, caf::make_message_id(), caf::make_message(timer_atom::value),
                  nullptr);
    },
    owner);
}

/// A timed feed's stop_atom, from its node only: it emits no more and its
/// timer's thread ends (dropping its reference to the feed). Returns whether
/// the feed stopped.
template <class Self>
bool stop_timed_feed(Self* self) {
  auto& st = self->state;
  if (!st.guard->private_ok(self, "stop"))
    return false;
  st.running = false;
  st.timer.reset();
  st.guard->flush();
  return true;
}

} // namespace trading
