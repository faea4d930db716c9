// price_feed: every price_feed.interval_us, each symbol ticks once (random walk,
// seeded). Interface:
//   (subscribe_atom, actor)  -> start sending tick / tick_batch to that actor
//   (stop_atom)              -> stop ticking; replies true
#pragma once

#include "caf/fwd.hpp"

namespace trading {

struct price_feed_section;
struct feed_metrics;

caf::actor spawn_price_feed(caf::actor_system& sys, const price_feed_section& cfg,
                            feed_metrics& metrics);

} // namespace trading
