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
                                   append_log& trades_log, oms_metrics& metrics,
                                   fsync_policy sync, nanos_t sync_interval_ns)
  : answered_(dedup_window),
    max_quantity_(max_quantity),
    log_(trades_log),
    metrics_(metrics),
    sync_(sync),
    sync_interval_ns_(sync_interval_ns) {
  for (auto& s : symbols)
    book_.emplace(std::move(s), quote{});
  char prefix[24];
  std::snprintf(prefix, sizeof prefix, "%016" PRIx64 "-", incarnation);
  id_prefix_ = prefix;
}

journal_summary execution_engine::recover() {
  std::uint64_t last = 0;
  auto summary = read_trades_journal(log_.path(), [&](const execution_report& r) {
    // Lines written before journal sequences existed count in file order.
    last = r.sequence != 0 ? std::max(last, r.sequence) : last + 1;
    remember(r);
    if (r.status == exec_status::filled)
      apply_fill(r);
  });
  next_sequence_ = last + 1;
  return summary;
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
  std::map<std::string, position> by_symbol;
  for (auto& [key, p] : positions_) {
    auto& sum = by_symbol[key.second];
    sum.symbol = p.symbol;
    sum.quantity += p.quantity;
    sum.realized_pnl += p.realized_pnl;
    sum.last_price = p.last_price;
    sum.average_price = p.average_price; // exact while one account holds it
  }
  std::vector<position> out;
  for (auto& entry : by_symbol)
    out.push_back(entry.second);
  return out;
}

account_positions execution_engine::positions_of(const std::string& account) const {
  account_positions out;
  out.account = account;
  out.sequence = sequence();
  for (auto i = positions_.lower_bound({account, std::string{}});
       i != positions_.end() && i->first.first == account; ++i)
    out.positions.push_back(i->second);
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
  if (!account_problem(x.account).empty())
    return "malformed account (1-64 printable ASCII characters)";
  if (auto why = symbol_problem(x.symbol); !why.empty())
    return "malformed symbol (" + why + ")"; // never echoed: it may be any bytes
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

void execution_engine::submit(const order& x) {
  metrics_.orders_in.add();
  // Answered before, in an earlier batch (or run) or in this one: the same answer.
  if (!x.order_id.empty()) {
    if (auto earlier = answered_.find(x.order_id)) {
      metrics_.duplicates.add();
      submitted s{*earlier, false, 0};
      s.report.repeat = true;
      batch_.push_back(std::move(s));
      return;
    }
    if (auto i = batch_index_.find(x.order_id); i != batch_index_.end()) {
      metrics_.duplicates.add();
      batch_.push_back(submitted{{}, false, i->second});
      return;
    }
  }
  execution_report r;
  r.sequence = next_sequence_++;
  r.execution_id = id_prefix_ + std::to_string(r.sequence);
  r.order_id = x.order_id;
  r.account = x.account;
  r.client_order_id = x.client_order_id;
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
  }
  batch_text_ += to_log_line(r);
  batch_.push_back(submitted{std::move(r), true, 0});
  if (!x.order_id.empty())
    batch_index_.emplace(x.order_id, batch_.size());
}

const std::vector<execution_report>& execution_engine::commit(nanos_t now) {
  results_.clear();
  auto written = true;
  if (!batch_text_.empty()) {
    metrics_.log_writes.add();
    auto err = log_.append(batch_text_);
    if (err.empty() && sync_ == fsync_policy::every)
      err = log_.sync();
    if (!err.empty()) {
      // Not in the log means not executed: nothing unlogged is ever acknowledged.
      // Nor is an id remembered, so the same order may be sent again once the
      // log can take it.
      written = false;
      std::size_t lines = 0;
      for (auto& s : batch_)
        lines += s.logged ? 1 : 0;
      metrics_.log_failures.add();
      log_failures_.log(log_level::error, "oms", "trades-log-failure",
                        "trades log: " + err + "; " + std::to_string(lines)
                          + " orders rejected",
                        now);
      next_sequence_ -= lines;
    } else if (sync_ == fsync_policy::interval) {
      unsynced_ = true;
      if (now >= sync_due_ns())
        sync_now(now);
    }
  }
  for (auto& s : batch_) {
    if (s.repeat_of != 0) {
      s.report = batch_[s.repeat_of - 1].report;
      s.report.repeat = true;
    } else if (s.logged && !written) {
      s.report.status = exec_status::rejected;
      s.report.execution_price = no_price;
      s.report.reason = "trades log unavailable";
      s.report.sequence = 0;
    }
    if (s.logged) {
      if (written)
        remember(s.report);
      if (s.report.status == exec_status::filled) {
        metrics_.fills.add();
        apply_fill(s.report);
      } else {
        metrics_.rejects.add();
      }
    }
    results_.push_back(s.report);
  }
  batch_.clear();
  batch_index_.clear();
  batch_text_.clear();
  return results_;
}

execution_report execution_engine::execute(const order& x) {
  submit(x);
  return commit(mono_ns()).front();
}

bool execution_engine::sync_now(nanos_t now) {
  if (!unsynced_)
    return true;
  unsynced_ = false;
  last_sync_ns_ = now;
  if (auto err = log_.sync(); !err.empty()) {
    metrics_.log_failures.add();
    log_error("oms", "trades log: " + err);
    return false;
  }
  return true;
}

void execution_engine::remember(const execution_report& r) {
  if (!r.order_id.empty())
    answered_.insert(r.order_id, r);
}

// Average-cost positions: adding to a position moves its average price, reducing
// it realizes (price - average) per share, crossing zero opens the rest anew.
void execution_engine::apply_fill(const execution_report& fill) {
  auto& p = positions_[{fill.account, fill.symbol}];
  p.symbol = fill.symbol;
  add_fill(p, fill);
}

void add_fill(position& p, const execution_report& fill) {
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
