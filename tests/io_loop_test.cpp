// io_loop (actors/io_loop.hpp): a node's middleman loop on a thread of ours, which
// a spinning thread can take over. While taken, the taker is the I/O thread: work
// posted to the loop and actors at actor_home::io_thread run there, and a real
// TCP round trip to another node completes through its passes. Given back, the
// loop's own thread runs them again.
#include "actors/io_loop.hpp"

#include "actors/io_thread_actor.hpp"

#include "caf/all.hpp"
#include "caf/io/all.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <stdexcept>
#include <string>
#include <thread>

#include <pthread.h>

namespace trading {
namespace {

constexpr auto patience = std::chrono::seconds(5);

std::string thread_name() {
  char name[16] = {};
  pthread_getname_np(pthread_self(), name, sizeof(name));
  return name;
}

// Answers x + 1 and the name of the thread that ran it.
caf::behavior namer(caf::event_based_actor*) {
  return {[](int x) { return caf::make_message(x + 1, thread_name()); }};
}

// Asks `peer` (another node) for x + 1; answers it and the name of the thread
// that took the peer's answer.
caf::behavior asker(caf::event_based_actor* self, caf::actor peer) {
  return {[self, peer](int x) {
    auto answer = self->make_response_promise();
    self->request(peer, patience, x)
      .then([answer](int y, const std::string&) mutable {
        answer.deliver(y, thread_name());
      });
    return answer;
  }};
}

struct manual_config : caf::actor_system_config {
  manual_config() {
    load<caf::io::middleman>();
    set("scheduler.max-threads", 1);
    set("middleman.manual-multiplexing", true);
  }
};

// A thread that takes the loop, runs it until told to stop, and gives it back.
class taker {
public:
  explicit taker(io_loop& loop) {
    std::promise<void> taken;
    auto ready = taken.get_future();
    thread_ = std::thread{[&loop, &taken, this] {
      pthread_setname_np(pthread_self(), "taker");
      io_loop_lease lease{&loop};
      taken.set_value();
      while (!stop_.load(std::memory_order_relaxed))
        lease.run_ready();
    }};
    ready.wait();
  }
  ~taker() {
    stop_ = true;
    thread_.join();
  }

private:
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

class io_loop_test : public ::testing::Test {
protected:
  // Where `who` says it ran, asked from the test thread.
  std::pair<int, std::string> ask(const caf::actor& who, int x) {
    std::pair<int, std::string> got{0, "(no answer)"};
    self->request(who, patience, x)
      .receive([&](int y, std::string& name) { got = {y, std::move(name)}; },
               [&](caf::error& err) { ADD_FAILURE() << sys.render(err); });
    return got;
  }

  manual_config cfg;
  caf::actor_system sys{cfg};
  std::unique_ptr<io_loop> loop = std::make_unique<io_loop>(sys);
  caf::scoped_actor self{sys};
};

TEST_F(io_loop_test, an_io_thread_actor_runs_on_the_taker_and_then_on_the_loop_again) {
  auto on_io = spawn_at(sys, actor_home::io_thread, namer);
  EXPECT_EQ(ask(on_io, 1), std::make_pair(2, std::string{"io_loop"}));
  {
    taker t{*loop};
    EXPECT_EQ(ask(on_io, 2), std::make_pair(3, std::string{"taker"}));
  }
  EXPECT_EQ(ask(on_io, 3), std::make_pair(4, std::string{"io_loop"}));
  self->send_exit(on_io, caf::exit_reason::user_shutdown);
}

TEST_F(io_loop_test, a_holder_that_throws_gives_the_loop_back) {
  auto on_io = spawn_at(sys, actor_home::io_thread, namer);
  std::thread holder{[this] {
    pthread_setname_np(pthread_self(), "taker");
    try {
      io_loop_lease lease{loop.get()};
      EXPECT_TRUE(lease.held_here());
      throw std::runtime_error{"the holder's loop failed"};
    } catch (const std::runtime_error&) {
    }
    EXPECT_FALSE(loop->held_here());
  }};
  holder.join();
  EXPECT_EQ(ask(on_io, 1), std::make_pair(2, std::string{"io_loop"}));
  self->send_exit(on_io, caf::exit_reason::user_shutdown);
}

TEST_F(io_loop_test, one_taker_at_a_time) {
  taker t{*loop};
  EXPECT_THROW(loop->take(), std::logic_error);
}

TEST_F(io_loop_test, a_round_trip_to_another_node_completes_through_the_takers_passes) {
  caf::actor_system_config peer_cfg;
  peer_cfg.load<caf::io::middleman>();
  caf::actor_system peer_sys{peer_cfg};
  auto remote_namer = peer_sys.spawn(namer);
  auto port = peer_sys.middleman().publish(remote_namer, 0, "127.0.0.1");
  ASSERT_TRUE(port) << peer_sys.render(port.error());
  taker t{*loop};
  // The connection is made and served by the taker's passes alone.
  auto peer = sys.middleman().remote_actor("127.0.0.1", *port);
  ASSERT_TRUE(peer) << sys.render(peer.error());
  EXPECT_EQ(ask(*peer, 41).first, 42);
  // An actor on the I/O thread takes the peer's answer on the taker's thread.
  auto on_io = spawn_at(sys, actor_home::io_thread, asker, *peer);
  EXPECT_EQ(ask(on_io, 6), std::make_pair(7, std::string{"taker"}));
  self->send_exit(on_io, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(remote_namer, caf::exit_reason::user_shutdown);
}

TEST(io_loop, refuses_a_system_whose_middleman_runs_its_own_loop) {
  caf::actor_system_config cfg;
  cfg.load<caf::io::middleman>();
  caf::actor_system sys{cfg};
  EXPECT_THROW(io_loop{sys}, std::logic_error);
}

TEST(io_loop, refuses_a_thread_other_than_its_systems_builder) {
  manual_config cfg;
  caf::actor_system sys{cfg};
  std::thread other{[&sys] { EXPECT_THROW(io_loop{sys}, std::logic_error); }};
  other.join();
  io_loop loop{sys}; // on the builder's thread it starts
}

} // namespace
} // namespace trading
