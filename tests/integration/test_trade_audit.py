"""The trades-log audit (scripts/trade_audit.py) on synthetic logs, and the soak's
schedule and verdict (scripts/soak): pure Python, no trading_node needed."""
import importlib.machinery
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

SCRIPTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts")
sys.path.insert(0, SCRIPTS)
import trade_audit  # noqa: E402


def load_soak():
    """scripts/soak as a module (it has no .py suffix)."""
    path = os.path.join(SCRIPTS, "soak")
    loader = importlib.machinery.SourceFileLoader("soak_script", path)
    spec = importlib.util.spec_from_loader("soak_script", loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


def order(oid, symbol, side, quantity=10, **extra):
    return {"order_id": oid, "account": "strategy", "symbol": symbol, "side": side,
            "quantity": quantity, "price": 100.0, "timestamp": 1764659896.1,
            "tick_created_ns": 1, "book_received_ns": 2, "strategy_seen_ns": 3, **extra}


def outcome(oid, symbol, side, status="FILLED", quantity=10, exec_id=None, seq=None,
            **extra):
    t = {"execution_id": exec_id or f"e-{oid}", "order_id": oid, "account": "strategy",
         "symbol": symbol, "side": side, "quantity": quantity, "order_price": 100.0,
         "execution_price": 100.01 if status == "FILLED" else None,
         "timestamp": 1764659896.2, "status": status, **extra}
    if seq is not None:
        t["sequence"] = seq
    if status == "REJECTED":
        t.setdefault("reason", "no live book for " + symbol)
    return t


CLEAN_ORDERS = [order("a-1", "AAPL", "BUY"), order("a-2", "MSFT", "SELL"),
                order("a-3", "AAPL", "SELL"), order("a-4", "GOOGL", "BUY"),
                order("a-2", "MSFT", "SELL", resend=True),  # one order, sent twice
                order("b-1", "AAPL", "BUY")]
CLEAN_TRADES = [outcome("a-1", "AAPL", "BUY", seq=1), outcome("a-2", "MSFT", "SELL", seq=2),
                outcome("a-3", "AAPL", "SELL", seq=3),
                outcome("a-4", "GOOGL", "BUY", status="REJECTED", seq=5),
                outcome("b-1", "AAPL", "BUY", seq=6)]
# AAPL +10 -10 +10, MSFT -10, GOOGL rejected
OMS_OUT = ("2026-12-02T07:18:16.123Z INFO [oms] node: started: hosts oms\n"
           "[oms] summary: 30.0s | oms orders 5 fills 4 rejects 1 dup 0\n"
           "[oms] positions: AAPL +10 (realized 1.23) GOOGL +0 (realized 0.00) "
           "MSFT -10 (realized -0.40); realized P&L 0.83\n"
           "[oms] tick-to-trade: 5 orders, p50 300.0 us, p99 900.0 us, max 1.00 ms\n")
STRATEGY_OUT = ("[strategy] summary: 30.0s | strategy prices 1500 sentiment 55 orders 5 "
                "fills 4 rejects 1 unknown 0 resent 1 | msgs in 10 out 5\n"
                "[strategy] strategy positions: AAPL +10 MSFT -10\n")


class TradeAuditTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="trade_audit_")
        self.addCleanup(shutil.rmtree, self.dir, ignore_errors=True)
        self.orders = os.path.join(self.dir, "orders.log")
        self.trades = os.path.join(self.dir, "trades.log")
        self.oms_out = os.path.join(self.dir, "oms.1.log")
        self.strategy_out = os.path.join(self.dir, "strategy.1.log")

    def write(self, path, lines):
        with open(path, "w") as f:
            for line in lines:
                f.write((line if isinstance(line, str) else json.dumps(line)) + "\n")

    def run_audit(self, orders=CLEAN_ORDERS, trades=CLEAN_TRADES, oms=OMS_OUT,
                  strategy=STRATEGY_OUT):
        self.write(self.orders, orders)
        self.write(self.trades, trades)
        for path, text in ((self.oms_out, oms), (self.strategy_out, strategy)):
            if text is not None:
                with open(path, "w") as f:
                    f.write(text)
        return trade_audit.audit(self.orders, self.trades,
                                 self.oms_out if oms is not None else None,
                                 self.strategy_out if strategy is not None else None)

    def assert_fails(self, result, kind, count=1):
        self.assertFalse(result.ok, "the audit passed")
        named = [p for p in result.problems if p.kind == kind]
        self.assertEqual(len(named), count, f"expected {count} '{kind}' in {result.problems}")
        return named

    # -- clean logs ---------------------------------------------------------------

    def partial_lines(self, oid, symbol, side, quantities, leaves=0, start_seq=10):
        """An order's executions over several price levels: PARTIAL lines, the
        last FILLED (or PARTIAL with leaves_quantity when the rest was cancelled)."""
        total = sum(quantities) + leaves
        lines, done = [], 0
        for i, q in enumerate(quantities):
            done += q
            last = i == len(quantities) - 1
            status = "FILLED" if last and not leaves else "PARTIAL"
            extra = {"order_quantity": total, "filled_quantity": done}
            if last and leaves:
                extra["leaves_quantity"] = leaves
            line = outcome(oid, symbol, side, status=status, quantity=q,
                           exec_id=f"e-{oid}-{i}", seq=start_seq + i, **extra)
            line["execution_price"] = 100.01 + i / 100
            lines.append(line)
        return lines

    def test_an_order_over_several_levels_is_one_outcome_and_its_executions_count(self):
        orders = CLEAN_ORDERS + [order("c-1", "MSFT", "BUY", quantity=30),
                                 order("c-2", "AAPL", "SELL", quantity=50)]
        trades = (CLEAN_TRADES + self.partial_lines("c-1", "MSFT", "BUY", [10, 20])
                  + self.partial_lines("c-2", "AAPL", "SELL", [15, 5], leaves=30,
                                       start_seq=20))
        r = self.run_audit(orders, trades, oms=None, strategy=None)
        self.assertTrue(r.ok, r.problems)
        self.assertEqual((r.fills, r.partials), (8, 3))
        self.assertEqual(r.positions, {"AAPL": -10, "MSFT": 20})  # +10-10+10-20, -10+30

    def test_executions_without_a_final_line_fail(self):
        orders = CLEAN_ORDERS + [order("c-1", "MSFT", "BUY", quantity=30)]
        lines = self.partial_lines("c-1", "MSFT", "BUY", [10, 20])
        r = self.run_audit(orders, CLEAN_TRADES + lines[:1], oms=None, strategy=None)
        self.assert_fails(r, "missing outcome")

    def test_a_final_line_after_the_final_line_fails(self):
        orders = CLEAN_ORDERS + [order("c-1", "MSFT", "BUY", quantity=30)]
        lines = self.partial_lines("c-1", "MSFT", "BUY", [10, 20])
        again = dict(lines[-1], execution_id="e-again", sequence=99)
        r = self.run_audit(orders, CLEAN_TRADES + lines + [again], oms=None, strategy=None)
        self.assert_fails(r, "filled twice")

    def test_executions_that_do_not_add_up_fail(self):
        orders = CLEAN_ORDERS + [order("c-1", "MSFT", "BUY", quantity=30)]
        lines = self.partial_lines("c-1", "MSFT", "BUY", [10, 20])
        lines[0]["quantity"] = 5  # 25 executed, the FILLED line says the order's 30
        r = self.run_audit(orders, CLEAN_TRADES + lines, oms=None, strategy=None)
        self.assert_fails(r, "executions do not add up")

    def test_clean_logs_pass(self):
        r = self.run_audit()
        self.assertTrue(r.ok, r.problems)
        self.assertEqual((r.orders, r.order_lines, r.resends), (5, 6, 1))
        self.assertEqual((r.outcomes, r.fills, r.rejects), (5, 4, 1))
        self.assertEqual((r.missing, r.executed_twice, r.duplicate_execution_ids), (0, 0, 0))
        self.assertEqual(r.positions, {"AAPL": 10, "MSFT": -10})
        self.assertEqual(r.oms_positions, {"AAPL": 10, "GOOGL": 0, "MSFT": -10})
        self.assertEqual(r.strategy_positions, {"AAPL": 10, "MSFT": -10})
        self.assertEqual(r.counts_line(),
                         "orders 5 fills 4 outcomes missing 0 executed twice 0")

    def test_old_lines_without_account_or_sequence_count_as_the_strategy(self):
        trades = [dict(t) for t in CLEAN_TRADES]
        for t in trades:
            t.pop("account")
            t.pop("sequence")
        self.assertTrue(self.run_audit(trades=trades).ok)

    def test_fills_of_another_account_are_not_the_strategy_position(self):
        orders = CLEAN_ORDERS + [order("x-1", "META", "BUY", account="desk")]
        trades = CLEAN_TRADES + [outcome("x-1", "META", "BUY", account="desk", seq=7)]
        r = self.run_audit(orders=orders, trades=trades)
        self.assertTrue(r.ok, r.problems)
        self.assertNotIn("META", r.positions)

    def test_flat_positions_may_be_left_out_or_say_none(self):
        orders = [order("a-1", "AAPL", "BUY"), order("a-2", "AAPL", "SELL")]
        trades = [outcome("a-1", "AAPL", "BUY"), outcome("a-2", "AAPL", "SELL")]
        r = self.run_audit(orders, trades,
                           oms="[oms] positions: AAPL +0 (realized 0.10); realized P&L 0.10\n",
                           strategy="[strategy] strategy positions: none\n")
        self.assertTrue(r.ok, r.problems)
        r = self.run_audit(orders, trades,
                           oms="x [oms] positions: none; realized P&L 0.00\n", strategy=None)
        self.assertTrue(r.ok, r.problems)

    def test_a_torn_file_beside_the_log_is_counted_not_failed(self):
        with open(self.trades + ".torn", "w") as f:
            f.write('{"execution_id":"e-9","order_id":"a-9","sym\n')
        r = self.run_audit()
        self.assertTrue(r.ok, r.problems)
        self.assertEqual(r.torn_lines, 1)

    def test_the_last_summary_counts(self):
        oms = ("[oms] positions: AAPL -10 (realized 0.00); realized P&L 0.00\n" + OMS_OUT)
        self.assertTrue(self.run_audit(oms=oms).ok)

    # -- each invariant broken ---------------------------------------------------------

    def test_missing_outcome_fails(self):
        r = self.run_audit(trades=[t for t in CLEAN_TRADES if t["order_id"] != "a-3"],
                           oms=None, strategy=None)
        (p,) = self.assert_fails(r, "missing outcome")
        self.assertIn("a-3", p.detail)
        self.assertEqual(r.missing, 1)

    def test_order_filled_twice_fails(self):
        trades = CLEAN_TRADES + [outcome("a-1", "AAPL", "BUY", exec_id="e-a-1-again", seq=9)]
        r = self.run_audit(trades=trades, oms=None, strategy=None)
        (p,) = self.assert_fails(r, "filled twice")
        self.assertIn("a-1", p.detail)
        self.assertEqual((r.executed_twice, r.filled_twice), (1, 1))

    def test_two_outcomes_for_one_order_fail(self):
        # e.g. a resend the OMS took for a new order and rejected as a duplicate
        trades = CLEAN_TRADES + [outcome("a-2", "MSFT", "SELL", status="REJECTED",
                                         exec_id="e-dup", seq=9, reason="duplicate order id")]
        r = self.run_audit(trades=trades)
        (p,) = self.assert_fails(r, "executed twice")
        self.assertIn("a-2", p.detail)
        self.assertEqual((r.executed_twice, r.filled_twice), (1, 0))

    def test_duplicated_execution_id_fails(self):
        orders = CLEAN_ORDERS + [order("a-5", "AMZN", "BUY")]
        trades = CLEAN_TRADES + [outcome("a-5", "AMZN", "BUY", exec_id="e-a-1", seq=9)]
        r = self.run_audit(orders=orders, trades=trades, oms=None, strategy=None)
        (p,) = self.assert_fails(r, "duplicate execution id")
        self.assertIn("e-a-1", p.detail)
        self.assertEqual(r.duplicate_execution_ids, 1)

    def test_torn_line_fails(self):
        trades = CLEAN_TRADES[:2] + ['{"execution_id":"e-a-3","order_id":"a-3","sym'] \
            + CLEAN_TRADES[2:]
        r = self.run_audit(trades=trades)
        (p,) = self.assert_fails(r, "torn line")
        self.assertIn("line 3", p.detail)
        self.assertEqual(r.bad_lines, 1)

    def test_line_that_is_no_outcome_fails(self):
        r = self.run_audit(trades=CLEAN_TRADES + [{"order_id": "a-9"}])
        self.assert_fails(r, "bad trades-log line")

    def test_positions_mismatch_with_the_oms_fails(self):
        oms = OMS_OUT.replace("MSFT -10", "MSFT +0")
        r = self.run_audit(oms=oms)
        (p,) = self.assert_fails(r, "positions mismatch")
        self.assertIn("OMS", p.detail)
        self.assertIn("MSFT -10 vs +0", p.detail)

    def test_positions_mismatch_with_the_strategy_fails(self):
        r = self.run_audit(strategy="[strategy] strategy positions: AAPL +10 AMZN +10\n")
        (p,) = self.assert_fails(r, "positions mismatch")
        self.assertIn("strategy", p.detail)
        self.assertIn("MSFT -10 vs +0", p.detail)
        self.assertIn("AMZN +0 vs +10", p.detail)

    def test_missing_summary_fails(self):
        r = self.run_audit(oms="[oms] summary: 3.0s | oms orders 0\n",
                           strategy="[strategy] summary: 3.0s\n")
        self.assert_fails(r, "no summary", count=2)

    def test_repeat_in_the_log_fails(self):
        trades = CLEAN_TRADES[:-1] + [outcome("b-1", "AAPL", "BUY", seq=6, repeat=True)]
        r = self.run_audit(trades=trades)
        self.assert_fails(r, "repeat logged")

    def test_outcome_of_an_unlogged_order_fails(self):
        # Before orders the strategy did log: not a kill's unlogged tail.
        trades = CLEAN_TRADES + [outcome("a-0", "AAPL", "SELL", status="REJECTED", seq=9)]
        r = self.run_audit(trades=trades)
        self.assert_fails(r, "outcome of an unlogged order")
        self.assertEqual(r.unknown_orders, 1)

    def test_the_unlogged_last_orders_of_a_killed_strategy_are_tolerated(self):
        # Sent, executed, and the strategy died before its orders-log write.
        last = max(int(o["order_id"].rpartition("-")[2]) for o in CLEAN_ORDERS
                   if o["order_id"].startswith("a-"))
        tail = outcome(f"a-{last + 1}", "AAPL", "SELL", status="REJECTED", seq=9)
        r = self.run_audit(trades=CLEAN_TRADES + [tail])
        self.assertTrue(r.ok, r.problems)
        self.assertEqual(r.unlogged_tail, 1)

    def test_sequence_going_back_fails(self):
        trades = [dict(t) for t in CLEAN_TRADES]
        trades[3]["sequence"] = 2
        self.assert_fails(self.run_audit(trades=trades), "sequence not increasing")

    def test_an_order_id_reused_for_another_order_fails(self):
        orders = CLEAN_ORDERS + [order("a-1", "AAPL", "SELL", resend=True)]
        self.assert_fails(self.run_audit(orders=orders), "order id reused")

    def test_cli_prints_the_problems_and_exits_1_on_failure(self):
        script = os.path.join(SCRIPTS, "trade_audit.py")
        self.run_audit()
        args = [sys.executable, script, "--orders", self.orders, "--trades", self.trades,
                "--oms-output", self.oms_out, "--strategy-output", self.strategy_out]
        ok = subprocess.run(args, capture_output=True, text=True, timeout=60)
        self.assertEqual(ok.returncode, 0, ok.stdout + ok.stderr)
        self.assertIn("audit: PASS", ok.stdout)
        self.run_audit(trades=CLEAN_TRADES[1:])
        bad = subprocess.run(args, capture_output=True, text=True, timeout=60)
        self.assertEqual(bad.returncode, 1, bad.stdout + bad.stderr)
        self.assertIn("problem: missing outcome: order a-1", bad.stdout)
        self.assertIn("problem: positions mismatch", bad.stdout)
        self.assertIn("audit: FAIL", bad.stdout)

    # -- the soak's schedule and verdict --------------------------------------------------

    def test_soak_schedule_is_seeded_sequential_and_bounded(self):
        soak = load_soak()
        a = soak.make_schedule(7, 60, ["feeds", "book", "strategy", "oms"],
                               ["kill", "stop"], 4)
        b = soak.make_schedule(7, 60, ["feeds", "book", "strategy", "oms"],
                               ["kill", "stop"], 4)
        self.assertEqual([str(e) for e in a], [str(e) for e in b])
        self.assertGreaterEqual(len(a), 6)
        self.assertEqual({e.action for e in a}, {"kill", "stop"})
        end = 0
        for e in a:
            self.assertGreaterEqual(e.at, end + soak.MIN_GAP - 1e-9)
            lo, hi = soak.KILL_DOWN if e.action == "kill" else soak.STOP_FOR
            self.assertTrue(lo <= e.length <= hi, str(e))
            end = e.at + e.length
        self.assertLessEqual(end, 60)
        only = soak.make_schedule(1, 60, ["oms"], ["kill"], 4)
        self.assertEqual({(e.action, e.role) for e in only}, {("kill", "oms")})
        self.assertNotEqual([str(e) for e in only],
                            [str(e) for e in soak.make_schedule(2, 60, ["oms"], ["kill"], 4)])
        self.assertEqual(soak.make_schedule(1, 0, ["oms"], ["kill"], 4), [])

    def test_soak_verdict_line(self):
        soak = load_soak()

        class Counts:
            kills, stops, restarts, problems = 3, 2, 4, []
        self.run_audit()
        r = trade_audit.audit(self.orders, self.trades)
        line, ok = soak.verdict(Counts, r)
        self.assertTrue(ok)
        self.assertEqual(line, "soak: PASS kills 3 stops 2 restarts 4 orders 5 fills 4 "
                               "outcomes missing 0 executed twice 0")
        self.run_audit(trades=CLEAN_TRADES[1:] + [outcome("a-2", "MSFT", "SELL",
                                                          exec_id="e-x", seq=9)])
        r = trade_audit.audit(self.orders, self.trades)
        line, ok = soak.verdict(Counts, r)
        self.assertFalse(ok)
        self.assertRegex(line, r"^soak: FAIL kills 3 stops 2 restarts 4 orders 5 fills 4 "
                               r"outcomes missing 1 executed twice 1 \(.*missing outcome: "
                               r"order a-1 .*filled twice: order a-2")

    def test_soak_reads_the_strategy_stats_line(self):
        soak = load_soak()
        text = ("2026-12-02T07:18:16.123Z WARN [strategy] strategy: order x timed out\n"
                "[strategy] 3.0s | strategy prices 150 sentiment 55 orders 7 fills 6 "
                "rejects 0 unknown 1 resent 2 | msgs in 1 out 2\n"
                "[strategy] 4.0s | strategy prices 200 sentiment 60 orders 8 fills 8 "
                "rejects 0 unknown 0 resent 2 | msgs in 1 out 2\n")
        m = soak.last_stats(text)
        self.assertEqual((m["fills"], m["unknown"], m["resent"]), ("8", "0", "2"))
        old = soak.last_stats("[strategy] 1.0s | strategy prices 1 sentiment 50 orders 1 "
                              "fills 1 rejects 0 unknown 0 | msgs in 1 out 1\n")
        self.assertEqual((old["unknown"], old["resent"]), ("0", None))


if __name__ == "__main__":
    unittest.main()
