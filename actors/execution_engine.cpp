#include "actors/execution_engine.hpp"

#include <algorithm>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>

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
    slippage_rng_(costs_.slippage_seed),
    clock_([](const order&) { return mono_ns(); }),
    log_(trades_log),
    metrics_(metrics),
    sync_(sync),
    sync_interval_ns_(sync_interval_ns) {
  for (auto& s : symbols)
    book_.emplace(std::move(s), book_entry{});
  char prefix[24];
  std::snprintf(prefix, sizeof prefix, "%016" PRIx64 "-", incarnation);
  id_prefix_ = prefix;
}

void execution_engine::set_risk_limits(const risk_limits& limits) {
  risk_ = limits;
  order_times_.clear();
}

void execution_engine::set_fill_costs(const fill_costs& costs) {
  costs_ = costs;
  slippage_rng_.seed(costs.slippage_seed);
}

void execution_engine::set_clock(time_source clock) {
  clock_ = clock ? std::move(clock) : time_source{[](const order&) { return mono_ns(); }};
}

namespace {

// The order's last line: it completes it, or ends it (rest cancelled), or
// rejects it. Only such a line is an order's outcome.
bool final_line(const execution_report& r) {
  return r.status != exec_status::partial || r.leaves_quantity > 0;
}

} // namespace

journal_summary execution_engine::recover() {
  std::uint64_t last = 0;
  // Orders whose executions the log holds without their last line (it was
  // torn off): their outcome is what the log holds, the rest cancelled.
  std::unordered_map<std::string, execution_report> open;
  auto summary = read_trades_journal(log_.path(), [&](const execution_report& r) {
    // Lines written before journal sequences existed count in file order.
    last = r.sequence != 0 ? std::max(last, r.sequence) : last + 1;
    if (final_line(r)) {
      open.erase(r.order_id);
      remember(r);
    } else {
      open[r.order_id] = r;
    }
    journal_outcome(r);
  });
  for (auto& [id, r] : open) {
    log_warn("oms", "trades log: order " + id + " ends without its last line; "
                      "its outcome is the " + std::to_string(r.filled_quantity)
                      + " shares it executed");
    r.leaves_quantity = r.order_quantity - r.filled_quantity;
    remember(r);
  }
  next_sequence_ = last + 1;
  return summary;
}

void execution_engine::on_quote(const std::string& symbol, const quote& top,
                                const book_depth& depth) {
  auto i = book_.find(symbol);
  if (i != book_.end()) {
    i->second.top = top;
    i->second.depth = depth;
  }
}

void execution_engine::clear_book() {
  for (auto& entry : book_)
    entry.second = book_entry{};
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

std::string execution_engine::reject_reason(const order& x,
                                           const book_entry& book) const {
  if (x.order_id.empty())
    return "missing order id";
  if (!printable(x.order_id, 64))
    return "malformed order id (1-64 printable ASCII characters)";
  if (!account_problem(x.account).empty())
    return "malformed account (1-64 printable ASCII characters)";
  if (auto why = symbol_problem(x.symbol); !why.empty())
    return "malformed symbol (" + why + ")"; // never echoed: it may be any bytes
  if (book_.find(x.symbol) == book_.end())
    return "unknown symbol '" + x.symbol + "'";
  if (x.quantity <= 0)
    return "quantity must be positive";
  if (x.limit_price < 0)
    return "limit price must not be negative";
  if (x.quantity > max_quantity_)
    return "quantity exceeds the limit of " + std::to_string(max_quantity_)
           + " (oms.max_quantity)";
  if (level_at(book.top, book.depth, x.dir, 0).price == no_price)
    return "no live book for " + x.symbol;
  return {};
}

namespace {

std::string number_text(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", x);
  return buf;
}

// `price` is worse for the order than its limit (no limit: never).
bool beyond_limit(side dir, price_t price, price_t limit) {
  if (limit == no_price)
    return false;
  return dir == side::buy ? price > limit : price < limit;
}

} // namespace

// The pre-trade limits, cheapest first; the order rate last, so that an order
// refused by another limit does not use up the account's rate.
std::string execution_engine::risk_reason(const order& x, const book_entry& book) {
  const std::pair<std::string, std::string> key{x.account, x.symbol};
  if (risk_.max_position > 0) {
    quantity_t now = 0;
    if (auto i = positions_.find(key); i != positions_.end())
      now = i->second.quantity;
    if (auto i = pending_delta_.find(key); i != pending_delta_.end())
      now += i->second;
    auto after = now + (x.dir == side::buy ? x.quantity : -x.quantity);
    if (std::llabs(after) > risk_.max_position)
      return "risk limit oms.risk.max_position (" + std::to_string(risk_.max_position)
             + ") exceeded";
  }
  if (risk_.price_band_bps > 0 && book.top.last != no_price) {
    auto price = x.limit_price != no_price
                   ? x.limit_price
                   : level_at(book.top, book.depth, x.dir, 0).price;
    auto off = std::fabs(static_cast<double>(price - book.top.last));
    if (off * 10'000.0 > risk_.price_band_bps * static_cast<double>(book.top.last))
      return "risk limit oms.risk.price_band_bps (" + number_text(risk_.price_band_bps)
             + ") exceeded";
  }
  if (risk_.max_orders_per_s > 0) {
    auto& times = order_times_[x.account];
    if (times.ring.empty())
      times.ring.assign(static_cast<std::size_t>(risk_.max_orders_per_s),
                        std::numeric_limits<nanos_t>::min());
    auto now = clock_(x);
    // The oldest of the last max_orders_per_s admissions: within a second of
    // now, one more would make max_orders_per_s + 1 in that second.
    auto oldest = times.ring[times.next];
    if (oldest != std::numeric_limits<nanos_t>::min() && now - oldest < 1'000'000'000)
      return "risk limit oms.risk.max_orders_per_s ("
             + std::to_string(risk_.max_orders_per_s) + ") exceeded";
    times.ring[times.next] = now;
    times.next = (times.next + 1) % times.ring.size();
  }
  return {};
}

execution_report& execution_engine::new_line(const execution_report& head) {
  lines_.push_back(head);
  auto& r = lines_.back();
  r.sequence = next_sequence_++;
  r.execution_id = id_prefix_ + std::to_string(r.sequence);
  return r;
}

// Immediate-or-cancel: takes each level within the limit, best first, until
// the order is done or the levels run out; a line per level touched.
void execution_engine::execute_levels(const order& x, const book_entry& book,
                                      execution_report& head) {
  quantity_t left = x.quantity;
  for (std::size_t i = 0; i < book_levels && left > 0; ++i) {
    auto lvl = level_at(book.top, book.depth, x.dir, i);
    if (lvl.price == no_price || lvl.size <= 0 || beyond_limit(x.dir, lvl.price, x.limit_price))
      break;
    auto price = lvl.price;
    if (costs_.slippage_bps > 0) {
      auto draw = std::uniform_real_distribution<double>{0.0, 1.0}(slippage_rng_);
      auto slip = static_cast<price_t>(
        std::llround(static_cast<double>(price) * costs_.slippage_bps / 10'000.0 * draw));
      price = x.dir == side::buy ? price + slip : std::max<price_t>(1, price - slip);
      if (beyond_limit(x.dir, price, x.limit_price))
        price = x.limit_price; // never worse than the limit
    }
    auto quantity = std::min(left, lvl.size);
    left -= quantity;
    head.filled_quantity += quantity;
    auto& line = new_line(head);
    line.status = left == 0 ? exec_status::filled : exec_status::partial;
    line.quantity = quantity;
    line.execution_price = price;
    line.fee = costs_.fee_per_share * static_cast<double>(quantity);
    pending_delta_[{x.account, x.symbol}] += x.dir == side::buy ? quantity : -quantity;
  }
  if (head.filled_quantity > 0 && left > 0)
    lines_.back().leaves_quantity = left; // the rest is cancelled
}

void execution_engine::submit(const order& x) {
  metrics_.orders_in.add();
  // Answered before, in an earlier batch (or run) or in this one: the same answer.
  if (!x.order_id.empty()) {
    if (auto earlier = answered_.find(x.order_id)) {
      metrics_.duplicates.add();
      submitted s{*earlier, false, 0, 0, 0};
      s.report.repeat = true;
      batch_.push_back(std::move(s));
      return;
    }
    if (auto i = batch_index_.find(x.order_id); i != batch_index_.end()) {
      metrics_.duplicates.add();
      batch_.push_back(submitted{{}, false, i->second, 0, 0});
      return;
    }
  }
  execution_report head;
  head.order_id = x.order_id;
  head.account = x.account;
  head.client_order_id = x.client_order_id;
  head.symbol = x.symbol;
  head.dir = x.dir;
  head.order_quantity = x.quantity;
  head.order_price = x.limit_price;
  head.timestamp_ns = wall_ns() / 1000 * 1000; // whole microseconds, as logged
  static const book_entry no_book{};
  auto book_at = book_.find(x.symbol);
  const auto& book = book_at != book_.end() ? book_at->second : no_book;
  auto first = lines_.size();
  auto reason = reject_reason(x, book);
  if (reason.empty()) {
    reason = risk_reason(x, book);
    if (!reason.empty())
      metrics_.risk_rejects.add();
  }
  if (reason.empty()) {
    execute_levels(x, book, head);
    if (lines_.size() == first)
      reason = "no liquidity within the limit price (immediate-or-cancel)";
  }
  if (!reason.empty()) {
    auto& line = new_line(head);
    line.status = exec_status::rejected;
    line.quantity = x.quantity;
    line.reason = std::move(reason);
  }
  for (auto i = first; i < lines_.size(); ++i)
    batch_text_ += to_log_line(lines_[i]);
  batch_.push_back(submitted{lines_.back(), true, 0, first, lines_.size() - first});
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
      std::size_t orders = 0;
      for (auto& s : batch_)
        orders += s.logged ? 1 : 0;
      metrics_.log_failures.add();
      log_failures_.log(log_level::error, "oms", "trades-log-failure",
                        "trades log: " + err + "; " + std::to_string(orders)
                          + " orders rejected",
                        now);
      next_sequence_ -= lines_.size();
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
      auto& r = s.report;
      r.status = exec_status::rejected;
      r.quantity = r.order_quantity;
      r.filled_quantity = 0;
      r.leaves_quantity = 0;
      r.fee = 0;
      r.execution_price = no_price;
      r.reason = "trades log unavailable";
      r.sequence = 0;
      metrics_.rejects.add();
    }
    if (s.logged && written) {
      remember(s.report);
      for (auto i = s.first_line; i < s.first_line + s.line_count; ++i) {
        if (executed(lines_[i].status))
          metrics_.fills.add();
        else
          metrics_.rejects.add();
        journal_outcome(lines_[i]);
      }
    }
    results_.push_back(s.report);
  }
  batch_.clear();
  lines_.clear();
  pending_delta_.clear();
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

// A journaled line (just written, or read back at recovery): an execution
// moves the position and the symbol's activity, a reject counts by reason.
void execution_engine::journal_outcome(const execution_report& line) {
  if (!executed(line.status)) {
    ++reject_counts_[line.reason];
    return;
  }
  auto& a = activity_[line.symbol];
  ++a.trades;
  a.volume += line.quantity;
  a.fees += line.fee;
  apply_execution(line);
}

// Average-cost positions: adding to a position moves its average price, reducing
// it realizes (price - average) per share, crossing zero opens the rest anew.
void execution_engine::apply_execution(const execution_report& fill) {
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

run_report execution_engine::report() const {
  std::map<std::string, report_row> rows;
  std::map<std::string, double> open_cost; // sum of |quantity| x average price
  std::map<std::string, quantity_t> open_size;
  for (auto& [key, p] : positions_) {
    auto& row = rows[key.second];
    double mark = p.last_price;
    if (auto i = book_.find(key.second); i != book_.end() && i->second.top.last != no_price)
      mark = to_double(i->second.top.last);
    row.mark_price = mark;
    row.position += p.quantity;
    row.realized_pnl += p.realized_pnl;
    row.unrealized_pnl += (mark - p.average_price) * static_cast<double>(p.quantity);
    open_cost[key.second] += p.average_price * static_cast<double>(std::llabs(p.quantity));
    open_size[key.second] += std::llabs(p.quantity);
  }
  for (auto& [symbol, a] : activity_) {
    auto& row = rows[symbol];
    row.trades = a.trades;
    row.volume = a.volume;
    row.fees = a.fees;
  }
  run_report out;
  for (auto& [symbol, row] : rows) {
    row.symbol = symbol;
    if (open_size[symbol] > 0)
      row.avg_price = open_cost[symbol] / static_cast<double>(open_size[symbol]);
    out.symbols.push_back(row);
  }
  out.rejects = reject_counts_;
  total_up(out);
  return out;
}

} // namespace trading
