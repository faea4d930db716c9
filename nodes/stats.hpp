// The node's stats line (printed every node.stats_interval_ms), its summary on exit,
// and the counter snapshots the results file takes. Derived from the topology: each
// hosted role adds its part (nodes/roles.cpp). No CAF.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "messages/orders.hpp"
#include "nodes/node_metrics.hpp"
#include "nodes/roles.hpp"

namespace trading {

struct node_config;

/// Every figure of the stats line, in its order: the hosted roles', "msgs in/out"
/// and (with peers) "peers connected/expected/lost/reconnects".
void node_figures(const node_config& cfg, const node_metrics& m, figure_list& out);

/// "3.0s | feed ticks 150 | news 14 | ... | msgs in 177 out 174 [| peers ...]".
std::string stats_line(const node_config& cfg, const node_metrics& m,
                       double elapsed_s);

/// The summary line, the positions line (if the OMS is hosted) and tick-to-trade.
void print_summary(const node_config& cfg, const node_metrics& m,
                   const std::vector<position>& positions, double elapsed_s);

/// The rated counters of every role at one moment, with the process's RSS.
struct counter_snapshot {
  nanos_t at_ns = 0;
  std::map<std::string, std::uint64_t> counts;
  std::int64_t rss_kb = 0;
};

counter_snapshot take_snapshot(const node_metrics& m);

/// Resident set size of this process in KiB (from /proc/self/statm).
std::int64_t resident_kb();

} // namespace trading
