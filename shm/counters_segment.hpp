#pragma once

// A node's counters segment, after Aeron's CnC file: one small POSIX shm
// segment per node process, named /trading_stat.<node name>.<pid>, written by
// one thread of that node (its counters publisher) and mapped read-only by
// trading_stat and by the dashboards of every node on the host. No CAF.
//
// Segment layout (offsets in bytes; regions start on 64-byte lines):
//
//   +----------------------------+  0
//   |  header                    |     cold fields, then heartbeat on its line
//   +----------------------------+  512
//   |  counters[128]             |     64 bytes each: value + kind + label
//   +----------------------------+  8704
//   |  histograms[2]             |     64-byte name line + 128 bucket counts
//   +----------------------------+  10880
//   |  event head                |     number of events published (u64)
//   +----------------------------+  10944
//   |  events[512]               |     64 bytes each: a seqlock over one event
//   +----------------------------+  43712 (segment size)
//
// Header (counters_header):
//
//    0                   1                   2                   3
//    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |                   Magic ("TRDSTAT\0" as u64)                  |  0
//   |                                                               |
//   +---------------------------------------------------------------+
//   |      Layout Version (written last, release; 0 = not ready)    |  8
//   +---------------------------------------------------------------+
//   |                        Segment Size                           |  12
//   +---------------------------------------------------------------+
//   |                         Writer PID                            |  16
//   +---------------------------------------------------------------+
//   |                 Counter Count (<= 128, fixed at start)        |  20
//   +---------------------------------------------------------------+
//   |                         Symbol Count                          |  24
//   +---------------------------------------------------------------+
//   |                 State (1 running, 2 exited cleanly)           |  28
//   +---------------------------------------------------------------+
//   |                 Started (CLOCK_REALTIME ns, i64)              |  32
//   |                                                               |
//   +---------------------------------------------------------------+
//   |             Publish Interval (ns, i64: heartbeat period)     |  40
//   |                                                               |
//   +---------------------------------------------------------------+
//   |                        Padding to 64                         ...  48
//   +---------------------------------------------------------------+
//   |           Heartbeat (CLOCK_MONOTONIC ns, i64, release)       |  64
//   |                                                               |
//   +---------------------------------------------------------------+
//   |                        Padding to 128                        ...  72
//   +---------------------------------------------------------------+
//   |                Node Name (NUL-terminated, 64 bytes)          ...  128
//   +---------------------------------------------------------------+
//   |      Dashboard URL (NUL-terminated, 64 bytes; "" = none)     ...  192
//   +---------------------------------------------------------------+
//   |            Symbols (16 x 16 bytes, NUL-terminated)           ...  256
//   +---------------------------------------------------------------+
//
// Counter (counter_slot, 64 bytes, one cache line):
//
//   +---------------------------------------------------------------+
//   |        Value (u64; a gauge or price is an i64 in the bits)    |  0
//   |                                                               |
//   +---------------------------------------------------------------+
//   |      Kind (1 counter: has a rate, 2 gauge, 3 price: 1e-4)     |  8
//   +---------------------------------------------------------------+
//   |                        Padding                                |  12
//   +---------------------------------------------------------------+
//   |        Group (16 bytes, e.g. "oms"; the stats line's word)   ...  16
//   +---------------------------------------------------------------+
//   |        Name (32 bytes, e.g. "fills": as the stats line says) ...  32
//   +---------------------------------------------------------------+
//
// Histogram (histogram_block): a 64-byte line holding its name (e.g.
// "tick_to_trade_ns"), then 128 u64 bucket counts. Bucket i (quarter octaves)
// counts values v with live_bucket_index(v) == i: i = 0..7 exact (v < 8; values
// below 0 count as 0); otherwise with m = floor(log2 v), i = 4*m + the two bits
// of v below its top bit, clamped to 127 (so bucket 127 holds v >= 7 * 2^29);
// buckets 8..11 stay empty. live_bucket_lower(i) is the smallest value in
// bucket i (i != 8..11).
//
// Event (event_slot = seqlock_slot<live_event> + padding to 64): the node's
// recent prices, orders, fills and rejects, a ring of 512. The writer stores
// event k (k = 1, 2, ...) in slot k % 512 under the slot's seqlock, then
// head = k (release). A reader takes head (acquire) and, for each k it wants
// in (head - 512, head], accepts the slot's copy only if it is consistent and
// carries seq == k (else it was overwritten: skipped).
//
// Protocol:
// - The writer creates the segment O_CREAT|O_EXCL, mode 0600, zero-filled,
//   writes every cold field and every counter's kind and label, stores the
//   version last (release), and holds an OFD write lock on byte 0 for its
//   whole life (shm_file.hpp). A reader acquires the version: 0 means "not
//   ready yet", another number is refused as another layout.
// - Values are single 64-bit atomic words stored by one writer thread
//   (relaxed): a reader never sees a torn value. A reader of several values
//   sees each as of some moment; the heartbeat (release after a publish
//   round) and the event ring's seqlocks give the order where it matters.
// - The writer stores state = exited on a clean exit, then unlinks the name.
//   A reader calls the writer dead when the owner lock is free (the kernel
//   dropped it: the process died) and hung when the lock is held but the
//   heartbeat is older than stale_after_ns.
// - A name left behind by a dead writer (kill -9) stays until someone removes
//   it: `trading_stat --clean` removes every segment whose owner lock is free.

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "shm/seqlock.hpp"

namespace trading::shm {

// -- constants ------------------------------------------------------------------

constexpr std::uint64_t counters_magic = 0x0054415453445254ull; // "TRDSTAT\0" LE
constexpr std::uint32_t counters_layout_version = 1;
constexpr std::uint32_t max_counters = 128;
constexpr std::uint32_t max_histograms = 2;
constexpr std::uint32_t histogram_buckets = 128;
constexpr std::uint32_t event_capacity = 512;
constexpr std::uint32_t max_symbols = 16;
constexpr std::size_t label_group_size = 16;
constexpr std::size_t label_name_size = 32;
constexpr std::size_t symbol_size = 16;
/// Every segment's name starts so: trading_stat lists /dev/shm by it.
constexpr std::string_view counters_prefix = "/trading_stat.";

enum class counter_kind : std::uint32_t { counter = 1, gauge = 2, price = 3 };

enum class event_kind : std::uint32_t { price = 1, order = 2, fill = 3, reject = 4 };

// -- histogram buckets ----------------------------------------------------------

constexpr std::uint32_t live_bucket_index(std::int64_t v) noexcept {
  if (v < 8)
    return v < 0 ? 0 : static_cast<std::uint32_t>(v);
  auto u = static_cast<std::uint64_t>(v);
  int msb = 63 - __builtin_clzll(u);
  auto i = 4 * static_cast<std::uint64_t>(msb) + ((u >> (msb - 2)) & 3u);
  return i >= histogram_buckets ? histogram_buckets - 1 : static_cast<std::uint32_t>(i);
}

constexpr std::int64_t live_bucket_lower(std::uint32_t i) noexcept {
  if (i < 8)
    return i;
  auto msb = static_cast<int>(i / 4);
  return static_cast<std::int64_t>(4 + i % 4) << (msb - 2);
}

static_assert(live_bucket_index(7) == 7 && live_bucket_index(8) == 12);
static_assert(live_bucket_lower(live_bucket_index(1000)) <= 1000
              && live_bucket_lower(live_bucket_index(1000) + 1) > 1000);
static_assert(live_bucket_lower(12) == 8 && live_bucket_lower(13) == 10);

/// Buckets counted by one writer thread, read by another (relaxed words: never
/// torn). An actor records into this beside its exact histogram; the
/// publisher copies it into the segment.
struct live_histogram {
  std::array<std::atomic<std::uint64_t>, histogram_buckets> counts{};

  void record(std::int64_t v) noexcept {
    auto& c = counts[live_bucket_index(v)];
    c.store(c.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  }
};

// -- events ---------------------------------------------------------------------

/// A recent price, order, fill or reject. quantity is signed: + buy, - sell.
struct live_event {
  std::uint64_t seq;    // 1, 2, ... in its ring
  std::int64_t mono_ns; // CLOCK_MONOTONIC when it happened
  event_kind kind;
  std::uint32_t symbol; // index into the segment's symbols
  std::int64_t price;   // 1e-4 units: last (price), limit (order), execution (fill)
  std::int64_t quantity;
  std::int64_t value;   // price: bid; other kinds: 0
};
static_assert(sizeof(live_event) == 48 && std::is_trivially_copyable_v<live_event>);

struct alignas(64) event_slot {
  seqlock_slot<live_event> lock;
  std::byte pad_[64 - sizeof(seqlock_slot<live_event>)];
};
static_assert(sizeof(event_slot) == 64);

/// A ring of recent events, one writer thread, any number of readers (in this
/// process or, inside the segment, in others). See the protocol above.
template <std::uint32_t Capacity>
struct event_ring {
  alignas(64) std::atomic<std::uint64_t> head{0};
  event_slot slots[Capacity];

  /// Stores `e` as the next event (its seq is set here). Single writer.
  void push(live_event e) noexcept {
    auto k = head.load(std::memory_order_relaxed) + 1;
    e.seq = k;
    slots[k % Capacity].lock.store(e);
    head.store(k, std::memory_order_release);
  }

  /// Calls f(event) for each event after `after` still in the ring, oldest
  /// first; returns the head it read up to.
  template <class F>
  std::uint64_t read_since(std::uint64_t after, F&& f) const {
    auto h = head.load(std::memory_order_acquire);
    auto first = h > Capacity ? h - Capacity + 1 : 1;
    for (auto k = std::max(first, after + 1); k <= h; ++k) {
      live_event e;
      if (slots[k % Capacity].lock.try_load(e) && e.seq == k)
        f(e);
    }
    return h;
  }
};

// -- the segment's layout -------------------------------------------------------

struct counters_header {
  std::uint64_t magic;
  std::atomic<std::uint32_t> version;
  std::uint32_t size;
  std::int32_t pid;
  std::uint32_t counter_count;
  std::uint32_t symbol_count;
  std::atomic<std::uint32_t> state;
  std::int64_t started_wall_ns;
  std::int64_t interval_ns;
  std::byte pad0_[64 - 48];
  std::atomic<std::int64_t> heartbeat_ns;
  std::byte pad1_[128 - 72];
  char node_name[64];
  char dashboard_url[64];
  char symbols[max_symbols][symbol_size];
};

struct alignas(64) counter_slot {
  std::atomic<std::uint64_t> value;
  counter_kind kind;
  std::uint32_t pad_;
  char group[label_group_size];
  char name[label_name_size];
};

struct alignas(64) histogram_block {
  char name[64];
  std::atomic<std::uint64_t> counts[histogram_buckets];
};

struct counters_layout {
  counters_header header;
  counter_slot counters[max_counters];
  histogram_block histograms[max_histograms];
  event_ring<event_capacity> events;
};

static_assert(sizeof(counters_header) == 512);
static_assert(offsetof(counters_header, version) == 8);
static_assert(offsetof(counters_header, state) == 28);
static_assert(offsetof(counters_header, heartbeat_ns) == 64);
static_assert(offsetof(counters_header, node_name) == 128);
static_assert(offsetof(counters_header, symbols) == 256);
static_assert(sizeof(counter_slot) == 64 && offsetof(counter_slot, group) == 16);
static_assert(offsetof(counters_layout, counters) == 512);
static_assert(offsetof(counters_layout, histograms) == 8704);
static_assert(offsetof(counters_layout, events) == 10880);
static_assert(sizeof(counters_layout) == 43712);
static_assert(std::is_trivially_destructible_v<counters_layout>);
static_assert(std::atomic<std::uint64_t>::is_always_lock_free
              && std::atomic<std::int64_t>::is_always_lock_free
              && std::atomic<std::uint32_t>::is_always_lock_free);

constexpr std::uint32_t state_running = 1;
constexpr std::uint32_t state_exited = 2;

class counters_error : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

/// "/trading_stat.<node>.<pid>".
std::string counters_name(const std::string& node_name, int pid);

// -- writer ---------------------------------------------------------------------

/// What a counter is called and how it reads.
struct counter_label {
  std::string group;
  std::string name;
  counter_kind kind = counter_kind::counter;
};

/// Creates, fills and (on destruction) marks exited and unlinks one segment.
/// Every method is for the one writer thread; none allocates or locks.
class counters_writer {
public:
  /// Throws counters_error naming the segment and the failing call. Labels are
  /// cut to their field sizes; more than 128 counters, 2 histograms or 16
  /// symbols are refused.
  counters_writer(std::string name, const std::string& node_name,
                  const std::vector<std::string>& symbols,
                  const std::vector<counter_label>& counters,
                  const std::vector<std::string>& histograms,
                  std::int64_t interval_ns, const std::string& dashboard_url = {});
  ~counters_writer();
  counters_writer(const counters_writer&) = delete;
  counters_writer& operator=(const counters_writer&) = delete;

  void set(std::uint32_t counter, std::uint64_t value) noexcept {
    layout_->counters[counter].value.store(value, std::memory_order_relaxed);
  }
  void set_signed(std::uint32_t counter, std::int64_t value) noexcept {
    set(counter, static_cast<std::uint64_t>(value));
  }
  /// Copies a live histogram's buckets into histogram `h`.
  void set_histogram(std::uint32_t h, const live_histogram& from) noexcept;
  void push_event(const live_event& e) noexcept {
    layout_->events.push(e);
  }
  /// Ends a publish round: the heartbeat, with release.
  void heartbeat(std::int64_t mono_now_ns) noexcept {
    layout_->header.heartbeat_ns.store(mono_now_ns, std::memory_order_release);
  }
  const std::string& name() const { return name_; }

private:
  std::string name_;
  int fd_ = -1;
  counters_layout* layout_ = nullptr;
};

// -- reader ---------------------------------------------------------------------

enum class writer_status {
  live,   // owner lock held, heartbeat fresh
  hung,   // owner lock held, heartbeat stale
  exited, // the writer marked it exited (a clean exit; the name goes next)
  dead,   // owner lock free without a clean exit: the process died
};

const char* to_string(writer_status s);

/// One consistent-enough look at a segment: each value as of some moment.
struct counters_snapshot {
  std::string segment; // its shm name
  std::string node_name;
  std::string dashboard_url;
  int pid = 0;
  writer_status status = writer_status::dead;
  std::int64_t started_wall_ns = 0;
  std::int64_t heartbeat_age_ns = 0;
  std::int64_t taken_mono_ns = 0;
  std::vector<std::string> symbols;
  struct counter {
    std::string group, name;
    counter_kind kind;
    std::uint64_t value;
    std::int64_t as_signed() const { return static_cast<std::int64_t>(value); }
  };
  std::vector<counter> counters;
  struct histogram {
    std::string name;
    std::array<std::uint64_t, histogram_buckets> counts;
  };
  std::vector<histogram> histograms;
  std::vector<live_event> events; // oldest first (those still in the ring)

  /// The counter "group name", or nullptr.
  const counter* find(std::string_view group, std::string_view name) const;
};

enum class open_status { ok, missing, not_ready, foreign, error };

/// Maps one segment read-only for as long as it lives.
class counters_reader {
public:
  /// `status` says why it failed (`reason` names it); on ok the reader is usable.
  static std::unique_ptr<counters_reader> open(const std::string& name,
                                               open_status& status,
                                               std::string& reason);
  ~counters_reader();
  counters_reader(const counters_reader&) = delete;
  counters_reader& operator=(const counters_reader&) = delete;

  writer_status status(std::int64_t mono_now_ns, std::int64_t stale_after_ns) const;
  /// Copies everything; events only those after `events_after` (0: all).
  counters_snapshot snapshot(std::int64_t stale_after_ns,
                             std::uint64_t events_after = 0) const;
  const std::string& name() const { return name_; }
  int pid() const;

private:
  counters_reader() = default;
  std::string name_;
  int fd_ = -1;
  const counters_layout* layout_ = nullptr;
};

/// Names of every counters segment on this host ("/trading_stat.x.123"), sorted.
std::vector<std::string> list_counters_segments();

/// Removes `name` if its writer is gone (owner lock free). true if removed.
bool remove_if_dead(const std::string& name);

} // namespace trading::shm
