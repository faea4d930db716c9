// A message filled in place and shared by all its receivers: once they have all
// dropped it, the next one is filled in the same storage, so a producer that
// sends one value per interval neither allocates nor copies it. Included by
// actor sources only.
#pragma once

#include <cstdint>

#include "caf/make_message.hpp"
#include "caf/message.hpp"

namespace trading {

template <class T>
class reused_message {
public:
  /// The value being filled. The first call after sealed() starts the next one:
  /// the last one's storage when no receiver holds it any more, else a new
  /// value; either way prepared by `reset`.
  template <class Reset>
  T& filling(Reset reset) {
    if (!value_) {
      if (!msg_.cvals() || !msg_.cvals()->unique()) {
        msg_ = caf::make_message(T{});
        ++made_;
      }
      value_ = &msg_.get_mutable_as<T>(0); // unshared: no copy
      reset(*value_);
    }
    return *value_;
  }

  /// The filled message, to send to every receiver as it is.
  const caf::message& sealed() {
    value_ = nullptr;
    return msg_;
  }

  /// How many values were made rather than reused (a receiver still held the
  /// last one).
  std::uint64_t made() const {
    return made_;
  }

private:
  caf::message msg_;
  T* value_ = nullptr;
  std::uint64_t made_ = 0;
};

} // namespace trading
