// The most recent N ids, for "have I seen this one?" with bounded memory: the OMS's
// dedup window of answered order ids, the strategy's timed-out orders. Inserting
// past the capacity forgets the oldest id. No CAF; not thread-safe (one actor).
#pragma once

#include <cstddef>
#include <string>
#include <unordered_set>
#include <vector>

namespace trading {

class recent_ids {
public:
  explicit recent_ids(std::size_t capacity) : ring_(capacity) {
    set_.reserve(capacity);
  }

  bool contains(const std::string& id) const {
    return set_.count(id) > 0;
  }

  /// Remembers `id` (a no-op if known or at capacity 0); forgets the oldest id
  /// when full.
  void insert(const std::string& id) {
    if (ring_.empty() || contains(id))
      return;
    auto& slot = ring_[next_];
    if (!slot.empty())
      set_.erase(slot);
    slot = id;
    set_.insert(id);
    next_ = (next_ + 1) % ring_.size();
  }

  /// Forgets `id`; true if it was known. Its ring slot is freed lazily.
  bool erase(const std::string& id) {
    return set_.erase(id) > 0;
  }

  std::size_t size() const {
    return set_.size();
  }

  std::size_t capacity() const {
    return ring_.size();
  }

private:
  std::vector<std::string> ring_; // insertion order; "" = free
  std::size_t next_ = 0;
  std::unordered_set<std::string> set_;
};

} // namespace trading
