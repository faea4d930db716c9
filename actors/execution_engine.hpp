// The OMS's core, without CAF: validate an order, check it against the risk
// limits, execute it at once against the book's levels within its limit price
// (immediate-or-cancel: BUY walks the asks, SELL the bids, best first), keep
// positions and P&L per account, and journal every outcome in the trades log
// *before* it is answered.
//
// One trades-log line per level an order touched: `quantity` is that line's,
// `order_quantity` the order's; the line that completes the order says FILLED,
// the others PARTIAL, and the last line of an order that did not complete
// carries `leaves_quantity` (cancelled). An order nothing executes for is one
// REJECTED line with its reason.
//
// Group commit: submit() decides each order in hand, commit() writes all their
// lines with one write(2) (and one fdatasync under fsync `every`), then applies
// the executions and returns one report per order (its last line). An order id
// answered before (within the dedup window, also across restarts: recover()
// reads the log back) is answered with the original report marked `repeat`,
// never executed or logged again.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <random>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "actors/diagnostics.hpp"
#include "actors/recent_ids.hpp"
#include "actors/run_report.hpp"
#include "actors/trades_journal.hpp"
#include "messages/orders.hpp"
#include "messages/quote.hpp"

namespace trading {

/// Average-cost accounting of one fill into `p` (quantity, average price,
/// realized P&L, last price): the OMS's rule, shared with the strategy's view.
void add_fill(position& p, const execution_report& fill);

class append_log;
struct oms_metrics;

enum class fsync_policy { none, every, interval };

/// Pre-trade limits, per account; 0 turns a limit off.
struct risk_limits {
  /// oms.risk.max_position: |position after the order, were it all executed|
  /// per symbol.
  quantity_t max_position = 0;
  /// oms.risk.max_orders_per_s: orders admitted in any one second of the
  /// engine's clock (a sliding window).
  std::int64_t max_orders_per_s = 0;
  /// oms.risk.price_band_bps: the limit price (a market order: the best level's
  /// price) within this many basis points of the last price.
  double price_band_bps = 0;
};

/// How executions are priced beyond the book; both off by default.
struct fill_costs {
  /// Each line's price moves against the order by up to this many basis points
  /// (uniform, drawn from a generator seeded with `slippage_seed`), never past
  /// the limit.
  double slippage_bps = 0;
  std::uint64_t slippage_seed = 1;
  /// Charged per executed share, per line.
  double fee_per_share = 0;
};

/// The engine's notion of now (ns) when it decides `order`, for time-dependent
/// limits (the order rate). CLOCK_MONOTONIC by default; a deterministic backtest
/// hands in event time (event_time_source: the order's event_ns).
using time_source = std::function<nanos_t(const order&)>;

/// A backtest's clock: the event time of the market event the order answers.
inline nanos_t event_time_of(const order& x) {
  return x.event_ns;
}

class execution_engine {
public:
  /// `symbols`: what the OMS trades; `dedup_window`: how many recent order ids
  /// it remembers with their reports; `incarnation` prefixes execution ids.
  execution_engine(std::vector<std::string> symbols, quantity_t max_quantity,
                   std::size_t dedup_window, std::uint64_t incarnation,
                   append_log& trades_log, oms_metrics& metrics,
                   fsync_policy sync = fsync_policy::none,
                   nanos_t sync_interval_ns = 0);

  void set_risk_limits(const risk_limits& limits);
  void set_fill_costs(const fill_costs& costs);
  /// Replaces the clock of the order-rate limit (empty: CLOCK_MONOTONIC).
  void set_clock(time_source clock);

  /// Rebuilds the answered ids (within the window), positions, the report's
  /// counts and the journal sequence from the trades log. Call once, before
  /// the first order.
  journal_summary recover();

  /// Takes the new top of book and the levels behind it for one symbol.
  void on_quote(const std::string& symbol, const quote& top,
                const book_depth& depth = {});

  /// The book is gone (its node died, its writer is stale): no price is live
  /// until the next quote, so orders are rejected ("no live book ...").
  void clear_book();

  /// Decides `x` against the current book; its answer comes from the next commit.
  void submit(const order& x);

  /// Orders submitted and not yet committed.
  std::size_t pending() const {
    return batch_.size();
  }

  /// Journals every submitted outcome with one write, applies the executions,
  /// and returns one report per order in submission order (its last line;
  /// valid until the next submit). If the log cannot be written, every new
  /// outcome becomes a reject ("trades log unavailable"), is not remembered,
  /// and changes no position.
  const std::vector<execution_report>& commit(nanos_t now);

  /// submit + commit of one order.
  execution_report execute(const order& x);

  /// fsync `interval`: whether written lines wait for their fdatasync, and when
  /// it is due (CLOCK_MONOTONIC).
  bool sync_pending() const {
    return unsynced_;
  }
  nanos_t sync_due_ns() const {
    return last_sync_ns_ + sync_interval_ns_;
  }
  /// fdatasync now if lines wait for it (logs a failure; returns false then).
  bool sync_now(nanos_t now);

  /// Positions by symbol, summed over the accounts.
  std::vector<position> positions() const;

  /// One account's positions, as of the last journal sequence.
  account_positions positions_of(const std::string& account) const;

  /// Everything the journal holds so far, per symbol, marked to the book's last
  /// price (the last execution's where the book has none).
  run_report report() const;

  /// The last journal sequence written (0: none).
  std::uint64_t sequence() const {
    return next_sequence_ - 1;
  }

private:
  struct book_entry {
    quote top;
    book_depth depth;
  };

  struct submitted {
    execution_report report;  // the order's answer: its last line
    bool logged = false;      // a new outcome: its lines are in this batch's text
    std::size_t repeat_of = 0; // 1-based index in the batch of its original, 0: none
    std::size_t first_line = 0; // its executions in lines_
    std::size_t line_count = 0;
  };

  // Per account: the admission times of the last max_orders_per_s orders.
  struct order_times {
    std::vector<nanos_t> ring;
    std::size_t next = 0;
  };

  std::string reject_reason(const order& x, const book_entry& book) const;
  std::string risk_reason(const order& x, const book_entry& book);
  void execute_levels(const order& x, const book_entry& book,
                      execution_report& head);
  execution_report& new_line(const execution_report& head);
  void apply_execution(const execution_report& line);
  void journal_outcome(const execution_report& line);
  void remember(const execution_report& r);

  std::unordered_map<std::string, book_entry> book_;
  std::map<std::pair<std::string, std::string>, position> positions_; // account, symbol
  std::map<std::string, symbol_activity> activity_;                   // by symbol
  std::map<std::string, std::uint64_t> reject_counts_;                // by reason
  // Executions in the batch not yet applied, per account and symbol (signed):
  // the position limit sees them.
  std::map<std::pair<std::string, std::string>, quantity_t> pending_delta_;
  std::unordered_map<std::string, order_times> order_times_; // by account
  recent_window<execution_report> answered_;
  quantity_t max_quantity_;
  risk_limits risk_;
  fill_costs costs_;
  std::mt19937_64 slippage_rng_;
  time_source clock_;
  std::string id_prefix_;
  std::uint64_t next_sequence_ = 1;
  append_log& log_;
  oms_metrics& metrics_;
  fsync_policy sync_;
  nanos_t sync_interval_ns_;
  nanos_t last_sync_ns_ = 0;
  bool unsynced_ = false;
  // The batch in hand: decided, not yet journaled.
  std::vector<submitted> batch_;
  std::vector<execution_report> lines_; // the batch's executions, in order
  std::unordered_map<std::string, std::size_t> batch_index_; // order id -> 1-based
  std::string batch_text_;
  std::vector<execution_report> results_;
  log_limiter log_failures_; // a full disk is one line per second, with a count
};

} // namespace trading
