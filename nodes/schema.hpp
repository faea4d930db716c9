// A generic config schema engine: a table of keys (dotted path, type, unit, range,
// meaning, and where the value lives in a config struct) drives strict reading of a
// JSON document, `--set path=value` overrides, printing back as JSON and a Markdown
// table. It knows nothing of any product: nodes/config.cpp holds the node's table.
//
// Strict means: every leaf is a key of the table, a key appears once per object,
// values have the key's type and range, strings are UTF-8 and at most a documented
// length, numbers are finite, nesting is at most `max_depth` deep (checked before
// the JSON parser recurses), and every problem is a config_error whose message names
// the source and the key and quotes at most `max_quoted` characters of a value.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace trading {

/// Every problem with a config: the message names the file (or --set) and the key.
struct config_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

namespace schema {

using json = nlohmann::json;

constexpr std::size_t max_depth = 32;                  // arrays/objects in each other
constexpr std::size_t max_quoted = 80;                 // bytes of a value in a message
constexpr std::size_t default_max_length = 4096;       // bytes of a string (PATH_MAX)

/// What a key's value may be.
struct limits {
  double min = std::numeric_limits<double>::lowest();
  double max = std::numeric_limits<double>::max();
  std::vector<std::string> one_of; // strings and string lists: the allowed values
  std::size_t max_length = default_max_length; // strings, list items, map keys
  /// A further rule for each string, list item or map key: returns why it is not
  /// acceptable, or "" (e.g. trading::symbol_problem).
  std::function<std::string(std::string_view)> rule;
};

limits between(double lo, double hi);
limits one_of(std::vector<std::string> values);
limits max_length(std::size_t bytes);
limits with_rule(std::function<std::string(std::string_view)> rule,
                 std::size_t bytes = default_max_length);

/// `text` fit for a message: at most max_quoted bytes (then "..."), bytes that are
/// not printable UTF-8 shown as \xNN.
std::string excerpt(std::string_view text);

/// Throws config_error("<where>: key '<path>': <what>").
[[noreturn]] void fail(const std::string& where, const std::string& path,
                       const std::string& what);

// -- typed readers and writers: one per C++ type a key can have ----------------

void read_value(const json& v, std::int64_t& out, const limits& lim,
                const std::string& where, const std::string& path);
void read_value(const json& v, double& out, const limits& lim,
                const std::string& where, const std::string& path);
void read_value(const json& v, bool& out, const limits& lim,
                const std::string& where, const std::string& path);
void read_value(const json& v, std::string& out, const limits& lim,
                const std::string& where, const std::string& path);
void read_value(const json& v, std::vector<std::string>& out, const limits& lim,
                const std::string& where, const std::string& path);
void read_value(const json& v, std::vector<std::int64_t>& out, const limits& lim,
                const std::string& where, const std::string& path);
void read_value(const json& v, std::map<std::string, double>& out, const limits& lim,
                const std::string& where, const std::string& path);
/// null (off) or an integer in range.
void read_value(const json& v, std::optional<std::int64_t>& out, const limits& lim,
                const std::string& where, const std::string& path);

void write_value(std::int64_t x, json& out);
void write_value(double x, json& out);
void write_value(bool x, json& out);
void write_value(const std::string& x, json& out);
void write_value(const std::vector<std::string>& x, json& out);
void write_value(const std::vector<std::int64_t>& x, json& out);
void write_value(const std::map<std::string, double>& x, json& out);
void write_value(const std::optional<std::int64_t>& x, json& out);

template <class T>
constexpr const char* type_name() {
  if constexpr (std::is_same_v<T, std::int64_t>)
    return "integer";
  else if constexpr (std::is_same_v<T, double>)
    return "number";
  else if constexpr (std::is_same_v<T, bool>)
    return "boolean";
  else if constexpr (std::is_same_v<T, std::string>)
    return "string";
  else if constexpr (std::is_same_v<T, std::vector<std::string>>)
    return "string list";
  else if constexpr (std::is_same_v<T, std::vector<std::int64_t>>)
    return "integer list";
  else if constexpr (std::is_same_v<T, std::map<std::string, double>>)
    return "object symbol: number";
  else if constexpr (std::is_same_v<T, std::optional<std::int64_t>>)
    return "integer or null";
  else
    static_assert(sizeof(T) == 0, "schema: no reader for this type");
}

// -- keys -----------------------------------------------------------------------

/// One key, type-erased over the config struct (the `void*` is a Config*).
struct key {
  std::string path;
  std::string type;
  std::string unit;
  std::string range; // as printed
  std::string doc;   // as printed (with the length cap of a free string)
  bool is_map = false; // children (path.name) may be set one by one
  bool is_string = false;
  std::function<void(void*, const json&, const std::string& where)> assign;
  std::function<void(const void*, json& out)> write;
};

/// Describes a key (everything but assign/write); used by make_key.
key describe(std::string path, const char* type, std::string unit, std::string doc,
             const limits& lim);

/// A key of Config whose value `access(cfg)` returns by reference.
template <class Config, class Access>
key make_key(std::string path, std::string unit, std::string doc, Access access,
             limits lim = {}) {
  using T = std::remove_reference_t<decltype(access(std::declval<Config&>()))>;
  auto k = describe(path, type_name<T>(), std::move(unit), std::move(doc), lim);
  k.is_map = std::is_same_v<T, std::map<std::string, double>>;
  k.is_string = std::is_same_v<T, std::string>;
  k.assign = [access, lim, path](void* cfg, const json& v, const std::string& where) {
    read_value(v, access(*static_cast<Config*>(cfg)), lim, where, path);
  };
  k.write = [access](const void* cfg, json& out) {
    write_value(access(*const_cast<Config*>(static_cast<const Config*>(cfg))), out);
  };
  return k;
}

// -- the engine -------------------------------------------------------------------

/// The operations over a key table, on a type-erased config.
class engine {
public:
  explicit engine(std::vector<key> keys);

  const std::vector<key>& keys() const {
    return keys_;
  }

  /// Reads a whole JSON document (text named `source` in errors) into `cfg`.
  void read_document(void* cfg, const std::string& text,
                     const std::string& source) const;

  /// Applies one "path=value" override; VALUE is JSON where it parses, else a string.
  void apply_override(void* cfg, const std::string& setting) const;

  /// Every key's value as pretty JSON, nested by path.
  std::string to_json_text(const void* cfg) const;

  /// One Markdown table row per key, defaults read from `defaults`.
  std::string markdown(const void* defaults) const;

  /// The value of a string key; throws config_error for any other path.
  std::string string_value(const void* cfg, const std::string& path) const;

private:
  const key* find(const std::string& path) const;
  bool is_section(const std::string& path) const;
  void apply_object(void* cfg, const json& obj, const std::string& prefix,
                    const std::string& where) const;

  std::vector<key> keys_;
};

/// The engine with its config type put back.
template <class Config>
class table {
public:
  explicit table(std::vector<key> keys) : engine_(std::move(keys)) {
  }

  const std::vector<key>& keys() const {
    return engine_.keys();
  }
  void read_document(Config& cfg, const std::string& text,
                     const std::string& source) const {
    engine_.read_document(&cfg, text, source);
  }
  void apply_override(Config& cfg, const std::string& setting) const {
    engine_.apply_override(&cfg, setting);
  }
  std::string to_json_text(const Config& cfg) const {
    return engine_.to_json_text(&cfg);
  }
  std::string markdown(const Config& defaults) const {
    return engine_.markdown(&defaults);
  }
  std::string string_value(const Config& cfg, const std::string& path) const {
    return engine_.string_value(&cfg, path);
  }

private:
  engine engine_;
};

} // namespace schema
} // namespace trading
