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

// One holder at a time: the loop's own thread (blocking in run_once) or a taker
// (polling in run_ready). The multiplexer's thread_id says who that is: CAF's
// exec_later queues work for the holder without a syscall and writes to the
// loop's pipe for anyone else. It changes only while both sides are between
// passes (the mutex orders the hand-over); other threads read it without a
// lock as CAF itself does, and see either id, neither of which is theirs.
struct io_loop::state {
  caf::actor_system& sys;
  caf::io::network::multiplexer& mpx;
  std::mutex mtx;
  std::condition_variable cv;
  bool take_wanted = false; // a taker waits for the loop's thread to park
  bool parked = false;      // the loop's thread is out of the loop
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
    std::unique_lock<std::mutex> guard{mtx};
    for (;;) {
      if (stopping)
        return;
      if (take_wanted) {
        parked = true;
        cv.notify_all();
        cv.wait(guard, [this] { return !take_wanted || stopping; });
        parked = false; // give_back() made it the holder again
        continue;
      }
      guard.unlock();
      mpx.run_once();
      guard.lock();
    }
  }
};

io_loop::io_loop(caf::actor_system& sys) : state_(std::make_unique<state>(sys)) {
  if (!caf::get_or(sys.config(), "middleman.manual-multiplexing", false))
    throw std::logic_error{"io_loop needs middleman.manual-multiplexing"};
  auto& s = *state_;
  // The thread's first pass waits for the lock, so it starts as the holder;
  // what was posted before (the BASP broker's launch) is in the pipe.
  std::lock_guard<std::mutex> guard{s.mtx};
  s.thread = std::thread{[&s] { s.run(); }};
  s.mpx.thread_id(s.thread.get_id());
}

io_loop::~io_loop() {
  auto& s = *state_;
  s.sys.await_all_actors_done();
  {
    std::lock_guard<std::mutex> guard{s.mtx};
    s.stopping = true;
  }
  s.cv.notify_all();
  s.wake_loop();
  s.thread.join();
}

void io_loop::take() {
  auto& s = *state_;
  std::unique_lock<std::mutex> guard{s.mtx};
  s.take_wanted = true;
  guard.unlock();
  s.wake_loop();
  guard.lock();
  s.cv.wait(guard, [&s] { return s.parked; });
  s.mpx.thread_id(std::this_thread::get_id());
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
    s.take_wanted = false;
  }
  s.cv.notify_all();
}

} // namespace trading
