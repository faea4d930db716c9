#include "actors/top_of_book.hpp"

#include <chrono>
#include <optional>
#include <unordered_map>

#include "caf/actor_system.hpp"
#include "caf/make_message.hpp"
#include "caf/stateful_actor.hpp"
#include "caf/system_messages.hpp"
#include "caf/typed_event_based_actor.hpp"

#include "actors/actor_guard.hpp"
#include "actors/diagnostics.hpp"
#include "actors/io_thread_actor.hpp"
#include "actors/subscribers.hpp"
#include "messages/interfaces.hpp"
#include "messages/type_ids.hpp"
#include "shm/book_segment.hpp"

namespace trading {

namespace {

/// Takes the feed's quotes and republishes the book's (public), plus what only its
/// node (stop, the feed's hand-over) and itself (the heartbeat timer) send.
using top_of_book_actor = quote_sink_actor::extend_with<quote_stream_actor>::extend<
  caf::replies_to<stop_atom>::with<bool>, handover<quote_stream_actor>,
  caf::reacts_to<timer_atom>>;

struct top_of_book_state {
  static inline const char* name = "book";

  top_of_book_settings cfg;
  top_of_book_metrics* metrics = nullptr;
  void (*on_segment_lost)(const std::string&) = nullptr;
  std::shared_ptr<shm::segment_writer> segment;
  std::unordered_map<std::string, std::uint32_t> slots;
  subscriber_list<quote_sink_actor> subscribers;
  std::optional<actor_guard> guard;
  std::optional<log_limiter> skips; // unknown symbols, once per interval
  std::uint64_t feed_incarnation = 0;
  std::uint64_t last_sequence = 0;
  shm::slot_entry entry{}; // reused for every write
  bool lost = false;       // the segment shrank or was replaced: write no more
};

using self_ptr = top_of_book_actor::stateful_pointer<top_of_book_state>;

// Sequence bookkeeping: a changed incarnation is a restarted feed (reset);
// within one incarnation a jump forward is a gap of the missing ticks.
void track_sequence(top_of_book_state& st, const tick& t) {
  if (t.feed_incarnation != st.feed_incarnation) {
    if (st.feed_incarnation != 0) {
      st.metrics->resets.add();
      log_info(top_of_book_state::name,
               "price feed restarted (new incarnation): sequence reset");
    }
    st.feed_incarnation = t.feed_incarnation;
  } else if (t.sequence > st.last_sequence + 1) {
    auto missing = t.sequence - st.last_sequence - 1;
    st.metrics->gaps.add(missing);
    log_warn(top_of_book_state::name,
             "sequence gap: " + std::to_string(missing) + " tick(s) missing before "
               + std::to_string(t.sequence));
  }
  st.last_sequence = t.sequence;
}

// Writes the tick's slot; the change counter moves at publish() (per tick, or
// once per tick_batch so that the strategy sees the whole batch in one pass).
void apply(self_ptr self, const tick& t, nanos_t received_ns) {
  auto& st = self->state;
  st.metrics->ticks_in.add();
  auto slot = st.slots.find(t.symbol);
  if (slot == st.slots.end()) {
    // First sight of a symbol: ask the segment once and remember the answer.
    if (auto index = st.segment->slot_of(t.symbol); index >= 0)
      slot = st.slots.emplace(t.symbol, static_cast<std::uint32_t>(index)).first;
  }
  if (slot == st.slots.end()) {
    st.metrics->skipped.add();
    st.skips->log(log_level::warn, top_of_book_state::name,
                  "skipped a tick for a symbol it does not carry", received_ns);
    return;
  }
  track_sequence(st, t);
  if (!st.lost) {
    auto& e = st.entry;
    e.top = t.top;
    e.feed_incarnation = t.feed_incarnation;
    e.feed_sequence = t.sequence;
    e.tick_created_ns = t.created_ns;
    e.book_received_ns = received_ns;
    e.written_ns = mono_ns();
    st.segment->stage(slot->second, e, t.depth);
    st.metrics->shm_writes.add();
  }
  if (st.subscribers.size() > 0) {
    // One message with the book's stamp, shared by every subscriber.
    auto republished = caf::make_message(t);
    republished.get_mutable_as<tick>(0).book_received_ns = received_ns; // unshared yet
    st.metrics->updates_out.add(st.subscribers.share_all<tick>(self, republished));
  }
}

void heartbeat(self_ptr self) {
  auto& st = self->state;
  if (st.lost)
    return;
  // A few syscalls per heartbeat, none per write: truncated, replaced or unlinked
  // under us, the segment is no longer the book's and the node exits 1.
  auto health = st.segment->heartbeat(mono_ns());
  if (health != shm::segment_health::healthy) {
    st.lost = true;
    auto why = st.segment->describe(health);
    log_error(top_of_book_state::name, why);
    if (st.on_segment_lost)
      st.on_segment_lost(why);
    return;
  }
  self->delayed_send(self, std::chrono::milliseconds(st.cfg.heartbeat_ms),
                     timer_atom::value);
}

top_of_book_actor::behavior_type
top_of_book(self_ptr self, const top_of_book_settings& cfg,
            std::shared_ptr<shm::segment_writer> segment,
            top_of_book_metrics* metrics, void (*on_segment_lost)(const std::string&)) {
  auto& st = self->state;
  st.cfg = cfg;
  st.metrics = metrics;
  st.on_segment_lost = on_segment_lost;
  st.segment = std::move(segment);
  st.subscribers.track(top_of_book_state::name, metrics->subscribers);
  st.guard.emplace(top_of_book_state::name, metrics->guard);
  st.guard->drop_unknown(self);
  st.skips.emplace();
  self->set_down_handler(
    [self](caf::down_msg& msg) { self->state.subscribers.remove(msg); });
  heartbeat(self);
  return {
    [self](const tick& t) {
      apply(self, t, mono_ns());
      self->state.segment->publish();
    },
    // const: the feed's message is shared (reused_message), not copied for us.
    [self](const tick_batch& batch) {
      auto now = mono_ns();
      for (auto& t : batch.ticks)
        apply(self, t, now);
      self->state.segment->publish();
    },
    [self](subscribe_atom, quote_sink_actor& who) {
      self->state.subscribers.add(self, who);
    },
    [self](peer_atom, quote_stream_actor& feed) {
      if (self->state.guard->private_ok(self, "peer") && feed)
        self->send(feed, subscribe_atom::value,
                   caf::actor_cast<quote_sink_actor>(self));
    },
    [self](timer_atom) {
      if (self->state.guard->self_ok(self, "timer"))
        heartbeat(self);
    },
    [self](stop_atom) {
      if (!self->state.guard->private_ok(self, "stop"))
        return false;
      self->state.guard->flush();
      self->state.skips->flush(mono_ns());
      return true;
    },
  };
}

} // namespace

caf::actor spawn_top_of_book(caf::actor_system& sys, const top_of_book_settings& cfg,
                             std::shared_ptr<shm::segment_writer> segment,
                             top_of_book_metrics& metrics,
                             void (*on_segment_lost)(const std::string& why)) {
  return caf::actor_cast<caf::actor>(
    spawn_at(sys, cfg.home, top_of_book, cfg, std::move(segment), &metrics, on_segment_lost));
}

} // namespace trading
