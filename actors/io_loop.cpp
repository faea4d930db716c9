#include "actors/io_loop.hpp"

#include <condition_variable>
#include <mutex>
#include <stdexcept>
#include <thread>

#include <pthread.h>

#include "caf/actor_system.hpp"
#include "caf/actor_system_config.hpp"
#include "caf/io/middleman.hpp"
#include "caf/io/network/multiplexer.hpp"

namespace trading {

// One holder at a time: the loop's own thread (blocking in run_once) or one
// taker (polling in run_ready). The multiplexer's thread_id says who that is:
// CAF's exec_later queues work for the holder without a syscall and writes to
// the loop's pipe for anyone else. It changes only while both sides are between
// passes (the mutex orders the hand-over, and with it the multiplexer's own
// state); other threads read it without a lock as CAF itself does, and see
// either id, neither of which is theirs.
struct io_loop::state {
  caf::actor_system& sys;
  caf::io::network::multiplexer& mpx;
  std::mutex mtx;
  std::condition_variable cv;
  bool taken = false;  // a taker holds the loop, or waits for it
  bool parked = false; // the loop's thread is out of the loop
  bool stopping = false;
  std::thread thread;

  explicit state(caf::actor_system& s) : sys(s), mpx(s.middleman().backend()) {
  }

  // A pass of run_once() returns once something happened; this is something.
  void wake_loop() {
    mpx.post([] {});
  }

  void run() {
    pthread_setname_np(pthread_self(), "io_loop");
    sys.thread_started();
    std::unique_lock<std::mutex> guard{mtx};
    while (!stopping) {
      if (taken) {
        parked = true;
        cv.notify_all();
        cv.wait(guard, [this] { return !taken || stopping; });
        parked = false; // give_back() made it the holder again
        continue;
      }
      guard.unlock();
      mpx.run_once();
      guard.lock();
    }
    guard.unlock();
    sys.thread_terminates();
  }
};

io_loop::io_loop(caf::actor_system& sys) : state_(std::make_unique<state>(sys)) {
  if (!caf::get_or(sys.config(), "middleman.manual-multiplexing", false))
    throw std::logic_error{"io_loop needs middleman.manual-multiplexing"};
  auto& s = *state_;
  // Without a loop thread, CAF's multiplexer names the thread that built it as
  // its holder, so what that thread posted so far (the BASP broker's launch) is
  // queued inside it: built on that same thread, the loop inherits the queue
  // (the thread's start orders it) and everyone else's posts wait in the pipe.
  if (s.mpx.thread_id() != std::this_thread::get_id())
    throw std::logic_error{"io_loop must be built by the thread that built its system"};
  // The thread's first pass waits for the lock, so it starts as the holder.
  std::lock_guard<std::mutex> guard{s.mtx};
  s.thread = std::thread{[&s] { s.run(); }};
  s.mpx.thread_id(s.thread.get_id());
}

io_loop::~io_loop() {
  auto& s = *state_;
  // Every actor done: none needs the loop, and a strategy that held it gave it
  // back when it ended.
  s.sys.await_all_actors_done();
  {
    std::unique_lock<std::mutex> guard{s.mtx};
    s.cv.wait(guard, [&s] { return !s.taken; }); // a taker outside an actor
    s.stopping = true;
  }
  s.cv.notify_all();
  s.wake_loop();
  s.thread.join();
  // The system's stop (middleman::stop) drains the loop on this thread, as CAF
  // does with manual multiplexing: its work then runs here, not in the pipe.
  s.mpx.thread_id(std::this_thread::get_id());
}

void io_loop::take() {
  auto& s = *state_;
  std::unique_lock<std::mutex> guard{s.mtx};
  if (s.taken)
    throw std::logic_error{"io_loop: taken twice (one holder at a time)"};
  s.taken = true;
  guard.unlock();
  s.wake_loop();
  guard.lock();
  s.cv.wait(guard, [&s] { return s.parked; });
  s.mpx.thread_id(std::this_thread::get_id());
}

bool io_loop::held_here() const {
  return state_->mpx.thread_id() == std::this_thread::get_id();
}

void io_loop::run_ready() {
  state_->mpx.try_run_once();
}

void io_loop::give_back() {
  auto& s = *state_;
  {
    std::lock_guard<std::mutex> guard{s.mtx};
    // From here on the taker's own posts go through the pipe, to the loop.
    s.mpx.thread_id(s.thread.get_id());
    s.taken = false;
  }
  s.cv.notify_all();
}

} // namespace trading
