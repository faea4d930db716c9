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

} // namespace

std::string request_time_slice(std::int64_t slice_ns) {
  sched_attr attr{};
  attr.size = sizeof attr;
  attr.sched_policy = SCHED_OTHER;
  attr.sched_runtime = static_cast<std::uint64_t>(slice_ns);
  // glibc has no wrapper for sched_setattr.
  if (::syscall(SYS_sched_setattr, 0, &attr, 0) != 0)
    return std::string{"sched_setattr: "} + std::strerror(errno);
  return {};
}

} // namespace trading
