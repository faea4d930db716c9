#include "actors/diagnostics.hpp"

#include <unistd.h>

namespace trading {

namespace {

std::string& node_name() {
  static std::string name = "node";
  return name;
}

void write_line(int fd, std::string line) {
  line += '\n';
  // One write(2) per line; a short write to a terminal or pipe is finished off.
  const char* p = line.data();
  auto left = line.size();
  while (left > 0) {
    auto n = ::write(fd, p, left);
    if (n <= 0)
      return;
    p += n;
    left -= static_cast<size_t>(n);
  }
}

} // namespace

void set_diagnostics_name(const std::string& name) {
  node_name() = name;
}

void diagnose(const char* who, const std::string& text) {
  write_line(STDERR_FILENO, "[" + node_name() + "] " + who + ": " + text);
}

void report(const std::string& text) {
  write_line(STDOUT_FILENO, "[" + node_name() + "] " + text);
}

} // namespace trading
