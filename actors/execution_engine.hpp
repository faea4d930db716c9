// The OMS's core, without CAF: validate an order, fill it against the current top
// of book (BUY at the ask, SELL at the bid), log the outcome to the trades log with
// one write(2) *before* it is returned, and keep positions and realized P&L.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "actors/recent_ids.hpp"
#include "messages/orders.hpp"
#include "messages/quote.hpp"

namespace trading {

class append_log;
struct oms_metrics;

class execution_engine {
public:
  /// `symbols`: what the OMS trades; `dedup_window`: how many recent order ids
  /// it remembers to refuse a duplicate; `incarnation` makes execution ids unique
  /// across restarts.
  execution_engine(std::vector<std::string> symbols, quantity_t max_quantity,
                   std::size_t dedup_window, std::uint64_t incarnation,
                   append_log& trades_log, oms_metrics& metrics);

  /// Takes the new top of book for one symbol.
  void on_quote(const std::string& symbol, const quote& top);

  /// The book is gone (its node died, its writer is stale): no price is live
  /// until the next quote, so orders are rejected ("no live book ...").
  void clear_book();

  /// Executes or rejects `x`; the outcome is in the trades log when this returns
  /// (or, if the log cannot be written, the order is rejected and not filled).
  execution_report execute(const order& x);

  /// The positions of every symbol that had a fill, by symbol.
  std::vector<position> positions() const;

private:
  std::string reject_reason(const order& x) const;
  void apply_fill(const execution_report& fill);
  std::string next_execution_id();

  std::unordered_map<std::string, quote> book_;
  std::map<std::string, position> positions_;
  recent_ids seen_order_ids_;
  quantity_t max_quantity_;
  std::string id_prefix_;
  std::uint64_t next_id_ = 1;
  append_log& log_;
  oms_metrics& metrics_;
};

} // namespace trading
