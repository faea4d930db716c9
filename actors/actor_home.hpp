#pragma once

// Where a role's actor runs (caf.io_thread_roles). CAF-free: the roles' settings
// carry it; actors/io_thread_actor.hpp spawns accordingly.

namespace trading {

enum class actor_home {
  /// On the scheduler's workers (CAF's default).
  scheduler,
  /// On its node's middleman I/O thread, as CAF runs a broker. A message from
  /// another node is then handled by the thread that read it from the socket, and
  /// a message to another node is written by the thread that sent it: each saves
  /// a thread wake-up. Whatever the actor does blocks the node's networking
  /// meanwhile, so only actors that never block belong there.
  io_thread,
};

} // namespace trading
