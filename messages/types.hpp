// Vocabulary shared by every message: fixed-point prices, quantities, sides and
// timestamps. No CAF here, so any file may include it cheaply.
#pragma once

#include <cmath>
#include <cstdint>
#include <ctime>

namespace trading {

/// Prices are integers in units of 1/10'000 of a currency unit (four decimals), so
/// a book compares and sums prices exactly; doubles appear only at the edges
/// (random walk, JSON logs, moving averages).
using price_t = std::int64_t;
constexpr price_t price_scale = 10'000;
constexpr price_t no_price = 0; // a book side that has not been quoted yet

/// Whole shares; signed where it is a position (negative = short).
using quantity_t = std::int64_t;

/// Nanoseconds. `mono_ns` is CLOCK_MONOTONIC (shared by every process on a host,
/// used for latency); `wall_ns` is CLOCK_REALTIME (for logs a person reads).
using nanos_t = std::int64_t;

inline price_t to_price(double value) {
  return static_cast<price_t>(std::llround(value * price_scale));
}

inline double to_double(price_t value) {
  return static_cast<double>(value) / price_scale;
}

inline nanos_t clock_ns(clockid_t clock) {
  timespec ts{};
  clock_gettime(clock, &ts);
  return static_cast<nanos_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

inline nanos_t mono_ns() {
  return clock_ns(CLOCK_MONOTONIC);
}

inline nanos_t wall_ns() {
  return clock_ns(CLOCK_REALTIME);
}

enum class side : std::uint8_t { buy = 0, sell = 1 };

inline const char* to_string(side x) {
  return x == side::buy ? "BUY" : "SELL";
}

} // namespace trading
