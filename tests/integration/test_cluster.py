"""The cluster's normal life: start in any order, trade, shut down cleanly."""
import json
import os
import signal
import subprocess
import unittest

from cluster import IO_THREAD_ROLES, ROLES, ClusterTest


class ClusterFlowTest(ClusterTest):
    def test_nodes_started_in_reverse_order_trade(self):
        # Each node is seen waiting for the next before that one starts.
        self.make("oms").start()
        self.wait_output("oms", f"waiting for book at 127.0.0.1:{self.ports['book']}")
        self.make("strategy").start()
        self.wait_output("strategy", f"waiting for news_feed at 127.0.0.1:{self.ports['feeds']}")
        self.make("book").start()
        self.wait_output("book", f"waiting for price_feed at 127.0.0.1:{self.ports['feeds']}")
        self.make("feeds").start()
        self.wait_for_fills(1)
        self.stop_all()

    def test_sigterm_stops_every_node_cleanly(self):
        self.start_all()
        self.wait_for_fills(1)
        self.stop_all(timeout=5)
        for node in self.cluster.values():
            self.assertIn("summary:", node.output())

    def test_actor_book_source_trades_across_nodes(self):
        self.start_all(extra=["strategy.book_source=actor"])
        self.wait_output("strategy", "linked to node 'book'")
        self.wait_for_fills(1)
        self.stop_all()

    def test_roles_on_the_io_thread_trade_and_stop_cleanly(self):
        # caf.io_thread_roles: the feeds, the book and the OMS run on their
        # nodes' middleman thread, as each says from there, and the spinning
        # strategy runs its node's loop on its own thread. Orders still fill
        # (so prices reached the book, news the strategy, its orders the OMS and
        # the reports it), the logs agree and every node exits 0.
        self.start_all(extra=IO_THREAD_ROLES)
        for role, actor in (("feeds", "price_feed"), ("feeds", "news_feed"),
                            ("book", "book"), ("oms", "oms"), ("strategy", "strategy")):
            self.wait_output(role, f"{actor} runs on the middleman's I/O thread")
        self.wait_for_fills(3)
        # The same list on every node: where a role is not hosted, it is named.
        self.wait_output("strategy", "caf.io_thread_roles names book, which this "
                                     "node does not host: ignored")
        self.stop_all()
        for role in ("feeds", "book", "oms", "strategy"):
            self.assertNotIn("I/O thread but does not", self.cluster[role].output())

    def test_an_oms_in_another_process_is_kept_warm(self):
        # strategy.warm_us over the network: the OMS node takes the no-ops (its
        # results file counts them) and orders fill as without them.
        results = os.path.join(self.dir, "oms_results.json")
        for role in ROLES:
            own = [f"node.results_file={results}"] if role == "oms" else []
            self.make(role, ["strategy.warm_us=1000", *own]).start()
        self.wait_for_fills(3)
        self.stop_all()
        with open(results) as f:
            totals = json.load(f)["totals"]
        self.assertGreater(totals["warm_messages"], 0)
        self.assertNotIn("strategy.warm_us: not used", self.cluster["strategy"].output())

    def test_stats_line_shows_peers_and_messages(self):
        self.start_all()
        self.wait_for_fills(1)
        self.wait_output("strategy", "| peers 2/2")
        # The book's first stats line comes a second after its start, maybe
        # after the first fill: waited for, not assumed.
        self.wait_output("book", "msgs in")
        self.stop_all()

    def test_port_in_use_is_fatal_and_named(self):
        self.start_all(order=("oms",))
        self.wait_output("oms", "listening on")
        twin_log = os.path.join(self.dir, "twin_trades.log")
        twin = self.node("oms_twin", self.cluster["oms"].config,
                         self.cluster["oms"].overrides
                         + [f"oms.trades_log={twin_log}"]).start()
        self.assertEqual(twin.wait(10), 1)
        self.assertIn(f"cannot listen on 127.0.0.1:{self.ports['oms']}", twin.output())
        self.stop_all()

    def test_a_second_oms_on_the_same_trades_log_is_refused(self):
        # The trades log is the OMS's journal: two writers would each recover
        # a different half of the truth.
        self.start_all(order=("oms",))
        self.wait_output("oms", "listening on")
        twin = self.node("oms_twin", self.cluster["oms"].config,
                         self.cluster["oms"].overrides + ["node.port=0"]).start()
        self.assertEqual(twin.wait(10), 1)
        self.assertIn("is in use by another process", twin.output())
        self.assertIn("fatal", twin.output())
        self.stop_all()

    def test_unreachable_peer_host_is_named_and_retried(self):
        self.start_all(order=("oms",), extra=["peers.book.host=no-such-host.invalid"])
        self.wait_output("oms", "waiting for book at no-such-host.invalid:", count=2)
        self.assertTrue(self.cluster["oms"].alive())
        self.stop_all()

    def test_peer_with_the_wrong_actor_interface_is_named(self):
        foreign = subprocess.Popen([os.environ["FOREIGN_NODE"], str(self.ports["oms"])],
                                   stdout=subprocess.PIPE, text=True)
        try:
            self.assertIn("listening on", foreign.stdout.readline())
            self.start_all(order=("strategy",))
            self.wait_output("strategy", f"waiting for oms at 127.0.0.1:{self.ports['oms']}: "
                             "the actor published there is not a trading node entry "
                             "(wrong actor interface")
            self.assertTrue(self.cluster["strategy"].alive(), "a bad peer must not be fatal")
            self.stop_all()
        finally:
            foreign.kill()
            foreign.wait()

    def test_launcher_runs_the_cluster_and_sums_it_up(self):
        launcher = self.launcher()
        self.wait_for_fills(1)
        launcher.send_signal(signal.SIGINT)  # Ctrl-C
        code, out = self.wait_launcher(launcher)
        self.assertEqual(code, 0, out)
        self.assertIn("cluster summary:", out)
        self.assertRegex(out, r"[1-9]\d* filled")
        for role in ("feeds", "book", "strategy", "oms"):
            self.assertRegex(out, rf"{role} +exit 0 +reconnects 0")
        # stdout and stderr share each node's log without overwriting each other.
        log = self.node_log("strategy")
        self.assertIn("strategy: attached to shm segment", log)  # stderr
        self.assertRegex(log, r"\n\[strategy\] summary: ")  # stdout, whole line
        self.assertFalse(self.segment_exists(), "the book's segment was left behind")
        self.assert_logs_consistent()

    def test_launcher_duration_stops_each_node_with_one_sigterm(self):
        # The launcher keeps the clock: its nodes get no --duration, so none is
        # signalled while it is shutting down by itself (defect 1).
        code, out = self.wait_launcher(self.launcher("--duration", "3"))
        self.assertEqual(code, 0, out)
        self.assertIn("running for 3 s", out)
        self.assertIn("cluster summary:", out)
        for role in ("feeds", "book", "strategy", "oms"):
            self.assertRegex(out, rf"{role} +exit 0 +reconnects 0")
            log = self.node_log(role)
            self.assertEqual(log.count("received SIGTERM: shutting down"), 1, log)
            self.assertNotIn("duration reached", log)
            self.assertRegex(log, rf"\n\[{role}\] summary: ")
        self.assertFalse(self.segment_exists(), "the book's segment was left behind")
        self.assert_logs_consistent()


if __name__ == "__main__":
    unittest.main()
