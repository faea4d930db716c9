#pragma once

// Small POSIX helpers both shm segments use: the /dev/shm path of a name, an
// O_CLOEXEC|O_NOFOLLOW open, and the OFD byte locks that tell a live owner from
// a dead one (fcntl(2), F_OFD_*: owned by the open file description, so they
// conflict between two descriptors of one process too, and the kernel drops
// them with the last descriptor, i.e. when the process dies). No CAF.

#include <cerrno>
#include <string>

#include <fcntl.h>
#include <sys/types.h>
#include <unistd.h>

namespace trading::shm {

/// glibc's shm_open maps NAME to /dev/shm/NAME; link(2), rename(2) and
/// directory scans need the path.
inline std::string shm_path(const std::string& name) {
  return "/dev/shm" + name;
}

inline int open_path(const std::string& path, int flags, mode_t mode = 0) {
  int fd;
  do
    fd = ::open(path.c_str(), flags | O_CLOEXEC | O_NOFOLLOW, mode);
  while (fd < 0 && errno == EINTR);
  return fd;
}

/// Non-blocking write lock on one byte. false with errno EAGAIN if held.
inline bool try_lock_byte(int fd, off_t byte) {
  struct flock fl {};
  fl.l_type = F_WRLCK;
  fl.l_whence = SEEK_SET;
  fl.l_start = byte;
  fl.l_len = 1;
  return ::fcntl(fd, F_OFD_SETLK, &fl) == 0;
}

/// 1 if another open file description holds a write lock on `byte`, 0 if not,
/// -1 on error. Takes nothing.
inline int byte_locked(int fd, off_t byte) {
  struct flock fl {};
  fl.l_type = F_RDLCK; // conflicts with a write lock; needs no write access
  fl.l_whence = SEEK_SET;
  fl.l_start = byte;
  fl.l_len = 1;
  if (::fcntl(fd, F_OFD_GETLK, &fl) != 0)
    return -1;
  return fl.l_type == F_UNLCK ? 0 : 1;
}

} // namespace trading::shm
