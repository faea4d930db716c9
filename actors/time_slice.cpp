#include "actors/time_slice.hpp"

#include <cerrno>
#include <cstring>

#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace trading {

namespace {

// struct sched_attr as sched_setattr(2) gives it: <linux/sched/types.h> clashes
// with glibc's <sched.h>.
struct sched_attr {
  std::uint32_t size;
  std::uint32_t sched_policy;
  std::uint64_t sched_flags;
  std::int32_t sched_nice;
  std::uint32_t sched_priority;
  std::uint64_t sched_runtime;
  std::uint64_t sched_deadline;
  std::uint64_t sched_period;
};

// glibc has no wrappers for sched_getattr and sched_setattr.
bool get_attr(sched_attr& attr) {
  attr = sched_attr{};
  return ::syscall(SYS_sched_getattr, 0, &attr, sizeof attr, 0) == 0;
}

} // namespace

std::string request_time_slice(std::int64_t slice_ns) {
  sched_attr attr;
  if (!get_attr(attr))
    return std::string{"sched_getattr: "} + std::strerror(errno);
  if (attr.sched_policy != SCHED_OTHER)
    return "the thread is not SCHED_OTHER";
  // Read, then written back with only the slice changed: the inherited nice
  // value stays (setting another one may need privileges).
  attr.size = sizeof attr;
  attr.sched_flags = 0;
  attr.sched_runtime = static_cast<std::uint64_t>(slice_ns);
  if (::syscall(SYS_sched_setattr, 0, &attr, 0) != 0)
    return std::string{"sched_setattr: "} + std::strerror(errno);
  return {};
}

std::int64_t current_time_slice_ns() {
  sched_attr attr;
  return get_attr(attr) ? static_cast<std::int64_t>(attr.sched_runtime) : -1;
}

} // namespace trading
