// The node config: the shipped config loads, every kind of mistake is a
// config_error that names the file (or --set) and the key, --set overrides, and
// the printed config reads back as the same config.
#include "nodes/config.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <initializer_list>
#include <stdexcept>
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
  EXPECT_EQ(cfg.node.stats_interval_ms, 1000);
  EXPECT_EQ(cfg.caf.scheduler_policy, "sharing");
  EXPECT_EQ(cfg.caf.max_threads, 2);
  EXPECT_EQ(cfg.price_feed.start_prices.size(), 5u);
  EXPECT_DOUBLE_EQ(cfg.price_feed.start_prices.at("AAPL"), 175.0);
  EXPECT_EQ(cfg.price_feed.interval_us, 100000);
  EXPECT_EQ(cfg.price_feed.seed, 42);
  EXPECT_EQ(cfg.news_feed.interval_ms, 200);
  EXPECT_EQ(cfg.news_feed.seed, 7);
  EXPECT_EQ(cfg.book.shm_name, "/trading_book");
  EXPECT_EQ(cfg.strategy.book_source, "shm");
  EXPECT_EQ(cfg.strategy.poll_us, 100);
  EXPECT_EQ(cfg.strategy.short_window, 5);
  EXPECT_EQ(cfg.strategy.long_window, 20);
  EXPECT_EQ(cfg.strategy.quantity, 10);
  EXPECT_EQ(cfg.strategy.orders_log, "orders.log");
  EXPECT_EQ(cfg.oms.book_source, "shm");
  EXPECT_EQ(cfg.oms.trades_log, "trades.log");
}

TEST(config, keys_missing_from_the_file_keep_their_defaults) {
  auto cfg = parse_config(doc_with(""), "minimal.json");
  node_config defaults;
  EXPECT_EQ(cfg.source, "minimal.json");
  EXPECT_EQ(cfg.strategy.poll_us, defaults.strategy.poll_us);
  EXPECT_EQ(cfg.oms.max_quantity, defaults.oms.max_quantity);
  EXPECT_EQ(cfg.price_feed.start_prices, defaults.price_feed.start_prices);
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

// caf.io_thread_roles: each named role's settings carry its home; the edge (a
// broker there already) cannot be named, nor a strategy that does not spin (it
// runs the node's loop between its looks at the book, so it must keep looking).
TEST(config, io_thread_roles_set_the_home_of_exactly_the_roles_named) {
  auto cfg = parse_config(
    R"({"node": {"actors": ["price_feed", "news_feed", "book", "strategy", "oms"]},
        "caf": {"io_thread_roles": ["book", "oms"]}})", "test");
  EXPECT_EQ(cfg.book.home, actor_home::io_thread);
  EXPECT_EQ(cfg.oms.home, actor_home::io_thread);
  EXPECT_EQ(cfg.price_feed.home, actor_home::scheduler);
  EXPECT_EQ(cfg.news_feed.home, actor_home::scheduler);
  EXPECT_EQ(parse_config(R"({"node": {"actors": ["price_feed"]}})", "test").price_feed.home,
            actor_home::scheduler);
}

TEST(config, io_thread_roles_take_a_spinning_strategy) {
  auto cfg = parse_config(
    doc_with(R"("strategy": {"poll_us": 0}, "caf": {"io_thread_roles": ["strategy"]})"),
    "test");
  EXPECT_EQ(cfg.strategy.home, actor_home::io_thread);
  EXPECT_EQ(cfg.oms.home, actor_home::scheduler);
  EXPECT_EQ(parse_config(doc_with(R"("strategy": {"poll_us": 0})"), "test").strategy.home,
            actor_home::scheduler);
}

// The strategy runs its node's loop: nothing else of the node may run on it.
TEST(config, io_thread_roles_refuse_another_role_on_the_loop_the_strategy_runs) {
  expect_rejected(R"("strategy": {"poll_us": 0}, "caf": {"io_thread_roles": ["strategy", "oms"]})",
                  "caf.io_thread_roles", {"oms", "strategy's passes"});
  expect_names(error_of(R"({"node": {"actors": ["strategy", "edge"]},
                             "strategy": {"poll_us": 0},
                             "caf": {"io_thread_roles": ["strategy"]}})"),
               "bad.json", "caf.io_thread_roles", {"edge", "strategy's passes"});
}

TEST(config, io_thread_roles_refuse_the_edge_and_a_strategy_that_waits) {
  expect_rejected(R"("caf": {"io_thread_roles": ["edge"]})", "caf.io_thread_roles",
                  {"edge", "price_feed | news_feed | book | oms | strategy"});
  for (auto waits : {R"("strategy": {"poll_us": 100})",
                     R"("strategy": {"poll_us": 0, "wait": "futex"})",
                     R"("strategy": {"poll_us": 0, "book_source": "actor"})"})
    expect_rejected(std::string{waits} + R"(, "caf": {"io_thread_roles": ["strategy"]})",
                    "caf.io_thread_roles", {"spins", "strategy.poll_us=0"});
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
  auto cfg = parse_config(
    doc_with(R"("strategy": {"short_window": 19, "long_window": 20})"), "ok.json");
  EXPECT_EQ(cfg.strategy.short_window, 19);
  EXPECT_EQ(cfg.strategy.long_window, 20);
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
  auto cfg = parse_config(doc_with(R"("book": {"shm_name": "/other_book"})"), "ok.json");
  EXPECT_EQ(cfg.book.shm_name, "/other_book");
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
  EXPECT_EQ(cfg.peer("oms").host, "10.0.0.2");
  EXPECT_EQ(cfg.peer("oms").port, 7001);
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
  EXPECT_EQ(cfg.peer("book").port, 7002);
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
  EXPECT_EQ(cfg.price_feed.start_prices.size(), 6u);
  EXPECT_DOUBLE_EQ(cfg.price_feed.start_prices.at("XYZ"), 12.5);
  EXPECT_DOUBLE_EQ(cfg.price_feed.start_prices.at("AAPL"), 180.0);
  EXPECT_DOUBLE_EQ(cfg.price_feed.start_prices.at("MSFT"), 330.0);
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
  EXPECT_DOUBLE_EQ(again.price_feed.start_prices.at("XYZ"), 12.5);
  EXPECT_EQ(again.peer("oms").port, 7001);
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

// -- new keys ---------------------------------------------------------------------

TEST(config, new_keys_have_their_defaults) {
  node_config cfg;
  EXPECT_EQ(cfg.node.log_level, "info");
  EXPECT_TRUE(cfg.instruments.symbols.empty());
  EXPECT_EQ(cfg.news_feed.positive_above, 60);
  EXPECT_EQ(cfg.news_feed.negative_below, 40);
  EXPECT_EQ(cfg.strategy.timed_out_window, 10000);
  EXPECT_EQ(cfg.oms.dedup_window, 100000);
}

TEST(config, new_keys_are_read_from_the_file) {
  auto cfg = parse_config(R"({"node": {"actors": ["price_feed", "news_feed",
                                       "book", "strategy", "oms"], "log_level": "debug"},
                                      "instruments": {"symbols": ["MSFT", "AAPL"]},
                                      "price_feed": {"symbols": {"AAPL": 1, "MSFT": 2}},
                                      "news_feed": {"positive_above": 70, "negative_below": 30},
                                      "strategy": {"timed_out_window": 5},
                                      "oms": {"dedup_window": 7}})",
                          "new.json");
  EXPECT_EQ(cfg.node.log_level, "debug");
  EXPECT_EQ(cfg.instruments.symbols, (std::vector<std::string>{"MSFT", "AAPL"}));
  EXPECT_EQ(cfg.news_feed.positive_above, 70);
  EXPECT_EQ(cfg.news_feed.negative_below, 30);
  EXPECT_EQ(cfg.strategy.timed_out_window, 5);
  EXPECT_EQ(cfg.oms.dedup_window, 7);
}

TEST(config, new_keys_are_set_by_overrides) {
  auto cfg = load_config(all_in_one, {"node.log_level=warn", "news_feed.positive_above=90",
                                      "news_feed.negative_below=10",
                                      "strategy.timed_out_window=10000000",
                                      "oms.dedup_window=100000000",
                                      R"(instruments.symbols=["AAPL","MSFT","GOOGL","AMZN","META"])"});
  EXPECT_EQ(cfg.node.log_level, "warn");
  EXPECT_EQ(cfg.news_feed.positive_above, 90);
  EXPECT_EQ(cfg.news_feed.negative_below, 10);
  EXPECT_EQ(cfg.strategy.timed_out_window, 10000000);
  EXPECT_EQ(cfg.oms.dedup_window, 100000000);
  EXPECT_EQ(cfg.instruments.symbols.size(), 5u);
}

TEST(config, new_keys_outside_their_ranges_are_errors) {
  expect_names(error_of(R"({"node": {"actors": ["price_feed", "book"],
                                     "log_level": "verbose"}})"),
               "bad.json", "node.log_level", {"verbose", "debug", "error"});
  expect_rejected(R"("news_feed": {"positive_above": 101})", "news_feed.positive_above",
                  {"out of range"});
  expect_rejected(R"("news_feed": {"negative_below": -1})", "news_feed.negative_below",
                  {"out of range"});
  expect_rejected(R"("strategy": {"timed_out_window": 0})", "strategy.timed_out_window",
                  {"out of range"});
  expect_rejected(R"("strategy": {"timed_out_window": 10000001})",
                  "strategy.timed_out_window", {"out of range"});
  expect_rejected(R"("oms": {"dedup_window": 0})", "oms.dedup_window", {"out of range"});
  expect_rejected(R"("oms": {"dedup_window": 100000001})", "oms.dedup_window",
                  {"out of range"});
  expect_rejected(R"("instruments": {"symbols": "AAPL"})", "instruments.symbols",
                  {"array"});
}

TEST(config, negative_label_threshold_above_the_positive_one_is_an_error) {
  expect_rejected(R"("news_feed": {"positive_above": 40, "negative_below": 60})",
                  "news_feed.negative_below", {"positive_above"});
  auto cfg = parse_config(
    doc_with(R"("news_feed": {"positive_above": 50, "negative_below": 50})"), "ok.json");
  EXPECT_EQ(cfg.news_feed.positive_above, 50);
  EXPECT_EQ(cfg.news_feed.negative_below, 50);
}

// -- instruments ------------------------------------------------------------------

TEST(config, without_instruments_the_universe_is_the_sorted_start_price_keys) {
  auto cfg = load_config(all_in_one);
  std::vector<std::string> sorted{"AAPL", "AMZN", "GOOGL", "META", "MSFT"};
  EXPECT_TRUE(cfg.instruments.symbols.empty());
  EXPECT_EQ(cfg.price_feed.instruments, sorted);
  EXPECT_EQ(cfg.strategy.instruments, sorted);
  EXPECT_EQ(cfg.oms.instruments, sorted);
}

TEST(config, set_on_a_start_price_extends_the_universe_without_instruments) {
  auto cfg = load_config(all_in_one, {"price_feed.symbols.TSLA=250"});
  EXPECT_DOUBLE_EQ(cfg.price_feed.start_prices.at("TSLA"), 250.0);
  EXPECT_EQ(cfg.oms.instruments.size(), 6u);
  EXPECT_NE(std::find(cfg.strategy.instruments.begin(), cfg.strategy.instruments.end(),
                      "TSLA"),
            cfg.strategy.instruments.end());
}

TEST(config, instruments_keep_their_order) {
  auto cfg = parse_config(doc_with(R"("instruments": {"symbols": ["MSFT", "AAPL"]},
                                      "price_feed": {"symbols": {"AAPL": 1, "MSFT": 2}})"),
                          "ok.json");
  std::vector<std::string> given{"MSFT", "AAPL"};
  EXPECT_EQ(cfg.price_feed.instruments, given);
  EXPECT_EQ(cfg.strategy.instruments, given);
  EXPECT_EQ(cfg.oms.instruments, given);
}

TEST(config, an_instrument_without_a_start_price_is_an_error_naming_it) {
  expect_rejected(R"("instruments": {"symbols": ["AAPL", "TSLA"]},
                     "price_feed": {"symbols": {"AAPL": 1}})",
                  "instruments.symbols", {"TSLA", "start price"});
}

TEST(config, instruments_pick_from_the_start_prices_and_only_they_trade) {
  auto cfg = parse_config(doc_with(R"("instruments": {"symbols": ["AAPL"]},
                     "price_feed": {"symbols": {"AAPL": 1, "MSFT": 2}})"), "t.json");
  EXPECT_EQ(cfg.price_feed.instruments, std::vector<std::string>{"AAPL"});
  EXPECT_EQ(cfg.oms.instruments, std::vector<std::string>{"AAPL"});
  // With the default start prices (five symbols), one instrument is fine too.
  auto one = parse_config(doc_with(R"("instruments": {"symbols": ["META"]})"), "t.json");
  EXPECT_EQ(one.strategy.instruments, std::vector<std::string>{"META"});
}

TEST(config, an_instrument_listed_twice_is_an_error) {
  expect_rejected(R"("instruments": {"symbols": ["AAPL", "AAPL"]},
                     "price_feed": {"symbols": {"AAPL": 1}})",
                  "instruments.symbols", {"twice"});
}

TEST(config, no_symbols_at_all_is_an_error) {
  expect_rejected(R"("price_feed": {"symbols": {}})", "price_feed.symbols",
                  {"at least one"});
}

// -- fields the node fills -----------------------------------------------------------

TEST(config, node_fills_the_book_and_drain_fields_of_the_actor_settings) {
  auto cfg = parse_config(R"({"book": {"shm_name": "/b2", "stale_after_ms": 333},
                              "node": {"actors": ["price_feed", "news_feed", "book",
                                       "strategy", "oms"], "drain_timeout_ms": 4444}})",
                          "ok.json");
  EXPECT_EQ(cfg.strategy.book_shm_name, "/b2");
  EXPECT_EQ(cfg.oms.book_shm_name, "/b2");
  EXPECT_EQ(cfg.strategy.book_stale_after_ms, 333);
  EXPECT_EQ(cfg.oms.book_stale_after_ms, 333);
  EXPECT_EQ(cfg.strategy.drain_timeout_ms, 4444);
}

TEST(config, printed_config_shows_instruments_as_given_and_no_filled_fields) {
  auto text = to_json_text(load_config(all_in_one));
  EXPECT_NE(text.find("\"instruments\": {\n    \"symbols\": []"), std::string::npos)
    << text;
  auto given = to_json_text(load_config(
    all_in_one, {R"(instruments.symbols=["MSFT","AAPL","GOOGL","AMZN","META"])"}));
  EXPECT_NE(given.find("\"MSFT\",\n      \"AAPL\""), std::string::npos) << given;
  EXPECT_EQ(parse_config(given, "printed.json").oms.instruments.front(), "MSFT");
  for (auto filled : {"book_shm_name", "book_stale_after_ms", "start_prices"})
    EXPECT_EQ(text.find(filled), std::string::npos) << filled;
  EXPECT_EQ(text.find("\"drain_timeout_ms\""), text.rfind("\"drain_timeout_ms\""));
}

// -- the topology ------------------------------------------------------------------

TEST(config, known_roles_are_the_topology_roles_in_order) {
  EXPECT_EQ(known_roles(), (std::vector<std::string>{"price_feed", "news_feed", "book",
                                                     "strategy", "oms", "edge"}));
}

TEST(config, peers_are_the_producer_roles) {
  node_config cfg;
  std::vector<std::string> roles;
  for (auto& entry : cfg.peers)
    roles.push_back(entry.first);
  EXPECT_EQ(roles, (std::vector<std::string>{"book", "news_feed", "oms", "price_feed"}));
  EXPECT_EQ(cfg.peer("oms").host, "127.0.0.1");
  EXPECT_EQ(cfg.peer("oms").port, 0);
  EXPECT_THROW(cfg.peer("strategy"), std::out_of_range);
}

TEST(config, string_value_reads_a_string_key_by_path) {
  auto cfg = load_config(all_in_one, {"strategy.book_source=actor"});
  EXPECT_EQ(cfg.string_value("strategy.book_source"), "actor");
  EXPECT_EQ(cfg.string_value("oms.book_source"), "shm");
  EXPECT_THROW(cfg.string_value("strategy.poll_us"), config_error);
  EXPECT_THROW(cfg.string_value("strategy.nope"), config_error);
}

TEST(config, consumed_streams_skip_a_book_read_from_shm) {
  using streams = std::vector<std::pair<std::string, std::string>>;
  auto shm = load_config(all_in_one); // both book sources shm
  EXPECT_EQ(consumed_streams(shm),
            (streams{{"book", "ticks"},
                     {"strategy", "sentiment"},
                     {"strategy", "orders"},
                     {"edge", "book"},
                     {"edge", "sentiment"},
                     {"edge", "orders"}}));
  auto actor = load_config(all_in_one, {"strategy.book_source=actor",
                                        "oms.book_source=actor"});
  EXPECT_EQ(consumed_streams(actor),
            (streams{{"book", "ticks"},
                     {"strategy", "sentiment"},
                     {"strategy", "orders"},
                     {"strategy", "book"},
                     {"oms", "book"},
                     {"edge", "book"},
                     {"edge", "sentiment"},
                     {"edge", "orders"}}));
}

TEST(config, strategy_needs_oms_when_oms_is_not_hosted) {
  auto message = error_of(R"({"node": {"actors": ["news_feed", "book", "price_feed",
                                                  "strategy"]}})");
  expect_names(message, "bad.json", "peers.oms.port",
               {"strategy needs oms, which this node does not host: name its node's port"});
}

TEST(config, oms_reading_the_book_as_messages_needs_the_book) {
  auto message = error_of(R"({"node": {"actors": ["oms"]}, "oms": {"book_source": "actor"}})");
  expect_names(message, "bad.json", "peers.book.port",
               {"oms needs book, which this node does not host: name its node's port"});
  auto cfg = parse_config(R"({"node": {"actors": ["oms"]}, "oms": {"book_source": "actor"},
                              "peers": {"book": {"port": 7002}}})",
                          "ok.json");
  EXPECT_EQ(cfg.peer("book").port, 7002);
}

TEST(config, oms_reading_the_book_from_shm_does_not_need_the_book) {
  auto cfg = parse_config(R"({"node": {"actors": ["oms"]}, "oms": {"book_source": "shm"}})",
                          "ok.json");
  EXPECT_EQ(cfg.oms.book_source, "shm");
  EXPECT_TRUE(consumed_streams(cfg).empty());
}

// -- defect 6: numbers no cast can hold ----------------------------------------------

TEST(config, huge_numbers_are_out_of_range_errors_not_undefined_behaviour) {
  expect_names(override_error("price_feed.volatility=1e300"), "--set",
               "price_feed.volatility", {"out of range"});
  expect_names(override_error("price_feed.volatility=-1e300"), "--set",
               "price_feed.volatility", {"out of range"});
  expect_names(override_error("price_feed.symbols.AAPL=1e300"), "--set",
               "price_feed.symbols.AAPL", {"out of range"});
  expect_names(override_error("strategy.quantity=1e300"), "--set", "strategy.quantity",
               {"integer"});
  expect_names(override_error("strategy.quantity=-1e300"), "--set", "strategy.quantity",
               {"integer"});
  expect_rejected(R"("price_feed": {"volatility": 1e300})", "price_feed.volatility",
                  {"out of range"});
  expect_rejected(R"("strategy": {"quantity": -1e300})", "strategy.quantity",
                  {"integer"});
}

TEST(config, a_number_that_overflows_a_double_is_an_error_naming_the_key) {
  // nlohmann refuses 1e400 (out_of_range 406) rather than making it inf.
  expect_rejected(R"("price_feed": {"volatility": 1e400})", "price_feed.volatility",
                  {"finite"});
  expect_rejected(R"("price_feed": {"spread_bps": -1e400})", "price_feed.spread_bps",
                  {"finite"});
  // In --set it does not parse as JSON, so it is a string where a number belongs.
  expect_names(override_error("price_feed.volatility=1e400"), "--set",
               "price_feed.volatility", {"number", "string"});
  expect_names(override_error("price_feed.volatility=NaN"), "--set",
               "price_feed.volatility", {"number"});
}

// -- defect 9: input that must not crash -------------------------------------------------

TEST(config, a_set_value_that_is_not_utf8_is_an_error_naming_the_key) {
  auto message = override_error("node.name=ab\xff");
  expect_names(message, "--set", "node.name", {"UTF-8"});
  expect_names(override_error("price_feed.symbols.A\xff=1"), "--set", "price_feed.symbols");
  expect_names(override_error("strategy.quantity=\xff"), "--set", "strategy.quantity");
  // The key is quoted printably: its bad byte shows as \xFF.
  expect_names(override_error("nope\xff=1"), "--set", "nope\\xFF", {"unknown key"});
}

TEST(config, a_file_string_that_is_not_utf8_is_an_error) {
  auto message = error_of(doc_with("\"strategy\": {\"orders_log\": \"a\xff\"}"));
  EXPECT_NE(message.find("bad.json"), std::string::npos) << message;
}

TEST(config, deep_nesting_is_refused_before_parsing_and_not_printed) {
  std::string deep(100000, '[');
  auto message = override_error("node.actors=" + deep + std::string(100000, ']'));
  expect_names(message, "--set", "node.actors", {"deeper than 32"});
  EXPECT_LT(message.size(), 400u) << message;
  message = error_of(doc_with("\"strategy\": {\"quantity\": " + deep + "}"));
  expect_names(message, "bad.json", "strategy.quantity", {"deeper than 32"});
  EXPECT_LT(message.size(), 400u);
  // 32 levels are fine as far as nesting goes (the value is still the wrong type).
  auto ok_depth = std::string(31, '[') + std::string(31, ']');
  expect_names(override_error("node.actors=" + ok_depth), "--set", "node.actors",
               {"string"});
}

TEST(config, error_messages_quote_at_most_80_characters_of_a_value) {
  std::string big(100000, 'x');
  auto message = override_error("strategy.quantity=" + big);
  expect_names(message, "--set", "strategy.quantity", {"..."});
  EXPECT_LT(message.size(), 400u);
  message = error_of(doc_with("\"strategy\": {\"quantity\": \"" + big + "\"}"));
  EXPECT_LT(message.size(), 400u);
}

TEST(config, strings_have_a_length_cap) {
  auto cfg = load_config(all_in_one, {"node.name=" + std::string(64, 'n')});
  EXPECT_EQ(cfg.node.name.size(), 64u);
  auto message = override_error("node.name=" + std::string(65, 'n'));
  expect_names(message, "--set", "node.name", {"65 bytes", "64"});
  message = override_error("node.name=" + std::string(50 << 20, 'n'));
  expect_names(message, "--set", "node.name", {"at most 64"});
  EXPECT_LT(message.size(), 400u);
  expect_names(override_error("node.results_file=" + std::string(4097, 'r')), "--set",
               "node.results_file", {"4096"});
  expect_names(override_error("peers.oms.host=" + std::string(256, 'h')), "--set",
               "peers.oms.host", {"255"});
  EXPECT_NE(schema_markdown().find("at most 64 bytes"), std::string::npos);
}

// -- defect 10: one rule for symbols and shm names ------------------------------------

TEST(config, symbols_the_oms_would_reject_are_config_errors) {
  for (auto symbol : {"A B", "\xc3\xa9t\xc3\xa9", "aapl", "TOO_LONG_SYMBOL_X"}) {
    SCOPED_TRACE(symbol);
    expect_rejected(std::string{R"("price_feed": {"symbols": {")"} + symbol + "\": 1}}",
                    "price_feed.symbols");
    expect_rejected(std::string{R"("instruments": {"symbols": [")"} + symbol + "\"]}",
                    "instruments.symbols");
  }
  expect_names(override_error("price_feed.symbols.A B=1"), "--set", "price_feed.symbols",
               {"A-Z"});
  auto cfg = load_config(all_in_one, {"price_feed.symbols.BRK.B=400"});
  EXPECT_DOUBLE_EQ(cfg.price_feed.start_prices.at("BRK.B"), 400.0);
}

TEST(config, shm_names_follow_the_shared_rule) {
  for (auto name : {"/a b", "/\xc3\xa9", "/..", "/."}) {
    SCOPED_TRACE(name);
    expect_rejected(std::string{R"("book": {"shm_name": ")"} + name + "\"}",
                    "book.shm_name");
  }
}

// -- the schema lists every key -------------------------------------------------------

TEST(config, schema_markdown_contains_every_key) {
  auto md = schema_markdown();
  for (auto key : {"node.name", "node.actors", "node.listen", "node.host", "node.port",
                   "node.stats_interval_ms", "node.reconnect_min_ms",
                   "node.reconnect_max_ms", "node.drain_timeout_ms", "node.results_file",
                   "node.warmup_ms", "node.cpus", "node.log_level",
                   "node.tls.certificate", "node.tls.key", "node.tls.ca_file",
                   "node.tls.passphrase", "node.tls.handshake_timeout_ms",
                   "node.allow_plaintext_remote", "node.counters", "node.backtest",
                   "node.http_port", "node.http_max_clients",
                   "caf.scheduler_policy", "caf.max_threads", "caf.aggressive_polling",
                   "caf.middleman_workers", "caf.heartbeat_interval_ms",
                   "caf.connection_timeout_ms", "instruments.symbols",
                   "price_feed.symbols", "price_feed.interval_us", "price_feed.seed",
                   "price_feed.volatility", "price_feed.spread_bps", "price_feed.batch",
                   "price_feed.ticks_per_interval", "price_feed.replay",
                   "price_feed.speed", "news_feed.per_symbol", "news_feed.replay",
                   "strategy.kind", "strategy.threshold_pct", "news_feed.interval_ms",
                   "news_feed.seed", "news_feed.start_sentiment", "news_feed.step",
                   "news_feed.jump", "news_feed.jump_probability",
                   "news_feed.positive_above", "news_feed.negative_below",
                   "book.shm_name", "book.heartbeat_ms", "book.stale_after_ms",
                   "strategy.book_source", "strategy.poll_us", "strategy.wait",
                   "strategy.spin_us", "strategy.short_window",
                   "strategy.long_window", "strategy.quantity", "strategy.buy_above",
                   "strategy.sell_below", "strategy.orders_log",
                   "strategy.order_timeout_ms", "strategy.cpu",
                   "strategy.timed_out_window", "strategy.account", "oms.book_source",
                   "oms.trades_log", "oms.max_quantity", "oms.dedup_window", "oms.fsync",
                   "oms.fsync_interval_ms", "oms.risk.max_position",
                   "oms.risk.max_orders_per_s", "oms.risk.price_band_bps",
                   "oms.slippage_bps", "oms.slippage_seed", "oms.fee_per_share",
                   "oms.report", "strategy.limit_tolerance_bps", "peers.price_feed.host",
                   "peers.price_feed.port", "peers.news_feed.host", "peers.news_feed.port",
                   "peers.book.host", "peers.book.port", "peers.oms.host",
                   "peers.oms.port", "edge.host", "edge.price_port", "edge.news_port",
                   "edge.order_port", "edge.gateway_port", "edge.oms_port",
                   "edge.client_buffer_kb", "edge.order_timeout_ms",
                   "node.cpu_dma_latency_us", "strategy.sched_policy",
                   "strategy.warm_us", "caf.io_thread_roles"})
    EXPECT_NE(md.find(std::string{"| `"} + key + "` |"), std::string::npos) << key;
  // ... and nothing else: one row per key plus the two header lines.
  EXPECT_EQ(std::count(md.begin(), md.end(), '\n'), 102 + 2);
  EXPECT_NE(md.find("order ids given up on (outside the OMS dedup window) kept to "
                    "recognize a late outcome"),
            std::string::npos);
  EXPECT_NE(md.find("recent order ids answered from the journal, never executed twice"),
            std::string::npos);
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

namespace trading {

// -- durability and accounts ------------------------------------------------------------

TEST(config, oms_fsync_takes_only_its_three_modes) {
  for (auto mode : {"none", "every", "interval"}) {
    auto cfg = parse_config(doc_with(""), "base.json",
                            {std::string{"oms.fsync="} + mode,
                             "oms.fsync_interval_ms=5"});
    EXPECT_EQ(cfg.oms.fsync, mode);
    EXPECT_EQ(cfg.oms.fsync_interval_ms, 5);
  }
  expect_names(override_error("oms.fsync=sometimes"), "--set", "oms.fsync");
  expect_names(override_error("oms.fsync_interval_ms=0"), "--set",
               "oms.fsync_interval_ms");
}

TEST(config, strategy_account_is_printable_without_spaces_and_reaches_the_strategy) {
  auto cfg = parse_config(doc_with(""), "base.json",
                          {"strategy.account=desk-7", "oms.dedup_window=500"});
  EXPECT_EQ(cfg.strategy.account, "desk-7");
  EXPECT_EQ(cfg.strategy.oms_dedup_window, 500);
  expect_names(override_error("strategy.account=two words"), "--set",
               "strategy.account", {"printable"});
}

TEST(config, tls_keys_come_together_and_a_remote_listen_needs_tls_or_an_opt_in) {
  expect_names(override_error("node.tls.certificate=/x/node.crt"), "base.json",
               "node.tls.key", {"together"});
  auto with = [](std::vector<std::string> sets) {
    sets.insert(sets.begin(), "node.listen=true");
    return parse_config(doc_with(""), "base.json", sets);
  };
  try {
    with({"node.host=0.0.0.0"});
    ADD_FAILURE() << "a plaintext listen on 0.0.0.0 was accepted";
  } catch (const config_error& e) {
    EXPECT_NE(std::string{e.what()}.find("refusing to listen on 0.0.0.0 without TLS"),
              std::string::npos)
      << e.what();
  }
  for (auto host : {"127.0.0.1", "127.1.2.3", "localhost", "::1"})
    EXPECT_NO_THROW(with({std::string{"node.host="} + host})) << host;
  EXPECT_TRUE(with({"node.host=0.0.0.0", "node.allow_plaintext_remote=true"})
                .node.allow_plaintext_remote);
  auto tls = with({"node.host=0.0.0.0", "node.tls.certificate=a.crt",
                   "node.tls.key=a.key", "node.tls.ca_file=ca.crt"});
  EXPECT_TRUE(tls.node.tls.enabled());
  EXPECT_EQ(tls.node.tls.handshake_timeout_ms, 2000);
}

// -- the edge ----------------------------------------------------------------------

TEST(config, edge_listeners_are_off_until_a_port_is_set) {
  auto cfg = load_config(all_in_one);
  EXPECT_TRUE(cfg.hosts("edge"));
  EXPECT_FALSE(cfg.edge.price_port.has_value());
  EXPECT_FALSE(cfg.edge.oms_port.has_value());
  auto on = load_config(all_in_one, {"edge.price_port=5001", "edge.oms_port=0"});
  EXPECT_EQ(on.edge.price_port, std::optional<std::int64_t>{5001});
  EXPECT_EQ(on.edge.oms_port, std::optional<std::int64_t>{0});
  EXPECT_FALSE(on.edge.news_port.has_value());
  auto off = load_config(all_in_one, {"edge.price_port=5001", "edge.price_port=null"});
  EXPECT_FALSE(off.edge.price_port.has_value());
  EXPECT_THROW(load_config(all_in_one, {"edge.price_port=70000"}), config_error);
  EXPECT_THROW(load_config(all_in_one, {"edge.price_port=\"x\""}), config_error);
}

TEST(config, edge_refuses_a_non_loopback_host_without_the_plaintext_opt_in) {
  try {
    load_config(all_in_one, {"edge.host=0.0.0.0"});
    FAIL() << "accepted";
  } catch (const config_error& e) {
    EXPECT_NE(std::string{e.what()}.find("edge.host"), std::string::npos) << e.what();
  }
  auto cfg = load_config(all_in_one,
                         {"edge.host=0.0.0.0", "node.allow_plaintext_remote=true"});
  EXPECT_EQ(cfg.edge.host, "0.0.0.0");
}

// -- replay and backtest -------------------------------------------------------------

TEST(config, replay_paths_resolve_against_the_config_files_directory) {
  auto replay = std::string{TRADING_SOURCE_DIR} + "/configs/replay.json";
  auto cfg = load_config(replay);
  EXPECT_EQ(cfg.price_feed.replay,
            std::string{TRADING_SOURCE_DIR} + "/configs/../examples/replay/prices.csv");
  EXPECT_EQ(cfg.news_feed.replay,
            std::string{TRADING_SOURCE_DIR} + "/configs/../examples/replay/news.csv");
  EXPECT_TRUE(cfg.node.backtest);
  EXPECT_TRUE(cfg.strategy.backtest);
  EXPECT_TRUE(cfg.price_feed.backtest);
  EXPECT_TRUE(cfg.news_feed.backtest);
  auto absolute = load_config(replay, {"price_feed.replay=/data/p.csv"});
  EXPECT_EQ(absolute.price_feed.replay, "/data/p.csv");
  // The walk needs no file: nothing to resolve.
  EXPECT_EQ(load_config(all_in_one).price_feed.replay, "");
}

TEST(config, a_backtest_needs_one_process_both_replays_speed_0_and_its_book_sources) {
  auto replay = std::string{TRADING_SOURCE_DIR} + "/configs/replay.json";
  auto refused = [&](const std::string& set, const char* key) {
    try {
      load_config(replay, {set});
      ADD_FAILURE() << "accepted " << set;
    } catch (const config_error& e) {
      EXPECT_NE(std::string{e.what()}.find(key), std::string::npos) << e.what();
    }
  };
  refused("node.actors=[\"price_feed\",\"news_feed\",\"book\",\"strategy\"]",
          "must host oms");
  refused("news_feed.replay=", "news_feed.replay");
  refused("price_feed.speed=1", "price_feed.speed");
  refused("strategy.book_source=shm", "strategy.book_source");
  refused("oms.book_source=actor", "oms.book_source");
  EXPECT_NO_THROW(load_config(replay, {"node.backtest=false", "price_feed.speed=10"}));
}

TEST(config, strategy_kind_is_ma_sentiment_or_threshold) {
  EXPECT_EQ(load_config(all_in_one).strategy.kind, "ma_sentiment");
  auto cfg = load_config(all_in_one, {"strategy.kind=threshold",
                                      "strategy.threshold_pct=0.25"});
  EXPECT_EQ(cfg.strategy.kind, "threshold");
  EXPECT_DOUBLE_EQ(cfg.strategy.threshold_pct, 0.25);
  EXPECT_THROW(load_config(all_in_one, {"strategy.kind=momentum"}), config_error);
  EXPECT_THROW(load_config(all_in_one, {"strategy.threshold_pct=-1"}), config_error);
}

TEST(config, per_symbol_news_reaches_the_news_feed_with_the_instruments) {
  auto cfg = load_config(all_in_one, {"news_feed.per_symbol=true"});
  EXPECT_TRUE(cfg.news_feed.per_symbol);
  EXPECT_EQ(cfg.news_feed.instruments, cfg.strategy.instruments);
  EXPECT_EQ(cfg.news_feed.instruments.size(), 5u);
}

} // namespace trading
