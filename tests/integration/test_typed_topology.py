"""What the typed topology promises, with real processes: a peer cannot steer an
actor through its private messages, an OMS fed by messages rejects while its book
is gone, and a segment damaged under a node ends it with a clear error."""
import json
import os
import re
import signal
import subprocess

from cluster import ClusterTest
from harness import CONFIGS, FAST, wait_for
from trading_procs import free_ports

ALL_IN_ONE = os.path.join(CONFIGS, "all_in_one.json")


def stray_peer(port, *args):
    return subprocess.run([os.environ["STRAY_PEER"], "127.0.0.1", str(port), *args],
                          capture_output=True, text=True, timeout=30)


def news_count(output):
    counts = re.findall(r"\| news (\d+) \|", output)
    return int(counts[-1]) if counts else -1


class TypedTopologyTest(ClusterTest):
    def test_private_messages_from_a_peer_are_refused_and_counted(self):
        port, = free_ports(1)
        results = os.path.join(self.dir, "results.json")
        node = self.node("aio", ALL_IN_ONE,
                         [*self.private(), *FAST, "node.listen=true", f"node.port={port}",
                          "node.stats_interval_ms=100", f"node.results_file={results}"])
        node.start()
        wait_for(lambda: f"listening on 127.0.0.1:{port}" in node.output(), 15,
                 "the node to listen")
        run = stray_peer(port, "private")
        self.assertEqual(run.returncode, 0, run.stdout + run.stderr)
        self.assertIn("stop answered false", run.stdout)
        wait_for(lambda: "refused a private 'stop' message" in node.output(), 15,
                 "the refused stop in the log")
        out = node.output()
        self.assertIn("news_feed: refused a private 'timer' message", out)
        self.assertIn("news_feed: dropped a message it does not understand", out)
        # Never obeyed: the feed goes on producing after the stranger's stop.
        after = news_count(node.output())
        wait_for(lambda: news_count(node.output()) > after + 5, 15,
                 "news to go on after the stranger's stop")
        self.assertEqual(node.stop(), 0, node.output())
        with open(results) as f:
            totals = json.load(f)["totals"]
        self.assertEqual(totals["refused"], 5)  # two timers, the stop, two exits
        self.assertEqual(totals["dropped"], 1)  # the string

    def test_oms_on_messages_rejects_while_its_book_is_gone(self):
        # No strategy: this test is the order entry's only client.
        self.start_all(order=("oms", "book", "feeds"))
        port = self.ports["oms"]
        self.wait_output("oms", "linked to node 'book'")

        def order(n):
            run = stray_peer(port, "order", f"probe-{n}", "AAPL", "1")
            self.assertEqual(run.returncode, 0, run.stdout + run.stderr)
            status, _, reason = (run.stdout.strip() + " ").split(" ", 2)
            return f"{status} {reason}".strip()

        tries = iter(range(1000))
        wait_for(lambda: order(next(tries)).startswith("FILLED"), 20,
                 "an order to fill while the book is live")
        self.cluster["book"].kill()
        self.wait_output("oms", "lost book")
        self.assertTrue(order("after-loss").startswith("REJECTED no live book"),
                        "an order must not fill at a dead book's prices")
        self.restart("book")
        self.wait_output("oms", "re-linked to node 'book'")
        wait_for(lambda: order(next(tries)).startswith("FILLED"), 20,
                 "fills again once a live book is back")
        for role in ("feeds", "book", "oms"):
            self.assertEqual(self.cluster[role].stop(), 0, self.cluster[role].output())
        self.assertFalse(self.segment_exists(), "the book's segment was left behind")
        trades = [json.loads(line) for line in open(self.trades) if line.strip()]
        self.assertEqual(len({t["execution_id"] for t in trades}), len(trades))
        self.assertFalse([t for t in trades if t["order_id"] == "after-loss"
                          and t["status"] == "FILLED"])

    def test_oms_takes_quotes_only_from_the_book_it_linked_to(self):
        # A stranger with the project's headers poses as the book: its quotes
        # are refused and counted, and never price a fill.
        self.start_all(order=("oms", "book", "feeds"))
        port = self.ports["oms"]
        self.wait_output("oms", "linked to node 'book'")

        def order(n, fake):
            run = stray_peer(port, "order", f"fake-{n}", "AAPL", "1", fake)
            self.assertEqual(run.returncode, 0, run.stdout + run.stderr)
            status, price, _ = (run.stdout.strip() + " ").split(" ", 2)
            return status, float(price)

        tries = iter(range(1000))
        fills = []
        wait_for(lambda: fills.append(order(next(tries), "1000000")) or
                 fills[-1][0] == "FILLED", 20, "an order to fill at the book's price")
        for status, price in fills:
            self.assertNotEqual(price, 1000000.0, "filled at a stranger's price")
        self.assertLess(fills[-1][1], 10000.0)
        self.cluster["book"].kill()
        self.wait_output("oms", "lost book")
        status, price = order("dead", "0.01")
        self.assertEqual((status, price), ("REJECTED", 0.0),
                         "a stranger's quote priced an order while the book was gone")
        self.wait_output("oms", "refused a 'quote' message from actor")
        for role in ("feeds", "oms"):
            self.assertEqual(self.cluster[role].stop(), 0, self.cluster[role].output())

    def test_truncated_segment_ends_the_node_with_a_clear_error(self):
        node = self.node("aio", ALL_IN_ONE, [*self.private(), *FAST]).start()
        self.wait_for_fills(1)
        os.truncate("/dev/shm" + self.shm, 100)
        code = node.wait(15)
        self.assertEqual(code, 1, "no SIGBUS, a clean exit 1:\n" + node.output())
        out = node.output()
        self.assertRegex(out, r"ERROR \[[^]]+\] book: shm segment " + re.escape(self.shm)
                         + r" was truncated")
        self.assertIn("summary:", out)
        self.assert_logs_consistent()
