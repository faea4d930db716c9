// The topology: every role a node can host, the streams it produces and consumes,
// and which consumers may take the book over shm instead of messages. This table
// is the one place that says who needs whom: config validation (a node that needs
// a peer it was not told about), the `peers.<role>` keys, local wiring, remote
// links, the entry actor's lookups, the stats line and the results file all derive
// from it. Adding a role is one entry here plus its actor (and its adapter in
// nodes/roles.cpp); adding a stream is one entry in `streams`.
//
//   price_feed --ticks--> book --book--> strategy, oms      (or shm, per consumer)
//   news_feed --sentiment--> strategy
//   oms --orders (order -> execution_report)--> strategy, edge
//   book, news_feed --book, sentiment--> edge (outside clients on plain TCP)
//
// No CAF: the config library uses it too.
#pragma once

#include <array>
#include <cstddef>
#include <string_view>

namespace trading::topology {

/// The typed interface a stream's producer offers (messages/interfaces.hpp).
enum class interface { quote_stream, sentiment_stream, order_entry };

struct stream {
  std::string_view name;     // also the entry actor's lookup key
  std::string_view producer; // the role that produces it
  interface kind;
};

inline constexpr std::array<stream, 4> streams{{
  {"ticks", "price_feed", interface::quote_stream},
  {"book", "book", interface::quote_stream},
  {"sentiment", "news_feed", interface::sentiment_stream},
  {"orders", "oms", interface::order_entry},
}};

/// A stream a role consumes. With `shm_key`, the consumer may read the book from
/// the shm segment instead: it consumes the stream only while that key is "actor".
struct consumption {
  std::string_view stream;
  std::string_view shm_key; // empty: always consumed as messages
};

struct role {
  std::string_view name;
  std::array<consumption, 3> consumes; // unused entries have an empty stream
};

/// In pipeline order; the stats line and summaries follow it. The clean shutdown
/// stops sources first (see nodes/roles.cpp), so downstream drains what is under way.
inline constexpr std::array<role, 6> roles{{
  {"price_feed", {}},
  {"news_feed", {}},
  {"book", {{{"ticks", ""}}}},
  {"strategy", {{{"sentiment", ""}, {"orders", ""}, {"book", "strategy.book_source"}}}},
  {"oms", {{{"book", "oms.book_source"}}}},
  {"edge", {{{"book", ""}, {"sentiment", ""}, {"orders", ""}}}},
}};

constexpr const role* find_role(std::string_view name) {
  for (auto& r : roles)
    if (r.name == name)
      return &r;
  return nullptr;
}

constexpr const stream* find_stream(std::string_view name) {
  for (auto& s : streams)
    if (s.name == name)
      return &s;
  return nullptr;
}

constexpr std::size_t role_index(std::string_view name) {
  for (std::size_t i = 0; i < roles.size(); ++i)
    if (roles[i].name == name)
      return i;
  return roles.size();
}

// The table checks itself: every consumed stream exists, every producer is a role.
constexpr bool consistent() {
  for (auto& s : streams)
    if (!find_role(s.producer))
      return false;
  for (auto& r : roles)
    for (auto& c : r.consumes)
      if (!c.stream.empty() && !find_stream(c.stream))
        return false;
  return true;
}
static_assert(consistent(), "topology: a stream names an unknown role or vice versa");

} // namespace trading::topology
