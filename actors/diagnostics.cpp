#include "actors/diagnostics.hpp"

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <ctime>
#include <functional>

namespace trading {

namespace {

std::string& node_name() {
  static std::string name = "node";
  return name;
}

std::atomic<int> threshold{static_cast<int>(log_level::info)};

void write_all(int fd, const std::string& line) {
  // One write(2) per line; a short write to a terminal or pipe is finished off.
  const char* p = line.data();
  auto left = line.size();
  while (left > 0) {
    auto n = ::write(fd, p, left);
    if (n <= 0)
      return;
    p += n;
    left -= static_cast<size_t>(n);
  }
}

void write_line(int fd, std::string line) {
  line += '\n';
  write_all(fd, line);
}

// "2026-12-02T10:00:00.123Z" from CLOCK_REALTIME.
void append_utc_timestamp(std::string& out) {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  std::tm tm{};
  gmtime_r(&ts.tv_sec, &tm);
  char buf[32];
  auto n = std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
                         tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                         tm.tm_min, tm.tm_sec,
                         static_cast<int>(ts.tv_nsec / 1'000'000));
  if (n > 0)
    out.append(buf, static_cast<size_t>(n) < sizeof(buf) ? n : sizeof(buf) - 1);
}

void write_log_line(log_level level, const std::string& who, const std::string& text) {
  const auto& node = node_name();
  std::string line;
  line.reserve(24 + 7 + node.size() + 3 + who.size() + 2 + text.size() + 1);
  append_utc_timestamp(line);
  line += ' ';
  line += to_string(level);
  line += " [";
  line += node;
  line += "] ";
  line += who;
  line += ": ";
  line += text;
  line += '\n';
  write_all(STDERR_FILENO, line);
}

} // namespace

void set_diagnostics_name(const std::string& name) {
  node_name() = name;
}

// -- levels -------------------------------------------------------------------

bool parse_log_level(const std::string& text, log_level& out) {
  if (text == "debug")
    out = log_level::debug;
  else if (text == "info")
    out = log_level::info;
  else if (text == "warn")
    out = log_level::warn;
  else if (text == "error")
    out = log_level::error;
  else
    return false;
  return true;
}

const char* to_string(log_level level) {
  switch (level) {
    case log_level::debug:
      return "DEBUG";
    case log_level::info:
      return "INFO";
    case log_level::warn:
      return "WARN";
    case log_level::error:
      return "ERROR";
  }
  return "?";
}

void set_log_level(log_level level) {
  threshold.store(static_cast<int>(level), std::memory_order_relaxed);
}

log_level current_log_level() {
  return static_cast<log_level>(threshold.load(std::memory_order_relaxed));
}

bool log_enabled(log_level level) {
  return static_cast<int>(level) >= threshold.load(std::memory_order_relaxed);
}

// -- lines --------------------------------------------------------------------

void log(log_level level, const char* who, const std::string& text) {
  if (!log_enabled(level))
    return;
  write_log_line(level, who, text);
}

void report(const std::string& text) {
  write_line(STDOUT_FILENO, "[" + node_name() + "] " + text);
}

// -- repeat suppression -------------------------------------------------------

log_limiter::log_limiter(nanos_t interval, std::size_t max_keys)
  : interval_(interval > 0 ? interval : 1), max_keys_(max_keys > 0 ? max_keys : 1) {
  entries_.reserve(max_keys_);
}

void log_limiter::log(log_level level, const char* who, const std::string& text,
                      nanos_t now) {
  log(level, who, text, text, now);
}

void log_limiter::log(log_level level, const char* who, const std::string& key,
                      const std::string& text, nanos_t now) {
  if (!log_enabled(level))
    return;
  auto hash = std::hash<std::string>{}(key);
  for (auto& e : entries_) {
    if (e.hash != hash || e.key != key)
      continue;
    e.level = level;
    e.who = who;
    e.text = text;
    e.last_seen = now;
    if (now - e.window_start < interval_) {
      ++e.suppressed;
    } else if (e.suppressed > 0) {
      // The storm goes on: one summary line; this event opens the next interval.
      write_summary(e, now);
      e.suppressed = 1;
    } else {
      write_log_line(level, e.who, text);
      e.window_start = now;
    }
    return;
  }
  // A new key: make room by evicting the least recently seen one.
  if (entries_.size() >= max_keys_) {
    auto oldest = entries_.begin();
    for (auto i = entries_.begin(); i != entries_.end(); ++i)
      if (i->last_seen < oldest->last_seen)
        oldest = i;
    if (oldest->suppressed > 0)
      write_summary(*oldest, now);
    if (&*oldest != &entries_.back())
      *oldest = std::move(entries_.back());
    entries_.pop_back();
  }
  write_log_line(level, who, text);
  entries_.push_back(entry{hash, key, text, who, level, now, now, 0});
}

void log_limiter::flush(nanos_t now) {
  for (auto& e : entries_)
    if (e.suppressed > 0) {
      if (log_enabled(e.level))
        write_summary(e, now);
      e.suppressed = 0;
      e.window_start = now;
    }
}

void log_limiter::write_summary(entry& e, nanos_t now) {
  char tail[96];
  std::snprintf(tail, sizeof(tail), " (repeated %llu times in the last %.1f s)",
                static_cast<unsigned long long>(e.suppressed),
                static_cast<double>(now - e.window_start) / 1e9);
  write_log_line(e.level, e.who, e.text + tail);
  e.window_start = now;
  e.suppressed = 0;
}

} // namespace trading
