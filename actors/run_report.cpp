#include "actors/run_report.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>

#include <nlohmann/json.hpp>

namespace trading {

namespace {

using json = nlohmann::json;

json row_json(const report_row& x, bool with_avg) {
  return json{{"trades", x.trades},
              {"volume", x.volume},
              {"position", x.position},
              {"avg_price", with_avg ? json(x.avg_price) : json(nullptr)},
              {"realized_pnl", x.realized_pnl},
              {"unrealized_pnl", x.unrealized_pnl},
              {"fees", x.fees},
              {"mark_price", with_avg ? json(x.mark_price) : json(nullptr)}};
}

} // namespace

void total_up(run_report& r) {
  report_row t;
  for (auto& x : r.symbols) {
    t.trades += x.trades;
    t.volume += x.volume;
    t.position += x.position;
    t.realized_pnl += x.realized_pnl;
    t.unrealized_pnl += x.unrealized_pnl;
    t.fees += x.fees;
  }
  r.totals = t;
}

std::string report_json(const run_report& r) {
  json symbols = json::object();
  for (auto& x : r.symbols)
    symbols[x.symbol] = row_json(x, true);
  json rejects = json::object();
  for (auto& [reason, count] : r.rejects)
    rejects[reason] = count;
  json j{{"symbols", symbols}, {"totals", row_json(r.totals, false)},
         {"rejects", rejects}};
  return j.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

std::string report_table(const run_report& r) {
  std::string out;
  char line[256];
  auto row = [&](const std::string& name, const report_row& x, bool with_avg) {
    char avg[32] = "-";
    if (with_avg)
      std::snprintf(avg, sizeof avg, "%.4f", x.avg_price);
    std::snprintf(line, sizeof line,
                  "%-8s %8llu %10lld %10lld %12s %14.2f %14.2f %10.2f\n",
                  name.c_str(), static_cast<unsigned long long>(x.trades),
                  static_cast<long long>(x.volume), static_cast<long long>(x.position),
                  avg, x.realized_pnl, x.unrealized_pnl, x.fees);
    out += line;
  };
  std::snprintf(line, sizeof line, "%-8s %8s %10s %10s %12s %14s %14s %10s\n",
                "symbol", "trades", "volume", "position", "avg price",
                "realized P&L", "unrealized P&L", "fees");
  out += line;
  for (auto& x : r.symbols)
    row(x.symbol, x, true);
  row("total", r.totals, false);
  if (r.rejects.empty()) {
    out += "rejects: none\n";
  } else {
    out += "rejects by reason:\n";
    for (auto& [reason, count] : r.rejects) {
      std::snprintf(line, sizeof line, "%8llu  ", static_cast<unsigned long long>(count));
      out += line + reason + "\n";
    }
  }
  return out;
}

std::string write_report(const std::string& path, const run_report& r) {
  std::ofstream out{path, std::ios::trunc};
  if (!out)
    return "cannot open " + path + ": " + std::strerror(errno);
  out << report_json(r);
  out.close();
  if (!out)
    return "cannot write " + path;
  return {};
}

} // namespace trading
