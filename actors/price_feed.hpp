// price_feed: every interval, each instrument ticks once (random walk, seeded).
// Public interface: quote_stream_actor (messages/interfaces.hpp): (subscribe, sink)
// starts tick / tick_batch delivery to the sink. Private: stop (from its node),
// timer (from itself).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "caf/fwd.hpp"

#include "actors/counter.hpp"

namespace trading {

struct price_feed_settings {
  /// Start price per symbol (key price_feed.symbols). The node checks that every
  /// instrument has one.
  std::map<std::string, double> start_prices{{"AAPL", 175.0}, {"MSFT", 330.0},
                                             {"GOOGL", 140.0}, {"AMZN", 145.0},
                                             {"META", 350.0}};
  std::int64_t interval_us = 100'000;
  std::int64_t seed = 42;
  double volatility = 0.001;
  double spread_bps = 2.0;
  /// Ticks of one interval go out as one tick_batch message.
  bool batch = false;
  /// Times every symbol ticks per interval (a load knob for benchmarks).
  std::int64_t ticks_per_interval = 1;
  /// The symbols it quotes, in order (from the node's `instruments`).
  std::vector<std::string> instruments;
};

struct price_feed_metrics {
  counter ticks_sent;
  counter messages_out;
  counter subscribers;
  guard_metrics guard;
};

caf::actor spawn_price_feed(caf::actor_system& sys, const price_feed_settings& cfg,
                            price_feed_metrics& metrics);

} // namespace trading
