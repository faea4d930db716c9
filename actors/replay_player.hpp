// The replay half of a feed actor (price_feed, news_feed): paced play on its own
// timer, or one event per step of the backtest clock. Templates over the feed's
// actor type; include from the feeds' sources only (CAF).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "caf/typed_response_promise.hpp"

#include "actors/diagnostics.hpp"
#include "actors/replay_file.hpp"
#include "messages/atoms.hpp"

namespace trading {

template <class Reader>
struct replay_state {
  replay_plan<Reader> plan;
  std::optional<replay_pacer> pacer;
  /// A backtest step that waits for the feed's first subscriber: played then.
  std::optional<caf::typed_response_promise<std::int64_t>> deferred_step;
  bool ended = false;

  bool active() const {
    return plan.source != nullptr;
  }

  /// The next event's timestamp, -1 when the file has ended.
  std::int64_t next_timestamp() {
    auto head = plan.source->peek();
    return head != nullptr ? head->timestamp_ns : -1;
  }

  /// Logs the replay's counts once, and tells the node (outside a backtest).
  void end(const char* who) {
    if (ended)
      return;
    ended = true;
    log_info(who, "replay ended: " + describe(*plan.source));
    if (plan.on_end != nullptr)
      plan.on_end();
  }
};

/// Paced play: plays every event that is due through `emit`, then `flush` (which
/// sends what emit collected), and re-arms the feed's timer for the next one.
template <class Self, class Reader, class Emit, class Flush>
void play_paced(Self* self, replay_state<Reader>& st, const char* who, Emit&& emit,
                Flush&& flush) {
  auto wait = play_due(*st.plan.source, *st.pacer, mono_ns(), emit);
  flush();
  if (wait < 0)
    st.end(who);
  else if (wait == 0)
    self->send(self, timer_atom::value); // a full burst: let others run first
  else // paced by the recording's timestamps, not a grid: no interval_timer here
    self->delayed_send(self, std::chrono::nanoseconds(wait), timer_atom::value);
}

/// Plays the next event if `play` and returns the timestamp of the one after it
/// (-1: none).
template <class Reader, class Emit, class Flush>
std::int64_t step_now(replay_state<Reader>& st, bool play, const char* who, Emit&& emit,
                      Flush&& flush) {
  if (play)
    if (auto x = st.plan.source->next()) {
      emit(*x);
      flush();
    }
  auto next = st.next_timestamp();
  if (next < 0)
    st.end(who);
  return next;
}

/// A backtest step: plays the next event if `play`, once the feed has a
/// subscriber (so nothing is played to nobody; the step waits for one), and
/// answers the timestamp of the event after it (-1: none).
template <class Self, class Reader, class Emit, class Flush>
caf::result<std::int64_t> play_step(Self* self, replay_state<Reader>& st,
                                    std::size_t subscribers, bool play, const char* who,
                                    Emit&& emit, Flush&& flush) {
  if (play && subscribers == 0) {
    st.deferred_step = self->template make_response_promise<std::int64_t>();
    return *st.deferred_step;
  }
  return step_now(st, play, who, emit, flush);
}

/// After a subscriber arrived: plays the step that waited for one.
template <class Reader, class Emit, class Flush>
void play_deferred_step(replay_state<Reader>& st, const char* who, Emit&& emit,
                        Flush&& flush) {
  if (!st.deferred_step)
    return;
  auto promise = std::move(*st.deferred_step);
  st.deferred_step.reset();
  promise.deliver(step_now(st, true, who, emit, flush));
}

} // namespace trading
