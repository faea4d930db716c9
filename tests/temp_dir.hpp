// A directory under /tmp unique to this process, removed with the files handed
// out by file() when it goes out of scope. Shared by the tests that write logs.
#pragma once

#include <cstdio>
#include <stdexcept>
#include <string>
#include <unistd.h>
#include <vector>

namespace trading::test_support {

class temp_dir {
public:
  explicit temp_dir(const std::string& prefix = "trading_test") {
    std::string pattern = "/tmp/" + prefix + "_" + std::to_string(::getpid())
                          + "_XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr)
      throw std::runtime_error("mkdtemp failed for " + pattern);
    path_ = pattern;
  }

  ~temp_dir() {
    for (auto& f : files_)
      std::remove(f.c_str());
    ::rmdir(path_.c_str());
  }

  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;

  /// A path inside the directory, removed with it.
  std::string file(const std::string& name) {
    files_.push_back(path_ + "/" + name);
    return files_.back();
  }

private:
  std::string path_;
  std::vector<std::string> files_;
};

} // namespace trading::test_support
