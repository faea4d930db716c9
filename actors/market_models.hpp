// The feeds' market models, apart from the actors so they can be tested without CAF:
// the same seed and settings give the same sequence, on every run.
#pragma once

#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "messages/market.hpp"

namespace trading {

/// Random-walk prices: every step, each symbol's last price is multiplied by
/// (1 + N(0, volatility)), with a floor of 0.01; bid and ask sit half the spread
/// below and above it (at least one price unit apart), with synthesize_depth's
/// levels behind them.
class price_walk {
public:
  price_walk(const std::map<std::string, double>& start_prices,
             std::uint64_t seed, double volatility, double spread_bps,
             std::uint64_t feed_incarnation);

  /// Appends one tick per symbol to `out`, numbered from the feed's sequence.
  void step(std::vector<tick>& out, nanos_t created_ns);

  std::size_t symbol_count() const {
    return symbols_.size();
  }

  std::uint64_t sequence() const {
    return sequence_;
  }

private:
  struct symbol_state {
    std::string name;
    double last;
  };

  std::vector<symbol_state> symbols_;
  std::mt19937_64 rng_;
  std::normal_distribution<double> move_;
  bool flat_;
  std::uniform_int_distribution<int> lots_{1, 10};
  double half_spread_;
  std::uint64_t incarnation_;
  std::uint64_t sequence_ = 0;
};

/// Levels 2..5 of a synthetic book behind `top`: one spread apart, each 100
/// shares deeper than the one before (a bid level below one price unit ends the
/// side). Lets the random walk exercise fills across levels.
void synthesize_depth(const quote& top, book_depth& out);

/// Market-wide sentiment 0..100: each step +-step, or +-jump with
/// jump_probability, clamped.
class sentiment_walk {
public:
  sentiment_walk(std::int32_t start, std::uint64_t seed, std::int32_t step,
                 std::int32_t jump, double jump_probability);

  std::int32_t next();

  std::int32_t value() const {
    return value_;
  }

private:
  std::int32_t value_;
  std::mt19937_64 rng_;
  std::uniform_real_distribution<double> unit_{0.0, 1.0};
  std::int32_t step_;
  std::int32_t jump_;
  double jump_probability_;
};

/// The news feed's sentiments: the market-wide walk (index 0, empty symbol) and,
/// for per-symbol news, one walk per symbol, seeded seed + 1 + its position, so the
/// market-wide values are the same with or without per-symbol ones.
class news_walk {
public:
  news_walk(std::int32_t start, std::uint64_t seed, std::int32_t step,
            std::int32_t jump, double jump_probability,
            const std::vector<std::string>& per_symbol = {});

  /// One step of every walk.
  void next();

  /// Market-wide first, then one per symbol.
  std::size_t size() const {
    return walks_.size();
  }
  const std::string& symbol(std::size_t i) const {
    return symbols_[i];
  }
  std::int32_t value(std::size_t i) const {
    return walks_[i].value();
  }

private:
  std::vector<std::string> symbols_;
  std::vector<sentiment_walk> walks_;
};

/// A random 64-bit id, different at every start of a process (feed incarnations,
/// OMS execution-id prefixes, strategy order-id prefixes).
std::uint64_t new_incarnation_id();

} // namespace trading
