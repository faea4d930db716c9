// What a node measured, for benchmarks: counter snapshots over a steady window
// (after the warm-up, before the shutdown drain) and latency percentiles, written
// as JSON to node.results_file on exit. No CAF.
#pragma once

#include <cstdint>
#include <string>

#include "messages/types.hpp"

namespace trading {

struct node_config;
struct node_metrics;

struct counter_snapshot {
  nanos_t at_ns = 0;
  std::uint64_t feed_ticks = 0;
  std::uint64_t book_ticks = 0;
  std::uint64_t strategy_prices = 0;
  std::uint64_t orders = 0;
  std::int64_t rss_kb = 0;
};

counter_snapshot take_snapshot(const node_metrics& m);

/// Resident set size of this process in KiB (from /proc/self/statm).
std::int64_t resident_kb();

/// Writes the results JSON; throws std::runtime_error naming the path on failure.
void write_results(const std::string& path, const node_config& cfg,
                   const node_metrics& m, const counter_snapshot& begin,
                   const counter_snapshot& end);

} // namespace trading
