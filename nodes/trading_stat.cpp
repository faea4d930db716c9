// trading_stat [--once] [--json] [--clean] [--node NAME] [--interval-ms N]
//
// Lists the trading nodes running on this host from their counters segments
// (/dev/shm/trading_stat.<node>.<pid>, shm/counters_segment.hpp) and shows them
// live, refreshing in place like top. Exit 0 when it showed a live node, 1 when
// none, 2 on a usage error. No CAF: it only maps the segments read-only.
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "nodes/live_view.hpp"

namespace {

constexpr const char* usage =
  "usage: trading_stat [--once] [--json] [--clean] [--node NAME] [--interval-ms N]\n"
  "\n"
  "  (no flag)        refresh in place every interval until Ctrl-C\n"
  "  --once           one snapshot (two looks an interval apart, for the rates)\n"
  "  --json           one snapshot as JSON on one line (for scripts)\n"
  "  --clean          remove the segments of nodes that died (kill -9, crash)\n"
  "  --node NAME      only the nodes of this node.name\n"
  "  --interval-ms N  refresh period and rate window (default 1000)\n"
  "exit: 0 when a live node was shown, 1 when none, 2 on a usage error\n";

volatile std::sig_atomic_t interrupted = 0;

void on_signal(int) {
  interrupted = 1;
}

void sleep_ms(long ms) {
  std::this_thread::sleep_for(std::chrono::milliseconds(ms));
}

} // namespace

int main(int argc, char** argv) {
  bool once = false, json = false, clean = false;
  long interval_ms = 1000;
  std::string only;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--once") {
      once = true;
    } else if (arg == "--json") {
      json = true;
    } else if (arg == "--clean") {
      clean = true;
    } else if (arg == "--node" && i + 1 < argc) {
      only = argv[++i];
    } else if (arg == "--interval-ms" && i + 1 < argc) {
      char* end = nullptr;
      interval_ms = std::strtol(argv[++i], &end, 10);
      if (*end != '\0' || interval_ms < 10 || interval_ms > 3'600'000) {
        std::cerr << "trading_stat: error: --interval-ms wants 10..3600000, got "
                  << argv[i] << "\n" << usage;
        return 2;
      }
    } else if (arg == "--help" || arg == "-h") {
      std::cout << usage;
      return 0;
    } else {
      std::cerr << "trading_stat: error: unknown argument " << arg << "\n" << usage;
      return 2;
    }
  }
  if (clean) {
    auto removed = 0;
    for (auto& name : trading::shm::list_counters_segments())
      if (trading::shm::remove_if_dead(name)) {
        std::cout << "removed " << name << " (its node is gone)\n";
        ++removed;
      }
    if (removed == 0)
      std::cout << "nothing to clean: no segment of a dead node\n";
  }
  trading::host_view host{only};
  host.refresh();
  if (clean && !once && !json)
    return host.any_live() ? 0 : 1;
  if (once || json) {
    if (!host.nodes().empty()) {
      sleep_ms(interval_ms); // a second look gives the rates
      host.refresh();
    }
    if (json) {
      auto out = nlohmann::json::object();
      out["nodes"] = nlohmann::json::array();
      for (auto& v : host.nodes())
        out["nodes"].push_back(trading::node_json(v, false));
      out["problems"] = host.problems();
      std::cout << out.dump() << "\n";
    } else {
      std::cout << trading::host_text(host);
    }
    return host.any_live() ? 0 : 1;
  }
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  auto shown_live = false;
  while (!interrupted) {
    shown_live = shown_live || host.any_live();
    // Home and clear: the next screen replaces this one, like top.
    std::cout << "\x1b[H\x1b[2J" << trading::host_text(host) << std::flush;
    for (long waited = 0; waited < interval_ms && !interrupted; waited += 50)
      sleep_ms(std::min(50L, interval_ms - waited));
    host.refresh();
  }
  return shown_live ? 0 : 1;
}
