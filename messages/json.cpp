#include "messages/json.hpp"

#include <charconv>
#include <cmath>
#include <stdexcept>

#include <nlohmann/json.hpp>

namespace trading {

namespace {

using json = nlohmann::json;

double seconds_of(nanos_t ns) {
  return static_cast<double>(ns) / 1e9;
}

// Log timestamps are whole microseconds, which a double of epoch seconds holds
// exactly enough to round-trip.
nanos_t nanos_of_seconds(double s) {
  return static_cast<nanos_t>(std::llround(s * 1e6)) * 1000;
}

price_t price_at(const json& j, const char* key) {
  return to_price(j.at(key).get<double>());
}

side side_at(const json& j, const char* key) {
  auto text = j.at(key).get<std::string>();
  if (text == "BUY")
    return side::buy;
  if (text == "SELL")
    return side::sell;
  throw std::invalid_argument(std::string{"field '"} + key
                              + "' must be BUY or SELL, got '" + text + "'");
}

news_label label_at(const json& j, const char* key) {
  auto text = j.at(key).get<std::string>();
  for (auto x : {news_label::neutral, news_label::positive, news_label::negative})
    if (text == to_string(x))
      return x;
  throw std::invalid_argument(std::string{"field '"} + key
                              + "' must be positive, negative or neutral, got '"
                              + text + "'");
}

exec_status status_at(const json& j, const char* key) {
  auto text = j.at(key).get<std::string>();
  for (auto x : {exec_status::filled, exec_status::partial, exec_status::rejected})
    if (text == to_string(x))
      return x;
  throw std::invalid_argument(std::string{"field '"} + key
                              + "' must be FILLED, PARTIAL or REJECTED, got '"
                              + text + "'");
}

json quote_json(const quote& x) {
  return json{{"bid", to_double(x.bid)},   {"ask", to_double(x.ask)},
              {"last", to_double(x.last)}, {"bid_size", x.bid_size},
              {"ask_size", x.ask_size}};
}

void read_quote(const json& j, quote& x) {
  x.bid = price_at(j, "bid");
  x.ask = price_at(j, "ask");
  x.last = price_at(j, "last");
  j.at("bid_size").get_to(x.bid_size);
  j.at("ask_size").get_to(x.ask_size);
}

// Depth as {"bids": [[price, size], ...], "asks": [...]}, best first, only the
// levels present; absent when the source gave none.
json depth_json(const book_depth& x) {
  auto side_json = [](const level (&levels)[book_levels - 1]) {
    auto out = json::array();
    for (auto& l : levels) {
      if (l.price == no_price)
        break;
      out.push_back(json::array({to_double(l.price), l.size}));
    }
    return out;
  };
  return json{{"bids", side_json(x.bids)}, {"asks", side_json(x.asks)}};
}

void read_depth(const json& j, book_depth& x) {
  auto read_side = [](const json& levels, level (&out)[book_levels - 1],
                      const char* name) {
    if (levels.size() > book_levels - 1)
      throw std::invalid_argument(std::string{"field 'depth."} + name + "' has "
                                  + std::to_string(levels.size())
                                  + " levels, at most "
                                  + std::to_string(book_levels - 1));
    for (std::size_t i = 0; i < levels.size(); ++i)
      out[i] = level{to_price(levels.at(i).at(0).get<double>()),
                     levels.at(i).at(1).get<quantity_t>()};
  };
  read_side(j.at("bids"), x.bids, "bids");
  read_side(j.at("asks"), x.asks, "asks");
}

// `client_order_id` is kept as the JSON text the client sent (a string or a
// number), so the log shows it exactly as sent; absent for the strategy's orders.
void put_client_id(json& j, const std::string& text) {
  if (text.empty())
    return;
  auto v = json::parse(text, nullptr, false);
  j["client_order_id"] = v.is_discarded() ? json(text) : v;
}

std::string client_id_at(const json& j) {
  auto i = j.find("client_order_id");
  if (i == j.end() || i->is_null())
    return {};
  return i->dump(-1, ' ', false, json::error_handler_t::replace);
}

} // namespace

void to_json(json& j, const tick& x) {
  j = quote_json(x.top);
  j["symbol"] = x.symbol;
  j["feed_incarnation"] = x.feed_incarnation;
  j["sequence"] = x.sequence;
  j["created_ns"] = x.created_ns;
  j["book_received_ns"] = x.book_received_ns;
  j["event_ns"] = x.event_ns;
  if (x.depth.bids[0].price != no_price || x.depth.asks[0].price != no_price)
    j["depth"] = depth_json(x.depth);
}

void from_json(const json& j, tick& x) {
  j.at("symbol").get_to(x.symbol);
  read_quote(j, x.top);
  j.at("feed_incarnation").get_to(x.feed_incarnation);
  j.at("sequence").get_to(x.sequence);
  j.at("created_ns").get_to(x.created_ns);
  x.book_received_ns = j.value("book_received_ns", nanos_t{0});
  x.event_ns = j.value("event_ns", nanos_t{0});
  x.depth = book_depth{};
  if (auto i = j.find("depth"); i != j.end())
    read_depth(*i, x.depth);
}

void to_json(json& j, const tick_batch& x) {
  j = json{{"ticks", x.ticks}};
}

void from_json(const json& j, tick_batch& x) {
  j.at("ticks").get_to(x.ticks);
}

void to_json(json& j, const news& x) {
  j = json{{"symbol", x.symbol},
           {"sentiment", x.sentiment},
           {"label", to_string(x.label)},
           {"feed_incarnation", x.feed_incarnation},
           {"sequence", x.sequence},
           {"created_ns", x.created_ns},
           {"event_ns", x.event_ns}};
}

void from_json(const json& j, news& x) {
  j.at("symbol").get_to(x.symbol);
  j.at("sentiment").get_to(x.sentiment);
  x.label = label_at(j, "label");
  j.at("feed_incarnation").get_to(x.feed_incarnation);
  j.at("sequence").get_to(x.sequence);
  j.at("created_ns").get_to(x.created_ns);
  x.event_ns = j.value("event_ns", nanos_t{0});
}

void to_json(json& j, const order& x) {
  j = json{{"order_id", x.order_id},
           {"account", x.account},
           {"symbol", x.symbol},
           {"side", to_string(x.dir)},
           {"quantity", x.quantity},
           {"price", to_double(x.limit_price)},
           {"timestamp", seconds_of(x.timestamp_ns)},
           {"tick_created_ns", x.tick_created_ns},
           {"book_received_ns", x.book_received_ns},
           {"strategy_seen_ns", x.strategy_seen_ns},
           {"strategy_sent_ns", x.strategy_sent_ns},
           {"event_ns", x.event_ns}};
  if (x.resend)
    j["resend"] = true;
  put_client_id(j, x.client_order_id);
}

void from_json(const json& j, order& x) {
  j.at("order_id").get_to(x.order_id);
  x.account = j.value("account", std::string{"strategy"});
  j.at("symbol").get_to(x.symbol);
  x.dir = side_at(j, "side");
  j.at("quantity").get_to(x.quantity);
  x.limit_price = price_at(j, "price");
  x.timestamp_ns = nanos_of_seconds(j.at("timestamp").get<double>());
  j.at("tick_created_ns").get_to(x.tick_created_ns);
  j.at("book_received_ns").get_to(x.book_received_ns);
  j.at("strategy_seen_ns").get_to(x.strategy_seen_ns);
  x.strategy_sent_ns = j.value("strategy_sent_ns", nanos_t{0}); // from protocol 7 on
  x.event_ns = j.value("event_ns", nanos_t{0}); // absent in logs before protocol 5
  x.resend = j.value("resend", false);
  x.client_order_id = client_id_at(j);
}

void to_json(json& j, const execution_report& x) {
  auto filled = executed(x.status);
  j = json{{"execution_id", x.execution_id},
           {"order_id", x.order_id},
           {"account", x.account},
           {"sequence", x.sequence},
           {"symbol", x.symbol},
           {"side", to_string(x.dir)},
           {"quantity", x.quantity},
           {"order_quantity", x.order_quantity},
           {"filled_quantity", x.filled_quantity},
           {"order_price", to_double(x.order_price)},
           {"execution_price",
            filled ? json(to_double(x.execution_price)) : json(nullptr)},
           {"timestamp", seconds_of(x.timestamp_ns)},
           {"status", to_string(x.status)}};
  if (!filled)
    j["reason"] = x.reason;
  else
    j["fee"] = x.fee;
  if (x.leaves_quantity != 0)
    j["leaves_quantity"] = x.leaves_quantity;
  put_client_id(j, x.client_order_id);
  if (x.repeat)
    j["repeat"] = true;
}

void from_json(const json& j, execution_report& x) {
  j.at("execution_id").get_to(x.execution_id);
  j.at("order_id").get_to(x.order_id);
  x.account = j.value("account", std::string{"strategy"});
  x.sequence = j.value("sequence", std::uint64_t{0});
  j.at("symbol").get_to(x.symbol);
  x.dir = side_at(j, "side");
  j.at("quantity").get_to(x.quantity);
  x.order_price = price_at(j, "order_price");
  x.status = status_at(j, "status");
  // Lines written before depth and partial fills: one line per order, the
  // whole order's quantity.
  x.order_quantity = j.value("order_quantity", x.quantity);
  x.filled_quantity = j.value("filled_quantity",
                              executed(x.status) ? x.quantity : quantity_t{0});
  x.leaves_quantity = j.value("leaves_quantity", quantity_t{0});
  x.fee = j.value("fee", 0.0);
  const auto& px = j.at("execution_price");
  x.execution_price = px.is_null() ? no_price : to_price(px.get<double>());
  x.timestamp_ns = nanos_of_seconds(j.at("timestamp").get<double>());
  x.reason = j.value("reason", std::string{});
  x.repeat = j.value("repeat", false);
  x.client_order_id = client_id_at(j);
}

// Ids and symbols can arrive from any peer: bytes that are not UTF-8 are
// replaced (U+FFFD) instead of throwing, so a bad order is logged, not fatal.
template <class T>
std::string log_line_of(const T& x) {
  return json(x).dump(-1, ' ', false, json::error_handler_t::replace) + '\n';
}

std::string to_log_line(const order& x) {
  return log_line_of(x);
}

namespace {

// -- the OMS's journal line, without a JSON document --------------------------
//
// The OMS writes one line per outcome before it answers, on the path of every
// order that waits behind it; building a json object (a std::map node and a
// string per key) and dumping it cost more than the rest of the order. This
// writes the same bytes directly: the keys in the order json's std::map sorts
// them, numbers through nlohmann's own float formatting. Lines whose strings
// would need escaping or UTF-8 repair, a client_order_id (kept as the client's
// JSON text) or a non-finite price take the json path, so both paths agree by
// construction; tests/messages_test.cpp compares them on every sample.

// Printable ASCII without '"' and '\\': written as is, between quotes.
bool plain(const std::string& s) {
  for (unsigned char c : s)
    if (c < 0x20 || c > 0x7e || c == '"' || c == '\\')
      return false;
  return true;
}

void put_key(std::string& out, const char* key) {
  out += '"';
  out += key;
  out += "\":";
}

void put_text(std::string& out, const char* key, const std::string& value) {
  put_key(out, key);
  out += '"';
  out += value;
  out += "\",";
}

template <class Int>
void put_int(std::string& out, const char* key, Int value) {
  put_key(out, key);
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, value);
  out.append(buf, r.ptr);
  out += ',';
}

void put_double(std::string& out, const char* key, double value) {
  put_key(out, key);
  char buf[64];
  out.append(buf, nlohmann::detail::to_chars(buf, buf + sizeof buf, value));
  out += ',';
}

bool fast_line_fits(const execution_report& x) {
  return x.client_order_id.empty() && plain(x.execution_id) && plain(x.order_id)
         && plain(x.account) && plain(x.symbol) && plain(x.reason)
         && std::isfinite(to_double(x.order_price))
         && std::isfinite(to_double(x.execution_price)) && std::isfinite(x.fee)
         && std::isfinite(seconds_of(x.timestamp_ns));
}

} // namespace

std::string to_log_line(const execution_report& x) {
  if (!fast_line_fits(x))
    return log_line_of(x);
  auto filled = executed(x.status);
  std::string out;
  out.reserve(320);
  out += '{';
  put_text(out, "account", x.account);
  put_text(out, "execution_id", x.execution_id);
  if (filled)
    put_double(out, "execution_price", to_double(x.execution_price));
  else
    out += "\"execution_price\":null,";
  if (filled)
    put_double(out, "fee", x.fee);
  put_int(out, "filled_quantity", x.filled_quantity);
  if (x.leaves_quantity != 0)
    put_int(out, "leaves_quantity", x.leaves_quantity);
  put_text(out, "order_id", x.order_id);
  put_double(out, "order_price", to_double(x.order_price));
  put_int(out, "order_quantity", x.order_quantity);
  put_int(out, "quantity", x.quantity);
  if (!filled)
    put_text(out, "reason", x.reason);
  if (x.repeat)
    out += "\"repeat\":true,";
  put_int(out, "sequence", x.sequence);
  put_text(out, "side", to_string(x.dir));
  put_text(out, "status", to_string(x.status));
  put_text(out, "symbol", x.symbol);
  put_double(out, "timestamp", seconds_of(x.timestamp_ns));
  out.back() = '}';
  out += '\n';
  return out;
}

} // namespace trading
