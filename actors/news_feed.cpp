#include "actors/news_feed.hpp"

#include <chrono>
#include <optional>

#include "caf/actor_system.hpp"
#include "caf/stateful_actor.hpp"
#include "caf/system_messages.hpp"
#include "caf/typed_event_based_actor.hpp"

#include "actors/actor_guard.hpp"
#include "actors/diagnostics.hpp"
#include "actors/market_models.hpp"
#include "actors/subscribers.hpp"
#include "messages/interfaces.hpp"
#include "messages/type_ids.hpp"

namespace trading {

namespace {

/// The public sentiment stream plus what only its node (stop) and itself (timer)
/// send.
using news_feed_actor = sentiment_stream_actor::extend<
  caf::replies_to<stop_atom>::with<bool>, caf::reacts_to<timer_atom>>;

struct news_feed_state {
  static inline const char* name = "news_feed";

  news_feed_settings cfg;
  news_feed_metrics* metrics = nullptr;
  std::optional<sentiment_walk> walk;
  std::optional<actor_guard> guard;
  subscriber_list<sentiment_sink_actor> subscribers;
  std::uint64_t incarnation = new_incarnation_id();
  std::uint64_t sequence = 0;
  bool running = true;

  news current() const {
    news n;
    n.sentiment = walk->value();
    n.label = label_for(n.sentiment, static_cast<std::int32_t>(cfg.positive_above),
                        static_cast<std::int32_t>(cfg.negative_below));
    n.feed_incarnation = incarnation;
    n.sequence = sequence;
    n.created_ns = mono_ns();
    return n;
  }
};

using self_ptr = news_feed_actor::stateful_pointer<news_feed_state>;

news_feed_actor::behavior_type news_feed(self_ptr self, const news_feed_settings& cfg,
                                         news_feed_metrics* metrics) {
  auto& st = self->state;
  st.cfg = cfg;
  st.metrics = metrics;
  st.walk.emplace(static_cast<std::int32_t>(cfg.start_sentiment),
                  static_cast<std::uint64_t>(cfg.seed),
                  static_cast<std::int32_t>(cfg.step),
                  static_cast<std::int32_t>(cfg.jump), cfg.jump_probability);
  st.subscribers.track(news_feed_state::name, metrics->subscribers);
  st.guard.emplace(news_feed_state::name, metrics->guard);
  st.guard->drop_unknown(self);
  self->set_down_handler(
    [self](caf::down_msg& msg) { self->state.subscribers.remove(msg); });
  auto interval = std::chrono::milliseconds(cfg.interval_ms);
  self->delayed_send(self, interval, timer_atom::value);
  return {
    [self](subscribe_atom, sentiment_sink_actor& who) {
      auto& st = self->state;
      if (!st.subscribers.add(self, who))
        return;
      // A new subscriber starts from the current sentiment, not from nothing.
      self->send(who, st.current());
      st.metrics->messages_out.add();
    },
    [self, interval](timer_atom) {
      auto& st = self->state;
      if (!st.guard->self_ok(self, "timer") || !st.running)
        return;
      st.walk->next();
      ++st.sequence;
      st.metrics->news_sent.add();
      st.metrics->messages_out.add(st.subscribers.send_all(self, st.current()));
      self->delayed_send(self, interval, timer_atom::value);
    },
    [self](stop_atom) {
      if (!self->state.guard->private_ok(self, "stop"))
        return false;
      self->state.running = false;
      self->state.guard->flush();
      return true;
    },
  };
}

} // namespace

caf::actor spawn_news_feed(caf::actor_system& sys, const news_feed_settings& cfg,
                           news_feed_metrics& metrics) {
  return caf::actor_cast<caf::actor>(sys.spawn(news_feed, cfg, &metrics));
}

} // namespace trading
