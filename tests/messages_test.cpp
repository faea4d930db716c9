// Every message type in the type-ID block: round-trips through CAF's binary
// serializer and (those that have one) through its JSON form, and crosses a real
// middleman connection on loopback to a server in another process, typed actor
// handles included. (With two actor_systems in one process, CAF 0.17's
// remote_actor hands back the published actor itself, so nothing would be
// serialized: checked with a probe.)
#include "messages/atoms.hpp"
#include "messages/interfaces.hpp"
#include "messages/json.hpp"
#include "messages/type_ids.hpp"

#include "caf/all.hpp"
#include "caf/io/all.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <poll.h>
#include <signal.h>
#include <string>
#include <sys/types.h>
#include <type_traits>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

namespace trading {
namespace {

using json = nlohmann::json;

// -- samples: every field set to a non-default value ---------------------------

quote sample_quote(double last) {
  quote x;
  x.bid = to_price(last - 0.0123);
  x.ask = to_price(last + 0.0456);
  x.last = to_price(last);
  x.bid_size = 300;
  x.ask_size = 700;
  return x;
}

/// A tick as the feed creates it (book_received_ns 0).
tick sample_tick(const std::string& symbol, double last, std::uint64_t seq) {
  tick x;
  x.symbol = symbol;
  x.top = sample_quote(last);
  x.feed_incarnation = 0xDEADBEEF12345678ull;
  x.sequence = seq;
  x.created_ns = 123'456'789'012'345;
  x.event_ns = 1'700'000'000'000'000'042;
  // Depth: two bid levels and all four ask levels behind the top.
  x.depth.bids[0] = level{x.top.bid - 100, 400};
  x.depth.bids[1] = level{x.top.bid - 250, 1200};
  for (std::size_t i = 0; i < book_levels - 1; ++i)
    x.depth.asks[i] = level{x.top.ask + 100 * static_cast<price_t>(i + 1),
                            static_cast<quantity_t>(100 * (i + 2))};
  return x;
}

/// A tick as the book republishes it: book_received_ns set.
tick sample_book_tick() {
  tick x;
  x.symbol = "GOOGL";
  x.top.bid = to_price(140.25);
  x.top.ask = to_price(140.27);
  x.top.last = to_price(140.26);
  x.top.bid_size = 500;
  x.top.ask_size = 900;
  x.feed_incarnation = 77;
  x.sequence = 1'000'001;
  x.created_ns = 5'000'000'123;
  x.book_received_ns = 5'000'004'567;
  x.event_ns = 1'700'000'000'000'000'043;
  return x;
}

template <class T>
struct samples;

template <>
struct samples<quote> {
  static std::vector<quote> get() {
    quote one_sided; // only asks so far: the bid side is still no_price
    one_sided.ask = to_price(330.0);
    one_sided.last = to_price(329.99);
    one_sided.ask_size = 100;
    return {sample_quote(175.1234), one_sided};
  }
};

template <>
struct samples<tick> {
  static std::vector<tick> get() {
    return {sample_tick("AAPL", 175.1234, 987'654'321), sample_book_tick()};
  }
};

template <>
struct samples<tick_batch> {
  static std::vector<tick_batch> get() {
    tick_batch x;
    x.ticks = {sample_tick("AAPL", 175.1234, 41), sample_tick("MSFT", 330.5, 42),
               sample_tick("GOOGL", 140.0001, 43)};
    tick_batch from_book;
    from_book.ticks = {sample_book_tick(), sample_book_tick()};
    from_book.ticks[1].sequence += 1;
    from_book.ticks[1].book_received_ns += 10;
    return {x, from_book};
  }
};

template <>
struct samples<news> {
  static std::vector<news> get() {
    news x;
    x.symbol = "MSFT";
    x.sentiment = 75;
    x.label = news_label::positive;
    x.feed_incarnation = 0x0123456789ABCDEFull;
    x.sequence = 4242;
    x.created_ns = 987'654'321'000;
    x.event_ns = 1'700'000'000'000'000'044;
    news y = x;
    y.symbol = ""; // market-wide
    y.sentiment = 12;
    y.label = news_label::negative;
    return {x, y};
  }
};

template <>
struct samples<order> {
  static std::vector<order> get() {
    order x;
    x.order_id = "00000000deadbeef-17";
    x.symbol = "AMZN";
    x.dir = side::sell;
    x.quantity = 20;
    x.limit_price = to_price(145.6789);
    x.timestamp_ns = 1'700'000'000'123'456'000; // whole microseconds
    x.tick_created_ns = 6'000'000'001;
    x.book_received_ns = 6'000'000'502;
    x.strategy_seen_ns = 6'000'001'003;
    x.strategy_sent_ns = 6'000'001'904;
    x.event_ns = 1'700'000'000'000'000'045;
    order y = x;
    y.order_id = "00000000deadbeef-18";
    y.account = "edge-client-7";
    y.dir = side::buy;
    y.quantity = 10;
    y.resend = true;
    return {x, y};
  }
};

template <>
struct samples<execution_report> {
  static std::vector<execution_report> get() {
    execution_report fill;
    fill.execution_id = "00000000cafebabe-3";
    fill.order_id = "00000000deadbeef-17";
    fill.symbol = "AMZN";
    fill.dir = side::sell;
    fill.quantity = 20;
    fill.order_quantity = 50;
    fill.filled_quantity = 30;
    fill.leaves_quantity = 20;
    fill.status = exec_status::partial;
    fill.order_price = to_price(145.6789);
    fill.execution_price = to_price(145.66);
    fill.timestamp_ns = 1'700'000'000'654'321'000; // whole microseconds
    fill.sequence = 3;
    execution_report repeat = fill;
    repeat.repeat = true;
    repeat.account = "edge-client-7";
    execution_report reject = fill;
    reject.execution_id = "00000000cafebabe-4";
    reject.order_id = "00000000deadbeef-18";
    reject.dir = side::buy;
    reject.execution_price = no_price;
    reject.status = exec_status::rejected;
    reject.filled_quantity = 0;
    reject.leaves_quantity = 0;
    reject.order_quantity = reject.quantity;
    reject.reason = "quantity exceeds the limit of 100000";
    reject.sequence = 4;
    return {fill, repeat, reject};
  }
};

// A strategy pass's orders and their answers travel as one message each.
template <>
struct samples<order_batch> {
  static std::vector<order_batch> get() {
    order_batch pass;
    pass.orders = samples<order>::get();
    pass.orders[1].order_id += "-2";
    return {pass, order_batch{}};
  }
};

template <>
struct samples<execution_report_batch> {
  static std::vector<execution_report_batch> get() {
    return {execution_report_batch{samples<execution_report>::get()},
            execution_report_batch{}};
  }
};

template <>
struct samples<position> {
  static std::vector<position> get() {
    position x;
    x.symbol = "AAPL";
    x.quantity = 30;
    x.average_price = 175.123456789; // doubles: must survive bit for bit
    x.realized_pnl = -1234.5625;
    x.last_price = 176.01;
    position y;
    y.symbol = "MSFT";
    y.quantity = -10; // short
    y.average_price = 330.5;
    y.realized_pnl = 0.1 + 0.2;
    y.last_price = 329.75;
    return {x, y};
  }
};

// -- field-by-field comparison ----------------------------------------------------

void expect_same(const quote& a, const quote& b) {
  EXPECT_EQ(a.bid, b.bid);
  EXPECT_EQ(a.ask, b.ask);
  EXPECT_EQ(a.last, b.last);
  EXPECT_EQ(a.bid_size, b.bid_size);
  EXPECT_EQ(a.ask_size, b.ask_size);
}

void expect_same(const book_depth& a, const book_depth& b) {
  for (std::size_t i = 0; i < book_levels - 1; ++i) {
    SCOPED_TRACE("level " + std::to_string(i + 2));
    EXPECT_EQ(a.bids[i].price, b.bids[i].price);
    EXPECT_EQ(a.bids[i].size, b.bids[i].size);
    EXPECT_EQ(a.asks[i].price, b.asks[i].price);
    EXPECT_EQ(a.asks[i].size, b.asks[i].size);
  }
}

void expect_same(const tick& a, const tick& b) {
  EXPECT_EQ(a.symbol, b.symbol);
  expect_same(a.top, b.top);
  expect_same(a.depth, b.depth);
  EXPECT_EQ(a.feed_incarnation, b.feed_incarnation);
  EXPECT_EQ(a.sequence, b.sequence);
  EXPECT_EQ(a.created_ns, b.created_ns);
  EXPECT_EQ(a.book_received_ns, b.book_received_ns);
  EXPECT_EQ(a.event_ns, b.event_ns);
}

void expect_same(const news& a, const news& b) {
  EXPECT_EQ(a.symbol, b.symbol);
  EXPECT_EQ(a.sentiment, b.sentiment);
  EXPECT_EQ(a.label, b.label);
  EXPECT_EQ(a.feed_incarnation, b.feed_incarnation);
  EXPECT_EQ(a.sequence, b.sequence);
  EXPECT_EQ(a.created_ns, b.created_ns);
  EXPECT_EQ(a.event_ns, b.event_ns);
}

void expect_same(const order& a, const order& b) {
  EXPECT_EQ(a.order_id, b.order_id);
  EXPECT_EQ(a.account, b.account);
  EXPECT_EQ(a.resend, b.resend);
  EXPECT_EQ(a.symbol, b.symbol);
  EXPECT_EQ(a.dir, b.dir);
  EXPECT_EQ(a.quantity, b.quantity);
  EXPECT_EQ(a.limit_price, b.limit_price);
  EXPECT_EQ(a.timestamp_ns, b.timestamp_ns);
  EXPECT_EQ(a.tick_created_ns, b.tick_created_ns);
  EXPECT_EQ(a.book_received_ns, b.book_received_ns);
  EXPECT_EQ(a.strategy_seen_ns, b.strategy_seen_ns);
  EXPECT_EQ(a.strategy_sent_ns, b.strategy_sent_ns);
  EXPECT_EQ(a.event_ns, b.event_ns);
}

void expect_same(const execution_report& a, const execution_report& b) {
  EXPECT_EQ(a.execution_id, b.execution_id);
  EXPECT_EQ(a.order_id, b.order_id);
  EXPECT_EQ(a.symbol, b.symbol);
  EXPECT_EQ(a.dir, b.dir);
  EXPECT_EQ(a.quantity, b.quantity);
  EXPECT_EQ(a.order_price, b.order_price);
  EXPECT_EQ(a.execution_price, b.execution_price);
  EXPECT_EQ(a.status, b.status);
  EXPECT_EQ(a.reason, b.reason);
  EXPECT_EQ(a.timestamp_ns, b.timestamp_ns);
  EXPECT_EQ(a.account, b.account);
  EXPECT_EQ(a.sequence, b.sequence);
  EXPECT_EQ(a.repeat, b.repeat);
  EXPECT_EQ(a.order_quantity, b.order_quantity);
  EXPECT_EQ(a.filled_quantity, b.filled_quantity);
  EXPECT_EQ(a.leaves_quantity, b.leaves_quantity);
}

void expect_same(const position& a, const position& b) {
  EXPECT_EQ(a.symbol, b.symbol);
  EXPECT_EQ(a.quantity, b.quantity);
  EXPECT_EQ(a.average_price, b.average_price); // exact: binary doubles
  EXPECT_EQ(a.realized_pnl, b.realized_pnl);
  EXPECT_EQ(a.last_price, b.last_price);
}

// Element by element, each traced with its kind and index.
template <class T>
void expect_same_each(const std::vector<T>& a, const std::vector<T>& b, const char* what) {
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    SCOPED_TRACE(std::string{what} + " " + std::to_string(i));
    expect_same(a[i], b[i]);
  }
}

void expect_same(const tick_batch& a, const tick_batch& b) {
  expect_same_each(a.ticks, b.ticks, "tick");
}

void expect_same(const order_batch& a, const order_batch& b) {
  expect_same_each(a.orders, b.orders, "order");
}

void expect_same(const execution_report_batch& a, const execution_report_batch& b) {
  expect_same_each(a.reports, b.reports, "report");
}

void expect_same(const std::vector<position>& a, const std::vector<position>& b) {
  expect_same_each(a, b, "position");
}

// -- the echo server in a child process --------------------------------------------

class test_config : public caf::actor_system_config {
public:
  test_config() {
    register_message_types(*this);
    load<caf::io::middleman>();
  }
};

// Echoes every message type and typed handle; given an order_entry_actor with an
// order, it places the order there itself (so the handle it received works as a
// proxy for an actor of the client's node) and answers with the report.
caf::behavior echo(caf::event_based_actor* self) {
  return {
    [](const quote& x) { return x; },
    [](const tick& x) { return x; },
    [](const tick_batch& x) { return x; },
    [](const news& x) { return x; },
    [](const order& x) { return x; },
    [](const execution_report& x) { return x; },
    [](const order_batch& x) { return x; },
    [](const execution_report_batch& x) { return x; },
    [](const position& x) { return x; },
    [](const std::vector<position>& x) { return x; },
    [](const order_entry_actor& x) { return x; },
    [](const quote_stream_actor& x) { return x; },
    [self](const order_entry_actor& oms, const order& x) {
      auto rp = self->make_response_promise<execution_report>();
      self->request(oms, std::chrono::seconds(5), x)
        .then([rp](execution_report& r) mutable { rp.deliver(std::move(r)); },
              [rp](caf::error& err) mutable { rp.deliver(std::move(err)); });
      return rp;
    },
  };
}

// Child: publishes an echo actor on a free loopback port, writes the port (0 on
// failure) to `port_fd`, and runs until `stop_fd` reaches EOF (the parent closed
// it or died).
int serve_echo(int port_fd, int stop_fd) {
  int rc = 0;
  {
    test_config cfg;
    caf::actor_system sys{cfg};
    auto server = sys.spawn(echo);
    auto port = sys.middleman().publish(server, 0, "127.0.0.1", true);
    std::uint16_t value = port ? *port : 0;
    if (::write(port_fd, &value, sizeof value) != sizeof value || !port)
      rc = 1;
    for (char c; rc == 0;) { // wait for EOF
      auto n = ::read(stop_fd, &c, 1);
      if (n == 0 || (n < 0 && errno != EINTR))
        break;
    }
    caf::anon_send_exit(server, caf::exit_reason::user_shutdown);
  }
  return rc;
}

/// A client actor_system connected to the echo actor in a forked server process.
/// Created on first use (before it, the test process runs no CAF threads, so the
/// fork is safe); torn down by the environment below.
class loopback {
public:
  loopback() {
    int port_pipe[2];
    int stop_pipe[2];
    if (::pipe(port_pipe) != 0 || ::pipe(stop_pipe) != 0) {
      error_ = "pipe failed";
      return;
    }
    child_ = ::fork();
    if (child_ == 0) {
      ::close(port_pipe[0]);
      ::close(stop_pipe[1]);
      ::_exit(serve_echo(port_pipe[1], stop_pipe[0]));
    }
    ::close(port_pipe[1]);
    ::close(stop_pipe[0]);
    stop_fd_ = stop_pipe[1];
    if (child_ < 0) {
      error_ = "fork failed";
      ::close(port_pipe[0]);
      return;
    }
    std::uint16_t port = 0;
    pollfd pfd{port_pipe[0], POLLIN, 0};
    if (::poll(&pfd, 1, 20'000) != 1
        || ::read(port_pipe[0], &port, sizeof port) != sizeof port || port == 0) {
      error_ = "the echo server did not publish";
      ::close(port_pipe[0]);
      return;
    }
    ::close(port_pipe[0]);
    port_ = port;
    sys_ = std::make_unique<caf::actor_system>(cfg_);
    auto remote = sys_->middleman().remote_actor("127.0.0.1", port);
    if (!remote) {
      error_ = "remote_actor failed: " + sys_->render(remote.error());
      return;
    }
    server_ = *remote;
  }

  ~loopback() {
    server_ = nullptr;
    sys_.reset();
    if (stop_fd_ >= 0)
      ::close(stop_fd_); // the child sees EOF and shuts down
    if (child_ > 0) {
      int status = 0;
      while (::waitpid(child_, &status, 0) < 0 && errno == EINTR)
        ;
    }
  }

  const std::string& error() const {
    return error_;
  }

  caf::actor_system& sys() {
    return *sys_;
  }

  const caf::actor& server() const {
    return server_;
  }

  std::uint16_t port() const {
    return port_;
  }

  static loopback& instance() {
    if (!instance_)
      instance_ = std::make_unique<loopback>();
    return *instance_;
  }

  static void shutdown() {
    instance_.reset();
  }

private:
  static inline std::unique_ptr<loopback> instance_;
  test_config cfg_;
  std::unique_ptr<caf::actor_system> sys_;
  caf::actor server_;
  std::string error_;
  pid_t child_ = -1;
  int stop_fd_ = -1;
  std::uint16_t port_ = 0;
};

class loopback_environment : public ::testing::Environment {
public:
  void TearDown() override {
    loopback::shutdown();
  }
};

// -- typed tests over the type-ID block ---------------------------------------------

template <class T>
class message_types : public ::testing::Test {};

/// Every struct of the type-ID block (std::vector<position> and the typed handles
/// cross the middleman in their own tests below).
using all_message_types
  = ::testing::Types<quote, tick, tick_batch, news, order, execution_report,
                     order_batch, execution_report_batch, position>;

/// The ones with a JSON form (messages/json.hpp): what the logs hold.
template <class T>
class json_message_types : public ::testing::Test {};

using json_types = ::testing::Types<tick, tick_batch, news, order, execution_report>;

/// JSON fields from_json does not require: the report's reason (only on rejects)
/// and the tick's book_received_ns (0 until the book has seen it).
template <class T>
bool optional_json_field(const std::string& key) {
  // Absent in lines written before accounts, journal sequences, resends and
  // event times (protocol 5).
  if constexpr (std::is_same_v<T, execution_report>)
    return key == "reason" || key == "account" || key == "sequence" || key == "repeat"
           // absent before partial fills (then: one line, the whole order)
           || key == "order_quantity" || key == "filled_quantity"
           || key == "leaves_quantity" || key == "fee";
  else if constexpr (std::is_same_v<T, order>)
    return key == "account" || key == "resend" || key == "event_ns"
           || key == "strategy_sent_ns"; // absent before protocol 7
  else if constexpr (std::is_same_v<T, tick>)
    return key == "book_received_ns" || key == "event_ns"
           || key == "depth"; // depth: if the source has it
  else if constexpr (std::is_same_v<T, news>)
    return key == "event_ns";
  else
    return false;
}

class type_names {
public:
  template <class T>
  static std::string GetName(int) {
    std::string name = caf::type_name<T>::value; // "trading::tick"
    return name.substr(name.rfind(':') + 1);
  }
};

TYPED_TEST_SUITE(message_types, all_message_types, type_names);
TYPED_TEST_SUITE(json_message_types, json_types, type_names);

TYPED_TEST(message_types, round_trip_through_the_binary_serializer) {
  for (auto x : samples<TypeParam>::get()) {
    std::vector<char> buf;
    caf::binary_serializer sink{nullptr, buf};
    auto err = sink(x);
    ASSERT_FALSE(err) << caf::actor_system_config::render(err);
    ASSERT_FALSE(buf.empty());
    TypeParam y;
    caf::binary_deserializer source{nullptr, buf};
    err = source(y);
    ASSERT_FALSE(err) << caf::actor_system_config::render(err);
    EXPECT_EQ(source.remaining(), 0u) << "trailing bytes after deserializing";
    expect_same(x, y);
  }
}

TYPED_TEST(message_types, truncated_binary_input_is_an_error) {
  for (auto x : samples<TypeParam>::get()) {
    std::vector<char> buf;
    caf::binary_serializer sink{nullptr, buf};
    ASSERT_FALSE(sink(x));
    buf.pop_back();
    TypeParam y;
    caf::binary_deserializer source{nullptr, buf};
    EXPECT_TRUE(source(y));
  }
}

TYPED_TEST(json_message_types, round_trip_through_json) {
  for (auto& x : samples<TypeParam>::get()) {
    auto text = json(x).dump();
    auto y = json::parse(text).get<TypeParam>();
    SCOPED_TRACE(text);
    expect_same(x, y);
  }
}

TYPED_TEST(json_message_types, json_missing_any_field_throws_naming_it) {
  for (auto& x : samples<TypeParam>::get()) {
    json full = x;
    for (auto& [key, value] : full.items()) {
      (void) value;
      if (optional_json_field<TypeParam>(key))
        continue;
      auto partial = full;
      partial.erase(key);
      try {
        partial.get<TypeParam>();
        ADD_FAILURE() << "no exception without '" << key << "'";
      } catch (const std::exception& e) {
        EXPECT_NE(std::string{e.what()}.find(key), std::string::npos)
          << "'" << e.what() << "' does not name '" << key << "'";
      }
    }
  }
}

TYPED_TEST(message_types, cross_a_real_middleman_connection_unchanged) {
  auto& lb = loopback::instance();
  ASSERT_TRUE(lb.error().empty()) << lb.error();
  ASSERT_TRUE(lb.server());
  // A proxy for an actor of another node, not a local shortcut.
  EXPECT_NE(lb.server().node(), lb.sys().node());
  EXPECT_NE(dynamic_cast<caf::actor_proxy*>(
              caf::actor_cast<caf::abstract_actor*>(lb.server())),
            nullptr);
  caf::scoped_actor self{lb.sys()};
  for (auto& x : samples<TypeParam>::get()) {
    std::optional<TypeParam> echoed;
    std::string failure;
    self->request(lb.server(), std::chrono::seconds(5), x)
      .receive([&](const TypeParam& y) { echoed = y; },
               [&](caf::error& err) { failure = lb.sys().render(err); });
    ASSERT_TRUE(echoed) << "no echo: " << failure;
    expect_same(x, *echoed);
  }
}

// The OMS's answer to the node's positions request crosses as one vector.
TEST(middleman, position_list_crosses_unchanged) {
  auto& lb = loopback::instance();
  ASSERT_TRUE(lb.error().empty()) << lb.error();
  caf::scoped_actor self{lb.sys()};
  for (auto x : {samples<position>::get(), std::vector<position>{}}) {
    std::optional<std::vector<position>> echoed;
    std::string failure;
    self->request(lb.server(), std::chrono::seconds(5), x)
      .receive([&](std::vector<position>& y) { echoed = std::move(y); },
               [&](caf::error& err) { failure = lb.sys().render(err); });
    ASSERT_TRUE(echoed) << "no echo: " << failure;
    expect_same(x, *echoed);
  }
}

// Typed handles cross in entry lookups and subscriptions: a handle to an actor of
// this node goes to the other process and comes back as the same actor, and the
// other process can use it (its proxy reaches the actor here).
TEST(middleman, typed_handles_cross_and_still_reach_their_actor) {
  auto& lb = loopback::instance();
  ASSERT_TRUE(lb.error().empty()) << lb.error();
  auto oms = lb.sys().spawn([]() -> order_entry_actor::behavior_type {
    return {[](const order& o) {
      execution_report r;
      r.execution_id = "local-1";
      r.order_id = o.order_id;
      r.symbol = o.symbol;
      r.dir = o.dir;
      r.quantity = o.quantity;
      r.order_price = o.limit_price;
      r.execution_price = o.limit_price;
      r.status = exec_status::filled;
      return r;
    },
    [](const order_batch& xs) {
      return execution_report_batch{std::vector<execution_report>(xs.orders.size())};
    },
    [](positions_atom, const std::string& account) {
      return account_positions{account, 0, {}};
    },
    [](warm_atom) {}};
  });
  auto stream = lb.sys().spawn([]() -> quote_stream_actor::behavior_type {
    return {[](subscribe_atom, const quote_sink_actor&) {}};
  });
  caf::scoped_actor self{lb.sys()};
  // Round trip of each handle: out as a proxy, back as the local actor.
  std::optional<order_entry_actor> oms_back;
  std::optional<quote_stream_actor> stream_back;
  std::string failure;
  self->request(lb.server(), std::chrono::seconds(5), oms)
    .receive([&](order_entry_actor& x) { oms_back = std::move(x); },
             [&](caf::error& err) { failure = lb.sys().render(err); });
  ASSERT_TRUE(oms_back) << "no echo: " << failure;
  self->request(lb.server(), std::chrono::seconds(5), stream)
    .receive([&](quote_stream_actor& x) { stream_back = std::move(x); },
             [&](caf::error& err) { failure = lb.sys().render(err); });
  ASSERT_TRUE(stream_back) << "no echo: " << failure;
  EXPECT_TRUE(*oms_back == oms);
  EXPECT_TRUE(*stream_back == stream);
  // The server places an order through the handle it was given.
  auto o = samples<order>::get()[0];
  std::optional<execution_report> report;
  self->request(lb.server(), std::chrono::seconds(10), oms, o)
    .receive([&](execution_report& r) { report = std::move(r); },
             [&](caf::error& err) { failure = lb.sys().render(err); });
  ASSERT_TRUE(report) << "no report through the remote handle: " << failure;
  EXPECT_EQ(report->execution_id, "local-1");
  EXPECT_EQ(report->order_id, o.order_id);
  EXPECT_EQ(report->quantity, o.quantity);
  EXPECT_EQ(report->status, exec_status::filled);
  caf::anon_send_exit(oms, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(stream, caf::exit_reason::user_shutdown);
}

// -- labels -------------------------------------------------------------------------

// The quote and the depth cross the wire as blocks of bytes (messages/market.hpp),
// exactly their size; a message printed (a dropped one is logged so) still lists
// every field.
TEST(wire_form, quote_and_depth_are_blocks_of_their_size_and_print_field_by_field) {
  auto x = sample_tick("AAPL", 175.1234, 7);
  std::vector<char> top_bytes, depth_bytes;
  caf::binary_serializer top_sink{nullptr, top_bytes};
  ASSERT_FALSE(top_sink(x.top));
  EXPECT_EQ(top_bytes.size(), sizeof(quote));
  caf::binary_serializer depth_sink{nullptr, depth_bytes};
  ASSERT_FALSE(depth_sink(x.depth));
  EXPECT_EQ(depth_bytes.size(), sizeof(book_depth));
  auto printed = caf::deep_to_string(x);
  EXPECT_NE(printed.find("book_depth"), std::string::npos) << printed;
  EXPECT_NE(printed.find(std::to_string(x.depth.asks[3].price)), std::string::npos)
    << printed;
  EXPECT_NE(printed.find(std::to_string(x.top.ask_size)), std::string::npos) << printed;
}

TEST(label_for, default_thresholds_are_the_seeds_60_and_40) {
  EXPECT_EQ(label_for(61), news_label::positive);
  EXPECT_EQ(label_for(60), news_label::neutral); // "above": strictly
  EXPECT_EQ(label_for(50), news_label::neutral);
  EXPECT_EQ(label_for(40), news_label::neutral); // "below": strictly
  EXPECT_EQ(label_for(39), news_label::negative);
  EXPECT_EQ(label_for(100), news_label::positive);
  EXPECT_EQ(label_for(0), news_label::negative);
}

TEST(label_for, configured_thresholds_move_the_bounds) {
  // news_feed.positive_above = 70, news_feed.negative_below = 30
  EXPECT_EQ(label_for(71, 70, 30), news_label::positive);
  EXPECT_EQ(label_for(70, 70, 30), news_label::neutral);
  EXPECT_EQ(label_for(65, 70, 30), news_label::neutral); // positive by default
  EXPECT_EQ(label_for(35, 70, 30), news_label::neutral); // negative by default
  EXPECT_EQ(label_for(30, 70, 30), news_label::neutral);
  EXPECT_EQ(label_for(29, 70, 30), news_label::negative);
  // Narrow: only exactly 50 is neutral.
  EXPECT_EQ(label_for(51, 50, 50), news_label::positive);
  EXPECT_EQ(label_for(50, 50, 50), news_label::neutral);
  EXPECT_EQ(label_for(49, 50, 50), news_label::negative);
  EXPECT_STREQ(to_string(label_for(90, 80, 20)), "positive");
  EXPECT_STREQ(to_string(label_for(10, 80, 20)), "negative");
  EXPECT_STREQ(to_string(label_for(50, 80, 20)), "neutral");
}

// -- JSON forms in detail -------------------------------------------------------------

TEST(message_json, tick_carries_the_quote_flat_and_book_received_ns) {
  auto from_book = samples<tick>::get()[1];
  json j = from_book;
  EXPECT_DOUBLE_EQ(j.at("bid").get<double>(), 140.25);
  EXPECT_DOUBLE_EQ(j.at("ask").get<double>(), 140.27);
  EXPECT_EQ(j.at("bid_size"), 500);
  EXPECT_EQ(j.at("book_received_ns"), 5'000'004'567);
  // A tick from before the book (or an older writer) has no book_received_ns: 0.
  j.erase("book_received_ns");
  EXPECT_EQ(j.get<tick>().book_received_ns, 0);
}

TEST(message_json, rejected_report_has_null_execution_price_and_a_reason) {
  auto reject = samples<execution_report>::get().back();
  json j = reject;
  EXPECT_TRUE(j.at("execution_price").is_null());
  EXPECT_EQ(j.at("status"), "REJECTED");
  EXPECT_EQ(j.at("reason"), reject.reason);
  EXPECT_EQ(j.at("side"), "BUY");
}

TEST(message_json, filled_report_has_a_price_and_no_reason) {
  auto fill = samples<execution_report>::get()[0];
  json j = fill;
  EXPECT_DOUBLE_EQ(j.at("execution_price").get<double>(), 145.66);
  EXPECT_DOUBLE_EQ(j.at("order_price").get<double>(), 145.6789);
  EXPECT_EQ(j.at("status"), "PARTIAL");
  EXPECT_EQ(j.at("side"), "SELL");
  EXPECT_FALSE(j.contains("reason"));
  // One level of an order of 50: this line's 20, 30 in all, 20 cancelled.
  EXPECT_EQ(j.at("quantity"), 20);
  EXPECT_EQ(j.at("order_quantity"), 50);
  EXPECT_EQ(j.at("filled_quantity"), 30);
  EXPECT_EQ(j.at("leaves_quantity"), 20);
  EXPECT_EQ(j.at("fee"), 0.0);
}

TEST(message_json, a_line_from_before_partial_fills_reads_as_the_whole_order) {
  auto line = R"({"execution_id":"e-1","order_id":"o-1","symbol":"AAPL","side":"BUY",)"
              R"("quantity":10,"order_price":1.5,"execution_price":1.5,)"
              R"("timestamp":1700000000.5,"status":"FILLED"})";
  auto r = json::parse(line).get<execution_report>();
  EXPECT_EQ(r.order_quantity, 10);
  EXPECT_EQ(r.filled_quantity, 10);
  EXPECT_EQ(r.leaves_quantity, 0);
  EXPECT_EQ(r.fee, 0.0);
}

TEST(message_json, order_timestamp_is_epoch_seconds_with_microseconds) {
  auto x = samples<order>::get()[0];
  json j = x;
  EXPECT_NEAR(j.at("timestamp").get<double>(), 1'700'000'000.123456, 1e-6);
  EXPECT_DOUBLE_EQ(j.at("price").get<double>(), 145.6789);
  EXPECT_EQ(j.at("side"), "SELL");
}

TEST(message_json, log_line_is_compact_json_ending_in_a_newline) {
  auto x = samples<order>::get()[0];
  auto line = to_log_line(x);
  ASSERT_FALSE(line.empty());
  EXPECT_EQ(line.back(), '\n');
  EXPECT_EQ(line.find('\n'), line.size() - 1);
  expect_same(x, json::parse(line).get<order>());
}

// The OMS's journal line is written without a json document on the fast path:
// it must be byte for byte what json(x).dump() writes, for every kind of report
// (and the strings, ids and numbers that send it down the json path instead).
TEST(message_json, execution_report_log_line_is_the_json_dump_byte_for_byte) {
  auto reports = samples<execution_report>::get();
  auto base = reports[0];
  auto with = [&](auto change) {
    auto x = base;
    change(x);
    reports.push_back(x);
  };
  with([](execution_report& x) { x.execution_price = to_price(175.0); });
  with([](execution_report& x) { x.order_price = to_price(0.0001); });
  with([](execution_report& x) { x.timestamp_ns = 0; });
  with([](execution_report& x) { x.quantity = -7; });
  with([](execution_report& x) { x.account = ""; });
  with([](execution_report& x) { x.client_order_id = "\"abc\""; });
  with([](execution_report& x) { x.client_order_id = "12345"; });
  with([](execution_report& x) { x.order_id = "quote\"back\\slash"; });
  with([](execution_report& x) { x.symbol = "caf\xc3\xa9"; });     // UTF-8
  with([](execution_report& x) { x.symbol = "bad\xff"; });          // not UTF-8
  with([](execution_report& x) { x.reason = "tab\there"; });
  with([](execution_report& x) { x.fee = 0.125; });
  with([](execution_report& x) {
    x.status = exec_status::filled; // completes the order: no leaves_quantity
    x.leaves_quantity = 0;
  });
  for (auto& x : reports)
    EXPECT_EQ(to_log_line(x),
              json(x).dump(-1, ' ', false, json::error_handler_t::replace) + "\n");
}

TEST(message_json, bad_side_throws_naming_the_field) {
  json j = samples<order>::get()[0];
  j["side"] = "HOLD";
  try {
    j.get<order>();
    FAIL() << "no exception";
  } catch (const std::exception& e) {
    std::string message = e.what();
    EXPECT_NE(message.find("side"), std::string::npos) << message;
    EXPECT_NE(message.find("HOLD"), std::string::npos) << message;
  }
  json r = samples<execution_report>::get()[0];
  r["side"] = "HOLD";
  EXPECT_THROW(r.get<execution_report>(), std::invalid_argument);
}

TEST(message_json, bad_status_and_bad_label_throw) {
  json r = samples<execution_report>::get()[0];
  r["status"] = "CANCELLED";
  EXPECT_THROW(r.get<execution_report>(), std::invalid_argument);
  json n = samples<news>::get()[0];
  n["label"] = "bullish";
  EXPECT_THROW(n.get<news>(), std::invalid_argument);
}

TEST(message_json, wrong_value_type_throws) {
  json j = samples<order>::get()[0];
  j["quantity"] = "ten";
  EXPECT_THROW(j.get<order>(), std::exception);
  json t = samples<tick>::get()[0];
  t["bid"] = "cheap";
  EXPECT_THROW(t.get<tick>(), std::exception);
}

} // namespace
} // namespace trading

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  ::testing::AddGlobalTestEnvironment(new trading::loopback_environment);
  return RUN_ALL_TESTS();
}
