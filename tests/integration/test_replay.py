"""Replay and the deterministic backtest, with the real trading_node: a replay
ends on its own (exit 0), bad lines are reported and skipped, a missing file or a
wrong header is fatal, and configs/replay.json gives the same orders and fills on
every run."""
import os
import shutil
import subprocess
import sys
import time

from harness import CONFIGS, NodeTest, read_json_lines

BACKTEST = os.path.join(CONFIGS, "replay.json")
ALL_IN_ONE = os.path.join(CONFIGS, "all_in_one.json")
SAMPLE = os.path.join(CONFIGS, "..", "examples", "replay")
PRICES = os.path.join(SAMPLE, "prices.csv")
NEWS = os.path.join(SAMPLE, "news.csv")
PLOT_RUN = os.path.join(CONFIGS, "..", "scripts", "plot_run")
HEADER = "timestamp_ns,symbol,bid,ask,last,bid_size,ask_size\n"

# What differs between two runs of the same backtest by design: ids (random per
# process) and host clocks. Everything else must be equal, line for line.
RUN_SPECIFIC = {"order_id", "execution_id", "timestamp", "tick_created_ns",
                "book_received_ns", "strategy_seen_ns", "strategy_sent_ns"}


def comparable(lines):
    out = []
    for line in lines:
        x = {k: v for k, v in line.items() if k not in RUN_SPECIFIC}
        # An order id is <process prefix>-<n>: the n must match.
        x["order_number"] = line["order_id"].rsplit("-", 1)[-1]
        out.append(x)
    return out


class ReplayTest(NodeTest):
    def backtest(self, run, *extra):
        trades = os.path.join(self.dir, f"trades.{run}.log")
        orders = os.path.join(self.dir, f"orders.{run}.log")
        node = self.node(f"backtest{run}", BACKTEST,
                         [f"oms.trades_log={trades}", f"strategy.orders_log={orders}",
                          f"book.shm_name={self.shm}", *extra]).start()
        self.assertEqual(node.wait(60), 0, node.output())
        out = node.output()
        self.assertIn("the replay has ended", out)
        self.assertIn("replay ended: shutting down", out)
        self.assertIn("summary:", out)
        return read_json_lines(orders), read_json_lines(trades), out

    def assert_same_twice(self, *extra):
        orders1, trades1, out1 = self.backtest(1, *extra)
        orders2, trades2, _ = self.backtest(2, *extra)
        self.assertGreater(len([t for t in trades1 if t["status"] == "FILLED"]), 3,
                           "the backtest should trade:\n" + out1[-2000:])
        self.assertTrue(all(o["event_ns"] > 0 for o in orders1),
                        "orders carry the event time of their tick")
        self.assertEqual(comparable(orders1), comparable(orders2))
        self.assertEqual(comparable(trades1), comparable(trades2))
        # One outcome per order, in the order sent.
        self.assertEqual([o["order_id"] for o in orders1],
                         [t["order_id"] for t in trades1])
        return trades1

    def test_backtest_gives_the_same_orders_and_fills_twice(self):
        self.assert_same_twice()

    def test_threshold_backtest_gives_the_same_orders_and_fills_twice(self):
        self.assert_same_twice("strategy.kind=threshold", "strategy.threshold_pct=0.2")

    def test_plot_run_draws_the_backtest_into_a_png(self):
        if shutil.which("gnuplot") is None:
            self.skipTest("gnuplot is not installed (scripts/quickstart installs it)")
        orders, trades, _ = self.backtest(1)
        png = os.path.join(self.dir, "run.png")
        run = subprocess.run(
            [sys.executable, PLOT_RUN, "--trades", os.path.join(self.dir, "trades.1.log"),
             "--orders", os.path.join(self.dir, "orders.1.log"), "--prices", PRICES,
             "--out", png], capture_output=True, text=True, timeout=60)
        self.assertEqual(run.returncode, 0, run.stdout + run.stderr)
        fills = len([t for t in trades if t["status"] in ("FILLED", "PARTIAL")])
        self.assertIn(f"{fills} executions of 3 symbols", run.stdout)
        with open(png, "rb") as f:
            self.assertEqual(f.read(8), b"\x89PNG\r\n\x1a\n")

    def test_backtest_with_rate_limit_and_slippage_gives_the_same_lines_twice(self):
        # Both depend on time or chance: event time and a seed keep them repeatable.
        trades = self.assert_same_twice("oms.risk.max_orders_per_s=1", "oms.slippage_bps=5")
        self.assertIn("risk limit oms.risk.max_orders_per_s (1) exceeded",
                      [t.get("reason") for t in trades], "the limit never applied")

    def test_backtest_refuses_a_nonempty_trades_log(self):
        with open(self.trades, "w") as f:
            f.write('{"status":"FILLED"}\n')
        node = self.node("backtest", BACKTEST, self.private()).start()
        self.assertNotEqual(node.wait(30), 0)
        out = node.output()
        self.assertIn("node.backtest: oms.trades_log " + self.trades + " is not empty",
                      out)

    def replay(self, name, *extra, prices=PRICES, news=NEWS):
        sets = [*self.private(), f"price_feed.replay={prices}",
                f"news_feed.replay={news}", 'instruments.symbols=["AAPL","MSFT","GOOGL"]',
                "node.stats_interval_ms=200", *extra]
        return self.node(name, ALL_IN_ONE, sets).start()

    def test_replay_end_drains_and_exits_0_with_its_summary(self):
        node = self.replay("replay", "price_feed.speed=0")
        self.assertEqual(node.wait(60), 0, node.output())
        out = node.output()
        self.assertIn("replay ended: shutting down", out)
        self.assertRegex(out, r"summary: .*feed ticks 3000 ")
        self.assertIn("prices.csv: 3000 lines, 3000 played, 0 malformed", out)
        self.assertFalse(self.segment_exists(), "segment left behind")
        self.assert_logs_consistent()

    def test_replay_keeps_the_files_pace_divided_by_speed(self):
        # The sample spans its first to last timestamp; at speed 40 it cannot end
        # sooner than span / 40 (a lower bound: a loaded host only makes it later).
        stamps = [int(line.split(",", 1)[0]) for line in open(PRICES).readlines()[1:]]
        span_s = (stamps[-1] - stamps[0]) / 1e9
        started = time.monotonic()
        node = self.replay("paced", "price_feed.speed=40")
        self.assertEqual(node.wait(span_s / 40 + 60), 0, node.output())
        self.assertGreaterEqual(time.monotonic() - started, span_s / 40 * 0.95)
        self.assertIn("replay ended: shutting down", node.output())

    def test_malformed_and_late_lines_are_reported_counted_and_skipped(self):
        prices = os.path.join(self.dir, "prices.csv")
        with open(prices, "w") as f:
            f.write(HEADER
                    + "1000,AAPL,174.99,175.01,175.00,300,500\n"
                    + "2000,AAPL,oops,175.01,175.00,300,500\n"
                    + "500,AAPL,174.99,175.01,175.00,300,500\n"
                    + "3000,AAPL,174.99,175.01,175.00,300,500\n")
        news = os.path.join(self.dir, "news.csv")
        with open(news, "w") as f:
            f.write("timestamp_ns,symbol,sentiment\n1000,,70\n")
        node = self.replay("bad", "price_feed.speed=0", prices=prices, news=news)
        self.assertEqual(node.wait(60), 0, node.output())
        out = node.output()
        self.assertIn(prices + ":3: malformed line skipped: bid 'oops'", out)
        self.assertIn(prices + ":4: timestamp 500 is earlier than the one before (1000)",
                      out)
        self.assertIn("4 lines, 2 played, 1 malformed, 1 out of order", out)
        self.assertRegex(out, r"summary: .*feed ticks 2 replay skipped 2")

    def assert_fatal(self, prices, *needles):
        node = self.replay("fatal", prices=prices)
        code = node.wait(30)
        self.assertNotEqual(code, 0, node.output())
        out = node.output()
        for needle in needles:
            self.assertIn(needle, out)
        self.assertFalse(self.segment_exists(), "segment created before the check")

    def test_a_missing_replay_file_is_fatal_and_named(self):
        missing = os.path.join(self.dir, "nope.csv")
        self.assert_fatal(missing, "fatal: replay file " + missing + ": cannot open it")

    def test_a_wrong_header_is_fatal_and_shows_the_expected_one(self):
        wrong = os.path.join(self.dir, "wrong.csv")
        with open(wrong, "w") as f:
            f.write("time,sym,price\n1,AAPL,2\n")
        self.assert_fatal(wrong, "replay file " + wrong + ": wrong header 'time,sym,price'",
                          "expected " + HEADER.strip())
