// news_feed: market-wide sentiment 0..100, one step every interval, labelled with
// the configured thresholds; with news_feed.per_symbol also one per symbol. Or,
// with news_feed.replay, it plays a recorded file (actors/replay_file.hpp) at
// price_feed.speed; in a backtest (node.backtest) one row per step of the clock.
// Public interface: sentiment_stream_actor (messages/interfaces.hpp): (subscribe,
// sink) sends every news to the sink, the current ones at once (not in a replay:
// it plays what the file says, when it says it). Private: stop (from its node),
// timer (from itself), step (from the backtest clock, on its node).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "caf/fwd.hpp"

#include "actors/actor_home.hpp"
#include "actors/counter.hpp"
#include "actors/replay_file.hpp"

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
  /// Also a sentiment per symbol (each its own walk), beside the market-wide one.
  bool per_symbol = false;
  /// A CSV file to play instead of the walk ("" = the walk); the node opens it.
  std::string replay;

  // Filled by the node from other sections:
  double speed = 1.0;                   // price_feed.speed
  std::int64_t tick_interval_us = 0;    // price_feed.interval_us (its phase)
  bool backtest = false;                // node.backtest
  actor_home home = actor_home::scheduler; // caf.io_thread_roles
  std::vector<std::string> instruments; // instruments
};

struct news_feed_metrics {
  counter news_sent;
  counter messages_out;
  counter subscribers;
  counter replay_skipped; // replay lines malformed or out of order (reported)
  guard_metrics guard;
};

caf::actor spawn_news_feed(caf::actor_system& sys, const news_feed_settings& cfg,
                           news_feed_metrics& metrics,
                           replay_plan<news_replay> replay = {});

} // namespace trading
