"""Fills against depth and the OMS's end-of-run report, with the real trading_node:
orders walk the book's levels (PARTIAL lines, the rest cancelled on the last
one), and the report's totals equal what the trades log adds up to."""
import json
import os
import re
import subprocess
import sys
import unittest

from harness import CONFIGS, FAST, NodeTest, is_final, read_json_lines, wait_for

CONFIG = os.path.join(CONFIGS, "all_in_one.json")
SCRIPTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts")


def recompute(trades):
    """Per symbol trades, volume, position, fees and realized P&L from the trades
    log, average cost per account as the OMS keeps it (tests the report, so it is
    written here again, not imported)."""
    books = {}  # (account, symbol) -> [quantity, average price, realized]
    rows = {}
    for t in trades:
        if t["status"] not in ("FILLED", "PARTIAL"):
            continue
        sym, qty, price = t["symbol"], int(t["quantity"]), float(t["execution_price"])
        row = rows.setdefault(sym, {"trades": 0, "volume": 0, "fees": 0.0})
        row["trades"] += 1
        row["volume"] += qty
        row["fees"] += float(t.get("fee", 0.0))
        pos = books.setdefault((t.get("account", "strategy"), sym), [0, 0.0, 0.0])
        delta = qty if t["side"] == "BUY" else -qty
        if pos[0] == 0 or (pos[0] > 0) == (delta > 0):
            total = pos[0] + delta
            pos[1] = (pos[1] * abs(pos[0]) + price * abs(delta)) / abs(total)
            pos[0] = total
            continue
        closing = min(abs(delta), abs(pos[0]))
        pos[2] += (price - pos[1] if pos[0] > 0 else pos[1] - price) * closing
        pos[0] += delta
        if pos[0] == 0:
            pos[1] = 0.0
        elif abs(delta) > closing:
            pos[1] = price
    for (_, sym), (qty, avg, realized) in books.items():
        row = rows[sym]
        row["position"] = row.get("position", 0) + qty
        row["realized_pnl"] = row.get("realized_pnl", 0.0) + realized
        row.setdefault("open", []).append((qty, avg))
    return rows


class FillsReportTest(NodeTest):
    def test_orders_walk_the_levels_and_the_report_matches_the_trades_log(self):
        report_path = os.path.join(self.dir, "report.json")
        # 2000 shares against tops of 100..1000: orders take several levels, and
        # a reversal (4000) more than the five levels hold.
        node = self.node("aio", CONFIG, [
            *self.private(), *FAST, "strategy.quantity=2000", "oms.fee_per_share=0.01",
            "oms.slippage_bps=2", f"oms.report={report_path}"]).start()

        def walked():
            trades = read_json_lines(self.trades)
            return (any(t["status"] == "PARTIAL" and not is_final(t) for t in trades)
                    and any(t.get("leaves_quantity") for t in trades))
        wait_for(walked, 60, "an order over several levels and one with its rest cancelled")
        self.assertEqual(node.stop(), 0, node.output())
        trades = read_json_lines(self.trades)
        self.assert_logs_consistent()

        # Every order: its lines add up, none worse than its limit.
        by_order = {}
        for t in trades:
            by_order.setdefault(t["order_id"], []).append(t)
        for oid, lines in by_order.items():
            self.assertTrue(is_final(lines[-1]), f"{oid} does not end in an outcome")
            self.assertEqual(sum(map(is_final, lines)), 1, oid)
            executed = sum(t["quantity"] for t in lines if t["status"] != "REJECTED")
            last = lines[-1]
            if last["status"] != "REJECTED":
                self.assertEqual(executed + last.get("leaves_quantity", 0),
                                 last["order_quantity"], oid)
                self.assertEqual(last["filled_quantity"], executed, oid)
            for t in lines:
                if t["status"] == "REJECTED":
                    continue
                if t["side"] == "BUY":
                    self.assertLessEqual(t["execution_price"], t["order_price"] + 1e-9, t)
                else:
                    self.assertGreaterEqual(t["execution_price"], t["order_price"] - 1e-9, t)

        with open(report_path) as f:
            report = json.load(f)
        ours = recompute(trades)
        self.assertEqual(set(report["symbols"]), set(ours))
        totals = {"trades": 0, "volume": 0, "position": 0, "fees": 0.0,
                  "realized_pnl": 0.0, "unrealized_pnl": 0.0}
        for sym, row in ours.items():
            theirs = report["symbols"][sym]
            for key in ("trades", "volume", "position"):
                self.assertEqual(theirs[key], row[key], f"{sym} {key}")
            for key in ("fees", "realized_pnl"):
                self.assertAlmostEqual(theirs[key], row[key], delta=1e-6 * (1 + abs(row[key])),
                                       msg=f"{sym} {key}")
            # Unrealized: the open quantity marked to the report's mark price.
            unrealized = sum(q * (theirs["mark_price"] - avg) for q, avg in row["open"])
            self.assertAlmostEqual(theirs["unrealized_pnl"], unrealized,
                                   delta=1e-6 * (1 + abs(unrealized)), msg=sym)
            for key in totals:
                totals[key] += unrealized if key == "unrealized_pnl" else row[key]
        for key, value in totals.items():
            self.assertAlmostEqual(report["totals"][key], value,
                                   delta=1e-6 * (1 + abs(value)), msg=f"totals {key}")
        self.assertEqual(report["totals"]["trades"],
                         sum(1 for t in trades if t["status"] != "REJECTED"))
        self.assertEqual(sum(report["rejects"].values()),
                         sum(1 for t in trades if t["status"] == "REJECTED"))
        out = node.output()
        self.assertIn("oms report:", out)
        self.assertRegex(out, r"\ntotal +%d +%d " % (report["totals"]["trades"],
                                                      report["totals"]["volume"]))
        # The soak audit understands the same log.
        audit = subprocess.run([sys.executable, os.path.join(SCRIPTS, "trade_audit.py"),
                                "--orders", self.orders, "--trades", self.trades],
                               capture_output=True, text=True, timeout=60)
        self.assertEqual(audit.returncode, 0, audit.stdout + audit.stderr)

    def test_a_risk_limit_rejects_and_is_counted_in_the_stats_and_the_report(self):
        report_path = os.path.join(self.dir, "report.json")
        # A position limit below the strategy's target: every order past it is
        # refused, and says which limit.
        node = self.node("aio", CONFIG, [
            *self.private(), *FAST, "strategy.quantity=10", "oms.risk.max_position=5",
            f"oms.report={report_path}"]).start()
        reason = "risk limit oms.risk.max_position (5) exceeded"
        wait_for(lambda: any(t.get("reason") == reason
                             for t in read_json_lines(self.trades)),
                 60, "a position-limit reject")
        wait_for(lambda: re.search(r"\| oms orders .* risk [1-9]", node.output()),
                 20, "the stats line to count risk rejects")
        self.assertEqual(node.stop(), 0, node.output())
        with open(report_path) as f:
            report = json.load(f)
        logged = sum(1 for t in read_json_lines(self.trades) if t.get("reason") == reason)
        self.assertEqual(report["rejects"][reason], logged)
        self.assertFalse([t for t in read_json_lines(self.trades)
                          if t["status"] != "REJECTED"], "nothing may execute")


if __name__ == "__main__":
    unittest.main()
