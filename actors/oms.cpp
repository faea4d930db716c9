#include "actors/oms.hpp"

#include <memory>
#include <optional>

#include "caf/actor_system.hpp"
#include "caf/event_based_actor.hpp"
#include "caf/stateful_actor.hpp"

#include "actors/append_log.hpp"
#include "actors/execution_engine.hpp"
#include "actors/diagnostics.hpp"
#include "actors/market_models.hpp"
#include "actors/metrics.hpp"
#include "messages/atoms.hpp"
#include "messages/type_ids.hpp"
#include "nodes/config.hpp"
#include "shm/book_segment.hpp"

namespace trading {

namespace {

struct oms_state {
  static inline const char* name = "oms";

  oms_metrics* metrics = nullptr;
  std::optional<execution_engine> engine;
  // book_source shm: the segment, attached on first need and after a restart.
  std::string shm_name;
  nanos_t stale_after_ns = 0;
  std::unique_ptr<shm::segment_reader> reader;
  std::string last_attach_error;
  nanos_t next_check_ns = 0; // of the segment's health (syscalls: not per order)
  bool writer_alive = false;
};

using self_ptr = caf::stateful_actor<oms_state>*;

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
void check_segment(oms_state& st) {
  auto now = mono_ns();
  if (now < st.next_check_ns)
    return;
  st.next_check_ns = now + 10'000'000;
  if (st.reader && !st.reader->is_current())
    st.reader.reset(); // the book node restarted: a new segment
  st.writer_alive = st.reader && st.reader->writer_alive(now, st.stale_after_ns);
}

// The current top of `symbol` from the segment, or no price at all (no segment,
// a dead writer, a slot never written): the OMS never fills at an old price.
book_update current_top(oms_state& st, const std::string& symbol) {
  book_update top;
  top.symbol = symbol; // bid and ask: no_price
  check_segment(st);
  if (!st.reader) {
    auto result = shm::attach_reader(st.shm_name);
    if (!result.reader) {
      if (result.error != st.last_attach_error)
        diagnose(oms_state::name, "no book: " + result.error);
      st.last_attach_error = result.error;
      return top;
    }
    st.reader = std::move(result.reader);
    st.last_attach_error.clear();
    st.next_check_ns = 0;
    check_segment(st);
  }
  auto slot = st.reader->slot_of(symbol);
  if (slot < 0 || !st.writer_alive)
    return top;
  shm::book_entry e{};
  try {
    st.reader->read(static_cast<std::uint32_t>(slot), e);
  } catch (const shm::segment_error& err) {
    diagnose(oms_state::name, err.what());
    st.reader.reset();
    return top;
  }
  if (e.feed_sequence != 0) {
    top.bid = e.bid;
    top.ask = e.ask;
  }
  return top;
}

caf::behavior oms(self_ptr self, const oms_section& cfg, const book_section& book,
                  std::vector<std::string> symbols, append_log* trades_log,
                  oms_metrics* metrics) {
  auto& st = self->state;
  st.metrics = metrics;
  if (cfg.book_source == "shm") {
    st.shm_name = book.shm_name;
    st.stale_after_ns = book.stale_after_ms * 1'000'000;
  }
  st.engine.emplace(std::move(symbols), cfg.max_quantity, new_incarnation_id(),
                    *trades_log, *metrics);
  return {
    [self](const order& x) {
      auto& st = self->state;
      record_latency(*st.metrics, x, mono_ns());
      if (!st.shm_name.empty())
        st.engine->on_book(current_top(st, x.symbol));
      return st.engine->execute(x); // rejects bad input, never throws on it
    },
    [self](const book_update& update) {
      self->state.metrics->book_updates_in.add();
      self->state.engine->on_book(update);
    },
    [self](peer_atom, caf::atom_value role, caf::actor& who) {
      if (role == role::book && who)
        self->send(who, subscribe_atom::value, caf::actor{self});
    },
    [](stop_atom) { return true; },
  };
}

} // namespace

caf::actor spawn_oms(caf::actor_system& sys, const oms_section& cfg,
                     const book_section& book, std::vector<std::string> symbols,
                     append_log& trades_log, oms_metrics& metrics) {
  return sys.spawn(oms, cfg, book, std::move(symbols), &trades_log, &metrics);
}

} // namespace trading
