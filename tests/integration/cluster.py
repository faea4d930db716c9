"""The four-node cluster (configs/cluster/*.json) on ports the test picks."""
import os
import re
import signal
import subprocess
import sys

from harness import CONFIGS, FAST, NodeTest, wait_for
from trading_procs import CLUSTER_ROLES as ROLES, ROOT, cluster_sets, free_ports

LAUNCHER = os.path.join(ROOT, "scripts", "cluster")

# Every role that may run on its node's middleman thread (caf.io_thread_roles);
# the strategy runs its node's loop itself, which it may only while it spins.
IO_THREAD_ROLES = ['caf.io_thread_roles=["price_feed","news_feed","book","oms","strategy"]',
                   "strategy.poll_us=0"]


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

    # -- the launcher, scripts/cluster -------------------------------------------

    def launcher(self, *args):
        """Starts scripts/cluster on this test's ports, files and segment, its
        output (unbuffered) in a file; cleanup stops it and any node it left."""
        ports = ",".join(str(self.ports[r]) for r in ("feeds", "book", "strategy", "oms"))
        sets = sum((["--set", s] for s in [*self.private(), *FAST]), [])
        self.launcher_out = os.path.join(self.dir, "launcher.out")
        self.log_dir = os.path.join(self.dir, "logs")
        with open(self.launcher_out, "w") as out:
            proc = subprocess.Popen(
                [sys.executable, "-u", LAUNCHER, "--log-dir", self.log_dir,
                 "--ports", ports, *sets, *args],
                stdout=out, stderr=subprocess.STDOUT)
        self.addCleanup(self._reap_launcher, proc)
        return proc

    def launcher_output(self):
        with open(self.launcher_out) as f:
            return f.read()

    def node_log(self, role):
        with open(os.path.join(self.log_dir, f"{role}.log")) as f:
            return f.read()

    def wait_launcher(self, proc, timeout=60):
        """The launcher's exit code and output, once it has exited by itself."""
        try:
            code = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"the launcher did not exit within {timeout} s:\n"
                                 + self.launcher_output())
        return code, self.launcher_output()

    def _reap_launcher(self, proc):
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)  # it stops its nodes itself
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        # Nodes run in their own sessions: kill any the launcher did not stop.
        for pid in re.findall(r"^started +\w+ +pid +(\d+)", self.launcher_output(), re.M):
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    if b"trading_node" in f.read():
                        os.kill(int(pid), signal.SIGKILL)
            except (FileNotFoundError, ProcessLookupError):
                pass
