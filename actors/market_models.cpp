#include "actors/market_models.hpp"

#include <algorithm>
#include <unistd.h>

namespace trading {

price_walk::price_walk(const std::map<std::string, double>& start_prices,
                       std::uint64_t seed, double volatility, double spread_bps,
                       std::uint64_t feed_incarnation)
  : rng_(seed),
    // normal_distribution requires sigma > 0; volatility 0 (a flat market) skips
    // the draw instead.
    move_(0.0, volatility > 0 ? volatility : 1.0),
    flat_(volatility <= 0),
    half_spread_(spread_bps / 2.0 / 10'000.0),
    incarnation_(feed_incarnation) {
  for (auto& [name, price] : start_prices)
    symbols_.push_back(symbol_state{name, price});
}

void price_walk::step(std::vector<tick>& out, nanos_t created_ns) {
  for (auto& s : symbols_) {
    auto move = flat_ ? 0.0 : move_(rng_);
    s.last = std::max(0.01, s.last * (1.0 + move));
    tick t;
    t.symbol = s.name;
    t.top.last = to_price(s.last);
    auto half = std::max<price_t>(1, to_price(s.last * half_spread_));
    t.top.bid = std::max<price_t>(1, t.top.last - half);
    t.top.ask = t.top.last + half;
    t.top.bid_size = 100 * lots_(rng_);
    t.top.ask_size = 100 * lots_(rng_);
    synthesize_depth(t.top, t.depth);
    t.feed_incarnation = incarnation_;
    t.sequence = ++sequence_;
    t.created_ns = created_ns;
    out.push_back(std::move(t));
  }
}

// Levels 2..5 behind the top, one spread apart, each a lot deeper than the one
// before: no random draw, so a seed's prices are what they were before depth.
void synthesize_depth(const quote& top, book_depth& out) {
  const auto step = std::max<price_t>(1, top.ask - top.bid);
  for (std::size_t k = 0; k < book_levels - 1; ++k) {
    const auto behind = static_cast<price_t>(k + 1);
    const auto deeper = static_cast<quantity_t>(100 * (k + 1));
    out.asks[k] = level{top.ask + behind * step, top.ask_size + deeper};
    const auto bid = top.bid - behind * step;
    out.bids[k] = bid > 0 ? level{bid, top.bid_size + deeper} : level{};
  }
}

sentiment_walk::sentiment_walk(std::int32_t start, std::uint64_t seed,
                               std::int32_t step, std::int32_t jump,
                               double jump_probability)
  : value_(start),
    rng_(seed),
    step_(step),
    jump_(jump),
    jump_probability_(jump_probability) {
}

std::int32_t sentiment_walk::next() {
  auto size = unit_(rng_) < jump_probability_ ? jump_ : step_;
  auto up = unit_(rng_) < 0.5;
  value_ = std::clamp(value_ + (up ? size : -size), 0, 100);
  return value_;
}

news_walk::news_walk(std::int32_t start, std::uint64_t seed, std::int32_t step,
                     std::int32_t jump, double jump_probability,
                     const std::vector<std::string>& per_symbol) {
  symbols_.emplace_back();
  walks_.emplace_back(start, seed, step, jump, jump_probability);
  for (std::size_t i = 0; i < per_symbol.size(); ++i) {
    symbols_.push_back(per_symbol[i]);
    walks_.emplace_back(start, seed + 1 + i, step, jump, jump_probability);
  }
}

void news_walk::next() {
  for (auto& w : walks_)
    w.next();
}

std::uint64_t new_incarnation_id() {
  std::random_device device;
  std::uint64_t id = (static_cast<std::uint64_t>(device()) << 32) ^ device();
  // Mixed with time and pid, in case random_device is deterministic here.
  id ^= static_cast<std::uint64_t>(wall_ns()) * 0x9E3779B97F4A7C15ull;
  id ^= static_cast<std::uint64_t>(::getpid()) << 17;
  return id == 0 ? 1 : id;
}

} // namespace trading
