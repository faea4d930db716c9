// Market-data messages: what the feeds publish and what the book writer fans out.
// Plain structs with an `inspect` beside each (CAF 0.17 style); registered in
// messages/type_ids.hpp.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "caf/meta/type_name.hpp"

#include "messages/types.hpp"

namespace trading {

/// One price update for one symbol, as the price feed creates it.
struct tick {
  std::string symbol;
  price_t bid = no_price;
  price_t ask = no_price;
  price_t last = no_price;
  quantity_t bid_size = 0;
  quantity_t ask_size = 0;
  /// New at every start of a feed: a changed incarnation resets the sequence.
  std::uint64_t feed_incarnation = 0;
  /// Per feed (not per symbol), starting at 1; a jump is a gap.
  std::uint64_t sequence = 0;
  /// CLOCK_MONOTONIC at creation: the start of tick-to-trade.
  nanos_t created_ns = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, tick& x) {
  return f(caf::meta::type_name("tick"), x.symbol, x.bid, x.ask, x.last,
           x.bid_size, x.ask_size, x.feed_incarnation, x.sequence,
           x.created_ns);
}

/// Several ticks in one message: a throughput knob (price_feed.batch), fair because
/// ticks are counted, not messages.
struct tick_batch {
  std::vector<tick> ticks;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, tick_batch& x) {
  return f(caf::meta::type_name("tick_batch"), x.ticks);
}

enum class news_label : std::uint8_t { neutral = 0, positive = 1, negative = 2 };

/// Labels as the seed system defined them: positive above 60, negative below 40.
inline news_label label_for(std::int32_t sentiment) {
  if (sentiment > 60)
    return news_label::positive;
  if (sentiment < 40)
    return news_label::negative;
  return news_label::neutral;
}

inline const char* to_string(news_label x) {
  switch (x) {
    case news_label::positive:
      return "positive";
    case news_label::negative:
      return "negative";
    default:
      return "neutral";
  }
}

/// Market sentiment 0..100. An empty symbol is market-wide; a symbol's own value
/// overrides the market-wide one for that symbol.
struct news {
  std::string symbol;
  std::int32_t sentiment = 50;
  news_label label = news_label::neutral;
  std::uint64_t feed_incarnation = 0;
  std::uint64_t sequence = 0;
  nanos_t created_ns = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, news& x) {
  return f(caf::meta::type_name("news"), x.symbol, x.sentiment, x.label,
           x.feed_incarnation, x.sequence, x.created_ns);
}

/// The book's new top for one symbol, sent to subscribers that asked for actor
/// delivery (the shm slot carries the same fields).
struct book_update {
  std::string symbol;
  price_t bid = no_price;
  price_t ask = no_price;
  price_t last = no_price;
  quantity_t bid_size = 0;
  quantity_t ask_size = 0;
  std::uint64_t feed_incarnation = 0;
  std::uint64_t feed_sequence = 0;
  nanos_t tick_created_ns = 0;
  /// CLOCK_MONOTONIC when the book writer received the tick (hop 1 ends).
  nanos_t book_received_ns = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, book_update& x) {
  return f(caf::meta::type_name("book_update"), x.symbol, x.bid, x.ask, x.last,
           x.bid_size, x.ask_size, x.feed_incarnation, x.feed_sequence,
           x.tick_created_ns, x.book_received_ns);
}

} // namespace trading
