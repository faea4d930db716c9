// The OMS's end-of-run report: per symbol trades (executions: FILLED and
// PARTIAL lines), volume, position, average price, realized and unrealized P&L
// (marked to the last price) and fees; their totals; rejects by reason. Written
// as JSON to the file oms.report names and printed as a table. No CAF.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "messages/types.hpp"

namespace trading {

/// What the journal holds for one symbol besides its position.
struct symbol_activity {
  std::uint64_t trades = 0; // execution lines
  quantity_t volume = 0;    // shares executed, both sides
  double fees = 0;
};

struct report_row {
  std::string symbol; // "" for the totals
  std::uint64_t trades = 0;
  quantity_t volume = 0;
  quantity_t position = 0;
  /// Average cost of the open position (0 when flat); not summed in totals.
  double avg_price = 0;
  double realized_pnl = 0; // before fees
  double unrealized_pnl = 0;
  double fees = 0;
  double mark_price = 0; // the price the open position is marked to
};

struct run_report {
  std::vector<report_row> symbols;
  report_row totals;
  std::map<std::string, std::uint64_t> rejects; // reason -> count
};

/// Sums the rows into `totals`.
void total_up(run_report& r);

/// {"symbols": {SYM: {...}}, "totals": {...}, "rejects": {reason: count}};
/// totals' avg_price is null (an average of different symbols' prices means
/// nothing).
std::string report_json(const run_report& r);

/// The table a person reads at the end of a run.
std::string report_table(const run_report& r);

/// Writes report_json to `path` (replacing it); returns "" or why it failed.
std::string write_report(const std::string& path, const run_report& r);

} // namespace trading
