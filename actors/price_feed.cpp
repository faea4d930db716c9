#include "actors/price_feed.hpp"

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
#include "actors/reused_message.hpp"
#include "actors/self_timer.hpp"
#include "actors/subscribers.hpp"
#include "messages/interfaces.hpp"
#include "messages/type_ids.hpp"

namespace trading {

namespace {

/// The public quote stream plus what only its node (stop, the backtest clock's
/// step) and itself (timer) send.
using price_feed_actor = quote_stream_actor::extend<
  caf::replies_to<stop_atom>::with<bool>, caf::reacts_to<timer_atom>,
  caf::replies_to<step_atom, bool>::with<std::int64_t>>;

struct price_feed_state {
  static inline const char* name = "price_feed";

  void init(const price_feed_settings& settings, price_feed_metrics& m,
            replay_plan<price_replay> plan) {
    cfg = settings;
    metrics = &m;
    replay.plan = std::move(plan);
    std::map<std::string, double> start;
    for (auto& symbol : cfg.instruments)
      start.emplace(symbol, cfg.start_prices.at(symbol)); // the node checked
    walk.emplace(start, static_cast<std::uint64_t>(cfg.seed), cfg.volatility,
                 cfg.spread_bps, new_incarnation_id());
    subscribers.track(name, m.subscribers);
    guard.emplace(name, m.guard);
    batch_capacity = walk->symbol_count() * static_cast<std::size_t>(cfg.ticks_per_interval);
  }

  /// The ticks of the interval being drawn, in the message that will carry them.
  tick_batch& batch() {
    return outgoing.filling([this](tick_batch& b) {
      b.ticks.clear();
      b.ticks.reserve(batch_capacity);
    });
  }

  price_feed_settings cfg;
  price_feed_metrics* metrics = nullptr;
  std::optional<price_walk> walk;
  std::optional<actor_guard> guard;
  subscriber_list<quote_sink_actor> subscribers;
  // Filled in place and shared by the subscribers: once warm, an interval
  // neither allocates nor copies its ticks (the copy of the profile's five ticks
  // into a new message was about 0.5 us of feed -> book, measured).
  reused_message<tick_batch> outgoing;
  std::size_t batch_capacity = 0;
  bool running = true;
  std::optional<interval_timer> timer; // the walk's: on the grid, phase 0
  // Replay (price_feed.replay):
  replay_state<price_replay> replay;
  std::uint64_t incarnation = 0;
  std::uint64_t sequence = 0;
};

using self_ptr = price_feed_actor::stateful_pointer<price_feed_state>;

// Sends the ticks collected in the batch (as one message with price_feed.batch).
void publish(self_ptr self) {
  auto& st = self->state;
  std::size_t sent = 0;
  auto count = st.batch().ticks.size();
  if (st.cfg.batch) {
    sent = st.subscribers.share_all<tick_batch>(self, st.outgoing.sealed());
  } else {
    for (auto& t : st.batch().ticks)
      sent += st.subscribers.send_all(self, t);
    st.outgoing.sealed(); // kept: the next interval reuses it
  }
  st.metrics->ticks_sent.add(count);
  st.metrics->messages_out.add(sent);
}

void emit(self_ptr self) {
  auto& st = self->state;
  auto event = wall_ns(); // the walk's event time: when it made the tick
  auto& ticks = st.batch().ticks;
  for (std::int64_t i = 0; i < st.cfg.ticks_per_interval; ++i)
    st.walk->step(ticks, 0); // stamped below
  // Stamped once the batch is drawn, just before it is sent: tick-to-trade (and
  // tick age) start when the feed hands a tick over, not while the simulated
  // market draws it (1-1.5 us for the profile's five symbols, measured).
  auto created = mono_ns();
  for (auto& t : ticks) {
    t.created_ns = created;
    t.event_ns = event;
  }
  publish(self);
}

// The one place where a replayed row becomes a tick (the reader plays only traded
// symbols), with the row's depth: levels 2..5 of r.bids / r.asks.
void collect_row(price_feed_state& st, const price_record& r) {
  static_assert(max_replay_levels == book_levels);
  tick t;
  t.symbol = r.symbol;
  t.top = r.top();
  for (std::size_t i = 1; i < r.bid_levels; ++i)
    t.depth.bids[i - 1] = level{r.bids[i].price, r.bids[i].size};
  for (std::size_t i = 1; i < r.ask_levels; ++i)
    t.depth.asks[i - 1] = level{r.asks[i].price, r.asks[i].size};
  t.feed_incarnation = st.incarnation;
  t.sequence = ++st.sequence;
  t.created_ns = mono_ns();
  t.event_ns = r.timestamp_ns;
  st.batch().ticks.push_back(std::move(t));
}

void count_replay(price_feed_state& st) {
  auto& c = st.replay.plan.source->counts();
  st.metrics->replay_skipped.set(c.malformed + c.out_of_order);
  st.metrics->replay_unknown.set(c.other_symbol);
}

void play_replay(self_ptr self) {
  auto& st = self->state;
  play_paced(
    self, st.replay, price_feed_state::name,
    [&](const price_record& r) { collect_row(st, r); },
    [&] {
      publish(self);
      count_replay(st);
    });
}

price_feed_actor::behavior_type price_feed(self_ptr self,
                                           const price_feed_settings& cfg,
                                           price_feed_metrics* metrics,
                                           replay_plan<price_replay> plan) {
  auto& st = self->state;
  st.init(cfg, *metrics, std::move(plan));
  st.guard->drop_unknown(self);
  self->set_down_handler(
    [self](caf::down_msg& msg) { self->state.subscribers.remove(msg); });
  if (st.replay.active()) {
    st.incarnation = new_incarnation_id();
    st.replay.pacer.emplace(st.replay.plan.origin_ns, cfg.speed, mono_ns());
    if (!cfg.backtest) // a backtest plays on the clock's steps, not on a timer
      self->send(self, timer_atom::value);
  } else if (!cfg.backtest) {
    start_self_timer(self, st.timer, interval_schedule{cfg.interval_us * 1000, 0, mono_ns()},
                     price_feed_state::name);
  }
  auto emit_row = [self](const price_record& r) { collect_row(self->state, r); };
  auto flush = [self] {
    publish(self);
    count_replay(self->state);
  };
  return {
    [self, emit_row, flush](subscribe_atom, quote_sink_actor& who) {
      auto& st = self->state;
      if (st.subscribers.add(self, who) && st.replay.active())
        play_deferred_step(st.replay, price_feed_state::name, emit_row, flush);
    },
    [self](timer_atom) {
      if (!self->state.guard->self_ok(self, "timer") || !self->state.running)
        return;
      if (self->state.replay.active()) {
        play_replay(self);
        return;
      }
      if (!self->state.timer)
        return;
      for (auto due = self->state.timer->take(); due > 0; --due)
        emit(self);
    },
    [self, emit_row, flush](step_atom, bool play) -> caf::result<std::int64_t> {
      auto& st = self->state;
      if (!st.guard->private_ok(self, "step") || !st.replay.active() || !st.running)
        return std::int64_t{-1};
      return play_step(self, st.replay, st.subscribers.size(), play,
                       price_feed_state::name, emit_row, flush);
    },
    [self](stop_atom) {
      return stop_timed_feed(self);
    },
  };
}

} // namespace

caf::actor spawn_price_feed(caf::actor_system& sys, const price_feed_settings& cfg,
                            price_feed_metrics& metrics,
                            replay_plan<price_replay> replay) {
  return caf::actor_cast<caf::actor>(
    spawn_at(sys, cfg.home, price_feed, cfg, &metrics, std::move(replay)));
}

} // namespace trading
