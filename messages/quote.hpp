// The fields of a quote, declared once: the tick a feed publishes, the book's
// republished tick and the shm slot all hold one. No CAF, so shm/ may include it.
#pragma once

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

} // namespace trading
