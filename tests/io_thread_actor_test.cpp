// spawn_at (actors/io_thread_actor.hpp): an actor spawned at actor_home::io_thread
// runs on its node's middleman thread whoever sends to it (another thread, CAF's
// clock, itself), and one at actor_home::scheduler never does.
#include "actors/io_thread_actor.hpp"

#include "caf/all.hpp"
#include "caf/io/all.hpp"

#include <gtest/gtest.h>

#include <chrono>

namespace trading {
namespace {

constexpr auto patience = std::chrono::seconds(5);

using where_atom = caf::atom_constant<caf::atom("where")>;
using later_atom = caf::atom_constant<caf::atom("later")>;
using due_atom = caf::atom_constant<caf::atom("due")>;

/// Answers whether it runs on the multiplexer's thread; `later` asks the same of
/// the `due` message that CAF's clock thread delivers to it a millisecond on.
using probe_actor = caf::typed_actor<caf::replies_to<where_atom>::with<bool>,
                                     caf::replies_to<later_atom>::with<bool>,
                                     caf::reacts_to<due_atom>>;

struct probe_state {
  static inline const char* name = "io_thread_probe";
  caf::typed_response_promise<bool> pending;
};

probe_actor::behavior_type probe(probe_actor::stateful_pointer<probe_state> self) {
  return {
    [self](where_atom) { return on_io_thread(self->system()); },
    [self](later_atom) {
      self->state.pending = self->make_response_promise<bool>();
      self->delayed_send(self, std::chrono::milliseconds(1), due_atom::value);
      return self->state.pending;
    },
    [self](due_atom) { self->state.pending.deliver(on_io_thread(self->system())); },
  };
}

class io_thread_actor_test : public ::testing::Test {
protected:
  struct config : caf::actor_system_config {
    config() {
      load<caf::io::middleman>();
      set("scheduler.max-threads", 1);
    }
  };

  template <class Atom>
  bool ask(const probe_actor& who, Atom atom) {
    bool got = false;
    bool answered = false;
    self->request(who, patience, atom)
      .receive([&](bool here) { got = here, answered = true; },
               [&](caf::error& err) { ADD_FAILURE() << sys.render(err); });
    EXPECT_TRUE(answered);
    return got;
  }

  config cfg;
  caf::actor_system sys{cfg};
  caf::scoped_actor self{sys};
};

TEST_F(io_thread_actor_test, a_message_from_another_thread_runs_on_the_io_thread) {
  auto on_io = spawn_at(sys, actor_home::io_thread, probe);
  EXPECT_TRUE(ask(on_io, where_atom::value));
  EXPECT_TRUE(ask(on_io, where_atom::value)); // and again, once it has idled
  self->send_exit(on_io, caf::exit_reason::user_shutdown);
}

TEST_F(io_thread_actor_test, a_timer_message_from_the_clock_runs_on_the_io_thread) {
  auto on_io = spawn_at(sys, actor_home::io_thread, probe);
  EXPECT_TRUE(ask(on_io, later_atom::value));
  self->send_exit(on_io, caf::exit_reason::user_shutdown);
}

TEST_F(io_thread_actor_test, the_scheduler_home_stays_off_the_io_thread) {
  auto on_workers = spawn_at(sys, actor_home::scheduler, probe);
  EXPECT_FALSE(ask(on_workers, where_atom::value));
  EXPECT_FALSE(ask(on_workers, later_atom::value));
  self->send_exit(on_workers, caf::exit_reason::user_shutdown);
}

} // namespace
} // namespace trading
