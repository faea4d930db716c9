// The node configuration: one schema for every node. A JSON file is read into these
// plain structs and validated strictly before any actor starts; `--set a.b=value`
// overrides single keys. No CAF here: tests, benchmarks and tools include it freely.
#pragma once

#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace trading {

/// Every problem with a config: the message names the file (or --set) and the key.
struct config_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct endpoint {
  std::string host = "127.0.0.1";
  std::int64_t port = 0; // 0: not configured
};

struct node_section {
  std::string name = "node";
  /// Roles hosted here: price_feed, news_feed, book, strategy, oms.
  std::vector<std::string> actors;
  bool listen = false; // publish the entry actor on host:port
  std::string host = "127.0.0.1";
  std::int64_t port = 0; // 0 picks a free port (printed at start)
  std::int64_t stats_interval_ms = 1000;
  std::int64_t reconnect_min_ms = 100;
  std::int64_t reconnect_max_ms = 2000;
  std::int64_t drain_timeout_ms = 2000;
  /// On exit, write counters and latency percentiles here as JSON ("" = no).
  std::string results_file;
  /// Rates in the results file are measured after this warm-up.
  std::int64_t warmup_ms = 1000;
  /// CPUs this process (and every thread CAF starts) may run on; empty = all.
  std::vector<std::int64_t> cpus;
};

struct caf_section {
  std::string scheduler_policy = "sharing";
  std::int64_t max_threads = 2;
  /// Spin the stealing scheduler's workers (lowest latency, burns a core each).
  bool aggressive_polling = false;
  std::int64_t middleman_workers = 0;
  std::int64_t heartbeat_interval_ms = 100;
  std::int64_t connection_timeout_ms = 1000;
};

struct price_feed_section {
  std::map<std::string, double> symbols{{"AAPL", 175.0}, {"MSFT", 330.0},
                                        {"GOOGL", 140.0}, {"AMZN", 145.0},
                                        {"META", 350.0}};
  std::int64_t interval_us = 100'000;
  std::int64_t seed = 42;
  double volatility = 0.001;
  double spread_bps = 2.0;
  /// Ticks of one interval go out as one tick_batch message.
  bool batch = false;
  /// Times every symbol ticks per interval (a load knob for benchmarks).
  std::int64_t ticks_per_interval = 1;
};

struct news_feed_section {
  std::int64_t interval_ms = 1000;
  std::int64_t seed = 7;
  std::int64_t start_sentiment = 50;
  std::int64_t step = 5;
  std::int64_t jump = 20;
  double jump_probability = 0.1;
};

struct book_section {
  std::string shm_name = "/trading_book";
  std::int64_t heartbeat_ms = 100;
  /// A reader calls the writer dead after this long without a heartbeat.
  std::int64_t stale_after_ms = 1000;
};

struct strategy_section {
  std::string book_source = "shm"; // shm | actor
  std::int64_t poll_us = 100;      // 0 spins
  std::int64_t short_window = 5;
  std::int64_t long_window = 20;
  std::int64_t quantity = 10;
  std::int64_t buy_above = 60;
  std::int64_t sell_below = 40;
  std::string orders_log = "orders.log";
  std::int64_t order_timeout_ms = 2000;
  /// Pin the strategy's thread to this CPU (-1: no pinning). With poll_us = 0 a
  /// pinned spinner keeps a core to itself instead of time-slicing with CAF.
  std::int64_t cpu = -1;
};

struct oms_section {
  /// shm: read the price from the segment when an order arrives (same host);
  /// actor: keep the book from book_update messages (any host).
  std::string book_source = "actor";
  std::string trades_log = "trades.log";
  std::int64_t max_quantity = 100'000;
};

struct peers_section {
  endpoint price_feed;
  endpoint news_feed;
  endpoint book;
  endpoint oms;
};

struct node_config {
  std::string source = "<defaults>"; // the file it came from, for messages
  node_section node;
  caf_section caf;
  price_feed_section price_feed;
  news_feed_section news_feed;
  book_section book;
  strategy_section strategy;
  oms_section oms;
  peers_section peers;

  bool hosts(const std::string& role) const;
};

/// Reads and validates `path`, then applies each "key=value" override in order.
node_config load_config(const std::string& path,
                        const std::vector<std::string>& overrides = {});

/// Parses a config from JSON text (`source` names it in errors).
node_config parse_config(const std::string& json_text, const std::string& source,
                         const std::vector<std::string>& overrides = {});

/// The effective config as pretty JSON (what --print-config shows).
std::string to_json_text(const node_config& cfg);

/// One line per key: path, type, unit, default, range, meaning (Markdown table).
std::string schema_markdown();

/// The roles a node can host, in pipeline order.
const std::vector<std::string>& known_roles();

} // namespace trading
