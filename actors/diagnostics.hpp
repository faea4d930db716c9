// Diagnostics a person reads, and the stats lines a bench or a person parses.
//
// Log lines (stderr):  2026-12-02T10:00:00.123Z WARN [cluster-oms] oms: text
// Stats lines (stdout): [cluster-oms] text      (unchanged format, no timestamp)
//
// Our own logger rather than spdlog: one write(2) per line keeps lines whole across
// threads and processes sharing a file, with no dependency and no background thread;
// a filtered-out level costs one relaxed atomic load. (CAF's own logging is compiled
// out in Debian's build.)
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "messages/types.hpp"

namespace trading {

/// Sets the name that prefixes every line ("[node] ..."); call once at start,
/// before any actor runs.
void set_diagnostics_name(const std::string& name);

// -- levels -------------------------------------------------------------------

enum class log_level { debug, info, warn, error };

/// Parses "debug", "info", "warn" or "error" (the values of `node.log_level`);
/// returns false and leaves `out` alone on anything else.
bool parse_log_level(const std::string& text, log_level& out);

/// "DEBUG", "INFO", "WARN" or "ERROR" (as printed in a line).
const char* to_string(log_level level);

/// Lines below `level` are dropped; the default is info. Any thread, any time.
void set_log_level(log_level level);

/// The current threshold.
log_level current_log_level();

/// Whether a line at `level` would be written; check this before building an
/// expensive text: `if (log_enabled(log_level::debug)) log_debug("oms", ...);`
bool log_enabled(log_level level);

// -- lines --------------------------------------------------------------------

/// "<UTC time, ms>Z LEVEL [node] who: text" on stderr, one write(2), if enabled.
void log(log_level level, const char* who, const std::string& text);

inline void log_debug(const char* who, const std::string& text) {
  log(log_level::debug, who, text);
}
inline void log_info(const char* who, const std::string& text) {
  log(log_level::info, who, text);
}
inline void log_warn(const char* who, const std::string& text) {
  log(log_level::warn, who, text);
}
inline void log_error(const char* who, const std::string& text) {
  log(log_level::error, who, text);
}

/// "[node] text" on stdout (stats lines, summaries, ports); never filtered.
void report(const std::string& text);

// -- repeat suppression -------------------------------------------------------

/// Logs a repeated line once per interval with a count instead of once per event
/// (a reject storm, a peer that keeps failing). One per call site or per actor
/// state; not thread-safe by design (an actor runs on one thread at a time).
///
/// Per key: the first occurrence is logged at once. Further occurrences within
/// `interval` of that line are only counted. The first occurrence after the
/// interval writes one line "<latest text> (repeated N times in the last X.X s)"
/// for the N counted ones and opens a new interval (itself counted in it); if
/// nothing was counted it is simply logged again. `flush(now)` writes the pending
/// counts (call it on stop, and from a periodic timer if counts should not wait
/// for the next occurrence). At most `max_keys` keys are kept; a new key evicts
/// the least recently seen one, writing its count first.
///
/// Time is a parameter (`mono_ns()` in production), so tests are deterministic.
class log_limiter {
public:
  static constexpr nanos_t default_interval = 1'000'000'000;
  static constexpr std::size_t default_max_keys = 64;

  explicit log_limiter(nanos_t interval = default_interval,
                       std::size_t max_keys = default_max_keys);

  /// The text is its own key.
  void log(log_level level, const char* who, const std::string& text, nanos_t now);

  /// Events with the same `key` count as repeats although their texts differ
  /// (e.g. key "reject:unknown symbol", text naming the order); a summary line
  /// shows the latest text.
  void log(log_level level, const char* who, const std::string& key,
           const std::string& text, nanos_t now);

  /// Writes every pending count and starts each key's interval anew at `now`.
  void flush(nanos_t now);

  /// Keys currently tracked (for tests).
  std::size_t size() const {
    return entries_.size();
  }

private:
  struct entry {
    std::size_t hash;
    std::string key;
    std::string text; // latest text seen
    std::string who;
    log_level level;
    nanos_t window_start; // when the last line for this key was written
    nanos_t last_seen;
    std::uint64_t suppressed; // counted since window_start
  };

  void write_summary(entry& e, nanos_t now);

  nanos_t interval_;
  std::size_t max_keys_;
  std::vector<entry> entries_;
};

} // namespace trading
