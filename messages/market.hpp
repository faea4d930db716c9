// Market-data messages: what the feeds publish and what the book fans out.
// Plain structs with an `inspect` beside each (CAF 0.17 style); registered in
// messages/type_ids.hpp.
#pragma once

#include <cstdint>
#include <cstddef>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "caf/meta/type_name.hpp"

#include "messages/quote.hpp"
#include "messages/types.hpp"

namespace trading {

/// One quote for one symbol. The price feed creates it; the book republishes it
/// to its subscribers with `book_received_ns` set, so both are one quote stream.
struct tick {
  std::string symbol;
  quote top;
  /// Levels 2..5 where the source gives them (empty otherwise).
  book_depth depth;
  /// New at every start of a feed: a changed incarnation resets the sequence.
  std::uint64_t feed_incarnation = 0;
  /// Per feed (not per symbol), starting at 1; a jump is a gap.
  std::uint64_t sequence = 0;
  /// CLOCK_MONOTONIC at creation: the start of tick-to-trade.
  nanos_t created_ns = 0;
  /// CLOCK_MONOTONIC when the book received it (0 until then): hop 1 ends.
  nanos_t book_received_ns = 0;
  /// Event time: when this happened in the market, in ns since the epoch. A replay
  /// sets its file's timestamp_ns, the random walk CLOCK_REALTIME at creation.
  /// Whatever must come out the same in a backtest (order timeouts, rate limits,
  /// slippage) measures time in these, never on the host's clocks.
  nanos_t event_ns = 0;
};

namespace detail {

/// CAF's binary serializer and deserializer (data processors) copy raw bytes;
/// its stringification inspector does not.
template <class Inspector, class = void>
struct copies_raw_bytes : std::false_type {};

template <class Inspector>
struct copies_raw_bytes<Inspector, std::void_t<decltype(std::declval<Inspector&>().apply_raw(
                                     std::size_t{}, static_cast<void*>(nullptr)))>>
  : std::true_type {};

/// A plain block of integers crosses the wire as its bytes (little-endian, as
/// every host of ours is): one copy instead of a call per field, which at 300 k
/// ticks/s through the middleman was what held the cluster's throughput back
/// (tick age p99 about 2 ms with the depth's sixteen fields, 0.6 ms as one
/// block). A truncated message still fails to deserialize. Printed (to_string)
/// field by field.
template <class Inspector, class T, class... Fields>
typename Inspector::result_type as_block(Inspector& f, T& x, Fields&... fields) {
  static_assert(std::has_unique_object_representations_v<T>, "no padding on the wire");
  static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
                "the wire form is the little-endian bytes");
  if constexpr (copies_raw_bytes<Inspector>::value)
    return f.apply_raw(sizeof x, &x);
  else
    return f(fields...);
}

} // namespace detail

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, quote& x) {
  auto name = caf::meta::type_name("quote");
  return detail::as_block(f, x, name, x.bid, x.ask, x.last, x.bid_size, x.ask_size);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, level& x) {
  return f(caf::meta::type_name("level"), x.price, x.size);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, book_depth& x) {
  static_assert(book_levels == 5, "list every level below");
  auto name = caf::meta::type_name("book_depth");
  return detail::as_block(f, x, name, x.bids[0], x.bids[1], x.bids[2], x.bids[3],
                          x.asks[0], x.asks[1], x.asks[2], x.asks[3]);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, tick& x) {
  return f(caf::meta::type_name("tick"), x.symbol, x.top, x.depth, x.feed_incarnation,
           x.sequence, x.created_ns, x.book_received_ns, x.event_ns);
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

/// The seed system's label rule with configurable thresholds: positive above
/// `positive_above`, negative below `negative_below` (the seeds used 60 and 40,
/// the defaults of news_feed.positive_above / news_feed.negative_below).
inline news_label label_for(std::int32_t sentiment, std::int32_t positive_above = 60,
                            std::int32_t negative_below = 40) {
  if (sentiment > positive_above)
    return news_label::positive;
  if (sentiment < negative_below)
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
  nanos_t event_ns = 0; // event time, as tick::event_ns
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, news& x) {
  return f(caf::meta::type_name("news"), x.symbol, x.sentiment, x.label,
           x.feed_incarnation, x.sequence, x.created_ns, x.event_ns);
}

} // namespace trading
