// The node config: the shipped config loads, every kind of mistake is a
// config_error that names the file (or --set) and the key, --set overrides, and
// the printed config reads back as the same config.
#include "nodes/config.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <initializer_list>
#include <string>
#include <unistd.h>
#include <vector>

namespace trading {
namespace {

const std::string source_dir = TRADING_SOURCE_DIR;
const std::string all_in_one = source_dir + "/configs/all_in_one.json";

// A config that is valid as it stands: one node hosting every role.
const std::string all_roles
  = R"("node": {"actors": ["price_feed", "news_feed", "book", "strategy", "oms"]})";

// `sections` are extra top-level members, e.g. R"("strategy": {"poll_us": -1})".
std::string doc_with(const std::string& sections) {
  return "{" + all_roles + (sections.empty() ? "" : ", " + sections) + "}";
}

// The message of the config_error that parsing `text` as `source` throws, or a
// failure if it does not throw one.
std::string error_of(const std::string& text, const std::string& source = "bad.json",
                     const std::vector<std::string>& overrides = {}) {
  try {
    parse_config(text, source, overrides);
  } catch (const config_error& e) {
    return e.what();
  }
  ADD_FAILURE() << "no config_error for: " << text;
  return {};
}

std::string override_error(const std::string& setting) {
  return error_of(doc_with(""), "base.json", {setting});
}

// Checks that `message` names the source and the key (and any extra words).
void expect_names(const std::string& message, const std::string& source,
                  const std::string& key,
                  std::initializer_list<const char*> words = {}) {
  EXPECT_NE(message.find(source), std::string::npos)
    << "'" << message << "' does not name " << source;
  EXPECT_NE(message.find("'" + key + "'"), std::string::npos)
    << "'" << message << "' does not name key '" << key << "'";
  for (auto word : words)
    EXPECT_NE(message.find(word), std::string::npos)
      << "'" << message << "' does not say '" << word << "'";
}

void expect_rejected(const std::string& sections, const std::string& key,
                     std::initializer_list<const char*> words = {}) {
  SCOPED_TRACE(sections);
  expect_names(error_of(doc_with(sections)), "bad.json", key, words);
}

/// A file under /tmp unique to this process; removed again by the destructor.
class temp_file {
public:
  explicit temp_file(const std::string& content) {
    char name[] = "/tmp/config_test_XXXXXX";
    auto fd = ::mkstemp(name);
    if (fd < 0)
      throw std::runtime_error("mkstemp failed");
    ::close(fd);
    path_ = name;
    std::ofstream{path_} << content;
  }

  ~temp_file() {
    std::remove(path_.c_str());
  }

  const std::string& path() const {
    return path_;
  }

private:
  std::string path_;
};

} // namespace

// -- loading ------------------------------------------------------------------

TEST(config, shipped_all_in_one_config_loads_with_its_values) {
  auto cfg = load_config(all_in_one);
  EXPECT_EQ(cfg.source, all_in_one);
  EXPECT_EQ(cfg.node.name, "all_in_one");
  EXPECT_EQ(cfg.node.actors, known_roles());
  for (auto& role : known_roles())
    EXPECT_TRUE(cfg.hosts(role)) << role;
  EXPECT_FALSE(cfg.node.listen);
  EXPECT_EQ(cfg.caf.scheduler_policy, "sharing");
  EXPECT_EQ(cfg.caf.max_threads, 2);
  EXPECT_EQ(cfg.price_feed.symbols.size(), 5u);
  EXPECT_DOUBLE_EQ(cfg.price_feed.symbols.at("AAPL"), 175.0);
  EXPECT_EQ(cfg.price_feed.interval_us, 100000);
  EXPECT_EQ(cfg.news_feed.interval_ms, 200);
  EXPECT_EQ(cfg.book.shm_name, "/trading_book");
  EXPECT_EQ(cfg.strategy.book_source, "shm");
  EXPECT_EQ(cfg.strategy.short_window, 5);
  EXPECT_EQ(cfg.strategy.long_window, 20);
  EXPECT_EQ(cfg.strategy.quantity, 10);
  EXPECT_EQ(cfg.strategy.orders_log, "orders.log");
  EXPECT_EQ(cfg.oms.trades_log, "trades.log");
}

TEST(config, keys_missing_from_the_file_keep_their_defaults) {
  auto cfg = parse_config(doc_with(""), "minimal.json");
  node_config defaults;
  EXPECT_EQ(cfg.source, "minimal.json");
  EXPECT_EQ(cfg.strategy.poll_us, defaults.strategy.poll_us);
  EXPECT_EQ(cfg.oms.max_quantity, defaults.oms.max_quantity);
  EXPECT_EQ(cfg.price_feed.symbols, defaults.price_feed.symbols);
}

TEST(config, missing_file_is_an_error_naming_the_file) {
  auto path = "/tmp/config_test_missing_" + std::to_string(::getpid()) + ".json";
  try {
    load_config(path);
    FAIL() << "no config_error";
  } catch (const config_error& e) {
    EXPECT_NE(std::string{e.what()}.find(path), std::string::npos) << e.what();
  }
}

TEST(config, invalid_json_in_a_file_is_an_error_naming_the_file) {
  temp_file file{R"({"node": {"name": "x",})"};
  try {
    load_config(file.path());
    FAIL() << "no config_error";
  } catch (const config_error& e) {
    std::string message = e.what();
    EXPECT_NE(message.find(file.path()), std::string::npos) << message;
    EXPECT_NE(message.find("not valid JSON"), std::string::npos) << message;
  }
}

TEST(config, a_document_that_is_not_an_object_is_an_error) {
  auto message = error_of("[1, 2]");
  EXPECT_NE(message.find("bad.json"), std::string::npos) << message;
}

// -- unknown keys -------------------------------------------------------------

TEST(config, unknown_top_level_section_is_an_error_naming_it) {
  expect_rejected(R"("risk": {"limit": 5})", "risk", {"unknown key"});
}

TEST(config, unknown_nested_key_is_an_error_naming_its_full_path) {
  expect_rejected(R"("strategy": {"poll": 5})", "strategy.poll", {"unknown key"});
  expect_rejected(R"("peers": {"oms": {"prot": 5}})", "peers.oms.prot",
                  {"unknown key"});
}

TEST(config, scalar_where_a_section_belongs_is_an_error) {
  expect_rejected(R"("strategy": 5)", "strategy", {"an object"});
}

// -- wrong types ----------------------------------------------------------------

TEST(config, string_for_an_integer_is_an_error) {
  expect_rejected(R"("strategy": {"poll_us": "100"})", "strategy.poll_us",
                  {"integer", "string"});
}

TEST(config, fractional_number_for_an_integer_is_an_error) {
  expect_rejected(R"("strategy": {"quantity": 10.5})", "strategy.quantity",
                  {"integer"});
}

TEST(config, integer_for_a_string_is_an_error) {
  expect_names(
    error_of(R"({"node": {"actors": ["price_feed", "book"], "name": 5}})"),
    "bad.json", "node.name", {"string", "integer"});
}

TEST(config, object_for_a_scalar_is_an_error) {
  expect_rejected(R"("oms": {"max_quantity": {"value": 5}})", "oms.max_quantity",
                  {"integer", "object"});
}

TEST(config, boolean_for_an_integer_and_integer_for_a_boolean_are_errors) {
  expect_rejected(R"("strategy": {"quantity": true})", "strategy.quantity",
                  {"integer", "boolean"});
  expect_rejected(R"("price_feed": {"batch": 1})", "price_feed.batch",
                  {"boolean", "integer"});
}

TEST(config, string_for_a_symbol_price_is_an_error_naming_the_symbol) {
  expect_rejected(R"("price_feed": {"symbols": {"AAPL": "cheap"}})",
                  "price_feed.symbols.AAPL", {"number"});
}

TEST(config, actors_that_are_not_a_list_of_strings_are_an_error) {
  expect_names(error_of(R"({"node": {"actors": "oms"}})"), "bad.json",
               "node.actors");
  expect_names(error_of(R"({"node": {"actors": [1]}})"), "bad.json",
               "node.actors");
}

// -- ranges and enums -------------------------------------------------------------

TEST(config, negative_port_is_out_of_range) {
  expect_rejected(R"("peers": {"oms": {"port": -1}})", "peers.oms.port",
                  {"out of range"});
  expect_names(
    error_of(R"({"node": {"actors": ["price_feed", "book"], "port": -5}})"),
    "bad.json", "node.port", {"out of range"});
}

TEST(config, port_above_65535_is_out_of_range) {
  expect_rejected(R"("peers": {"book": {"port": 70000}})", "peers.book.port",
                  {"out of range", "65535"});
}

TEST(config, poll_us_minus_one_is_out_of_range) {
  expect_rejected(R"("strategy": {"poll_us": -1})", "strategy.poll_us",
                  {"out of range"});
}

TEST(config, huge_unsigned_integer_is_out_of_range_not_accepted) {
  expect_rejected(R"("news_feed": {"seed": 18446744073709551615})", "news_feed.seed",
                  {"out of range"});
}

TEST(config, non_positive_symbol_price_is_out_of_range) {
  expect_rejected(R"("price_feed": {"symbols": {"AAPL": 0}})",
                  "price_feed.symbols.AAPL", {"out of range"});
}

TEST(config, book_source_outside_its_enum_is_an_error_listing_the_choices) {
  expect_rejected(R"("strategy": {"book_source": "tcp"})", "strategy.book_source",
                  {"tcp", "shm", "actor"});
}

TEST(config, scheduler_policy_outside_its_enum_is_an_error) {
  expect_rejected(R"("caf": {"scheduler_policy": "fifo"})", "caf.scheduler_policy",
                  {"fifo"});
}

// -- node.actors ----------------------------------------------------------------

TEST(config, duplicate_actor_in_node_actors_is_an_error) {
  expect_names(error_of(R"({"node": {"actors": ["oms", "book", "oms"]}})"),
               "bad.json", "node.actors", {"oms", "twice"});
}

TEST(config, unknown_role_in_node_actors_is_an_error) {
  expect_names(error_of(R"({"node": {"actors": ["oms", "risk"]}})"), "bad.json",
               "node.actors", {"risk"});
}

TEST(config, node_without_actors_is_an_error) {
  expect_names(error_of(R"({"node": {"actors": []}})"), "bad.json", "node.actors");
  expect_names(error_of(R"({})"), "bad.json", "node.actors");
}

// -- rules across keys -------------------------------------------------------------

TEST(config, short_window_not_below_long_window_is_an_error) {
  expect_rejected(R"("strategy": {"short_window": 20, "long_window": 20})",
                  "strategy.short_window", {"long_window"});
  expect_rejected(R"("strategy": {"short_window": 30, "long_window": 20})",
                  "strategy.short_window");
  EXPECT_NO_THROW(parse_config(
    doc_with(R"("strategy": {"short_window": 19, "long_window": 20})"), "ok.json"));
}

TEST(config, sell_threshold_above_buy_threshold_is_an_error) {
  expect_rejected(R"("strategy": {"buy_above": 40, "sell_below": 60})",
                  "strategy.sell_below");
}

TEST(config, bad_shm_names_are_errors) {
  for (auto name : {"trading_book", "/", "/a/b", ""}) {
    auto sections = std::string{R"("book": {"shm_name": ")"} + name + "\"}";
    expect_rejected(sections, "book.shm_name");
  }
  EXPECT_NO_THROW(
    parse_config(doc_with(R"("book": {"shm_name": "/other_book"})"), "ok.json"));
}

TEST(config, empty_log_paths_are_errors) {
  expect_rejected(R"("strategy": {"orders_log": ""})", "strategy.orders_log");
  expect_rejected(R"("oms": {"trades_log": ""})", "oms.trades_log");
}

TEST(config, strategy_without_oms_and_without_an_oms_peer_is_an_error) {
  auto text = R"({"node": {"actors": ["news_feed", "strategy"]}})";
  expect_names(error_of(text), "bad.json", "peers.oms.port", {"oms"});
  auto with_peer = R"({"node": {"actors": ["news_feed", "strategy"]},
                       "peers": {"oms": {"host": "10.0.0.2", "port": 7001}}})";
  auto cfg = parse_config(with_peer, "ok.json");
  EXPECT_EQ(cfg.peers.oms.host, "10.0.0.2");
  EXPECT_EQ(cfg.peers.oms.port, 7001);
}

TEST(config, roles_used_but_not_hosted_need_a_peer_port) {
  // The book needs a price feed; the OMS needs a book.
  expect_names(error_of(R"({"node": {"actors": ["book"]}})"), "bad.json",
               "peers.price_feed.port");
  expect_names(error_of(R"({"node": {"actors": ["oms"]}})"), "bad.json",
               "peers.book.port");
  // A strategy fed by book_update messages needs the book too.
  expect_names(error_of(R"({"node": {"actors": ["news_feed", "strategy", "oms"]},
                            "strategy": {"book_source": "actor"}})"),
               "bad.json", "peers.book.port");
}

// -- --set overrides -------------------------------------------------------------

TEST(config, set_overrides_win_over_the_file) {
  auto cfg = load_config(all_in_one, {"strategy.quantity=25", "node.name=\"n2\""});
  EXPECT_EQ(cfg.strategy.quantity, 25);
  EXPECT_EQ(cfg.node.name, "n2");
}

TEST(config, later_set_overrides_win_over_earlier_ones) {
  auto cfg = load_config(all_in_one, {"strategy.quantity=25", "strategy.quantity=30"});
  EXPECT_EQ(cfg.strategy.quantity, 30);
}

TEST(config, set_value_that_is_not_json_is_taken_as_a_string) {
  auto cfg = load_config(all_in_one, {"strategy.orders_log=/tmp/x",
                                      "oms.trades_log=trades-2.log",
                                      "strategy.book_source=actor",
                                      "peers.book.port=7002"});
  EXPECT_EQ(cfg.strategy.orders_log, "/tmp/x");
  EXPECT_EQ(cfg.oms.trades_log, "trades-2.log");
  EXPECT_EQ(cfg.strategy.book_source, "actor");
}

TEST(config, set_value_that_is_json_keeps_its_type) {
  auto cfg = load_config(all_in_one, {"strategy.poll_us=0", "node.listen=true",
                                      "price_feed.volatility=0.01",
                                      R"(node.actors=["oms","book","price_feed"])"});
  EXPECT_EQ(cfg.strategy.poll_us, 0);
  EXPECT_TRUE(cfg.node.listen);
  EXPECT_DOUBLE_EQ(cfg.price_feed.volatility, 0.01);
  EXPECT_EQ(cfg.node.actors, (std::vector<std::string>{"oms", "book", "price_feed"}));
}

TEST(config, set_on_a_symbol_adds_it_and_keeps_the_others) {
  auto cfg = load_config(all_in_one, {"price_feed.symbols.XYZ=12.5",
                                      "price_feed.symbols.AAPL=180"});
  EXPECT_EQ(cfg.price_feed.symbols.size(), 6u);
  EXPECT_DOUBLE_EQ(cfg.price_feed.symbols.at("XYZ"), 12.5);
  EXPECT_DOUBLE_EQ(cfg.price_feed.symbols.at("AAPL"), 180.0);
  EXPECT_DOUBLE_EQ(cfg.price_feed.symbols.at("MSFT"), 330.0);
}

TEST(config, set_results_are_validated_like_the_file) {
  auto message = error_of(doc_with(""), "base.json",
                          {"strategy.short_window=30", "strategy.long_window=20"});
  expect_names(message, "base.json", "strategy.short_window");
  expect_names(override_error("price_feed.symbols.XYZ=-1"), "--set",
               "price_feed.symbols.XYZ", {"out of range"});
}

TEST(config, set_without_equals_sign_is_an_error_naming_set_and_the_key) {
  auto message = override_error("strategy.poll_us");
  EXPECT_NE(message.find("--set"), std::string::npos) << message;
  EXPECT_NE(message.find("strategy.poll_us"), std::string::npos) << message;
  EXPECT_NE(message.find("KEY=VALUE"), std::string::npos) << message;
  message = override_error("=5");
  EXPECT_NE(message.find("--set"), std::string::npos) << message;
}

TEST(config, set_of_an_unknown_key_is_an_error_naming_set_and_the_key) {
  expect_names(override_error("strategy.nope=1"), "--set", "strategy.nope",
               {"unknown key"});
  expect_names(override_error("nope=1"), "--set", "nope", {"unknown key"});
}

TEST(config, set_with_a_value_of_the_wrong_type_is_an_error_naming_set_and_the_key) {
  expect_names(override_error("strategy.poll_us=abc"), "--set", "strategy.poll_us",
               {"integer", "abc"});
  expect_names(override_error("node.listen=yes"), "--set", "node.listen",
               {"boolean"});
}

// -- printing and the schema -----------------------------------------------------

TEST(config, printed_config_parses_back_into_an_equal_config) {
  auto cfg = load_config(all_in_one, {"strategy.orders_log=/tmp/x",
                                      "price_feed.symbols.XYZ=12.5",
                                      "peers.oms.port=7001", "node.listen=true"});
  auto text = to_json_text(cfg);
  auto again = parse_config(text, "printed.json");
  EXPECT_EQ(to_json_text(again), text);
  EXPECT_EQ(again.strategy.orders_log, "/tmp/x");
  EXPECT_DOUBLE_EQ(again.price_feed.symbols.at("XYZ"), 12.5);
  EXPECT_EQ(again.peers.oms.port, 7001);
  EXPECT_TRUE(again.node.listen);
}

TEST(config, printed_config_does_not_carry_the_source) {
  auto text = to_json_text(load_config(all_in_one));
  EXPECT_EQ(text.find("\"source\""), std::string::npos);
  EXPECT_NE(text.find("\"poll_us\""), std::string::npos);
}

TEST(config, schema_markdown_lists_every_key_with_its_default) {
  auto md = schema_markdown();
  EXPECT_NE(md.find("`strategy.poll_us`"), std::string::npos);
  EXPECT_NE(md.find("`oms.trades_log`"), std::string::npos);
  EXPECT_NE(md.find("`\"trades.log\"`"), std::string::npos);
  EXPECT_NE(md.find("`peers.oms.port`"), std::string::npos);
  EXPECT_EQ(md.rfind("| key |", 0), 0u);
}

} // namespace trading

// -- regressions found in review ------------------------------------------------

TEST(ConfigRegressions, IntegerAboveInt64IsOutOfRangeNotWrapped) {
  try {
    trading::parse_config(R"({"node":{"actors":["price_feed"]},"price_feed":{"seed":18446744073709551615}})",
                          "big.json");
    FAIL() << "accepted";
  } catch (const trading::config_error& e) {
    std::string what = e.what();
    EXPECT_NE(what.find("price_feed.seed"), std::string::npos) << what;
    EXPECT_NE(what.find("18446744073709551615"), std::string::npos) << what;
  }
}

TEST(ConfigRegressions, DuplicateKeyIsRefusedByName) {
  try {
    trading::parse_config(R"({"node":{"actors":["oms"]},"node":{"name":"x"}})", "dup.json");
    FAIL() << "accepted";
  } catch (const trading::config_error& e) {
    std::string what = e.what();
    EXPECT_NE(what.find("dup.json"), std::string::npos) << what;
    EXPECT_NE(what.find("'node' appears twice"), std::string::npos) << what;
  }
}
