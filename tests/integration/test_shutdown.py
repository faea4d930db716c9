"""Signals that arrive while a node is already shutting down (defect 1).

A node's shutdown takes milliseconds, too short to hit by timing. So the test
holds the node instead: its stdout is a FIFO the test fills, and the node's next
line (`duration reached: shutting down`, or `received SIGTERM: shutting down`)
blocks in write(2) at the start of the shutdown, past the decision to shut
down. The test sees that (/proc/PID/task/*/wchan), sends its signal(s), then
drains the FIFO and lets the node go on. No step depends on how fast it runs.
"""
import json
import os
import signal
import time
import unittest

from harness import CONFIGS, FAST, HeldNode, NodeTest, wait_for

CONFIG = os.path.join(CONFIGS, "all_in_one.json")
DURATION = 4  # s; the hold is set up well before it ends (asserted)


class ShutdownTest(NodeTest):
    def held_node(self, duration=None, extra=()):
        # No stats lines: after `started:` the node's next line to stdout is the
        # one that starts its shutdown.
        sets = [*self.private(), *FAST, "node.stats_interval_ms=3600000", *extra]
        node = HeldNode(self.dir, "aio", CONFIG, sets, duration)
        self.nodes.append(node)
        node.start()
        self.addCleanup(node.close)
        wait_for(lambda: "started: hosts" in node.output(), 10, "the node's started line")
        return node

    def test_sigterm_during_a_duration_shutdown_takes_the_clean_path(self):
        results = os.path.join(self.dir, "results.json")
        begin = time.monotonic()
        node = self.held_node(DURATION, [f"node.results_file={results}"])
        node.hold()
        # The node's clock started after `begin`: it cannot have reached its
        # duration yet, so the line it blocks on is `duration reached`.
        self.assertLess(time.monotonic() - begin, DURATION,
                        "the node started too slowly to be held before its duration")
        node.wait_held(DURATION + 10)
        node.signal(signal.SIGTERM)
        node.release()
        code = node.wait(15)
        out = node.output()
        self.assertEqual(code, 0, "a SIGTERM during a duration shutdown must not kill "
                         f"the node (exit {code}):\n{out}")
        self.assertIn("duration reached: shutting down", out)
        received = out.find("received SIGTERM")
        self.assertTrue(received < 0 or received > out.find("duration reached"),
                        "the node shut down for the signal, not for its duration")
        self.assertRegex(out, r"\n\[all_in_one\] summary: ")
        self.assertFalse(self.segment_exists(), "the book's segment was left behind")
        with open(results) as f:
            self.assertIsInstance(json.load(f), dict)
        self.assert_logs_consistent()

    def test_second_signal_during_a_shutdown_ends_it_at_once(self):
        node = self.held_node()
        node.hold()
        node.signal(signal.SIGTERM)
        # Blocked writing `received SIGTERM: shutting down`: the first signal
        # is taken and the shutdown has begun.
        node.wait_held(10)
        node.signal(signal.SIGTERM)
        node.release()
        code = node.wait(10)
        out = node.output()
        self.assertNotEqual(code, 0, out)
        self.assertIn("received SIGTERM: shutting down", out)
        self.assertNotIn("summary:", out, "the second signal did not cut the shutdown short")


if __name__ == "__main__":
    unittest.main()
