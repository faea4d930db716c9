// Tests for shm/counters_segment: a node's counters as trading_stat and the
// dashboard read them. Round-trip of the layout, a reader racing a writer that
// publishes as fast as it can, refusal of another layout, and the writer's life
// cycle (exited on destruction, name removed, a dead writer's name cleaned).

#include "shm/counters_segment.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace trading::shm;

namespace {

std::string test_name(const std::string& tag) {
  return counters_name("counters_test_" + tag, static_cast<int>(::getpid()));
}

bool name_exists(const std::string& name) {
  struct stat st {};
  return ::stat(("/dev/shm" + name).c_str(), &st) == 0;
}

std::unique_ptr<counters_reader> open_ok(const std::string& name) {
  open_status status;
  std::string reason;
  auto r = counters_reader::open(name, status, reason);
  EXPECT_EQ(status, open_status::ok) << reason;
  return r;
}

std::int64_t now_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1'000'000'000LL + ts.tv_nsec;
}

} // namespace

TEST(counters_segment, layout_round_trips_labels_values_histograms_and_events) {
  auto name = test_name("roundtrip");
  std::vector<counter_label> labels{{"oms", "fills", counter_kind::counter},
                                    {"strategy", "sentiment", counter_kind::gauge},
                                    {"AAPL", "last", counter_kind::price}};
  counters_writer w{name, "node-a", {"AAPL", "MSFT"}, labels, {"tick_to_trade_ns"},
                    100'000'000, "http://127.0.0.1:8080/"};
  w.set(0, 42);
  w.set_signed(1, -7);
  w.set_signed(2, 1'745'000);
  live_histogram h;
  h.record(1000);
  h.record(1000);
  h.record(3'000'000);
  w.set_histogram(0, h);
  w.push_event({0, 5, event_kind::fill, 1, 1'234'500, -10, 0});
  w.push_event({0, 6, event_kind::price, 0, 1'745'000, 0, 1'744'000});
  w.heartbeat(now_ns());

  auto r = open_ok(name);
  ASSERT_TRUE(r);
  auto s = r->snapshot(2'000'000'000);
  EXPECT_EQ(s.node_name, "node-a");
  EXPECT_EQ(s.dashboard_url, "http://127.0.0.1:8080/");
  EXPECT_EQ(s.pid, ::getpid());
  EXPECT_EQ(s.status, writer_status::live);
  EXPECT_EQ(s.symbols, (std::vector<std::string>{"AAPL", "MSFT"}));
  ASSERT_EQ(s.counters.size(), 3u);
  EXPECT_EQ(s.counters[0].group, "oms");
  EXPECT_EQ(s.counters[0].name, "fills");
  EXPECT_EQ(s.counters[0].kind, counter_kind::counter);
  EXPECT_EQ(s.counters[0].value, 42u);
  EXPECT_EQ(s.counters[1].as_signed(), -7);
  EXPECT_EQ(s.find("AAPL", "last")->as_signed(), 1'745'000);
  EXPECT_EQ(s.find("oms", "nothing"), nullptr);
  ASSERT_EQ(s.histograms.size(), 1u);
  EXPECT_EQ(s.histograms[0].name, "tick_to_trade_ns");
  EXPECT_EQ(s.histograms[0].counts[live_bucket_index(1000)], 2u);
  EXPECT_EQ(s.histograms[0].counts[live_bucket_index(3'000'000)], 1u);
  ASSERT_EQ(s.events.size(), 2u);
  EXPECT_EQ(s.events[0].seq, 1u);
  EXPECT_EQ(s.events[0].kind, event_kind::fill);
  EXPECT_EQ(s.events[0].symbol, 1u);
  EXPECT_EQ(s.events[0].quantity, -10);
  EXPECT_EQ(s.events[1].value, 1'744'000);
  // Only the events after a sequence the reader has seen.
  EXPECT_EQ(r->snapshot(2'000'000'000, 1).events.size(), 1u);
}

TEST(counters_segment, labels_are_cut_to_their_fields_and_oversize_layouts_refused) {
  auto name = test_name("labels");
  std::string long_name(100, 'x');
  {
    counters_writer w{name, long_name, {}, {{long_name, long_name}}, {}, 1};
    auto s = open_ok(name)->snapshot(1'000'000'000);
    EXPECT_EQ(s.node_name.size(), 63u);
    EXPECT_EQ(s.counters[0].group.size(), label_group_size - 1);
    EXPECT_EQ(s.counters[0].name.size(), label_name_size - 1);
  }
  std::vector<counter_label> too_many(max_counters + 1, {"g", "n"});
  EXPECT_THROW((counters_writer{name, "n", {}, too_many, {}, 1}), counters_error);
  EXPECT_FALSE(name_exists(name));
}

TEST(counters_segment, reader_never_sees_torn_values_or_events_while_writer_publishes) {
  // The writer stores the same round number into every counter, then pushes an
  // event whose fields all derive from its round; the reader checks that every
  // value only grows and every event it accepts is whole.
  auto name = test_name("race");
  std::vector<counter_label> labels(max_counters, {"g", "c"});
  counters_writer w{name, "racer", {"S"}, labels, {}, 1};
  auto r = open_ok(name);
  ASSERT_TRUE(r);
  std::atomic<bool> done{false};
  constexpr std::uint64_t rounds = 200'000;
  auto word = [](std::uint64_t round) { return round << 32 | round; };
  std::thread writer{[&] {
    for (std::uint64_t round = 1; round <= rounds; ++round) {
      for (std::uint32_t i = 0; i < max_counters; ++i)
        w.set(i, word(round)); // a torn word would mix two rounds' halves
      auto x = static_cast<std::int64_t>(round);
      w.push_event({0, x, event_kind::order, 0, 3 * x, -x, 7 * x});
    }
    done = true;
  }};
  std::uint64_t snapshots = 0, events = 0;
  std::vector<std::uint64_t> seen(max_counters, 0);
  std::string failure; // first broken invariant (the writer must be joined first)
  while ((!done || snapshots == 0) && failure.empty()) {
    auto s = r->snapshot(1'000'000'000);
    ++snapshots;
    for (std::size_t i = 0; i < s.counters.size(); ++i) {
      auto value = s.counters[i].value;
      if (value >> 32 != (value & 0xffffffffu))
        failure = "torn counter " + std::to_string(value);
      // One word read again is never older than before (coherence).
      if (value < seen[i])
        failure = "counter went back from " + std::to_string(seen[i]);
      seen[i] = value;
    }
    for (auto& e : s.events) {
      if (e.price != 3 * e.mono_ns || e.quantity != -e.mono_ns || e.value != 7 * e.mono_ns
          || e.seq != static_cast<std::uint64_t>(e.mono_ns))
        failure = "torn event " + std::to_string(e.seq);
      ++events;
    }
  }
  writer.join();
  ASSERT_EQ(failure, "");
  EXPECT_GT(snapshots, 1u);
  EXPECT_GT(events, 0u);
  auto final = r->snapshot(1'000'000'000);
  EXPECT_EQ(final.counters.back().value, word(rounds));
  EXPECT_EQ(final.events.size(), event_capacity); // the ring holds the last 512
  EXPECT_EQ(final.events.back().seq, 200'000u);
}

TEST(counters_segment, clean_exit_marks_exited_and_removes_the_name) {
  auto name = test_name("exit");
  auto w = std::make_unique<counters_writer>(name, "n", std::vector<std::string>{},
                                             std::vector<counter_label>{},
                                             std::vector<std::string>{}, 1);
  auto r = open_ok(name);
  EXPECT_TRUE(name_exists(name));
  EXPECT_EQ(r->status(now_ns(), 1'000'000'000), writer_status::live);
  EXPECT_EQ(r->status(now_ns() + 5'000'000'000, 1'000'000'000), writer_status::hung);
  EXPECT_FALSE(remove_if_dead(name)); // a live writer's name stays
  w.reset();
  EXPECT_EQ(r->status(now_ns(), 1'000'000'000), writer_status::exited);
  EXPECT_FALSE(name_exists(name));
}

TEST(counters_segment, a_killed_writer_reads_dead_and_its_name_is_cleaned) {
  int pipe_fds[2];
  ASSERT_EQ(::pipe(pipe_fds), 0);
  auto child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    counters_writer w{counters_name("counters_test_killed", ::getpid()), "victim", {},
                      {{"feed", "ticks"}}, {}, 1};
    char ok = 'k';
    (void) !::write(pipe_fds[1], &ok, 1);
    ::pause(); // until SIGKILL: the destructor never runs
    ::_exit(0);
  }
  char ok;
  ASSERT_EQ(::read(pipe_fds[0], &ok, 1), 1);
  auto name = counters_name("counters_test_killed", child);
  auto r = open_ok(name);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status(now_ns(), 1'000'000'000), writer_status::live);
  ::kill(child, SIGKILL);
  ::waitpid(child, nullptr, 0);
  EXPECT_EQ(r->status(now_ns(), 1'000'000'000), writer_status::dead);
  EXPECT_TRUE(remove_if_dead(name));
  EXPECT_FALSE(name_exists(name));
  ::close(pipe_fds[0]);
  ::close(pipe_fds[1]);
}

TEST(counters_segment, another_layout_or_a_half_built_segment_is_refused_with_a_reason) {
  auto name = test_name("foreign");
  auto path = "/dev/shm" + name;
  auto fd = ::open(path.c_str(), O_CREAT | O_EXCL | O_RDWR, 0600);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::ftruncate(fd, sizeof(counters_layout)), 0);
  open_status status;
  std::string reason;
  EXPECT_FALSE(counters_reader::open(name, status, reason));
  EXPECT_EQ(status, open_status::not_ready) << reason; // version 0: not yet
  auto map = static_cast<counters_layout*>(
    ::mmap(nullptr, sizeof(counters_layout), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0));
  ASSERT_NE(map, MAP_FAILED);
  map->header.magic = counters_magic;
  map->header.version.store(99);
  EXPECT_FALSE(counters_reader::open(name, status, reason));
  EXPECT_EQ(status, open_status::foreign);
  EXPECT_NE(reason.find("layout version 99"), std::string::npos) << reason;
  ::munmap(map, sizeof(counters_layout));
  ASSERT_EQ(::ftruncate(fd, 100), 0);
  EXPECT_FALSE(counters_reader::open(name, status, reason));
  ::close(fd);
  ::unlink(path.c_str());
}

TEST(counters_segment, live_buckets_bound_their_values) {
  for (std::int64_t v : {0LL, 1LL, 7LL, 8LL, 9LL, 1000LL, 123'456LL, 1'000'000'000LL}) {
    auto i = live_bucket_index(v);
    EXPECT_LE(live_bucket_lower(i), v) << v;
    auto next = i == 7 ? 12 : i + 1; // buckets 8..11 are never used
    EXPECT_GT(live_bucket_lower(next), v) << v;
  }
  EXPECT_EQ(live_bucket_index(-5), 0u);
  EXPECT_EQ(live_bucket_index(std::int64_t{1} << 40), histogram_buckets - 1);
}
