#include "actors/edge_codec.hpp"

#include <cmath>
#include <cctype>
#include <cstdio>
#include <cstring>

#include <nlohmann/json.hpp>

#include "messages/json.hpp"

namespace trading::edge_codec {

namespace {

using json = nlohmann::json;

std::string dump(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string too_long(std::uint64_t size) {
  return "frame of " + std::to_string(size) + " bytes is over the cap of "
         + std::to_string(max_frame) + " bytes";
}

double seconds_of(nanos_t ns) {
  return static_cast<double>(ns) / 1e9;
}

/// The first of `names` present in `obj`, or nullptr.
const json* field(const json& obj, std::initializer_list<const char*> names) {
  for (auto name : names)
    if (auto i = obj.find(name); i != obj.end())
      return &*i;
  return nullptr;
}

std::string missing(std::initializer_list<const char*> names) {
  std::string text;
  for (auto name : names)
    text += (text.empty() ? "'" : " or '") + std::string{name} + "'";
  return "missing field " + text;
}

// Reads the order's fields from `obj` under the given names; sets x.problem.
void read_order(const json& obj, client_order& x, std::initializer_list<const char*> id,
                std::initializer_list<const char*> dir,
                std::initializer_list<const char*> qty,
                std::initializer_list<const char*> sym,
                std::initializer_list<const char*> px) {
  auto fail = [&](std::string why) {
    if (x.problem.empty())
      x.problem = std::move(why);
  };
  if (auto v = field(obj, id)) {
    if (v->is_string() || v->is_number_integer() || v->is_number_unsigned()
        || v->is_number_float())
      x.client_id = dump(*v);
    else
      fail("field '" + std::string{*id.begin()} + "' must be a string or a number");
  } else {
    fail(missing(id));
  }
  if (auto v = field(obj, {"account"}); v && !v->is_null()) {
    if (v->is_string())
      x.account = v->get<std::string>();
    else
      fail("field 'account' must be a string");
  }
  if (auto v = field(obj, dir)) {
    auto text = v->is_string() ? v->get<std::string>() : std::string{};
    for (auto& c : text)
      c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (text == "BUY")
      x.dir = side::buy;
    else if (text == "SELL")
      x.dir = side::sell;
    else
      fail("field '" + std::string{*dir.begin()} + "' must be BUY or SELL");
  } else {
    fail(missing(dir));
  }
  if (auto v = field(obj, qty)) {
    if (v->is_number_integer() || v->is_number_unsigned())
      x.quantity = v->get<quantity_t>();
    else if (v->is_number_float() && std::floor(v->get<double>()) == v->get<double>()
             && std::fabs(v->get<double>()) < 1e15)
      x.quantity = static_cast<quantity_t>(v->get<double>());
    else
      fail("field '" + std::string{*qty.begin()} + "' must be a whole number");
  } else {
    fail(missing(qty));
  }
  if (auto v = field(obj, sym)) {
    if (v->is_string())
      x.symbol = v->get<std::string>();
    else
      fail("field '" + std::string{*sym.begin()} + "' must be a string");
  } else {
    fail(missing(sym));
  }
  if (auto v = field(obj, px)) {
    if (v->is_number() && std::isfinite(v->get<double>()) && v->get<double>() >= 0
        && v->get<double>() < 1e12)
      x.price = to_price(v->get<double>());
    else
      fail("field '" + std::string{*px.begin()} + "' must be a number 0 .. 1e12");
  } else {
    fail(missing(px));
  }
}

// Parses `text` as one JSON object, or says why not.
bool parse_object(std::string_view text, json& out, std::string& problem) {
  if (!valid_utf8(text)) {
    problem = "frame is not UTF-8";
    return false;
  }
  out = json::parse(text.begin(), text.end(), nullptr, false);
  if (out.is_discarded()) {
    problem = "frame is not JSON";
    return false;
  }
  if (!out.is_object()) {
    problem = "frame is not a JSON object";
    return false;
  }
  return true;
}

json id_json(const std::string& client_id) {
  if (client_id.empty())
    return nullptr;
  auto v = json::parse(client_id, nullptr, false);
  return v.is_discarded() ? json(client_id) : v;
}

json report_fields(const execution_report& r) {
  json j = r;
  j.erase("repeat"); // the original answer, as it was given
  return j;
}

} // namespace

// -- framing ----------------------------------------------------------------------

void star_splitter::feed(const char* data, std::size_t size, std::vector<frame>& out) {
  for (std::size_t i = 0; i < size;) {
    auto end = static_cast<const char*>(std::memchr(data + i, '*', size - i));
    auto n = end ? static_cast<std::size_t>(end - (data + i)) : size - i;
    if (skipping_) {
      if (end)
        skipping_ = false;
    } else if (buf_.size() + n > max_frame) {
      out.push_back(frame{{}, too_long(buf_.size() + n) + " (no '*' within it)"});
      buf_.clear();
      skipping_ = end == nullptr;
    } else {
      buf_.append(data + i, n);
      if (end) {
        if (buf_.find_first_not_of(" \t\r\n") == std::string::npos)
          ++empty;
        else
          out.push_back(frame{std::move(buf_), {}});
        buf_.clear();
      }
    }
    i += n + (end ? 1 : 0);
  }
}

void length_splitter::feed(const char* data, std::size_t size, std::vector<frame>& out) {
  std::size_t i = 0;
  while (i < size) {
    if (skip_ > 0) {
      auto n = std::min<std::uint64_t>(skip_, size - i);
      skip_ -= n;
      i += n;
      continue;
    }
    if (buf_.size() < 4) {
      auto n = std::min<std::size_t>(4 - buf_.size(), size - i);
      buf_.append(data + i, n);
      i += n;
      if (buf_.size() < 4)
        break;
    }
    auto b = [&](int k) { return static_cast<std::uint32_t>(static_cast<unsigned char>(buf_[k])); };
    std::uint32_t length = b(0) << 24 | b(1) << 16 | b(2) << 8 | b(3);
    if (length == 0) {
      ++empty;
      buf_.clear();
      continue;
    }
    if (length > max_frame) {
      out.push_back(frame{{}, too_long(length)});
      skip_ = length;
      buf_.clear();
      continue;
    }
    auto have = buf_.size() - 4;
    auto n = std::min<std::size_t>(length - have, size - i);
    buf_.append(data + i, n);
    i += n;
    if (buf_.size() - 4 == length) {
      out.push_back(frame{buf_.substr(4), {}});
      buf_.clear();
    }
  }
}

bool valid_utf8(std::string_view text) {
  auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  for (std::size_t i = 0; i < text.size();) {
    auto c = byte(i);
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t n = c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3
                    : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
    if (n == 0 || i + n > text.size())
      return false;
    for (std::size_t k = 1; k < n; ++k)
      if ((byte(i + k) & 0xC0) != 0x80)
        return false;
    auto c1 = byte(i + 1);
    if ((c == 0xE0 && c1 < 0xA0) || (c == 0xED && c1 > 0x9F)
        || (c == 0xF0 && c1 < 0x90) || (c == 0xF4 && c1 > 0x8F))
      return false;
    i += n;
  }
  return true;
}

// -- parsing ----------------------------------------------------------------------

client_order parse_star_order(std::string_view text) {
  client_order x;
  json obj;
  if (!parse_object(text, obj, x.problem))
    return x;
  read_order(obj, x, {"id"}, {"action", "side"}, {"quantity", "qty"},
             {"symbol", "sym"}, {"price", "px"});
  return x;
}

client_order parse_gateway_message(std::string_view text, int& type) {
  client_order x;
  type = -1;
  json obj;
  if (!parse_object(text, obj, x.problem))
    return x;
  auto t = obj.find("type");
  if (t == obj.end() || !t->is_number_integer()) {
    x.problem = "field 'type' must be an integer";
    return x;
  }
  type = t->get<int>();
  if (type != 4)
    return x;
  auto data = obj.find("data");
  if (data == obj.end() || !data->is_object()) {
    x.problem = "field 'data' must be an object";
    return x;
  }
  read_order(*data, x, {"order_id"}, {"side", "action"}, {"quantity", "qty"},
             {"symbol", "sym"}, {"price", "px"});
  return x;
}

std::string edge_order_id(const std::string& account, const std::string& client_id) {
  // FNV-1a 64 over account, a separator no account holds, and the id's JSON text.
  std::uint64_t h = 14695981039346656037ull;
  auto mix = [&](unsigned char c) {
    h ^= c;
    h *= 1099511628211ull;
  };
  for (unsigned char c : account)
    mix(c);
  mix(0);
  for (unsigned char c : client_id)
    mix(c);
  char text[24];
  std::snprintf(text, sizeof text, "edge-%016llx", static_cast<unsigned long long>(h));
  return text;
}

// -- protocol 1 -------------------------------------------------------------------

std::string star_price(const tick& x) {
  char px[48];
  std::snprintf(px, sizeof px, ",%.2f*", to_double(x.top.last));
  return x.symbol + px;
}

std::string star_news(const news& x) {
  return std::to_string(x.sentiment) + "*";
}

std::string star_execution(const std::string& client_id, const execution_report& r) {
  json j{{"type", "execution"}, {"id", id_json(client_id)}};
  j.update(report_fields(r));
  return dump(j) + "*";
}

std::string star_reject(const std::string& client_id, const std::string& reason) {
  json j{{"type", "execution"},
         {"id", id_json(client_id)},
         {"status", "REJECTED"},
         {"reason", reason}};
  return dump(j) + "*";
}

// -- protocol 2 -------------------------------------------------------------------

std::string gateway_frame(int type, const std::string& data_text) {
  auto body = "{\"type\":" + std::to_string(type) + ",\"data\":" + data_text + "}";
  auto n = static_cast<std::uint32_t>(body.size());
  std::string out;
  out.reserve(4 + body.size());
  out += static_cast<char>(n >> 24);
  out += static_cast<char>(n >> 16 & 0xFF);
  out += static_cast<char>(n >> 8 & 0xFF);
  out += static_cast<char>(n & 0xFF);
  return out + body;
}

std::string gateway_market_data(const tick& x, nanos_t wall_now) {
  json bids = json::array(), asks = json::array();
  if (x.top.bid != no_price)
    bids.push_back({to_double(x.top.bid), x.top.bid_size});
  if (x.top.ask != no_price)
    asks.push_back({to_double(x.top.ask), x.top.ask_size});
  json d{{"symbol", x.symbol},
         {"timestamp", seconds_of(wall_now)},
         {"bids", bids},
         {"asks", asks},
         {"last_price", to_double(x.top.last)},
         {"volume", 0}}; // our quotes report no traded size
  return gateway_frame(1, dump(d));
}

std::string gateway_news(const news& x, nanos_t wall_now) {
  json d{{"timestamp", seconds_of(wall_now)},
         {"sentiment", to_string(x.label)},
         {"score", (x.sentiment - 50) / 50.0},
         {"headline", (x.symbol.empty() ? std::string{"Market"} : x.symbol)
                        + " sentiment " + std::to_string(x.sentiment) + " ("
                        + to_string(x.label) + ")"}};
  if (!x.symbol.empty())
    d["symbol"] = x.symbol;
  return gateway_frame(2, dump(d));
}

std::string gateway_execution(const std::string& client_id, const execution_report& r) {
  auto d = report_fields(r);
  d["oms_order_id"] = r.order_id;
  d["order_id"] = id_json(client_id);
  return gateway_frame(5, dump(d));
}

std::string gateway_reject(const std::string& client_id, const std::string& reason) {
  json d{{"order_id", id_json(client_id)}, {"status", "REJECTED"}, {"reason", reason}};
  return gateway_frame(5, dump(d));
}

std::string gateway_heartbeat(nanos_t wall_now) {
  return gateway_frame(7, dump(json{{"timestamp", seconds_of(wall_now)}}));
}

std::string gateway_shutdown(nanos_t wall_now, const std::string& reason) {
  return gateway_frame(8, dump(json{{"timestamp", seconds_of(wall_now)},
                                    {"reason", reason}}));
}

} // namespace trading::edge_codec
