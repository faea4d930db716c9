// A peer that connects to a trading node like any other (typed remote_actor of the
// entry interface) and then either
//   stray_peer HOST PORT private     takes the news feed's public handle and sends
//                                    it what a stranger must never get obeyed (two
//                                    timers, a stop, two exit messages) and something it does not
//                                    understand (a string); prints what stop answered
//   stray_peer HOST PORT order ID SYMBOL QUANTITY [FAKE_PRICE]
//                                    sends one BUY order to the node's order entry
//                                    and prints "STATUS price reason"; with
//                                    FAKE_PRICE it first sends the OMS a quote of
//                                    that price, as if it were the book
// Exits 0 when the node answered, 1 when it could not be reached or asked.
#include <chrono>
#include <iostream>
#include <string>

#include "caf/all.hpp"
#include "caf/io/middleman.hpp"

#include "messages/interfaces.hpp"
#include "messages/type_ids.hpp"

namespace {

using namespace trading;
constexpr auto timeout = std::chrono::seconds(5);

template <class Handle, class Atom>
Handle look_up(caf::scoped_actor& self, const entry_actor& entry, Atom atom,
               const std::string& stream) {
  Handle out;
  self->request(entry, timeout, atom, stream)
    .receive([&](Handle& x) { out = x; },
             [&](caf::error& err) {
               std::cerr << "stray_peer: lookup of " << stream
                         << " failed: " << to_string(err) << "\n";
             });
  if (!out)
    std::cerr << "stray_peer: the node does not produce " << stream << "\n";
  return out;
}

int send_private(caf::scoped_actor& self, const entry_actor& entry) {
  auto feed = look_up<sentiment_stream_actor>(self, entry, sentiment_atom::value,
                                              "sentiment");
  if (!feed)
    return 1;
  // Outside the public interface: only an untyped handle lets these through.
  auto raw = caf::actor_cast<caf::actor>(feed);
  self->send(raw, timer_atom::value);
  self->send(raw, timer_atom::value);
  self->send(raw, std::string{"not a message of ours"});
  auto answered = false;
  auto stopped = true;
  self->request(raw, timeout, stop_atom::value)
    .receive(
      [&](bool x) {
        answered = true;
        stopped = x;
      },
      [&](caf::error& err) { std::cerr << "stray_peer: stop: " << to_string(err) << "\n"; });
  // Exit messages, from an actor and anonymously: trappable reasons are refused.
  self->send_exit(raw, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(raw, caf::exit_reason::user_shutdown);
  std::cout << "sent timer x2, a string, stop and two exits; stop answered "
            << (answered ? (stopped ? "true" : "false") : "nothing") << std::endl;
  return answered ? 0 : 1;
}

int send_order(caf::scoped_actor& self, const entry_actor& entry, const std::string& id,
               const std::string& symbol, const std::string& quantity,
               const std::string& fake_price) {
  auto oms = look_up<order_entry_actor>(self, entry, orders_atom::value, "orders");
  if (!oms)
    return 1;
  if (!fake_price.empty()) {
    // The OMS takes quotes (actor book mode): pose as its book.
    tick fake;
    fake.symbol = symbol;
    fake.top.bid = fake.top.ask = fake.top.last = to_price(std::stod(fake_price));
    fake.top.bid_size = fake.top.ask_size = 1'000'000;
    fake.feed_incarnation = 1;
    fake.sequence = 1;
    fake.created_ns = mono_ns();
    self->send(caf::actor_cast<caf::actor>(oms), fake);
  }
  order o;
  o.order_id = id;
  o.symbol = symbol;
  o.dir = side::buy;
  o.quantity = std::stoll(quantity);
  o.timestamp_ns = wall_ns();
  auto rc = 1;
  self->request(oms, timeout, o)
    .receive(
      [&](execution_report& r) {
        std::cout << to_string(r.status) << " "
                  << (r.execution_price == no_price ? 0.0 : to_double(r.execution_price))
                  << " " << r.reason << std::endl;
        rc = 0;
      },
      [&](caf::error& err) { std::cerr << "stray_peer: order: " << to_string(err) << "\n"; });
  return rc;
}

} // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  auto usage = [] {
    std::cerr << "usage: stray_peer HOST PORT private\n"
                 "       stray_peer HOST PORT order ID SYMBOL QUANTITY [FAKE_PRICE]\n";
    return 2;
  };
  if (args.size() < 3)
    return usage();
  caf::actor_system_config cfg;
  register_message_types(cfg);
  cfg.load<caf::io::middleman>();
  caf::actor_system sys{cfg};
  auto entry = sys.middleman().remote_actor<entry_actor>(
    args[0], static_cast<std::uint16_t>(std::stoi(args[1])));
  if (!entry) {
    std::cerr << "stray_peer: " << sys.render(entry.error()) << "\n";
    return 1;
  }
  caf::scoped_actor self{sys};
  if (args[2] == "private" && args.size() == 3)
    return send_private(self, *entry);
  if (args[2] == "order" && (args.size() == 6 || args.size() == 7))
    return send_order(self, *entry, args[3], args[4], args[5],
                      args.size() == 7 ? args[6] : std::string{});
  return usage();
}
