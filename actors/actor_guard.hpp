// Keeps an actor's private messages private and its mailbox clean: a private
// message (stop, timer, peer hand-over) is obeyed only from the actor itself or its
// own node, and a message the actor does not understand is dropped. Both are
// counted and logged once per interval. Included by actor sources only (CAF).
#pragma once

#include <cstddef>
#include <string>

#include "caf/actor_control_block.hpp"
#include "caf/message_view.hpp"
#include "caf/node_id.hpp"
#include "caf/scheduled_actor.hpp"
#include "caf/system_messages.hpp"

#include "actors/counter.hpp"
#include "actors/diagnostics.hpp"
#include "messages/types.hpp"

namespace trading {

class actor_guard {
public:
  actor_guard(const char* who, guard_metrics& metrics)
    : who_(who), metrics_(&metrics) {
  }

  /// True if the current message comes from an actor of this node (the node's
  /// own code, a peer link, the actor itself); else counts and logs a refusal.
  template <class Self>
  bool private_ok(Self* self, const char* what) {
    auto& sender = self->current_sender();
    if (sender && sender->node() == self->node())
      return true;
    refuse(std::string{"private '"} + what + "'",
           sender ? "node " + to_string(sender->node()) : "an anonymous sender");
    return false;
  }

  /// True if the current message comes from the actor itself (its timers).
  template <class Self>
  bool self_ok(Self* self, const char* what) {
    if (self->current_sender() == self->ctrl())
      return true;
    auto& sender = self->current_sender();
    refuse(std::string{"private '"} + what + "'", describe(sender, ""));
    return false;
  }

  /// True if the current message comes from `producer` (the actor its node
  /// handed over, a proxy of it for a remote one): a sink takes its stream from
  /// that producer only. Else counts and logs a refusal.
  template <class Self>
  bool from_ok(Self* self, const caf::strong_actor_ptr& producer, const char* what) {
    auto& sender = self->current_sender();
    if (sender && sender == producer)
      return true;
    refuse(std::string{"'"} + what + "'", describe(sender, ", not its producer"));
    return false;
  }

  /// True if a message's `count` items are at most `max`; else counts and logs
  /// a refusal (the message is not obeyed at all).
  template <class Self>
  bool size_ok(Self* self, std::size_t count, std::size_t max, const char* what) {
    if (count <= max)
      return true;
    refuse(std::string{"'"} + what + "' of " + std::to_string(count) + " (at most "
             + std::to_string(max) + ")",
           describe(self->current_sender(), ""));
    return false;
  }

  /// Installs the handler that drops (counts, logs) what matches nothing, and
  /// the one that obeys an exit message only from its own node: a stranger's
  /// (or an anonymous one's) is refused and counted. (Reason `kill` cannot be
  /// trapped: keeping strangers out altogether is TLS's job.)
  void drop_unknown(caf::scheduled_actor* self) {
    self->set_default_handler(
      [this](caf::scheduled_actor* s, caf::message_view& x) {
        note_dropped(x.content().stringify());
        return caf::drop(s, x);
      });
    self->set_exit_handler([this](caf::scheduled_actor* s, caf::exit_msg& x) {
      if (exit_ok(s))
        s->quit(x.reason);
    });
  }

  /// True if an exit message may be obeyed: it comes from an actor of this node
  /// (never anonymously; the node sends it from an actor of its own).
  template <class Self>
  bool exit_ok(Self* self) {
    return private_ok(self, "exit");
  }

  /// For blocking actors, which have no default handler: call from a catch-all.
  void note_dropped(const std::string& what) {
    metrics_->dropped.add();
    limiter_.log(log_level::warn, who_,
                 "dropped a message it does not understand: " + shorten(what),
                 mono_ns());
  }

  void flush() {
    limiter_.flush(mono_ns());
  }

private:
  static std::string shorten(std::string text) {
    constexpr std::size_t max = 120;
    if (text.size() > max)
      text = text.substr(0, max) + "...";
    return text;
  }

  static std::string describe(const caf::strong_actor_ptr& sender, const char* tail) {
    if (!sender)
      return "an anonymous sender";
    return "actor " + std::to_string(sender->id()) + " on node " + to_string(sender->node())
           + tail;
  }

  // `what`: "private 'stop'", "'quote'", ...
  void refuse(const std::string& what, const std::string& from) {
    metrics_->refused.add();
    limiter_.log(log_level::warn, who_, "refused a " + what + " message from " + from,
                 mono_ns());
  }

  const char* who_;
  guard_metrics* metrics_;
  log_limiter limiter_;
};

} // namespace trading
