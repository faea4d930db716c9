// The most recent N ids, for "have I seen this one?" with bounded memory: the OMS's
// dedup window of answered order ids, the strategy's timed-out orders. Inserting
// past the capacity forgets the oldest id. No CAF; not thread-safe (one actor).
#pragma once

#include <cstddef>
#include <string>
#include <unordered_map>
#include <vector>

namespace trading {

class recent_ids {
public:
  explicit recent_ids(std::size_t capacity) : ring_(capacity) {
    slot_of_.reserve(capacity);
  }

  bool contains(const std::string& id) const {
    return slot_of_.count(id) > 0;
  }

  /// Remembers `id` (a no-op if known or at capacity 0); forgets the oldest id
  /// when full.
  void insert(const std::string& id) {
    if (ring_.empty() || contains(id))
      return;
    auto& slot = ring_[next_];
    if (!slot.empty())
      slot_of_.erase(slot);
    slot = id;
    slot_of_.emplace(id, next_);
    next_ = (next_ + 1) % ring_.size();
  }

  /// Forgets `id`; true if it was known. Its ring slot is cleared too, so that a
  /// later insert of the same id is not forgotten when the old slot comes round.
  bool erase(const std::string& id) {
    auto i = slot_of_.find(id);
    if (i == slot_of_.end())
      return false;
    ring_[i->second].clear();
    slot_of_.erase(i);
    return true;
  }

  std::size_t size() const {
    return slot_of_.size();
  }

  std::size_t capacity() const {
    return ring_.size();
  }

private:
  std::vector<std::string> ring_; // insertion order; "" = free
  std::size_t next_ = 0;
  std::unordered_map<std::string, std::size_t> slot_of_; // id -> its ring slot
};

} // namespace trading
