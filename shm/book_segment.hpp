#pragma once

// The book's POSIX shared memory segment: one writer process publishes the
// top of book and the depth behind it (levels 2..5 a side) per symbol, any
// number of reader processes map it read-only.
//
// Segment layout (offsets in bytes; every region starts on a 128-byte
// boundary so that no two regions share an adjacent-line prefetch pair):
//
//   +----------------------------+  0
//   |  header: cold fields       |     written once, before the version
//   +----------------------------+  128
//   |  heartbeat_ns              |     writer, on a timer
//   |  (64) waiters              |     readers about to sleep on the futex
//   +----------------------------+  256
//   |  change_counter            |     writer, after every slot write (batch)
//   +----------------------------+  384
//   |  slot 0: top of book       |     one 256-byte slot per symbol:
//   +----------------------------+  512
//   |  slot 0: depth             |     the top's 128 bytes, then the depth's
//   +----------------------------+  640
//   |  ...                       |
//   +----------------------------+  384 + slot_count * 256
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
//   |                       Slot Size (256)                         |  16
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
//   |                        Padding to 192                        ...  136
//   +---------------------------------------------------------------+
//   |          Waiters (readers asleep or about to sleep, u32)      |  192
//   +---------------------------------------------------------------+
//   |                        Padding to 256                        ...  196
//   +---------------------------------------------------------------+
//   |        Change Counter (u64; its low 32 bits: the futex word)  |  256
//   |                                                               |
//   +---------------------------------------------------------------+
//   |                        Padding to 384                        ...  264
//   +---------------------------------------------------------------+
//
// The first 32 bytes (magic, version, counts, pid, incarnation) keep their
// offsets in every future layout version, so that a writer can always tell
// whether an existing segment of another version still has a live owner.
//
// Slot (book_slot = seqlock_slot<slot_entry> + padding + depth words), layout
// version 3. Bytes 0..127 are exactly a version-1/2 slot; the depth (version
// 3's addition) lives in the next cache-line pair, under the same seqlock sequence,
// so a top-of-book read (read() without depth) touches only the first pair:
//
//    0                   1                   2                   3
//    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |              Seqlock Sequence (odd while writing)             |  0
//   |                                                               |
//   +---------------------------------------------------------------+
//   |                Symbol (NUL-terminated, 16 bytes)             ...  8
//   +---------------------------------------------------------------+
//   |   Top: quote {Bid, Ask, Last, Bid Size, Ask Size} (5 x i64)  ...  24
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
//   |   Bid levels 2..5: {Price, Size} (4 x 2 x i64; price 0 = none) ...  128
//   +---------------------------------------------------------------+
//   |   Ask levels 2..5: {Price, Size} (4 x 2 x i64; price 0 = none) ...  192
//   +---------------------------------------------------------------+
//
// Versions: 1 had 128-byte slots; 2 added the waiters word; 3 the depth
// (256-byte slots). A reader accepts only its own version and refuses any other with attach_status::version_mismatch naming
// both versions, before it looks at anything past the first 32 bytes.
//
// Protocol:
// - Ownership is an OFD lock (fcntl F_OFD_SETLK, see fcntl(2)) on the segment
//   file, not the pid in the header: a live writer holds a write lock on byte 0
//   ("owner lock") of its segment for its whole life, and the kernel drops it
//   when the process dies, so neither a recycled pid nor a stopped heartbeat
//   can fool anyone. Byte 1 ("take-over lock") serialises writers that replace
//   a dead writer's segment. Readers only query the owner lock (F_OFD_GETLK),
//   never take it. The lock follows the open file description: a child forked
//   without exec shares it (our descriptors are O_CLOEXEC).
// - A writer builds its segment under a private temporary name
//   (NAME.tmp.PID.N), initialises header and slots, stores the layout version
//   last (release), takes the owner lock, and only then publishes it:
//     * name free: link(2) temp -> NAME; EEXIST means another writer published
//       first, and we look again;
//     * name taken: open it and take its take-over lock (failure: another
//       writer is replacing it right now -> refuse). If its owner lock is held,
//       a live writer owns it -> refuse. Otherwise its writer is dead (or it is
//       garbage): check that NAME still refers to the inode we locked, then
//       rename(2) temp over NAME, an atomic replace.
//   Whatever happens, the temp name is removed. So two writers racing for one
//   name (free or stale) end with exactly one owner; the other throws
//   segment_error naming the segment. Readers never see a half-built segment.
// - Each slot is a single-writer seqlock (seqlock.hpp). After every slot write
//   the writer bumps change_counter (release), so a reader can poll one word to
//   learn that something changed; a batch of writes (stage() each, then
//   publish()) bumps it once after its last slot, so a reader that wakes on the
//   counter sees the whole batch in one pass (the strategy then orders every
//   symbol the batch moved in one message). A published slot never has written_ns == 0
//   (write() stores 1 instead), so a slot zeroed by a truncation reads as "no
//   data", never as prices of 0.
// - Waiting without spinning (version 2): a reader that wants to sleep until
//   the next write announces itself in `waiters` (its own cache line, so the
//   writer's per-write check reads a line nobody writes while no one waits),
//   re-reads the change counter and, if it is unchanged, sleeps in FUTEX_WAIT
//   (shared, not private: the word is in a file mapping) on the counter's low
//   32 bits, with a timeout. The writer, after bumping the counter, reads
//   `waiters` and calls FUTEX_WAKE only if it is not 0: no system call while
//   nobody sleeps. Both sides order store-then-load with seq_cst (a Dekker
//   pair), so either the writer sees the waiter or the waiter sees the new
//   counter; the kernel compares the futex word under its own lock, so a bump
//   between the re-read and the sleep makes FUTEX_WAIT return at once. A
//   waiting reader maps the header page writable (the rest stays read-only);
//   a reader that dies asleep leaves `waiters` above 0, which only costs the
//   writer a needless FUTEX_WAKE per write.
// - heartbeat_ns advances on the writer's timer, so a quiet market does not
//   look like a dead writer. The writer stores 0 when it closes the segment or
//   finds it damaged. A reader calls the writer alive only if the heartbeat is
//   fresh AND the owner lock is held.
// - Truncation: a process-wide SIGBUS handler (installed with the first mapped
//   segment, chaining to the previous handler for any other fault) catches a
//   fault inside a registered segment mapping, maps anonymous zero pages over
//   that whole mapping (private, same protection) and marks it lost; the
//   faulting access then retries on the zeros. So a truncated segment never
//   kills the process with SIGBUS: the writer writes into private memory, a
//   reader's read() throws segment_error (no data), and the per-heartbeat
//   health() of either side reports segment_health::truncated.
// - On destruction the writer unlinks the name, if it still refers to its own
//   segment, then drops the owner lock.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "messages/names.hpp"
#include "messages/quote.hpp"
#include "messages/types.hpp"
#include "shm/seqlock.hpp"

namespace trading::shm {

// -- constants ---------------------------------------------------------------

constexpr std::size_t cache_line = 64;
// Two cache lines: the unit the adjacent-line prefetcher moves together.
constexpr std::size_t cache_line_pair = 128;

// "TRDBOOK1" read as a little-endian u64.
constexpr std::uint64_t book_magic = 0x314B4F4F42445254ULL;
// 2: the waiters word (futex wait for readers).
// 3: slots grew to 256 bytes to carry the depth (levels 2..5 a side).
constexpr std::uint32_t layout_version = 3;

constexpr std::size_t max_slots = 1024;
// Symbols and segment names follow messages/names.hpp (one rule with the config
// and the OMS); a slot holds the longest symbol plus its NUL.
using trading::max_symbol_length;
constexpr std::size_t max_name_length = trading::max_shm_name_length;

// -- slot payload ------------------------------------------------------------

// One slot's payload: the top of book for one symbol, its feed position and
// its timestamps (CLOCK_MONOTONIC ns). `top` is the shared quote vocabulary
// (messages/quote.hpp), at the offset the five fields bid..ask_size had in
// layout version 1, so the bytes are unchanged.
struct slot_entry {
  char symbol[16];
  quote top;
  std::uint64_t feed_incarnation;
  std::uint64_t feed_sequence;
  std::int64_t tick_created_ns;
  std::int64_t book_received_ns;
  std::int64_t written_ns;
};

static_assert(std::is_trivially_copyable_v<slot_entry>);
static_assert(std::is_standard_layout_v<slot_entry>);
static_assert(sizeof(slot_entry) == 96);
static_assert(offsetof(slot_entry, top) == 16);
static_assert(offsetof(slot_entry, top) + offsetof(quote, bid) == 16);
static_assert(offsetof(slot_entry, top) + offsetof(quote, ask_size) == 48);
static_assert(offsetof(slot_entry, feed_incarnation) == 56);
static_assert(offsetof(slot_entry, written_ns) == 88);

// -- layout ------------------------------------------------------------------

constexpr std::size_t depth_words = sizeof(book_depth) / sizeof(std::uint64_t);

struct alignas(cache_line_pair) book_slot {
  seqlock_slot<slot_entry> lock;
  std::byte pad_[cache_line_pair - sizeof(seqlock_slot<slot_entry>)];
  // The seqlock's tail (seqlock_slot's two-part store/try_load).
  std::atomic<std::uint64_t> depth[depth_words];
};

static_assert(sizeof(seqlock_slot<slot_entry>) == 104);
static_assert(std::is_trivially_copyable_v<book_depth>);
static_assert(sizeof(book_depth) == cache_line_pair);
static_assert(offsetof(book_slot, depth) == cache_line_pair);
static_assert(sizeof(book_slot) == 2 * cache_line_pair);
static_assert(alignof(book_slot) == cache_line_pair);
static_assert(std::is_standard_layout_v<book_slot>);
static_assert(offsetof(book_slot, lock) == 0);
static_assert(offsetof(seqlock_slot<slot_entry>, sequence) == 0);
static_assert(offsetof(seqlock_slot<slot_entry>, words) == 8);

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
  std::byte pad1_[cache_line - 8];
  // -- readers about to sleep: its own line, read by the writer per write --
  std::atomic<std::uint32_t> waiters;
  std::byte pad1w_[cache_line - 4];
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
static_assert(offsetof(segment_header, waiters) == 192);
static_assert(offsetof(segment_header, change_counter) == 256);
// FUTEX_WAIT takes 32 bits: the counter's low half, at its own address.
static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__);
static_assert(sizeof(segment_header) == 384);

constexpr std::size_t header_size = sizeof(segment_header);
constexpr std::size_t slot_size = sizeof(book_slot);

constexpr std::size_t segment_size(std::size_t slot_count) {
  return header_size + slot_count * slot_size;
}

// -- helpers -----------------------------------------------------------------

// CLOCK_MONOTONIC in ns: the clock of every timestamp in the segment.
std::int64_t monotonic_now_ns();

// Empty if `name` is a valid segment name (messages/names.hpp: '/' then 1 to 199
// of A-Z a-z 0-9 . - _); otherwise the reason.
std::string check_segment_name(const std::string& name);

// -- writer ------------------------------------------------------------------

class segment_error : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

// What a heartbeat check found. Every value but `healthy` means this mapping
// is finished: a writer should exit (1) naming the segment, a reader should
// drop it and attach again later.
enum class segment_health {
  // Intact, still published under its name (reader: and its writer is alive).
  healthy,
  // The file shrank under us (or a SIGBUS hit our mapping, or its header was
  // wiped): the mapping now reads as zeros, or soon may.
  truncated,
  // The name now refers to another segment (a new writer took it over).
  replaced,
  // The name is gone (the writer closed, or someone removed it).
  unlinked,
  // Reader only: the segment is intact and current, but its writer stopped:
  // the heartbeat is 0 (closed) or older than stale_after, or no process holds
  // the owner lock (it died).
  writer_stopped,
};

const char* to_string(segment_health health);

// Creates and owns the segment. Not thread safe: one thread writes.
//
// Per heartbeat the owner calls heartbeat(now): it checks the segment (a few
// syscalls) and returns its health; anything but healthy means the segment was
// truncated, replaced or unlinked under us: print describe(health) and exit 1.
class segment_writer {
public:
  // Creates and publishes the segment (see Protocol), replacing a dead
  // writer's. Throws segment_error naming the segment: bad name or symbols,
  // live writer ("is in use by live writer pid N"), another writer replacing
  // the same stale segment right now, syscall failure.
  segment_writer(std::string name, const std::vector<std::string>& symbols);
  ~segment_writer();

  segment_writer(const segment_writer&) = delete;
  segment_writer& operator=(const segment_writer&) = delete;

  // Slot index of `symbol`, -1 if unknown.
  int slot_of(std::string_view symbol) const;

  // Publishes `entry` and `depth` (empty: the source gave none) in `slot` as
  // one update (the symbol field is forced to the slot's symbol, a written_ns
  // of 0 is stored as 1), then bumps the change counter. Hot path: no
  // syscalls, no checks beyond the slot bound. Throws std::out_of_range.
  void write(std::uint32_t slot, const slot_entry& entry,
             const book_depth& depth = {});

  // A batch: stage() writes a slot like write() without the bump (readers that
  // look at the slot see it at once, readers that wait on the change counter
  // do not yet); publish() then bumps the counter once (and wakes sleepers)
  // if anything was staged since the last bump. write() = stage + publish.
  void stage(std::uint32_t slot, const slot_entry& entry,
             const book_depth& depth = {});
  void publish();

  // Per heartbeat: checks health(); if healthy stores `now_ns` as the
  // heartbeat, otherwise stores 0 (readers then see the writer as stopped).
  // Returns the health.
  segment_health heartbeat(std::int64_t now_ns);

  // healthy, truncated, replaced or unlinked (never writer_stopped). Checks the
  // lost flag, the header, fstat size and the name's inode: a few syscalls,
  // for a timer, not for the write path.
  segment_health health() const;
  // One line naming the segment, e.g. "shm segment /book was truncated under
  // us (size 100 bytes, expected 5504)".
  std::string describe(segment_health health) const;

  std::uint64_t change_counter() const;
  // Readers announced in the waiters word right now (for tests and stats).
  std::uint32_t waiting_readers() const;
  // FUTEX_WAKE calls made by write(): 0 as long as no reader ever waited.
  std::uint64_t wakes_sent() const { return wakes_sent_; }
  std::uint32_t slot_count() const;
  const std::string& name() const { return name_; }
  std::uint64_t incarnation() const { return incarnation_; }
  // True if the name was held by a dead writer's segment (or a garbage file),
  // which was replaced.
  bool replaced_stale() const { return replaced_stale_; }

private:
  std::string name_;
  std::vector<std::string> symbols_;
  std::map<std::string, int, std::less<>> index_;
  int fd_ = -1; // holds the owner lock
  int mapping_ = -1; // index in the SIGBUS registry
  void* base_ = nullptr;
  std::size_t size_ = 0;
  segment_header* header_ = nullptr;
  book_slot* slots_ = nullptr;
  std::uint64_t dev_ = 0;
  std::uint64_t ino_ = 0;
  std::uint64_t incarnation_ = 0;
  std::uint64_t wakes_sent_ = 0;
  bool staged_ = false; // slots written since the last bump
  bool replaced_stale_ = false;
};

// Test hooks: points inside the writer's publication where a test can hold one
// writer while another runs. Empty in production; set it before the writers
// start and clear it after they finish.
namespace test_hooks {
enum class writer_point {
  before_link,    // the name looked free: about to link(2) our segment to it
  before_replace, // the name's segment was judged dead, its take-over lock is
                  // ours: about to rename(2) our segment over it
};
extern std::function<void(writer_point, const std::string& name)> writer_hook;
// The layout version attach_reader accepts: layout_version, unless a test
// plays the reader of an older build (which knew only its own version).
extern std::uint32_t reader_version;
} // namespace test_hooks

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

// What a reader will do with its mapping: only read, or also wait for changes
// (wait_for_change), which maps the header page writable for the waiters word.
enum class reader_access { read_only, waiter };

// How a wait_for_change ended.
enum class wait_outcome {
  changed,   // the counter moved (seen while spinning, or after a wake-up)
  woken,     // woken by wake_waiters (or spuriously), the counter unchanged
  timed_out, // the bound passed with no change
};

const char* to_string(wait_outcome outcome);

struct wait_result {
  wait_outcome outcome;
  std::uint64_t counter; // change_counter() when the wait ended
};

// Wakes every reader asleep in wait_for_change on the futex word `word`
// (segment_reader::futex_word()), in any process: for a thread that has other
// news for a sleeping reader (a message in its mailbox). A stale or null
// pointer is harmless (the kernel answers EFAULT, or wakes nobody).
void wake_waiters(const std::uint32_t* word);

class segment_reader;

struct attach_result {
  attach_status status = attach_status::system_error;
  std::string error; // empty when attached
  std::unique_ptr<segment_reader> reader;
};

// Maps `name` read-only and validates it. not_ready and not_found are worth
// retrying later; the other failures are not. With reader_access::waiter it
// also maps the header page writable (the segment must be writable by us),
// so that wait_for_change can announce itself.
attach_result attach_reader(const std::string& name,
                            reader_access access = reader_access::read_only);

// A read-only view of a segment. Thread safe (all members are const reads).
//
// Hot path: change_counter() and read(), no syscalls. Per heartbeat (or
// whatever timer the caller has) it calls health(now, stale_after): healthy
// means keep reading; writer_stopped means pause (keep the reader: a new
// writer shows up as replaced); truncated, replaced or unlinked mean drop this
// reader and attach again.
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

  // Until change_counter() != seen: spins for up to spin_ns, then (attached
  // as reader_access::waiter) sleeps on the futex for at most timeout_ns;
  // attached read-only it spins for the whole timeout instead. Returns early,
  // as woken, when another thread calls wake_waiters(futex_word()). No system
  // call if the counter moves while spinning.
  wait_result wait_for_change(std::uint64_t seen, std::int64_t spin_ns,
                              std::int64_t timeout_ns) const;
  // The futex word wait_for_change sleeps on, for wake_waiters().
  const std::uint32_t* futex_word() const;
  bool can_wait() const { return waiter_header_ != nullptr; }

  // Consistent copy of `slot`; returns the number of retries. Throws
  // std::out_of_range, or segment_error naming the segment if the slot holds
  // no data (the segment was truncated or wiped under us: never zeros as
  // prices) or stays mid-write because its writer died during the write.
  // Costs one compare more than a bare seqlock read. The top of book only:
  // never copies (or touches) the depth.
  std::uint32_t read(std::uint32_t slot, slot_entry& out) const;

  // As read(slot, out), with the depth of the same update.
  std::uint32_t read(std::uint32_t slot, slot_entry& out,
                     book_depth& depth) const;

  std::int64_t heartbeat_ns() const;
  std::int32_t writer_pid() const; // informative only: liveness is the lock
  std::uint64_t writer_incarnation() const;
  // Heartbeat within `stale_after_ns` of `now_ns` (and not 0 = closed), and a
  // process holds the segment's owner lock. One syscall.
  bool writer_alive(std::int64_t now_ns, std::int64_t stale_after_ns) const;
  // The segment is intact and the name still refers to it (false once it was
  // truncated, or the writer unlinked it, or a new writer replaced it). A few
  // syscalls: not for hot loops.
  bool is_current() const;
  // In order: truncated, unlinked / replaced, writer_stopped, healthy. A few
  // syscalls: call it per heartbeat, not per read.
  segment_health health(std::int64_t now_ns, std::int64_t stale_after_ns) const;
  // One line naming the segment.
  std::string describe(segment_health health) const;

private:
  friend attach_result attach_reader(const std::string& name, reader_access access);
  segment_reader() = default;
  segment_health mapping_health() const; // truncated / unlinked / replaced / healthy
  bool writer_lock_held() const;
  [[noreturn]] void throw_no_data(std::uint32_t slot) const;
  std::uint32_t read_slot(std::uint32_t slot, slot_entry& out,
                          book_depth* depth) const;

  std::string name_;
  std::vector<std::string> symbols_;
  std::map<std::string, int, std::less<>> index_;
  int fd_ = -1; // kept for fstat and the owner-lock query
  int mapping_ = -1; // index in the SIGBUS registry
  const void* base_ = nullptr;
  std::size_t size_ = 0;
  const segment_header* header_ = nullptr;
  // reader_access::waiter: the header page mapped writable, for the waiters word.
  segment_header* waiter_header_ = nullptr;
  int waiter_mapping_ = -1; // its index in the SIGBUS registry
  const book_slot* slots_ = nullptr;
  std::uint32_t slot_count_ = 0;
  std::uint64_t dev_ = 0;
  std::uint64_t ino_ = 0;
  std::uint64_t incarnation_ = 0;
};

} // namespace trading::shm
