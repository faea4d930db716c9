// trading_node --config FILE [--duration SECONDS] [--set KEY=VALUE]...
//              [--print-config] [--print-schema] [--help]
//
// Our own argv parsing: CAF's would reject our flags and read caf-application.ini.
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "nodes/config.hpp"
#include "nodes/node.hpp"

namespace {

constexpr const char* usage =
  "usage: trading_node --config FILE [--duration SECONDS] [--set KEY=VALUE]...\n"
  "                    [--print-config] [--print-schema] [--help]\n"
  "\n"
  "  --config FILE      JSON node config (see configs/ and README.md)\n"
  "  --duration S       stop cleanly after S seconds (default: until SIGINT/SIGTERM)\n"
  "  --set KEY=VALUE    override one config key, e.g. --set strategy.poll_us=0;\n"
  "                     VALUE is JSON where it parses, else a string\n"
  "  --print-config     print the effective config and exit\n"
  "  --print-schema     print every config key (Markdown table) and exit\n"
  "  --help             this text\n";

int usage_error(const std::string& text) {
  std::cerr << "trading_node: error: " << text << "\n" << usage;
  return 2;
}

} // namespace

int main(int argc, char** argv) {
  std::string config_path;
  std::vector<std::string> overrides;
  double duration = 0;
  bool print_config = false;
  std::vector<std::string> args(argv + 1, argv + argc);
  for (std::size_t i = 0; i < args.size(); ++i) {
    auto& arg = args[i];
    auto value = [&]() -> const std::string* {
      return i + 1 < args.size() ? &args[++i] : nullptr;
    };
    if (arg == "--help" || arg == "-h") {
      std::cout << usage;
      return 0;
    } else if (arg == "--print-schema") {
      std::cout << trading::schema_markdown();
      return 0;
    } else if (arg == "--print-config") {
      print_config = true;
    } else if (arg == "--config") {
      auto v = value();
      if (!v)
        return usage_error("--config needs a file name");
      config_path = *v;
    } else if (arg == "--set") {
      auto v = value();
      if (!v)
        return usage_error("--set needs KEY=VALUE");
      overrides.push_back(*v);
    } else if (arg == "--duration") {
      auto v = value();
      char* end = nullptr;
      if (v)
        duration = std::strtod(v->c_str(), &end);
      if (!v || end == v->c_str() || *end != '\0' || !(duration > 0)
          || duration > 1e7)
        return usage_error("--duration needs a positive number of seconds");
    } else {
      return usage_error("unknown argument '" + arg + "'");
    }
  }
  if (config_path.empty())
    return usage_error("--config FILE is required");
  trading::node_config cfg;
  try {
    cfg = trading::load_config(config_path, overrides);
  } catch (const trading::config_error& e) {
    std::cerr << "trading_node: config error: " << e.what() << "\n";
    return 2;
  }
  if (print_config) {
    std::cout << trading::to_json_text(cfg) << "\n";
    return 0;
  }
  return trading::run_node(cfg, duration);
}
