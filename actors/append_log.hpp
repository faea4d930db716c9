// An append-only JSON-lines file: each record is one write(2) on an O_APPEND
// descriptor, so a record is either wholly in the file or not at all, and
// concurrent writers (several nodes, restarts) never interleave inside a line.
#pragma once

#include <string>

namespace trading {

class append_log {
public:
  /// Opens (creating, never truncating) `path`; throws std::runtime_error naming
  /// the path and the cause.
  explicit append_log(const std::string& path);
  ~append_log();

  append_log(const append_log&) = delete;
  append_log& operator=(const append_log&) = delete;

  /// Appends `line` (which ends in '\n') with one write(2). Returns an empty
  /// string on success, else the reason (the record is then not in the file).
  std::string append(const std::string& line);

  const std::string& path() const {
    return path_;
  }

private:
  std::string path_;
  int fd_ = -1;
};

} // namespace trading
