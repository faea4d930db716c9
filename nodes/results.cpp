#include "nodes/results.hpp"

#include <fstream>
#include <stdexcept>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "nodes/config.hpp"
#include "nodes/roles.hpp"
#include "nodes/topology.hpp"

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
  add("strategy_pass", m.oms.hop_strategy_pass);
  add("order_to_oms", m.oms.hop_order_to_oms);
  add("tick_age_at_strategy", m.strategy.tick_age);
  // Every role's counters, hosted or not, so every node's file has the same keys.
  json rates = json::object();
  json window_counts = json::object();
  json totals = json::object();
  std::uint64_t refused = 0;
  std::uint64_t dropped = 0;
  for (std::size_t i = 0; i < topology::roles.size(); ++i) {
    auto& adapter = adapter_of(i);
    for (auto& [name, value] : adapter.totals(m))
      totals[name] = value;
    auto& guard = adapter.guard(m);
    refused += guard.refused.get();
    dropped += guard.dropped.get();
  }
  totals["refused"] = refused;
  totals["dropped"] = dropped;
  for (auto& [name, to] : end.counts) {
    auto from = begin.counts.count(name) ? begin.counts.at(name) : 0;
    rates[name] = per_second(from, to, window);
    window_counts[name] = to - from;
  }
  json doc{
    {"node", cfg.node.name},
    {"actors", cfg.node.actors},
    {"book_source", cfg.strategy.book_source},
    {"window_s", window},
    {"rates_per_s", rates},
    {"window_counts", window_counts},
    {"totals", totals},
    {"rss_kb", {{"after_warmup", begin.rss_kb}, {"at_end", end.rss_kb}}},
    {"latency_ns", latency},
  };
  std::ofstream out{path, std::ios::trunc};
  out << doc.dump(2) << "\n";
  if (!out)
    throw std::runtime_error("cannot write results file " + path);
}

} // namespace trading
