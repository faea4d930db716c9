// Replay files: good rows with and without depth, malformed lines (reported with
// their line number, counted, skipped), wrong headers and missing files (fatal),
// timestamps that go back (reported, counted, skipped).
#include "actors/replay_file.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "temp_dir.hpp"

namespace trading {
namespace {

using test_support::temp_dir;

std::string write(temp_dir& dir, const std::string& name, const std::string& text) {
  auto path = dir.file(name);
  std::ofstream{path, std::ios::binary} << text;
  return path;
}

struct collected {
  std::vector<std::string> problems;
  replay_problem_fn fn() {
    return [this](const std::string& p) { problems.push_back(p); };
  }
};

template <class Replay>
auto read_all(Replay& r) {
  std::vector<typename decltype(r.next())::value_type> out;
  while (auto x = r.next())
    out.push_back(std::move(*x));
  return out;
}

TEST(price_replay, reads_top_of_book_rows_in_order) {
  temp_dir dir;
  auto path = write(dir, "p.csv",
                    "timestamp_ns,symbol,bid,ask,last,bid_size,ask_size\n"
                    "1000,AAPL,174.99,175.01,175.00,300,500\n"
                    "\n"
                    "1000,MSFT,329.9,330.1,330,100,200\r\n"
                    "2000,AAPL,175.01,175.03,175.02,100,100\n");
  collected c;
  price_replay r{path, c.fn()};
  EXPECT_EQ(r.levels(), 1u);
  auto rows = read_all(r);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].timestamp_ns, 1000);
  EXPECT_EQ(rows[0].symbol, "AAPL");
  EXPECT_EQ(rows[0].bids[0].price, 1'749'900);
  EXPECT_EQ(rows[0].asks[0].price, 1'750'100);
  EXPECT_EQ(rows[0].last, 1'750'000);
  EXPECT_EQ(rows[0].bids[0].size, 300);
  EXPECT_EQ(rows[0].asks[0].size, 500);
  EXPECT_EQ(rows[0].bid_levels, 1);
  EXPECT_EQ(rows[0].ask_levels, 1);
  EXPECT_EQ(rows[1].symbol, "MSFT"); // a CRLF line end is accepted
  EXPECT_EQ(rows[1].asks[0].size, 200);
  EXPECT_EQ(rows[1].top().ask_size, 200);
  EXPECT_EQ(rows[1].top().last, 3'300'000);
  EXPECT_EQ(rows[2].timestamp_ns, 2000);
  EXPECT_TRUE(c.problems.empty());
  EXPECT_EQ(r.counts().lines, 3u);
  EXPECT_EQ(r.counts().played, 3u);
  EXPECT_EQ(r.counts().malformed, 0u);
}

TEST(price_replay, reads_depth_levels_and_absent_ones) {
  temp_dir dir;
  auto path = write(dir, "p.csv",
                    price_replay_header(3) + "\n"
                    "5,AAPL,10,11,10.5,1,2,9.9,3,11.1,4,9.8,5,11.2,6\n"
                    "6,AAPL,10,11,10.5,1,2,9.9,3,11.1,4,,,,\n"
                    "7,AAPL,10,11,10.5,1,2,,,11.1,4,,,,\n");
  collected c;
  price_replay r{path, c.fn()};
  EXPECT_EQ(r.levels(), 3u);
  auto rows = read_all(r);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].bid_levels, 3);
  EXPECT_EQ(rows[0].ask_levels, 3);
  EXPECT_EQ(rows[0].bids[1].price, to_price(9.9));
  EXPECT_EQ(rows[0].bids[1].size, 3);
  EXPECT_EQ(rows[0].asks[2].price, to_price(11.2));
  EXPECT_EQ(rows[0].asks[2].size, 6);
  EXPECT_EQ(rows[1].bid_levels, 2);
  EXPECT_EQ(rows[1].ask_levels, 2);
  EXPECT_EQ(rows[2].bid_levels, 1);
  EXPECT_EQ(rows[2].ask_levels, 2);
  EXPECT_TRUE(c.problems.empty());
}

TEST(price_replay, reports_counts_and_skips_malformed_lines_with_their_number) {
  temp_dir dir;
  auto path = write(dir, "p.csv",
                    price_replay_header(2) + "\n"
                    "1,AAPL,10,11,10.5,1,2,,,,\n"          // 2: good
                    "2,AAPL,10,11,10.5,1,2\n"              // 3: too few fields
                    "x,AAPL,10,11,10.5,1,2,,,,\n"          // 4: timestamp
                    "3,aapl,10,11,10.5,1,2,,,,\n"          // 5: symbol
                    "4,AAPL,ten,11,10.5,1,2,,,,\n"         // 6: bid
                    "5,AAPL,10,11,10.5,-1,2,,,,\n"         // 7: size
                    "6,AAPL,12,11,10.5,1,2,,,,\n"          // 8: crossed
                    "7,AAPL,10,11,10.5,1,2,10.5,1,,\n"     // 9: bid2 above bid
                    "8,AAPL,10,11,10.5,1,2,9,1,12,1\n");   // 10: good
  collected c;
  price_replay r{path, c.fn()};
  auto rows = read_all(r);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].timestamp_ns, 1);
  EXPECT_EQ(rows[1].timestamp_ns, 8);
  EXPECT_EQ(r.counts().malformed, 7u);
  EXPECT_EQ(r.counts().lines, 9u);
  ASSERT_EQ(c.problems.size(), 7u);
  const char* expected[] = {":3: malformed", ":4: malformed", ":5: malformed",
                            ":6: malformed", ":7: malformed", ":8: malformed",
                            ":9: malformed"};
  for (std::size_t i = 0; i < 7; ++i) {
    EXPECT_NE(c.problems[i].find(path + expected[i]), std::string::npos)
      << c.problems[i];
  }
  EXPECT_NE(c.problems[0].find("7 fields, the header has 11"), std::string::npos);
  EXPECT_NE(c.problems[5].find("above ask"), std::string::npos);
}

TEST(price_replay, skips_and_counts_a_timestamp_earlier_than_the_one_before) {
  temp_dir dir;
  auto path = write(dir, "p.csv",
                    "timestamp_ns,symbol,bid,ask,last,bid_size,ask_size\n"
                    "100,AAPL,10,11,10.5,1,2\n"
                    "100,MSFT,10,11,10.5,1,2\n"  // equal: fine
                    "99,AAPL,10,11,10.5,1,2\n"   // back in time: skipped
                    "101,AAPL,10,11,10.5,1,2\n");
  collected c;
  price_replay r{path, c.fn()};
  auto rows = read_all(r);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[2].timestamp_ns, 101);
  EXPECT_EQ(r.counts().out_of_order, 1u);
  EXPECT_EQ(r.counts().malformed, 0u);
  ASSERT_EQ(c.problems.size(), 1u);
  EXPECT_NE(c.problems[0].find(":4: timestamp 99 is earlier than the one before (100)"),
            std::string::npos)
    << c.problems[0];
}

TEST(price_replay, skips_rows_of_symbols_not_traded_reporting_each_symbol_once) {
  temp_dir dir;
  auto path = write(dir, "p.csv",
                    "timestamp_ns,symbol,bid,ask,last,bid_size,ask_size\n"
                    "1,AAPL,10,11,10.5,1,2\n"
                    "2,TSLA,10,11,10.5,1,2\n"
                    "3,TSLA,10,11,10.5,1,2\n"
                    "4,MSFT,10,11,10.5,1,2\n");
  collected c;
  price_replay r{path, c.fn()};
  r.only({"AAPL", "MSFT"});
  auto rows = read_all(r);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[1].symbol, "MSFT");
  EXPECT_EQ(r.counts().other_symbol, 2u);
  ASSERT_EQ(c.problems.size(), 1u);
  EXPECT_NE(c.problems[0].find(":3: symbol TSLA is not traded here"), std::string::npos);
}

TEST(price_replay, refuses_a_wrong_header) {
  temp_dir dir;
  for (auto header : {"timestamp,symbol,bid,ask,last,bid_size,ask_size",
                      "timestamp_ns,symbol,bid,ask,last,bid_size",
                      "timestamp_ns,symbol,bid,ask,last,bid_size,ask_size,bid2",
                      "timestamp_ns,symbol,ask,bid,last,bid_size,ask_size"}) {
    auto path = write(dir, "p.csv", std::string{header} + "\n1,AAPL,1,2,1.5,1,1\n");
    try {
      price_replay r{path};
      ADD_FAILURE() << "accepted header " << header;
    } catch (const replay_error& e) {
      EXPECT_NE(std::string{e.what()}.find("wrong header"), std::string::npos);
      EXPECT_NE(std::string{e.what()}.find(path), std::string::npos);
    }
  }
  auto six = write(dir, "six.csv", price_replay_header(6) + "\n");
  EXPECT_THROW(price_replay{six}, replay_error);
  auto empty = write(dir, "empty.csv", "");
  EXPECT_THROW(price_replay{empty}, replay_error);
}

TEST(price_replay, refuses_a_missing_file_naming_it) {
  try {
    price_replay r{"/nonexistent/dir/prices.csv"};
    ADD_FAILURE() << "opened a missing file";
  } catch (const replay_error& e) {
    EXPECT_NE(std::string{e.what()}.find("/nonexistent/dir/prices.csv: cannot open"),
              std::string::npos);
  }
}

TEST(news_replay, reads_market_wide_and_per_symbol_news) {
  temp_dir dir;
  auto path = write(dir, "n.csv",
                    "timestamp_ns,symbol,sentiment\n"
                    "10,,70\n"
                    "20,AAPL,30\n"
                    "15,,50\n"      // back in time
                    "30,AAPL,101\n" // out of range
                    "40,,0\n");
  collected c;
  news_replay r{path, c.fn()};
  auto rows = read_all(r);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].symbol, "");
  EXPECT_EQ(rows[0].sentiment, 70);
  EXPECT_EQ(rows[1].symbol, "AAPL");
  EXPECT_EQ(rows[1].sentiment, 30);
  EXPECT_EQ(rows[2].timestamp_ns, 40);
  EXPECT_EQ(r.counts().out_of_order, 1u);
  EXPECT_EQ(r.counts().malformed, 1u);
  ASSERT_EQ(c.problems.size(), 2u);
  EXPECT_NE(c.problems[0].find(":4: timestamp 15"), std::string::npos);
  EXPECT_NE(c.problems[1].find(":5: malformed line skipped: sentiment '101'"),
            std::string::npos);
}

TEST(price_replay, peek_shows_the_next_record_without_taking_it) {
  temp_dir dir;
  auto path = write(dir, "p.csv",
                    "timestamp_ns,symbol,bid,ask,last,bid_size,ask_size\n"
                    "bad\n"
                    "7,AAPL,10,11,10.5,1,2\n");
  price_replay r{path};
  ASSERT_NE(r.peek(), nullptr);
  EXPECT_EQ(r.peek()->timestamp_ns, 7);
  EXPECT_EQ(r.counts().malformed, 1u);
  auto x = r.next();
  ASSERT_TRUE(x);
  EXPECT_EQ(x->timestamp_ns, 7);
  EXPECT_EQ(r.peek(), nullptr);
  EXPECT_FALSE(r.next());
}

TEST(replay_pacer, keeps_the_spacing_divided_by_speed) {
  replay_pacer real_time{1'000, 1.0, 50};
  EXPECT_EQ(real_time.due(1'000), 50);
  EXPECT_EQ(real_time.due(3'000), 2'050);
  replay_pacer ten_times{1'000, 10.0, 50};
  EXPECT_EQ(ten_times.due(3'000), 250);
  replay_pacer flat_out{1'000, 0.0, 50};
  EXPECT_EQ(flat_out.due(1'000'000), 50);
}

TEST(replay_pacer, play_due_plays_what_is_due_and_says_how_long_to_wait) {
  temp_dir dir;
  auto path = write(dir, "n.csv",
                    "timestamp_ns,symbol,sentiment\n"
                    "100,,1\n"
                    "200,,2\n"
                    "500,,3\n");
  news_replay r{path};
  replay_pacer pacer{100, 1.0, 0};
  std::vector<std::int32_t> played;
  auto emit = [&](const news_record& x) { played.push_back(x.sentiment); };
  EXPECT_EQ(play_due(r, pacer, 50, emit), 50); // 200 is due at 100
  EXPECT_EQ(played, (std::vector<std::int32_t>{1}));
  EXPECT_EQ(play_due(r, pacer, 400, emit), -1); // 500 is due at 400, then the end
  EXPECT_EQ(played, (std::vector<std::int32_t>{1, 2, 3}));
  EXPECT_EQ(play_due(r, pacer, 400, emit), -1);
}

TEST(news_replay, refuses_a_wrong_header) {
  temp_dir dir;
  auto path = write(dir, "n.csv", "timestamp_ns,symbol,bid,ask,last,bid_size,ask_size\n");
  EXPECT_THROW(news_replay{path}, replay_error);
}

} // namespace
} // namespace trading
