// The OMS's core, without CAF: validate an order, fill it against the current top
// of book (BUY at the ask, SELL at the bid), log the outcome to the trades log with
// one write(2) *before* it is returned, and keep positions and realized P&L.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "messages/market.hpp"
#include "messages/orders.hpp"

namespace trading {

class append_log;
struct oms_metrics;

class execution_engine {
public:
  /// `symbols`: what the OMS trades; `incarnation` makes execution ids unique
  /// across restarts.
  execution_engine(std::vector<std::string> symbols, quantity_t max_quantity,
                   std::uint64_t incarnation, append_log& trades_log,
                   oms_metrics& metrics);

  /// Takes the new top of book for one symbol.
  void on_book(const book_update& update);

  /// Executes or rejects `x`; the outcome is in the trades log when this returns
  /// (or, if the log cannot be written, the order is rejected and not filled).
  execution_report execute(const order& x);

  struct top_of_book {
    price_t bid = no_price;
    price_t ask = no_price;
  };

private:
  std::string reject_reason(const order& x) const;
  void apply_fill(const execution_report& fill);
  std::string next_execution_id();

  std::unordered_map<std::string, top_of_book> book_;
  std::unordered_set<std::string> seen_order_ids_;
  quantity_t max_quantity_;
  std::string id_prefix_;
  std::uint64_t next_id_ = 1;
  append_log& log_;
  oms_metrics& metrics_;
};

} // namespace trading
