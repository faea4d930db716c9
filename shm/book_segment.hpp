#pragma once

// The book's POSIX shared memory segment: one writer process publishes the
// top of book per symbol, any number of reader processes map it read-only.
//
// Segment layout (offsets in bytes; every region starts on a 128-byte
// boundary so that no two regions share an adjacent-line prefetch pair):
//
//   +----------------------------+  0
//   |  header: cold fields       |     written once, before the version
//   +----------------------------+  128
//   |  heartbeat_ns              |     writer, on a timer
//   +----------------------------+  256
//   |  change_counter            |     writer, after every slot write
//   +----------------------------+  384
//   |  slot 0                    |     one 128-byte slot per symbol
//   +----------------------------+  512
//   |  ...                       |
//   +----------------------------+  384 + slot_count * 128
//
// Header (segment_header):
//
//    0                   1                   2                   3
//    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |                        Magic (book_magic)                     |  0
//   |                                                               |
//   +---------------------------------------------------------------+
//   |       Layout Version (written last, release; 0 = not ready)   |  8
//   +---------------------------------------------------------------+
//   |                          Slot Count                           |  12
//   +---------------------------------------------------------------+
//   |                       Slot Size (128)                         |  16
//   +---------------------------------------------------------------+
//   |                          Writer PID                           |  20
//   +---------------------------------------------------------------+
//   |                       Writer Incarnation                      |  24
//   |                                                               |
//   +---------------------------------------------------------------+
//   |                    Created (CLOCK_MONOTONIC ns)               |  32
//   |                                                               |
//   +---------------------------------------------------------------+
//   |                        Padding to 128                        ...  40
//   +---------------------------------------------------------------+
//   |            Heartbeat (CLOCK_MONOTONIC ns; 0 = writer closed)  |  128
//   |                                                               |
//   +---------------------------------------------------------------+
//   |                        Padding to 256                        ...  136
//   +---------------------------------------------------------------+
//   |                         Change Counter                        |  256
//   |                                                               |
//   +---------------------------------------------------------------+
//   |                        Padding to 384                        ...  264
//   +---------------------------------------------------------------+
//
// The first 32 bytes (magic, version, counts, pid, incarnation) keep their
// offsets in every future layout version, so that a writer can always tell
// whether an existing segment of another version still has a live owner.
//
// Slot (book_slot = seqlock_slot<book_entry> + padding):
//
//    0                   1                   2                   3
//    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |              Seqlock Sequence (odd while writing)             |  0
//   |                                                               |
//   +---------------------------------------------------------------+
//   |                Symbol (NUL-terminated, 16 bytes)             ...  8
//   +---------------------------------------------------------------+
//   |                   Bid, Ask, Last (3 x i64)                   ...  24
//   +---------------------------------------------------------------+
//   |                 Bid Size, Ask Size (2 x i64)                 ...  48
//   +---------------------------------------------------------------+
//   |                      Feed Incarnation (u64)                   |  64
//   |                                                               |
//   +---------------------------------------------------------------+
//   |                       Feed Sequence (u64)                     |  72
//   |                                                               |
//   +---------------------------------------------------------------+
//   |   Tick Created, Book Received, Written (3 x i64, mono ns)    ...  80
//   +---------------------------------------------------------------+
//   |                        Padding to 128                        ...  104
//   +---------------------------------------------------------------+
//
// Protocol:
// - The writer creates the name with O_CREAT|O_EXCL, mode 0600, initialises
//   header and slots, and stores the layout version last (release). Readers
//   acquire-load the version before trusting anything else.
// - Each slot is a single-writer seqlock (seqlock.hpp). After every slot write
//   the writer bumps change_counter (release), so a reader can poll one word to
//   learn that something changed.
// - heartbeat_ns advances on the writer's timer, so a quiet market does not
//   look like a dead writer. The writer stores 0 when it closes the segment.
// - A name left behind by a dead writer (pid gone, or a garbage/short file) is
//   unlinked and replaced; a name whose writer is alive is refused.
// - On destruction the writer unlinks the name, if it still refers to its own
//   segment.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "shm/seqlock.hpp"

namespace trading::shm {

// -- constants ---------------------------------------------------------------

constexpr std::size_t cache_line = 64;
// Two cache lines: the unit the adjacent-line prefetcher moves together.
constexpr std::size_t cache_line_pair = 128;

// "TRDBOOK1" read as a little-endian u64.
constexpr std::uint64_t book_magic = 0x314B4F4F42445254ULL;
constexpr std::uint32_t layout_version = 1;

constexpr std::size_t max_slots = 1024;
constexpr std::size_t max_symbol_length = 15; // plus the terminating NUL
constexpr std::size_t max_name_length = 200;

// -- slot payload ------------------------------------------------------------

// Top of book for one symbol. Prices and sizes are fixed-point integers whose
// scale is decided by the messages layer; times are CLOCK_MONOTONIC ns.
struct book_entry {
  char symbol[16];
  std::int64_t bid;
  std::int64_t ask;
  std::int64_t last;
  std::int64_t bid_size;
  std::int64_t ask_size;
  std::uint64_t feed_incarnation;
  std::uint64_t feed_sequence;
  std::int64_t tick_created_ns;
  std::int64_t book_received_ns;
  std::int64_t written_ns;
};

static_assert(std::is_trivially_copyable_v<book_entry>);
static_assert(sizeof(book_entry) == 96);
static_assert(offsetof(book_entry, bid) == 16);
static_assert(offsetof(book_entry, feed_incarnation) == 56);
static_assert(offsetof(book_entry, written_ns) == 88);

// -- layout ------------------------------------------------------------------

struct alignas(cache_line_pair) book_slot {
  seqlock_slot<book_entry> lock;
  std::byte pad_[cache_line_pair - sizeof(seqlock_slot<book_entry>)];
};

static_assert(sizeof(seqlock_slot<book_entry>) == 104);
static_assert(sizeof(book_slot) == cache_line_pair);
static_assert(alignof(book_slot) == cache_line_pair);
static_assert(std::is_standard_layout_v<book_slot>);
static_assert(offsetof(book_slot, lock) == 0);
static_assert(offsetof(seqlock_slot<book_entry>, sequence) == 0);
static_assert(offsetof(seqlock_slot<book_entry>, words) == 8);

struct alignas(cache_line_pair) segment_header {
  // -- cold: written once, before layout_version --
  std::atomic<std::uint64_t> magic;
  std::atomic<std::uint32_t> layout_version;
  std::uint32_t slot_count;
  std::uint32_t slot_size;
  std::int32_t writer_pid;
  std::uint64_t writer_incarnation;
  std::int64_t created_ns;
  std::byte pad0_[cache_line_pair - 40];
  // -- hot: writer timer --
  std::atomic<std::int64_t> heartbeat_ns;
  std::byte pad1_[cache_line_pair - 8];
  // -- hot: every slot write --
  std::atomic<std::uint64_t> change_counter;
  std::byte pad2_[cache_line_pair - 8];
};

static_assert(std::atomic<std::uint32_t>::is_always_lock_free);
static_assert(std::atomic<std::int64_t>::is_always_lock_free);
static_assert(std::atomic<std::uint64_t>::is_always_lock_free);
static_assert(std::is_standard_layout_v<segment_header>);
static_assert(offsetof(segment_header, magic) == 0);
static_assert(offsetof(segment_header, layout_version) == 8);
static_assert(offsetof(segment_header, slot_count) == 12);
static_assert(offsetof(segment_header, slot_size) == 16);
static_assert(offsetof(segment_header, writer_pid) == 20);
static_assert(offsetof(segment_header, writer_incarnation) == 24);
static_assert(offsetof(segment_header, created_ns) == 32);
static_assert(offsetof(segment_header, heartbeat_ns) == 128);
static_assert(offsetof(segment_header, change_counter) == 256);
static_assert(sizeof(segment_header) == 384);

constexpr std::size_t header_size = sizeof(segment_header);
constexpr std::size_t slot_size = sizeof(book_slot);

constexpr std::size_t segment_size(std::size_t slot_count) {
  return header_size + slot_count * slot_size;
}

// -- helpers -----------------------------------------------------------------

// CLOCK_MONOTONIC in ns: the clock of every timestamp in the segment.
std::int64_t monotonic_now_ns();

// Empty if `name` is a valid segment name ("/x": starts with '/', no other
// '/', 2..max_name_length chars, no NUL); otherwise the reason.
std::string check_segment_name(const std::string& name);

// -- writer ------------------------------------------------------------------

class segment_error : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

// Creates and owns the segment. Not thread safe: one thread writes.
class segment_writer {
public:
  // Throws segment_error (bad name or symbols, live writer, syscall failure).
  segment_writer(std::string name, const std::vector<std::string>& symbols);
  ~segment_writer();

  segment_writer(const segment_writer&) = delete;
  segment_writer& operator=(const segment_writer&) = delete;

  // Slot index of `symbol`, -1 if unknown.
  int slot_of(std::string_view symbol) const;

  // Publishes `entry` in `slot` (the symbol field is forced to the slot's
  // symbol), then bumps the change counter. Throws std::out_of_range.
  void write(std::uint32_t slot, const book_entry& entry);

  void heartbeat(std::int64_t now_ns);

  std::uint64_t change_counter() const;
  std::uint32_t slot_count() const;
  const std::string& name() const { return name_; }
  std::uint64_t incarnation() const { return incarnation_; }
  // True if the name was held by a dead writer's segment, which was replaced.
  bool replaced_stale() const { return replaced_stale_; }

private:
  std::string name_;
  std::vector<std::string> symbols_;
  std::map<std::string, int, std::less<>> index_;
  void* base_ = nullptr;
  std::size_t size_ = 0;
  segment_header* header_ = nullptr;
  book_slot* slots_ = nullptr;
  std::uint64_t dev_ = 0;
  std::uint64_t ino_ = 0;
  std::uint64_t incarnation_ = 0;
  bool replaced_stale_ = false;
};

// -- reader ------------------------------------------------------------------

enum class attach_status {
  attached,
  not_found,
  too_small,
  bad_magic,
  version_mismatch,
  layout_mismatch,
  not_ready,
  system_error,
};

const char* to_string(attach_status status);

class segment_reader;

struct attach_result {
  attach_status status = attach_status::system_error;
  std::string error; // empty when attached
  std::unique_ptr<segment_reader> reader;
};

// Maps `name` read-only and validates it. not_ready and not_found are worth
// retrying later; the other failures are not.
attach_result attach_reader(const std::string& name);

// A read-only view of a segment. Thread safe (all members are const reads).
class segment_reader {
public:
  ~segment_reader();

  segment_reader(const segment_reader&) = delete;
  segment_reader& operator=(const segment_reader&) = delete;

  const std::string& name() const { return name_; }
  std::uint32_t slot_count() const { return slot_count_; }
  int slot_of(std::string_view symbol) const;
  // Throws std::out_of_range.
  std::string symbol_at(std::uint32_t slot) const;

  // Acquire: slot writes counted here are visible to a following read().
  std::uint64_t change_counter() const;

  // Consistent copy of `slot`; returns the number of retries. Throws
  // std::out_of_range, or segment_error if the slot stays mid-write because
  // its writer died during the write.
  std::uint32_t read(std::uint32_t slot, book_entry& out) const;

  std::int64_t heartbeat_ns() const;
  std::int32_t writer_pid() const;
  std::uint64_t writer_incarnation() const;
  // Heartbeat within `stale_after_ns` of `now_ns` (and not 0 = closed), and the
  // writer pid alive.
  bool writer_alive(std::int64_t now_ns, std::int64_t stale_after_ns) const;
  // The name still refers to the segment we mapped (false once the writer
  // unlinked it or a new writer replaced it). One syscall pair: not for hot
  // loops.
  bool is_current() const;

private:
  friend attach_result attach_reader(const std::string& name);
  segment_reader() = default;

  std::string name_;
  std::vector<std::string> symbols_;
  std::map<std::string, int, std::less<>> index_;
  const void* base_ = nullptr;
  std::size_t size_ = 0;
  const segment_header* header_ = nullptr;
  const book_slot* slots_ = nullptr;
  std::uint32_t slot_count_ = 0;
  std::uint64_t dev_ = 0;
  std::uint64_t ino_ = 0;
};

} // namespace trading::shm
