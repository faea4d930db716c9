"""Peers that die, restart or hang: the cluster notices and recovers by itself.

CMake runs these one at a time (RUN_SERIAL): they rely on nodes getting CPU
promptly, which parallel clusters on two cores would not guarantee.
"""
import signal
import unittest

from cluster import IO_THREAD_ROLES, ClusterTest


class ClusterFaultTest(ClusterTest):
    def test_killed_feeds_node_restarts_and_trades_resume(self):
        self.start_all()
        self.wait_for_fills(1)
        self.cluster["feeds"].kill()
        self.wait_output("book", "lost price_feed", timeout=5)
        self.restart("feeds")
        self.wait_output("book", "new incarnation")
        self.wait_more_fills()
        self.stop_all()
        summary = [l for l in self.cluster["book"].output().splitlines()
                   if "summary:" in l][-1]
        self.assertIn(" gaps 0 resets 1 ", summary,
                      "a restarted feed must count as a reset, not a gap")

    def test_killed_book_node_restarts_and_strategy_reattaches(self):
        self.start_all()
        self.wait_for_fills(1)
        self.cluster["book"].kill()
        self.wait_output("strategy", "book writer stopped heartbeating", timeout=5)
        self.restart("book")
        self.wait_output("book", "replaced a stale shm segment")
        self.wait_output("strategy", "attached to shm segment", count=2)
        self.wait_more_fills()
        self.stop_all()

    def kill_oms_and_see_orders_flow_again(self, extra=()):
        self.start_all(extra=extra)
        self.wait_for_fills(1)
        self.cluster["oms"].kill()
        self.wait_output("strategy", "lost oms", timeout=5)
        self.restart("oms")
        self.wait_output("strategy", "re-linked to node 'oms'")
        self.wait_more_fills()
        self.stop_all()

    def test_killed_oms_node_restarts_and_orders_flow_again(self):
        self.kill_oms_and_see_orders_flow_again()

    def test_killed_oms_node_on_the_io_thread_restarts_and_orders_flow_again(self):
        # The OMS on its middleman thread recovers its journal at restart and
        # answers the strategy's resent and new orders like one on the scheduler;
        # the strategy, which runs its own node's loop, reconnects through it.
        self.kill_oms_and_see_orders_flow_again(extra=IO_THREAD_ROLES)
        # output() is the restarted node's own.
        self.wait_output("oms", "oms runs on the middleman's I/O thread")

    def test_hung_oms_is_noticed_and_recovers(self):
        self.start_all()
        self.wait_for_fills(1)
        oms = self.cluster["oms"]
        oms.signal(signal.SIGSTOP)
        try:
            self.wait_output("strategy", "lost oms", timeout=10)
        finally:
            oms.signal(signal.SIGCONT)
        self.wait_output("strategy", "re-linked to node 'oms'", timeout=30)
        self.wait_more_fills()
        self.stop_all()


if __name__ == "__main__":
    unittest.main()
