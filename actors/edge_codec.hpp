// The edge gateway's two wire protocols, without CAF (unit-tested on their own):
//
//   1. star-framed text (ports edge.price_port, edge.news_port, edge.order_port):
//      prices `SYMBOL,PRICE*`, sentiment `N*`, orders `{...}*` answered with
//      `{"type": "execution", "id": <the client's id>, ...trades-log fields}*`;
//   2. length-prefixed JSON (edge.gateway_port, edge.oms_port): a 4-byte big-endian
//      length, then `{"type": T, "data": {...}}` (1 market data, 2 news sentiment,
//      4 order, 5 trade execution, 7 heartbeat, 8 shutdown).
//
// Caps: a frame (either protocol) is at most `max_frame` bytes. A longer star frame
// is rejected and skipped up to its terminating '*'; a longer length-prefixed frame
// is rejected and its announced bytes skipped, so the connection stays in step.
// A frame that is not UTF-8, not JSON, lacks a field or has a bad value is a
// reject whose reason says so.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "messages/market.hpp"
#include "messages/orders.hpp"

namespace trading::edge_codec {

/// The longest frame either protocol accepts (bytes, without '*' or the prefix).
constexpr std::size_t max_frame = 64 * 1024;

/// One frame cut from a byte stream; `problem` non-empty: reject it with that.
struct frame {
  std::string text;
  std::string problem;
};

/// Splits `*`-terminated frames; buffers a partial one across reads. Empty frames
/// are ignored (counted in `empty`).
class star_splitter {
public:
  void feed(const char* data, std::size_t size, std::vector<frame>& out);
  std::uint64_t empty = 0;

private:
  std::string buf_;
  bool skipping_ = false; // inside an over-long frame: drop up to its '*'
};

/// Splits 4-byte big-endian length-prefixed frames; buffers partial ones. A
/// zero-length frame is ignored (counted in `empty`).
class length_splitter {
public:
  void feed(const char* data, std::size_t size, std::vector<frame>& out);
  std::uint64_t empty = 0;

private:
  std::string buf_;
  std::uint64_t skip_ = 0; // bytes of an over-long frame still to drop
};

bool valid_utf8(std::string_view text);

/// An order as an edge client sent it.
struct client_order {
  std::string client_id; // the id's JSON text ("" if it has none usable)
  std::string account;   // "" = the connection's
  std::string symbol;
  side dir = side::buy;
  quantity_t quantity = 0;
  price_t price = no_price;
  std::string problem; // non-empty: malformed, reject with this reason
};

/// Protocol 1: a JSON object with `id`, `action` (or `side`), `quantity` (`qty`),
/// `symbol` (`sym`), `price` (`px`), optionally `account`; other fields ignored.
client_order parse_star_order(std::string_view frame);

/// Protocol 2: `{"type": T, "data": {...}}`. For T = 4 the order (`order_id`,
/// `symbol`, `side`, `price`, `quantity`, optional `timestamp`, `account`);
/// `type` is set to T (-1 if the frame is not such an object), and for other
/// types `problem` is empty unless the frame is malformed.
client_order parse_gateway_message(std::string_view frame, int& type);

/// The OMS order id of an edge order: unique per (account, client id), so a
/// client resending an id on its account gets the OMS's original answer.
std::string edge_order_id(const std::string& account, const std::string& client_id);

// -- protocol 1 encoders (each returns one frame, '*' included) --------------------

std::string star_price(const tick& x);
std::string star_news(const news& x);
std::string star_execution(const std::string& client_id, const execution_report& r);
std::string star_reject(const std::string& client_id, const std::string& reason);

// -- protocol 2 encoders (each returns one frame, length prefix included) ----------

std::string gateway_frame(int type, const std::string& json_text);
std::string gateway_market_data(const tick& x, nanos_t wall_now);
std::string gateway_news(const news& x, nanos_t wall_now);
std::string gateway_execution(const std::string& client_id, const execution_report& r);
std::string gateway_reject(const std::string& client_id, const std::string& reason);
std::string gateway_heartbeat(nanos_t wall_now);
std::string gateway_shutdown(nanos_t wall_now, const std::string& reason);

} // namespace trading::edge_codec
