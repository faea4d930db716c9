// What a node measured, for benchmarks: counter snapshots over a steady window
// (after the warm-up, before the shutdown drain) and latency percentiles, written
// as JSON to node.results_file on exit. No CAF.
#pragma once

#include <string>

#include "nodes/stats.hpp"

namespace trading {

struct node_config;

/// Writes the results JSON; throws std::runtime_error naming the path on failure.
void write_results(const std::string& path, const node_config& cfg,
                   const node_metrics& m, const counter_snapshot& begin,
                   const counter_snapshot& end);

} // namespace trading
