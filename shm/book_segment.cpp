#include "shm/book_segment.hpp"

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <new>
#include <random>
#include <set>
#include <thread>

#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
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

bool pid_alive(std::int32_t pid) {
  if (pid <= 0)
    return false; // kill(0 or negative) would address process groups
  return ::kill(pid, 0) == 0 || errno == EPERM;
}

// Closes a descriptor on scope exit.
struct fd_guard {
  int fd;
  ~fd_guard() {
    if (fd >= 0)
      ::close(fd);
  }
};

// True if `name` currently refers to the inode (dev, ino).
bool name_refers_to(const std::string& name, std::uint64_t dev,
                    std::uint64_t ino) {
  fd_guard g{::shm_open(name.c_str(), O_RDONLY, 0)};
  if (g.fd < 0)
    return false;
  struct stat st {};
  if (::fstat(g.fd, &st) != 0)
    return false;
  return static_cast<std::uint64_t>(st.st_dev) == dev
         && static_cast<std::uint64_t>(st.st_ino) == ino;
}

// Incarnations of the writers open in this process: lets a writer tell its own
// live segment (refuse) from one left by an earlier process that had our pid
// (replace).
std::mutex registry_mutex;
std::set<std::uint64_t>& live_incarnations() {
  static std::set<std::uint64_t> set;
  return set;
}

bool is_live_here(std::uint64_t incarnation) {
  std::lock_guard<std::mutex> lock{registry_mutex};
  return live_incarnations().count(incarnation) != 0;
}

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

// -- inspecting an existing segment (writer side) ----------------------------

struct existing_segment {
  enum kind_t { vanished, live, stale } kind;
  std::int32_t pid = 0;
};

// How long an existing but uninitialised segment is given to become ready
// before it is judged the remains of a writer that died while creating it.
constexpr auto init_grace = std::chrono::milliseconds(200);

existing_segment inspect_existing(const std::string& name) {
  const auto deadline = std::chrono::steady_clock::now() + init_grace;
  for (;;) {
    fd_guard g{::shm_open(name.c_str(), O_RDONLY, 0)};
    if (g.fd < 0) {
      if (errno == ENOENT)
        return {existing_segment::vanished};
      fail(name, "exists but cannot be opened to check its writer", errno);
    }
    struct stat st {};
    if (::fstat(g.fd, &st) != 0)
      fail(name, "fstat of existing segment failed", errno);
    if (static_cast<std::size_t>(st.st_size) >= header_size) {
      void* p = ::mmap(nullptr, header_size, PROT_READ, MAP_SHARED, g.fd, 0);
      if (p == MAP_FAILED)
        fail(name, "mmap of existing segment failed", errno);
      const auto* h = static_cast<const segment_header*>(p);
      const auto version = h->layout_version.load(std::memory_order_acquire);
      const auto magic = h->magic.load(std::memory_order_relaxed);
      const auto pid = h->writer_pid;
      const auto incarnation = h->writer_incarnation;
      ::munmap(p, header_size);
      if (magic != book_magic && magic != 0)
        return {existing_segment::stale, 0}; // garbage
      if (magic == book_magic && version != 0) {
        // Any layout version: the pid and incarnation offsets are stable.
        const bool in_use = pid == ::getpid() ? is_live_here(incarnation)
                                              : pid_alive(pid);
        return {in_use ? existing_segment::live : existing_segment::stale, pid};
      }
    }
    // Short or not yet initialised: perhaps a writer is creating it right now.
    if (std::chrono::steady_clock::now() >= deadline)
      return {existing_segment::stale, 0};
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

} // namespace

// -- free functions ----------------------------------------------------------

std::int64_t monotonic_now_ns() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

std::string check_segment_name(const std::string& name) {
  if (name.empty() || name[0] != '/')
    return "must start with '/'";
  if (name.size() < 2)
    return "must have at least one character after '/'";
  if (name.size() > max_name_length)
    return "is longer than " + std::to_string(max_name_length) + " characters";
  if (name.find('/', 1) != std::string::npos)
    return "must not contain '/' after the first character";
  if (name.find('\0') != std::string::npos)
    return "must not contain NUL characters";
  return {};
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
    if (s.empty() || s.size() > max_symbol_length
        || s.find('\0') != std::string::npos)
      throw segment_error(seg(name_) + ": symbol \"" + s
                          + "\" must be 1.." + std::to_string(max_symbol_length)
                          + " characters without NUL");
    if (!index_.emplace(s, static_cast<int>(symbols_.size())).second)
      throw segment_error(seg(name_) + ": symbol \"" + s + "\" given twice");
    symbols_.push_back(s);
  }

  // Create, replacing a stale segment if one holds the name. A few rounds in
  // case another process races us for the name.
  int fd = -1;
  for (int attempt = 0; fd < 0; ++attempt) {
    fd = ::shm_open(name_.c_str(), O_CREAT | O_EXCL | O_RDWR, 0600);
    if (fd >= 0)
      break;
    if (errno != EEXIST)
      fail(name_, "shm_open(O_CREAT|O_EXCL) failed", errno);
    if (attempt == 3)
      throw segment_error(seg(name_)
                          + ": name keeps being recreated by another process");
    auto existing = inspect_existing(name_);
    if (existing.kind == existing_segment::live)
      throw segment_error(seg(name_) + " is in use by live writer pid "
                          + std::to_string(existing.pid));
    if (existing.kind == existing_segment::stale) {
      if (::shm_unlink(name_.c_str()) != 0 && errno != ENOENT)
        fail(name_, "shm_unlink of stale segment failed", errno);
      replaced_stale_ = true;
    }
  }

  size_ = segment_size(symbols_.size());
  auto undo = [&](const std::string& what, int err) {
    if (base_ != nullptr)
      ::munmap(base_, size_);
    ::close(fd);
    ::shm_unlink(name_.c_str());
    fail(name_, what, err);
  };
  // The mode passed to shm_open is filtered by the umask; pin it.
  if (::fchmod(fd, 0600) != 0)
    undo("fchmod 0600 failed", errno);
  if (::ftruncate(fd, static_cast<off_t>(size_)) != 0)
    undo("ftruncate to " + std::to_string(size_) + " bytes failed", errno);
  struct stat st {};
  if (::fstat(fd, &st) != 0)
    undo("fstat failed", errno);
  dev_ = static_cast<std::uint64_t>(st.st_dev);
  ino_ = static_cast<std::uint64_t>(st.st_ino);
  void* p = ::mmap(nullptr, size_, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (p == MAP_FAILED)
    undo("mmap of " + std::to_string(size_) + " bytes failed", errno);
  base_ = p;
  ::close(fd);

  // The file is zero-filled by ftruncate; begin the objects' lifetimes.
  header_ = new (base_) segment_header();
  slots_ = reinterpret_cast<book_slot*>(static_cast<std::byte*>(base_)
                                        + header_size);
  incarnation_ = new_incarnation();
  const auto now = monotonic_now_ns();

  header_->magic.store(book_magic, std::memory_order_relaxed);
  header_->slot_count = static_cast<std::uint32_t>(symbols_.size());
  header_->slot_size = static_cast<std::uint32_t>(slot_size);
  header_->writer_pid = static_cast<std::int32_t>(::getpid());
  header_->writer_incarnation = incarnation_;
  header_->created_ns = now;
  header_->heartbeat_ns.store(now, std::memory_order_relaxed);
  header_->change_counter.store(0, std::memory_order_relaxed);
  for (std::size_t i = 0; i < symbols_.size(); ++i) {
    auto* slot = new (&slots_[i]) book_slot();
    book_entry e{};
    copy_symbol(e.symbol, symbols_[i]);
    e.written_ns = now;
    slot->lock.store(e);
  }
  {
    std::lock_guard<std::mutex> lock{registry_mutex};
    live_incarnations().insert(incarnation_);
  }
  // Last: release-store publishes everything above to readers that
  // acquire-load the version.
  header_->layout_version.store(layout_version, std::memory_order_release);
}

segment_writer::~segment_writer() {
  {
    std::lock_guard<std::mutex> lock{registry_mutex};
    live_incarnations().erase(incarnation_);
  }
  // Tell readers still mapping this segment that the writer is gone.
  header_->heartbeat_ns.store(0, std::memory_order_release);
  if (name_refers_to(name_, dev_, ino_))
    ::shm_unlink(name_.c_str());
  ::munmap(base_, size_);
}

int segment_writer::slot_of(std::string_view symbol) const {
  auto i = index_.find(symbol);
  return i == index_.end() ? -1 : i->second;
}

void segment_writer::write(std::uint32_t slot, const book_entry& entry) {
  if (slot >= symbols_.size())
    throw std::out_of_range(seg(name_) + ": slot " + std::to_string(slot)
                            + " out of range (slot count "
                            + std::to_string(symbols_.size()) + ")");
  book_entry e = entry;
  copy_symbol(e.symbol, symbols_[slot]);
  slots_[slot].lock.store(e);
  header_->change_counter.fetch_add(1, std::memory_order_release);
}

void segment_writer::heartbeat(std::int64_t now_ns) {
  header_->heartbeat_ns.store(now_ns, std::memory_order_release);
}

std::uint64_t segment_writer::change_counter() const {
  return header_->change_counter.load(std::memory_order_relaxed);
}

std::uint32_t segment_writer::slot_count() const {
  return static_cast<std::uint32_t>(symbols_.size());
}

// -- attach ------------------------------------------------------------------

attach_result attach_reader(const std::string& name) {
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

  fd_guard g{::shm_open(name.c_str(), O_RDONLY, 0)};
  if (g.fd < 0) {
    if (errno == ENOENT)
      return failed(attach_status::not_found,
                    seg(name) + " does not exist (is the book writer running?)");
    return failed(attach_status::system_error,
                  seg(name) + ": shm_open failed: " + errno_text(errno));
  }
  struct stat st {};
  if (::fstat(g.fd, &st) != 0)
    return failed(attach_status::system_error,
                  seg(name) + ": fstat failed: " + errno_text(errno));
  const auto size = static_cast<std::size_t>(st.st_size);
  if (size < header_size)
    return failed(attach_status::too_small,
                  seg(name) + " is " + std::to_string(size)
                    + " bytes, smaller than the "
                    + std::to_string(header_size) + "-byte header");
  void* p = ::mmap(nullptr, size, PROT_READ, MAP_SHARED, g.fd, 0);
  if (p == MAP_FAILED)
    return failed(attach_status::system_error,
                  seg(name) + ": mmap failed: " + errno_text(errno));

  std::unique_ptr<segment_reader> reader{new segment_reader()};
  reader->name_ = name;
  reader->base_ = p;
  reader->size_ = size;
  reader->dev_ = static_cast<std::uint64_t>(st.st_dev);
  reader->ino_ = static_cast<std::uint64_t>(st.st_ino);
  const auto* h = static_cast<const segment_header*>(p);
  reader->header_ = h;

  // (1) acquire-load of the version synchronizes-with the writer's
  // release-store, which it makes after initialising everything else.
  const auto version = h->layout_version.load(std::memory_order_acquire);
  const auto magic = h->magic.load(std::memory_order_relaxed);
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
  if (version != layout_version)
    return failed(attach_status::version_mismatch,
                  seg(name) + " has layout version " + std::to_string(version)
                    + ", this build reads version "
                    + std::to_string(layout_version));
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

  reader->slot_count_ = h->slot_count;
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
    reader->index_.emplace(s, static_cast<int>(i));
    reader->symbols_.push_back(std::move(s));
  }
  r.status = attach_status::attached;
  r.reader = std::move(reader);
  return r;
}

// -- segment_reader ----------------------------------------------------------

segment_reader::~segment_reader() {
  if (base_ != nullptr)
    ::munmap(const_cast<void*>(base_), size_);
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

std::uint32_t segment_reader::read(std::uint32_t slot, book_entry& out) const {
  if (slot >= slot_count_)
    throw std::out_of_range(seg(name_) + ": slot " + std::to_string(slot)
                            + " out of range (slot count "
                            + std::to_string(slot_count_) + ")");
  const auto& lock = slots_[slot].lock;
  std::uint32_t retries = 0;
  while (!lock.try_load(out)) {
    ++retries;
    if (retries % 64 == 0)
      std::this_thread::yield();
    // A writer that died inside store() leaves the sequence odd for good.
    if (retries % (1u << 16) == 0 && !pid_alive(header_->writer_pid))
      throw segment_error(seg(name_) + ": slot " + std::to_string(slot)
                          + " is stuck mid-write, writer pid "
                          + std::to_string(header_->writer_pid) + " is dead");
  }
  return retries;
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

bool segment_reader::writer_alive(std::int64_t now_ns,
                                  std::int64_t stale_after_ns) const {
  const auto hb = heartbeat_ns();
  if (hb <= 0 || now_ns - hb > stale_after_ns)
    return false;
  return pid_alive(header_->writer_pid);
}

bool segment_reader::is_current() const {
  return name_refers_to(name_, dev_, ino_);
}

} // namespace trading::shm
