#include "nodes/config.hpp"

#include <algorithm>
#include <fstream>
#include <functional>
#include <limits>
#include <sstream>

#include <nlohmann/json.hpp>

namespace trading {

namespace {

using json = nlohmann::json;

// -- error helpers ------------------------------------------------------------

[[noreturn]] void fail(const std::string& where, const std::string& path,
                       const std::string& what) {
  throw config_error(where + ": key '" + path + "': " + what);
}

const char* kind_of(const json& v) {
  switch (v.type()) {
    case json::value_t::null:
      return "null";
    case json::value_t::boolean:
      return "a boolean";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
      return "an integer";
    case json::value_t::number_float:
      return "a number";
    case json::value_t::string:
      return "a string";
    case json::value_t::array:
      return "an array";
    case json::value_t::object:
      return "an object";
    default:
      return "an unsupported value";
  }
}

std::string expected_got(const char* expected, const json& v) {
  return std::string{"expected "} + expected + ", got " + kind_of(v) + " "
         + v.dump();
}

// -- typed readers: one per C++ type a key can have ---------------------------

struct limits {
  double min = std::numeric_limits<double>::lowest();
  double max = std::numeric_limits<double>::max();
  std::vector<std::string> one_of; // for strings and string lists
};

// Integral bounds print as integers ("0 .. 1000000", not "0 .. 1e+06").
std::string num_text(double x) {
  if (x == static_cast<double>(static_cast<long long>(x)) && x > -1e15 && x < 1e15)
    return std::to_string(static_cast<long long>(x));
  std::ostringstream os;
  os << x;
  return os.str();
}

std::string range_text(const limits& lim) {
  if (!lim.one_of.empty()) {
    std::string out;
    for (auto& x : lim.one_of)
      out += (out.empty() ? "" : " | ") + x;
    return out;
  }
  auto has_min = lim.min != std::numeric_limits<double>::lowest();
  auto has_max = lim.max != std::numeric_limits<double>::max();
  if (has_min && has_max)
    return num_text(lim.min) + " .. " + num_text(lim.max);
  if (has_min)
    return ">= " + num_text(lim.min);
  if (has_max)
    return "<= " + num_text(lim.max);
  return {};
}

void check_range(double x, const limits& lim, const std::string& where,
                 const std::string& path) {
  if (x < lim.min || x > lim.max)
    fail(where, path,
         "value " + num_text(x) + " is out of range " + range_text(lim));
}

void check_one_of(const std::string& x, const limits& lim,
                  const std::string& where, const std::string& path) {
  if (!lim.one_of.empty()
      && std::find(lim.one_of.begin(), lim.one_of.end(), x) == lim.one_of.end())
    fail(where, path, "'" + x + "' is not one of " + range_text(lim));
}

void read_value(const json& v, std::int64_t& out, const limits& lim,
                const std::string& where, const std::string& path) {
  if (!v.is_number_integer())
    fail(where, path, expected_got("an integer", v));
  if (v.is_number_unsigned()
      && v.get<std::uint64_t>()
           > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
    fail(where, path, "value " + v.dump() + " is out of range " + range_text(lim));
  out = v.get<std::int64_t>();
  check_range(static_cast<double>(out), lim, where, path);
}

void read_value(const json& v, double& out, const limits& lim,
                const std::string& where, const std::string& path) {
  if (!v.is_number())
    fail(where, path, expected_got("a number", v));
  out = v.get<double>();
  check_range(out, lim, where, path);
}

void read_value(const json& v, bool& out, const limits&,
                const std::string& where, const std::string& path) {
  if (!v.is_boolean())
    fail(where, path, expected_got("a boolean", v));
  out = v.get<bool>();
}

void read_value(const json& v, std::string& out, const limits& lim,
                const std::string& where, const std::string& path) {
  if (!v.is_string())
    fail(where, path, expected_got("a string", v));
  out = v.get<std::string>();
  check_one_of(out, lim, where, path);
}

void read_value(const json& v, std::vector<std::string>& out,
                const limits& lim, const std::string& where,
                const std::string& path) {
  if (!v.is_array())
    fail(where, path, expected_got("an array of strings", v));
  std::vector<std::string> result;
  for (auto& item : v) {
    std::string x;
    read_value(item, x, lim, where, path);
    if (std::find(result.begin(), result.end(), x) != result.end())
      fail(where, path, "'" + x + "' is listed twice");
    result.push_back(std::move(x));
  }
  out = std::move(result);
}

void read_value(const json& v, std::vector<std::int64_t>& out,
                const limits& lim, const std::string& where,
                const std::string& path) {
  if (!v.is_array())
    fail(where, path, expected_got("an array of integers", v));
  std::vector<std::int64_t> result;
  for (auto& item : v) {
    std::int64_t x = 0;
    read_value(item, x, lim, where, path);
    result.push_back(x);
  }
  out = std::move(result);
}

void read_value(const json& v, std::map<std::string, double>& out,
                const limits& lim, const std::string& where,
                const std::string& path) {
  if (!v.is_object())
    fail(where, path, expected_got("an object of symbol: price", v));
  std::map<std::string, double> result;
  for (auto& [key, item] : v.items())
    read_value(item, result[key], lim, where, path + "." + key);
  out = std::move(result);
}

const char* type_name(std::int64_t*) {
  return "integer";
}
const char* type_name(double*) {
  return "number";
}
const char* type_name(bool*) {
  return "boolean";
}
const char* type_name(std::string*) {
  return "string";
}
const char* type_name(std::vector<std::string>*) {
  return "string list";
}
const char* type_name(std::vector<std::int64_t>*) {
  return "integer list";
}
const char* type_name(std::map<std::string, double>*) {
  return "object symbol: number";
}

// -- the schema: every key, once ----------------------------------------------

struct key_spec {
  std::string path;
  std::string type;
  std::string unit;
  std::string range;
  std::string doc;
  std::function<void(node_config&, const json&, const std::string&)> assign;
  std::function<json(const node_config&)> read;
  bool is_map = false; // children (path.name) may be set one by one
};

template <class Access>
key_spec key(std::string path, std::string unit, std::string doc, Access access,
             limits lim = {}) {
  using value_type = std::remove_reference_t<decltype(access(
    std::declval<node_config&>()))>;
  key_spec spec;
  spec.path = path;
  spec.type = type_name(static_cast<value_type*>(nullptr));
  spec.unit = std::move(unit);
  spec.range = range_text(lim);
  spec.doc = std::move(doc);
  spec.is_map = std::is_same<value_type, std::map<std::string, double>>::value;
  spec.assign = [access, lim, path](node_config& cfg, const json& v,
                                    const std::string& where) {
    read_value(v, access(cfg), lim, where, path);
  };
  spec.read = [access](const node_config& cfg) {
    return json(access(const_cast<node_config&>(cfg)));
  };
  return spec;
}

limits between(double lo, double hi) {
  return limits{lo, hi, {}};
}

limits one_of(std::vector<std::string> xs) {
  limits lim;
  lim.one_of = std::move(xs);
  return lim;
}

constexpr double max_ms = 3'600'000; // one hour bounds every duration key

#define ACCESS(member) [](node_config& c) -> auto& { return c.member; }

std::vector<key_spec> make_schema() {
  std::vector<key_spec> s;
  // node
  s.push_back(key("node.name", "", "name printed in stats lines and logs",
                  ACCESS(node.name)));
  s.push_back(key("node.actors", "", "roles this node hosts", ACCESS(node.actors),
                  one_of(known_roles())));
  s.push_back(key("node.listen", "",
                  "publish the entry actor on node.host:node.port for peers",
                  ACCESS(node.listen)));
  s.push_back(key("node.host", "", "address to listen on", ACCESS(node.host)));
  s.push_back(key("node.port", "", "port to listen on; 0 picks a free one",
                  ACCESS(node.port), between(0, 65535)));
  s.push_back(key("node.stats_interval_ms", "ms", "period of the stats line",
                  ACCESS(node.stats_interval_ms), between(10, max_ms)));
  s.push_back(key("node.reconnect_min_ms", "ms", "first retry delay to a peer",
                  ACCESS(node.reconnect_min_ms), between(1, max_ms)));
  s.push_back(key("node.reconnect_max_ms", "ms",
                  "cap of the exponential retry delay",
                  ACCESS(node.reconnect_max_ms), between(1, max_ms)));
  s.push_back(key("node.drain_timeout_ms", "ms",
                  "how long shutdown waits for orders in flight",
                  ACCESS(node.drain_timeout_ms), between(0, max_ms)));
  s.push_back(key("node.results_file", "path",
                  "on exit, write counters and latency percentiles as JSON (\"\" = no)",
                  ACCESS(node.results_file)));
  s.push_back(key("node.warmup_ms", "ms",
                  "rates in the results file are measured after this warm-up",
                  ACCESS(node.warmup_ms), between(0, max_ms)));
  s.push_back(key("node.cpus", "",
                  "CPUs for this process and all its threads ([] = all)",
                  ACCESS(node.cpus), between(0, 1023)));
  // caf
  s.push_back(key("caf.scheduler_policy", "", "CAF scheduler",
                  ACCESS(caf.scheduler_policy), one_of({"sharing", "stealing"})));
  s.push_back(key("caf.max_threads", "", "CAF worker threads",
                  ACCESS(caf.max_threads), between(1, 64)));
  s.push_back(key("caf.aggressive_polling", "",
                  "stealing workers spin instead of sleeping (burns a core each)",
                  ACCESS(caf.aggressive_polling)));
  s.push_back(key("caf.middleman_workers", "", "middleman worker threads",
                  ACCESS(caf.middleman_workers), between(0, 64)));
  s.push_back(key("caf.heartbeat_interval_ms", "ms",
                  "middleman heartbeat to peers (0 = off)",
                  ACCESS(caf.heartbeat_interval_ms), between(0, max_ms)));
  s.push_back(key("caf.connection_timeout_ms", "ms",
                  "a silent peer connection is closed after this",
                  ACCESS(caf.connection_timeout_ms), between(0, max_ms)));
  // price_feed
  s.push_back(key("price_feed.symbols", "price",
                  "symbols and their start prices",
                  ACCESS(price_feed.symbols), between(0.01, 1e9)));
  s.push_back(key("price_feed.interval_us", "us", "every symbol ticks once per interval",
                  ACCESS(price_feed.interval_us), between(1, 60e6)));
  s.push_back(key("price_feed.seed", "", "PRNG seed: same seed, same prices",
                  ACCESS(price_feed.seed), between(0, 9e15)));
  s.push_back(key("price_feed.volatility", "",
                  "sigma of the per-tick relative move N(0, sigma)",
                  ACCESS(price_feed.volatility), between(0, 0.5)));
  s.push_back(key("price_feed.spread_bps", "bp", "bid/ask spread around last",
                  ACCESS(price_feed.spread_bps), between(0, 1000)));
  s.push_back(key("price_feed.batch", "",
                  "send an interval's ticks as one tick_batch message",
                  ACCESS(price_feed.batch)));
  s.push_back(key("price_feed.ticks_per_interval", "",
                  "ticks per symbol per interval (benchmark load)",
                  ACCESS(price_feed.ticks_per_interval), between(1, 100000)));
  // news_feed
  s.push_back(key("news_feed.interval_ms", "ms", "one sentiment step per interval",
                  ACCESS(news_feed.interval_ms), between(1, max_ms)));
  s.push_back(key("news_feed.seed", "", "PRNG seed", ACCESS(news_feed.seed),
                  between(0, 9e15)));
  s.push_back(key("news_feed.start_sentiment", "", "market-wide start value",
                  ACCESS(news_feed.start_sentiment), between(0, 100)));
  s.push_back(key("news_feed.step", "", "ordinary step: +-step",
                  ACCESS(news_feed.step), between(0, 100)));
  s.push_back(key("news_feed.jump", "", "occasional step: +-jump",
                  ACCESS(news_feed.jump), between(0, 100)));
  s.push_back(key("news_feed.jump_probability", "", "chance of a jump per step",
                  ACCESS(news_feed.jump_probability), between(0, 1)));
  // book
  s.push_back(key("book.shm_name", "", "POSIX shm segment of the book",
                  ACCESS(book.shm_name)));
  s.push_back(key("book.heartbeat_ms", "ms", "writer heartbeat period in the segment",
                  ACCESS(book.heartbeat_ms), between(1, max_ms)));
  s.push_back(key("book.stale_after_ms", "ms",
                  "a reader calls the writer dead after this without a heartbeat",
                  ACCESS(book.stale_after_ms), between(1, max_ms)));
  // strategy
  s.push_back(key("strategy.book_source", "",
                  "shm: poll the segment; actor: book_update messages",
                  ACCESS(strategy.book_source), one_of({"shm", "actor"})));
  s.push_back(key("strategy.poll_us", "us",
                  "shm poll period; 0 spins (low-latency profile)",
                  ACCESS(strategy.poll_us), between(0, 1e6)));
  s.push_back(key("strategy.short_window", "prices", "short moving average",
                  ACCESS(strategy.short_window), between(1, 10000)));
  s.push_back(key("strategy.long_window", "prices", "long moving average",
                  ACCESS(strategy.long_window), between(2, 10000)));
  s.push_back(key("strategy.quantity", "shares", "target position size",
                  ACCESS(strategy.quantity), between(1, 1e9)));
  s.push_back(key("strategy.buy_above", "", "sentiment BUY threshold (>)",
                  ACCESS(strategy.buy_above), between(0, 100)));
  s.push_back(key("strategy.sell_below", "", "sentiment SELL threshold (<)",
                  ACCESS(strategy.sell_below), between(0, 100)));
  s.push_back(key("strategy.orders_log", "path",
                  "JSON lines of every order sent (appended)",
                  ACCESS(strategy.orders_log)));
  s.push_back(key("strategy.order_timeout_ms", "ms",
                  "an order without an outcome after this is 'outcome unknown'",
                  ACCESS(strategy.order_timeout_ms), between(1, max_ms)));
  s.push_back(key("strategy.cpu", "",
                  "pin the strategy's thread to this CPU (-1 = no pinning)",
                  ACCESS(strategy.cpu), between(-1, 1023)));
  // oms
  s.push_back(key("oms.book_source", "",
                  "shm: read prices from the segment per order; actor: book_update messages",
                  ACCESS(oms.book_source), one_of({"shm", "actor"})));
  s.push_back(key("oms.trades_log", "path",
                  "JSON lines of every fill and reject (appended)",
                  ACCESS(oms.trades_log)));
  s.push_back(key("oms.max_quantity", "shares", "larger orders are rejected",
                  ACCESS(oms.max_quantity), between(1, 1e12)));
  // peers
  for (auto role : {"price_feed", "news_feed", "book", "oms"}) {
    auto base = std::string{"peers."} + role;
    auto pick = [role](node_config& c) -> endpoint& {
      auto r = std::string{role};
      return r == "price_feed"  ? c.peers.price_feed
             : r == "news_feed" ? c.peers.news_feed
             : r == "book"      ? c.peers.book
                                : c.peers.oms;
    };
    s.push_back(key(base + ".host", "",
                    std::string{"host of the node that hosts "} + role,
                    [pick](node_config& c) -> auto& { return pick(c).host; }));
    s.push_back(key(base + ".port", "", "its port; 0 = not configured",
                    [pick](node_config& c) -> auto& { return pick(c).port; },
                    between(0, 65535)));
  }
  return s;
}

#undef ACCESS

const std::vector<key_spec>& schema() {
  static const auto instance = make_schema();
  return instance;
}

const key_spec* find_key(const std::string& path) {
  for (auto& spec : schema())
    if (spec.path == path)
      return &spec;
  return nullptr;
}

bool is_section_prefix(const std::string& path) {
  auto prefix = path + ".";
  for (auto& spec : schema())
    if (spec.path.compare(0, prefix.size(), prefix) == 0)
      return true;
  return false;
}

// Walks a file's JSON: every leaf must be a key of the schema.
void apply_object(node_config& cfg, const json& obj, const std::string& prefix,
                  const std::string& where) {
  for (auto& [name, value] : obj.items()) {
    auto path = prefix.empty() ? name : prefix + "." + name;
    if (auto spec = find_key(path)) {
      spec->assign(cfg, value, where);
    } else if (is_section_prefix(path)) {
      if (!value.is_object())
        fail(where, path, expected_got("an object (a section)", value));
      apply_object(cfg, value, path, where);
    } else {
      fail(where, path, "unknown key");
    }
  }
}

void apply_override(node_config& cfg, const std::string& text) {
  auto where = "--set " + text;
  auto eq = text.find('=');
  if (eq == std::string::npos || eq == 0)
    throw config_error(where + ": expected KEY=VALUE");
  auto path = text.substr(0, eq);
  auto raw = text.substr(eq + 1);
  // VALUE is JSON where it parses (numbers, booleans, arrays), else a string.
  auto value = json::parse(raw, nullptr, false);
  if (value.is_discarded())
    value = raw;
  if (auto spec = find_key(path)) {
    spec->assign(cfg, value, where);
    return;
  }
  // One entry of a map key, e.g. price_feed.symbols.AAPL=180.
  auto dot = path.rfind('.');
  if (dot != std::string::npos) {
    if (auto parent = find_key(path.substr(0, dot)); parent && parent->is_map) {
      auto whole = parent->read(cfg);
      whole[path.substr(dot + 1)] = value;
      parent->assign(cfg, whole, where);
      return;
    }
  }
  fail(where, path, "unknown key");
}

bool valid_shm_name(const std::string& name) {
  return name.size() >= 2 && name.size() <= 200 && name[0] == '/'
         && name.find('/', 1) == std::string::npos;
}

// Rules that span keys, checked on the effective config.
void validate(const node_config& cfg, const std::string& where) {
  if (cfg.node.actors.empty())
    fail(where, "node.actors", "a node must host at least one actor");
  if (cfg.price_feed.symbols.empty())
    fail(where, "price_feed.symbols", "at least one symbol is needed");
  for (auto& [symbol, price] : cfg.price_feed.symbols) {
    (void) price;
    if (symbol.empty() || symbol.size() > 15)
      fail(where, "price_feed.symbols." + symbol,
           "a symbol has 1 to 15 characters");
  }
  if (cfg.strategy.short_window >= cfg.strategy.long_window)
    fail(where, "strategy.short_window",
         "must be smaller than strategy.long_window ("
           + std::to_string(cfg.strategy.long_window) + ")");
  if (cfg.strategy.sell_below > cfg.strategy.buy_above)
    fail(where, "strategy.sell_below", "must not exceed strategy.buy_above");
  if (cfg.node.reconnect_min_ms > cfg.node.reconnect_max_ms)
    fail(where, "node.reconnect_min_ms", "must not exceed node.reconnect_max_ms");
  if (!valid_shm_name(cfg.book.shm_name))
    fail(where, "book.shm_name",
         "'" + cfg.book.shm_name
           + "' is not a POSIX shm name ('/' then 1..199 characters, no other '/')");
  if (cfg.strategy.orders_log.empty())
    fail(where, "strategy.orders_log", "must name a file");
  if (cfg.oms.trades_log.empty())
    fail(where, "oms.trades_log", "must name a file");
  // A role this node uses but does not host must be reachable through a peer.
  auto needs = [&](const std::string& user, const std::string& role,
                   const endpoint& peer) {
    if (cfg.hosts(user) && !cfg.hosts(role) && peer.port == 0)
      fail(where, "peers." + role + ".port",
           user + " needs " + role
             + ", which this node does not host: name its node's port");
  };
  needs("book", "price_feed", cfg.peers.price_feed);
  needs("strategy", "news_feed", cfg.peers.news_feed);
  needs("strategy", "oms", cfg.peers.oms);
  if (cfg.strategy.book_source == "actor")
    needs("strategy", "book", cfg.peers.book);
  if (cfg.oms.book_source == "actor")
    needs("oms", "book", cfg.peers.book);
}

node_config parse_document(const json& doc, const std::string& source,
                           const std::vector<std::string>& overrides) {
  if (!doc.is_object())
    throw config_error(source + ": the config must be a JSON object");
  node_config cfg;
  cfg.source = source;
  apply_object(cfg, doc, "", source);
  for (auto& text : overrides)
    apply_override(cfg, text);
  validate(cfg, source);
  return cfg;
}

} // namespace

bool node_config::hosts(const std::string& role) const {
  return std::find(node.actors.begin(), node.actors.end(), role)
         != node.actors.end();
}

const std::vector<std::string>& known_roles() {
  static const std::vector<std::string> roles{"price_feed", "news_feed", "book",
                                              "strategy", "oms"};
  return roles;
}

node_config parse_config(const std::string& json_text, const std::string& source,
                         const std::vector<std::string>& overrides) {
  // nlohmann keeps the last of two equal keys; a config that says one thing twice
  // is a mistake to report, not to resolve silently.
  std::vector<std::vector<std::string>> keys_seen{{}};
  auto refuse_duplicates = [&](int, json::parse_event_t event, json& parsed) {
    if (event == json::parse_event_t::object_start) {
      keys_seen.emplace_back();
    } else if (event == json::parse_event_t::object_end) {
      keys_seen.pop_back();
    } else if (event == json::parse_event_t::key) {
      auto name = parsed.get<std::string>();
      auto& seen = keys_seen.back();
      if (std::find(seen.begin(), seen.end(), name) != seen.end())
        throw config_error(source + ": key '" + name + "' appears twice in one object");
      seen.push_back(name);
    }
    return true;
  };
  json doc;
  try {
    doc = json::parse(json_text, refuse_duplicates);
  } catch (const json::parse_error& e) {
    throw config_error(source + ": not valid JSON: " + e.what());
  }
  return parse_document(doc, source, overrides);
}

node_config load_config(const std::string& path,
                        const std::vector<std::string>& overrides) {
  std::ifstream in{path};
  if (!in)
    throw config_error(path + ": cannot read the config file");
  std::stringstream text;
  text << in.rdbuf();
  return parse_config(text.str(), path, overrides);
}

std::string to_json_text(const node_config& cfg) {
  json doc = json::object();
  for (auto& spec : schema())
    doc[json::json_pointer{"/" + [&] {
      auto p = spec.path;
      std::replace(p.begin(), p.end(), '.', '/');
      return p;
    }()}] = spec.read(cfg);
  return doc.dump(2);
}

std::string schema_markdown() {
  // A '|' inside a cell (enum ranges) would end the cell.
  auto cell = [](std::string text) {
    for (auto pos = text.find('|'); pos != std::string::npos;
         pos = text.find('|', pos + 2))
      text.replace(pos, 1, "\\|");
    return text;
  };
  node_config defaults;
  std::ostringstream os;
  os << "| key | type | unit | default | range | meaning |\n"
        "| --- | --- | --- | --- | --- | --- |\n";
  for (auto& spec : schema())
    os << "| `" << spec.path << "` | " << spec.type << " | " << spec.unit
       << " | `" << spec.read(defaults).dump() << "` | " << cell(spec.range)
       << " | " << cell(spec.doc) << " |\n";
  return os.str();
}

} // namespace trading
