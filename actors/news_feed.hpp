// news_feed: market-wide sentiment 0..100, one step every news_feed.interval_ms.
// Interface:
//   (subscribe_atom, actor)  -> send every news (and the current one at once)
//   (stop_atom)              -> stop; replies true
#pragma once

#include "caf/fwd.hpp"

namespace trading {

struct news_feed_section;
struct feed_metrics;

caf::actor spawn_news_feed(caf::actor_system& sys, const news_feed_section& cfg,
                           feed_metrics& metrics);

} // namespace trading
