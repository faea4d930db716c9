// Tests for shm/: the seqlock under contention, and the book segment's
// create / attach / replace / unlink life cycle.

#include "shm/book_segment.hpp"
#include "shm/seqlock.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace trading::shm;

namespace {

// -- helpers -----------------------------------------------------------------

std::string unique_name(const std::string& tag) {
  return "/shm_test_" + std::to_string(::getpid()) + "_" + tag;
}

bool name_exists(const std::string& name) {
  struct stat st {};
  return ::stat(("/dev/shm" + name).c_str(), &st) == 0;
}

// Unlinks the name at scope exit, whatever the test did.
struct unlink_guard {
  std::string name;
  ~unlink_guard() { ::shm_unlink(name.c_str()); }
};

// Maps an existing segment read-write, as a corrupting third party would.
struct raw_mapping {
  void* base = MAP_FAILED;
  std::size_t size = 0;

  explicit raw_mapping(const std::string& name) {
    int fd = ::shm_open(name.c_str(), O_RDWR, 0);
    if (fd < 0)
      return;
    struct stat st {};
    ::fstat(fd, &st);
    size = static_cast<std::size_t>(st.st_size);
    base = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    ::close(fd);
  }
  ~raw_mapping() {
    if (base != MAP_FAILED)
      ::munmap(base, size);
  }
  bool ok() const { return base != MAP_FAILED; }
  segment_header* header() { return static_cast<segment_header*>(base); }
};

// Creates `name` as a plain file of `bytes` bytes, filled with `fill`.
void create_file(const std::string& name, std::size_t bytes, unsigned char fill) {
  int fd = ::shm_open(name.c_str(), O_CREAT | O_EXCL | O_RDWR, 0600);
  ASSERT_GE(fd, 0) << std::strerror(errno);
  std::vector<unsigned char> buf(bytes, fill);
  if (bytes > 0) {
    ASSERT_EQ(::write(fd, buf.data(), bytes), static_cast<ssize_t>(bytes));
  }
  ::close(fd);
}

// Pid of a process that has exited and been reaped.
pid_t dead_pid() {
  pid_t pid = ::fork();
  if (pid == 0)
    ::_exit(0);
  int status = 0;
  ::waitpid(pid, &status, 0);
  return pid;
}

// -- overlap harness ---------------------------------------------------------
//
// Readers must demonstrably overlap the writer, also when everything runs on
// one core (taskset -c 0). There, a reader can only see a write in progress if
// the writer loses the CPU inside store(), so a SIGALRM every 50 us, delivered
// only to the writer thread, makes it yield from wherever it is. The writer
// also yields every 1024 writes, and readers yield when nothing changed.

extern "C" void yield_on_alarm(int) {
  ::sched_yield();
}

class writer_preemptor {
public:
  // Blocks SIGALRM in the calling thread (and the threads it creates later).
  writer_preemptor() {
    struct sigaction sa {};
    sa.sa_handler = yield_on_alarm;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    ::sigaction(SIGALRM, &sa, &old_action_);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGALRM);
    ::pthread_sigmask(SIG_BLOCK, &set, &old_mask_);
    itimerval t{};
    t.it_interval.tv_usec = 50;
    t.it_value.tv_usec = 50;
    ::setitimer(ITIMER_REAL, &t, nullptr);
  }

  // Called by the writer thread: it alone receives the alarms.
  static void receive_here() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGALRM);
    ::pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
  }

  ~writer_preemptor() {
    itimerval off{};
    ::setitimer(ITIMER_REAL, &off, nullptr);
    // Ignoring discards a pending alarm before the old action returns.
    ::signal(SIGALRM, SIG_IGN);
    ::sigaction(SIGALRM, &old_action_, nullptr);
    ::pthread_sigmask(SIG_SETMASK, &old_mask_, nullptr);
  }

private:
  struct sigaction old_action_ {};
  sigset_t old_mask_{};
};

struct overlap_stats {
  std::uint64_t reads = 0;
  std::uint64_t torn = 0;
  std::uint64_t retries = 0;
  std::uint64_t distinct = 0; // reads that returned a value new to the reader
  std::uint64_t backwards = 0;
};

constexpr std::uint64_t total_writes = 2'000'000;
constexpr int reader_threads = 3;

// write(n) publishes value n (1..total_writes); read(stats) reads once, checks
// and returns the value's n.
template <class Write, class Read>
overlap_stats run_overlap(Write write, Read read) {
  writer_preemptor preemptor;
  std::atomic<bool> done{false};
  std::vector<overlap_stats> stats(reader_threads);
  std::vector<std::thread> readers;
  for (int r = 0; r < reader_threads; ++r) {
    readers.emplace_back([&, r] {
      auto& s = stats[r];
      std::uint64_t last = 0;
      while (!done.load(std::memory_order_acquire)) {
        const std::uint64_t n = read(s);
        ++s.reads;
        if (n < last)
          ++s.backwards;
        if (n != last) {
          ++s.distinct;
          last = n;
        } else {
          std::this_thread::yield();
        }
      }
    });
  }
  std::thread writer([&] {
    writer_preemptor::receive_here();
    for (std::uint64_t n = 1; n <= total_writes; ++n) {
      write(n);
      if (n % 1024 == 0)
        std::this_thread::yield();
    }
  });
  writer.join();
  done.store(true, std::memory_order_release);
  for (auto& t : readers)
    t.join();
  overlap_stats sum;
  for (const auto& s : stats) {
    sum.reads += s.reads;
    sum.torn += s.torn;
    sum.retries += s.retries;
    sum.distinct += s.distinct;
    sum.backwards += s.backwards;
  }
  return sum;
}

void expect_overlap_without_tearing(const overlap_stats& s) {
  EXPECT_EQ(s.torn, 0u) << "torn reads out of " << s.reads;
  EXPECT_EQ(s.backwards, 0u) << "a reader saw an older value after a newer one";
  EXPECT_GT(s.retries, 0u) << "readers never overlapped a write in progress";
  EXPECT_GT(s.distinct, 1000u) << "readers saw too few versions to overlap";
  std::cout << "  reads " << s.reads << ", retries " << s.retries
            << ", distinct versions " << s.distinct << "\n";
}

// Every word derived from one counter: a torn copy mixes two counters.
struct test_payload {
  std::uint64_t w[12];
};

test_payload make_payload(std::uint64_t n) {
  test_payload p;
  for (std::uint64_t k = 0; k < 12; ++k)
    p.w[k] = n * (2 * k + 1) + (k << 56);
  return p;
}

bool payload_consistent(const test_payload& p) {
  const test_payload want = make_payload(p.w[0]);
  return std::memcmp(&p, &want, sizeof p) == 0;
}

book_entry make_entry(std::uint64_t n) {
  book_entry e{};
  const auto i = static_cast<std::int64_t>(n);
  e.bid = i;
  e.ask = i + 1;
  e.last = 2 * i;
  e.bid_size = 3 * i;
  e.ask_size = 5 * i;
  e.feed_incarnation = ~n;
  e.feed_sequence = n;
  e.tick_created_ns = 7 * i;
  e.book_received_ns = 11 * i;
  e.written_ns = 13 * i;
  return e;
}

bool entry_consistent(const book_entry& e, const char* symbol) {
  book_entry want = make_entry(e.feed_sequence);
  std::memcpy(want.symbol, symbol, std::strlen(symbol));
  return std::memcmp(&e, &want, sizeof e) == 0;
}

} // namespace

// -- seqlock -----------------------------------------------------------------

TEST(SeqlockTest, ConcurrentReadersNeverSeeTornPayload) {
  seqlock_slot<test_payload> slot{};
  slot.store(make_payload(0));
  auto stats = run_overlap(
    [&](std::uint64_t n) { slot.store(make_payload(n)); },
    [&](overlap_stats& s) {
      test_payload p;
      s.retries += slot.load(p);
      if (!payload_consistent(p))
        ++s.torn;
      return p.w[0];
    });
  expect_overlap_without_tearing(stats);
  EXPECT_EQ(slot.version(), 2 * (total_writes + 1));
}

TEST(SeqlockTest, TryLoadFailsWhileWriteIsInProgress) {
  seqlock_slot<test_payload> slot{};
  slot.store(make_payload(5));
  test_payload p;
  ASSERT_TRUE(slot.try_load(p));
  EXPECT_EQ(p.w[0], 5u);
  slot.sequence.fetch_add(1); // as if a writer were inside store()
  EXPECT_FALSE(slot.try_load(p));
  slot.sequence.fetch_add(1);
  EXPECT_TRUE(slot.try_load(p));
}

// -- segment: concurrency ----------------------------------------------------

TEST(BookSegmentTest, ReadersThroughSegmentNeverSeeTornEntry) {
  const auto name = unique_name("torn");
  unlink_guard guard{name};
  segment_writer writer{name, {"AAPL", "MSFT"}};
  auto attached = attach_reader(name);
  ASSERT_EQ(attached.status, attach_status::attached) << attached.error;
  const segment_reader& reader = *attached.reader;
  const auto slot = static_cast<std::uint32_t>(reader.slot_of("MSFT"));
  ASSERT_EQ(slot, 1u);
  writer.write(slot, make_entry(0)); // readers may start before the writer

  std::atomic<std::uint64_t> stale_after_counter{0};
  auto stats = run_overlap(
    [&](std::uint64_t n) { writer.write(slot, make_entry(n)); },
    [&](overlap_stats& s) {
      // change_counter is bumped after each write (write n makes it n + 1):
      // once it reads c, the slot holds write c - 1 or a later one.
      const auto counter = reader.change_counter();
      book_entry e;
      s.retries += reader.read(slot, e);
      if (!entry_consistent(e, "MSFT"))
        ++s.torn;
      if (e.feed_sequence + 1 < counter)
        stale_after_counter.fetch_add(1);
      return e.feed_sequence;
    });
  expect_overlap_without_tearing(stats);
  EXPECT_EQ(stale_after_counter.load(), 0u);
  EXPECT_EQ(reader.change_counter(), total_writes + 1);
}

// -- segment: create and read ------------------------------------------------

TEST(BookSegmentTest, WriterCreatesOwnerOnlySegmentThatReaderSees) {
  const auto name = unique_name("basic");
  unlink_guard guard{name};
  const std::vector<std::string> symbols{"AAPL", "MSFT", "GOOG", "ABCDEFGHIJKLMNO"};
  segment_writer writer{name, symbols};
  EXPECT_FALSE(writer.replaced_stale());
  EXPECT_EQ(writer.name(), name);
  EXPECT_EQ(writer.slot_count(), 4u);
  EXPECT_EQ(writer.slot_of("GOOG"), 2);
  EXPECT_EQ(writer.slot_of("IBM"), -1);
  EXPECT_NE(writer.incarnation(), 0u);

  struct stat st {};
  ASSERT_EQ(::stat(("/dev/shm" + name).c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(static_cast<std::size_t>(st.st_size), segment_size(4));

  auto attached = attach_reader(name);
  ASSERT_EQ(attached.status, attach_status::attached) << attached.error;
  EXPECT_TRUE(attached.error.empty());
  const segment_reader& reader = *attached.reader;
  EXPECT_EQ(reader.name(), name);
  ASSERT_EQ(reader.slot_count(), 4u);
  for (std::uint32_t i = 0; i < 4; ++i) {
    EXPECT_EQ(reader.symbol_at(i), symbols[i]);
    EXPECT_EQ(reader.slot_of(symbols[i]), static_cast<int>(i));
    book_entry e;
    reader.read(i, e);
    EXPECT_STREQ(e.symbol, symbols[i].c_str());
    EXPECT_EQ(e.bid, 0);
    EXPECT_EQ(e.ask, 0);
    EXPECT_EQ(e.last, 0);
  }
  EXPECT_EQ(reader.slot_of("IBM"), -1);
  EXPECT_EQ(reader.slot_of(""), -1);
  EXPECT_THROW(reader.symbol_at(4), std::out_of_range);
  book_entry dummy;
  EXPECT_THROW(reader.read(4, dummy), std::out_of_range);
  EXPECT_THROW(writer.write(4, dummy), std::out_of_range);
  EXPECT_EQ(reader.writer_pid(), ::getpid());
  EXPECT_EQ(reader.writer_incarnation(), writer.incarnation());
  EXPECT_TRUE(reader.is_current());

  // One change per write, visible to the reader.
  const auto c0 = reader.change_counter();
  EXPECT_EQ(c0, writer.change_counter());
  for (std::uint64_t n = 1; n <= 5; ++n) {
    book_entry e = make_entry(100 + n);
    std::strcpy(e.symbol, "WRONG"); // the writer keeps the slot's symbol
    writer.write(1, e);
    EXPECT_EQ(reader.change_counter(), c0 + n);
    EXPECT_EQ(writer.change_counter(), c0 + n);
    book_entry got;
    reader.read(1, got);
    EXPECT_TRUE(entry_consistent(got, "MSFT"));
    EXPECT_EQ(got.feed_sequence, 100 + n);
  }

  // Heartbeat visible.
  const auto now = monotonic_now_ns();
  writer.heartbeat(now);
  EXPECT_EQ(reader.heartbeat_ns(), now);
  EXPECT_TRUE(reader.writer_alive(now + 1000, 1'000'000'000));
}

// -- attach: refusals --------------------------------------------------------

TEST(AttachTest, RefusesSegmentWithWrongMagic) {
  const auto name = unique_name("magic");
  unlink_guard guard{name};
  segment_writer writer{name, {"AAPL"}};
  raw_mapping raw{name};
  ASSERT_TRUE(raw.ok());
  raw.header()->magic.store(0x1122334455667788ULL);
  auto r = attach_reader(name);
  EXPECT_EQ(r.status, attach_status::bad_magic);
  EXPECT_EQ(r.reader, nullptr);
  EXPECT_NE(r.error.find(name), std::string::npos) << r.error;
  EXPECT_NE(r.error.find("not a book segment"), std::string::npos) << r.error;
  EXPECT_STREQ(to_string(r.status), "bad_magic");
}

TEST(AttachTest, RefusesSegmentWithOtherLayoutVersion) {
  const auto name = unique_name("version");
  unlink_guard guard{name};
  segment_writer writer{name, {"AAPL"}};
  raw_mapping raw{name};
  ASSERT_TRUE(raw.ok());
  raw.header()->layout_version.store(7);
  auto r = attach_reader(name);
  EXPECT_EQ(r.status, attach_status::version_mismatch);
  EXPECT_EQ(r.reader, nullptr);
  EXPECT_EQ(r.error, "shm segment " + name
                       + " has layout version 7, this build reads version 1");
}

TEST(AttachTest, ReportsUnpublishedVersionAsNotReady) {
  const auto name = unique_name("notready");
  unlink_guard guard{name};
  segment_writer writer{name, {"AAPL"}};
  raw_mapping raw{name};
  ASSERT_TRUE(raw.ok());
  raw.header()->layout_version.store(0);
  auto r = attach_reader(name);
  EXPECT_EQ(r.status, attach_status::not_ready);
  EXPECT_NE(r.error.find(name), std::string::npos) << r.error;
}

TEST(AttachTest, RefusesSegmentWithOtherSlotSize) {
  const auto name = unique_name("slotsize");
  unlink_guard guard{name};
  segment_writer writer{name, {"AAPL"}};
  raw_mapping raw{name};
  ASSERT_TRUE(raw.ok());
  raw.header()->slot_size = 64;
  auto r = attach_reader(name);
  EXPECT_EQ(r.status, attach_status::layout_mismatch);
  EXPECT_NE(r.error.find("slot size 64"), std::string::npos) << r.error;
}

TEST(AttachTest, ReportsMissingSegmentAsNotFound) {
  const auto name = unique_name("missing");
  auto r = attach_reader(name);
  EXPECT_EQ(r.status, attach_status::not_found);
  EXPECT_NE(r.error.find(name), std::string::npos) << r.error;
}

TEST(AttachTest, ReportsTinyFileAsTooSmall) {
  const auto name = unique_name("tiny");
  unlink_guard guard{name};
  create_file(name, 16, 0);
  auto r = attach_reader(name);
  EXPECT_EQ(r.status, attach_status::too_small);
  EXPECT_NE(r.error.find(name), std::string::npos) << r.error;
  EXPECT_NE(r.error.find("16 bytes"), std::string::npos) << r.error;
}

TEST(AttachTest, ReportsTruncatedSlotsAsTooSmall) {
  const auto name = unique_name("truncated");
  unlink_guard guard{name};
  segment_writer writer{name, {"AAPL", "MSFT"}};
  int fd = ::shm_open(name.c_str(), O_RDWR, 0);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::ftruncate(fd, static_cast<off_t>(segment_size(1))), 0);
  ::close(fd);
  auto r = attach_reader(name);
  EXPECT_EQ(r.status, attach_status::too_small);
}

TEST(AttachTest, RejectsInvalidName) {
  auto r = attach_reader("no_slash");
  EXPECT_EQ(r.status, attach_status::system_error);
  EXPECT_NE(r.error.find("no_slash"), std::string::npos) << r.error;
}

// -- writer: live and stale owners -------------------------------------------

TEST(WriterTest, RefusesNameHeldByLiveWriterInSameProcess) {
  const auto name = unique_name("live_same");
  unlink_guard guard{name};
  segment_writer first{name, {"AAPL"}};
  try {
    segment_writer second{name, {"AAPL"}};
    FAIL() << "second writer was allowed";
  } catch (const segment_error& e) {
    EXPECT_EQ(std::string{e.what()}, "shm segment " + name
                                       + " is in use by live writer pid "
                                       + std::to_string(::getpid()));
  }
  // The first writer's segment is untouched.
  auto r = attach_reader(name);
  ASSERT_EQ(r.status, attach_status::attached) << r.error;
  EXPECT_EQ(r.reader->writer_incarnation(), first.incarnation());
}

TEST(WriterTest, RefusesNameHeldByLiveWriterInAnotherProcess) {
  const auto name = unique_name("live_other");
  unlink_guard guard{name};
  int ready[2], release[2];
  ASSERT_EQ(::pipe(ready), 0);
  ASSERT_EQ(::pipe(release), 0);
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::close(ready[0]);
    ::close(release[1]); // else the read below never sees EOF
    int rc = 0;
    try {
      segment_writer w{name, {"AAPL"}};
      char c = 1;
      (void)!::write(ready[1], &c, 1);
      (void)!::read(release[0], &c, 1);
    } catch (...) {
      rc = 1;
    }
    ::_exit(rc);
  }
  ::close(ready[1]);
  ::close(release[0]);
  char c = 0;
  ASSERT_EQ(::read(ready[0], &c, 1), 1);
  try {
    segment_writer w{name, {"AAPL"}};
    FAIL() << "writer was allowed over a live one";
  } catch (const segment_error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find(name), std::string::npos) << msg;
    EXPECT_NE(msg.find("pid " + std::to_string(child)), std::string::npos)
      << msg;
  }
  ::close(release[1]);
  int status = 0;
  ::waitpid(child, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  EXPECT_FALSE(name_exists(name)) << "the child's writer unlinks on exit";
  ::close(ready[0]);
}

TEST(WriterTest, ReplacesSegmentLeftByCrashedWriter) {
  const auto name = unique_name("stale");
  unlink_guard guard{name};
  // A child creates a writer and dies without cleaning up.
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    try {
      auto* leaked = new segment_writer{name, {"AAPL"}}; // a crash: no cleanup
      (void)leaked;
    } catch (...) {
      ::_exit(1);
    }
    ::_exit(0);
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  ASSERT_TRUE(name_exists(name));

  auto old = attach_reader(name);
  ASSERT_EQ(old.status, attach_status::attached) << old.error;
  EXPECT_EQ(old.reader->writer_pid(), child);
  EXPECT_FALSE(old.reader->writer_alive(monotonic_now_ns(), 60'000'000'000));

  segment_writer writer{name, {"AAPL", "MSFT"}};
  EXPECT_TRUE(writer.replaced_stale());
  EXPECT_FALSE(old.reader->is_current());

  auto fresh = attach_reader(name);
  ASSERT_EQ(fresh.status, attach_status::attached) << fresh.error;
  EXPECT_EQ(fresh.reader->writer_pid(), ::getpid());
  EXPECT_EQ(fresh.reader->slot_count(), 2u);
  EXPECT_TRUE(fresh.reader->is_current());
}

TEST(WriterTest, ReplacesSegmentWhoseWriterPidIsDead) {
  const auto name = unique_name("deadpid");
  unlink_guard guard{name};
  const pid_t dead = dead_pid();
  {
    // A well-formed header whose writer pid is dead.
    create_file(name, segment_size(1), 0);
    raw_mapping raw{name};
    ASSERT_TRUE(raw.ok());
    auto* h = raw.header();
    h->magic.store(book_magic);
    h->slot_count = 1;
    h->slot_size = slot_size;
    h->writer_pid = dead;
    h->writer_incarnation = 42;
    h->heartbeat_ns.store(monotonic_now_ns());
    h->layout_version.store(layout_version);
  }
  auto old = attach_reader(name);
  ASSERT_EQ(old.status, attach_status::attached) << old.error;
  EXPECT_EQ(old.reader->writer_pid(), dead);
  EXPECT_FALSE(old.reader->writer_alive(monotonic_now_ns(), 60'000'000'000));

  segment_writer writer{name, {"AAPL"}};
  EXPECT_TRUE(writer.replaced_stale());
  EXPECT_NE(writer.incarnation(), 42u);
}

TEST(WriterTest, ReplacesGarbageFile) {
  const auto name = unique_name("garbage");
  unlink_guard guard{name};
  create_file(name, 4096, 0xAB);
  segment_writer writer{name, {"AAPL"}};
  EXPECT_TRUE(writer.replaced_stale());
  auto r = attach_reader(name);
  EXPECT_EQ(r.status, attach_status::attached) << r.error;
}

TEST(WriterTest, ReplacesShortFileAfterGracePeriod) {
  const auto name = unique_name("short");
  unlink_guard guard{name};
  create_file(name, 10, 0);
  segment_writer writer{name, {"AAPL"}};
  EXPECT_TRUE(writer.replaced_stale());
  auto r = attach_reader(name);
  EXPECT_EQ(r.status, attach_status::attached) << r.error;
}

// -- life cycle --------------------------------------------------------------

TEST(LifecycleTest, WriterDestructionUnlinksNameAndReaderNoticesIt) {
  const auto name = unique_name("gone");
  unlink_guard guard{name};
  auto writer = std::make_unique<segment_writer>(
    name, std::vector<std::string>{"AAPL"});
  auto r = attach_reader(name);
  ASSERT_EQ(r.status, attach_status::attached) << r.error;
  const auto now = monotonic_now_ns();
  writer->heartbeat(now);
  EXPECT_TRUE(r.reader->is_current());
  EXPECT_TRUE(r.reader->writer_alive(now, 1'000'000'000));
  writer.reset();
  EXPECT_FALSE(name_exists(name));
  EXPECT_FALSE(r.reader->is_current());
  EXPECT_FALSE(r.reader->writer_alive(now, 1'000'000'000))
    << "a closed writer must not look alive";
  // The mapping stays readable after the unlink.
  book_entry e;
  r.reader->read(0, e);
  EXPECT_STREQ(e.symbol, "AAPL");
  EXPECT_EQ(attach_reader(name).status, attach_status::not_found);
}

TEST(LifecycleTest, WriterNotAliveWhenHeartbeatIsOld) {
  const auto name = unique_name("heartbeat");
  unlink_guard guard{name};
  segment_writer writer{name, {"AAPL"}};
  auto r = attach_reader(name);
  ASSERT_EQ(r.status, attach_status::attached) << r.error;
  const std::int64_t second = 1'000'000'000;
  const auto now = monotonic_now_ns();
  writer.heartbeat(now - 10 * second);
  EXPECT_FALSE(r.reader->writer_alive(now, second));
  EXPECT_TRUE(r.reader->writer_alive(now, 20 * second));
  writer.heartbeat(now);
  EXPECT_TRUE(r.reader->writer_alive(now, second));
}

TEST(LifecycleTest, WriterDestructionLeavesReplacementSegmentAlone) {
  const auto name = unique_name("replacement");
  unlink_guard guard{name};
  auto first = std::make_unique<segment_writer>(
    name, std::vector<std::string>{"AAPL"});
  ASSERT_EQ(::shm_unlink(name.c_str()), 0); // someone removed the name
  segment_writer second{name, {"MSFT"}};
  first.reset();
  ASSERT_TRUE(name_exists(name));
  auto r = attach_reader(name);
  ASSERT_EQ(r.status, attach_status::attached) << r.error;
  EXPECT_EQ(r.reader->writer_incarnation(), second.incarnation());
}

// -- validation --------------------------------------------------------------

TEST(WriterTest, RejectsBadNamesAndSymbols) {
  auto expect_rejected = [](const std::string& name,
                            const std::vector<std::string>& symbols,
                            const std::string& mentions) {
    try {
      segment_writer w{name, symbols};
      ADD_FAILURE() << "accepted name \"" << name << "\"";
    } catch (const segment_error& e) {
      EXPECT_NE(std::string{e.what()}.find(mentions), std::string::npos)
        << e.what();
    }
  };
  const std::vector<std::string> ok{"AAPL"};
  expect_rejected("", ok, "must start with '/'");
  expect_rejected("no_slash", ok, "no_slash");
  expect_rejected("/", ok, "at least one character");
  expect_rejected("/a/b", ok, "/a/b");
  expect_rejected("/" + std::string(200, 'x'), ok, "longer than 200");
  expect_rejected(std::string("/a\0b", 4), ok, "NUL");

  const auto name = unique_name("badsym");
  unlink_guard guard{name};
  expect_rejected(name, {}, "no symbols");
  expect_rejected(name, {""}, "symbol \"\"");
  expect_rejected(name, {"ABCDEFGHIJKLMNOP"}, "ABCDEFGHIJKLMNOP");
  expect_rejected(name, {"AAPL", "AAPL"}, "given twice");
  std::vector<std::string> many;
  for (int i = 0; i < 1025; ++i)
    many.push_back("S" + std::to_string(i));
  expect_rejected(name, many, "at most 1024");
  EXPECT_FALSE(name_exists(name)) << "a rejected writer creates nothing";

  // The limits themselves are accepted.
  many.pop_back();
  segment_writer w{name, many};
  EXPECT_EQ(w.slot_count(), 1024u);
  auto r = attach_reader(name);
  ASSERT_EQ(r.status, attach_status::attached) << r.error;
  EXPECT_EQ(r.reader->slot_of("S1023"), 1023);
}
