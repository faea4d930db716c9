#include "nodes/schema.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

#include <nlohmann/json.hpp>

namespace trading::schema {

namespace {

// -- text for messages ------------------------------------------------------------

/// Length of the valid UTF-8 sequence at text[i] (1..4), or 0 if there is none.
std::size_t utf8_sequence(std::string_view text, std::size_t i) {
  auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  auto c = byte(i);
  if (c < 0x80)
    return 1;
  std::size_t n = c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3
                  : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
  if (n == 0 || i + n > text.size())
    return 0;
  for (std::size_t k = 1; k < n; ++k)
    if ((byte(i + k) & 0xC0) != 0x80)
      return 0;
  auto c1 = byte(i + 1);
  if ((c == 0xE0 && c1 < 0xA0) || (c == 0xED && c1 > 0x9F) // overlong, surrogate
      || (c == 0xF0 && c1 < 0x90) || (c == 0xF4 && c1 > 0x8F)) // overlong, > U+10FFFF
    return 0;
  return n;
}

bool valid_utf8(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    auto n = utf8_sequence(text, i);
    if (n == 0)
      return false;
    i += n;
  }
  return true;
}

std::string clip(std::string_view text, std::size_t limit) {
  std::string out;
  std::size_t i = 0;
  while (i < text.size() && i < limit) {
    auto n = utf8_sequence(text, i);
    auto c = static_cast<unsigned char>(text[i]);
    if (n == 0 || (n == 1 && (c < 0x20 || c == 0x7F))) {
      char hex[5];
      std::snprintf(hex, sizeof hex, "\\x%02X", c);
      out += hex;
      ++i;
    } else {
      out.append(text.substr(i, n));
      i += n;
    }
  }
  if (i < text.size())
    out += "...";
  return out;
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

std::string shown(const json& v) {
  return excerpt(v.dump(-1, ' ', false, json::error_handler_t::replace));
}

std::string expected_got(const char* expected, const json& v) {
  return std::string{"expected "} + expected + ", got " + kind_of(v) + " " + shown(v);
}

// Integral bounds print as integers ("0 .. 1000000", not "0 .. 1e+06"). Only a
// finite, integral value well inside long long's range is cast.
std::string num_text(double x) {
  if (std::isfinite(x) && std::fabs(x) < 1e15 && x == std::trunc(x))
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
  if (!std::isfinite(x))
    fail(where, path, "value " + num_text(x) + " is not a finite number");
  if (x < lim.min || x > lim.max)
    fail(where, path, "value " + num_text(x) + " is out of range " + range_text(lim));
}

// The checks every string, list item and map key passes.
void check_text(const std::string& x, const limits& lim, const std::string& where,
                const std::string& path) {
  if (!valid_utf8(x))
    fail(where, path, "'" + excerpt(x) + "' is not valid UTF-8");
  if (x.size() > lim.max_length)
    fail(where, path, "'" + excerpt(x) + "' is " + std::to_string(x.size())
                        + " bytes long; at most " + std::to_string(lim.max_length)
                        + " are allowed");
  if (!lim.one_of.empty()
      && std::find(lim.one_of.begin(), lim.one_of.end(), x) == lim.one_of.end())
    fail(where, path, "'" + excerpt(x) + "' is not one of " + range_text(lim));
  if (lim.rule)
    if (auto problem = lim.rule(x); !problem.empty())
      fail(where, path, "'" + excerpt(x) + "': " + problem);
}

// Refuses nesting deeper than max_depth before the JSON parser (which recurses in
// places) sees the text. Tracks object keys so the message names the key.
void check_depth(const std::string& text, const std::string& where,
                 const std::string& base_path) {
  struct frame {
    bool object;
    std::string key;
  };
  std::vector<frame> frames;
  std::string last_string;
  bool in_string = false;
  bool escaped = false;
  std::size_t string_start = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    auto c = text[i];
    if (in_string) {
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"') {
        in_string = false;
        last_string = text.substr(string_start, std::min<std::size_t>(i - string_start, 100));
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
      string_start = i + 1;
    } else if (c == ':' && !frames.empty() && frames.back().object) {
      frames.back().key = last_string;
    } else if (c == '{' || c == '[') {
      if (frames.size() >= max_depth) {
        auto path = base_path;
        for (auto& f : frames)
          if (f.object && !f.key.empty())
            path += (path.empty() ? "" : ".") + f.key;
        fail(where, path.empty() ? "<document>" : path,
             "values nest deeper than " + std::to_string(max_depth) + " levels");
      }
      frames.push_back({c == '{', {}});
    } else if ((c == '}' || c == ']') && !frames.empty()) {
      frames.pop_back();
    }
  }
}

} // namespace

// -- public helpers -----------------------------------------------------------------

limits between(double lo, double hi) {
  limits lim;
  lim.min = lo;
  lim.max = hi;
  return lim;
}

limits one_of(std::vector<std::string> values) {
  limits lim;
  lim.one_of = std::move(values);
  return lim;
}

limits max_length(std::size_t bytes) {
  limits lim;
  lim.max_length = bytes;
  return lim;
}

limits with_rule(std::function<std::string(std::string_view)> rule, std::size_t bytes) {
  auto lim = max_length(bytes);
  lim.rule = std::move(rule);
  return lim;
}

std::string excerpt(std::string_view text) {
  return clip(text, max_quoted);
}

void fail(const std::string& where, const std::string& path, const std::string& what) {
  throw config_error(where + ": key '" + excerpt(path) + "': " + what);
}

// -- readers ------------------------------------------------------------------------

void read_value(const json& v, std::int64_t& out, const limits& lim,
                const std::string& where, const std::string& path) {
  if (!v.is_number_integer())
    fail(where, path, expected_got("an integer", v));
  if (v.is_number_unsigned()
      && v.get<std::uint64_t>()
           > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
    fail(where, path, "value " + v.dump() + " is out of range " + range_text(lim));
  auto x = v.get<std::int64_t>();
  check_range(static_cast<double>(x), lim, where, path);
  out = x;
}

void read_value(const json& v, double& out, const limits& lim,
                const std::string& where, const std::string& path) {
  if (!v.is_number())
    fail(where, path, expected_got("a number", v));
  auto x = v.get<double>();
  check_range(x, lim, where, path);
  out = x;
}

void read_value(const json& v, bool& out, const limits&, const std::string& where,
                const std::string& path) {
  if (!v.is_boolean())
    fail(where, path, expected_got("a boolean", v));
  out = v.get<bool>();
}

void read_value(const json& v, std::string& out, const limits& lim,
                const std::string& where, const std::string& path) {
  if (!v.is_string())
    fail(where, path, expected_got("a string", v));
  auto& x = v.get_ref<const std::string&>();
  check_text(x, lim, where, path);
  out = x;
}

void read_value(const json& v, std::vector<std::string>& out, const limits& lim,
                const std::string& where, const std::string& path) {
  if (!v.is_array())
    fail(where, path, expected_got("an array of strings", v));
  std::vector<std::string> result;
  for (auto& item : v) {
    std::string x;
    read_value(item, x, lim, where, path);
    if (std::find(result.begin(), result.end(), x) != result.end())
      fail(where, path, "'" + excerpt(x) + "' is listed twice");
    result.push_back(std::move(x));
  }
  out = std::move(result);
}

void read_value(const json& v, std::vector<std::int64_t>& out, const limits& lim,
                const std::string& where, const std::string& path) {
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

// The map's limits: `rule` and `max_length` apply to its keys, min/max to values.
void read_value(const json& v, std::map<std::string, double>& out, const limits& lim,
                const std::string& where, const std::string& path) {
  if (!v.is_object())
    fail(where, path, expected_got("an object of symbol: price", v));
  std::map<std::string, double> result;
  auto value_limits = between(lim.min, lim.max);
  for (auto& [name, item] : v.items()) {
    check_text(name, lim, where, path);
    read_value(item, result[name], value_limits, where, path + "." + name);
  }
  out = std::move(result);
}

void read_value(const json& v, std::optional<std::int64_t>& out, const limits& lim,
                const std::string& where, const std::string& path) {
  if (v.is_null()) {
    out.reset();
    return;
  }
  std::int64_t x = 0;
  read_value(v, x, lim, where, path);
  out = x;
}

void write_value(const std::optional<std::int64_t>& x, json& out) {
  out = x ? json(*x) : json(nullptr);
}

void write_value(std::int64_t x, json& out) {
  out = x;
}
void write_value(double x, json& out) {
  out = x;
}
void write_value(bool x, json& out) {
  out = x;
}
void write_value(const std::string& x, json& out) {
  out = x;
}
void write_value(const std::vector<std::string>& x, json& out) {
  out = x;
}
void write_value(const std::vector<std::int64_t>& x, json& out) {
  out = x;
}
void write_value(const std::map<std::string, double>& x, json& out) {
  out = x;
}

key describe(std::string path, const char* type, std::string unit, std::string doc,
             const limits& lim) {
  key k;
  k.path = std::move(path);
  k.type = type;
  k.unit = std::move(unit);
  k.range = range_text(lim);
  k.doc = std::move(doc);
  if (k.type == "string" && lim.one_of.empty())
    k.doc += "; at most " + std::to_string(lim.max_length) + " bytes";
  return k;
}

// -- the engine ---------------------------------------------------------------------

engine::engine(std::vector<key> keys) : keys_(std::move(keys)) {
}

const key* engine::find(const std::string& path) const {
  for (auto& k : keys_)
    if (k.path == path)
      return &k;
  return nullptr;
}

bool engine::is_section(const std::string& path) const {
  auto prefix = path + ".";
  for (auto& k : keys_)
    if (k.path.compare(0, prefix.size(), prefix) == 0)
      return true;
  return false;
}

// Walks a document: every leaf must be a key of the table.
void engine::apply_object(void* cfg, const json& obj, const std::string& prefix,
                          const std::string& where) const {
  for (auto& [name, value] : obj.items()) {
    auto path = prefix.empty() ? name : prefix + "." + name;
    if (auto k = find(path)) {
      k->assign(cfg, value, where);
    } else if (is_section(path)) {
      if (!value.is_object())
        fail(where, path, expected_got("an object (a section)", value));
      apply_object(cfg, value, path, where);
    } else {
      fail(where, path, "unknown key");
    }
  }
}

void engine::read_document(void* cfg, const std::string& text,
                           const std::string& source) const {
  check_depth(text, source, "");
  // nlohmann keeps the last of two equal keys; a config that says one thing twice
  // is a mistake to report, not to resolve silently. `keys` also tracks where the
  // parser is, to name the key when a value does not parse.
  std::vector<std::vector<std::string>> seen{{}};
  std::vector<std::string> keys{""};
  auto callback = [&](int, json::parse_event_t event, json& parsed) {
    if (event == json::parse_event_t::object_start) {
      seen.emplace_back();
      keys.emplace_back();
    } else if (event == json::parse_event_t::object_end) {
      seen.pop_back();
      keys.pop_back();
    } else if (event == json::parse_event_t::key) {
      auto& name = parsed.get_ref<const std::string&>();
      keys.back() = name;
      auto& names = seen.back();
      if (std::find(names.begin(), names.end(), name) != names.end())
        throw config_error(source + ": key '" + excerpt(name)
                           + "' appears twice in one object");
      names.push_back(name);
    }
    return true;
  };
  auto current_path = [&] {
    std::string path;
    for (auto& k : keys)
      if (!k.empty())
        path += (path.empty() ? "" : ".") + k;
    return path;
  };
  json doc;
  try {
    doc = json::parse(text, callback);
  } catch (const json::out_of_range& e) { // a number overflows a double (1e400)
    fail(source, current_path(), "not a finite number: " + clip(e.what(), 200));
  } catch (const json::exception& e) {
    auto path = current_path();
    throw config_error(source + ": not valid JSON"
                       + (path.empty() ? "" : " (after key '" + excerpt(path) + "')")
                       + ": " + clip(e.what(), 200));
  }
  if (!doc.is_object())
    throw config_error(source + ": the config must be a JSON object");
  try {
    apply_object(cfg, doc, "", source);
  } catch (const json::exception& e) {
    throw config_error(source + ": " + clip(e.what(), 200));
  }
}

void engine::apply_override(void* cfg, const std::string& setting) const {
  auto where = "--set " + excerpt(setting);
  auto eq = setting.find('=');
  if (eq == std::string::npos || eq == 0)
    throw config_error(where + ": expected KEY=VALUE");
  auto path = setting.substr(0, eq);
  auto raw = setting.substr(eq + 1);
  check_depth(raw, where, path);
  try {
    // VALUE is JSON where it parses (numbers, booleans, arrays), else a string.
    auto value = json::parse(raw, nullptr, false);
    if (value.is_discarded())
      value = raw;
    if (auto k = find(path)) {
      k->assign(cfg, value, where);
      return;
    }
    // One entry of a map key, e.g. price_feed.symbols.AAPL=180 (or BRK.B=400).
    for (auto& parent : keys_) {
      auto prefix = parent.path + ".";
      if (parent.is_map && path.size() > prefix.size()
          && path.compare(0, prefix.size(), prefix) == 0) {
        json whole;
        parent.write(cfg, whole);
        whole[path.substr(prefix.size())] = value;
        parent.assign(cfg, whole, where);
        return;
      }
    }
  } catch (const json::exception& e) {
    fail(where, path, clip(e.what(), 200));
  }
  fail(where, path, "unknown key");
}

std::string engine::to_json_text(const void* cfg) const {
  json doc = json::object();
  for (auto& k : keys_) {
    auto pointer = "/" + k.path;
    std::replace(pointer.begin(), pointer.end(), '.', '/');
    k.write(cfg, doc[json::json_pointer{pointer}]);
  }
  return doc.dump(2, ' ', false, json::error_handler_t::replace);
}

std::string engine::markdown(const void* defaults) const {
  // A '|' inside a cell (enum ranges) would end the cell.
  auto cell = [](std::string text) {
    for (auto pos = text.find('|'); pos != std::string::npos;
         pos = text.find('|', pos + 2))
      text.replace(pos, 1, "\\|");
    return text;
  };
  std::ostringstream os;
  os << "| key | type | unit | default | range | meaning |\n"
        "| --- | --- | --- | --- | --- | --- |\n";
  for (auto& k : keys_) {
    json value;
    k.write(defaults, value);
    os << "| `" << k.path << "` | " << k.type << " | " << k.unit << " | `"
       << value.dump() << "` | " << cell(k.range) << " | " << cell(k.doc) << " |\n";
  }
  return os.str();
}

std::string engine::string_value(const void* cfg, const std::string& path) const {
  auto k = find(path);
  if (!k || !k->is_string)
    throw config_error("key '" + excerpt(path) + "' is not a string key");
  json value;
  k->write(cfg, value);
  return value.get<std::string>();
}

} // namespace trading::schema
