#include "actors/news_feed.hpp"

#include <chrono>
#include <optional>

#include "caf/actor_system.hpp"
#include "caf/stateful_actor.hpp"
#include "caf/system_messages.hpp"
#include "caf/typed_event_based_actor.hpp"

#include "actors/actor_guard.hpp"
#include "actors/diagnostics.hpp"
#include "actors/io_thread_actor.hpp"
#include "actors/interval_schedule.hpp"
#include "actors/market_models.hpp"
#include "actors/replay_player.hpp"
#include "actors/self_timer.hpp"
#include "actors/subscribers.hpp"
#include "messages/interfaces.hpp"
#include "messages/type_ids.hpp"

namespace trading {

namespace {

/// The public sentiment stream plus what only its node (stop, the backtest
/// clock's step) and itself (timer) send.
using news_feed_actor = sentiment_stream_actor::extend<
  caf::replies_to<stop_atom>::with<bool>, caf::reacts_to<timer_atom>,
  caf::replies_to<step_atom, bool>::with<std::int64_t>>;

struct news_feed_state {
  static inline const char* name = "news_feed";

  news_feed_settings cfg;
  news_feed_metrics* metrics = nullptr;
  std::optional<news_walk> walk;
  std::optional<actor_guard> guard;
  subscriber_list<sentiment_sink_actor> subscribers;
  std::uint64_t incarnation = new_incarnation_id();
  std::uint64_t sequence = 0;
  bool running = true;
  std::optional<interval_timer> timer; // the walk's
  replay_state<news_replay> replay;

  news make(std::string symbol, std::int32_t sentiment, nanos_t event_ns) {
    news n;
    n.symbol = std::move(symbol);
    n.sentiment = sentiment;
    n.label = label_for(n.sentiment, static_cast<std::int32_t>(cfg.positive_above),
                        static_cast<std::int32_t>(cfg.negative_below));
    n.feed_incarnation = incarnation;
    n.sequence = ++sequence;
    n.created_ns = mono_ns();
    n.event_ns = event_ns;
    return n;
  }

  // The walk's current sentiments (market-wide first), to `who` or to everyone.
  template <class Send>
  void send_walk(Send&& send) {
    auto event = wall_ns();
    for (std::size_t i = 0; i < walk->size(); ++i)
      send(make(walk->symbol(i), walk->value(i), event));
  }

  template <class Self>
  void publish(Self* self, const news& n) {
    metrics->news_sent.add();
    metrics->messages_out.add(subscribers.send_all(self, n));
  }
};

using self_ptr = news_feed_actor::stateful_pointer<news_feed_state>;

void play_row(self_ptr self, const news_record& r) {
  auto& st = self->state;
  st.publish(self, st.make(r.symbol, r.sentiment, r.timestamp_ns));
}

void count_replay(news_feed_state& st) {
  auto& c = st.replay.plan.source->counts();
  st.metrics->replay_skipped.set(c.malformed + c.out_of_order);
}

news_feed_actor::behavior_type news_feed(self_ptr self, const news_feed_settings& cfg,
                                         news_feed_metrics* metrics,
                                         replay_plan<news_replay> plan) {
  auto& st = self->state;
  st.cfg = cfg;
  st.metrics = metrics;
  st.replay.plan = std::move(plan);
  st.walk.emplace(static_cast<std::int32_t>(cfg.start_sentiment),
                  static_cast<std::uint64_t>(cfg.seed),
                  static_cast<std::int32_t>(cfg.step),
                  static_cast<std::int32_t>(cfg.jump), cfg.jump_probability,
                  cfg.per_symbol ? cfg.instruments : std::vector<std::string>{});
  st.subscribers.track(news_feed_state::name, metrics->subscribers);
  st.guard.emplace(news_feed_state::name, metrics->guard);
  st.guard->drop_unknown(self);
  self->set_down_handler(
    [self](caf::down_msg& msg) { self->state.subscribers.remove(msg); });
  if (st.replay.active()) {
    st.replay.pacer.emplace(st.replay.plan.origin_ns, cfg.speed, mono_ns());
    if (!cfg.backtest)
      self->send(self, timer_atom::value);
  } else {
    // Half a tick interval off the price feed's grid: a news event never lands
    // in a tick batch's path (with an interval that is a multiple of the
    // price feed's).
    start_self_timer(self, st.timer,
                     interval_schedule{cfg.interval_ms * 1'000'000,
                                       cfg.tick_interval_us * 500, mono_ns()},
                     news_feed_state::name);
  }
  auto emit_row = [self](const news_record& r) { play_row(self, r); };
  auto flush = [self] { count_replay(self->state); };
  return {
    [self, emit_row, flush](subscribe_atom, sentiment_sink_actor& who) {
      auto& st = self->state;
      if (!st.subscribers.add(self, who))
        return;
      if (st.replay.active()) {
        play_deferred_step(st.replay, news_feed_state::name, emit_row, flush);
        return;
      }
      // A new subscriber starts from the current sentiments, not from nothing.
      st.send_walk([&](const news& n) {
        self->send(who, n);
        st.metrics->messages_out.add();
      });
    },
    [self, emit_row, flush](timer_atom) {
      auto& st = self->state;
      if (!st.guard->self_ok(self, "timer") || !st.running)
        return;
      if (st.replay.active()) {
        play_paced(self, st.replay, news_feed_state::name, emit_row, flush);
        return;
      }
      if (!st.timer)
        return;
      for (auto due = st.timer->take(); due > 0; --due) {
        st.walk->next();
        st.send_walk([&](const news& n) { st.publish(self, n); });
      }
    },
    [self, emit_row, flush](step_atom, bool play) -> caf::result<std::int64_t> {
      auto& st = self->state;
      if (!st.guard->private_ok(self, "step") || !st.replay.active() || !st.running)
        return std::int64_t{-1};
      return play_step(self, st.replay, st.subscribers.size(), play,
                       news_feed_state::name, emit_row, flush);
    },
    [self](stop_atom) {
      return stop_timed_feed(self);
    },
  };
}

} // namespace

caf::actor spawn_news_feed(caf::actor_system& sys, const news_feed_settings& cfg,
                           news_feed_metrics& metrics, replay_plan<news_replay> replay) {
  return caf::actor_cast<caf::actor>(
    spawn_at(sys, cfg.home, news_feed, cfg, &metrics, std::move(replay)));
}

} // namespace trading
