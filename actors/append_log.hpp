// An append-only JSON-lines file: each append (one record, or a group of whole
// records) is one write(2) on an O_APPEND descriptor, so a record is either wholly
// in the file or not at all, and concurrent writers never interleave inside a line.
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

  /// Appends `lines` (whole lines, each ending in '\n') with one write(2).
  /// Returns an empty string on success, else the reason (none of them is then
  /// in the file).
  std::string append(const std::string& lines);

  /// fdatasync(2): what was appended survives a crash of the host. Returns an
  /// empty string on success, else the reason.
  std::string sync();

  /// Takes an exclusive lock on the file for as long as this object lives (a
  /// journal has one writer); returns an empty string, or why it cannot (another
  /// process holds it).
  std::string lock_exclusive();

  const std::string& path() const {
    return path_;
  }

private:
  std::string path_;
  int fd_ = -1;
};

} // namespace trading
