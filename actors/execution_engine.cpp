#include "actors/execution_engine.hpp"

#include <cinttypes>
#include <cstdio>
#include <cstdlib>

#include "actors/append_log.hpp"
#include "actors/diagnostics.hpp"
#include "actors/oms.hpp"
#include "messages/json.hpp"
#include "messages/names.hpp"

namespace trading {

execution_engine::execution_engine(std::vector<std::string> symbols,
                                   quantity_t max_quantity,
                                   std::size_t dedup_window,
                                   std::uint64_t incarnation,
                                   append_log& trades_log, oms_metrics& metrics)
  : seen_order_ids_(dedup_window),
    max_quantity_(max_quantity),
    log_(trades_log),
    metrics_(metrics) {
  for (auto& s : symbols)
    book_.emplace(std::move(s), quote{});
  char prefix[24];
  std::snprintf(prefix, sizeof prefix, "%016" PRIx64 "-", incarnation);
  id_prefix_ = prefix;
}

void execution_engine::on_quote(const std::string& symbol, const quote& top) {
  auto i = book_.find(symbol);
  if (i != book_.end())
    i->second = top;
}

void execution_engine::clear_book() {
  for (auto& entry : book_)
    entry.second = quote{};
}

std::vector<position> execution_engine::positions() const {
  std::vector<position> out;
  for (auto& entry : positions_)
    out.push_back(entry.second);
  return out;
}

namespace {

// Order ids are short printable ASCII; anything else is a malformed order (and is
// never echoed back into the reject reason). Symbols follow messages/names.hpp.
bool printable(const std::string& text, std::size_t max_size) {
  if (text.empty() || text.size() > max_size)
    return false;
  for (unsigned char c : text)
    if (c < 0x21 || c > 0x7e)
      return false;
  return true;
}

} // namespace

std::string execution_engine::reject_reason(const order& x) const {
  if (x.order_id.empty())
    return "missing order id";
  if (!printable(x.order_id, 64))
    return "malformed order id (1-64 printable ASCII characters)";
  if (auto why = symbol_problem(x.symbol); !why.empty())
    return "malformed symbol (" + why + ")"; // never echoed: it may be any bytes
  if (seen_order_ids_.contains(x.order_id))
    return "duplicate order id";
  auto i = book_.find(x.symbol);
  if (i == book_.end())
    return "unknown symbol '" + x.symbol + "'";
  if (x.quantity <= 0)
    return "quantity must be positive";
  if (x.quantity > max_quantity_)
    return "quantity exceeds the limit of " + std::to_string(max_quantity_);
  auto price = x.dir == side::buy ? i->second.ask : i->second.bid;
  if (price == no_price)
    return "no live book for " + x.symbol;
  return {};
}

std::string execution_engine::next_execution_id() {
  return id_prefix_ + std::to_string(next_id_++);
}

execution_report execution_engine::execute(const order& x) {
  metrics_.orders_in.add();
  execution_report r;
  r.execution_id = next_execution_id();
  r.order_id = x.order_id;
  r.symbol = x.symbol;
  r.dir = x.dir;
  r.quantity = x.quantity;
  r.order_price = x.limit_price;
  r.timestamp_ns = wall_ns() / 1000 * 1000; // whole microseconds, as logged
  r.reason = reject_reason(x);
  if (r.reason.empty()) {
    auto& top = book_.at(x.symbol);
    r.status = exec_status::filled;
    r.execution_price = x.dir == side::buy ? top.ask : top.bid;
  } else {
    r.status = exec_status::rejected;
    if (r.reason == "duplicate order id")
      metrics_.duplicates.add();
  }
  if (auto err = log_.append(to_log_line(r)); !err.empty()) {
    // Not in the log means not executed: nothing unlogged is ever acknowledged.
    // Nor is the id remembered, so the same order may be sent again once the
    // log can take it.
    metrics_.log_failures.add();
    log_error("oms", "trades log: " + err + "; order " + x.order_id + " rejected");
    r.status = exec_status::rejected;
    r.execution_price = no_price;
    r.reason = "trades log unavailable";
  } else if (!x.order_id.empty()) {
    seen_order_ids_.insert(x.order_id);
  }
  if (r.status == exec_status::filled) {
    metrics_.fills.add();
    apply_fill(r);
  } else {
    metrics_.rejects.add();
  }
  return r;
}

// Average-cost positions: adding to a position moves its average price, reducing
// it realizes (price - average) per share, crossing zero opens the rest anew.
void execution_engine::apply_fill(const execution_report& fill) {
  auto& p = positions_[fill.symbol];
  p.symbol = fill.symbol;
  auto price = to_double(fill.execution_price);
  quantity_t delta = fill.dir == side::buy ? fill.quantity : -fill.quantity;
  p.last_price = price;
  if (p.quantity == 0 || (p.quantity > 0) == (delta > 0)) {
    auto total = p.quantity + delta;
    p.average_price = (p.average_price * static_cast<double>(std::llabs(p.quantity))
                       + price * static_cast<double>(std::llabs(delta)))
                      / static_cast<double>(std::llabs(total));
    p.quantity = total;
    return;
  }
  auto closing = std::min(std::llabs(delta), std::llabs(p.quantity));
  auto per_share = p.quantity > 0 ? price - p.average_price
                                  : p.average_price - price;
  p.realized_pnl += per_share * static_cast<double>(closing);
  p.quantity += delta;
  if (p.quantity == 0)
    p.average_price = 0;
  else if (std::llabs(delta) > closing)
    p.average_price = price; // reversed: the remainder opened at this price
}

} // namespace trading
