// The node's counters segment (shm/counters_segment.hpp): a thread of its own
// copies every figure of the stats line, each peer's link state, the strategy's
// positions and recent events and the latency buckets from node_metrics into
// the segment every 100 ms, then beats the heartbeat. The actors only store
// into their own metrics (relaxed words, no locks, no allocation), so the
// segment costs their hot path nothing. No CAF.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "nodes/roles.hpp"

namespace trading {

struct node_config;
struct node_metrics;

class counters_publisher {
public:
  /// Publish period: the heartbeat's, and how fresh a reader's figures are.
  static constexpr std::int64_t interval_ns = 100'000'000;

  /// Creates /trading_stat.<node.name>.<pid> and starts publishing; throws
  /// shm::counters_error naming the segment. Call after the peer links exist.
  counters_publisher(const node_config& cfg, const node_metrics& metrics,
                     const std::string& dashboard_url);
  /// Publishes once more, marks the segment exited and removes it.
  ~counters_publisher();

  const std::string& segment_name() const;

private:
  void publish();
  void run();

  const node_config& cfg_;
  const node_metrics& m_;
  std::unique_ptr<shm::counters_writer> writer_;
  figure_list figures_; // reused: no allocation after the first round
  std::uint32_t peers_at_ = 0, symbols_at_ = 0, symbol_count_ = 0;
  int tick_to_trade_ = -1, tick_age_ = -1; // histogram numbers, -1: not hosted
  std::uint64_t events_seen_ = 0;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread thread_;
};

} // namespace trading
