"""The live view from outside: trading_stat against real trading_node processes
(their counters segments /dev/shm/trading_stat.<node.name>.<pid>)."""
import json
import os
import signal
import unittest

from harness import CONFIGS, FAST, NodeTest, stat, wait_for

CONFIG = os.path.join(CONFIGS, "all_in_one.json")
class LiveViewTest(NodeTest):
    def start(self, name, *extra):
        """An all-in-one node named `name` (unique to this test)."""
        return self.node("aio", CONFIG, [*self.private(), *FAST, f"node.name={name}",
                                         *extra]).start()

    def segment(self, name, node):
        return f"/dev/shm/trading_stat.{name}.{node.proc.pid}"

    def test_trading_stat_once_shows_ticks_and_fills_of_a_running_node(self):
        name = f"lv_once_{os.getpid()}"
        node = self.start(name)
        self.wait_for_fills(2)
        code, out = stat("--once", "--node", name)
        self.assertEqual(code, 0, out)
        self.assertIn(f"node {name}  pid {node.proc.pid}  live", out)
        code, out = stat("--json", "--node", name)
        self.assertEqual(code, 0, out)
        [view] = json.loads(out)["nodes"]
        self.assertEqual(view["pid"], node.proc.pid)
        self.assertEqual(view["status"], "live")
        counters = view["counters"]
        self.assertGreater(counters["feed"]["ticks"]["value"], 0)
        self.assertGreater(counters["feed"]["ticks"]["rate"], 0)  # ticks every 20 ms
        self.assertGreaterEqual(counters["oms"]["fills"]["value"], 2)
        self.assertGreaterEqual(counters["strategy"]["fills"]["value"], 2)

        def tick_to_trade_count():  # recorded after the node's warm-up
            code, out = stat("--json", "--node", name)
            return json.loads(out)["nodes"][0]["histograms"]["tick_to_trade_ns"]["count"]
        wait_for(tick_to_trade_count, 30, "a tick-to-trade latency in the segment")
        self.assertEqual(sorted(view["positions"]), sorted(view["symbols"]))
        self.assertEqual(node.stop(), 0, node.output())

    def test_clean_exit_removes_the_segment(self):
        name = f"lv_exit_{os.getpid()}"
        node = self.start(name)
        wait_for(lambda: os.path.exists(self.segment(name, node)), 20,
                 "the counters segment")
        self.assertIn(f"counters: /trading_stat.{name}.{node.proc.pid}", node.output())
        self.assertEqual(node.stop(), 0, node.output())
        self.assertFalse(os.path.exists(self.segment(name, node)))
        code, out = stat("--once", "--node", name)
        self.assertEqual(code, 1, out)
        self.assertIn("no trading node is running", out)

    def test_killed_node_shows_dead_and_clean_removes_it(self):
        name = f"lv_dead_{os.getpid()}"
        node = self.start(name)
        path = self.segment(name, node)
        wait_for(lambda: os.path.exists(path), 20, "the counters segment")
        code, out = stat("--once", "--node", name)
        self.assertEqual(code, 0, out)
        os.kill(node.proc.pid, signal.SIGKILL)  # no clean exit: the segment stays
        node.proc.wait(timeout=10)
        self.assertTrue(os.path.exists(path))
        code, out = stat("--once", "--node", name)
        self.assertEqual(code, 1, out)  # no live node of that name
        self.assertIn(f"node {name}  pid {node.proc.pid}  DEAD", out)
        code, out = stat("--json", "--node", name)
        self.assertEqual(json.loads(out)["nodes"][0]["status"], "dead")
        code, out = stat("--clean", "--node", name)
        self.assertIn(f"removed /trading_stat.{name}.{node.proc.pid}", out)
        self.assertFalse(os.path.exists(path))
        code, out = stat("--once", "--node", name)
        self.assertEqual(code, 1, out)
        self.assertIn("no trading node is running", out)

    def test_counters_off_publishes_no_segment(self):
        name = f"lv_off_{os.getpid()}"
        node = self.start(name, "node.counters=false")
        self.wait_for_fills(1)
        self.assertFalse(os.path.exists(self.segment(name, node)))
        self.assertEqual(node.stop(), 0, node.output())


if __name__ == "__main__":
    unittest.main()
