"""The all-in-one node, end to end, as a user runs it."""
import os
import signal
import struct
import unittest

from harness import CONFIGS, FAST, NodeTest, thread_files, wait_for

CONFIG = os.path.join(CONFIGS, "all_in_one.json")


class AllInOneTest(NodeTest):
    def sets(self, *extra):
        return [*self.private(), *FAST, *extra]

    def test_duration_run_trades_logs_and_removes_its_segment(self):
        # The duration only ends the run; the fill is waited for (its deadline
        # well inside the duration), not assumed to have happened by the end.
        node = self.node("aio", CONFIG, self.sets(), duration=15).start()
        wait_for(self.segment_exists, 10, "the shm segment to appear")
        self.wait_for_fills(1, timeout=12)
        self.assertEqual(node.wait(15 + 30), 0, node.output())
        self.assertFalse(self.segment_exists(), "segment left behind")
        self.assertGreaterEqual(len(self.fills()), 1, "no FILLED line")
        self.assert_logs_consistent()
        out = node.output()
        self.assertIn("duration reached: shutting down", out)
        self.assertIn("summary:", out)
        self.assertIn("tick-to-trade:", out)

    def test_sigint_takes_the_clean_path(self):
        node = self.node("aio", CONFIG, self.sets()).start()
        self.wait_for_fills(1)
        node.signal(signal.SIGINT)
        self.assertEqual(node.wait(15), 0, node.output())
        self.assertFalse(self.segment_exists())
        self.assertIn("received SIGINT", node.output())
        self.assert_logs_consistent()

    def test_actor_book_source_trades_too(self):
        node = self.node("aio", CONFIG, self.sets("strategy.book_source=actor")).start()
        self.wait_for_fills(1)
        self.assertEqual(node.stop(), 0, node.output())
        self.assert_logs_consistent()

    def test_futex_wait_trades_and_stops_cleanly(self):
        # strategy.wait=futex: the strategy sleeps on the segment between writes;
        # it must still see prices (fills), its mailbox (stop) and leave no segment.
        node = self.node("aio", CONFIG, self.sets("strategy.wait=futex",
                                                  "strategy.spin_us=20")).start()
        self.wait_for_fills(1)
        self.assertEqual(node.stop(), 0, node.output())
        self.assertFalse(self.segment_exists())
        self.assert_logs_consistent()

    def test_cpu_dma_latency_is_held_while_it_runs_and_released_after(self):
        # node.cpu_dma_latency_us: a PM QoS request on /dev/cpu_dma_latency,
        # which reads back the strictest request the kernel holds.
        device = "/dev/cpu_dma_latency"
        if not os.access(device, os.R_OK | os.W_OK):
            self.skipTest(f"{device} is missing or not writable here (needs root)")

        def held():
            with open(device, "rb") as f:
                return struct.unpack("i", f.read(4))[0]
        before = held()
        if before == 0:
            self.skipTest(f"something else already holds {device} at 0")
        node = self.node("aio", CONFIG,
                         self.sets("node.cpu_dma_latency_us=0")).start()
        wait_for(lambda: "holding /dev/cpu_dma_latency at 0 us" in node.output(), 10,
                 "the node to take its request")
        self.assertEqual(held(), 0)
        self.wait_for_fills(1)
        self.assertEqual(node.stop(), 0, node.output())
        self.assertEqual(held(), before, "the request outlived the node")

    def strategy_thread_policy(self, node):
        """The scheduling policy (/proc/PID/task/TID/stat field 41) of the node's
        thread named "strategy", or None while there is none."""
        for stat in thread_files(node.proc.pid, "stat") or []:
            name = stat[stat.index("(") + 1:stat.rindex(")")]
            if name == "strategy":
                return int(stat[stat.rindex(")") + 2:].split()[38])
        return None

    def test_strategy_sched_policy_idle_is_applied_to_its_thread(self):
        # SCHED_IDLE is 5: the spinner yields its CPU to any thread woken there.
        node = self.node("aio", CONFIG, self.sets("strategy.sched_policy=idle")).start()
        wait_for(lambda: "running at SCHED_IDLE" in node.output(), 10,
                 "the strategy to switch its policy")
        self.assertEqual(self.strategy_thread_policy(node), 5)
        self.wait_for_fills(1)
        self.assertEqual(node.stop(), 0, node.output())

    def test_strategy_thread_is_a_normal_thread_by_default(self):
        node = self.node("aio", CONFIG, self.sets()).start()
        self.wait_for_fills(1)  # the strategy thread is running (and named)
        self.assertEqual(self.strategy_thread_policy(node), 0)  # SCHED_OTHER
        self.assertNotIn("SCHED_IDLE", node.output())
        self.assertEqual(node.stop(), 0, node.output())

    def test_stats_line_every_second(self):
        node = self.node("aio", CONFIG, self.sets()).start()

        def stats_lines():
            return [l for l in node.output().splitlines() if "s | feed ticks" in l]
        wait_for(lambda: len(stats_lines()) >= 3, 20, "three stats lines")
        self.assertEqual(node.stop(), 0, node.output())
        self.assertGreaterEqual(len(stats_lines()), 3, node.output())

    def test_log_is_appended_not_truncated(self):
        with open(self.trades, "w") as f:
            f.write('{"execution_id":"old","order_id":"old","status":"REJECTED"}\n')
        node = self.node("aio", CONFIG, self.sets()).start()
        self.wait_for_fills(1)
        self.assertEqual(node.stop(), 0)
        with open(self.trades) as f:
            self.assertTrue(f.readline().startswith('{"execution_id":"old"'))

    def test_bad_config_fails_clearly(self):
        node = self.node("aio", CONFIG, self.sets("strategy.poll_us=fast")).start()
        self.assertEqual(node.wait(10), 2)
        self.assertIn("strategy.poll_us", node.output())
        self.assertFalse(self.segment_exists())

    def test_segment_of_a_live_writer_is_refused(self):
        first = self.node("first", CONFIG, self.sets()).start()
        wait_for(self.segment_exists, 10, "the first node's segment")
        second = self.node("second", CONFIG, self.sets()).start()
        self.assertEqual(second.wait(10), 1)
        self.assertIn("in use by live writer", second.output())
        self.assertEqual(first.stop(), 0)


if __name__ == "__main__":
    unittest.main()
