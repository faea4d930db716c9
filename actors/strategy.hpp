// strategy: the signal generator. Moving averages of each symbol's last price
// (short above long: BUY, below: SELL) combined with sentiment (BUY > buy_above,
// SELL < sell_below); it orders only when both agree, toward a target position, one
// order per symbol at a time, and its position moves only on a reported fill.
//
// It runs on its own thread (a detached blocking actor) because in shm mode it
// polls the segment's change counter every strategy.poll_us (0 = spin) instead of
// waiting for a message. Interface:
//   news                              -> sentiment (market-wide or per symbol)
//   book_update                       -> new prices (strategy.book_source = actor)
//   execution_report                  -> the OMS's answer to one of our orders
//   (peer_atom, role, actor)          -> oms / news_feed / book handed over or lost
//   (stop_atom)                       -> stop ordering, wait (bounded) for the
//                                        answers still due, reply true, quit
#pragma once

#include <string>
#include <vector>

#include "caf/fwd.hpp"

namespace trading {

struct strategy_section;
struct book_section;
struct strategy_metrics;
class append_log;

caf::actor spawn_strategy(caf::actor_system& sys, const strategy_section& cfg,
                          const book_section& book, std::vector<std::string> symbols,
                          append_log& orders_log, strategy_metrics& metrics,
                          std::int64_t drain_timeout_ms);

} // namespace trading
