#include "actors/oms.hpp"

#include <memory>
#include <optional>

#include "caf/actor_system.hpp"
#include "caf/stateful_actor.hpp"
#include "caf/system_messages.hpp"
#include "caf/typed_event_based_actor.hpp"

#include "actors/actor_guard.hpp"
#include "actors/append_log.hpp"
#include "actors/diagnostics.hpp"
#include "actors/execution_engine.hpp"
#include "actors/market_models.hpp"
#include "messages/interfaces.hpp"
#include "messages/type_ids.hpp"
#include "shm/book_segment.hpp"

namespace trading {

namespace {

/// Order entry and the book's quotes (public), plus what only its node sends:
/// stop, the book's hand-over, the positions for the summary.
using oms_actor = order_entry_actor::extend_with<quote_sink_actor>::extend<
  caf::replies_to<stop_atom>::with<bool>, handover<quote_stream_actor>,
  caf::replies_to<positions_atom>::with<std::vector<position>>>;

struct oms_state {
  static inline const char* name = "oms";

  oms_metrics* metrics = nullptr;
  std::optional<execution_engine> engine;
  std::optional<actor_guard> guard;
  // book_source shm: the segment, attached on first need and after a restart.
  std::string shm_name;
  nanos_t stale_after_ns = 0;
  std::unique_ptr<shm::segment_reader> reader;
  std::optional<log_limiter> book_trouble;
  nanos_t next_check_ns = 0; // of the segment's health (syscalls: not per order)
  bool writer_alive = false;
};

using self_ptr = oms_actor::stateful_pointer<oms_state>;

// Splits the order's path into hops from the stamps it carries (all
// CLOCK_MONOTONIC, which every process on the host shares).
void record_latency(oms_metrics& m, const order& x, nanos_t received_ns) {
  if (x.tick_created_ns <= 0 || received_ns < m.record_from_ns)
    return;
  m.tick_to_trade.record(received_ns - x.tick_created_ns);
  m.hop_feed_to_book.record(x.book_received_ns - x.tick_created_ns);
  m.hop_book_to_strategy.record(x.strategy_seen_ns - x.book_received_ns);
  m.hop_strategy_to_oms.record(received_ns - x.strategy_seen_ns);
}

// Every 10 ms at most: is the segment still the book's, and its writer alive?
void check_segment(oms_state& st, nanos_t now) {
  if (now < st.next_check_ns)
    return;
  st.next_check_ns = now + 10'000'000;
  st.writer_alive = false;
  if (!st.reader)
    return;
  auto health = st.reader->health(now, st.stale_after_ns);
  st.writer_alive = health == shm::segment_health::healthy;
  if (!st.writer_alive && health != shm::segment_health::writer_stopped) {
    st.book_trouble->log(log_level::warn, oms_state::name,
                         "no live book: " + st.reader->describe(health), now);
    st.reader.reset(); // the book node restarted, or the segment was damaged
  }
}

// The current top of `symbol` from the segment, or no price at all (no segment,
// a dead writer, a slot never written): the OMS never fills at an old price.
quote current_top(oms_state& st, const std::string& symbol) {
  auto now = mono_ns();
  check_segment(st, now);
  if (!st.reader) {
    auto result = shm::attach_reader(st.shm_name);
    if (!result.reader) {
      st.book_trouble->log(log_level::warn, oms_state::name,
                           "no live book: " + result.error, now);
      return {};
    }
    st.reader = std::move(result.reader);
    st.next_check_ns = 0;
    check_segment(st, now);
  }
  auto slot = st.reader->slot_of(symbol);
  if (slot < 0 || !st.writer_alive)
    return {};
  shm::slot_entry e{};
  try {
    st.reader->read(static_cast<std::uint32_t>(slot), e);
  } catch (const shm::segment_error& err) {
    log_warn(oms_state::name, err.what());
    st.reader.reset();
    return {};
  }
  return e.feed_sequence != 0 ? e.top : quote{};
}

oms_actor::behavior_type oms(self_ptr self, const oms_settings& cfg,
                             append_log* trades_log, oms_metrics* metrics) {
  auto& st = self->state;
  st.metrics = metrics;
  if (cfg.book_source == "shm") {
    st.shm_name = cfg.book_shm_name;
    st.stale_after_ns = cfg.book_stale_after_ms * 1'000'000;
  }
  st.engine.emplace(cfg.instruments, cfg.max_quantity,
                    static_cast<std::size_t>(cfg.dedup_window), new_incarnation_id(),
                    *trades_log, *metrics);
  st.guard.emplace(oms_state::name, metrics->guard);
  st.guard->drop_unknown(self);
  st.book_trouble.emplace();
  return {
    [self](const order& x) {
      auto& st = self->state;
      record_latency(*st.metrics, x, mono_ns());
      if (!st.shm_name.empty())
        st.engine->on_quote(x.symbol, current_top(st, x.symbol));
      return st.engine->execute(x); // rejects bad input, never throws on it
    },
    [self](const tick& t) {
      self->state.metrics->book_updates_in.add();
      self->state.engine->on_quote(t.symbol, t.top);
    },
    [self](const tick_batch& batch) {
      self->state.metrics->book_updates_in.add(batch.ticks.size());
      for (auto& t : batch.ticks)
        self->state.engine->on_quote(t.symbol, t.top);
    },
    [self](peer_atom, quote_stream_actor& book) {
      auto& st = self->state;
      if (!st.guard->private_ok(self, "peer"))
        return;
      // A new book starts from nothing, a lost one leaves nothing: no fill at a
      // price from a dead book.
      st.engine->clear_book();
      if (book)
        self->send(book, subscribe_atom::value,
                   caf::actor_cast<quote_sink_actor>(self));
    },
    [self](positions_atom) -> std::vector<position> {
      if (!self->state.guard->private_ok(self, "positions"))
        return {};
      return self->state.engine->positions();
    },
    [self](stop_atom) {
      if (!self->state.guard->private_ok(self, "stop"))
        return false;
      self->state.guard->flush();
      self->state.book_trouble->flush(mono_ns());
      return true;
    },
  };
}

} // namespace

caf::actor spawn_oms(caf::actor_system& sys, const oms_settings& cfg,
                     append_log& trades_log, oms_metrics& metrics) {
  return caf::actor_cast<caf::actor>(sys.spawn(oms, cfg, &trades_log, &metrics));
}

} // namespace trading
