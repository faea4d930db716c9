#include "actors/trades_journal.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <stdexcept>
#include <string_view>
#include <unistd.h>
#include <vector>

#include <nlohmann/json.hpp>

#include "actors/diagnostics.hpp"
#include "messages/json.hpp"

namespace trading {

namespace {

constexpr const char* who = "oms";
constexpr std::uint64_t reported_malformed = 10; // then only the count

[[noreturn]] void fail(const std::string& what, const std::string& path) {
  throw std::runtime_error(what + " " + path + ": " + std::strerror(errno));
}

// Moves bytes [offset, size) of `path` to PATH.torn and cuts the log there.
void set_aside(const std::string& path, int fd, std::uint64_t offset,
               const std::string& torn) {
  auto aside = path + ".torn";
  int out = ::open(aside.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (out < 0)
    fail("cannot open", aside);
  auto record = torn + "\n";
  auto written = ::write(out, record.data(), record.size());
  ::close(out);
  if (written != static_cast<ssize_t>(record.size()))
    fail("cannot write", aside);
  if (::ftruncate(fd, static_cast<off_t>(offset)) != 0)
    fail("cannot cut the torn line off", path);
  log_warn(who, "trades log " + path + ": torn last line at byte offset "
                  + std::to_string(offset) + " (" + std::to_string(torn.size())
                  + " bytes) set aside in " + aside);
}

} // namespace

journal_summary read_trades_journal(
  const std::string& path,
  const std::function<void(const execution_report&)>& on_report) {
  journal_summary out;
  int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT)
      return out;
    fail("cannot open trades log", path);
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    // A device (/dev/full in the tests, /dev/null) holds no journal to read.
    ::close(fd);
    log_warn(who, "trades log " + path + " is not a regular file: nothing to recover");
    return out;
  }
  std::vector<char> buffer(1 << 20);
  std::string carry;            // the start of a line split across reads
  std::uint64_t chunk_base = 0; // file offset of buffer[0]
  std::uint64_t line_start = 0; // file offset of the current line
  auto handle_line = [&](std::string_view line) {
    ++out.lines;
    try {
      auto report = nlohmann::json::parse(line).get<execution_report>();
      ++out.reports;
      on_report(report);
    } catch (const std::exception& e) {
      if (++out.malformed <= reported_malformed)
        log_warn(who, "trades log " + path + ": malformed line at byte offset "
                        + std::to_string(line_start) + " skipped: " + e.what());
    }
  };
  for (;;) {
    auto n = ::read(fd, buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      ::close(fd);
      fail("cannot read trades log", path);
    }
    if (n == 0)
      break;
    std::string_view chunk{buffer.data(), static_cast<std::size_t>(n)};
    std::size_t start = 0;
    for (auto nl = chunk.find('\n'); nl != std::string_view::npos;
         nl = chunk.find('\n', start)) {
      if (carry.empty()) {
        handle_line(chunk.substr(start, nl - start));
      } else {
        carry.append(chunk.substr(start, nl - start));
        handle_line(carry);
        carry.clear();
      }
      start = nl + 1;
      line_start = chunk_base + start;
    }
    carry.append(chunk.substr(start));
    chunk_base += static_cast<std::uint64_t>(n);
  }
  auto offset = line_start;
  out.bytes = offset;
  if (!carry.empty()) {
    out.torn_offset = static_cast<std::int64_t>(offset);
    out.torn_bytes = carry.size();
    try {
      set_aside(path, fd, offset, carry);
    } catch (...) {
      ::close(fd);
      throw;
    }
  }
  ::close(fd);
  if (out.malformed > reported_malformed)
    log_warn(who, "trades log " + path + ": " + std::to_string(out.malformed)
                    + " malformed lines skipped in all");
  return out;
}

} // namespace trading
