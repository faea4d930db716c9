// The edge gateway's wire protocols without sockets (actors/edge_codec.hpp).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "actors/edge_codec.hpp"

using namespace trading;
using namespace trading::edge_codec;
using json = nlohmann::json;

namespace {

std::vector<frame> star(std::initializer_list<std::string> reads) {
  star_splitter s;
  std::vector<frame> out;
  for (auto& r : reads)
    s.feed(r.data(), r.size(), out);
  return out;
}

std::string prefixed(const std::string& body) {
  auto n = static_cast<std::uint32_t>(body.size());
  std::string out{static_cast<char>(n >> 24), static_cast<char>(n >> 16 & 0xFF),
                  static_cast<char>(n >> 8 & 0xFF), static_cast<char>(n & 0xFF)};
  return out + body;
}

json star_json(const std::string& frame_text) {
  EXPECT_EQ(frame_text.back(), '*');
  return json::parse(frame_text.substr(0, frame_text.size() - 1));
}

json gateway_json(const std::string& bytes) {
  length_splitter s;
  std::vector<frame> out;
  s.feed(bytes.data(), bytes.size(), out);
  EXPECT_EQ(out.size(), 1u);
  return json::parse(out.at(0).text);
}

} // namespace

TEST(EdgeStarFraming, BuffersAFrameSplitAcrossReads) {
  auto out = star({"{\"id\": 1, \"act", "ion\": \"BUY\"}", "*"});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].text, "{\"id\": 1, \"action\": \"BUY\"}");
}

TEST(EdgeStarFraming, CutsSeveralFramesFromOneReadAndIgnoresEmptyOnes) {
  star_splitter s;
  std::vector<frame> out;
  std::string bytes = "{\"a\":1}*** \n*{\"b\":2}*{\"c\"";
  s.feed(bytes.data(), bytes.size(), out);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[1].text, "{\"b\":2}");
  EXPECT_EQ(s.empty, 3u);
}

TEST(EdgeStarFraming, RejectsAnOverLongFrameAndResyncsAtItsEnd) {
  std::string big(max_frame + 10, 'x');
  auto out = star({big.substr(0, 40000), big.substr(40000) + "*{\"ok\":1}*"});
  ASSERT_EQ(out.size(), 2u);
  EXPECT_NE(out[0].problem.find("over the cap"), std::string::npos);
  EXPECT_EQ(out[1].text, "{\"ok\":1}");
}

TEST(EdgeLengthFraming, SplitsPrefixAndBodyAcrossReadsAndIgnoresEmptyFrames) {
  auto bytes = prefixed("{\"type\":7,\"data\":{}}") + prefixed("") + prefixed("{}");
  length_splitter s;
  std::vector<frame> out;
  for (char c : bytes)
    s.feed(&c, 1, out);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].text, "{\"type\":7,\"data\":{}}");
  EXPECT_EQ(out[1].text, "{}");
  EXPECT_EQ(s.empty, 1u);
}

TEST(EdgeLengthFraming, RejectsAnOverLongLengthAndSkipsItsBytes) {
  std::string body(max_frame + 1, ' ');
  auto bytes = prefixed(body) + prefixed("{\"next\":1}");
  length_splitter s;
  std::vector<frame> out;
  s.feed(bytes.data(), bytes.size(), out);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_NE(out[0].problem.find("over the cap of 65536"), std::string::npos);
  EXPECT_EQ(out[1].text, "{\"next\":1}");
}

TEST(EdgeOrders, ReadsTheSeedOrder) {
  auto x = parse_star_order(
    R"({"id": 1, "action": "BUY", "quantity": 10, "symbol": "AAPL", "price": 150.25})");
  EXPECT_EQ(x.problem, "");
  EXPECT_EQ(x.client_id, "1");
  EXPECT_EQ(x.dir, side::buy);
  EXPECT_EQ(x.quantity, 10);
  EXPECT_EQ(x.symbol, "AAPL");
  EXPECT_EQ(x.price, to_price(150.25));
}

TEST(EdgeOrders, AcceptsAliasesAndIgnoresUnknownFields) {
  auto x = parse_star_order(
    R"({"type": "order", "id": "a-7", "side": "sell", "qty": 3, "sym": "MSFT", "px": 1, "note": [1]})");
  EXPECT_EQ(x.problem, "");
  EXPECT_EQ(x.client_id, "\"a-7\"");
  EXPECT_EQ(x.dir, side::sell);
  EXPECT_EQ(x.quantity, 3);
  EXPECT_EQ(x.symbol, "MSFT");
}

TEST(EdgeOrders, MalformedOrdersSayWhy) {
  EXPECT_EQ(parse_star_order("{not json").problem, "frame is not JSON");
  EXPECT_EQ(parse_star_order("[1]").problem, "frame is not a JSON object");
  EXPECT_EQ(parse_star_order("\"\xff\xfe\"").problem, "frame is not UTF-8");
  auto missing = parse_star_order(R"({"id": 2, "action": "BUY", "symbol": "AAPL", "price": 1})");
  EXPECT_EQ(missing.problem, "missing field 'quantity' or 'qty'");
  EXPECT_EQ(missing.client_id, "2"); // the reject can still name the order
  EXPECT_EQ(parse_star_order(R"({"id": 3, "action": "HOLD", "quantity": 1, "symbol": "AAPL", "price": 1})").problem,
            "field 'action' must be BUY or SELL");
  EXPECT_EQ(parse_star_order(R"({"id": 4, "action": "BUY", "quantity": 1.5, "symbol": "AAPL", "price": 1})").problem,
            "field 'quantity' must be a whole number");
  EXPECT_EQ(parse_star_order(R"({"id": [4], "action": "BUY", "quantity": 1, "symbol": "AAPL", "price": 1})").problem,
            "field 'id' must be a string or a number");
}

TEST(EdgeOrders, GatewayOrderAndOtherTypes) {
  int type = 0;
  auto x = parse_gateway_message(
    R"({"type": 4, "data": {"order_id": "x1", "symbol": "AAPL", "side": "BUY", "price": 2, "quantity": 5, "timestamp": 1.5}})",
    type);
  EXPECT_EQ(type, 4);
  EXPECT_EQ(x.problem, "");
  EXPECT_EQ(x.client_id, "\"x1\"");
  parse_gateway_message(R"({"type": 7, "data": {}})", type);
  EXPECT_EQ(type, 7);
  EXPECT_EQ(parse_gateway_message(R"({"type": 4})", type).problem,
            "field 'data' must be an object");
  EXPECT_EQ(parse_gateway_message(R"({"data": {}})", type).problem,
            "field 'type' must be an integer");
}

TEST(EdgeOrders, OrderIdsAreUniquePerAccountAndClientId) {
  EXPECT_EQ(edge_order_id("edge-1", "1"), edge_order_id("edge-1", "1"));
  EXPECT_NE(edge_order_id("edge-1", "1"), edge_order_id("edge-2", "1"));
  EXPECT_NE(edge_order_id("edge-1", "1"), edge_order_id("edge-1", "\"1\""));
  EXPECT_LE(edge_order_id("a", "b").size(), 64u);
}

TEST(EdgeEncoders, StarStreams) {
  tick t;
  t.symbol = "AAPL";
  t.top.last = to_price(172.525);
  EXPECT_EQ(star_price(t), "AAPL,172.53*");
  news n;
  n.sentiment = 75;
  EXPECT_EQ(star_news(n), "75*");
}

TEST(EdgeEncoders, ExecutionsEchoTheClientsId) {
  execution_report r;
  r.execution_id = "e1";
  r.order_id = edge_order_id("edge-1", "7");
  r.account = "edge-1";
  r.client_order_id = "7";
  r.symbol = "AAPL";
  r.quantity = 10;
  r.order_price = r.execution_price = to_price(150);
  r.status = exec_status::filled;
  r.repeat = true;
  auto p1 = star_json(star_execution("7", r));
  EXPECT_EQ(p1["type"], "execution");
  EXPECT_EQ(p1["id"], 7);
  EXPECT_EQ(p1["client_order_id"], 7);
  EXPECT_EQ(p1["account"], "edge-1");
  EXPECT_EQ(p1["status"], "FILLED");
  EXPECT_FALSE(p1.contains("repeat"));
  auto p2 = gateway_json(gateway_execution("\"x1\"", r));
  EXPECT_EQ(p2["type"], 5);
  EXPECT_EQ(p2["data"]["order_id"], "x1");
  EXPECT_EQ(p2["data"]["execution_price"], 150.0);
  auto rej = star_json(star_reject("", "frame is not JSON"));
  EXPECT_TRUE(rej["id"].is_null());
  EXPECT_EQ(rej["status"], "REJECTED");
}

TEST(EdgeEncoders, GatewayMarketDataAndNews) {
  tick t;
  t.symbol = "MSFT";
  t.top = quote{to_price(99), to_price(101), to_price(100), 5, 7};
  auto md = gateway_json(gateway_market_data(t, 1'700'000'000'000'000'000));
  EXPECT_EQ(md["type"], 1);
  EXPECT_EQ(md["data"]["bids"], json::parse("[[99.0, 5]]"));
  EXPECT_EQ(md["data"]["asks"], json::parse("[[101.0, 7]]"));
  EXPECT_EQ(md["data"]["last_price"], 100.0);
  EXPECT_EQ(md["data"]["volume"], 0);
  news n;
  n.sentiment = 75;
  n.label = news_label::positive;
  auto nj = gateway_json(gateway_news(n, 0));
  EXPECT_EQ(nj["type"], 2);
  EXPECT_FALSE(nj["data"].contains("symbol"));
  EXPECT_DOUBLE_EQ(nj["data"]["score"].get<double>(), 0.5);
  EXPECT_EQ(nj["data"]["sentiment"], "positive");
  EXPECT_EQ(gateway_json(gateway_shutdown(0, "bye"))["type"], 8);
  EXPECT_EQ(gateway_json(gateway_heartbeat(0))["type"], 7);
}
