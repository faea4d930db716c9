// The OMS's core, without CAF: validate an order, fill it against the current top
// of book (BUY at the ask, SELL at the bid), keep positions and realized P&L per
// account, and journal every outcome in the trades log *before* it is answered.
//
// Group commit: submit() decides each order in hand, commit() writes all their
// lines with one write(2) (and one fdatasync under fsync `every`), then applies the
// fills and returns the reports. An order id answered before (within the dedup
// window, also across restarts: recover() reads the log back) is answered with the
// original report marked `repeat`, never executed or logged again.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "actors/diagnostics.hpp"
#include "actors/recent_ids.hpp"
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

class execution_engine {
public:
  /// `symbols`: what the OMS trades; `dedup_window`: how many recent order ids
  /// it remembers with their reports; `incarnation` prefixes execution ids.
  execution_engine(std::vector<std::string> symbols, quantity_t max_quantity,
                   std::size_t dedup_window, std::uint64_t incarnation,
                   append_log& trades_log, oms_metrics& metrics,
                   fsync_policy sync = fsync_policy::none,
                   nanos_t sync_interval_ns = 0);

  /// Rebuilds the answered ids (within the window), positions and the journal
  /// sequence from the trades log. Call once, before the first order.
  journal_summary recover();

  /// Takes the new top of book for one symbol.
  void on_quote(const std::string& symbol, const quote& top);

  /// The book is gone (its node died, its writer is stale): no price is live
  /// until the next quote, so orders are rejected ("no live book ...").
  void clear_book();

  /// Decides `x` against the current book; its answer comes from the next commit.
  void submit(const order& x);

  /// Orders submitted and not yet committed.
  std::size_t pending() const {
    return batch_.size();
  }

  /// Journals every submitted outcome with one write, applies the fills, and
  /// returns the reports in submission order (valid until the next submit). If
  /// the log cannot be written, every new outcome becomes a reject ("trades log
  /// unavailable"), is not remembered, and changes no position.
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

  /// The last journal sequence written (0: none).
  std::uint64_t sequence() const {
    return next_sequence_ - 1;
  }

private:
  struct submitted {
    execution_report report;
    bool logged = false;      // a new outcome: its line is in this batch's text
    std::size_t repeat_of = 0; // 1-based index in the batch of its original, 0: none
  };

  std::string reject_reason(const order& x) const;
  void apply_fill(const execution_report& fill);
  void remember(const execution_report& r);

  std::unordered_map<std::string, quote> book_;
  std::map<std::pair<std::string, std::string>, position> positions_; // account, symbol
  recent_window<execution_report> answered_;
  quantity_t max_quantity_;
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
  std::unordered_map<std::string, std::size_t> batch_index_; // order id -> 1-based
  std::string batch_text_;
  std::vector<execution_report> results_;
  log_limiter log_failures_; // a full disk is one line per second, with a count
};

} // namespace trading
