#include "actors/oms.hpp"

#include <optional>

#include "caf/actor_system.hpp"
#include "caf/event_based_actor.hpp"
#include "caf/stateful_actor.hpp"

#include "actors/append_log.hpp"
#include "actors/execution_engine.hpp"
#include "actors/market_models.hpp"
#include "actors/metrics.hpp"
#include "messages/atoms.hpp"
#include "messages/type_ids.hpp"
#include "nodes/config.hpp"

namespace trading {

namespace {

struct oms_state {
  static inline const char* name = "oms";

  oms_metrics* metrics = nullptr;
  std::optional<execution_engine> engine;
};

using self_ptr = caf::stateful_actor<oms_state>*;

// Splits the order's path into hops from the stamps it carries (all
// CLOCK_MONOTONIC, which every process on the host shares).
void record_latency(oms_metrics& m, const order& x, nanos_t received_ns) {
  if (x.tick_created_ns <= 0)
    return;
  m.tick_to_trade.record(received_ns - x.tick_created_ns);
  m.hop_feed_to_book.record(x.book_received_ns - x.tick_created_ns);
  m.hop_book_to_strategy.record(x.strategy_seen_ns - x.book_received_ns);
  m.hop_strategy_to_oms.record(received_ns - x.strategy_seen_ns);
}

caf::behavior oms(self_ptr self, const oms_section& cfg,
                  std::vector<std::string> symbols, append_log* trades_log,
                  oms_metrics* metrics) {
  auto& st = self->state;
  st.metrics = metrics;
  st.engine.emplace(std::move(symbols), cfg.max_quantity, new_incarnation_id(),
                    *trades_log, *metrics);
  return {
    [self](const order& x) {
      record_latency(*self->state.metrics, x, mono_ns());
      return self->state.engine->execute(x);
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
                     std::vector<std::string> symbols, append_log& trades_log,
                     oms_metrics& metrics) {
  return sys.spawn(oms, cfg, std::move(symbols), &trades_log, &metrics);
}

} // namespace trading
