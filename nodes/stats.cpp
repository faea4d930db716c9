#include "nodes/stats.hpp"

#include <cinttypes>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <unistd.h>

#include "actors/diagnostics.hpp"
#include "nodes/config.hpp"
#include "nodes/roles.hpp"
#include "nodes/topology.hpp"

namespace trading {

namespace {

std::string format_us(std::int64_t ns) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f us", static_cast<double>(ns) / 1000.0);
  return buf;
}

} // namespace

void node_figures(const node_config& cfg, const node_metrics& m, figure_list& out) {
  std::uint64_t in = 0;
  std::uint64_t sent = 0;
  for (std::size_t i = 0; i < topology::roles.size(); ++i) {
    auto& adapter = adapter_of(i);
    if (cfg.hosts(topology::roles[i].name))
      adapter.figures(out, m);
    auto [role_in, role_out] = adapter.messages(m);
    in += role_in;
    sent += role_out;
  }
  out.push_back({"msgs", "in", in});
  out.push_back({"msgs", "out", sent});
  if (m.links.expected.load() > 0) {
    auto gauge = shm::counter_kind::gauge;
    out.push_back({"peers", "connected",
                   static_cast<std::uint64_t>(m.links.connected.load()), gauge});
    out.push_back({"peers", "expected",
                   static_cast<std::uint64_t>(m.links.expected.load()), gauge});
    out.push_back({"peers", "lost", m.links.losses.load()});
    out.push_back({"peers", "reconnects", m.links.reconnects.load()});
  }
}

std::string stats_line(const node_config& cfg, const node_metrics& m,
                       double elapsed_s) {
  std::ostringstream os;
  char t[32];
  std::snprintf(t, sizeof t, "%.1fs", elapsed_s);
  os << t;
  figure_list figures;
  node_figures(cfg, m, figures);
  const char* group = nullptr;
  for (std::size_t i = 0; i < figures.size(); ++i) {
    auto& f = figures[i];
    if (std::string_view{f.group} == "peers") {
      // "peers 3/3 lost 0 reconnects 0": connected/expected share one figure.
      os << " | peers " << f.value << "/" << figures[i + 1].value << " lost "
         << figures[i + 2].value << " reconnects " << figures[i + 3].value;
      break;
    }
    if (!group || std::string_view{group} != f.group)
      os << " | " << (group = f.group);
    auto shown = f.shown ? f.shown : f.name;
    if (*shown)
      os << ' ' << shown;
    if (f.kind == shm::counter_kind::gauge)
      os << ' ' << static_cast<std::int64_t>(f.value);
    else
      os << ' ' << f.value;
  }
  return os.str();
}

void print_summary(const node_config& cfg, const node_metrics& m,
                   const std::vector<position>& positions, double elapsed_s) {
  report("summary: " + stats_line(cfg, m, elapsed_s));
  if (cfg.hosts("strategy")) {
    std::ostringstream os;
    os << "strategy positions:";
    auto any = false;
    for (auto& [symbol, quantity] : m.strategy.final_positions) {
      if (quantity == 0)
        continue;
      char buf[64];
      std::snprintf(buf, sizeof buf, " %s %+" PRId64, symbol.c_str(), quantity);
      os << buf;
      any = true;
    }
    report(os.str() + (any ? "" : " none"));
  }
  if (!cfg.hosts("oms"))
    return;
  double total = 0;
  std::ostringstream os;
  os << "positions:";
  for (auto& p : positions) {
    char buf[128];
    std::snprintf(buf, sizeof buf, " %s %+" PRId64 " (realized %.2f)",
                  p.symbol.c_str(), p.quantity, p.realized_pnl);
    os << buf;
    total += p.realized_pnl;
  }
  char buf[64];
  std::snprintf(buf, sizeof buf, "; realized P&L %.2f", total);
  os << (positions.empty() ? " none" : "") << buf;
  report(os.str());
  auto s = summarize(m.oms.tick_to_trade);
  report("tick-to-trade: " + std::to_string(s.count) + " orders, p50 "
         + format_us(s.p50) + ", p99 " + format_us(s.p99) + ", max "
         + format_us(s.max));
}

std::int64_t resident_kb() {
  std::ifstream statm{"/proc/self/statm"};
  std::int64_t pages = 0, resident = 0;
  statm >> pages >> resident;
  return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

counter_snapshot take_snapshot(const node_metrics& m) {
  counter_snapshot s;
  s.at_ns = mono_ns();
  for (std::size_t i = 0; i < topology::roles.size(); ++i)
    for (auto& [name, value] : adapter_of(i).rated(m))
      s.counts[name] = value;
  s.rss_kb = resident_kb();
  return s;
}

} // namespace trading
