// Reading the OMS's trades log back at start: the log is the OMS's journal, one
// execution_report a line (messages/json.hpp), written before it was answered.
// A torn last line (a kill mid-write, a full disk) was never answered: it is
// moved to PATH.torn and cut off, so the next line starts on a fresh line. A
// complete line that does not parse is reported with its byte offset, counted and
// skipped, never taken for a trade. No CAF.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "messages/orders.hpp"

namespace trading {

struct journal_summary {
  std::uint64_t lines = 0;     // complete lines read
  std::uint64_t reports = 0;   // lines that parsed
  std::uint64_t malformed = 0; // complete lines that did not parse
  std::uint64_t bytes = 0;     // the log's size after setting a torn line aside
  std::int64_t torn_offset = -1; // where the torn line started, -1: none
  std::uint64_t torn_bytes = 0;
};

/// Calls `on_report` for each report in the log at `path`, in file order; a
/// missing file is an empty journal. Problems are logged (who = "oms"); throws
/// std::runtime_error only when the file cannot be read or repaired.
journal_summary read_trades_journal(
  const std::string& path,
  const std::function<void(const execution_report&)>& on_report);

} // namespace trading
