// What trading_stat and the dashboard make of the counters segments on this host
// (shm/counters_segment.hpp): each node's figures with rates per second, peers,
// positions, latency percentiles and recent events, as JSON or as text. No CAF.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "shm/counters_segment.hpp"

namespace trading {

/// A reader is called hung when its heartbeat is older than this.
constexpr std::int64_t live_stale_after_ns = 2'000'000'000;

/// Two looks at one node's segment: rates are (now - before) / elapsed.
struct node_view {
  shm::counters_snapshot now;
  std::unique_ptr<shm::counters_snapshot> before; // none yet: no rates
};

/// Keeps every counters segment on the host open across refreshes.
class host_view {
public:
  /// `only`: show the nodes of this node.name only ("" = all).
  explicit host_view(std::string only = {}) : only_(std::move(only)) {
  }

  /// Opens new segments, drops vanished ones, takes a snapshot of each (the
  /// previous one kept for rates). Segments not ready yet are skipped.
  void refresh();
  const std::vector<node_view>& nodes() const { return views_; }
  /// Segments it could not read, with the reason (foreign layout, ...).
  const std::vector<std::string>& problems() const { return problems_; }
  bool any_live() const;
  const std::string& only() const { return only_; }

private:
  struct open_segment {
    std::unique_ptr<shm::counters_reader> reader;
    std::unique_ptr<shm::counters_snapshot> last;
  };
  std::string only_;
  std::vector<std::pair<std::string, open_segment>> open_;
  std::vector<node_view> views_;
  std::vector<std::string> problems_;
};

/// Rate per second of counter `i` (0 without a previous look or for gauges).
double rate_of(const node_view& v, std::size_t i);

/// Percentile (0..100) of a live histogram's buckets, in ns (the bucket's lower
/// bound); 0 when empty.
std::int64_t live_percentile(const std::array<std::uint64_t, shm::histogram_buckets>& c,
                             double p);

/// One node as JSON: {"segment","node","pid","status","heartbeat_age_ms",
/// "counters":{"oms":{"fills":{"value":N,"rate":R}}...}, "peers":[...],
/// "positions":[...], "histograms":{...}, "symbols":[...]}; with `events`, also
/// "events":[[seq, age_ms, kind, symbol, price, quantity], ...] (prices as decimals).
nlohmann::json node_json(const node_view& v, bool events);

/// The host's nodes as text, one block each (trading_stat's screen).
std::string host_text(const host_view& h);

} // namespace trading
