// The node configuration: one schema for every node. A JSON file is read into these
// plain structs and validated strictly before any actor starts; `--set a.b=value`
// overrides single keys. The node's config composes each actor's own settings
// struct (actors/*.hpp, which include only caf/fwd.hpp); the fields those structs
// mark "Filled by the node" are not keys: load_config fills them from other
// sections after validation. The generic engine is nodes/schema.hpp; the key table
// and the rules across keys are nodes/config.cpp.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "actors/news_feed.hpp"
#include "actors/edge.hpp"
#include "actors/oms.hpp"
#include "actors/price_feed.hpp"
#include "actors/strategy.hpp"
#include "actors/top_of_book.hpp"
#include "nodes/schema.hpp" // config_error

namespace trading {

struct endpoint {
  std::string host = "127.0.0.1";
  std::int64_t port = 0; // 0: not configured
};

/// TLS between nodes (CAF's OpenSSL module): on when certificate, key and ca_file
/// are set; both sides present a certificate and verify the other's against the CA.
struct tls_settings {
  std::string certificate; // PEM file: this node's certificate
  std::string key;         // PEM file: its private key
  std::string ca_file;     // PEM file: the cluster's CA
  std::string passphrase;  // of the key, if it is encrypted
  /// A connection that has not finished its handshake by then is closed.
  std::int64_t handshake_timeout_ms = 2000;

  bool enabled() const {
    return !certificate.empty();
  }
};

struct node_settings {
  std::string name = "node";
  /// Roles hosted here (a subset of topology::roles).
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
  /// A PM QoS request held while the node runs (nodes/node.cpp): idle CPUs stay
  /// in states that wake within this many µs (0: they poll). On a VM a halted
  /// vCPU takes tens of µs to wake, and every middleman hop wakes threads.
  std::optional<std::int64_t> cpu_dma_latency_us;
  /// debug | info | warn | error (parse_log_level in actors/diagnostics.hpp).
  std::string log_level = "info";
  tls_settings tls;
  /// A deterministic backtest in this one process: the replays (speed 0) merge on
  /// one event clock that lets the next event in only once the stack has handled
  /// the last (actors/backtest_clock.hpp); the node ends when they have ended.
  bool backtest = false;
  /// Listen on an address other than loopback without TLS (BASP has no
  /// authentication: whoever reaches the port can send the node's actors work).
  bool allow_plaintext_remote = false;
  /// Publish the counters segment /trading_stat.<name>.<pid> (shm/counters_segment.hpp).
  bool counters = true;
  /// The dashboard's port (nodes/dashboard.hpp); empty = off, 0 = a free one.
  std::optional<std::int64_t> http_port;
  std::int64_t http_max_clients = 16;
};

struct caf_settings {
  std::string scheduler_policy = "sharing";
  std::int64_t max_threads = 2;
  /// Spin the stealing scheduler's workers (lowest latency, burns a core each).
  bool aggressive_polling = false;
  std::int64_t middleman_workers = 0;
  /// Roles whose actor runs on the middleman's I/O thread (actors/actor_home.hpp).
  std::vector<std::string> io_thread_roles;
  std::int64_t heartbeat_interval_ms = 100;
  std::int64_t connection_timeout_ms = 1000;
};

struct instruments_settings {
  /// The symbol universe; empty: the keys of price_feed.symbols.
  std::vector<std::string> symbols;
};

/// One peer endpoint per role that produces a stream (topology::streams), in
/// topology::roles order: price_feed, news_feed, book, oms today.
std::map<std::string, endpoint> default_peers();

struct node_config {
  std::string source = "<defaults>"; // the file it came from, for messages
  node_settings node;
  caf_settings caf;
  instruments_settings instruments;
  price_feed_settings price_feed; // start_prices is the key price_feed.symbols
  news_feed_settings news_feed;
  top_of_book_settings book;
  strategy_settings strategy;
  oms_settings oms;
  edge_settings edge;
  /// Key = the producer role's name; `peers.<role>.host/.port`.
  std::map<std::string, endpoint> peers = default_peers();

  bool hosts(std::string_view role) const;
  /// Whether caf.io_thread_roles names `role`.
  bool on_io_thread(std::string_view role) const;

  /// The endpoint of a producer role; throws std::out_of_range for another name.
  const endpoint& peer(std::string_view role) const;

  /// The value of a string key by its dotted path (e.g. "strategy.book_source"),
  /// for the topology's shm keys; throws config_error if it is not a string key.
  std::string string_value(const std::string& key) const;
};

/// Reads and validates `path`, then applies each "key=value" override in order.
node_config load_config(const std::string& path,
                        const std::vector<std::string>& overrides = {});

/// Parses a config from JSON text (`source` names it in errors).
node_config parse_config(const std::string& json_text, const std::string& source,
                         const std::vector<std::string>& overrides = {});

/// The effective config as pretty JSON (what --print-config shows): every key,
/// instruments.symbols as given, none of the fields the node fills.
std::string to_json_text(const node_config& cfg);

/// One line per key: path, type, unit, default, range, meaning (Markdown table).
std::string schema_markdown();

/// The roles a node can host, in pipeline order (topology::roles).
const std::vector<std::string>& known_roles();

/// Every topology consumption that this node's config makes a message stream: for
/// each hosted consumer role (in topology order), the streams it consumes, skipping
/// a stream whose shm_key says "shm". Pairs of (consumer role, stream name).
std::vector<std::pair<std::string, std::string>> consumed_streams(const node_config& cfg);

} // namespace trading
