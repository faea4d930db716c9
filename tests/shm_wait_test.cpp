// Tests for the segment's futex wait (segment_reader::wait_for_change): a
// write wakes a sleeping reader, a quiet segment ends the wait at its bound,
// the writer makes no system call while nobody waits, and no wake-up is lost
// between a reader's last look at the counter and its sleep.

#include "shm/book_segment.hpp"

#include <gtest/gtest.h>

#include "tests/eventually.hpp"

#include <atomic>
#include <cstdint>
#include <random>
#include <string>
#include <thread>

#include <sys/mman.h>
#include <unistd.h>

using namespace trading::shm;
using trading::test_support::eventually;

namespace {

std::string unique_name(const std::string& tag) {
  return "/shm_wait_test_" + std::to_string(::getpid()) + "_" + tag;
}

struct unlink_guard {
  std::string name;
  ~unlink_guard() { ::shm_unlink(name.c_str()); }
};

constexpr std::int64_t ms = 1'000'000;
// Far beyond any scheduling delay: a wait that reaches it was never woken.
constexpr std::int64_t never = 30'000 * ms;

std::unique_ptr<segment_reader> attach_waiter(const std::string& name) {
  auto r = attach_reader(name, reader_access::waiter);
  EXPECT_EQ(r.status, attach_status::attached) << r.error;
  return std::move(r.reader);
}

slot_entry entry_with(std::uint64_t sequence) {
  slot_entry e{};
  e.feed_sequence = sequence;
  e.written_ns = monotonic_now_ns();
  return e;
}

} // namespace

// Each test: a segment of one symbol named after the test, its writer, and a
// reader attached as a waiter.
class FutexWaitTest : public ::testing::Test {
protected:
  FutexWaitTest()
    : name(unique_name(::testing::UnitTest::GetInstance()->current_test_info()->name())),
      guard{name}, writer{name, {"AAPL"}}, reader(attach_waiter(name)) {
  }
  void SetUp() override {
    ASSERT_TRUE(reader);
  }
  std::string name;
  unlink_guard guard;
  segment_writer writer;
  std::unique_ptr<segment_reader> reader;
};

TEST_F(FutexWaitTest, ReturnsAtOnceWhenCounterAlreadyMoved) {
  const auto seen = reader->change_counter();
  writer.write(0, entry_with(1));
  auto r = reader->wait_for_change(seen, 0, never);
  EXPECT_EQ(r.outcome, wait_outcome::changed);
  EXPECT_EQ(r.counter, seen + 1);
  EXPECT_EQ(writer.wakes_sent(), 0u); // nobody was waiting
}

TEST_F(FutexWaitTest, SleepingReaderIsWokenByWrite) {
  const auto seen = reader->change_counter();
  wait_result result{wait_outcome::timed_out, 0};
  std::thread waiter{[&] { result = reader->wait_for_change(seen, 0, never); }};
  // Write only once the reader has announced itself: it is asleep or about to be.
  ASSERT_TRUE(eventually([&] { return writer.waiting_readers() == 1; }));
  writer.write(0, entry_with(1));
  waiter.join();
  EXPECT_EQ(result.outcome, wait_outcome::changed);
  EXPECT_EQ(result.counter, seen + 1);
  EXPECT_EQ(writer.wakes_sent(), 1u);
  EXPECT_EQ(writer.waiting_readers(), 0u); // it took its announcement back
}

// A batch wakes a sleeping reader once, at publish, not at each staged slot.
TEST_F(FutexWaitTest, SleepingReaderIsWokenOnceByABatchAtItsPublish) {
  const auto seen = reader->change_counter();
  wait_result result{wait_outcome::timed_out, 0};
  std::thread waiter{[&] { result = reader->wait_for_change(seen, 0, never); }};
  ASSERT_TRUE(eventually([&] { return writer.waiting_readers() == 1; }));
  writer.stage(0, entry_with(1));
  writer.stage(0, entry_with(2));
  EXPECT_EQ(writer.wakes_sent(), 0u); // staged: no wake, the counter unchanged
  EXPECT_EQ(writer.change_counter(), seen);
  writer.publish();
  waiter.join();
  EXPECT_EQ(result.outcome, wait_outcome::changed);
  EXPECT_EQ(result.counter, seen + 1);
  EXPECT_EQ(writer.wakes_sent(), 1u);
  slot_entry got{};
  reader->read(0, got);
  EXPECT_EQ(got.feed_sequence, 2u);
}

TEST_F(FutexWaitTest, QuietSegmentEndsTheWaitAtItsBound) {
  const auto seen = reader->change_counter();
  const auto start = monotonic_now_ns();
  auto r = reader->wait_for_change(seen, 0, 2 * ms);
  const auto took = monotonic_now_ns() - start;
  EXPECT_EQ(r.outcome, wait_outcome::timed_out);
  EXPECT_EQ(r.counter, seen);
  EXPECT_GE(took, 2 * ms);
  EXPECT_LT(took, never); // it came back by itself
  EXPECT_EQ(writer.waiting_readers(), 0u);
}

TEST_F(FutexWaitTest, WakeWaitersEndsTheSleepWithoutAChange) {
  const auto seen = reader->change_counter();
  std::atomic<bool> back{false};
  wait_result result{wait_outcome::changed, 0};
  std::thread waiter{[&] {
    result = reader->wait_for_change(seen, 0, never);
    back = true;
  }};
  ASSERT_TRUE(eventually([&] { return writer.waiting_readers() == 1; }));
  // The announcement precedes the sleep: nudge until the sleeper is back.
  ASSERT_TRUE(eventually([&] {
    wake_waiters(reader->futex_word());
    return back.load();
  }));
  waiter.join();
  EXPECT_EQ(result.outcome, wait_outcome::woken);
  EXPECT_EQ(result.counter, seen);
}

TEST_F(FutexWaitTest, ReadOnlyReaderSpinsToTheBoundWithoutAnnouncingItself) {
  auto r = attach_reader(name);
  ASSERT_TRUE(r.reader) << r.error;
  EXPECT_FALSE(r.reader->can_wait());
  auto result = r.reader->wait_for_change(r.reader->change_counter(), 0, 1 * ms);
  EXPECT_EQ(result.outcome, wait_outcome::timed_out);
  EXPECT_EQ(writer.wakes_sent(), 0u);
}

TEST_F(FutexWaitTest, WriterMakesNoWakeCallWhileNobodyWaits) {
  // The waiter is attached, but not waiting.
  for (std::uint64_t i = 1; i <= 10'000; ++i)
    writer.write(0, entry_with(i));
  EXPECT_EQ(writer.wakes_sent(), 0u);
  EXPECT_EQ(reader->change_counter(), 10'000u);
}

// A writer and a reader thread that sleeps whenever it has seen everything.
// Each round the writer waits a random few hundred ns (so its write lands in
// every phase of the reader's wait: spinning, announcing, entering the sleep,
// asleep), writes once, and waits until the reader has seen that write. A
// lost wake-up leaves the reader asleep until `never`: the round then fails
// on the reader's timed_out count, not on a clock.
TEST_F(FutexWaitTest, StressEveryChangeIsSeenWithoutLostWakeUps) {
  constexpr std::uint64_t writes = 20'000;
  std::atomic<std::uint64_t> seen_by_reader{0};
  std::uint64_t timed_out = 0, last_sequence = 0;
  bool sequence_skipped = false;
  const auto first_seen = reader->change_counter(); // before the first write
  std::thread consumer{[&] {
    std::uint64_t seen = first_seen;
    while (seen < writes) {
      auto r = reader->wait_for_change(seen, 0, never);
      if (r.outcome == wait_outcome::timed_out) {
        ++timed_out;
        break;
      }
      // A wake meant for the previous change can land in this wait (the writer
      // read our earlier announcement): nothing new, wait again.
      if (r.outcome == wait_outcome::woken)
        continue;
      slot_entry e{};
      reader->read(0, e);
      sequence_skipped |= e.feed_sequence != last_sequence + 1;
      last_sequence = e.feed_sequence;
      seen = r.counter;
      seen_by_reader.store(seen);
    }
  }};
  std::minstd_rand random{42};
  bool caught_up = true;
  for (std::uint64_t i = 1; i <= writes && caught_up; ++i) {
    for (volatile std::uint32_t spin = random() % 1024; spin > 0; --spin) {
    }
    writer.write(0, entry_with(i));
    caught_up = eventually([&] { return seen_by_reader.load() == i; });
  }
  consumer.join();
  EXPECT_TRUE(caught_up);
  EXPECT_EQ(timed_out, 0u);
  EXPECT_EQ(last_sequence, writes); // every write was seen, in order
  EXPECT_FALSE(sequence_skipped);
  EXPECT_GT(writer.wakes_sent(), 0u); // it did sleep, and was woken
  EXPECT_EQ(writer.waiting_readers(), 0u);
}
