// Tests for shm/: the seqlock under contention, and the book segment's
// create / attach / replace / unlink life cycle.

#include "shm/book_segment.hpp"
#include "shm/seqlock.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <condition_variable>
#include <cstring>
#include <functional>
#include <iostream>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <dirent.h>
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

// A well-formed segment, as a writer would have built it, whose owner lock
// nobody holds (as after that writer died), with the given header pid and
// heartbeat.
void create_unowned_segment(const std::string& name, std::int32_t pid,
                            std::int64_t heartbeat_ns,
                            std::uint64_t incarnation = 42) {
  create_file(name, segment_size(1), 0);
  raw_mapping raw{name};
  ASSERT_TRUE(raw.ok());
  auto* h = raw.header();
  h->magic.store(book_magic);
  h->slot_count = 1;
  h->slot_size = slot_size;
  h->writer_pid = pid;
  h->writer_incarnation = incarnation;
  h->heartbeat_ns.store(heartbeat_ns);
  auto* slots = reinterpret_cast<book_slot*>(static_cast<std::byte*>(raw.base)
                                             + header_size);
  slot_entry e{};
  std::strcpy(e.symbol, "AAPL");
  e.written_ns = heartbeat_ns;
  slots[0].lock.store(e);
  h->layout_version.store(layout_version);
}

// Temporary files a writer left next to `name` (NAME.tmp.*).
std::vector<std::string> temp_files_of(const std::string& name) {
  std::vector<std::string> out;
  const std::string prefix = name.substr(1) + ".tmp.";
  if (DIR* d = ::opendir("/dev/shm")) {
    while (auto* ent = ::readdir(d))
      if (std::string{ent->d_name}.rfind(prefix, 0) == 0)
        out.push_back(ent->d_name);
    ::closedir(d);
  }
  return out;
}

// A one-shot gate: wait() blocks until open() (C++17 has no std::latch).
class gate {
public:
  void open() {
    std::lock_guard<std::mutex> lock{m_};
    open_ = true;
    cv_.notify_all();
  }
  void wait() {
    std::unique_lock<std::mutex> lock{m_};
    cv_.wait(lock, [&] { return open_; });
  }

private:
  std::mutex m_;
  std::condition_variable cv_;
  bool open_ = false;
};

// Sets the writer test hook for one test and clears it at scope exit.
struct hook_guard {
  explicit hook_guard(
    std::function<void(test_hooks::writer_point, const std::string&)> f) {
    test_hooks::writer_hook = std::move(f);
  }
  ~hook_guard() { test_hooks::writer_hook = nullptr; }
};

// Truncates (or grows) the name's file through a descriptor of our own, as
// `truncate -s` would.
void truncate_name(const std::string& name, std::size_t bytes) {
  int fd = ::shm_open(name.c_str(), O_RDWR, 0);
  ASSERT_GE(fd, 0) << std::strerror(errno);
  ASSERT_EQ(::ftruncate(fd, static_cast<off_t>(bytes)), 0)
    << std::strerror(errno);
  ::close(fd);
}

std::vector<std::string> symbols_n(int n) {
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i)
    out.push_back("S" + std::to_string(i));
  return out;
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

slot_entry make_entry(std::uint64_t n) {
  slot_entry e{};
  const auto i = static_cast<std::int64_t>(n);
  e.top.bid = i;
  e.top.ask = i + 1;
  e.top.last = 2 * i;
  e.top.bid_size = 3 * i;
  e.top.ask_size = 5 * i;
  e.feed_incarnation = ~n;
  e.feed_sequence = n;
  e.tick_created_ns = 7 * i;
  e.book_received_ns = 11 * i;
  e.written_ns = 13 * i + 1; // never 0: write() would store 1
  return e;
}

bool entry_consistent(const slot_entry& e, const char* symbol) {
  slot_entry want = make_entry(e.feed_sequence);
  std::memcpy(want.symbol, symbol, std::strlen(symbol));
  return std::memcmp(&e, &want, sizeof e) == 0;
}

// Depth of write n: every level's price and size derived from n.
trading::book_depth make_depth(std::uint64_t n) {
  trading::book_depth d{};
  const auto i = static_cast<std::int64_t>(n);
  for (std::int64_t k = 0; k < 4; ++k) {
    d.bids[k] = {i - k - 1, 100 * i + k};
    d.asks[k] = {i + k + 2, 200 * i + k};
  }
  return d;
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
      slot_entry e;
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

TEST(BookSegmentTest, DepthIsReadWithItsTopAsOneUpdateNeverTorn) {
  const auto name = unique_name("depthtorn");
  unlink_guard guard{name};
  segment_writer writer{name, {"AAPL"}};
  auto attached = attach_reader(name);
  ASSERT_EQ(attached.status, attach_status::attached) << attached.error;
  const segment_reader& reader = *attached.reader;
  writer.write(0, make_entry(0), make_depth(0));
  auto stats = run_overlap(
    [&](std::uint64_t n) { writer.write(0, make_entry(n), make_depth(n)); },
    [&](overlap_stats& s) {
      slot_entry e;
      trading::book_depth d;
      s.retries += reader.read(0, e, d);
      auto want = make_depth(e.feed_sequence);
      if (!entry_consistent(e, "AAPL") || std::memcmp(&d, &want, sizeof d) != 0)
        ++s.torn;
      return e.feed_sequence;
    });
  expect_overlap_without_tearing(stats);
}

TEST(BookSegmentTest, TopOfBookReadLeavesTheDepthAloneAndAWriteWithoutDepthEmptiesIt) {
  const auto name = unique_name("depth");
  unlink_guard guard{name};
  segment_writer writer{name, {"AAPL"}};
  auto attached = attach_reader(name);
  ASSERT_EQ(attached.status, attach_status::attached) << attached.error;
  writer.write(0, make_entry(7), make_depth(7));
  slot_entry e{};
  trading::book_depth d{};
  attached.reader->read(0, e, d);
  EXPECT_TRUE(entry_consistent(e, "AAPL"));
  EXPECT_EQ(d.bids[3].price, 7 - 4);
  EXPECT_EQ(d.asks[0].size, 200 * 7);
  // The top alone: the caller's depth is not written.
  trading::book_depth untouched{};
  untouched.bids[0].price = 12345;
  slot_entry top{};
  attached.reader->read(0, top);
  EXPECT_EQ(top.feed_sequence, 7u);
  EXPECT_EQ(untouched.bids[0].price, 12345);
  // A source without depth leaves none behind from the last update.
  writer.write(0, make_entry(8));
  attached.reader->read(0, e, d);
  EXPECT_EQ(e.feed_sequence, 8u);
  for (auto& l : d.bids)
    EXPECT_EQ(l.price, trading::no_price);
  for (auto& l : d.asks)
    EXPECT_EQ(l.size, 0);
}

// -- segment: layout versions --------------------------------------------------

struct reader_version_guard {
  explicit reader_version_guard(std::uint32_t v) {
    test_hooks::reader_version = v;
  }
  ~reader_version_guard() {
    test_hooks::reader_version = layout_version;
  }
};

TEST(AttachTest, AVersionTwoReaderRefusesTheDepthLayoutClearly) {
  ASSERT_EQ(layout_version, 3u);
  const auto name = unique_name("oldreader");
  unlink_guard guard{name};
  segment_writer writer{name, {"AAPL"}};
  reader_version_guard old_build{2}; // the reader of a build before depth
  auto r = attach_reader(name);
  EXPECT_EQ(r.status, attach_status::version_mismatch);
  EXPECT_EQ(r.reader, nullptr);
  EXPECT_EQ(r.error, "shm segment " + name
                       + " has layout version 3, this build reads version 2");
}

TEST(AttachTest, AVersionTwoSegmentIsRefusedByThisReaderClearly) {
  // As a writer of layout version 2 built it: 128-byte slots, no depth.
  const auto name = unique_name("oldwriter");
  unlink_guard guard{name};
  create_file(name, header_size + 128, 0);
  raw_mapping raw{name};
  ASSERT_TRUE(raw.ok());
  auto* h = raw.header();
  h->magic.store(book_magic);
  h->slot_count = 1;
  h->slot_size = 128;
  h->writer_pid = ::getpid();
  h->heartbeat_ns.store(monotonic_now_ns());
  h->layout_version.store(2);
  auto r = attach_reader(name);
  EXPECT_EQ(r.status, attach_status::version_mismatch);
  EXPECT_EQ(r.error, "shm segment " + name
                       + " has layout version 2, this build reads version 3");
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
    slot_entry e;
    reader.read(i, e);
    EXPECT_STREQ(e.symbol, symbols[i].c_str());
    EXPECT_EQ(e.top.bid, 0);
    EXPECT_EQ(e.top.ask, 0);
    EXPECT_EQ(e.top.last, 0);
  }
  EXPECT_EQ(reader.slot_of("IBM"), -1);
  EXPECT_EQ(reader.slot_of(""), -1);
  EXPECT_THROW(reader.symbol_at(4), std::out_of_range);
  slot_entry dummy;
  EXPECT_THROW(reader.read(4, dummy), std::out_of_range);
  EXPECT_THROW(writer.write(4, dummy), std::out_of_range);
  EXPECT_EQ(reader.writer_pid(), ::getpid());
  EXPECT_EQ(reader.writer_incarnation(), writer.incarnation());
  EXPECT_TRUE(reader.is_current());

  // One change per write, visible to the reader.
  const auto c0 = reader.change_counter();
  EXPECT_EQ(c0, writer.change_counter());
  for (std::uint64_t n = 1; n <= 5; ++n) {
    slot_entry e = make_entry(100 + n);
    std::strcpy(e.symbol, "WRONG"); // the writer keeps the slot's symbol
    writer.write(1, e);
    EXPECT_EQ(reader.change_counter(), c0 + n);
    EXPECT_EQ(writer.change_counter(), c0 + n);
    slot_entry got;
    reader.read(1, got);
    EXPECT_TRUE(entry_consistent(got, "MSFT"));
    EXPECT_EQ(got.feed_sequence, 100 + n);
  }

  // A batch: staged slots are readable at once, the counter moves once, at
  // publish; a publish with nothing staged moves nothing.
  const auto c1 = reader.change_counter();
  writer.stage(0, make_entry(201));
  writer.stage(1, make_entry(202));
  EXPECT_EQ(reader.change_counter(), c1);
  slot_entry staged;
  reader.read(0, staged);
  EXPECT_EQ(staged.feed_sequence, 201u);
  writer.publish();
  EXPECT_EQ(reader.change_counter(), c1 + 1);
  writer.publish();
  EXPECT_EQ(reader.change_counter(), c1 + 1);
  reader.read(1, staged);
  EXPECT_TRUE(entry_consistent(staged, "MSFT"));
  EXPECT_EQ(staged.feed_sequence, 202u);
  EXPECT_THROW(writer.stage(4, dummy), std::out_of_range);

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
                       + " has layout version 7, this build reads version " + std::to_string(layout_version));
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
  create_unowned_segment(name, dead, monotonic_now_ns());
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

TEST(WriterTest, ReplacesShortFile) {
  const auto name = unique_name("short");
  unlink_guard guard{name};
  create_file(name, 10, 0);
  segment_writer writer{name, {"AAPL"}};
  EXPECT_TRUE(writer.replaced_stale());
  auto r = attach_reader(name);
  EXPECT_EQ(r.status, attach_status::attached) << r.error;
}

// -- writer: racing for one name --------------------------------------------

// Writer A on its own thread, held at `point` for `name` (the first time only)
// until `release` opens; `in_window` opens when it is held there.
struct held_writer {
  held_writer(const std::string& name, test_hooks::writer_point point)
    : hook{[this, name, point](test_hooks::writer_point p, const std::string& n) {
        if (on_a && !held && n == name && p == point) {
          held = true;
          in_window.open();
          release.wait();
        }
      }} {
    thread = std::thread{[this, name] {
      on_a = true;
      try {
        writer = std::make_unique<segment_writer>(name,
                                                  std::vector<std::string>{"AAPL"});
      } catch (const segment_error& e) {
        error = e.what();
      }
    }};
    in_window.wait();
  }

  /// Lets A go on and waits for it to finish.
  void finish() {
    release.open();
    thread.join();
  }

  static inline thread_local bool on_a = false; // the hook runs on every writer
  gate in_window, release;
  bool held = false;
  std::thread thread;
  hook_guard hook;
  std::unique_ptr<segment_writer> writer;
  std::string error;
};

// Writer A is held inside the window between "the stale segment's take-over
// lock is mine, its owner is dead" and rename(2), while writer B runs.
TEST(WriterRaceTest, TwoWritersReplacingOneStaleNameExactlyOneWins) {
  const auto name = unique_name("race_stale");
  unlink_guard guard{name};
  create_unowned_segment(name, dead_pid(), monotonic_now_ns());
  held_writer a{name, test_hooks::writer_point::before_replace};
  std::string b_error;
  try {
    segment_writer b{name, {"AAPL"}};
    ADD_FAILURE() << "B also took the name";
  } catch (const segment_error& e) {
    b_error = e.what();
  }
  a.finish();
  ASSERT_NE(a.writer, nullptr) << a.error;
  EXPECT_TRUE(a.writer->replaced_stale());
  EXPECT_EQ(b_error, "shm segment " + name
                       + " is being taken over by another writer right now");
  auto r = attach_reader(name);
  ASSERT_EQ(r.status, attach_status::attached) << r.error;
  EXPECT_EQ(r.reader->writer_incarnation(), a.writer->incarnation());
  EXPECT_TRUE(temp_files_of(name).empty());
}

// Writer A is held just before link(2) to a free name while writer B creates
// and publishes the segment.
TEST(WriterRaceTest, TwoWritersCreatingOneFreeNameExactlyOneWins) {
  const auto name = unique_name("race_free");
  unlink_guard guard{name};
  held_writer a{name, test_hooks::writer_point::before_link};
  segment_writer b{name, {"MSFT"}};
  EXPECT_FALSE(b.replaced_stale());
  a.finish();
  EXPECT_EQ(a.writer, nullptr) << "A also took the name";
  EXPECT_EQ(a.error, "shm segment " + name + " is in use by live writer pid "
                       + std::to_string(::getpid()));
  auto r = attach_reader(name);
  ASSERT_EQ(r.status, attach_status::attached) << r.error;
  EXPECT_EQ(r.reader->writer_incarnation(), b.incarnation());
  EXPECT_EQ(r.reader->symbol_at(0), "MSFT");
  EXPECT_TRUE(temp_files_of(name).empty());
}

// No hook: several threads released together, many rounds, a stale name each
// time. Whatever the interleaving, exactly one owns the name.
TEST(WriterRaceTest, ManyWritersReplacingOneStaleNameExactlyOneWins) {
  constexpr int writers = 4;
  for (int round = 0; round < 20; ++round) {
    const auto name = unique_name("race_many_" + std::to_string(round));
    unlink_guard guard{name};
    create_unowned_segment(name, dead_pid(), monotonic_now_ns());
    std::atomic<int> waiting{writers};
    std::vector<std::unique_ptr<segment_writer>> won(writers);
    std::vector<std::string> errors(writers);
    std::vector<std::thread> threads;
    for (int i = 0; i < writers; ++i)
      threads.emplace_back([&, i] {
        waiting.fetch_sub(1);
        while (waiting.load() > 0)
          std::this_thread::yield();
        try {
          won[i] = std::make_unique<segment_writer>(
            name, std::vector<std::string>{"AAPL"});
        } catch (const segment_error& e) {
          errors[i] = e.what();
        }
      });
    for (auto& t : threads)
      t.join();
    int winners = 0;
    std::uint64_t incarnation = 0;
    for (int i = 0; i < writers; ++i) {
      if (won[i]) {
        ++winners;
        incarnation = won[i]->incarnation();
        EXPECT_TRUE(won[i]->replaced_stale());
      } else {
        EXPECT_NE(errors[i].find("shm segment " + name), std::string::npos)
          << errors[i];
      }
    }
    ASSERT_EQ(winners, 1) << "round " << round;
    auto r = attach_reader(name);
    ASSERT_EQ(r.status, attach_status::attached) << r.error;
    EXPECT_EQ(r.reader->writer_incarnation(), incarnation);
    EXPECT_TRUE(temp_files_of(name).empty());
  }
}

// -- writer: liveness is the owner lock, not the pid --------------------------

// After a kill -9 the pid may be reused by an unrelated live process: the
// segment must still count as dead (nobody holds its owner lock).
TEST(WriterTest, ReplacesSegmentWhosePidWasRecycled) {
  const auto name = unique_name("recycled");
  unlink_guard guard{name};
  const pid_t live = ::getppid(); // alive, and not a book writer
  const std::int64_t hour = 3'600'000'000'000;
  const auto now = monotonic_now_ns();
  create_unowned_segment(name, live, std::max<std::int64_t>(1, now - hour));
  auto old = attach_reader(name);
  ASSERT_EQ(old.status, attach_status::attached) << old.error;
  EXPECT_EQ(old.reader->writer_pid(), live);
  EXPECT_FALSE(old.reader->writer_alive(now, 1'000'000'000));
  EXPECT_EQ(old.reader->health(now, 1'000'000'000),
            segment_health::writer_stopped);

  segment_writer writer{name, {"AAPL"}};
  EXPECT_TRUE(writer.replaced_stale());
  EXPECT_EQ(old.reader->health(now, 1'000'000'000), segment_health::replaced);
}

// A fresh heartbeat does not make a segment nobody holds look alive.
TEST(WriterTest, ReaderSeesWriterDeadWithFreshHeartbeatButNoOwner) {
  const auto name = unique_name("fresh_unowned");
  unlink_guard guard{name};
  const auto now = monotonic_now_ns();
  create_unowned_segment(name, ::getpid(), now);
  auto r = attach_reader(name);
  ASSERT_EQ(r.status, attach_status::attached) << r.error;
  EXPECT_FALSE(r.reader->writer_alive(now, 1'000'000'000));
  segment_writer writer{name, {"AAPL"}};
  EXPECT_TRUE(writer.replaced_stale());
}

// The lock is the kernel's word that a process holds the segment: a writer
// whose heartbeat is old (hung, or a slow timer) is still refused.
TEST(WriterTest, RefusesLiveWriterEvenWithOldHeartbeat) {
  const auto name = unique_name("live_old_hb");
  unlink_guard guard{name};
  segment_writer first{name, {"AAPL"}};
  first.heartbeat(1);
  EXPECT_THROW((segment_writer{name, {"AAPL"}}), segment_error);
  auto r = attach_reader(name);
  ASSERT_EQ(r.status, attach_status::attached) << r.error;
  EXPECT_EQ(r.reader->writer_incarnation(), first.incarnation());
}

// -- truncation under a live writer and reader --------------------------------

TEST(TruncationTest, WriterSurvivesTruncationAndReportsIt) {
  const auto name = unique_name("trunc_writer");
  unlink_guard guard{name};
  segment_writer writer{name, symbols_n(40)}; // 10624 bytes: three pages
  ASSERT_EQ(writer.heartbeat(monotonic_now_ns()), segment_health::healthy);
  truncate_name(name, 100);
  EXPECT_EQ(writer.health(), segment_health::truncated);
  // Every slot, including those beyond the new end (SIGBUS without the
  // handler): no crash.
  for (std::uint32_t i = 0; i < 40; ++i)
    writer.write(i, make_entry(i + 1));
  EXPECT_EQ(writer.health(), segment_health::truncated);
  EXPECT_EQ(writer.heartbeat(monotonic_now_ns()), segment_health::truncated);
  const auto text = writer.describe(segment_health::truncated);
  EXPECT_EQ(text, "shm segment " + name
                    + " was truncated or wiped under us (size 100 bytes, "
                      "expected 10624)"); // 384 + 40 slots x 256
}

TEST(TruncationTest, ReaderSurvivesTruncationAndNeverReportsZeros) {
  const auto name = unique_name("trunc_reader");
  unlink_guard guard{name};
  segment_writer writer{name, symbols_n(40)};
  for (std::uint32_t i = 0; i < 40; ++i)
    writer.write(i, make_entry(i + 1));
  auto r = attach_reader(name);
  ASSERT_EQ(r.status, attach_status::attached) << r.error;
  const auto& reader = *r.reader;
  const std::int64_t second = 1'000'000'000;
  ASSERT_EQ(reader.health(monotonic_now_ns(), second), segment_health::healthy);

  truncate_name(name, 100);
  // Slots 0..28 share the first page (zeroed past byte 100), slots 29..39 lie
  // beyond it (SIGBUS): no read may return their zeros as prices.
  for (std::uint32_t i = 0; i < 40; ++i) {
    slot_entry e{};
    try {
      reader.read(i, e);
      ADD_FAILURE() << "slot " << i << " read as bid " << e.top.bid;
    } catch (const segment_error& err) {
      EXPECT_NE(std::string{err.what()}.find("shm segment " + name),
                std::string::npos)
        << err.what();
      EXPECT_NE(std::string{err.what()}.find("no data"), std::string::npos)
        << err.what();
    }
  }
  EXPECT_EQ(reader.health(monotonic_now_ns(), second),
            segment_health::truncated);
  EXPECT_FALSE(reader.is_current());
  EXPECT_FALSE(reader.writer_alive(monotonic_now_ns(), second));
  EXPECT_EQ(writer.health(), segment_health::truncated);
  // A new attach sees the short file for what it is.
  EXPECT_EQ(attach_reader(name).status, attach_status::too_small);
}

// A truncation that cuts one slot after its symbol leaves the symbol and the
// sequence intact but zeroes the rest: that slot must read as "no data".
TEST(TruncationTest, SlotCutAfterItsSymbolReadsAsNoData) {
  const auto name = unique_name("trunc_mid");
  unlink_guard guard{name};
  segment_writer writer{name, symbols_n(8)};
  for (std::uint32_t i = 0; i < 8; ++i)
    writer.write(i, make_entry(i + 1));
  auto r = attach_reader(name);
  ASSERT_EQ(r.status, attach_status::attached) << r.error;
  const std::uint32_t cut_slot = 3;
  truncate_name(name, header_size + cut_slot * slot_size + 8 + 16);
  for (std::uint32_t i = 0; i < cut_slot; ++i) {
    slot_entry e{};
    r.reader->read(i, e);
    EXPECT_TRUE(entry_consistent(e, ("S" + std::to_string(i)).c_str()));
  }
  for (std::uint32_t i = cut_slot; i < 8; ++i) {
    slot_entry e{};
    EXPECT_THROW(r.reader->read(i, e), segment_error) << "slot " << i;
  }
  EXPECT_EQ(r.reader->health(monotonic_now_ns(), 1'000'000'000),
            segment_health::truncated);
}

// Shrunk and grown back between two checks: the size is right again, but the
// pages came back as zeros.
TEST(TruncationTest, SegmentWipedAndRegrownIsReported) {
  const auto name = unique_name("trunc_regrow");
  unlink_guard guard{name};
  segment_writer writer{name, symbols_n(40)};
  auto r = attach_reader(name);
  ASSERT_EQ(r.status, attach_status::attached) << r.error;
  truncate_name(name, 0);
  truncate_name(name, segment_size(40));
  slot_entry e{};
  EXPECT_THROW(r.reader->read(0, e), segment_error);
  EXPECT_EQ(r.reader->health(monotonic_now_ns(), 1'000'000'000),
            segment_health::truncated);
  EXPECT_EQ(writer.health(), segment_health::truncated);
  EXPECT_EQ(writer.heartbeat(monotonic_now_ns()), segment_health::truncated);
}

// The handler only claims faults inside segment mappings: any other SIGBUS
// still kills the process as before.
TEST(TruncationTest, SigbusOutsideSegmentsStillKills) {
  const auto name = unique_name("trunc_other");
  const auto other = unique_name("trunc_other_file");
  unlink_guard guard{name};
  unlink_guard guard2{other};
  segment_writer writer{name, {"AAPL"}}; // the handler is installed
  create_file(other, 8192, 1);
  std::fflush(nullptr);
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    int fd = ::shm_open(other.c_str(), O_RDWR, 0);
    if (fd < 0)
      ::_exit(2);
    auto* p = static_cast<volatile char*>(
      ::mmap(nullptr, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0));
    if (p == MAP_FAILED || ::ftruncate(fd, 0) != 0)
      ::_exit(2);
    p[4096] = 1; // SIGBUS
    ::_exit(0);
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status)) << "child exited with " << status;
  EXPECT_EQ(WTERMSIG(status), SIGBUS);
}

// -- health --------------------------------------------------------------------

TEST(HealthTest, ReaderReportsStoppedWriterThenUnlinkedSegment) {
  const auto name = unique_name("health");
  unlink_guard guard{name};
  const std::int64_t second = 1'000'000'000;
  auto writer = std::make_unique<segment_writer>(
    name, std::vector<std::string>{"AAPL"});
  auto r = attach_reader(name);
  ASSERT_EQ(r.status, attach_status::attached) << r.error;
  const auto now = monotonic_now_ns();
  EXPECT_EQ(writer->heartbeat(now), segment_health::healthy);
  EXPECT_EQ(r.reader->health(now, second), segment_health::healthy);
  EXPECT_EQ(r.reader->health(now + 2 * second, second),
            segment_health::writer_stopped);
  writer.reset();
  EXPECT_EQ(r.reader->health(now, second), segment_health::unlinked);
  EXPECT_EQ(r.reader->describe(segment_health::unlinked),
            "shm segment " + name + " was removed under us");
  EXPECT_STREQ(to_string(segment_health::writer_stopped), "writer_stopped");
}

TEST(HealthTest, WriterReportsNameRemovedOrReplacedUnderIt) {
  const auto name = unique_name("health_w");
  unlink_guard guard{name};
  segment_writer first{name, {"AAPL"}};
  EXPECT_EQ(first.health(), segment_health::healthy);
  ASSERT_EQ(::shm_unlink(name.c_str()), 0);
  EXPECT_EQ(first.health(), segment_health::unlinked);
  segment_writer second{name, {"AAPL"}}; // the name was free
  EXPECT_EQ(first.health(), segment_health::replaced);
  EXPECT_EQ(first.heartbeat(monotonic_now_ns()), segment_health::replaced);
  EXPECT_EQ(second.health(), segment_health::healthy);
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
  slot_entry e;
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
  // The rule is messages/names.hpp's, shared with the config.
  expect_rejected("", ok, "'/' then 1 to 199 characters");
  expect_rejected("no_slash", ok, "no_slash");
  expect_rejected("/", ok, "'/' then 1 to 199 characters");
  expect_rejected("/a/b", ok, "only the characters");
  expect_rejected("/" + std::string(200, 'x'), ok, "'/' then 1 to 199 characters");
  expect_rejected(std::string("/a\0b", 4), ok, "only the characters");
  expect_rejected("/a b", ok, "only the characters");

  const auto name = unique_name("badsym");
  unlink_guard guard{name};
  expect_rejected(name, {}, "no symbols");
  expect_rejected(name, {""}, "symbol \"\"");
  expect_rejected(name, {"ABCDEFGHIJKLMNOP"}, "ABCDEFGHIJKLMNOP");
  expect_rejected(name, {"A B"}, "only the characters");
  expect_rejected(name, {"\xc3\xa9t\xc3\xa9"}, "only the characters");
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
