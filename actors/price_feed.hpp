// price_feed: every interval, each instrument ticks once (random walk, seeded);
// or, with price_feed.replay, it plays a recorded file (actors/replay_file.hpp) at
// price_feed.speed, one tick per row. In a backtest (node.backtest) it plays one row
// per step the backtest clock asks for, and only once a subscriber is there.
// Public interface: quote_stream_actor (messages/interfaces.hpp): (subscribe, sink)
// starts tick / tick_batch delivery to the sink. Private: stop (from its node),
// timer (from itself), step (from the backtest clock, on its node).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "caf/fwd.hpp"

#include "actors/actor_home.hpp"
#include "actors/counter.hpp"
#include "actors/replay_file.hpp"

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
  /// A CSV file to play instead of the random walk ("" = the walk); the node
  /// opens it and passes it to spawn_price_feed.
  std::string replay;
  /// Replay pace: 1 = real time, 10 = ten times faster, 0 = as fast as it goes.
  double speed = 1.0;

  // Filled by the node from other sections:
  /// The symbols it quotes, in order (from the node's `instruments`).
  std::vector<std::string> instruments;
  bool backtest = false; // node.backtest: play on the clock's steps
  actor_home home = actor_home::scheduler; // caf.io_thread_roles
};

struct price_feed_metrics {
  counter ticks_sent;
  counter messages_out;
  counter subscribers;
  counter replay_skipped; // replay lines malformed or out of order (reported)
  counter replay_unknown; // replay rows of a symbol not traded here (skipped)
  guard_metrics guard;
};

caf::actor spawn_price_feed(caf::actor_system& sys, const price_feed_settings& cfg,
                            price_feed_metrics& metrics,
                            replay_plan<price_replay> replay = {});

} // namespace trading
