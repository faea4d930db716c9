// The most recent N ids, for "have I seen this one?" with bounded memory, each
// with a value: the OMS's dedup window of answered order ids (with the report it
// answered), the strategy's orders it gave up on. Inserting past the capacity
// forgets the oldest id. No CAF; not thread-safe (one actor).
#pragma once

#include <cstddef>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace trading {

template <class Value>
class recent_window {
public:
  explicit recent_window(std::size_t capacity) : ring_(capacity) {
    slot_of_.reserve(capacity);
  }

  bool contains(const std::string& id) const {
    return slot_of_.count(id) > 0;
  }

  /// The value remembered with `id`, or nullptr.
  const Value* find(const std::string& id) const {
    auto i = slot_of_.find(id);
    return i == slot_of_.end() ? nullptr : &ring_[i->second].second;
  }

  /// Remembers `id` with `value` (a no-op if known or at capacity 0); forgets the
  /// oldest id when full.
  void insert(const std::string& id, Value value = {}) {
    if (ring_.empty() || contains(id))
      return;
    auto& slot = ring_[next_];
    if (!slot.first.empty())
      slot_of_.erase(slot.first);
    slot.first = id;
    slot.second = std::move(value);
    slot_of_.emplace(id, next_);
    next_ = (next_ + 1) % ring_.size();
  }

  /// Forgets `id`; true if it was known. Its ring slot is cleared too, so that a
  /// later insert of the same id is not forgotten when the old slot comes round.
  bool erase(const std::string& id) {
    auto i = slot_of_.find(id);
    if (i == slot_of_.end())
      return false;
    ring_[i->second] = {};
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
  std::vector<std::pair<std::string, Value>> ring_; // insertion order; "" = free
  std::size_t next_ = 0;
  std::unordered_map<std::string, std::size_t> slot_of_; // id -> its ring slot
};

/// Ids alone.
using recent_ids = recent_window<bool>;

} // namespace trading
