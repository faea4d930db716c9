#include "shm/counters_segment.hpp"
#include "shm/shm_file.hpp"

#include <algorithm>
#include <cstring>
#include <new>

#include <dirent.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>

namespace trading::shm {

namespace {

constexpr off_t owner_byte = 0;

std::int64_t clock_of(clockid_t c) {
  timespec ts{};
  clock_gettime(c, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

[[noreturn]] void fail(const std::string& name, const std::string& what) {
  throw counters_error("counters segment " + name + ": " + what + ": "
                       + std::strerror(errno));
}

template <std::size_t N>
void copy_text(char (&to)[N], const std::string& from) {
  auto n = std::min(from.size(), N - 1);
  std::memcpy(to, from.data(), n);
  to[n] = '\0';
}

template <std::size_t N>
std::string text_of(const char (&from)[N]) {
  return std::string{from, strnlen(from, N)};
}

} // namespace

std::string counters_name(const std::string& node_name, int pid) {
  // A name must stay one path component: '/' would be a directory.
  std::string safe = node_name;
  std::replace(safe.begin(), safe.end(), '/', '_');
  return std::string{counters_prefix} + safe + "." + std::to_string(pid);
}

const char* to_string(writer_status s) {
  switch (s) {
    case writer_status::live: return "live";
    case writer_status::hung: return "hung";
    case writer_status::exited: return "exited";
    case writer_status::dead: return "dead";
  }
  return "?";
}

// -- writer ---------------------------------------------------------------------

counters_writer::counters_writer(std::string name, const std::string& node_name,
                                 const std::vector<std::string>& symbols,
                                 const std::vector<counter_label>& counters,
                                 const std::vector<std::string>& histograms,
                                 std::int64_t interval_ns,
                                 const std::string& dashboard_url)
  : name_(std::move(name)) {
  if (counters.size() > max_counters || histograms.size() > max_histograms
      || symbols.size() > max_symbols) {
    errno = EINVAL;
    fail(name_, std::to_string(counters.size()) + " counters, "
                  + std::to_string(histograms.size()) + " histograms, "
                  + std::to_string(symbols.size()) + " symbols exceed the layout's "
                  + std::to_string(max_counters) + "/" + std::to_string(max_histograms)
                  + "/" + std::to_string(max_symbols));
  }
  auto path = shm_path(name_);
  fd_ = open_path(path, O_CREAT | O_EXCL | O_RDWR, 0600);
  if (fd_ < 0 && errno == EEXIST && remove_if_dead(name_)) // our pid, reused
    fd_ = open_path(path, O_CREAT | O_EXCL | O_RDWR, 0600);
  if (fd_ < 0)
    fail(name_, "create (O_EXCL) failed");
  if (!try_lock_byte(fd_, owner_byte) || ::fchmod(fd_, 0600) != 0
      || ::ftruncate(fd_, sizeof(counters_layout)) != 0) {
    auto err = errno;
    ::close(fd_);
    ::unlink(path.c_str());
    errno = err;
    fail(name_, "lock or size failed");
  }
  auto addr = ::mmap(nullptr, sizeof(counters_layout), PROT_READ | PROT_WRITE,
                     MAP_SHARED, fd_, 0);
  if (addr == MAP_FAILED) {
    auto err = errno;
    ::close(fd_);
    ::unlink(path.c_str());
    errno = err;
    fail(name_, "mmap failed");
  }
  // Zero-filled by ftruncate; begin the objects' lifetimes (no initializer
  // writes anything but zeros).
  layout_ = new (addr) counters_layout;
  auto& h = layout_->header;
  h.magic = counters_magic;
  h.size = sizeof(counters_layout);
  h.pid = static_cast<std::int32_t>(::getpid());
  h.counter_count = static_cast<std::uint32_t>(counters.size());
  h.symbol_count = static_cast<std::uint32_t>(symbols.size());
  h.started_wall_ns = clock_of(CLOCK_REALTIME);
  h.interval_ns = interval_ns;
  copy_text(h.node_name, node_name);
  copy_text(h.dashboard_url, dashboard_url);
  for (std::size_t i = 0; i < symbols.size(); ++i)
    copy_text(h.symbols[i], symbols[i]);
  for (std::size_t i = 0; i < counters.size(); ++i) {
    auto& c = layout_->counters[i];
    c.kind = counters[i].kind;
    copy_text(c.group, counters[i].group);
    copy_text(c.name, counters[i].name);
  }
  for (std::size_t i = 0; i < histograms.size(); ++i)
    copy_text(layout_->histograms[i].name, histograms[i]);
  h.state.store(state_running, std::memory_order_relaxed);
  h.heartbeat_ns.store(clock_of(CLOCK_MONOTONIC), std::memory_order_relaxed);
  // Last, with release: a reader that acquires the version sees all of the above.
  h.version.store(counters_layout_version, std::memory_order_release);
}

counters_writer::~counters_writer() {
  layout_->header.state.store(state_exited, std::memory_order_release);
  ::munmap(layout_, sizeof(counters_layout));
  ::unlink(shm_path(name_).c_str());
  ::close(fd_); // drops the owner lock
}

void counters_writer::set_histogram(std::uint32_t h, const live_histogram& from) noexcept {
  auto& to = layout_->histograms[h].counts;
  for (std::uint32_t i = 0; i < histogram_buckets; ++i)
    to[i].store(from.counts[i].load(std::memory_order_relaxed), std::memory_order_relaxed);
}

// -- reader ---------------------------------------------------------------------

std::unique_ptr<counters_reader> counters_reader::open(const std::string& name,
                                                       open_status& status,
                                                       std::string& reason) {
  auto fd = open_path(shm_path(name), O_RDONLY);
  if (fd < 0) {
    status = errno == ENOENT ? open_status::missing : open_status::error;
    reason = name + ": open failed: " + std::strerror(errno);
    return nullptr;
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || st.st_size < static_cast<off_t>(sizeof(counters_header))) {
    ::close(fd);
    status = open_status::not_ready;
    reason = name + ": too small to be a counters segment (yet)";
    return nullptr;
  }
  if (st.st_size != static_cast<off_t>(sizeof(counters_layout))) {
    ::close(fd);
    status = open_status::foreign;
    reason = name + ": size " + std::to_string(st.st_size) + " is not layout "
             + std::to_string(counters_layout_version) + "'s "
             + std::to_string(sizeof(counters_layout));
    return nullptr;
  }
  auto addr = ::mmap(nullptr, sizeof(counters_layout), PROT_READ, MAP_SHARED, fd, 0);
  if (addr == MAP_FAILED) {
    ::close(fd);
    status = open_status::error;
    reason = name + ": mmap failed: " + std::strerror(errno);
    return nullptr;
  }
  auto layout = static_cast<const counters_layout*>(addr);
  auto version = layout->header.version.load(std::memory_order_acquire);
  if (version == 0 || layout->header.magic != counters_magic) {
    // A writer stores the magic before the version: no version yet is "not ready".
    auto foreign = version != 0;
    ::munmap(addr, sizeof(counters_layout));
    ::close(fd);
    status = foreign ? open_status::foreign : open_status::not_ready;
    reason = name + (foreign ? ": bad magic" : ": not ready (no version yet)");
    return nullptr;
  }
  if (version != counters_layout_version) {
    ::munmap(addr, sizeof(counters_layout));
    ::close(fd);
    status = open_status::foreign;
    reason = name + ": layout version " + std::to_string(version) + ", this reader knows "
             + std::to_string(counters_layout_version);
    return nullptr;
  }
  std::unique_ptr<counters_reader> r{new counters_reader};
  r->name_ = name;
  r->fd_ = fd;
  r->layout_ = layout;
  status = open_status::ok;
  return r;
}

counters_reader::~counters_reader() {
  ::munmap(const_cast<counters_layout*>(layout_), sizeof(counters_layout));
  ::close(fd_);
}

int counters_reader::pid() const {
  return layout_->header.pid;
}

writer_status counters_reader::status(std::int64_t now, std::int64_t stale_after_ns) const {
  auto& h = layout_->header;
  if (h.state.load(std::memory_order_acquire) == state_exited)
    return writer_status::exited;
  if (byte_locked(fd_, owner_byte) == 0)
    return writer_status::dead;
  auto age = now - h.heartbeat_ns.load(std::memory_order_acquire);
  return age > stale_after_ns ? writer_status::hung : writer_status::live;
}

counters_snapshot counters_reader::snapshot(std::int64_t stale_after_ns,
                                            std::uint64_t events_after) const {
  auto& h = layout_->header;
  counters_snapshot s;
  s.taken_mono_ns = clock_of(CLOCK_MONOTONIC);
  s.segment = name_;
  s.node_name = text_of(h.node_name);
  s.dashboard_url = text_of(h.dashboard_url);
  s.pid = h.pid;
  s.status = status(s.taken_mono_ns, stale_after_ns);
  s.started_wall_ns = h.started_wall_ns;
  s.heartbeat_age_ns = s.taken_mono_ns - h.heartbeat_ns.load(std::memory_order_acquire);
  for (std::uint32_t i = 0; i < std::min(h.symbol_count, max_symbols); ++i)
    s.symbols.push_back(text_of(h.symbols[i]));
  for (std::uint32_t i = 0; i < std::min(h.counter_count, max_counters); ++i) {
    auto& c = layout_->counters[i];
    s.counters.push_back({text_of(c.group), text_of(c.name), c.kind,
                          c.value.load(std::memory_order_relaxed)});
  }
  for (auto& block : layout_->histograms) {
    if (block.name[0] == '\0')
      continue;
    counters_snapshot::histogram out;
    out.name = text_of(block.name);
    for (std::uint32_t i = 0; i < histogram_buckets; ++i)
      out.counts[i] = block.counts[i].load(std::memory_order_relaxed);
    s.histograms.push_back(std::move(out));
  }
  layout_->events.read_since(events_after, [&](const live_event& e) {
    if (e.symbol < s.symbols.size())
      s.events.push_back(e);
  });
  return s;
}

const counters_snapshot::counter* counters_snapshot::find(std::string_view group,
                                                          std::string_view name) const {
  for (auto& c : counters)
    if (c.group == group && c.name == name)
      return &c;
  return nullptr;
}

std::vector<std::string> list_counters_segments() {
  std::vector<std::string> out;
  auto dir = ::opendir("/dev/shm");
  if (!dir)
    return out;
  auto prefix = counters_prefix.substr(1); // without the leading '/'
  while (auto entry = ::readdir(dir)) {
    std::string_view file{entry->d_name};
    if (file.substr(0, prefix.size()) == prefix)
      out.push_back("/" + std::string{file});
  }
  ::closedir(dir);
  std::sort(out.begin(), out.end());
  return out;
}

bool remove_if_dead(const std::string& name) {
  auto path = shm_path(name);
  auto fd = open_path(path, O_RDONLY);
  if (fd < 0)
    return false;
  auto locked = byte_locked(fd, owner_byte);
  ::close(fd);
  return locked == 0 && ::unlink(path.c_str()) == 0;
}

} // namespace trading::shm
