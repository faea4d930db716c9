#include "nodes/results.hpp"

#include <fstream>
#include <stdexcept>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "actors/metrics.hpp"
#include "nodes/config.hpp"

namespace trading {

namespace {

using json = nlohmann::json;

json percentiles(const latency_histogram& h) {
  auto s = summarize(h);
  return json{{"count", s.count}, {"p50", s.p50},   {"p90", s.p90},
              {"p99", s.p99},     {"p999", s.p999}, {"max", s.max},
              {"cdf", cdf_points(h)}};
}

double per_second(std::uint64_t from, std::uint64_t to, double seconds) {
  return seconds > 0 ? static_cast<double>(to - from) / seconds : 0.0;
}

} // namespace

std::int64_t resident_kb() {
  std::ifstream statm{"/proc/self/statm"};
  std::int64_t pages = 0, resident = 0;
  statm >> pages >> resident;
  return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

counter_snapshot take_snapshot(const node_metrics& m) {
  counter_snapshot s;
  s.at_ns = mono_ns();
  s.feed_ticks = m.price_feed.ticks_sent.get();
  s.book_ticks = m.book.ticks_in.get();
  s.strategy_prices = m.strategy.book_events.get();
  s.orders = m.strategy.orders_sent.get();
  s.rss_kb = resident_kb();
  return s;
}

void write_results(const std::string& path, const node_config& cfg,
                   const node_metrics& m, const counter_snapshot& begin,
                   const counter_snapshot& end) {
  auto window = static_cast<double>(end.at_ns - begin.at_ns) / 1e9;
  json latency = json::object();
  auto add = [&](const char* name, const latency_histogram& h) {
    if (h.count() > 0)
      latency[name] = percentiles(h);
  };
  add("tick_to_trade", m.oms.tick_to_trade);
  add("feed_to_book", m.oms.hop_feed_to_book);
  add("book_to_strategy", m.oms.hop_book_to_strategy);
  add("strategy_to_oms", m.oms.hop_strategy_to_oms);
  add("tick_age_at_strategy", m.strategy.tick_age);
  json doc{
    {"node", cfg.node.name},
    {"actors", cfg.node.actors},
    {"book_source", cfg.strategy.book_source},
    {"window_s", window},
    {"rates_per_s",
     {{"feed_ticks", per_second(begin.feed_ticks, end.feed_ticks, window)},
      {"book_ticks", per_second(begin.book_ticks, end.book_ticks, window)},
      {"strategy_prices",
       per_second(begin.strategy_prices, end.strategy_prices, window)},
      {"orders", per_second(begin.orders, end.orders, window)}}},
    {"window_counts",
     {{"feed_ticks", end.feed_ticks - begin.feed_ticks},
      {"book_ticks", end.book_ticks - begin.book_ticks},
      {"strategy_prices", end.strategy_prices - begin.strategy_prices}}},
    {"totals",
     {{"feed_ticks", m.price_feed.ticks_sent.get()},
      {"book_ticks", m.book.ticks_in.get()},
      {"gaps", m.book.gaps.get()},
      {"strategy_prices", m.strategy.book_events.get()},
      {"orders", m.strategy.orders_sent.get()},
      {"fills", m.oms.fills.get()},
      {"rejects", m.oms.rejects.get()},
      {"outcome_unknown", m.strategy.outcome_unknown.get()}}},
    {"rss_kb", {{"after_warmup", begin.rss_kb}, {"at_end", end.rss_kb}}},
    {"latency_ns", latency},
  };
  std::ofstream out{path, std::ios::trunc};
  out << doc.dump(2) << "\n";
  if (!out)
    throw std::runtime_error("cannot write results file " + path);
}

} // namespace trading
