// Replay files: recorded prices and news as CSV, read line by line into plain
// records. No CAF, so the parsing is unit-tested on its own; the feeds
// (actors/price_feed.cpp, actors/news_feed.cpp) play what it returns.
//
// Prices: the header is exactly
//   timestamp_ns,symbol,bid,ask,last,bid_size,ask_size
// optionally followed by depth levels 2..5, each as four columns in this order:
//   bid2,bid_size2,ask2,ask_size2, ..., bid5,bid_size5,ask5,ask_size5
// (level 1 is bid/ask/bid_size/ask_size). A row may leave a deeper level's cells
// empty: that level is absent. News: the header is exactly
//   timestamp_ns,symbol,sentiment
// with an empty symbol for market-wide news and sentiment an integer 0..100.
//
// A missing file or a wrong header throws replay_error (fatal for the node). A
// malformed line, or one whose timestamp is earlier than the one before, is
// reported through the callback with its line number, counted and skipped.
#pragma once

#include <array>
#include <cstdint>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>


#include "messages/quote.hpp"
#include "messages/types.hpp"

namespace trading {

/// Levels a side a replay row may carry (level 1 is the top of book).
constexpr std::size_t max_replay_levels = 5;

struct replay_level {
  price_t price = no_price;
  quantity_t size = 0;
};

/// One row of a price replay.
struct price_record {
  nanos_t timestamp_ns = 0;
  std::string symbol;
  price_t last = no_price;
  /// bids[0]/asks[0] are the top of book; levels beyond *_levels are unset.
  std::array<replay_level, max_replay_levels> bids{};
  std::array<replay_level, max_replay_levels> asks{};
  std::uint8_t bid_levels = 0;
  std::uint8_t ask_levels = 0;

  /// Level 1 and the last price: what a tick carries today.
  quote top() const {
    return quote{bids[0].price, asks[0].price, last, bids[0].size, asks[0].size};
  }
};

/// One row of a news replay; an empty symbol is market-wide.
struct news_record {
  nanos_t timestamp_ns = 0;
  std::string symbol;
  std::int32_t sentiment = 50;
};

/// A replay file that cannot be played at all (missing, unreadable, wrong header).
struct replay_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct replay_counts {
  std::uint64_t lines = 0;        // data lines read (not the header, not blank)
  std::uint64_t played = 0;       // returned by next()
  std::uint64_t malformed = 0;    // reported and skipped
  std::uint64_t out_of_order = 0; // timestamp earlier than the one before: skipped
  std::uint64_t other_symbol = 0; // a symbol not traded here: skipped
};

/// Called with "<path>:<line>: <problem>" for every skipped line.
using replay_problem_fn = std::function<void(const std::string&)>;

/// The line machinery both kinds share: the file, its header, line numbers, the
/// order of timestamps and the counts.
class replay_source {
public:
  const replay_counts& counts() const {
    return counts_;
  }
  const std::string& path() const {
    return path_;
  }

  virtual ~replay_source() = default;

protected:
  /// Opens `path` and reads its header; throws replay_error.
  replay_source(std::string path, replay_problem_fn on_problem);

  /// The next data line split at commas, or false at the end of the file.
  bool next_fields(std::vector<std::string_view>& fields);

  const std::vector<std::string>& header() const {
    return header_;
  }

  /// Counts and reports a malformed line.
  void malformed(const std::string& why);

  /// Accepts `ts` if it is not earlier than the last accepted one, else reports
  /// and counts it.
  bool in_order(nanos_t ts);

  [[noreturn]] void wrong_header(const std::string& expected) const;

  std::string path_;
  replay_problem_fn on_problem_;
  std::ifstream in_;
  std::string line_;
  std::uint64_t line_number_ = 0;
  std::vector<std::string> header_;
  nanos_t last_ts_ = 0;
  bool any_ = false;
  replay_counts counts_;
};

/// One record of look-ahead over a kind's read(): a player schedules the next
/// record by its timestamp before it takes it.
template <class Record>
class replay_reader : public replay_source {
public:
  using record_type = Record;

  /// The next good record without taking it, or nullptr at the end of the file.
  const Record* peek() {
    if (!ahead_valid_) {
      ahead_ = read();
      ahead_valid_ = true;
    }
    return ahead_ ? &*ahead_ : nullptr;
  }

  /// The next good record, or nullopt at the end of the file.
  std::optional<Record> next() {
    peek();
    ahead_valid_ = false;
    return std::move(ahead_);
  }

protected:
  using replay_source::replay_source;

  virtual std::optional<Record> read() = 0;

  std::vector<std::string_view> fields_;

private:
  std::optional<Record> ahead_;
  bool ahead_valid_ = false;
};

class price_replay : public replay_reader<price_record> {
public:
  explicit price_replay(std::string path, replay_problem_fn on_problem = {});

  /// Depth levels the header has (1..5).
  std::size_t levels() const {
    return levels_;
  }

  /// Plays only rows of these symbols; others are counted (other_symbol) and each
  /// such symbol reported once. Call before the first peek().
  void only(std::vector<std::string> symbols);

private:
  std::optional<price_record> read() override;

  std::size_t levels_ = 1;
  std::vector<std::string> only_;
  std::vector<std::string> reported_;
};

class news_replay : public replay_reader<news_record> {
public:
  explicit news_replay(std::string path, replay_problem_fn on_problem = {});

private:
  std::optional<news_record> read() override;
};

/// The price header for `levels` levels (1..5), e.g. for a generator or a message.
std::string price_replay_header(std::size_t levels);

/// "<path>: N lines, P played, M malformed, O out of order" for logs.
std::string describe(const replay_source& source);

// -- playing ---------------------------------------------------------------------

/// Paces a replay: an event keeps its distance in event time from `origin_ns`
/// (the earliest timestamp of the node's replays, so prices and news stay in step),
/// divided by `speed`; speed 0 plays every event at once.
class replay_pacer {
public:
  replay_pacer(nanos_t origin_ns, double speed, nanos_t start_mono_ns)
    : origin_(origin_ns), speed_(speed), start_(start_mono_ns) {
  }

  /// CLOCK_MONOTONIC when an event of `event_ns` is due.
  nanos_t due(nanos_t event_ns) const {
    if (speed_ <= 0 || event_ns <= origin_)
      return start_;
    return start_ + static_cast<nanos_t>(static_cast<double>(event_ns - origin_) / speed_);
  }

private:
  nanos_t origin_;
  double speed_;
  nanos_t start_;
};

/// What a feed needs to play a replay; an empty `source` means no replay.
template <class Reader>
struct replay_plan {
  std::shared_ptr<Reader> source;
  /// The earliest first timestamp of the node's replays: both feeds pace from it.
  nanos_t origin_ns = 0;
  /// Called (on the feed's thread) when the file has ended, except in a backtest,
  /// where the clock knows when everything has been played.
  void (*on_end)() = nullptr;
};

/// A problem callback that logs the first `shown` problems as warnings and then
/// says that further ones are only counted.
replay_problem_fn logged_problems(const char* who, std::uint64_t shown = 20);

/// Events a feed plays in one turn at most before it lets other actors run.
constexpr std::size_t replay_burst = 256;

/// Hands every record of `source` that is due by `now` to `emit` (at most
/// replay_burst); returns how long until the next one is due: 0 = at once (the
/// burst was full), -1 = the file has ended.
template <class Reader, class Emit>
nanos_t play_due(Reader& source, const replay_pacer& pacer, nanos_t now, Emit&& emit) {
  for (std::size_t n = 0; n < replay_burst; ++n) {
    auto head = source.peek();
    if (head == nullptr)
      return -1;
    auto due = pacer.due(head->timestamp_ns);
    if (due > now)
      return due - now;
    emit(*source.next());
  }
  return 0;
}

} // namespace trading
