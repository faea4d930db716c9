#pragma once

// io_loop: a node's middleman event loop run by a thread of ours instead of CAF's
// (middleman.manual-multiplexing), so that a thread that spins anyway (the
// strategy, caf.io_thread_roles = strategy) can take the loop over and run it
// between its looks at the book: its orders then go out on the socket from its
// own thread, and the replies it reads are delivered there, without waking
// another thread on a core the other processes share. CAF-free header.

#include <memory>

namespace caf {
class actor_system;
}

namespace trading {

class io_loop {
public:
  /// Starts the thread that runs the loop. `sys` must have been configured with
  /// middleman.manual-multiplexing = true (else CAF runs the loop already), and
  /// this must run on the thread that built `sys`: std::logic_error otherwise.
  explicit io_loop(caf::actor_system& sys);

  /// Awaits every actor of `sys` (they may need the loop to finish; a
  /// scoped_actor counts too, so it must end first) and the loop's return by a
  /// taker, then stops and joins the loop's thread; the middleman's own stop
  /// drains what is left on the calling thread.
  ~io_loop();

  io_loop(const io_loop&) = delete;
  io_loop& operator=(const io_loop&) = delete;

  /// The calling thread becomes the I/O thread: returns once the loop's own
  /// thread has finished its pass and parked. Until give_back(), the caller must
  /// call run_ready() often (nothing else serves the node's connections). One
  /// taker at a time: a second take() throws std::logic_error.
  void take();

  /// Whether the calling thread is the loop's holder (a taker between take()
  /// and give_back(), said from where it runs).
  bool held_here() const;

  /// One pass that does not sleep: what was posted to the loop, then whatever
  /// the sockets have. Only between take() and give_back().
  void run_ready();

  /// Hands the loop back to its own thread.
  void give_back();

private:
  struct state;
  std::unique_ptr<state> state_;
};

/// Holds the loop for a scope (an exception leaving the holder's loop included).
class io_loop_lease {
public:
  explicit io_loop_lease(io_loop* loop) : loop_(loop) {
    if (loop_)
      loop_->take();
  }
  ~io_loop_lease() {
    if (loop_)
      loop_->give_back();
  }
  io_loop_lease(const io_loop_lease&) = delete;
  io_loop_lease& operator=(const io_loop_lease&) = delete;

  void run_ready() {
    if (loop_)
      loop_->run_ready();
  }

  bool held_here() const {
    return loop_ && loop_->held_here();
  }

private:
  io_loop* loop_;
};

} // namespace trading
