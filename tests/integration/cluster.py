"""The four-node cluster (configs/cluster/*.json) on ports the test picks."""
import os

from harness import CONFIGS, FAST, NodeTest, wait_for
from trading_procs import CLUSTER_ROLES as ROLES, cluster_sets, free_ports


class ClusterTest(NodeTest):
    def setUp(self):
        super().setUp()
        self.ports = dict(zip(ROLES, free_ports(len(ROLES))))
        self.cluster = {}

    def shared_sets(self, extra=()):
        """The same --set list works on every node: one schema for all."""
        return [*self.private(), *FAST, *cluster_sets(self.ports), *extra]

    def make(self, role, extra=()):
        sets = [*self.shared_sets(extra), f"node.port={self.ports[role]}"]
        node = self.node(role, os.path.join(CONFIGS, "cluster", f"{role}.json"), sets)
        self.cluster[role] = node
        return node

    def start_all(self, order=ROLES, extra=()):
        for role in order:
            self.make(role, extra).start()
        return self.cluster

    def restart(self, role):
        node = self.cluster[role]
        node.start()
        return node

    def stop_all(self, timeout=5):
        """SIGTERM to every node; each must exit 0 within `timeout` s."""
        for role in reversed(ROLES):
            node = self.cluster.get(role)
            if node and node.alive():
                node.signal(15)
        for role in ROLES:
            node = self.cluster.get(role)
            if node:
                self.assertEqual(node.wait(timeout), 0,
                                 f"{role} did not exit 0:\n" + node.output()[-3000:])
        self.assertFalse(self.segment_exists(), "the book's segment was left behind")
        self.assert_logs_consistent()

    def wait_output(self, role, text, count=1, timeout=15):
        node = self.cluster[role]
        return wait_for(lambda: node.output().count(text) >= count, timeout,
                        f"{count}x '{text}' in the output of {role}")

    def wait_more_fills(self, timeout=30):
        before = len(self.fills())
        return self.wait_for_fills(before + 1, timeout)
