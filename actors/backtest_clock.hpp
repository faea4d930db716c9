// backtest_clock: the one event clock of a backtest (node.backtest, one process).
// It merges the replays of the price feed and the news feed by timestamp and lets
// exactly one event into the stack at a time: it asks the feed whose next event
// is earliest to play it (step), then waits until the strategy says it has
// handled every event so far and every order they caused has its outcome
// (handled). Only then the next event. So each event meets the same state on
// every run, and the orders and fills come out the same, line for line.
//
//   clock --(step)--> feed --tick/news--> book --> strategy --order--> oms
//     ^                                              |   <--report--'
//     '------------------(handled, n)----------------'
//
// At equal timestamps news goes first (a price at t is read with the news of t).
// When both files have ended and the last event is handled, it calls `on_end`
// (the node drains and exits 0).
// Interface: backtest_clock_actor (messages/interfaces.hpp), for its node's
// strategy only (never published); its node ends it with an exit message.
#pragma once

#include <cstdint>

#include "caf/fwd.hpp"

#include "actors/counter.hpp"

namespace trading {

struct backtest_clock_metrics {
  counter events; // played into the stack
  guard_metrics guard;
};

/// `news_feed` and `price_feed` are the node's feeds (either may be invalid: not
/// replaying); both answer (step_atom, bool) -> int64.
caf::actor spawn_backtest_clock(caf::actor_system& sys, const caf::actor& news_feed,
                                const caf::actor& price_feed,
                                backtest_clock_metrics& metrics, void (*on_end)());

} // namespace trading
