// A fixed-rate schedule on the grid of CLOCK_MONOTONIC, for the feeds' timers.
#pragma once

#include <cstdint>

#include "messages/types.hpp"

namespace trading {

/// Due times are phase + k * interval on CLOCK_MONOTONIC (which every process
/// on a host shares). A late firing does not shift the ones after it, and two
/// schedules keep their distance: the news feed runs half a tick interval off
/// the price feed's grid, so that a news event never lands in the middle of a
/// tick batch's path (measured: when they coincide, tick-to-trade in one
/// process is 2-3 us slower at p50; the news feed used to re-arm relative to
/// its last firing, so its phase drifted and the figure flipped between the
/// two).
class interval_schedule {
public:
  /// After a stall of more than this many intervals (a stopped process), the
  /// schedule skips to the next due time instead of firing every missed one.
  static constexpr std::int64_t max_intervals_behind = 100;

  /// The due time at or before `now` is the current one (a caller fires it at
  /// once, then waits for advance()'s).
  interval_schedule(nanos_t interval_ns, nanos_t phase_ns, nanos_t now)
    : interval_(interval_ns), phase_(phase_ns % interval_ns), due_(at_or_before(now)) {
  }

  struct firing {
    nanos_t wait_ns;            // from `now` to the next due time (<= 0: at once)
    std::int64_t skipped = 0;   // intervals dropped after a stall
  };

  /// Moves to the next due time.
  firing advance(nanos_t now) {
    due_ += interval_;
    std::int64_t skipped = 0;
    if (now - due_ > max_intervals_behind * interval_) {
      auto next = at_or_before(now) + interval_;
      skipped = (next - due_) / interval_;
      due_ = next;
    }
    return {due_ - now, skipped};
  }

  nanos_t due() const {
    return due_;
  }

private:
  nanos_t at_or_before(nanos_t t) const {
    return t - (((t - phase_) % interval_) + interval_) % interval_;
  }

  nanos_t interval_;
  nanos_t phase_;
  nanos_t due_;
};

} // namespace trading
