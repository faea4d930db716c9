// The strategy's pure decision logic: moving-average and sentiment signals, their
// combination, and the target-position rule that turns a signal into an order.
// No CAF and no clocks here; the strategy actor feeds prices and sentiment in and
// sends what decide_order() returns.
//
//   prices ----> price_window --> price_signal --+
//                                                +--> combine --> target_position
//   sentiment --------------> sentiment_signal --+                   |
//                                                                    v
//   position (moves only on fills), order outstanding? --------> decide_order
#pragma once

#include "messages/types.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace trading {

// -- signals ------------------------------------------------------------------

enum class trade_signal : std::uint8_t { neutral, buy, sell };

/// "BUY", "SELL" or "NEUTRAL".
const char* to_string(trade_signal x);

// -- moving averages ----------------------------------------------------------

/// Mean of the last `window` values; nullopt if window is 0 or there are fewer
/// than `window` values.
std::optional<double> simple_moving_average(const std::vector<double>& prices,
                                            std::size_t window);

/// The last `capacity` prices in a ring. Allocates only in the constructor.
class price_window {
public:
  explicit price_window(std::size_t capacity);

  /// Appends a price, dropping the oldest once full (no-op at capacity 0).
  void push(double price);

  std::size_t size() const noexcept {
    return size_;
  }

  std::size_t capacity() const noexcept {
    return ring_.size();
  }

  /// Mean of the newest `window` prices; nullopt if window is 0 or more than
  /// size(). O(window).
  std::optional<double> average(std::size_t window) const;

  /// The price `age` pushes ago (0 = the newest); nullopt if age >= size().
  std::optional<double> back(std::size_t age) const;

  void clear() noexcept;

private:
  std::vector<double> ring_;
  std::size_t head_ = 0; // where the next price goes
  std::size_t size_ = 0;
};

/// A level, not a crossing event: NEUTRAL while fewer than `long_window` prices
/// (or either average is undefined), BUY while SMA(short) > SMA(long), SELL
/// while SMA(short) < SMA(long), NEUTRAL when they are equal (within a relative
/// 1e-9, so a flat market is NEUTRAL despite floating-point rounding).
trade_signal price_signal(const price_window& w, std::size_t short_window,
                    std::size_t long_window);

/// The threshold rule (the first seed system's, strategy.kind = threshold), also a
/// level: BUY while the newest price is more than `threshold_pct` percent above
/// the price `window` - 1 pushes before it, SELL while more than that below,
/// NEUTRAL otherwise or with fewer than `window` prices (window >= 2).
trade_signal move_signal(const price_window& w, std::size_t window, double threshold_pct);

/// BUY if sentiment > buy_above, SELL if sentiment < sell_below, else NEUTRAL.
trade_signal sentiment_signal(int sentiment, int buy_above = 60, int sell_below = 40);

/// The common signal when both agree on BUY or SELL, else NEUTRAL.
trade_signal combine(trade_signal price, trade_signal sentiment);

// -- orders -------------------------------------------------------------------

/// +quantity on BUY, -quantity on SELL, current_target on NEUTRAL (NEUTRAL holds
/// the position; it does not flatten).
quantity_t target_position(trade_signal combined, quantity_t current_target,
                           quantity_t quantity);

struct order_decision {
  side dir;
  quantity_t quantity;
};

/// The limit of an order sent on price `seen` (the ask for a BUY, the bid for a
/// SELL): `tolerance_bps` worse than it, rounded away from the seen price, so
/// the book may move that far before the order arrives and still fill. Never
/// below one price unit.
price_t limit_with_tolerance(side dir, price_t seen, double tolerance_bps);

/// Nothing while an order is outstanding or position == target; otherwise BUY
/// target - position, or SELL position - target. A reversal (-10 to +10) buys
/// 20. The position changes only when the caller learns of a fill.
std::optional<order_decision> decide_order(quantity_t position, quantity_t target,
                                           bool order_outstanding);

} // namespace trading
