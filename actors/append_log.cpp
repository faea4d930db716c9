#include "actors/append_log.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <stdexcept>
#include <unistd.h>

namespace trading {

append_log::append_log(const std::string& path) : path_(path) {
  fd_ = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0)
    throw std::runtime_error("cannot open log file " + path + ": "
                             + std::strerror(errno));
}

append_log::~append_log() {
  if (fd_ >= 0)
    ::close(fd_);
}

std::string append_log::sync() {
  if (::fdatasync(fd_) != 0)
    return "fdatasync of " + path_ + " failed: " + std::strerror(errno);
  return {};
}

std::string append_log::lock_exclusive() {
  struct stat st {};
  if (::fstat(fd_, &st) == 0 && !S_ISREG(st.st_mode))
    return {}; // a device (/dev/full, /dev/null) journals nothing to share
  if (::flock(fd_, LOCK_EX | LOCK_NB) == 0)
    return {};
  if (errno == EWOULDBLOCK)
    return path_ + " is in use by another process (one writer per journal)";
  return "cannot lock " + path_ + ": " + std::strerror(errno);
}

std::string append_log::append(const std::string& line) {
  for (;;) {
    auto n = ::write(fd_, line.data(), line.size());
    if (n == static_cast<ssize_t>(line.size()))
      return {};
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return "write to " + path_ + " failed: " + std::strerror(errno);
    // A short write to a regular file means the disk is full. The partial line
    // is cut back off so that the file holds only whole records, but only if it
    // is still the last thing in the file: another process may share the log,
    // and its records must never be cut.
    auto ours_end = ::lseek(fd_, 0, SEEK_CUR); // O_APPEND: the end of our write
    struct stat st {};
    if (ours_end >= n && ::fstat(fd_, &st) == 0 && st.st_size == ours_end) {
      if (::ftruncate(fd_, ours_end - n) != 0)
        return "short write to " + path_ + " and could not cut it back: "
               + std::strerror(errno);
      return "short write to " + path_ + " (disk full?)";
    }
    return "short write to " + path_
           + " (disk full?); another writer appended after it, so a torn line"
             " stays in the file";
  }
}

} // namespace trading
