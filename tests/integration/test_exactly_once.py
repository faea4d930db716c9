"""Nothing lost, nothing doubled (issue 9): the OMS hung, killed -9 and restarted,
the strategy killed -9 and restarted, a reject storm, a torn journal, and a clean
restart on the same logs. Each run that has a trades log is audited with
scripts/trade_audit.py: every order id of the orders log has exactly one outcome in
the trades log, none is executed twice, and the positions summed from the whole
trades log equal the OMS's and the strategy's summaries.

CMake runs these one at a time (RUN_SERIAL), like test_cluster_faults: SIGSTOP and
kill -9 need nodes that get CPU promptly, and the reject storm counts per second.
Every wait is bounded and polls its condition; the only fixed pause is the 3 s the
OMS stays stopped, which is the scenario itself.
"""
import json
import os
import re
import signal
import time
import unittest

from cluster import ClusterTest
from harness import CONFIGS, FAST, thread_files, wait_for
import trade_audit  # scripts/, which harness puts on sys.path

ALL_IN_ONE = os.path.join(CONFIGS, "all_in_one.json")
# Shorter than the 3 s hang: the strategy times its order out and sends it again.
ORDER_TIMEOUT_MS = 1000
HANG_S = 3.0
# Time enough for a cluster to link, fill, drain and stop on a loaded machine.
FILL_TIMEOUT = 30
STOP_TIMEOUT = 15
STATS = re.compile(r"strategy prices \d+ sentiment \S+ orders (?P<orders>\d+) "
                   r"fills (?P<fills>\d+) rejects (?P<rejects>\d+) "
                   r"unknown (?P<unknown>-?\d+) resent (?P<resent>\d+)")
RECOVERED = re.compile(r"recovered (?P<n>\d+) outcomes from (?P<path>\S+) in \d+ ms "
                       r"\((?P<malformed>\d+) malformed, (?P<torn>[^)]*)\), "
                       r"journal sequence (?P<seq>\d+)")
RECONCILED = re.compile(r"positions reconciled with the OMS at journal sequence "
                        r"(?P<seq>\d+): (?:(?P<none>no difference)|(?P<k>\d+) adopted)")
REPEATED = re.compile(r"\(repeated (\d+) times in the last [\d.]+ s\)")


def whole_lines(path):
    """The file's complete lines (a line still being written is left out)."""
    if not os.path.exists(path):
        return []
    with open(path, "rb") as f:
        data = f.read()
    data = data[:data.rfind(b"\n") + 1]
    return [l.decode() for l in data.split(b"\n") if l.strip()]


def records(path):
    """The JSON records of the file's complete lines; a line that does not parse
    is skipped here (the audit judges it)."""
    out = []
    for line in whole_lines(path):
        try:
            out.append(json.loads(line))
        except ValueError:
            pass
    return out


def positions_of(trades, up_to_sequence=None):
    """Net quantity per symbol (non-zero only) of the strategy account's
    executions (FILLED and PARTIAL lines, each its own quantity), optionally only
    those with journal sequence <= up_to_sequence."""
    net = {}
    for t in trades:
        if (t.get("status") not in ("FILLED", "PARTIAL")
                or t.get("account", "strategy") != "strategy"):
            continue
        if up_to_sequence is not None and t.get("sequence", 0) > up_to_sequence:
            continue
        sign = 1 if t["side"] == "BUY" else -1
        net[t["symbol"]] = net.get(t["symbol"], 0) + sign * int(t["quantity"])
    return {s: q for s, q in net.items() if q}


def stopped(pid):
    """Whether every thread of `pid` is stopped (/proc/PID/task/*/stat state T):
    none of them can write a trades-log line any more."""
    stats = thread_files(pid, "stat")
    if not stats:
        return False
    return all(stat.rsplit(")", 1)[1].split()[0] in ("T", "t") for stat in stats)


def nonzero(positions):
    return {s: q for s, q in positions.items() if q}


class ExactlyOnceTest(ClusterTest):
    # -- reading the logs ---------------------------------------------------------

    def trades_now(self):
        return records(self.trades)

    def fill_count(self):
        return sum(1 for t in self.trades_now() if t.get("status") == "FILLED")

    def wait_fills_and_a_position(self, count=3, timeout=FILL_TIMEOUT):
        """At least `count` fills and a non-zero position: a restart that lost the
        journal would then show in the positions."""
        return wait_for(
            lambda: self.fill_count() >= count and positions_of(self.trades_now()),
            timeout, f"{count} fills and a non-zero position in {self.trades}")

    def wait_fills_beyond(self, count, timeout=FILL_TIMEOUT):
        return wait_for(lambda: self.fill_count() > count, timeout,
                        f"more than {count} FILLED lines in {self.trades}")

    def stats_lines(self, node):
        return [m for m in (STATS.search(l) for l in node.output().splitlines()) if m]

    def wait_settled(self, node, timeout=FILL_TIMEOUT):
        """A strategy stats line newer than now that shows no outcome unknown."""
        seen = len(self.stats_lines(node))

        def fresh_and_known():
            lines = self.stats_lines(node)[seen:]
            return any(m["unknown"] == "0" for m in lines)
        wait_for(fresh_and_known, timeout, f"a fresh stats line of {node.name} with "
                 "'unknown 0'")

    def reconciled(self, node):
        return [m for m in (RECONCILED.search(l) for l in node.output().splitlines()) if m]

    # -- the audit -----------------------------------------------------------------

    def output_file(self, node):
        """The node's last run's stdout and stderr in one file, for the audit."""
        path = os.path.join(self.dir, f"{node.name}.{node.runs}.all")
        with open(path, "w") as f:
            f.write(node.output())
        return path

    def audit(self, oms, strategy):
        r = trade_audit.audit(self.orders, self.trades,
                              self.output_file(oms) if oms else None,
                              self.output_file(strategy) if strategy else None)
        self.assertTrue(r.ok, "the audit failed:\n" + "\n".join(map(str, r.problems[:20])))
        self.assertGreater(r.fills, 0)
        self.assertEqual((r.missing, r.executed_twice, r.duplicate_execution_ids,
                          r.unknown_orders, r.bad_lines), (0, 0, 0, 0, 0))
        # The audit compares each summary it found; make sure both were found.
        for who, found in (("OMS", r.oms_positions if oms else {}),
                           ("strategy", r.strategy_positions if strategy else {})):
            self.assertIsNotNone(found, f"no {who} positions line")
        if oms:
            self.assertEqual(nonzero(r.oms_positions), r.positions)
        if strategy:
            self.assertEqual(nonzero(r.strategy_positions), r.positions)
        return r

    def all_in_one(self, name, *extra, duration=None):
        sets = [*self.private(), *FAST, f"strategy.order_timeout_ms={ORDER_TIMEOUT_MS}",
                *extra]
        return self.node(name, ALL_IN_ONE, sets, duration)

    def run_until_a_position(self, node):
        """Starts `node`, waits for fills and a position, stops it cleanly."""
        node.start()
        self.wait_fills_and_a_position()
        self.assertEqual(node.stop(STOP_TIMEOUT), 0, node.output()[-3000:])

    # -- the cluster -----------------------------------------------------------------

    def hang_oms(self):
        """SIGSTOP the OMS for HANG_S seconds, then SIGCONT. Returns the ids of the
        orders first sent during the hang, unanswered when it began, early enough
        (ORDER_TIMEOUT_MS + 0.5 s before the SIGCONT) that they must have timed
        out while the OMS was stopped."""
        oms = self.cluster["oms"]
        orders_before = len(whole_lines(self.orders))
        oms.signal(signal.SIGSTOP)
        try:
            wait_for(lambda: stopped(oms.proc.pid), 5, "every thread of the OMS to stop")
            answered = {t["order_id"] for t in self.trades_now()}
            time.sleep(HANG_S)  # the scenario: the OMS hangs for 3 s under load
        finally:
            oms.signal(signal.SIGCONT)
        latest = time.time() - ORDER_TIMEOUT_MS / 1000 - 0.5
        return [o["order_id"] for o in records(self.orders)[orders_before:]
                if not o.get("resend") and o["order_id"] not in answered
                and o["timestamp"] <= latest]

    def test_hung_oms_ends_with_one_outcome_per_order_and_agreeing_positions(self):
        self.start_all(extra=[f"strategy.order_timeout_ms={ORDER_TIMEOUT_MS}"])
        self.wait_fills_and_a_position()
        strategy, oms = self.cluster["strategy"], self.cluster["oms"]
        caught, hangs = [], 0
        while not caught and hangs < 3:
            # An order must be in flight when the OMS freezes; orders come in
            # bursts, so a hang may miss them: then the OMS hangs once more.
            hangs += 1
            caught = self.hang_oms()
            fills = self.fill_count()
            self.wait_output("strategy", "re-linked to node 'oms'", count=hangs,
                             timeout=FILL_TIMEOUT)
            self.wait_fills_beyond(fills)
        self.assertTrue(caught, f"no order was in flight during {hangs} hangs of the OMS")
        self.wait_settled(strategy)
        self.stop_all(timeout=STOP_TIMEOUT)
        out = strategy.output()
        self.assertGreaterEqual(out.count("lost oms"), hangs,
                                "each 3 s hang must be noticed (heartbeat timeout)")
        resent = {o["order_id"] for o in records(self.orders) if o.get("resend")}
        for oid in caught:
            # Timed out during the hang, sent again with the same id once the
            # OMS was back, and (the audit) executed once.
            self.assertIn(f"order {oid}: no outcome after {ORDER_TIMEOUT_MS} ms", out)
            self.assertIn(oid, resent, f"order {oid} timed out but was not sent again")
        r = self.audit(oms, strategy)
        print(f"\nhung OMS: {hangs} hang(s), {len(caught)} order(s) timed out in the hang, "
              f"{r.orders} orders, {r.resends} resends, {r.fills} fills")

    def test_oms_killed_and_restarted_recovers_positions_from_its_journal(self):
        self.start_all(extra=[f"strategy.order_timeout_ms={ORDER_TIMEOUT_MS}"])
        self.wait_fills_and_a_position()
        oms = self.cluster["oms"]
        oms.kill()
        self.wait_output("strategy", "lost oms", timeout=10)
        # Nothing executes while the OMS is dead: this is its whole journal.
        before = self.trades_now()
        self.assertEqual(len(before), len(whole_lines(self.trades)),
                         "a line the dead OMS left does not parse")
        positions_before = positions_of(before)
        self.assertTrue(positions_before, "the test wants a position before the kill")
        last_sequence = max(t["sequence"] for t in before)
        self.restart("oms")
        recovered = wait_for(lambda: RECOVERED.search(oms.output()), 10,
                             "the restarted OMS's 'recovered' line")
        self.assertEqual(int(recovered["n"]), len(before), recovered.group(0))
        self.assertEqual(recovered["path"], self.trades)
        self.assertEqual(recovered["malformed"], "0")
        self.assertEqual(recovered["torn"], "no torn line")
        self.assertEqual(int(recovered["seq"]), last_sequence)
        self.wait_output("strategy", "re-linked to node 'oms'", timeout=FILL_TIMEOUT)
        self.wait_fills_beyond(len([t for t in before if t["status"] == "FILLED"]))
        self.wait_settled(self.cluster["strategy"])
        self.stop_all(timeout=STOP_TIMEOUT)
        # The reconciliation after the re-link saw at least the recovered journal.
        seqs = [int(m["seq"]) for m in self.reconciled(self.cluster["strategy"])]
        self.assertTrue(seqs and seqs[-1] >= last_sequence, seqs)
        # The restarted OMS's summary is the sum over the whole log (the audit),
        # so it holds the fills before the kill (non-zero) as well.
        r = self.audit(oms, self.cluster["strategy"])
        after = records(self.trades)
        self.assertEqual(nonzero(r.oms_positions), positions_of(after))
        own = positions_of([t for t in after if t["sequence"] > last_sequence])
        self.assertNotEqual(nonzero(r.oms_positions), own,
                            "the restarted OMS counts only its own fills")
        # The restarted journal continues the sequence instead of starting anew.
        new = [t for t in after if t["sequence"] > last_sequence]
        self.assertTrue(new)
        self.assertEqual(new[0]["sequence"], last_sequence + 1)

    def test_strategy_killed_and_restarted_resends_and_reconciles(self):
        self.start_all(extra=[f"strategy.order_timeout_ms={ORDER_TIMEOUT_MS}"])
        self.wait_fills_and_a_position()
        strategy = self.cluster["strategy"]
        strategy.kill()
        orders_of_run1 = {o["order_id"] for o in records(self.orders)}
        self.restart("strategy")
        match = wait_for(lambda: self.reconciled(strategy), FILL_TIMEOUT,
                         "the restarted strategy's reconciliation")[0]
        out = strategy.output()
        self.assertIn("orders of an earlier run (the last per symbol in "
                      f"{self.orders}) are sent again", out)
        # The new strategy started from nothing: it adopts every position the
        # OMS's journal held at the sequence it reconciled at.
        held = positions_of(self.trades_now(), int(match["seq"]))
        adopted = 0 if match["none"] else int(match["k"])
        self.assertEqual(adopted, len(held), f"{match.group(0)}; the journal holds {held}")
        for sym, qty in held.items():
            self.assertIn(f"position in {sym} was 0, the OMS says {qty}: adopting the OMS's",
                          out)
        self.wait_fills_beyond(self.fill_count())
        self.wait_settled(strategy)
        self.stop_all(timeout=STOP_TIMEOUT)
        resent = [o for o in records(self.orders) if o.get("resend")]
        self.assertTrue(any(o["order_id"] in orders_of_run1 for o in resent),
                        "no order of the killed strategy was sent again")
        self.audit(self.cluster["oms"], strategy)

    # -- all in one ----------------------------------------------------------------------

    def test_reject_storm_backs_off_and_logs_a_count(self):
        duration = 3
        node = self.all_in_one("aio", "oms.trades_log=/dev/full", duration=duration)
        node.start()
        self.assertEqual(node.wait(duration + 30), 0, node.output()[-3000:])
        out = node.output()
        self.assertIn("trades log unavailable", out)
        orders = records(self.orders)
        ids = {o["order_id"] for o in orders}
        summary = self.stats_lines(node)[-1]
        self.assertGreater(len(ids), 0, "no order was sent: the storm was not provoked")
        self.assertEqual(int(summary["fills"]), 0, summary.group(0))
        # Backoff 0.1 s doubling per symbol: about 6 orders per symbol in 3 s
        # (before: ~600 in all).
        symbols = 5
        self.assertLessEqual(len(orders), symbols * 7,
                             f"{len(orders)} orders-log lines in a {duration} s reject "
                             f"storm ({len(ids)} ids): no backoff")
        self.assertEqual(int(summary["orders"]), len(ids))
        self.assertEqual(int(summary["rejects"]), len(ids), summary.group(0))
        # Rate-limited: about one line a second, and the lines account for every
        # reject (a plain line is one, a summary line says how many it stands for).
        rejected = [l for l in out.splitlines() if "strategy: order rejected: " in l]
        self.assertLessEqual(len(rejected), duration + 4, "\n".join(rejected))
        counted = sum(int(m[1]) if (m := REPEATED.search(l)) else 1 for l in rejected)
        self.assertEqual(counted, int(summary["rejects"]), "\n".join(rejected))
        if int(summary["rejects"]) > len(rejected):
            self.assertTrue(any(REPEATED.search(l) for l in rejected), "\n".join(rejected))
        print(f"\nreject storm: {len(ids)} orders, {len(rejected)} 'order rejected' lines, "
              f"{sum('trades log:' in l for l in out.splitlines())} OMS 'trades log:' lines")

    def test_torn_last_line_is_set_aside_and_nothing_is_lost(self):
        self.run_until_a_position(self.all_in_one("first"))
        with open(self.trades, "rb") as f:
            data = f.read()
        self.assertTrue(data.endswith(b"\n"))
        last = data[:-1][data[:-1].rfind(b"\n") + 1:]
        fragment = last[:len(last) // 2]  # a kill -9 in the middle of a write
        offset = len(data)
        whole = records(self.trades)
        with open(self.trades, "ab") as f:
            f.write(fragment)
        second = self.all_in_one("second").start()
        torn = self.trades + ".torn"
        wait_for(lambda: f"torn last line at byte offset {offset} ({len(fragment)} bytes) "
                 f"set aside in {torn}" in second.output(), 10,
                 f"the warning naming byte offset {offset} and {torn}")
        recovered = wait_for(lambda: RECOVERED.search(second.output()), 10,
                             "the 'recovered' line")
        self.assertEqual(int(recovered["n"]), len(whole), recovered.group(0))
        self.assertEqual(recovered["torn"], "a torn last line set aside")
        self.wait_fills_beyond(sum(t["status"] == "FILLED" for t in whole))
        self.assertEqual(second.stop(STOP_TIMEOUT), 0, second.output()[-3000:])
        with open(torn, "rb") as f:
            self.assertEqual(f.read(), fragment + b"\n")
        with open(self.trades, "rb") as f:
            data = f.read()
        self.assertTrue(data.endswith(b"\n"))
        lines = data.decode().splitlines()
        for n, line in enumerate(lines, 1):
            try:
                json.loads(line)
            except ValueError:
                self.fail(f"trades log line {n} does not parse: {line!r}")
        self.assertEqual([json.loads(l) for l in lines[:len(whole)]], whole,
                         "a line of the first run was lost or changed")
        r = self.audit(second, second)
        self.assertEqual(r.torn_lines, 1)

    def test_positions_persist_across_a_clean_restart(self):
        self.run_until_a_position(self.all_in_one("first"))
        run1 = records(self.trades)
        held = positions_of(run1)
        last_sequence = max(t["sequence"] for t in run1)
        second = self.all_in_one("second").start()
        recovered = wait_for(lambda: RECOVERED.search(second.output()), 10,
                             "the 'recovered' line")
        self.assertEqual((int(recovered["n"]), int(recovered["seq"])),
                         (len(run1), last_sequence), recovered.group(0))
        match = wait_for(lambda: self.reconciled(second), FILL_TIMEOUT,
                         "the strategy's reconciliation")[0]
        # The first thing the OMS answers the new strategy is the journal of the
        # first run, and the strategy adopts every position in it.
        self.assertEqual(int(match["seq"]), last_sequence, match.group(0))
        adopted = 0 if match["none"] else int(match["k"])
        self.assertEqual(adopted, len(held), f"{match.group(0)}; the first run left {held}")
        self.wait_fills_beyond(sum(t["status"] == "FILLED" for t in run1))
        self.assertEqual(second.stop(STOP_TIMEOUT), 0, second.output()[-3000:])
        r = self.audit(second, second)
        self.assertEqual(nonzero(r.oms_positions), positions_of(records(self.trades)))


if __name__ == "__main__":
    unittest.main()
