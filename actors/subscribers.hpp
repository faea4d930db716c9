// The consumers of a producer actor (feed, book writer): added by a subscribe
// message, monitored, dropped when they go down. Included by actor sources only.
#pragma once

#include <algorithm>
#include <vector>

#include "caf/actor.hpp"
#include "caf/local_actor.hpp"
#include "caf/send.hpp"

#include "actors/metrics.hpp"

namespace trading {

class subscriber_list {
public:
  /// `gauge` (optional) always holds the current number of subscribers.
  void track(counter& gauge) {
    gauge_ = &gauge;
  }

  /// Returns false for a handle that is invalid or already subscribed.
  template <class Self>
  bool add(Self* self, const caf::actor& who) {
    if (!who || std::find(xs_.begin(), xs_.end(), who) != xs_.end())
      return false;
    self->monitor(who);
    xs_.push_back(who);
    publish_size();
    return true;
  }

  bool remove(const caf::actor_addr& who) {
    auto i = std::find_if(xs_.begin(), xs_.end(),
                          [&](const caf::actor& x) { return x.address() == who; });
    if (i == xs_.end())
      return false;
    xs_.erase(i);
    publish_size();
    return true;
  }

  /// Sends to every subscriber; returns how many messages went out.
  template <class Self, class... Ts>
  std::size_t send_all(Self* self, const Ts&... xs) {
    for (auto& x : xs_)
      self->send(x, xs...);
    return xs_.size();
  }

  std::size_t size() const {
    return xs_.size();
  }

private:
  void publish_size() {
    if (gauge_)
      gauge_->value.store(xs_.size(), std::memory_order_relaxed);
  }

  std::vector<caf::actor> xs_;
  counter* gauge_ = nullptr;
};

} // namespace trading
