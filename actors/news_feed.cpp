#include "actors/news_feed.hpp"

#include <chrono>
#include <optional>

#include "caf/actor_system.hpp"
#include "caf/event_based_actor.hpp"
#include "caf/stateful_actor.hpp"
#include "caf/system_messages.hpp"

#include "actors/diagnostics.hpp"
#include "actors/market_models.hpp"
#include "actors/metrics.hpp"
#include "actors/subscribers.hpp"
#include "messages/atoms.hpp"
#include "messages/type_ids.hpp"
#include "nodes/config.hpp"

namespace trading {

namespace {

struct news_feed_state {
  static inline const char* name = "news_feed";

  news_feed_section cfg;
  feed_metrics* metrics = nullptr;
  std::optional<sentiment_walk> walk;
  subscriber_list subscribers;
  std::uint64_t incarnation = new_incarnation_id();
  std::uint64_t sequence = 0;
  bool running = true;

  news current() const {
    news n;
    n.sentiment = walk->value();
    n.label = label_for(n.sentiment);
    n.feed_incarnation = incarnation;
    n.sequence = sequence;
    n.created_ns = mono_ns();
    return n;
  }
};

using self_ptr = caf::stateful_actor<news_feed_state>*;

caf::behavior news_feed(self_ptr self, const news_feed_section& cfg,
                        feed_metrics* metrics) {
  auto& st = self->state;
  st.cfg = cfg;
  st.metrics = metrics;
  st.walk.emplace(static_cast<std::int32_t>(cfg.start_sentiment),
                  static_cast<std::uint64_t>(cfg.seed),
                  static_cast<std::int32_t>(cfg.step),
                  static_cast<std::int32_t>(cfg.jump), cfg.jump_probability);
  st.subscribers.track(news_feed_state::name, metrics->subscribers);
  self->set_down_handler(
    [self](caf::down_msg& msg) { self->state.subscribers.remove(msg); });
  auto interval = std::chrono::milliseconds(cfg.interval_ms);
  self->delayed_send(self, interval, timer_atom::value);
  return {
    [self](subscribe_atom, caf::actor& who) {
      auto& st = self->state;
      if (!st.subscribers.add(self, who))
        return;
      // A new subscriber starts from the current sentiment, not from nothing.
      self->send(who, st.current());
      st.metrics->messages_out.add();
    },
    [self, interval](timer_atom) {
      auto& st = self->state;
      if (!st.running)
        return;
      st.walk->next();
      ++st.sequence;
      st.metrics->news_sent.add();
      st.metrics->messages_out.add(st.subscribers.send_all(self, st.current()));
      self->delayed_send(self, interval, timer_atom::value);
    },
    [self](stop_atom) {
      self->state.running = false;
      return true;
    },
  };
}

} // namespace

caf::actor spawn_news_feed(caf::actor_system& sys, const news_feed_section& cfg,
                           feed_metrics& metrics) {
  return sys.spawn(news_feed, cfg, &metrics);
}

} // namespace trading
