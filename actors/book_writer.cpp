#include "actors/book_writer.hpp"

#include <chrono>
#include <cstring>
#include <unordered_map>

#include "caf/actor_system.hpp"
#include "caf/event_based_actor.hpp"
#include "caf/stateful_actor.hpp"
#include "caf/system_messages.hpp"

#include "actors/diagnostics.hpp"
#include "actors/metrics.hpp"
#include "actors/subscribers.hpp"
#include "messages/atoms.hpp"
#include "messages/type_ids.hpp"
#include "nodes/config.hpp"
#include "shm/book_segment.hpp"

namespace trading {

namespace {

struct book_writer_state {
  static inline const char* name = "book_writer";

  book_section cfg;
  book_metrics* metrics = nullptr;
  std::shared_ptr<shm::segment_writer> segment;
  std::unordered_map<std::string, std::uint32_t> slots;
  subscriber_list subscribers;
  caf::actor feed; // the price feed we subscribed to, if any
  std::uint64_t feed_incarnation = 0;
  std::uint64_t last_sequence = 0;
  shm::book_entry entry{}; // reused for every write
};

using self_ptr = caf::stateful_actor<book_writer_state>*;

// Logs the first few of a recurring problem, then every 1000th, so a bad stream
// cannot flood stderr but is never silent.
bool worth_logging(std::uint64_t nth) {
  return nth <= 5 || nth % 1000 == 0;
}

// Sequence bookkeeping: a changed incarnation is a restarted feed (reset);
// within one incarnation a jump forward is a gap of the missing ticks.
void track_sequence(book_writer_state& st, const tick& t) {
  if (t.feed_incarnation != st.feed_incarnation) {
    if (st.feed_incarnation != 0) {
      st.metrics->resets.add();
      diagnose(book_writer_state::name,
               "price feed restarted (new incarnation): sequence reset");
    }
    st.feed_incarnation = t.feed_incarnation;
  } else if (t.sequence > st.last_sequence + 1) {
    auto missing = t.sequence - st.last_sequence - 1;
    st.metrics->gaps.add(missing);
    diagnose(book_writer_state::name,
             "sequence gap: " + std::to_string(missing) + " tick(s) missing before "
               + std::to_string(t.sequence));
  }
  st.last_sequence = t.sequence;
}

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
    if (worth_logging(st.metrics->skipped.get()))
      diagnose(book_writer_state::name,
               "skipped a tick for unknown symbol '" + t.symbol + "' ("
                 + std::to_string(st.metrics->skipped.get()) + " skipped so far)");
    return;
  }
  track_sequence(st, t);
  auto& e = st.entry;
  e.bid = t.bid;
  e.ask = t.ask;
  e.last = t.last;
  e.bid_size = t.bid_size;
  e.ask_size = t.ask_size;
  e.feed_incarnation = t.feed_incarnation;
  e.feed_sequence = t.sequence;
  e.tick_created_ns = t.created_ns;
  e.book_received_ns = received_ns;
  e.written_ns = mono_ns();
  st.segment->write(slot->second, e);
  st.metrics->shm_writes.add();
  if (st.subscribers.size() == 0)
    return;
  book_update update{t.symbol,     t.bid,          t.ask,
                     t.last,       t.bid_size,     t.ask_size,
                     t.feed_incarnation, t.sequence, t.created_ns,
                     received_ns};
  st.metrics->updates_out.add(st.subscribers.send_all(self, update));
}

void heartbeat(self_ptr self) {
  auto& st = self->state;
  st.segment->heartbeat(mono_ns());
  self->delayed_send(self, std::chrono::milliseconds(st.cfg.heartbeat_ms),
                     timer_atom::value);
}

caf::behavior book_writer(self_ptr self, const book_section& cfg,
                          std::shared_ptr<shm::segment_writer> segment,
                          book_metrics* metrics) {
  auto& st = self->state;
  st.cfg = cfg;
  st.metrics = metrics;
  st.segment = std::move(segment);
  st.subscribers.track(book_writer_state::name, metrics->subscribers);
  self->set_down_handler(
    [self](caf::down_msg& msg) { self->state.subscribers.remove(msg); });
  heartbeat(self);
  return {
    [self](const tick& t) { apply(self, t, mono_ns()); },
    [self](const tick_batch& batch) {
      auto now = mono_ns();
      for (auto& t : batch.ticks)
        apply(self, t, now);
    },
    [self](subscribe_atom, caf::actor& who) { self->state.subscribers.add(self, who); },
    [self](peer_atom, caf::atom_value role, caf::actor& who) {
      if (role != role::price_feed)
        return;
      self->state.feed = who;
      if (who)
        self->send(who, subscribe_atom::value, caf::actor{self});
    },
    [self](timer_atom) { heartbeat(self); },
    [](stop_atom) { return true; },
  };
}

} // namespace

caf::actor spawn_book_writer(caf::actor_system& sys, const book_section& cfg,
                             std::shared_ptr<shm::segment_writer> segment,
                             book_metrics& metrics) {
  return sys.spawn(book_writer, cfg, std::move(segment), &metrics);
}

} // namespace trading
