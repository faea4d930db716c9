// latency_histogram: nearest-rank percentiles, the 1% precision bound, merge,
// clamping of huge values and the empty case.
#include "actors/latency_histogram.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <random>
#include <vector>

using trading::latency_histogram;
using trading::summarize;

namespace {

// The histogram is ~34 KiB; keep it off the test's stack.
std::unique_ptr<latency_histogram> make() {
  return std::make_unique<latency_histogram>();
}

double rel_error(std::int64_t got, std::int64_t want) {
  return std::abs(static_cast<double>(got) - static_cast<double>(want))
         / static_cast<double>(want);
}

// Nearest-rank percentile of a sorted sample, the textbook way.
std::int64_t nearest_rank(const std::vector<std::int64_t>& sorted, double p) {
  auto n = static_cast<double>(sorted.size());
  auto rank = std::max<std::size_t>(1, static_cast<std::size_t>(std::ceil(p / 100 * n)));
  return sorted[std::min(rank, sorted.size()) - 1];
}

} // namespace

TEST(latency_histogram, empty_histogram_reports_zeros) {
  auto h = make();
  EXPECT_EQ(h->count(), 0u);
  EXPECT_EQ(h->min(), 0);
  EXPECT_EQ(h->max(), 0);
  EXPECT_EQ(h->mean(), 0.0);
  EXPECT_EQ(h->percentile(0), 0);
  EXPECT_EQ(h->percentile(50), 0);
  EXPECT_EQ(h->percentile(100), 0);
  auto s = summarize(*h);
  EXPECT_EQ(s.count, 0u);
  EXPECT_EQ(s.p50, 0);
  EXPECT_EQ(s.p999, 0);
  EXPECT_EQ(s.max, 0);
}

TEST(latency_histogram, small_values_give_exact_nearest_rank) {
  auto h = make();
  for (std::int64_t v = 1; v <= 100; ++v)
    h->record(v);
  EXPECT_EQ(h->count(), 100u);
  EXPECT_EQ(h->min(), 1);
  EXPECT_EQ(h->max(), 100);
  EXPECT_DOUBLE_EQ(h->mean(), 50.5);
  EXPECT_EQ(h->percentile(0), 1);
  EXPECT_EQ(h->percentile(1), 1);
  EXPECT_EQ(h->percentile(50), 50);
  EXPECT_EQ(h->percentile(50.5), 51);
  EXPECT_EQ(h->percentile(90), 90);
  EXPECT_EQ(h->percentile(99), 99);
  EXPECT_EQ(h->percentile(99.9), 100);
  EXPECT_EQ(h->percentile(100), 100);
}

TEST(latency_histogram, values_above_256_are_within_one_percent) {
  auto h = make();
  std::vector<std::int64_t> values;
  for (std::int64_t v = 1; v <= 1000; ++v) {
    h->record(v);
    values.push_back(v);
  }
  for (double p : {10.0, 25.0, 50.0, 75.0, 90.0, 99.0, 99.9, 100.0}) {
    auto want = nearest_rank(values, p);
    EXPECT_LE(rel_error(h->percentile(p), want), 0.01) << "p" << p;
  }
  EXPECT_EQ(h->percentile(20), 200); // below 256: exact
  EXPECT_EQ(h->percentile(100), 1000);
  EXPECT_EQ(h->rank_for(99.9), 999u); // decimal p does not round up a rank
}

TEST(latency_histogram, single_value_is_reported_within_one_percent) {
  std::mt19937_64 rng(42);
  // Log-uniform over 1 ns .. 10 s.
  std::uniform_real_distribution<double> exponent(0.0, std::log(1e10));
  auto h = make();
  for (int i = 0; i < 20000; ++i) {
    auto v = std::max<std::int64_t>(1, std::llround(std::exp(exponent(rng))));
    h->reset();
    h->record(v);
    ASSERT_LE(rel_error(h->percentile(50), v), 0.01) << v;
    // Alone, clamping to [min, max] makes it exact; bracketed by 0 and 2^41 the
    // bucket midpoint itself has to be within the bound.
    h->record(0);
    h->record(std::int64_t{1} << 41);
    ASSERT_LE(rel_error(h->percentile(50), v), 0.01) << v;
    if (v < 256) {
      ASSERT_EQ(h->percentile(50), v);
    }
  }
}

TEST(latency_histogram, bucket_width_is_at_most_1_128_of_its_values) {
  for (std::size_t i = 0; i < latency_histogram::bucket_count; ++i) {
    auto lo = latency_histogram::bucket_lower(i);
    auto w = latency_histogram::bucket_width(i);
    ASSERT_EQ(latency_histogram::bucket_index(lo), i);
    ASSERT_EQ(latency_histogram::bucket_index(lo + w - 1), i);
    if (i >= 256) {
      ASSERT_LE(w * 128, lo) << i;
    }
    if (i + 1 < latency_histogram::bucket_count) {
      ASSERT_EQ(latency_histogram::bucket_lower(i + 1), lo + w) << i;
    }
  }
}

TEST(latency_histogram, nearest_rank_on_a_mixture) {
  // 900 fast (100 ns), 90 medium (10 us), 9 slow (1 ms), 1 very slow (1 s).
  auto h = make();
  h->record_n(100, 900);
  h->record_n(10'000, 90);
  h->record_n(1'000'000, 9);
  h->record(1'000'000'000);
  EXPECT_EQ(h->count(), 1000u);
  EXPECT_EQ(h->percentile(50), 100);
  EXPECT_EQ(h->percentile(90), 100);  // rank 900: still the fast group
  EXPECT_LE(rel_error(h->percentile(90.1), 10'000), 0.01);
  EXPECT_LE(rel_error(h->percentile(99), 10'000), 0.01);
  EXPECT_LE(rel_error(h->percentile(99.9), 1'000'000), 0.01);
  EXPECT_EQ(h->percentile(100), 1'000'000'000);
  EXPECT_EQ(h->min(), 100);
  EXPECT_EQ(h->max(), 1'000'000'000);
  EXPECT_DOUBLE_EQ(h->mean(), (900.0 * 100 + 90.0 * 1e4 + 9.0 * 1e6 + 1e9) / 1000);
}

TEST(latency_histogram, negative_values_count_as_zero) {
  auto h = make();
  h->record(-5);
  h->record_n(7, 0); // n = 0 records nothing
  EXPECT_EQ(h->count(), 1u);
  EXPECT_EQ(h->min(), 0);
  EXPECT_EQ(h->max(), 0);
  EXPECT_EQ(h->percentile(50), 0);
}

TEST(latency_histogram, merge_equals_recording_both) {
  std::mt19937_64 rng(7);
  std::lognormal_distribution<double> dist(9.0, 2.0);
  auto a = make();
  auto b = make();
  auto both = make();
  for (int i = 0; i < 5000; ++i) {
    auto v = static_cast<std::int64_t>(dist(rng));
    (i % 3 == 0 ? *a : *b).record(v);
    both->record(v);
  }
  a->merge(*b);
  EXPECT_EQ(a->count(), both->count());
  EXPECT_EQ(a->min(), both->min());
  EXPECT_EQ(a->max(), both->max());
  EXPECT_NEAR(a->mean(), both->mean(), 1e-9 * both->mean());
  for (double p = 0; p <= 100; p += 0.5)
    EXPECT_EQ(a->percentile(p), both->percentile(p)) << p;
  auto empty = make();
  a->merge(*empty); // merging an empty histogram changes nothing
  EXPECT_EQ(a->min(), both->min());
  EXPECT_EQ(a->count(), both->count());
}

TEST(latency_histogram, huge_values_clamp_but_max_stays_exact) {
  auto h = make();
  const std::int64_t huge = std::int64_t{1} << 50;
  h->record(1000);
  h->record(huge + 12345);
  EXPECT_EQ(h->max(), huge + 12345);
  EXPECT_EQ(h->percentile(100), huge + 12345); // alone in its rank: clamped to max
  EXPECT_EQ(h->percentile(50), h->percentile(1));
  EXPECT_LE(rel_error(h->percentile(50), 1000), 0.01);
  h->record(std::numeric_limits<std::int64_t>::max());
  EXPECT_EQ(h->max(), std::numeric_limits<std::int64_t>::max());
  // Rank 2 of 3 lies in the overflow bucket: reported as the exact max.
  EXPECT_EQ(h->percentile(60), h->max());
  EXPECT_EQ(h->percentile(0), 1000);
}

TEST(latency_histogram, top_bucket_below_the_cap_uses_its_midpoint) {
  auto h = make();
  const std::int64_t near_cap = (std::int64_t{1} << 40) - 1; // last bucket, no overflow
  h->record(1000);
  h->record_n(near_cap, 2);
  h->record(near_cap - (std::int64_t{1} << 30));
  EXPECT_EQ(h->percentile(100), near_cap);
  EXPECT_LE(rel_error(h->percentile(60), near_cap), 0.01);
  EXPECT_LT(h->percentile(60), near_cap);
}

TEST(latency_histogram, percentiles_are_monotonic) {
  std::mt19937_64 rng(3);
  std::lognormal_distribution<double> dist(10.0, 3.0);
  auto h = make();
  for (int i = 0; i < 100000; ++i)
    h->record(static_cast<std::int64_t>(dist(rng)));
  auto s = summarize(*h);
  EXPECT_EQ(s.count, 100000u);
  EXPECT_LE(h->min(), s.p50);
  EXPECT_LE(s.p50, s.p90);
  EXPECT_LE(s.p90, s.p99);
  EXPECT_LE(s.p99, s.p999);
  EXPECT_LE(s.p999, s.max);
  EXPECT_EQ(s.max, h->max());
  std::int64_t prev = h->percentile(0);
  for (double p = 0.1; p <= 100.0; p += 0.1) {
    auto cur = h->percentile(p);
    ASSERT_LE(prev, cur) << p;
    prev = cur;
  }
}

TEST(latency_histogram, reset_empties_it) {
  auto h = make();
  h->record(500);
  h->reset();
  EXPECT_EQ(h->count(), 0u);
  EXPECT_EQ(h->max(), 0);
  EXPECT_EQ(h->percentile(50), 0);
  h->record(3);
  EXPECT_EQ(h->min(), 3);
  EXPECT_EQ(h->percentile(50), 3);
}
