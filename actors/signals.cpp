#include "actors/signals.hpp"

#include <algorithm>
#include <cmath>

namespace trading {

// -- signals ------------------------------------------------------------------

const char* to_string(trade_signal x) {
  switch (x) {
    case trade_signal::buy:
      return "BUY";
    case trade_signal::sell:
      return "SELL";
    case trade_signal::neutral:
      break;
  }
  return "NEUTRAL";
}

// -- moving averages ----------------------------------------------------------

std::optional<double> simple_moving_average(const std::vector<double>& prices,
                                            std::size_t window) {
  if (window == 0 || prices.size() < window)
    return std::nullopt;
  double sum = 0.0;
  for (auto i = prices.size() - window; i < prices.size(); ++i)
    sum += prices[i];
  return sum / static_cast<double>(window);
}

price_window::price_window(std::size_t capacity) : ring_(capacity) {
  // nop
}

void price_window::push(double price) {
  if (ring_.empty())
    return;
  ring_[head_] = price;
  head_ = head_ + 1 == ring_.size() ? 0 : head_ + 1;
  if (size_ < ring_.size())
    ++size_;
}

std::optional<double> price_window::average(std::size_t window) const {
  if (window == 0 || window > size_)
    return std::nullopt;
  // Walk back from the newest price; head_ is one past it (mod capacity).
  double sum = 0.0;
  std::size_t i = head_;
  for (std::size_t n = 0; n < window; ++n) {
    i = i == 0 ? ring_.size() - 1 : i - 1;
    sum += ring_[i];
  }
  return sum / static_cast<double>(window);
}

std::optional<double> price_window::back(std::size_t age) const {
  if (age >= size_)
    return std::nullopt;
  auto n = ring_.size();
  return ring_[(head_ + n - 1 - age) % n];
}

void price_window::clear() noexcept {
  head_ = 0;
  size_ = 0;
}

trade_signal price_signal(const price_window& w, std::size_t short_window,
                    std::size_t long_window) {
  if (w.size() < long_window)
    return trade_signal::neutral;
  auto short_ma = w.average(short_window);
  auto long_ma = w.average(long_window);
  if (!short_ma || !long_ma)
    return trade_signal::neutral;
  // Sums of the same flat price over different windows may differ in the last
  // bit; prices have four decimals, so a relative 1e-9 is far below any real move.
  double tolerance = 1e-9 * std::max(std::abs(*short_ma), std::abs(*long_ma));
  if (*short_ma > *long_ma + tolerance)
    return trade_signal::buy;
  if (*short_ma < *long_ma - tolerance)
    return trade_signal::sell;
  return trade_signal::neutral;
}

trade_signal move_signal(const price_window& w, std::size_t window, double threshold_pct) {
  if (window < 2 || w.size() < window)
    return trade_signal::neutral;
  auto newest = *w.back(0);
  auto before = *w.back(window - 1);
  if (before <= 0)
    return trade_signal::neutral;
  auto move_pct = (newest - before) / before * 100.0;
  if (move_pct > threshold_pct)
    return trade_signal::buy;
  if (move_pct < -threshold_pct)
    return trade_signal::sell;
  return trade_signal::neutral;
}

trade_signal sentiment_signal(int sentiment, int buy_above, int sell_below) {
  if (sentiment > buy_above)
    return trade_signal::buy;
  if (sentiment < sell_below)
    return trade_signal::sell;
  return trade_signal::neutral;
}

trade_signal combine(trade_signal price, trade_signal sentiment) {
  return price == sentiment ? price : trade_signal::neutral;
}

// -- orders -------------------------------------------------------------------

quantity_t target_position(trade_signal combined, quantity_t current_target,
                           quantity_t quantity) {
  switch (combined) {
    case trade_signal::buy:
      return quantity;
    case trade_signal::sell:
      return -quantity;
    case trade_signal::neutral:
      break;
  }
  return current_target;
}

std::optional<order_decision> decide_order(quantity_t position, quantity_t target,
                                           bool order_outstanding) {
  if (order_outstanding || position == target)
    return std::nullopt;
  if (target > position)
    return order_decision{side::buy, target - position};
  return order_decision{side::sell, position - target};
}

price_t limit_with_tolerance(side dir, price_t seen, double tolerance_bps) {
  auto room = static_cast<price_t>(
    std::ceil(static_cast<double>(seen) * tolerance_bps / 10'000.0));
  return dir == side::buy ? seen + room : std::max<price_t>(1, seen - room);
}

} // namespace trading
