#include "shm/book_segment.hpp"
#include "shm/shm_file.hpp"

#include "messages/names.hpp"

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <functional>
#include <new>
#include <random>
#include <thread>

#include <climits>

#include <fcntl.h>
#include <linux/futex.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

namespace trading::shm {

namespace {

// -- small helpers -----------------------------------------------------------

std::string seg(const std::string& name) {
  return "shm segment " + name;
}

// `s` with control characters (NUL included) shown as \xNN.
std::string printable(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

std::string errno_text(int err) {
  return std::strerror(err);
}

[[noreturn]] void fail(const std::string& name, const std::string& what,
                       int err) {
  throw segment_error(seg(name) + ": " + what + ": " + errno_text(err));
}

// Closes a descriptor on scope exit.
struct fd_guard {
  int fd;
  ~fd_guard() {
    if (fd >= 0)
      ::close(fd);
  }
};

// Result of stat(NAME) against the inode (dev, ino).
enum class name_state { ours, other, gone, error };

name_state name_refers_to(const std::string& name, std::uint64_t dev,
                          std::uint64_t ino) {
  struct stat st {};
  if (::stat(shm_path(name).c_str(), &st) != 0)
    return errno == ENOENT ? name_state::gone : name_state::error;
  return static_cast<std::uint64_t>(st.st_dev) == dev
             && static_cast<std::uint64_t>(st.st_ino) == ino
           ? name_state::ours
           : name_state::other;
}

// -- ownership locks (see shm_file.hpp) -------------------------------------

constexpr off_t owner_byte = 0;    // held by the live writer for its life
constexpr off_t takeover_byte = 1; // held while replacing a dead writer's file

// -- SIGBUS protection of mapped segments ------------------------------------
//
// A fixed table, read by the signal handler: no allocation, no locks, only
// lock-free atomics. A slot is free (0), being filled (1) or active (2).

constexpr std::size_t max_mappings = 128;

struct mapping_entry {
  std::atomic<int> state{0};
  std::atomic<std::uintptr_t> start{0};
  std::atomic<std::size_t> length{0};
  std::atomic<int> prot{0};
  std::atomic<bool> lost{false};
};

static_assert(std::atomic<int>::is_always_lock_free);
static_assert(std::atomic<bool>::is_always_lock_free);
static_assert(std::atomic<std::uintptr_t>::is_always_lock_free);
static_assert(std::atomic<std::size_t>::is_always_lock_free);

mapping_entry mappings[max_mappings];
struct sigaction previous_sigbus {};

extern "C" void on_sigbus(int sig, siginfo_t* info, void* context) {
  const int saved_errno = errno;
  const auto addr = reinterpret_cast<std::uintptr_t>(info->si_addr);
  bool ours = false;
  for (auto& m : mappings) {
    if (m.state.load(std::memory_order_acquire) != 2)
      continue;
    const auto start = m.start.load(std::memory_order_relaxed);
    const auto length = m.length.load(std::memory_order_relaxed);
    if (addr < start || addr - start >= length)
      continue;
    // Zero pages over the whole mapping: the faulting access retries on them.
    // mmap is a plain system call on Linux, safe here in practice.
    void* p = ::mmap(reinterpret_cast<void*>(start), length,
                     m.prot.load(std::memory_order_relaxed),
                     MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p != MAP_FAILED) {
      m.lost.store(true, std::memory_order_release);
      ours = true;
    }
    break;
  }
  errno = saved_errno;
  if (ours)
    return;
  // Not ours: behave as if we had never been installed.
  if (previous_sigbus.sa_flags & SA_SIGINFO) {
    if (previous_sigbus.sa_sigaction != nullptr) {
      previous_sigbus.sa_sigaction(sig, info, context);
      return;
    }
  } else if (previous_sigbus.sa_handler != SIG_DFL
             && previous_sigbus.sa_handler != SIG_IGN) {
    previous_sigbus.sa_handler(sig);
    return;
  } else if (previous_sigbus.sa_handler == SIG_IGN && info->si_code <= 0) {
    return; // sent by kill(): ignored, as before
  }
  // Default action: die by SIGBUS. Pending until this handler returns (the
  // signal is blocked inside it); a fault would also simply recur.
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  sigemptyset(&dfl.sa_mask);
  ::sigaction(SIGBUS, &dfl, nullptr);
  ::raise(SIGBUS);
}

void install_sigbus_handler() {
  static std::once_flag once;
  std::call_once(once, [] {
    struct sigaction sa {};
    sa.sa_sigaction = on_sigbus;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESTART;
    sigemptyset(&sa.sa_mask);
    ::sigaction(SIGBUS, &sa, &previous_sigbus);
  });
}

// Index of the new entry, -1 if the table is full.
int register_mapping(void* start, std::size_t length, int prot) {
  install_sigbus_handler();
  for (std::size_t i = 0; i < max_mappings; ++i) {
    int expected = 0;
    if (!mappings[i].state.compare_exchange_strong(expected, 1,
                                                   std::memory_order_acq_rel))
      continue;
    mappings[i].start.store(reinterpret_cast<std::uintptr_t>(start),
                            std::memory_order_relaxed);
    mappings[i].length.store(length, std::memory_order_relaxed);
    mappings[i].prot.store(prot, std::memory_order_relaxed);
    mappings[i].lost.store(false, std::memory_order_relaxed);
    mappings[i].state.store(2, std::memory_order_release);
    return static_cast<int>(i);
  }
  return -1;
}

// Before munmap: a fault after this is no longer ours.
void unregister_mapping(int index) {
  if (index >= 0)
    mappings[index].state.store(0, std::memory_order_release);
}

bool mapping_lost(int index) {
  return index >= 0 && mappings[index].lost.load(std::memory_order_acquire);
}

// What became of a mapped segment since it was mapped: truncated (SIGBUS,
// shrunk, or shrunk and regrown into zeros), its name now another file's
// (replaced) or nobody's (unlinked). `if_unsure`: when the name cannot be
// looked up.
segment_health mapped_health(int mapping, int fd, std::size_t size,
                             const segment_header& header, std::uint64_t incarnation,
                             const std::string& name, std::uint64_t dev,
                             std::uint64_t ino, segment_health if_unsure) {
  if (mapping_lost(mapping))
    return segment_health::truncated;
  struct stat st {};
  if (::fstat(fd, &st) != 0 || static_cast<std::size_t>(st.st_size) < size)
    return segment_health::truncated;
  if (header.magic.load(std::memory_order_relaxed) != book_magic
      || header.writer_incarnation != incarnation)
    return segment_health::truncated;
  switch (name_refers_to(name, dev, ino)) {
    case name_state::ours:
      return segment_health::healthy;
    case name_state::other:
      return segment_health::replaced;
    case name_state::gone:
      return segment_health::unlinked;
    case name_state::error:
      return if_unsure;
  }
  return segment_health::healthy;
}

// -- misc --------------------------------------------------------------------

std::uint64_t new_incarnation() {
  std::random_device rd;
  std::uint64_t x = (std::uint64_t{rd()} << 32) ^ rd();
  x ^= static_cast<std::uint64_t>(monotonic_now_ns());
  x ^= static_cast<std::uint64_t>(::getpid()) << 17;
  // splitmix64 finaliser
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  x ^= x >> 31;
  return x == 0 ? 1 : x;
}

void copy_symbol(char (&dst)[16], const std::string& symbol) {
  std::memset(dst, 0, sizeof dst);
  std::memcpy(dst, symbol.data(), symbol.size());
}

// The writer pid in an existing file's header, read with pread (no mapping, so
// no SIGBUS if it shrinks meanwhile); 0 if it is no book segment.
std::int32_t header_pid(int fd) {
  unsigned char buf[32];
  if (::pread(fd, buf, sizeof buf, 0) != static_cast<ssize_t>(sizeof buf))
    return 0;
  std::uint64_t magic;
  std::int32_t pid;
  std::memcpy(&magic, buf + offsetof(segment_header, magic), sizeof magic);
  std::memcpy(&pid, buf + offsetof(segment_header, writer_pid), sizeof pid);
  return magic == book_magic ? pid : 0;
}

std::string health_text(const std::string& name, segment_health health,
                        std::size_t expected_size, int fd) {
  switch (health) {
    case segment_health::healthy:
      return seg(name) + " is healthy";
    case segment_health::truncated: {
      std::string size = "size unknown";
      struct stat st {};
      if (fd >= 0 && ::fstat(fd, &st) == 0)
        size = "size " + std::to_string(st.st_size) + " bytes";
      return seg(name) + " was truncated or wiped under us (" + size
             + ", expected " + std::to_string(expected_size) + ")";
    }
    case segment_health::replaced:
      return seg(name) + " was replaced under us by another segment";
    case segment_health::unlinked:
      return seg(name) + " was removed under us";
    case segment_health::writer_stopped:
      return seg(name) + ": its writer stopped (no fresh heartbeat or no "
                         "process holds the owner lock)";
  }
  return seg(name) + ": unknown health";
}

} // namespace

// -- free functions ----------------------------------------------------------

std::int64_t monotonic_now_ns() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

std::string check_segment_name(const std::string& name) {
  return shm_name_problem(name); // the one rule, shared with the config
}

// -- futex ---------------------------------------------------------------------

namespace {

// Shared (not FUTEX_PRIVATE_FLAG) futexes: the word lives in a file mapping
// that other processes map too; the kernel keys it by inode and offset.
long futex(const std::uint32_t* word, int op, std::uint32_t value,
           const struct timespec* timeout) {
  return ::syscall(SYS_futex, word, op, value, timeout, nullptr, 0);
}

const std::uint32_t* low_word(const std::atomic<std::uint64_t>& counter) {
  return reinterpret_cast<const std::uint32_t*>(&counter);
}

} // namespace

void wake_waiters(const std::uint32_t* word) {
  if (word != nullptr)
    futex(word, FUTEX_WAKE, INT_MAX, nullptr);
}

const char* to_string(wait_outcome outcome) {
  switch (outcome) {
    case wait_outcome::changed: return "changed";
    case wait_outcome::woken: return "woken";
    case wait_outcome::timed_out: return "timed_out";
  }
  return "unknown";
}

const char* to_string(attach_status status) {
  switch (status) {
    case attach_status::attached:
      return "attached";
    case attach_status::not_found:
      return "not_found";
    case attach_status::too_small:
      return "too_small";
    case attach_status::bad_magic:
      return "bad_magic";
    case attach_status::version_mismatch:
      return "version_mismatch";
    case attach_status::layout_mismatch:
      return "layout_mismatch";
    case attach_status::not_ready:
      return "not_ready";
    case attach_status::system_error:
      return "system_error";
  }
  return "unknown";
}

const char* to_string(segment_health health) {
  switch (health) {
    case segment_health::healthy:
      return "healthy";
    case segment_health::truncated:
      return "truncated";
    case segment_health::replaced:
      return "replaced";
    case segment_health::unlinked:
      return "unlinked";
    case segment_health::writer_stopped:
      return "writer_stopped";
  }
  return "unknown";
}

namespace test_hooks {
std::function<void(writer_point, const std::string& name)> writer_hook;
std::uint32_t reader_version = layout_version;
} // namespace test_hooks

namespace {

void run_hook(test_hooks::writer_point point, const std::string& name) {
  if (test_hooks::writer_hook)
    test_hooks::writer_hook(point, name);
}

} // namespace

// -- segment_writer ----------------------------------------------------------

segment_writer::segment_writer(std::string name,
                               const std::vector<std::string>& symbols)
  : name_(std::move(name)) {
  if (auto why = check_segment_name(name_); !why.empty())
    throw segment_error("shm segment name \"" + printable(name_)
                        + "\" is invalid: " + why);
  if (symbols.empty())
    throw segment_error(seg(name_) + ": no symbols given");
  if (symbols.size() > max_slots)
    throw segment_error(seg(name_) + ": " + std::to_string(symbols.size())
                        + " symbols, at most " + std::to_string(max_slots)
                        + " are supported");
  for (const auto& s : symbols) {
    if (auto why = symbol_problem(s); !why.empty())
      throw segment_error(seg(name_) + ": symbol \"" + s + "\": " + why);
    if (!index_.emplace(s, static_cast<int>(symbols_.size())).second)
      throw segment_error(seg(name_) + ": symbol \"" + s + "\" given twice");
    symbols_.push_back(s);
  }

  // 1. Build the whole segment under a private temporary name.
  incarnation_ = new_incarnation();
  static std::atomic<unsigned> temp_counter{0};
  const std::string path = shm_path(name_);
  const std::string temp = path + ".tmp." + std::to_string(::getpid()) + "."
                           + std::to_string(temp_counter.fetch_add(1));
  size_ = segment_size(symbols_.size());
  fd_ = open_path(temp, O_CREAT | O_EXCL | O_RDWR, 0600);
  if (fd_ < 0)
    fail(name_, "creating temporary segment " + temp + " failed", errno);
  // From here on, failures undo everything; the temp name always goes.
  struct cleanup {
    segment_writer& w;
    const std::string& temp;
    bool done = false;
    ~cleanup() {
      ::unlink(temp.c_str());
      if (done)
        return;
      unregister_mapping(w.mapping_);
      if (w.base_ != nullptr)
        ::munmap(w.base_, w.size_);
      if (w.fd_ >= 0)
        ::close(w.fd_);
    }
  } undo{*this, temp};

  // The mode passed to open is filtered by the umask; pin it.
  if (::fchmod(fd_, 0600) != 0)
    fail(name_, "fchmod 0600 failed", errno);
  if (::ftruncate(fd_, static_cast<off_t>(size_)) != 0)
    fail(name_, "ftruncate to " + std::to_string(size_) + " bytes failed",
         errno);
  struct stat st {};
  if (::fstat(fd_, &st) != 0)
    fail(name_, "fstat failed", errno);
  dev_ = static_cast<std::uint64_t>(st.st_dev);
  ino_ = static_cast<std::uint64_t>(st.st_ino);
  void* p = ::mmap(nullptr, size_, PROT_READ | PROT_WRITE, MAP_SHARED, fd_, 0);
  if (p == MAP_FAILED)
    fail(name_, "mmap of " + std::to_string(size_) + " bytes failed", errno);
  base_ = p;
  mapping_ = register_mapping(base_, size_, PROT_READ | PROT_WRITE);
  if (mapping_ < 0)
    throw segment_error(seg(name_) + ": more than "
                        + std::to_string(max_mappings)
                        + " segments mapped in this process");

  // The file is zero-filled by ftruncate; begin the objects' lifetimes.
  header_ = new (base_) segment_header();
  slots_ = reinterpret_cast<book_slot*>(static_cast<std::byte*>(base_)
                                        + header_size);
  const auto now = monotonic_now_ns();
  header_->magic.store(book_magic, std::memory_order_relaxed);
  header_->slot_count = static_cast<std::uint32_t>(symbols_.size());
  header_->slot_size = static_cast<std::uint32_t>(slot_size);
  header_->writer_pid = static_cast<std::int32_t>(::getpid());
  header_->writer_incarnation = incarnation_;
  header_->created_ns = now;
  header_->heartbeat_ns.store(now, std::memory_order_relaxed);
  header_->change_counter.store(0, std::memory_order_relaxed);
  header_->waiters.store(0, std::memory_order_relaxed);
  for (std::size_t i = 0; i < symbols_.size(); ++i) {
    auto* slot = new (&slots_[i]) book_slot();
    slot_entry e{};
    copy_symbol(e.symbol, symbols_[i]);
    e.written_ns = now;
    slot->lock.store(e);
  }
  // Last: release-store publishes everything above to readers that
  // acquire-load the version.
  header_->layout_version.store(layout_version, std::memory_order_release);
  if (mapping_lost(mapping_))
    throw segment_error(seg(name_) + ": temporary segment " + temp
                        + " was truncated while being built");

  // 2. Own it: the owner lock is ours for the writer's whole life.
  if (!try_lock_byte(fd_, owner_byte))
    fail(name_, "taking the owner lock failed", errno);

  // 3. Publish: link to a free name, or rename over a dead writer's segment.
  for (int attempt = 0;; ++attempt) {
    if (attempt == 8)
      throw segment_error(seg(name_)
                          + ": name keeps changing under us (other writers?)");
    run_hook(test_hooks::writer_point::before_link, name_);
    if (::link(temp.c_str(), path.c_str()) == 0)
      break;
    if (errno != EEXIST)
      fail(name_, "link(2) to publish the segment failed", errno);
    fd_guard existing{open_path(path, O_RDWR)};
    if (existing.fd < 0) {
      if (errno == ENOENT)
        continue; // gone meanwhile: try the free name again
      fail(name_, "exists but cannot be opened to check its writer", errno);
    }
    if (!try_lock_byte(existing.fd, takeover_byte)) {
      if (errno == EAGAIN || errno == EACCES)
        throw segment_error(seg(name_) + " is being taken over by another "
                                         "writer right now");
      fail(name_, "taking the take-over lock failed", errno);
    }
    const int owned = byte_locked(existing.fd, owner_byte);
    if (owned < 0)
      fail(name_, "querying the owner lock failed", errno);
    if (owned == 1) {
      const auto pid = header_pid(existing.fd);
      throw segment_error(seg(name_) + " is in use by live writer "
                          + (pid > 0 ? "pid " + std::to_string(pid)
                                     : std::string{"(pid unknown)"}));
    }
    // Dead owner (or garbage). Still the file under the name?
    struct stat locked {};
    if (::fstat(existing.fd, &locked) != 0)
      fail(name_, "fstat of existing segment failed", errno);
    if (name_refers_to(name_, static_cast<std::uint64_t>(locked.st_dev),
                       static_cast<std::uint64_t>(locked.st_ino))
        != name_state::ours)
      continue; // someone replaced or removed it first: look again
    run_hook(test_hooks::writer_point::before_replace, name_);
    if (::rename(temp.c_str(), path.c_str()) != 0)
      fail(name_, "rename(2) over the stale segment failed", errno);
    replaced_stale_ = true;
    break;
  }
  undo.done = true;
}

segment_writer::~segment_writer() {
  // Tell readers still mapping this segment that the writer is gone.
  header_->heartbeat_ns.store(0, std::memory_order_release);
  // Only while we hold the owner lock: nobody else may replace the name then.
  if (name_refers_to(name_, dev_, ino_) == name_state::ours)
    ::unlink(shm_path(name_).c_str());
  unregister_mapping(mapping_);
  ::munmap(base_, size_);
  ::close(fd_); // drops the owner lock
}

int segment_writer::slot_of(std::string_view symbol) const {
  auto i = index_.find(symbol);
  return i == index_.end() ? -1 : i->second;
}

void segment_writer::write(std::uint32_t slot, const slot_entry& entry,
                           const book_depth& depth) {
  stage(slot, entry, depth);
  publish();
}

void segment_writer::stage(std::uint32_t slot, const slot_entry& entry,
                           const book_depth& depth) {
  if (slot >= symbols_.size())
    throw std::out_of_range(seg(name_) + ": slot " + std::to_string(slot)
                            + " out of range (slot count "
                            + std::to_string(symbols_.size()) + ")");
  slot_entry e = entry;
  copy_symbol(e.symbol, symbols_[slot]);
  if (e.written_ns == 0)
    e.written_ns = 1; // 0 is what a zeroed (truncated) slot reads as
  std::uint64_t tail[depth_words];
  std::memcpy(tail, &depth, sizeof tail);
  slots_[slot].lock.store(e, slots_[slot].depth, tail, depth_words);
  staged_ = true;
}

void segment_writer::publish() {
  if (!staged_)
    return;
  staged_ = false;
  // (1) seq_cst RMW then (2) seq_cst load of waiters: paired with the reader's
  // (3) and (4) in wait_for_change, one of us sees the other's store. On x86
  // this costs what a release RMW costs (a locked add and a plain load).
  header_->change_counter.fetch_add(1, std::memory_order_seq_cst);
  if (header_->waiters.load(std::memory_order_seq_cst) != 0) {
    ++wakes_sent_;
    wake_waiters(low_word(header_->change_counter));
  }
}

std::uint32_t segment_writer::waiting_readers() const {
  return header_->waiters.load(std::memory_order_relaxed);
}

segment_health segment_writer::heartbeat(std::int64_t now_ns) {
  const auto h = health();
  header_->heartbeat_ns.store(h == segment_health::healthy ? now_ns : 0,
                              std::memory_order_release);
  return h;
}

segment_health segment_writer::health() const {
  // The writer's own name lookup failing is no reason to stop writing.
  return mapped_health(mapping_, fd_, size_, *header_, incarnation_, name_, dev_, ino_,
                       segment_health::healthy);
}

std::string segment_writer::describe(segment_health health) const {
  return health_text(name_, health, size_, fd_);
}

std::uint64_t segment_writer::change_counter() const {
  return header_->change_counter.load(std::memory_order_relaxed);
}

std::uint32_t segment_writer::slot_count() const {
  return static_cast<std::uint32_t>(symbols_.size());
}

// -- attach ------------------------------------------------------------------

attach_result attach_reader(const std::string& name, reader_access access) {
  attach_result r;
  auto failed = [&](attach_status status, std::string error) {
    r.status = status;
    r.error = std::move(error);
    return std::move(r);
  };
  if (auto why = check_segment_name(name); !why.empty())
    return failed(attach_status::system_error,
                  "shm segment name \"" + printable(name)
                    + "\" is invalid: " + why);

  std::unique_ptr<segment_reader> reader{new segment_reader()};
  reader->name_ = name;
  const bool waiter = access == reader_access::waiter;
  reader->fd_ = open_path(shm_path(name), waiter ? O_RDWR : O_RDONLY);
  if (reader->fd_ < 0) {
    if (errno == ENOENT)
      return failed(attach_status::not_found,
                    seg(name) + " does not exist (is the book writer running?)");
    return failed(attach_status::system_error,
                  seg(name) + ": open failed: " + errno_text(errno));
  }
  struct stat st {};
  if (::fstat(reader->fd_, &st) != 0)
    return failed(attach_status::system_error,
                  seg(name) + ": fstat failed: " + errno_text(errno));
  const auto size = static_cast<std::size_t>(st.st_size);
  if (size < header_size)
    return failed(attach_status::too_small,
                  seg(name) + " is " + std::to_string(size)
                    + " bytes, smaller than the "
                    + std::to_string(header_size) + "-byte header");
  void* p = ::mmap(nullptr, size, PROT_READ, MAP_SHARED, reader->fd_, 0);
  if (p == MAP_FAILED)
    return failed(attach_status::system_error,
                  seg(name) + ": mmap failed: " + errno_text(errno));
  reader->base_ = p;
  reader->size_ = size;
  reader->mapping_ = register_mapping(p, size, PROT_READ);
  if (reader->mapping_ < 0)
    return failed(attach_status::system_error,
                  seg(name) + ": more than " + std::to_string(max_mappings)
                    + " segments mapped in this process");
  reader->dev_ = static_cast<std::uint64_t>(st.st_dev);
  reader->ino_ = static_cast<std::uint64_t>(st.st_ino);
  const auto* h = static_cast<const segment_header*>(p);
  reader->header_ = h;
  auto shrank = [&] {
    return failed(attach_status::too_small,
                  seg(name) + " shrank while we attached to it");
  };

  // (1) acquire-load of the version synchronizes-with the writer's
  // release-store, which it makes after initialising everything else.
  const auto version = h->layout_version.load(std::memory_order_acquire);
  const auto magic = h->magic.load(std::memory_order_relaxed);
  if (mapping_lost(reader->mapping_))
    return shrank();
  if (magic != book_magic) {
    if (magic == 0 && version == 0)
      return failed(attach_status::not_ready,
                    seg(name) + " is not initialised yet (writer starting?)");
    char buf[32];
    std::snprintf(buf, sizeof buf, "0x%016llx",
                  static_cast<unsigned long long>(magic));
    return failed(attach_status::bad_magic,
                  seg(name) + " is not a book segment (magic " + buf
                    + ", expected book magic)");
  }
  if (version == 0)
    return failed(attach_status::not_ready,
                  seg(name) + " is not initialised yet (writer starting?)");
  const auto readable = test_hooks::reader_version;
  if (version != readable)
    return failed(attach_status::version_mismatch,
                  seg(name) + " has layout version " + std::to_string(version)
                    + ", this build reads version " + std::to_string(readable));
  if (h->slot_size != slot_size)
    return failed(attach_status::layout_mismatch,
                  seg(name) + " has slot size " + std::to_string(h->slot_size)
                    + ", this build expects " + std::to_string(slot_size));
  if (h->slot_count == 0 || h->slot_count > max_slots)
    return failed(attach_status::layout_mismatch,
                  seg(name) + " has slot count "
                    + std::to_string(h->slot_count) + ", expected 1.."
                    + std::to_string(max_slots));
  const auto expected = segment_size(h->slot_count);
  if (size < expected)
    return failed(attach_status::too_small,
                  seg(name) + " is " + std::to_string(size) + " bytes, "
                    + std::to_string(h->slot_count) + " slots need "
                    + std::to_string(expected));
  if (size > expected)
    return failed(attach_status::layout_mismatch,
                  seg(name) + " is " + std::to_string(size) + " bytes, "
                    + std::to_string(h->slot_count) + " slots need exactly "
                    + std::to_string(expected));

  if (waiter) {
    // Only the header page is writable, and only the waiters word is written.
    void* w = ::mmap(nullptr, header_size, PROT_READ | PROT_WRITE, MAP_SHARED,
                     reader->fd_, 0);
    if (w == MAP_FAILED)
      return failed(attach_status::system_error,
                    seg(name) + ": mmap of the header for waiting failed: "
                      + errno_text(errno));
    reader->waiter_header_ = static_cast<segment_header*>(w);
    reader->waiter_mapping_ = register_mapping(w, header_size, PROT_READ | PROT_WRITE);
    if (reader->waiter_mapping_ < 0)
      return failed(attach_status::system_error,
                    seg(name) + ": more than " + std::to_string(max_mappings)
                      + " segments mapped in this process");
  }
  reader->slot_count_ = h->slot_count;
  reader->incarnation_ = h->writer_incarnation;
  reader->slots_ = reinterpret_cast<const book_slot*>(
    static_cast<const std::byte*>(p) + header_size);
  // Symbols never change after initialisation (the writer forces each slot's
  // symbol on every write), so the symbol words are read directly: even a
  // torn copy holds the right name, and a slot left mid-write cannot block.
  for (std::uint32_t i = 0; i < reader->slot_count_; ++i) {
    std::uint64_t words[2];
    words[0] = reader->slots_[i].lock.words[0].load(std::memory_order_relaxed);
    words[1] = reader->slots_[i].lock.words[1].load(std::memory_order_relaxed);
    char sym[17] = {};
    std::memcpy(sym, words, 16);
    std::string s{sym};
    if (s.empty()) {
      if (mapping_lost(reader->mapping_))
        return shrank();
      return failed(attach_status::layout_mismatch,
                    seg(name) + ": slot " + std::to_string(i)
                      + " has no symbol");
    }
    reader->index_.emplace(s, static_cast<int>(i));
    reader->symbols_.push_back(std::move(s));
  }
  if (mapping_lost(reader->mapping_))
    return shrank();
  r.status = attach_status::attached;
  r.reader = std::move(reader);
  return r;
}

// -- segment_reader ----------------------------------------------------------

segment_reader::~segment_reader() {
  unregister_mapping(waiter_mapping_);
  if (waiter_header_ != nullptr)
    ::munmap(waiter_header_, header_size);
  unregister_mapping(mapping_);
  if (base_ != nullptr)
    ::munmap(const_cast<void*>(base_), size_);
  if (fd_ >= 0)
    ::close(fd_);
}

int segment_reader::slot_of(std::string_view symbol) const {
  auto i = index_.find(symbol);
  return i == index_.end() ? -1 : i->second;
}

std::string segment_reader::symbol_at(std::uint32_t slot) const {
  if (slot >= slot_count_)
    throw std::out_of_range(seg(name_) + ": slot " + std::to_string(slot)
                            + " out of range (slot count "
                            + std::to_string(slot_count_) + ")");
  return symbols_[slot];
}

std::uint64_t segment_reader::change_counter() const {
  return header_->change_counter.load(std::memory_order_acquire);
}

const std::uint32_t* segment_reader::futex_word() const {
  // The writable mapping when we have one: the same futex (the kernel keys a
  // shared futex by inode and offset), without relying on FUTEX_WAIT accepting
  // a read-only page.
  return low_word(waiter_header_ != nullptr ? waiter_header_->change_counter
                                            : header_->change_counter);
}

wait_result segment_reader::wait_for_change(std::uint64_t seen, std::int64_t spin_ns,
                                            std::int64_t timeout_ns) const {
  auto now = monotonic_now_ns();
  const auto spin_until = now + spin_ns;
  const auto deadline = now + timeout_ns;
  for (std::uint32_t i = 0;; ++i) {
    auto counter = change_counter();
    if (counter != seen)
      return {wait_outcome::changed, counter};
    // The clock only every 64 reads: a read is a few ns, the clock ~20.
    if (i % 64 == 63) {
      now = monotonic_now_ns();
      if (now >= deadline)
        return {wait_outcome::timed_out, counter};
      if (now >= spin_until && waiter_header_ != nullptr)
        break;
    }
  }
  auto& waiters = waiter_header_->waiters;
  // (3) seq_cst RMW, then (4) seq_cst re-read of the counter: see write().
  waiters.fetch_add(1, std::memory_order_seq_cst);
  auto counter = header_->change_counter.load(std::memory_order_seq_cst);
  auto outcome = wait_outcome::changed;
  if (counter == seen) {
    const auto left = std::max<std::int64_t>(deadline - now, 0);
    struct timespec ts {};
    ts.tv_sec = static_cast<time_t>(left / 1'000'000'000);
    ts.tv_nsec = static_cast<long>(left % 1'000'000'000);
    // The kernel sleeps only while the word still holds `seen`'s low half.
    const long rc = futex(futex_word(), FUTEX_WAIT, static_cast<std::uint32_t>(seen), &ts);
    const int err = rc == 0 ? 0 : errno;
    counter = change_counter();
    if (counter != seen)
      outcome = wait_outcome::changed;
    else if (err == ETIMEDOUT)
      outcome = wait_outcome::timed_out;
    else
      outcome = wait_outcome::woken; // a wake without a change, EINTR, EAGAIN
  }
  waiters.fetch_sub(1, std::memory_order_release);
  return {outcome, counter};
}

// One body for both reads; inlined into each with `depth` known (the TU
// sees it first), so the top-only read carries no tail loop.
std::uint32_t segment_reader::read_slot(std::uint32_t slot,
                                               slot_entry& out,
                                               book_depth* depth) const {
  if (slot >= slot_count_)
    throw std::out_of_range(seg(name_) + ": slot " + std::to_string(slot)
                            + " out of range (slot count "
                            + std::to_string(slot_count_) + ")");
  const auto& lock = slots_[slot].lock;
  std::uint32_t retries = 0;
  std::uint64_t written_ns = 0; // the payload's last word, see below
  std::uint64_t tail[depth_words];
  auto* tail_src = depth != nullptr ? slots_[slot].depth : nullptr;
  const std::size_t tail_count = depth != nullptr ? depth_words : 0;
  while (!lock.try_load(out, written_ns, tail_src, tail, tail_count)) {
    ++retries;
    if (retries % 64 == 0)
      std::this_thread::yield();
    // A writer that died inside store() leaves the sequence odd for good.
    if (retries % (1u << 16) == 0) {
      if (mapping_lost(mapping_))
        throw_no_data(slot);
      if (!writer_lock_held())
        throw segment_error(seg(name_) + ": slot " + std::to_string(slot)
                            + " is stuck mid-write and no writer holds the "
                              "segment (writer pid "
                            + std::to_string(header_->writer_pid) + " died)");
    }
  }
  // A published slot never has written_ns 0; a truncation zeroes a suffix of
  // the file, so any cut at or before the end of this slot's top of book
  // zeroes its last word (a cut inside the depth alone reads as empty levels
  // until health() reports the truncation).
  // Tested from the seqlock's local copy, not reloaded from `out`.
  static_assert(offsetof(slot_entry, written_ns) + sizeof(std::int64_t)
                == sizeof(slot_entry));
  if (written_ns == 0)
    throw_no_data(slot);
  if (depth != nullptr)
    std::memcpy(depth, tail, sizeof tail);
  return retries;
}

std::uint32_t segment_reader::read(std::uint32_t slot, slot_entry& out) const {
  return read_slot(slot, out, nullptr);
}

std::uint32_t segment_reader::read(std::uint32_t slot, slot_entry& out,
                                   book_depth& depth) const {
  return read_slot(slot, out, &depth);
}

void segment_reader::throw_no_data(std::uint32_t slot) const {
  throw segment_error(seg(name_) + ": slot " + std::to_string(slot)
                      + " holds no data: the segment was truncated or wiped "
                        "under us");
}

std::int64_t segment_reader::heartbeat_ns() const {
  return header_->heartbeat_ns.load(std::memory_order_acquire);
}

std::int32_t segment_reader::writer_pid() const {
  return header_->writer_pid;
}

std::uint64_t segment_reader::writer_incarnation() const {
  return header_->writer_incarnation;
}

bool segment_reader::writer_lock_held() const {
  return byte_locked(fd_, owner_byte) == 1;
}

bool segment_reader::writer_alive(std::int64_t now_ns,
                                  std::int64_t stale_after_ns) const {
  const auto hb = heartbeat_ns();
  if (hb <= 0 || now_ns - hb > stale_after_ns)
    return false;
  return writer_lock_held();
}

segment_health segment_reader::mapping_health() const {
  return mapped_health(mapping_, fd_, size_, *header_, incarnation_, name_, dev_, ino_,
                       segment_health::unlinked);
}

bool segment_reader::is_current() const {
  return mapping_health() == segment_health::healthy;
}

segment_health segment_reader::health(std::int64_t now_ns,
                                      std::int64_t stale_after_ns) const {
  if (auto h = mapping_health(); h != segment_health::healthy)
    return h;
  return writer_alive(now_ns, stale_after_ns) ? segment_health::healthy
                                              : segment_health::writer_stopped;
}

std::string segment_reader::describe(segment_health health) const {
  return health_text(name_, health, size_, fd_);
}

} // namespace trading::shm
