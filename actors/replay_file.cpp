#include "actors/replay_file.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "actors/diagnostics.hpp"
#include "messages/names.hpp"

namespace trading {

namespace {

constexpr double max_price = 1e9;
constexpr std::size_t price_columns_per_level = 4;
constexpr std::size_t price_base_columns = 7;

std::vector<std::string> split(std::string_view line) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (;;) {
    auto comma = line.find(',', start);
    out.emplace_back(line.substr(start, comma - start));
    if (comma == std::string_view::npos)
      return out;
    start = comma + 1;
  }
}

std::string joined(const std::vector<std::string>& xs) {
  std::string out;
  for (auto& x : xs)
    out += (out.empty() ? "" : ",") + x;
  return out;
}

/// A field fit for a message: at most 40 characters.
std::string shown(std::string_view field) {
  return "'" + std::string{field.substr(0, 40)} + (field.size() > 40 ? "...'" : "'");
}

bool parse_int(std::string_view s, std::int64_t& out) {
  auto end = s.data() + s.size();
  auto [ptr, ec] = std::from_chars(s.data(), end, out);
  return ec == std::errc{} && ptr == end && !s.empty();
}

bool parse_price(std::string_view s, price_t& out) {
  double x = 0;
  auto end = s.data() + s.size();
  auto [ptr, ec] = std::from_chars(s.data(), end, x);
  if (ec != std::errc{} || ptr != end || s.empty() || !std::isfinite(x) || x <= 0
      || x > max_price)
    return false;
  out = to_price(x);
  return out > 0;
}

} // namespace

// -- replay_source ---------------------------------------------------------------

replay_source::replay_source(std::string path, replay_problem_fn on_problem)
  : path_(std::move(path)), on_problem_(std::move(on_problem)) {
  in_.open(path_, std::ios::binary);
  if (!in_)
    throw replay_error("replay file " + path_ + ": cannot open it");
  if (!std::getline(in_, line_))
    throw replay_error("replay file " + path_ + ": empty, a header line is needed");
  ++line_number_;
  if (!line_.empty() && line_.back() == '\r')
    line_.pop_back();
  header_ = split(line_);
}

void replay_source::wrong_header(const std::string& expected) const {
  throw replay_error("replay file " + path_ + ": wrong header '"
                     + std::string{std::string_view{joined(header_)}.substr(0, 200)}
                     + "'; expected " + expected);
}

bool replay_source::next_fields(std::vector<std::string_view>& fields) {
  while (std::getline(in_, line_)) {
    ++line_number_;
    if (!line_.empty() && line_.back() == '\r')
      line_.pop_back();
    if (line_.empty())
      continue;
    ++counts_.lines;
    fields.clear();
    std::string_view view{line_};
    std::size_t start = 0;
    for (;;) {
      auto comma = view.find(',', start);
      fields.push_back(view.substr(start, comma - start));
      if (comma == std::string_view::npos)
        break;
      start = comma + 1;
    }
    if (fields.size() != header_.size()) {
      malformed(std::to_string(fields.size()) + " fields, the header has "
                + std::to_string(header_.size()));
      continue;
    }
    return true;
  }
  if (in_.bad())
    throw replay_error("replay file " + path_ + ": read error after line "
                       + std::to_string(line_number_));
  return false;
}

void replay_source::malformed(const std::string& why) {
  ++counts_.malformed;
  if (on_problem_)
    on_problem_(path_ + ":" + std::to_string(line_number_) + ": malformed line skipped: "
                + why);
}

bool replay_source::in_order(nanos_t ts) {
  if (any_ && ts < last_ts_) {
    ++counts_.out_of_order;
    if (on_problem_)
      on_problem_(path_ + ":" + std::to_string(line_number_) + ": timestamp "
                  + std::to_string(ts) + " is earlier than the one before ("
                  + std::to_string(last_ts_) + "): line skipped");
    return false;
  }
  any_ = true;
  last_ts_ = ts;
  return true;
}

std::string describe(const replay_source& source) {
  auto& c = source.counts();
  return source.path() + ": " + std::to_string(c.lines) + " lines, "
         + std::to_string(c.played) + " played, " + std::to_string(c.malformed)
         + " malformed, " + std::to_string(c.out_of_order) + " out of order, "
         + std::to_string(c.other_symbol) + " of symbols not traded (all skipped)";
}

replay_problem_fn logged_problems(const char* who, std::uint64_t shown) {
  auto count = std::make_shared<std::uint64_t>(0);
  return [who, shown, count](const std::string& problem) {
    auto n = ++*count;
    if (n <= shown)
      log_warn(who, problem);
    if (n == shown)
      log_warn(who, "further problems of this replay are counted, not logged");
  };
}

// -- prices ----------------------------------------------------------------------

std::string price_replay_header(std::size_t levels) {
  std::string out = "timestamp_ns,symbol,bid,ask,last,bid_size,ask_size";
  for (std::size_t i = 2; i <= levels; ++i) {
    auto n = std::to_string(i);
    out += ",bid" + n + ",bid_size" + n + ",ask" + n + ",ask_size" + n;
  }
  return out;
}

price_replay::price_replay(std::string path, replay_problem_fn on_problem)
  : replay_reader(std::move(path), std::move(on_problem)) {
  auto n = header().size();
  auto extra = n >= price_base_columns ? n - price_base_columns : 1;
  levels_ = 1 + extra / price_columns_per_level;
  if (n < price_base_columns || extra % price_columns_per_level != 0
      || levels_ > max_replay_levels || joined(header()) != price_replay_header(levels_))
    wrong_header(price_replay_header(1) + " plus optional depth columns "
                 "bid2,bid_size2,ask2,ask_size2 ... up to level 5");
}

std::optional<price_record> price_replay::read() {
  while (next_fields(fields_)) {
    auto& f = fields_;
    price_record r;
    std::int64_t ts = 0;
    if (!parse_int(f[0], ts) || ts < 0) {
      malformed("timestamp_ns " + shown(f[0]) + " is not a non-negative integer");
      continue;
    }
    r.timestamp_ns = ts;
    r.symbol = std::string{f[1]};
    if (auto problem = symbol_problem(r.symbol); !problem.empty()) {
      malformed("symbol " + shown(f[1]) + ": " + problem);
      continue;
    }
    if (!parse_price(f[4], r.last)) {
      malformed("last " + shown(f[4]) + " is not a price (0 < price <= 1e9)");
      continue;
    }
    // Level i's columns: bid, bid_size, ask, ask_size; level 1's are 2,5,3,6.
    std::string problem;
    for (std::size_t level = 0; level < levels_ && problem.empty(); ++level) {
      std::size_t bid = 2, bid_size = 5, ask = 3, ask_size = 6;
      if (level > 0) {
        bid = price_base_columns + (level - 1) * price_columns_per_level;
        bid_size = bid + 1;
        ask = bid + 2;
        ask_size = bid + 3;
      }
      auto side = [&](std::size_t pc, std::size_t sc, const char* name,
                      std::array<replay_level, max_replay_levels>& levels,
                      std::uint8_t& count) {
        if (level > 0 && f[pc].empty() && f[sc].empty())
          return; // this level is absent
        auto label = std::string{name} + (level > 0 ? std::to_string(level + 1) : "");
        std::int64_t size = 0;
        if (!parse_price(f[pc], levels[level].price))
          problem = label + " " + shown(f[pc]) + " is not a price (0 < price <= 1e9)";
        else if (!parse_int(f[sc], size) || size < 0)
          problem = label + " size " + shown(f[sc]) + " is not a non-negative integer";
        else if (count != level)
          problem = label + ": a level after an absent one";
        else if (level > 0
                 && (name[0] == 'b' ? levels[level].price >= levels[level - 1].price
                                    : levels[level].price <= levels[level - 1].price))
          problem = label + " " + shown(f[pc]) + " is not behind level "
                    + std::to_string(level);
        else {
          levels[level].size = size;
          count = static_cast<std::uint8_t>(level + 1);
        }
      };
      side(bid, bid_size, "bid", r.bids, r.bid_levels);
      if (problem.empty())
        side(ask, ask_size, "ask", r.asks, r.ask_levels);
    }
    if (problem.empty() && r.bids[0].price > r.asks[0].price)
      problem = "bid " + shown(f[2]) + " is above ask " + shown(f[3]);
    if (!problem.empty()) {
      malformed(problem);
      continue;
    }
    if (!in_order(r.timestamp_ns))
      continue;
    if (!only_.empty() && std::find(only_.begin(), only_.end(), r.symbol) == only_.end()) {
      ++counts_.other_symbol;
      if (std::find(reported_.begin(), reported_.end(), r.symbol) == reported_.end()) {
        reported_.push_back(r.symbol);
        if (on_problem_)
          on_problem_(path_ + ":" + std::to_string(line_number_) + ": symbol "
                      + r.symbol + " is not traded here: its rows are skipped");
      }
      continue;
    }
    ++counts_.played;
    return r;
  }
  return std::nullopt;
}

void price_replay::only(std::vector<std::string> symbols) {
  only_ = std::move(symbols);
}

// -- news ------------------------------------------------------------------------

news_replay::news_replay(std::string path, replay_problem_fn on_problem)
  : replay_reader(std::move(path), std::move(on_problem)) {
  if (joined(header()) != "timestamp_ns,symbol,sentiment")
    wrong_header("timestamp_ns,symbol,sentiment");
}

std::optional<news_record> news_replay::read() {
  while (next_fields(fields_)) {
    auto& f = fields_;
    news_record r;
    std::int64_t ts = 0, sentiment = 0;
    if (!parse_int(f[0], ts) || ts < 0) {
      malformed("timestamp_ns " + shown(f[0]) + " is not a non-negative integer");
      continue;
    }
    r.timestamp_ns = ts;
    r.symbol = std::string{f[1]};
    if (!r.symbol.empty())
      if (auto problem = symbol_problem(r.symbol); !problem.empty()) {
        malformed("symbol " + shown(f[1]) + ": " + problem);
        continue;
      }
    if (!parse_int(f[2], sentiment) || sentiment < 0 || sentiment > 100) {
      malformed("sentiment " + shown(f[2]) + " is not an integer 0..100");
      continue;
    }
    r.sentiment = static_cast<std::int32_t>(sentiment);
    if (!in_order(r.timestamp_ns))
      continue;
    ++counts_.played;
    return r;
  }
  return std::nullopt;
}

} // namespace trading
