#include "actors/price_feed.hpp"

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

/// The public quote stream plus what only its node (stop) and itself (timer) send.
using price_feed_actor = quote_stream_actor::extend<
  caf::replies_to<stop_atom>::with<bool>, caf::reacts_to<timer_atom>>;

struct price_feed_state {
  static inline const char* name = "price_feed";

  void init(const price_feed_settings& settings, price_feed_metrics& m) {
    cfg = settings;
    metrics = &m;
    std::map<std::string, double> start;
    for (auto& symbol : cfg.instruments)
      start.emplace(symbol, cfg.start_prices.at(symbol)); // the node checked
    walk.emplace(start, static_cast<std::uint64_t>(cfg.seed), cfg.volatility,
                 cfg.spread_bps, new_incarnation_id());
    subscribers.track(name, m.subscribers);
    guard.emplace(name, m.guard);
    batch.ticks.reserve(walk->symbol_count()
                        * static_cast<std::size_t>(cfg.ticks_per_interval));
  }

  price_feed_settings cfg;
  price_feed_metrics* metrics = nullptr;
  std::optional<price_walk> walk;
  std::optional<actor_guard> guard;
  subscriber_list<quote_sink_actor> subscribers;
  tick_batch batch; // reused every interval: no allocation once warm
  bool running = true;
  nanos_t next_due_ns = 0;
};

using self_ptr = price_feed_actor::stateful_pointer<price_feed_state>;

// Re-arms the timer against an absolute schedule, so the offered rate does not
// drift with timer lateness: a late interval fires at once and the feed catches
// up. After a long stall (a stopped process) it skips ahead instead of bursting.
void arm_timer(self_ptr self) {
  constexpr std::int64_t max_intervals_behind = 100;
  auto& st = self->state;
  auto interval_ns = st.cfg.interval_us * 1000;
  st.next_due_ns += interval_ns;
  auto now = mono_ns();
  auto wait = st.next_due_ns - now;
  if (wait < -max_intervals_behind * interval_ns) {
    log_warn(price_feed_state::name,
             "fell " + std::to_string(-wait / interval_ns)
               + " intervals behind: skipping ahead");
    st.next_due_ns = now;
    wait = 0;
  }
  if (wait <= 0)
    self->send(self, timer_atom::value);
  else
    self->delayed_send(self, std::chrono::nanoseconds(wait), timer_atom::value);
}

void emit(self_ptr self) {
  auto& st = self->state;
  st.batch.ticks.clear();
  for (std::int64_t i = 0; i < st.cfg.ticks_per_interval; ++i)
    st.walk->step(st.batch.ticks, mono_ns());
  std::size_t sent = 0;
  if (st.cfg.batch) {
    sent = st.subscribers.send_all(self, st.batch);
  } else {
    for (auto& t : st.batch.ticks)
      sent += st.subscribers.send_all(self, t);
  }
  st.metrics->ticks_sent.add(st.batch.ticks.size());
  st.metrics->messages_out.add(sent);
}

price_feed_actor::behavior_type price_feed(self_ptr self,
                                           const price_feed_settings& cfg,
                                           price_feed_metrics* metrics) {
  self->state.init(cfg, *metrics);
  self->state.guard->drop_unknown(self);
  self->set_down_handler(
    [self](caf::down_msg& msg) { self->state.subscribers.remove(msg); });
  self->state.next_due_ns = mono_ns();
  self->send(self, timer_atom::value);
  return {
    [self](subscribe_atom, quote_sink_actor& who) {
      self->state.subscribers.add(self, who);
    },
    [self](timer_atom) {
      if (!self->state.guard->self_ok(self, "timer") || !self->state.running)
        return;
      // Re-arm first: delayed_send wakes CAF's clock thread, which may preempt
      // this worker; better before the ticks are stamped than between the feed
      // and the book.
      arm_timer(self);
      emit(self);
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

caf::actor spawn_price_feed(caf::actor_system& sys, const price_feed_settings& cfg,
                            price_feed_metrics& metrics) {
  return caf::actor_cast<caf::actor>(sys.spawn(price_feed, cfg, &metrics));
}

} // namespace trading
