"""Spawns real trading_node processes for the integration tests.

Every wait polls its condition with a generous bound; nothing sleeps a fixed time
and then asserts. Each test gets its own directory, ports, segment and log names,
so tests can run in parallel.
"""
import errno
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "scripts"))
from trading_procs import free_ports, start_node  # noqa: E402

CONFIGS = os.path.abspath(os.environ.get("TRADING_CONFIGS", "configs"))

# Settings that make a node trade within a second or two (ticks every 20 ms,
# sentiment every 50 ms); everything else is the config as shipped.
FAST = ["price_feed.interval_us=20000", "news_feed.interval_ms=50"]


def wait_for(predicate, timeout, what, interval=0.05):
    """Polls predicate() until it is truthy; fails the test after `timeout` s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


TRADING_STAT = os.environ.get("TRADING_STAT", "trading_stat")


def stat(*args, timeout=30):
    """trading_stat's exit code and output."""
    r = subprocess.run([TRADING_STAT, "--interval-ms", "300", *args],
                       capture_output=True, text=True, timeout=timeout)
    return r.returncode, r.stdout + r.stderr


def read_json_lines(path):
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def remove_counters_segment(pid):
    """A node killed with SIGKILL leaves /dev/shm/trading_stat.<name>.<pid>."""
    for f in os.listdir("/dev/shm"):
        if f.startswith("trading_stat.") and f.endswith(f".{pid}"):
            try:
                os.unlink(os.path.join("/dev/shm", f))
            except FileNotFoundError:
                pass


def is_final(line):
    """An order's outcome line: FILLED, REJECTED, or a PARTIAL whose rest was
    cancelled (leaves_quantity); its other PARTIAL lines are executions only."""
    return line.get("status") != "PARTIAL" or bool(line.get("leaves_quantity"))


class Node:
    """One trading_node process with its output in files under `workdir`."""

    def __init__(self, workdir, name, config, overrides, duration=None):
        self.name = name
        self.config = config
        self.overrides = list(overrides)
        self.duration = duration
        self.workdir = workdir
        self.proc = None
        self.runs = 0

    def start(self):
        self.runs += 1
        self.out_path = os.path.join(self.workdir, f"{self.name}.{self.runs}.out")
        self.err_path = os.path.join(self.workdir, f"{self.name}.{self.runs}.err")
        self.proc = start_node(self.config, self.overrides, self.duration,
                               self.out_path, self.err_path, cwd=self.workdir)
        return self

    def output(self):
        text = ""
        for p in (self.out_path, self.err_path):
            if os.path.exists(p):
                with open(p) as f:
                    text += f.read()
        return text

    def signal(self, sig):
        self.proc.send_signal(sig)

    def kill(self):
        self.proc.kill()
        self.proc.wait(timeout=10)
        remove_counters_segment(self.proc.pid)

    def wait(self, timeout):
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"node {self.name} did not exit within {timeout} s:\n"
                                 + self.output()[-3000:])

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout=10):
        """SIGTERM and the exit code (the clean shutdown path)."""
        self.signal(signal.SIGTERM)
        return self.wait(timeout)


# -- holding a node at a line of its stdout ---------------------------------------

FILLER = b"\0"  # never in a node's output (HeldNode)


def thread_files(pid, name):
    """The text of /proc/PID/task/*/NAME for each thread of `pid` that still
    exists (None if the process is gone)."""
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except FileNotFoundError:
        return None
    texts = []
    for task in tasks:
        try:
            with open(f"/proc/{pid}/task/{task}/{name}") as f:
                texts.append(f.read())
        except OSError:
            continue  # a thread that just exited
    return texts


def blocked_writing_a_pipe(pid):
    """Whether a thread of `pid` sleeps in write(2) to a full pipe or FIFO."""
    return any("pipe_write" in wchan or wchan == "pipe_wait"
               for wchan in thread_files(pid, "wchan") or [])


class HeldNode(Node):
    """A node whose stdout goes through a FIFO the test can fill (hold) and
    drain (release); what it wrote is copied to the usual .out file."""

    held = False

    def start(self):
        self.runs += 1
        self.out_path = os.path.join(self.workdir, f"{self.name}.{self.runs}.out")
        self.err_path = os.path.join(self.workdir, f"{self.name}.{self.runs}.err")
        fifo = os.path.join(self.workdir, f"{self.name}.{self.runs}.fifo")
        os.mkfifo(fifo)
        # Separate open file descriptions: O_NONBLOCK here does not make the
        # node's own (blocking) handle non-blocking.
        self.reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
        self.filler = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
        open(self.out_path, "wb").close()
        self.proc = start_node(self.config, self.overrides, self.duration,
                               fifo, self.err_path, cwd=self.workdir)
        return self

    def close(self):
        for fd in (self.reader, self.filler):
            os.close(fd)

    def pump(self):
        """Copies what the node wrote so far (not while it is held)."""
        if self.held:
            return
        chunks = []
        while True:
            try:
                chunk = os.read(self.reader, 65536)
            except BlockingIOError:
                break
            if not chunk:
                break
            chunks.append(chunk)
        data = b"".join(chunks).replace(FILLER, b"")
        if data:
            with open(self.out_path, "ab") as f:
                f.write(data)

    def output(self):
        self.pump()
        return super().output()

    def hold(self):
        """Fills the FIFO: the node's next line to stdout blocks in write(2)."""
        self.pump()
        self.held = True
        for size in (4096, 1):
            while True:
                try:
                    os.write(self.filler, FILLER * size)
                except OSError as e:
                    if e.errno != errno.EAGAIN:
                        raise
                    break

    def wait_held(self, timeout):
        wait_for(lambda: not self.alive() or blocked_writing_a_pipe(self.proc.pid),
                 timeout, f"{self.name} to block writing its stdout")
        if not self.alive():
            raise AssertionError(f"{self.name} exited before the test could hold it:\n"
                                 + self.output())

    def release(self):
        self.held = False
        self.pump()


class NodeTest(unittest.TestCase):
    """A temporary directory, a private segment and log names per test."""

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="trading_it_")
        self.shm = f"/it_{os.getpid()}_{self._testMethodName[:40]}"
        self.trades = os.path.join(self.dir, "trades.log")
        self.orders = os.path.join(self.dir, "orders.log")
        self.nodes = []

    def tearDown(self):
        for n in self.nodes:
            if n.alive():
                n.kill()
        if self._outcome_failed():
            for n in self.nodes:
                print(f"\n---- output of {n.name} (run {n.runs}) ----\n"
                      + n.output()[-4000:])
        try:
            os.unlink("/dev/shm" + self.shm)
        except FileNotFoundError:
            pass

    def _outcome_failed(self):
        # Python 3.11+: the per-test outcome; older: the recorded errors.
        outcome = getattr(self, "_outcome", None)
        if hasattr(outcome, "success"):
            return not outcome.success
        return any(e for _, e in getattr(outcome, "errors", []))

    def private(self):
        """--set values that keep this test's files and segment to itself."""
        return [f"oms.trades_log={self.trades}", f"strategy.orders_log={self.orders}",
                f"book.shm_name={self.shm}"]

    def node(self, name, config, overrides, duration=None):
        n = Node(self.dir, name, config, overrides, duration)
        self.nodes.append(n)
        return n

    def segment_exists(self):
        return os.path.exists("/dev/shm" + self.shm)

    def fills(self):
        return [t for t in read_json_lines(self.trades) if t["status"] == "FILLED"]

    def wait_for_fills(self, count, timeout=30):
        return wait_for(lambda: len(self.fills()) >= count, timeout,
                        f"{count} FILLED line(s) in {self.trades}")

    def assert_logs_consistent(self):
        """No execution id twice, exactly one final outcome per order id (an order
        may execute over several PARTIAL lines first), executions were ordered."""
        trades = read_json_lines(self.trades)
        exec_ids = [t["execution_id"] for t in trades]
        self.assertEqual(len(exec_ids), len(set(exec_ids)), "duplicate execution id")
        final = [t["order_id"] for t in trades if is_final(t)]
        self.assertEqual(len(final), len(set(final)), "an order id with two outcomes")
        ordered = {o["order_id"] for o in read_json_lines(self.orders)}
        # Edge clients' orders (client_order_id) are in no strategy's orders log.
        strategy_fills = [t["order_id"] for t in trades
                          if t["status"] in ("FILLED", "PARTIAL")
                          and "client_order_id" not in t]
        for oid in strategy_fills:
            self.assertIn(oid, ordered, "a fill whose order is not in the orders log")
        return trades
