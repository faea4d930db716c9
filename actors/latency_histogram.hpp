// A log-bucketed histogram of non-negative int64 values (nanoseconds), in the
// spirit of HdrHistogram: fixed memory, no allocation at all, O(1) record.
//
// Bucket layout (4352 buckets of uint64_t counts, ~34 KiB, held inline):
//
//   index 0 .. 255        one bucket per value 0 .. 255 (exact)
//   index 256 + 128*k + s  values in [ (128+s) << (k+1), (129+s) << (k+1) )
//                          for k = 0 .. 31 (the power of two is 2^(k+8)),
//                          s = 0 .. 127 (128 sub-buckets per power of two)
//
// A bucket of width w starts at or above 128*w, so its width is at most 1/128 of
// any value in it and its midpoint is within 1/256 of any value in it. Values of
// 2^40 (about 18 minutes) and more are counted in the last bucket; min() and
// max() are kept exactly, so percentiles, which are clamped to [min, max], stay
// sane. No CAF here: this header must compile fast.
#pragma once

#include <algorithm>
#include <array>
#include <utility>
#include <vector>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>

namespace trading {

class latency_histogram {
public:
  // -- layout constants -------------------------------------------------------

  static constexpr int exact_bits = 8;                        // 0..255 exact
  static constexpr std::int64_t exact_limit = std::int64_t{1} << exact_bits;
  static constexpr int sub_bucket_bits = 7;                   // 128 per octave
  static constexpr std::size_t sub_buckets = std::size_t{1} << sub_bucket_bits;
  static constexpr int max_bits = 40;                         // cap: 2^40 ns
  static constexpr std::int64_t max_trackable = std::int64_t{1} << max_bits;
  static constexpr std::size_t bucket_count
    = static_cast<std::size_t>(exact_limit)
      + static_cast<std::size_t>(max_bits - exact_bits) * sub_buckets;

  // -- bucket arithmetic (public for tests and exporters) ---------------------

  /// Index of the bucket counting `v` (negative counts as 0, >= 2^40 clamps).
  static constexpr std::size_t bucket_index(std::int64_t v) noexcept {
    if (v < exact_limit)
      return v < 0 ? 0 : static_cast<std::size_t>(v);
    if (v >= max_trackable)
      return bucket_count - 1;
    auto u = static_cast<std::uint64_t>(v);
    int msb = 63 - __builtin_clzll(u);          // >= exact_bits
    int shift = msb - sub_bucket_bits;          // log2 of the bucket width
    auto sub = static_cast<std::size_t>(u >> shift) - sub_buckets;
    return static_cast<std::size_t>(exact_limit)
           + static_cast<std::size_t>(msb - exact_bits) * sub_buckets + sub;
  }

  /// Smallest value counted in bucket `i`.
  static constexpr std::int64_t bucket_lower(std::size_t i) noexcept {
    if (i < static_cast<std::size_t>(exact_limit))
      return static_cast<std::int64_t>(i);
    std::size_t k = i - static_cast<std::size_t>(exact_limit);
    int shift = static_cast<int>(k / sub_buckets) + exact_bits - sub_bucket_bits;
    auto sub = static_cast<std::int64_t>(k % sub_buckets);
    return (static_cast<std::int64_t>(sub_buckets) + sub) << shift;
  }

  /// Number of distinct values bucket `i` covers (the last one nominally).
  static constexpr std::int64_t bucket_width(std::size_t i) noexcept {
    if (i < static_cast<std::size_t>(exact_limit))
      return 1;
    std::size_t k = i - static_cast<std::size_t>(exact_limit);
    return std::int64_t{1}
           << (static_cast<int>(k / sub_buckets) + exact_bits - sub_bucket_bits);
  }

  /// Midpoint of bucket `i` (rounded down; the value itself when exact).
  static constexpr std::int64_t bucket_midpoint(std::size_t i) noexcept {
    return bucket_lower(i) + (bucket_width(i) - 1) / 2;
  }

  // -- recording --------------------------------------------------------------

  latency_histogram() noexcept {
    reset();
  }

  void record(std::int64_t v) noexcept {
    record_n(v, 1);
  }

  void record_n(std::int64_t v, std::uint64_t n) noexcept {
    if (n == 0)
      return;
    if (v < 0)
      v = 0;
    counts_[bucket_index(v)] += n;
    count_ += n;
    sum_ += static_cast<double>(v) * static_cast<double>(n);
    min_ = std::min(min_, v);
    max_ = std::max(max_, v);
  }

  void merge(const latency_histogram& other) noexcept {
    if (other.count_ == 0)
      return;
    for (std::size_t i = 0; i < bucket_count; ++i)
      counts_[i] += other.counts_[i];
    count_ += other.count_;
    sum_ += other.sum_;
    min_ = std::min(min_, other.min_);
    max_ = std::max(max_, other.max_);
  }

  void reset() noexcept {
    counts_.fill(0);
    count_ = 0;
    sum_ = 0.0;
    min_ = std::numeric_limits<std::int64_t>::max();
    max_ = 0;
  }

  // -- queries ----------------------------------------------------------------

  std::uint64_t count() const noexcept {
    return count_;
  }

  /// Exact smallest recorded value; 0 when empty.
  std::int64_t min() const noexcept {
    return count_ == 0 ? 0 : min_;
  }

  /// Exact largest recorded value (even above the 2^40 cap); 0 when empty.
  std::int64_t max() const noexcept {
    return count_ == 0 ? 0 : max_;
  }

  /// Exact mean of the recorded values (as a double sum); 0 when empty.
  double mean() const noexcept {
    return count_ == 0 ? 0.0 : sum_ / static_cast<double>(count_);
  }

  /// Nearest-rank percentile, p in [0, 100] (clamped): rank =
  /// max(1, ceil(p/100 * count)); reports the midpoint of the bucket holding
  /// that rank, clamped to [min, max]. Exact below 256; 0 when empty. The first
  /// and last ranks report the exact min() and max(); a rank in the overflow
  /// bucket, when a value of 2^40 or more was seen, reports max().
  std::int64_t percentile(double p) const noexcept {
    if (count_ == 0)
      return 0;
    std::uint64_t rank = rank_for(p);
    if (rank == 1)
      return min_; // the lowest rank is the exact minimum
    if (rank == count_)
      return max_; // the highest rank is the exact maximum
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < bucket_count; ++i) {
      seen += counts_[i];
      if (seen >= rank) {
        if (i == bucket_count - 1 && max_ >= max_trackable)
          return max_; // beyond the cap: report the (pessimistic) exact maximum
        return std::clamp(bucket_midpoint(i), min_, max_);
      }
    }
    return max_; // unreachable: the counts sum to count_
  }

  /// Nearest rank of percentile `p` for the current count (1-based).
  std::uint64_t rank_for(double p) const noexcept {
    if (!(p > 0.0)) // also NaN
      return 1;
    if (p >= 100.0)
      return count_;
    double x = p / 100.0 * static_cast<double>(count_);
    // Forgive the rounding of decimal p (99.9% of 1000 must be rank 999, not 1000).
    double nearest = std::round(x);
    double r = std::abs(x - nearest) <= 1e-9 * std::max(1.0, x) ? nearest
                                                                 : std::ceil(x);
    auto rank = static_cast<std::uint64_t>(r);
    return std::clamp<std::uint64_t>(rank, 1, count_);
  }

private:
  std::array<std::uint64_t, bucket_count> counts_;
  std::uint64_t count_;
  double sum_;
  std::int64_t min_;
  std::int64_t max_;
};

static_assert(latency_histogram::bucket_count == 4352);
static_assert(latency_histogram::bucket_index(255) == 255);
static_assert(latency_histogram::bucket_index(256) == 256);
static_assert(latency_histogram::bucket_lower(latency_histogram::bucket_index(1000))
              <= 1000);
static_assert(latency_histogram::bucket_index(latency_histogram::max_trackable - 1)
              == latency_histogram::bucket_count - 1);

// -- summary ------------------------------------------------------------------

struct percentile_summary {
  std::uint64_t count;
  std::int64_t p50;
  std::int64_t p90;
  std::int64_t p99;
  std::int64_t p999;
  std::int64_t max;
};

inline percentile_summary summarize(const latency_histogram& h) {
  return {h.count(),          h.percentile(50.0), h.percentile(90.0),
          h.percentile(99.0), h.percentile(99.9), h.max()};
}

/// Points of the distribution for a CDF plot: (percent, value) at fixed percents,
/// denser in the tail, where latency stories are told.
inline std::vector<std::pair<double, std::int64_t>>
cdf_points(const latency_histogram& h) {
  static constexpr double percents[] = {0.1,  1,    5,    10,   20,   30,
                                        40,   50,   60,   70,   80,   90,
                                        95,   97.5, 99,   99.5, 99.9, 99.95,
                                        99.99, 100};
  std::vector<std::pair<double, std::int64_t>> out;
  if (h.count() == 0)
    return out;
  for (auto p : percents)
    out.emplace_back(p, h.percentile(p));
  return out;
}

} // namespace trading
