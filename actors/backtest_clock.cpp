#include "actors/backtest_clock.hpp"

#include <optional>
#include <vector>

#include "caf/actor_system.hpp"
#include "caf/stateful_actor.hpp"
#include "caf/typed_event_based_actor.hpp"

#include "actors/actor_guard.hpp"
#include "actors/diagnostics.hpp"
#include "messages/interfaces.hpp"
#include "messages/type_ids.hpp"

namespace trading {

namespace {

using backtest_clock_full = backtest_clock_actor;

/// A feed and the timestamp of its next event.
struct source {
  caf::actor feed;
  std::int64_t next = -2; // -2: not known yet, -1: its file has ended
};

struct backtest_clock_state {
  static inline const char* name = "backtest_clock";

  std::vector<source> sources; // news first: it wins ties
  backtest_clock_metrics* metrics = nullptr;
  std::optional<actor_guard> guard;
  void (*on_end)() = nullptr;
  std::uint64_t played = 0;  // events the clock let in
  std::uint64_t handled = 0; // events the strategy has handled
  bool strategy_ready = false;
  bool step_in_flight = false;
  bool finished = false;
};

using self_ptr = backtest_clock_full::stateful_pointer<backtest_clock_state>;

void advance(self_ptr self);

// Asks a feed to play its next event (or, with play false, only for its first
// timestamp) and takes the timestamp of the one after it.
void step(self_ptr self, std::size_t i, bool play) {
  auto& st = self->state;
  st.step_in_flight = true;
  if (play) {
    ++st.played;
    st.metrics->events.add();
  }
  self->request(st.sources[i].feed, caf::infinite, step_atom::value, play)
    .then(
      [self, i](std::int64_t next) {
        self->state.sources[i].next = next;
        self->state.step_in_flight = false;
        advance(self);
      },
      [self, i](caf::error& err) {
        // A feed that cannot answer has nothing more to play.
        log_error(backtest_clock_state::name,
                  "a feed did not answer its step: " + self->system().render(err));
        self->state.sources[i].next = -1;
        self->state.step_in_flight = false;
        advance(self);
      });
}

// Lets the next event in once the last one is handled; ends when none is left.
void advance(self_ptr self) {
  auto& st = self->state;
  if (st.step_in_flight || st.finished)
    return;
  for (std::size_t i = 0; i < st.sources.size(); ++i)
    if (st.sources[i].next == -2) {
      step(self, i, false);
      return;
    }
  if (!st.strategy_ready || st.handled < st.played)
    return;
  std::optional<std::size_t> earliest;
  for (std::size_t i = 0; i < st.sources.size(); ++i)
    if (st.sources[i].next >= 0
        && (!earliest || st.sources[i].next < st.sources[*earliest].next))
      earliest = i;
  if (earliest) {
    step(self, *earliest, true);
    return;
  }
  st.finished = true;
  report("backtest: all " + std::to_string(st.played)
         + " events played and handled: the replay has ended");
  if (st.on_end != nullptr)
    st.on_end();
}

backtest_clock_full::behavior_type backtest_clock(self_ptr self, caf::actor news_feed,
                                                  caf::actor price_feed,
                                                  backtest_clock_metrics* metrics,
                                                  void (*on_end)()) {
  auto& st = self->state;
  st.metrics = metrics;
  st.on_end = on_end;
  st.guard.emplace(backtest_clock_state::name, metrics->guard);
  st.guard->drop_unknown(self);
  for (auto& feed : {news_feed, price_feed})
    if (feed)
      st.sources.push_back(source{feed});
  advance(self); // learns the first timestamps
  return {
    [self](handled_atom, std::uint64_t events) {
      auto& st = self->state;
      if (!st.guard->private_ok(self, "handled"))
        return;
      st.strategy_ready = true;
      st.handled = events;
      advance(self);
    },
  };
}

} // namespace

caf::actor spawn_backtest_clock(caf::actor_system& sys, const caf::actor& news_feed,
                                const caf::actor& price_feed,
                                backtest_clock_metrics& metrics, void (*on_end)()) {
  return caf::actor_cast<caf::actor>(
    sys.spawn(backtest_clock, news_feed, price_feed, &metrics, on_end));
}

} // namespace trading
