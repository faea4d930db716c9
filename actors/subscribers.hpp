// The consumers of a producer actor (feed, book writer): added by a subscribe
// message, monitored, dropped when they go down. Included by actor sources only.
#pragma once

#include <algorithm>
#include <vector>

#include "caf/actor.hpp"
#include "caf/actor_cast.hpp"
#include "caf/actor_control_block.hpp"
#include "caf/check_typed_input.hpp"
#include "caf/exit_reason.hpp"
#include "caf/local_actor.hpp"
#include "caf/mailbox_element.hpp"
#include "caf/message.hpp"
#include "caf/response_type.hpp"
#include "caf/send.hpp"
#include "caf/system_messages.hpp"

#include "actors/counter.hpp"
#include "actors/diagnostics.hpp"

namespace trading {

/// `Sink` is the typed handle of what the subscribers accept (quote_sink_actor,
/// sentiment_sink_actor).
template <class Sink>
class subscriber_list {
public:
  /// `owner` names the actor in log lines; `gauge` always holds the current
  /// number of subscribers.
  void track(const char* owner, counter& gauge) {
    owner_ = owner;
    gauge_ = &gauge;
  }

  /// Monitors and adds `who`; false for an invalid or known handle. Handles of a
  /// remote actor compare equal across reconnects, but each connection has its
  /// own proxy: a new proxy replaces the old one, so that the old one's late
  /// down message cannot remove the live subscription.
  template <class Self>
  bool add(Self* self, const Sink& who) {
    if (!who)
      return false;
    auto i = std::find(xs_.begin(), xs_.end(), who);
    if (i != xs_.end()) {
      if (block_of(*i) == block_of(who))
        return false;
      self->monitor(who);
      *i = who;
      log_info(owner_, "subscriber re-added through a new connection");
      return true;
    }
    self->monitor(who);
    xs_.push_back(who);
    publish_size();
    log_info(owner_, "subscriber added (" + std::to_string(xs_.size()) + " now)");
    return true;
  }

  /// Drops the subscriber a down message is about; false if it was none of ours.
  bool remove(const caf::down_msg& msg) {
    auto i = std::find_if(xs_.begin(), xs_.end(), [&](const Sink& x) {
      return block_of(x) == msg.source.get();
    });
    if (i == xs_.end())
      return false;
    xs_.erase(i);
    publish_size();
    // A subscriber that stopped cleanly is no news; anything else is.
    if (msg.reason && msg.reason != caf::make_error(caf::exit_reason::user_shutdown))
      log_warn(owner_, "a subscriber went down (" + to_string(msg.reason) + ")");
    return true;
  }

  /// Sends to every subscriber; returns how many messages went out.
  template <class Self, class... Ts>
  std::size_t send_all(Self* self, const Ts&... xs) {
    for (auto& x : xs_)
      self->send(x, xs...);
    return xs_.size();
  }

  /// Sends one message, holding a `T`, to every subscriber as it is: shared,
  /// not copied per subscriber. `T` is checked against the subscribers'
  /// interface as send() checks its arguments.
  template <class T, class Self>
  std::size_t share_all(Self* self, const caf::message& msg) {
    static_assert(caf::response_type_unbox<caf::signatures_of_t<Sink>,
                                           caf::detail::type_list<T>>::valid,
                  "the subscribers do not accept this message");
    for (auto& x : xs_)
      x->enqueue(caf::make_mailbox_element(self->ctrl(), caf::make_message_id(), {}, msg),
                 self->context());
    return xs_.size();
  }

  std::size_t size() const {
    return xs_.size();
  }

private:
  static caf::actor_control_block* block_of(const Sink& x) {
    return caf::actor_cast<caf::actor_control_block*>(x);
  }

  void publish_size() {
    if (gauge_)
      gauge_->value.store(xs_.size(), std::memory_order_relaxed);
  }

  std::vector<Sink> xs_;
  const char* owner_ = "producer";
  counter* gauge_ = nullptr;
};

} // namespace trading
