// The log line format, level filtering and the repeat limiter of actors/diagnostics.
#include "actors/diagnostics.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

using namespace trading;

namespace {

constexpr nanos_t ms = 1'000'000;
constexpr nanos_t sec = 1'000'000'000;

/// Points a file descriptor (stderr or stdout) at a temporary file while alive;
/// `lines()` restores it and returns what was written.
class capture {
public:
  explicit capture(int fd) : fd_(fd), file_(std::tmpfile()) {
    saved_ = ::dup(fd_);
    ::dup2(::fileno(file_), fd_);
  }

  ~capture() {
    restore();
    std::fclose(file_);
  }

  std::vector<std::string> lines() {
    restore();
    std::string all;
    std::rewind(file_);
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof(buf), file_)) > 0)
      all.append(buf, n);
    std::vector<std::string> out;
    std::istringstream in(all);
    for (std::string line; std::getline(in, line);)
      out.push_back(line);
    EXPECT_TRUE(all.empty() || all.back() == '\n') << "last line not terminated";
    return out;
  }

private:
  void restore() {
    if (saved_ >= 0) {
      ::dup2(saved_, fd_);
      ::close(saved_);
      saved_ = -1;
    }
  }

  int fd_;
  std::FILE* file_;
  int saved_ = -1;
};

class log_test : public ::testing::Test {
protected:
  void SetUp() override {
    set_diagnostics_name("cluster-oms");
    set_log_level(log_level::info);
  }
  void TearDown() override {
    set_log_level(log_level::info);
    set_diagnostics_name("node");
  }
};

const std::regex line_format(
  R"(^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\.(\d{3})Z (DEBUG|INFO|WARN|ERROR) \[([^\]]+)\] ([^:]+): (.*)$)");

/// The text after "who: ", or "" with a test failure if the line is malformed.
std::string text_of(const std::string& line) {
  std::smatch m;
  EXPECT_TRUE(std::regex_match(line, m, line_format)) << line;
  return m.size() > 11 ? m[11].str() : "";
}

} // namespace

// -- format -------------------------------------------------------------------

TEST_F(log_test, line_has_utc_ms_timestamp_level_node_and_actor) {
  capture err(STDERR_FILENO);
  auto before = std::time(nullptr);
  log_warn("oms", "peer md-1 unreachable");
  auto after = std::time(nullptr);
  auto lines = err.lines();
  ASSERT_EQ(lines.size(), 1u);
  std::smatch m;
  ASSERT_TRUE(std::regex_match(lines[0], m, line_format)) << lines[0];
  EXPECT_EQ(m[8].str(), "WARN");
  EXPECT_EQ(m[9].str(), "cluster-oms");
  EXPECT_EQ(m[10].str(), "oms");
  EXPECT_EQ(m[11].str(), "peer md-1 unreachable");
  // The timestamp is UTC wall time: it lies between the two readings.
  std::tm tm{};
  tm.tm_year = std::stoi(m[1]) - 1900;
  tm.tm_mon = std::stoi(m[2]) - 1;
  tm.tm_mday = std::stoi(m[3]);
  tm.tm_hour = std::stoi(m[4]);
  tm.tm_min = std::stoi(m[5]);
  tm.tm_sec = std::stoi(m[6]);
  auto stamp = timegm(&tm);
  EXPECT_GE(stamp, before);
  EXPECT_LE(stamp, after);
}

TEST_F(log_test, each_level_prints_its_name) {
  set_log_level(log_level::debug);
  capture err(STDERR_FILENO);
  log_debug("a", "1");
  log_info("b", "2");
  log_warn("c", "3");
  log_error("d", "4");
  log(log_level::error, "e", "5");
  auto lines = err.lines();
  ASSERT_EQ(lines.size(), 5u);
  const char* expected[] = {" DEBUG [cluster-oms] a: 1", " INFO [cluster-oms] b: 2",
                            " WARN [cluster-oms] c: 3", " ERROR [cluster-oms] d: 4",
                            " ERROR [cluster-oms] e: 5"};
  for (size_t i = 0; i < lines.size(); ++i) {
    EXPECT_EQ(lines[i].substr(24), expected[i]);
    text_of(lines[i]);
  }
}

TEST_F(log_test, report_keeps_its_format_on_stdout) {
  capture out(STDOUT_FILENO);
  capture err(STDERR_FILENO);
  report("stats: 12 filled");
  EXPECT_EQ(out.lines(), std::vector<std::string>{"[cluster-oms] stats: 12 filled"});
  EXPECT_TRUE(err.lines().empty());
}

TEST_F(log_test, lines_stay_whole_across_threads) {
  capture err(STDERR_FILENO);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([t] {
      std::string text(200, static_cast<char>('a' + t));
      for (int i = 0; i < 500; ++i)
        log_info("writer", text);
    });
  for (auto& t : threads)
    t.join();
  auto lines = err.lines();
  ASSERT_EQ(lines.size(), 2000u);
  for (auto& line : lines) {
    auto text = text_of(line);
    ASSERT_EQ(text.size(), 200u) << line;
    ASSERT_EQ(text.find_first_not_of(text[0]), std::string::npos) << line;
  }
}

// -- levels -------------------------------------------------------------------

TEST_F(log_test, default_level_is_info) {
  EXPECT_EQ(current_log_level(), log_level::info);
  EXPECT_FALSE(log_enabled(log_level::debug));
  EXPECT_TRUE(log_enabled(log_level::info));
  EXPECT_TRUE(log_enabled(log_level::warn));
  EXPECT_TRUE(log_enabled(log_level::error));
}

TEST_F(log_test, lines_below_the_level_are_dropped) {
  set_log_level(log_level::warn);
  EXPECT_FALSE(log_enabled(log_level::info));
  EXPECT_TRUE(log_enabled(log_level::warn));
  capture err(STDERR_FILENO);
  log_debug("oms", "d");
  log_info("oms", "i");
  log_warn("oms", "w");
  log_error("oms", "e");
  auto lines = err.lines();
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(text_of(lines[0]), "w");
  EXPECT_EQ(text_of(lines[1]), "e");

  set_log_level(log_level::error);
  capture err2(STDERR_FILENO);
  log_warn("oms", "w");
  log_error("oms", "e");
  EXPECT_EQ(err2.lines().size(), 1u);
}

TEST_F(log_test, parse_log_level_accepts_the_four_names) {
  log_level x = log_level::error;
  ASSERT_TRUE(parse_log_level("debug", x));
  EXPECT_EQ(x, log_level::debug);
  ASSERT_TRUE(parse_log_level("info", x));
  EXPECT_EQ(x, log_level::info);
  ASSERT_TRUE(parse_log_level("warn", x));
  EXPECT_EQ(x, log_level::warn);
  ASSERT_TRUE(parse_log_level("error", x));
  EXPECT_EQ(x, log_level::error);
}

TEST_F(log_test, parse_log_level_rejects_anything_else_and_leaves_the_value) {
  for (const char* bad : {"", "WARN", "Info", "warning", "err", "info ", " debug",
                          "trace", "fatal"}) {
    log_level x = log_level::warn;
    EXPECT_FALSE(parse_log_level(bad, x)) << '"' << bad << '"';
    EXPECT_EQ(x, log_level::warn) << '"' << bad << '"';
  }
}

TEST_F(log_test, to_string_names) {
  EXPECT_STREQ(to_string(log_level::debug), "DEBUG");
  EXPECT_STREQ(to_string(log_level::info), "INFO");
  EXPECT_STREQ(to_string(log_level::warn), "WARN");
  EXPECT_STREQ(to_string(log_level::error), "ERROR");
}

// -- limiter ------------------------------------------------------------------

TEST_F(log_test, limiter_storm_gives_one_line_then_a_count_on_flush) {
  log_limiter limiter; // 1 s
  capture err(STDERR_FILENO);
  nanos_t t0 = 5 * sec;
  for (int i = 0; i < 1000; ++i)
    limiter.log(log_level::warn, "oms", "reject: unknown symbol", t0 + i * 500'000);
  auto mid = err.lines();
  ASSERT_EQ(mid.size(), 1u);
  EXPECT_EQ(text_of(mid[0]), "reject: unknown symbol");

  capture err2(STDERR_FILENO);
  limiter.flush(t0 + 600 * ms);
  auto lines = err2.lines();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].substr(24), " WARN [cluster-oms] oms: reject: unknown symbol "
                                 "(repeated 999 times in the last 0.6 s)");

  // Nothing left to flush.
  capture err3(STDERR_FILENO);
  limiter.flush(t0 + 2 * sec);
  EXPECT_TRUE(err3.lines().empty());
}

TEST_F(log_test, limiter_storm_gives_a_count_at_the_next_interval) {
  log_limiter limiter;
  capture err(STDERR_FILENO);
  nanos_t t0 = 0;
  for (int i = 0; i < 1000; ++i)
    limiter.log(log_level::warn, "oms", "reject", t0 + i * ms / 2);
  // The interval has passed: the next event writes the summary, not itself.
  limiter.log(log_level::warn, "oms", "reject", t0 + sec);
  // The storm continues: counted in the new interval.
  limiter.log(log_level::warn, "oms", "reject", t0 + sec + 10 * ms);
  limiter.flush(t0 + 1500 * ms);
  auto lines = err.lines();
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(text_of(lines[0]), "reject");
  EXPECT_EQ(text_of(lines[1]), "reject (repeated 999 times in the last 1.0 s)");
  EXPECT_EQ(text_of(lines[2]), "reject (repeated 2 times in the last 0.5 s)");
}

TEST_F(log_test, limiter_steady_storm_gives_one_line_per_interval) {
  log_limiter limiter(sec);
  capture err(STDERR_FILENO);
  // 100 events a second for 10 s.
  for (nanos_t t = 0; t < 10 * sec; t += 10 * ms)
    limiter.log(log_level::warn, "strategy", "peer oms keeps failing", t);
  limiter.flush(10 * sec);
  auto lines = err.lines();
  ASSERT_EQ(lines.size(), 11u); // the first event, 9 interval summaries, the flush
  EXPECT_EQ(text_of(lines[0]), "peer oms keeps failing");
  EXPECT_EQ(text_of(lines[1]), "peer oms keeps failing (repeated 99 times in the last 1.0 s)");
  for (size_t i = 2; i < lines.size(); ++i)
    EXPECT_EQ(text_of(lines[i]),
              "peer oms keeps failing (repeated 100 times in the last 1.0 s)");
}

TEST_F(log_test, limiter_rare_event_is_logged_each_time) {
  log_limiter limiter(sec);
  capture err(STDERR_FILENO);
  limiter.log(log_level::info, "md", "reconnected", 0);
  limiter.log(log_level::info, "md", "reconnected", 3 * sec);
  limiter.log(log_level::info, "md", "reconnected", 7 * sec);
  limiter.flush(8 * sec);
  auto lines = err.lines();
  ASSERT_EQ(lines.size(), 3u);
  for (auto& line : lines)
    EXPECT_EQ(text_of(line), "reconnected");
}

TEST_F(log_test, limiter_keys_are_independent) {
  log_limiter limiter;
  capture err(STDERR_FILENO);
  for (int i = 0; i < 10; ++i) {
    limiter.log(log_level::warn, "oms", "reject A", i * ms);
    limiter.log(log_level::warn, "oms", "reject B", i * ms);
  }
  for (int i = 0; i < 5; ++i)
    limiter.log(log_level::warn, "oms", "reject A", 20 * ms + i * ms);
  limiter.flush(100 * ms);
  auto lines = err.lines();
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(text_of(lines[0]), "reject A");
  EXPECT_EQ(text_of(lines[1]), "reject B");
  EXPECT_EQ(text_of(lines[2]), "reject A (repeated 14 times in the last 0.1 s)");
  EXPECT_EQ(text_of(lines[3]), "reject B (repeated 9 times in the last 0.1 s)");
}

TEST_F(log_test, limiter_key_separate_from_text_shows_the_latest_text) {
  log_limiter limiter;
  capture err(STDERR_FILENO);
  for (int i = 0; i < 5; ++i)
    limiter.log(log_level::warn, "oms", "reject:unknown symbol",
                "order o-" + std::to_string(i) + " rejected: unknown symbol", i * ms);
  limiter.flush(200 * ms);
  auto lines = err.lines();
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(text_of(lines[0]), "order o-0 rejected: unknown symbol");
  EXPECT_EQ(text_of(lines[1]),
            "order o-4 rejected: unknown symbol (repeated 4 times in the last 0.2 s)");
}

TEST_F(log_test, limiter_key_cap_evicts_the_least_recently_seen_with_its_count) {
  log_limiter limiter(sec, 4);
  capture err(STDERR_FILENO);
  limiter.log(log_level::warn, "oms", "k0", 0);
  limiter.log(log_level::warn, "oms", "k0", 1 * ms); // counted
  limiter.log(log_level::warn, "oms", "k1", 2 * ms);
  limiter.log(log_level::warn, "oms", "k2", 3 * ms);
  limiter.log(log_level::warn, "oms", "k3", 4 * ms);
  limiter.log(log_level::warn, "oms", "k1", 5 * ms); // counted; k0 is now oldest
  EXPECT_EQ(limiter.size(), 4u);
  limiter.log(log_level::warn, "oms", "k4", 6 * ms); // evicts k0, writing its count
  EXPECT_EQ(limiter.size(), 4u);
  auto lines = err.lines();
  ASSERT_EQ(lines.size(), 6u);
  EXPECT_EQ(text_of(lines[4]), "k0 (repeated 1 times in the last 0.0 s)");
  EXPECT_EQ(text_of(lines[5]), "k4");

  // Many distinct keys: memory stays bounded, every first occurrence is written.
  capture err2(STDERR_FILENO);
  for (int i = 0; i < 1000; ++i)
    limiter.log(log_level::warn, "oms", "key " + std::to_string(i), 10 * ms + i);
  EXPECT_EQ(limiter.size(), 4u);
  auto more = err2.lines();
  // 1000 first occurrences, plus k1's pending count when it is evicted.
  EXPECT_EQ(more.size(), 1001u);
}

TEST_F(log_test, limiter_default_cap_is_64) {
  log_limiter limiter;
  capture err(STDERR_FILENO);
  for (int i = 0; i < 200; ++i)
    limiter.log(log_level::info, "md", "key " + std::to_string(i), i);
  EXPECT_EQ(limiter.size(), 64u);
  EXPECT_EQ(err.lines().size(), 200u);
}

TEST_F(log_test, limiter_ignores_filtered_levels) {
  log_limiter limiter;
  capture err(STDERR_FILENO);
  for (int i = 0; i < 100; ++i)
    limiter.log(log_level::debug, "oms", "noise", i);
  limiter.flush(sec);
  EXPECT_EQ(limiter.size(), 0u);
  EXPECT_TRUE(err.lines().empty());
}
