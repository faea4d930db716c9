// The fields of a quote, declared once: the tick a feed publishes, the book's
// republished tick and the shm slot all hold one; the depth behind it beside it. No CAF, so shm/ may include it.
#pragma once

#include <cstddef>
#include <type_traits>

#include "messages/types.hpp"

namespace trading {

/// The top of book for one symbol: best bid and ask with their sizes, and the last
/// trade price. Fixed-point prices (messages/types.hpp); no_price for a side that
/// has not been quoted yet.
struct quote {
  price_t bid = no_price;
  price_t ask = no_price;
  price_t last = no_price;
  quantity_t bid_size = 0;
  quantity_t ask_size = 0;
};

static_assert(std::is_trivially_copyable_v<quote>);
static_assert(sizeof(quote) == 40);

/// Levels a side the book keeps, the top of book included.
constexpr std::size_t book_levels = 5;

/// One price level of one side: its price and the size resting there.
struct level {
  price_t price = no_price;
  quantity_t size = 0;
};

/// The levels behind the top of book (levels 2..5 of each side), best first. A
/// level of no_price ends its side: a source that gives no depth leaves it empty.
/// Kept apart from `quote` so that a top-of-book read never copies it.
struct book_depth {
  level bids[book_levels - 1];
  level asks[book_levels - 1];
};

static_assert(std::is_trivially_copyable_v<book_depth>);
static_assert(sizeof(book_depth) == 128);

/// Level `i` (0 = the top) of the side an order of direction `dir` trades
/// against: asks for a BUY, bids for a SELL.
inline level level_at(const quote& top, const book_depth& depth, side dir,
                      std::size_t i) {
  auto buy = dir == side::buy;
  if (i == 0)
    return buy ? level{top.ask, top.ask_size} : level{top.bid, top.bid_size};
  if (i >= book_levels)
    return {};
  return buy ? depth.asks[i - 1] : depth.bids[i - 1];
}

} // namespace trading
