// The calling thread's time slice under Linux's EEVDF scheduler. CAF-free.
#pragma once

#include <cstdint>
#include <string>

namespace trading {

/// The slice a feed's timer thread asks for: the kernel's minimum (100 us).
constexpr std::int64_t short_time_slice_ns = 100'000;

/// Asks for a custom slice for the calling thread, staying SCHED_OTHER (Linux
/// 6.12+; older kernels ignore it). A woken thread whose slice is shorter than
/// the running thread's preempts it at once (PREEMPT_SHORT) instead of waiting
/// for the running one's slice to end, which is milliseconds: what a thread
/// that must run on a CPU with a spinner needs. Returns why not, or "".
/// The policy and nice value stay as they are.
std::string request_time_slice(std::int64_t slice_ns);

/// The calling thread's slice as the kernel reports it (sched_getattr), or -1.
std::int64_t current_time_slice_ns();

} // namespace trading
