// news_feed: market-wide sentiment 0..100, one step every interval, labelled with
// the configured thresholds.
// Public interface: sentiment_stream_actor (messages/interfaces.hpp): (subscribe,
// sink) sends every news to the sink, the current one at once. Private: stop (from
// its node), timer (from itself).
#pragma once

#include <cstdint>

#include "caf/fwd.hpp"

#include "actors/counter.hpp"

namespace trading {

struct news_feed_settings {
  std::int64_t interval_ms = 1000;
  std::int64_t seed = 7;
  std::int64_t start_sentiment = 50;
  std::int64_t step = 5;
  std::int64_t jump = 20;
  double jump_probability = 0.1;
  /// The label: positive above, negative below, neutral between (seed 000's 60/40).
  std::int64_t positive_above = 60;
  std::int64_t negative_below = 40;
};

struct news_feed_metrics {
  counter news_sent;
  counter messages_out;
  counter subscribers;
  guard_metrics guard;
};

caf::actor spawn_news_feed(caf::actor_system& sys, const news_feed_settings& cfg,
                           news_feed_metrics& metrics);

} // namespace trading
