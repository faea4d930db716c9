// This product's schema: the key table (every key once, with its unit, range and
// meaning) and the rules that span keys. The engine is nodes/schema.cpp.
#include "nodes/config.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "messages/names.hpp"
#include "nodes/topology.hpp"

namespace trading {

namespace {

using schema::between;
using schema::fail;
using schema::limits;
using schema::one_of;

constexpr double max_ms = 3'600'000; // one hour bounds every duration key
constexpr std::size_t max_path_length = 4096; // PATH_MAX
constexpr std::size_t max_name_length = 64;   // node.name: printed in every line
constexpr std::size_t max_host_length = 255;  // a DNS name

template <class Access>
schema::key key(std::string path, std::string unit, std::string doc, Access access,
                limits lim = {}) {
  return schema::make_key<node_config>(std::move(path), std::move(unit),
                                       std::move(doc), access, std::move(lim));
}

limits symbols_rule() {
  return schema::with_rule([](std::string_view s) { return symbol_problem(s); });
}

limits price_limits() {
  auto lim = symbols_rule(); // on the symbols (map keys)
  lim.min = 0.01;            // on the prices
  lim.max = 1e9;
  return lim;
}

// The roles that produce a stream, in topology::roles order.
std::vector<std::string> producer_roles() {
  std::vector<std::string> out;
  for (auto& r : topology::roles)
    for (auto& s : topology::streams)
      if (s.producer == r.name) {
        out.emplace_back(r.name);
        break;
      }
  return out;
}

#define ACCESS(member) [](node_config& c) -> auto& { return c.member; }

std::vector<schema::key> make_keys() {
  std::vector<schema::key> s;
  // node
  s.push_back(key("node.name", "", "name printed in stats lines and logs",
                  ACCESS(node.name), schema::max_length(max_name_length)));
  s.push_back(key("node.actors", "", "roles this node hosts", ACCESS(node.actors),
                  one_of(known_roles())));
  s.push_back(key("node.listen", "",
                  "publish the entry actor on node.host:node.port for peers",
                  ACCESS(node.listen)));
  s.push_back(key("node.host", "", "address to listen on", ACCESS(node.host),
                  schema::max_length(max_host_length)));
  s.push_back(key("node.port", "", "port to listen on; 0 picks a free one",
                  ACCESS(node.port), between(0, 65535)));
  s.push_back(key("node.stats_interval_ms", "ms", "period of the stats line",
                  ACCESS(node.stats_interval_ms), between(10, max_ms)));
  s.push_back(key("node.reconnect_min_ms", "ms", "first retry delay to a peer",
                  ACCESS(node.reconnect_min_ms), between(1, max_ms)));
  s.push_back(key("node.reconnect_max_ms", "ms", "cap of the exponential retry delay",
                  ACCESS(node.reconnect_max_ms), between(1, max_ms)));
  s.push_back(key("node.drain_timeout_ms", "ms",
                  "how long shutdown waits for orders in flight",
                  ACCESS(node.drain_timeout_ms), between(0, max_ms)));
  s.push_back(key("node.results_file", "path",
                  "on exit, write counters and latency percentiles as JSON (\"\" = no)",
                  ACCESS(node.results_file), schema::max_length(max_path_length)));
  s.push_back(key("node.warmup_ms", "ms",
                  "rates in the results file are measured after this warm-up",
                  ACCESS(node.warmup_ms), between(0, max_ms)));
  s.push_back(key("node.cpus", "", "CPUs for this process and all its threads ([] = all)",
                  ACCESS(node.cpus), between(0, 1023)));
  s.push_back(key("node.cpu_dma_latency_us", "us",
                  "while the node runs, ask the kernel (/dev/cpu_dma_latency, PM QoS) "
                  "to keep idle CPUs in states that wake within this; 0 = idle CPUs "
                  "poll instead of halting; null = the kernel's default",
                  ACCESS(node.cpu_dma_latency_us), between(0, 2'000'000'000)));
  s.push_back(key("node.log_level", "", "lowest level of log lines written to stderr",
                  ACCESS(node.log_level), one_of({"debug", "info", "warn", "error"})));
  s.push_back(key("node.tls.certificate", "path",
                  "PEM certificate of this node; TLS is on when set (with key, ca_file)",
                  ACCESS(node.tls.certificate), schema::max_length(max_path_length)));
  s.push_back(key("node.tls.key", "path", "PEM private key of the certificate",
                  ACCESS(node.tls.key), schema::max_length(max_path_length)));
  s.push_back(key("node.tls.ca_file", "path",
                  "PEM CA every peer's certificate must be signed by",
                  ACCESS(node.tls.ca_file), schema::max_length(max_path_length)));
  s.push_back(key("node.tls.passphrase", "", "passphrase of an encrypted key",
                  ACCESS(node.tls.passphrase), schema::max_length(1024)));
  s.push_back(key("node.tls.handshake_timeout_ms", "ms",
                  "a connection that has not finished its TLS handshake by then is "
                  "closed and logged",
                  ACCESS(node.tls.handshake_timeout_ms), between(10, max_ms)));
  s.push_back(key("node.backtest", "",
                  "deterministic backtest in one process: price_feed.replay and "
                  "news_feed.replay at speed 0 merge on one event clock, each event "
                  "handled by the stack before the next; needs an empty trades log",
                  ACCESS(node.backtest)));
  s.push_back(key("node.allow_plaintext_remote", "",
                  "listen on a non-loopback address without TLS (anyone who reaches "
                  "the port can steer the node)",
                  ACCESS(node.allow_plaintext_remote)));
  s.push_back(key("node.counters", "",
                  "publish the node's counters in /trading_stat.<node.name>.<pid> "
                  "(read by trading_stat and the dashboard)",
                  ACCESS(node.counters)));
  s.push_back(key("node.http_port", "",
                  "dashboard (HTTP, read-only) on node.host; null = off, 0 = a free "
                  "port (printed)",
                  ACCESS(node.http_port), between(0, 65535)));
  s.push_back(key("node.http_max_clients", "",
                  "dashboard clients served at once (each holds a thread); more get 503",
                  ACCESS(node.http_max_clients), between(1, 1024)));
  // caf
  s.push_back(key("caf.scheduler_policy", "", "CAF scheduler",
                  ACCESS(caf.scheduler_policy), one_of({"sharing", "stealing"})));
  s.push_back(key("caf.max_threads", "", "CAF worker threads", ACCESS(caf.max_threads),
                  between(1, 64)));
  s.push_back(key("caf.aggressive_polling", "",
                  "stealing workers spin instead of sleeping (burns a core each)",
                  ACCESS(caf.aggressive_polling)));
  s.push_back(key("caf.middleman_workers", "", "middleman worker threads",
                  ACCESS(caf.middleman_workers), between(0, 64)));
  s.push_back(key("caf.io_thread_roles", "",
                  "roles whose actor runs on the middleman's I/O thread: a message "
                  "from or to another node skips a thread wake-up (on receipt only "
                  "with caf.middleman_workers 0), but the actor's work (the OMS's "
                  "journal sync too) holds up the node's networking. A spinning "
                  "strategy instead runs the I/O loop itself, between its looks "
                  "at the book",
                  ACCESS(caf.io_thread_roles),
                  one_of({"price_feed", "news_feed", "book", "oms", "strategy"})));
  s.push_back(key("caf.heartbeat_interval_ms", "ms",
                  "middleman heartbeat to peers (0 = off)",
                  ACCESS(caf.heartbeat_interval_ms), between(0, max_ms)));
  s.push_back(key("caf.connection_timeout_ms", "ms",
                  "a silent peer connection is closed after this",
                  ACCESS(caf.connection_timeout_ms), between(0, max_ms)));
  // instruments
  s.push_back(key("instruments.symbols", "",
                  "the symbols traded, in order ([] = the keys of price_feed.symbols); "
                  "each needs a start price there. A symbol is 1 to 15 of A-Z 0-9 . - _",
                  ACCESS(instruments.symbols), symbols_rule()));
  // price_feed
  s.push_back(key("price_feed.symbols", "price",
                  "symbols and their start prices (a symbol is 1 to 15 of A-Z 0-9 . - _)",
                  ACCESS(price_feed.start_prices), price_limits()));
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
  s.push_back(key("price_feed.replay", "path",
                  "CSV of recorded prices played instead of the random walk (\"\" = "
                  "walk; relative to the config file's directory; format in README)",
                  ACCESS(price_feed.replay), schema::max_length(max_path_length)));
  s.push_back(key("price_feed.speed", "",
                  "replay pace (both feeds): 1 = real time, 10 = ten times faster, "
                  "0 = as fast as it goes",
                  ACCESS(price_feed.speed), between(0, 1e9)));
  // news_feed
  s.push_back(key("news_feed.interval_ms", "ms", "one sentiment step per interval",
                  ACCESS(news_feed.interval_ms), between(1, max_ms)));
  s.push_back(key("news_feed.seed", "", "PRNG seed", ACCESS(news_feed.seed),
                  between(0, 9e15)));
  s.push_back(key("news_feed.start_sentiment", "", "market-wide start value",
                  ACCESS(news_feed.start_sentiment), between(0, 100)));
  s.push_back(key("news_feed.step", "", "ordinary step: +-step", ACCESS(news_feed.step),
                  between(0, 100)));
  s.push_back(key("news_feed.jump", "", "occasional step: +-jump", ACCESS(news_feed.jump),
                  between(0, 100)));
  s.push_back(key("news_feed.jump_probability", "", "chance of a jump per step",
                  ACCESS(news_feed.jump_probability), between(0, 1)));
  s.push_back(key("news_feed.positive_above", "",
                  "news is labelled positive above this sentiment",
                  ACCESS(news_feed.positive_above), between(0, 100)));
  s.push_back(key("news_feed.negative_below", "",
                  "news is labelled negative below this sentiment (neutral between)",
                  ACCESS(news_feed.negative_below), between(0, 100)));
  s.push_back(key("news_feed.per_symbol", "",
                  "also a sentiment per symbol (its own walk), which overrides the "
                  "market-wide one for that symbol",
                  ACCESS(news_feed.per_symbol)));
  s.push_back(key("news_feed.replay", "path",
                  "CSV of recorded news (timestamp_ns,symbol,sentiment) played instead "
                  "of the walk (\"\" = walk; relative to the config file's directory)",
                  ACCESS(news_feed.replay), schema::max_length(max_path_length)));
  // book
  s.push_back(key("book.shm_name", "",
                  "POSIX shm segment of the book: '/' then A-Z a-z 0-9 . - _",
                  ACCESS(book.shm_name),
                  schema::with_rule([](std::string_view n) { return shm_name_problem(n); },
                                    max_shm_name_length)));
  s.push_back(key("book.heartbeat_ms", "ms", "writer heartbeat period in the segment",
                  ACCESS(book.heartbeat_ms), between(1, max_ms)));
  s.push_back(key("book.stale_after_ms", "ms",
                  "a reader calls the writer dead after this without a heartbeat",
                  ACCESS(book.stale_after_ms), between(1, max_ms)));
  // strategy
  s.push_back(key("strategy.book_source", "",
                  "shm: poll the segment; actor: book_update messages",
                  ACCESS(strategy.book_source), one_of({"shm", "actor"})));
  s.push_back(key("strategy.poll_us", "us", "shm poll period; 0 spins (low-latency profile)",
                  ACCESS(strategy.poll_us), between(0, 1e6)));
  s.push_back(key("strategy.wait", "",
                  "shm wait: poll (every poll_us; 0 spins) or futex (spin spin_us, then "
                  "sleep until the book's next write, at most 1 ms)",
                  ACCESS(strategy.wait), one_of({"poll", "futex"})));
  s.push_back(key("strategy.spin_us", "us",
                  "wait = futex: spin this long before sleeping on the futex",
                  ACCESS(strategy.spin_us), between(0, 1000)));
  s.push_back(key("strategy.warm_us", "us",
                  "0 = off; else a no-op message to the OMS at most this often (once per "
                  "loop pass), so that an order finds its path in cache (in this process "
                  "or another; not in a backtest)",
                  ACCESS(strategy.warm_us), between(0, 1e6)));
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
  s.push_back(key("strategy.limit_tolerance_bps", "bps",
                  "an order's limit is the price it saw plus this much (BUY above "
                  "the ask, SELL below the bid): room for the book to move",
                  ACCESS(strategy.limit_tolerance_bps), between(0, 10'000)));
  s.push_back(key("strategy.orders_log", "path", "JSON lines of every order sent (appended)",
                  ACCESS(strategy.orders_log), schema::max_length(max_path_length)));
  s.push_back(key("strategy.order_timeout_ms", "ms",
                  "an order without an outcome after this is 'outcome unknown' and "
                  "is sent again with the same id",
                  ACCESS(strategy.order_timeout_ms), between(1, max_ms)));
  s.push_back(key("strategy.account", "",
                  "the OMS account its orders and positions are kept under",
                  ACCESS(strategy.account), schema::with_rule(
                    [](std::string_view a) { return account_problem(a); },
                    max_account_length)));
  s.push_back(key("strategy.kind", "",
                  "price rule: ma_sentiment (short MA above/below long MA) or threshold "
                  "(a move beyond threshold_pct over long_window prices); sentiment "
                  "must agree",
                  ACCESS(strategy.kind), one_of({"ma_sentiment", "threshold"})));
  s.push_back(key("strategy.threshold_pct", "%",
                  "strategy.kind=threshold: the price move that counts",
                  ACCESS(strategy.threshold_pct), between(0, 100)));
  s.push_back(key("strategy.cpu", "",
                  "pin the strategy's thread to this CPU (-1 = no pinning)",
                  ACCESS(strategy.cpu), between(-1, 1023)));
  s.push_back(key("strategy.sched_policy", "",
                  "the strategy thread's policy: other (SCHED_OTHER) or idle "
                  "(SCHED_IDLE: any other thread woken on its CPU runs first, so "
                  "a spinning strategy can share its CPU)",
                  ACCESS(strategy.sched_policy), one_of({"other", "idle"})));
  s.push_back(key("strategy.timed_out_window", "orders",
                  "order ids given up on (outside the OMS dedup window) kept to "
                  "recognize a late outcome",
                  ACCESS(strategy.timed_out_window), between(1, 10'000'000)));
  // oms
  s.push_back(key("oms.book_source", "",
                  "shm: read prices from the segment per order; actor: book_update messages",
                  ACCESS(oms.book_source), one_of({"shm", "actor"})));
  s.push_back(key("oms.trades_log", "path", "JSON lines of every fill and reject (appended)",
                  ACCESS(oms.trades_log), schema::max_length(max_path_length)));
  s.push_back(key("oms.max_quantity", "shares", "larger orders are rejected",
                  ACCESS(oms.max_quantity), between(1, 1e12)));
  s.push_back(key("oms.dedup_window", "orders",
                  "recent order ids answered from the journal, never executed twice",
                  ACCESS(oms.dedup_window), between(1, 100'000'000)));
  s.push_back(key("oms.fsync", "",
                  "fdatasync the trades log: none, every (each group commit, before "
                  "answering), interval",
                  ACCESS(oms.fsync), one_of({"none", "every", "interval"})));
  s.push_back(key("oms.fsync_interval_ms", "ms",
                  "oms.fsync=interval: at most this long after a write",
                  ACCESS(oms.fsync_interval_ms), between(1, max_ms)));
  s.push_back(key("oms.risk.max_position", "shares",
                  "per account and symbol: an order that could take the position "
                  "beyond this is rejected (0 = no limit)",
                  ACCESS(oms.risk_max_position), between(0, 1e12)));
  s.push_back(key("oms.risk.max_orders_per_s", "orders",
                  "per account: orders admitted in any one second of the OMS's "
                  "clock (event time in a backtest); more are rejected (0 = no limit)",
                  ACCESS(oms.risk_max_orders_per_s), between(0, 1e6)));
  s.push_back(key("oms.risk.price_band_bps", "bps",
                  "an order whose limit (a market order: the best price) is further "
                  "than this from the last price is rejected (0 = no band)",
                  ACCESS(oms.risk_price_band_bps), between(0, 1e6)));
  s.push_back(key("oms.slippage_bps", "bps",
                  "each execution's price moves against the order by up to this "
                  "(uniform, seeded), never past the limit (0 = none)",
                  ACCESS(oms.slippage_bps), between(0, 10'000)));
  s.push_back(key("oms.slippage_seed", "", "PRNG seed of the slippage model",
                  ACCESS(oms.slippage_seed), between(0, 9e15)));
  s.push_back(key("oms.fee_per_share", "currency",
                  "fee charged per executed share (0 = none)",
                  ACCESS(oms.fee_per_share), between(0, 1e6)));
  s.push_back(key("oms.report", "path",
                  "JSON report written at the end of the run: per symbol trades, "
                  "volume, position, P&L, fees; totals; rejects (\"\" = none)",
                  ACCESS(oms.report), schema::max_length(max_path_length)));
  // edge: outside clients on plain TCP (actors/edge.hpp)
  s.push_back(key("edge.host", "",
                  "address the edge's listeners bind (not loopback: needs "
                  "node.allow_plaintext_remote, as they have no TLS)",
                  ACCESS(edge.host), schema::max_length(max_host_length)));
  const char* ports[][2] = {
    {"edge.price_port", "protocol 1 price stream SYMBOL,PRICE* (the seeds' 5001)"},
    {"edge.news_port", "protocol 1 sentiment stream N* (5002)"},
    {"edge.order_port", "protocol 1 *-framed JSON orders and their executions (5003)"},
    {"edge.gateway_port", "protocol 2 market data, news, heartbeats (5555)"},
    {"edge.oms_port", "protocol 2 orders and trade executions (5558)"}};
  std::optional<std::int64_t> edge_settings::*members[] = {
    &edge_settings::price_port, &edge_settings::news_port, &edge_settings::order_port,
    &edge_settings::gateway_port, &edge_settings::oms_port};
  for (std::size_t i = 0; i < 5; ++i) {
    auto member = members[i];
    s.push_back(key(ports[i][0], "",
                    std::string{ports[i][1]} + "; null = off, 0 = a free port (printed)",
                    [member](node_config& c) -> auto& { return c.edge.*member; },
                    between(0, 65535)));
  }
  s.push_back(key("edge.client_buffer_kb", "KiB",
                  "output a client may leave unread before it is dropped",
                  ACCESS(edge.client_buffer_kb), between(1, 1'048'576)));
  s.push_back(key("edge.order_timeout_ms", "ms",
                  "an order without the OMS's answer by then gets a reject saying so "
                  "(resending its id gives the outcome)",
                  ACCESS(edge.order_timeout_ms), between(1, max_ms)));
  // peers: one endpoint per role that produces a stream
  for (auto& role : producer_roles()) {
    s.push_back(key("peers." + role + ".host", "", "host of the node that hosts " + role,
                    [role](node_config& c) -> auto& { return c.peers.at(role).host; },
                    schema::max_length(max_host_length)));
    s.push_back(key("peers." + role + ".port", "", "its port; 0 = not configured",
                    [role](node_config& c) -> auto& { return c.peers.at(role).port; },
                    between(0, 65535)));
  }
  return s;
}

#undef ACCESS

const schema::table<node_config>& table() {
  static const schema::table<node_config> instance{make_keys()};
  return instance;
}

// The symbol universe: instruments.symbols, or else price_feed.symbols' keys.
std::vector<std::string> universe(const node_config& cfg, const std::string& where) {
  auto& prices = cfg.price_feed.start_prices;
  auto& given = cfg.instruments.symbols;
  if (given.empty()) {
    if (prices.empty())
      fail(where, "price_feed.symbols", "at least one symbol is needed");
    std::vector<std::string> out;
    for (auto& entry : prices)
      out.push_back(entry.first);
    return out; // sorted: a std::map's order
  }
  for (auto& symbol : given)
    if (!prices.count(symbol))
      fail(where, "instruments.symbols",
           "'" + symbol + "' has no start price: set price_feed.symbols." + symbol);
  // Start prices of other symbols are a price table's spare rows, not a mistake:
  // the defaults hold five, and instruments.symbols=["AAPL"] trades one of them.
  return given;
}

// 127.0.0.0/8, ::1 and localhost: reachable from this host only.
bool is_loopback(const std::string& host) {
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

bool spins(const strategy_settings& s) {
  return s.book_source == "shm" && s.wait == "poll" && s.poll_us == 0;
}

// Rules that span keys, checked on the effective config.
void validate(const node_config& cfg, const std::string& where) {
  if (cfg.node.actors.empty())
    fail(where, "node.actors", "a node must host at least one actor");
  universe(cfg, where);
  if (cfg.strategy.short_window >= cfg.strategy.long_window)
    fail(where, "strategy.short_window",
         "must be smaller than strategy.long_window ("
           + std::to_string(cfg.strategy.long_window) + ")");
  if (cfg.strategy.sell_below > cfg.strategy.buy_above)
    fail(where, "strategy.sell_below", "must not exceed strategy.buy_above");
  if (cfg.news_feed.negative_below > cfg.news_feed.positive_above)
    fail(where, "news_feed.negative_below", "must not exceed news_feed.positive_above");
  if (cfg.node.reconnect_min_ms > cfg.node.reconnect_max_ms)
    fail(where, "node.reconnect_min_ms", "must not exceed node.reconnect_max_ms");
  if (cfg.strategy.orders_log.empty())
    fail(where, "strategy.orders_log", "must name a file");
  if (cfg.oms.trades_log.empty())
    fail(where, "oms.trades_log", "must name a file");
  // The node's connections are served only while its strategy loops: one that
  // waits would hold them up for as long.
  if (cfg.on_io_thread("strategy") && cfg.hosts("strategy")) {
    if (!spins(cfg.strategy))
      fail(where, "caf.io_thread_roles",
           "the strategy runs the I/O loop only while it spins: it needs "
           "strategy.book_source=shm, strategy.wait=poll and strategy.poll_us=0");
    // Whatever else runs on the loop would run inside the strategy's passes.
    for (std::string_view role : {"price_feed", "news_feed", "book", "oms", "edge"})
      if (cfg.hosts(role) && (cfg.on_io_thread(role) || role == "edge")) // a broker
        fail(where, "caf.io_thread_roles",
             "the strategy runs this node's I/O loop, so " + std::string{role}
               + " would run inside the strategy's passes: host it on another node "
                 "or take it off the list");
  }
  auto& tls = cfg.node.tls;
  auto tls_keys = !tls.certificate.empty() + !tls.key.empty() + !tls.ca_file.empty();
  if (tls_keys != 0 && tls_keys != 3)
    fail(where, tls.certificate.empty() ? "node.tls.certificate"
                : tls.key.empty()       ? "node.tls.key"
                                        : "node.tls.ca_file",
         "TLS needs node.tls.certificate, node.tls.key and node.tls.ca_file together");
  if (cfg.node.listen && !tls.enabled() && !cfg.node.allow_plaintext_remote
      && !is_loopback(cfg.node.host))
    fail(where, "node.host",
         "refusing to listen on " + cfg.node.host
           + " without TLS: BASP has no authentication, so anyone who reaches the "
             "port could steer this node's actors; set node.tls.* (or "
             "node.allow_plaintext_remote=true on a network you trust)");
  if (cfg.node.http_port && !cfg.node.allow_plaintext_remote && !is_loopback(cfg.node.host))
    fail(where, "node.http_port",
         "refusing to serve the dashboard on " + cfg.node.host
           + ": it is plain HTTP without authentication; keep node.host on loopback "
             "(or set node.allow_plaintext_remote=true on a network you trust)");
  if (cfg.hosts("edge") && !cfg.node.allow_plaintext_remote && !is_loopback(cfg.edge.host))
    fail(where, "edge.host",
         "refusing to listen on " + cfg.edge.host
           + " for edge clients: the edge's ports are plain TCP, so anyone who "
             "reaches them could trade; keep it on loopback (or set "
             "node.allow_plaintext_remote=true on a network you trust)");
  if (cfg.node.backtest) {
    for (auto role : {"price_feed", "news_feed", "book", "strategy", "oms"})
      if (!cfg.hosts(role))
        fail(where, "node.actors",
             std::string{"node.backtest runs in one process: it must host "} + role);
    if (cfg.price_feed.replay.empty() || cfg.news_feed.replay.empty())
      fail(where, cfg.price_feed.replay.empty() ? "price_feed.replay" : "news_feed.replay",
           "node.backtest plays recorded prices and news: name both files");
    if (cfg.price_feed.speed != 0)
      fail(where, "price_feed.speed",
           "node.backtest plays as fast as the stack takes it: set it to 0");
    // The strategy learns each event as a message (its ack counts them; the shm
    // segment carries no event time); the OMS prices from the segment, which
    // holds exactly the event in play (a quote message could arrive after the
    // strategy's order).
    if (cfg.strategy.book_source != "actor")
      fail(where, "strategy.book_source", "node.backtest needs \"actor\"");
    if (cfg.oms.book_source != "shm")
      fail(where, "oms.book_source", "node.backtest needs \"shm\"");
  }
  // A stream this node consumes but does not produce must come from a peer.
  for (auto& [consumer, stream_name] : consumed_streams(cfg)) {
    auto producer = std::string{topology::find_stream(stream_name)->producer};
    if (!cfg.hosts(producer) && cfg.peer(producer).port == 0)
      fail(where, "peers." + producer + ".port",
           consumer + " needs " + producer
             + ", which this node does not host: name its node's port");
  }
}

// The fields the actors' settings mark "Filled by the node".
void fill_derived(node_config& cfg) {
  auto symbols = universe(cfg, cfg.source);
  cfg.price_feed.instruments = symbols;
  cfg.strategy.instruments = symbols;
  cfg.oms.instruments = symbols;
  cfg.strategy.book_shm_name = cfg.book.shm_name;
  cfg.oms.book_shm_name = cfg.book.shm_name;
  cfg.strategy.book_stale_after_ms = cfg.book.stale_after_ms;
  cfg.oms.book_stale_after_ms = cfg.book.stale_after_ms;
  cfg.strategy.drain_timeout_ms = cfg.node.drain_timeout_ms;
  cfg.strategy.oms_dedup_window = cfg.oms.dedup_window;
  cfg.news_feed.instruments = symbols;
  cfg.news_feed.speed = cfg.price_feed.speed;
  cfg.news_feed.tick_interval_us = cfg.price_feed.interval_us;
  cfg.price_feed.backtest = cfg.news_feed.backtest = cfg.strategy.backtest
    = cfg.oms.backtest = cfg.node.backtest;
  auto home = [&](const char* role) {
    return cfg.on_io_thread(role) ? actor_home::io_thread : actor_home::scheduler;
  };
  cfg.price_feed.home = home("price_feed");
  cfg.news_feed.home = home("news_feed");
  cfg.book.home = home("book");
  cfg.oms.home = home("oms");
  cfg.strategy.home = home("strategy");
}

} // namespace

std::map<std::string, endpoint> default_peers() {
  std::map<std::string, endpoint> out;
  for (auto& role : producer_roles())
    out[role] = endpoint{};
  return out;
}

namespace {

bool names(const std::vector<std::string>& roles, std::string_view role) {
  return std::find(roles.begin(), roles.end(), role) != roles.end();
}

} // namespace

bool node_config::hosts(std::string_view role) const {
  return names(node.actors, role);
}

bool node_config::on_io_thread(std::string_view role) const {
  return names(caf.io_thread_roles, role);
}

const endpoint& node_config::peer(std::string_view role) const {
  return peers.at(std::string{role});
}

std::string node_config::string_value(const std::string& key) const {
  return table().string_value(*this, key);
}

const std::vector<std::string>& known_roles() {
  static const auto roles = [] {
    std::vector<std::string> out;
    for (auto& r : topology::roles)
      out.emplace_back(r.name);
    return out;
  }();
  return roles;
}

std::vector<std::pair<std::string, std::string>> consumed_streams(const node_config& cfg) {
  std::vector<std::pair<std::string, std::string>> out;
  for (auto& r : topology::roles) {
    if (!cfg.hosts(r.name))
      continue;
    for (auto& c : r.consumes) {
      if (c.stream.empty())
        continue;
      if (!c.shm_key.empty() && cfg.string_value(std::string{c.shm_key}) == "shm")
        continue;
      out.emplace_back(r.name, c.stream);
    }
  }
  return out;
}

node_config parse_config(const std::string& json_text, const std::string& source,
                         const std::vector<std::string>& overrides) {
  node_config cfg;
  cfg.source = source;
  table().read_document(cfg, json_text, source);
  for (auto& text : overrides)
    table().apply_override(cfg, text);
  validate(cfg, source);
  fill_derived(cfg);
  return cfg;
}

node_config load_config(const std::string& path,
                        const std::vector<std::string>& overrides) {
  std::ifstream in{path};
  if (!in)
    throw config_error(schema::excerpt(path) + ": cannot read the config file");
  std::stringstream text;
  text << in.rdbuf();
  if (in.bad())
    throw config_error(schema::excerpt(path) + ": cannot read the config file");
  auto cfg = parse_config(text.str(), path, overrides);
  // Replay files belong with the config that names them.
  auto slash = path.rfind('/');
  auto dir = slash == std::string::npos ? std::string{} : path.substr(0, slash + 1);
  for (auto file : {&cfg.price_feed.replay, &cfg.news_feed.replay})
    if (!file->empty() && (*file)[0] != '/')
      *file = dir + *file;
  return cfg;
}

std::string to_json_text(const node_config& cfg) {
  return table().to_json_text(cfg);
}

std::string schema_markdown() {
  return table().markdown(node_config{});
}

} // namespace trading
