// Everything a node counts: one block per role's actor (each declared beside its
// actor) and the node's own peer links. The actors write their blocks; the node's
// main thread reads them for the stats line, the summary and the results file.
#pragma once

#include <array>
#include <atomic>
#include <string>
#include <cstdint>

#include "actors/backtest_clock.hpp"
#include "actors/edge.hpp"
#include "actors/news_feed.hpp"
#include "actors/oms.hpp"
#include "actors/price_feed.hpp"
#include "actors/strategy.hpp"
#include "actors/top_of_book.hpp"

namespace trading {

/// One peer node, as its link sees it (the live view's peer health).
struct peer_metrics {
  std::string label;                      // "price_feed,book@127.0.0.1:5001", set before the link starts
  std::atomic<std::int64_t> connected{0}; // streams handed over now
  std::int64_t expected = 0;              // streams wanted from it
  std::atomic<std::uint64_t> losses{0};
};

/// Shared by all of a node's peer links, so these take read-modify-writes.
struct link_metrics {
  std::atomic<std::int64_t> expected{0};  // remote streams this node needs
  std::atomic<std::int64_t> connected{0}; // of which handed over now
  std::atomic<std::uint64_t> reconnects{0};
  std::atomic<std::uint64_t> losses{0};   // peers lost (died, hung, closed)
  /// One per peer node (one per producer node: at most one per role), the first
  /// peer_count used; written before the links start.
  std::array<peer_metrics, 8> peers;
  std::size_t peer_count = 0;
};

struct node_metrics {
  price_feed_metrics price_feed;
  news_feed_metrics news_feed;
  top_of_book_metrics book;
  strategy_metrics strategy;
  oms_metrics oms;
  edge_metrics edge;
  link_metrics links;
  backtest_clock_metrics backtest_clock;
};

} // namespace trading
