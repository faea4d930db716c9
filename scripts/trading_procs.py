"""Starting trading_node processes: shared by the cluster launcher, the benchmark
driver and the integration tests."""
import ctypes
import json
import os
import signal
import socket
import subprocess
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Also the stop order: sources first, so downstream drains what is under way.
CLUSTER_ROLES = ("feeds", "book", "strategy", "oms")
# Consumers first, so each node is seen waiting for the next.
START_ORDER = ("oms", "strategy", "book", "feeds")


def node_binary():
    """trading_node under $BUILD_DIR (default build/), or $TRADING_NODE."""
    if "TRADING_NODE" in os.environ:
        return os.path.abspath(os.environ["TRADING_NODE"])
    build = os.environ.get("BUILD_DIR", os.path.join(ROOT, "build"))
    return os.path.abspath(os.path.join(build, "nodes", "trading_node"))


def free_ports(n):
    """n distinct loopback ports that were free a moment ago."""
    socks, ports = [], []
    for _ in range(n):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        socks.append(s)
        ports.append(s.getsockname()[1])
    for s in socks:
        s.close()
    return ports


def cluster_sets(ports):
    """--set values that point every node of a cluster at `ports` (role -> port);
    the same list works on every node, since all share one schema."""
    return [f"peers.price_feed.port={ports['feeds']}",
            f"peers.news_feed.port={ports['feeds']}",
            f"peers.book.port={ports['book']}",
            f"peers.oms.port={ports['oms']}"]


try:
    _prctl = ctypes.CDLL(None, use_errno=True).prctl
except (OSError, AttributeError):
    _prctl = None
PR_SET_PDEATHSIG = 1


def _die_with_parent():
    """In the child before exec: SIGKILL when the parent dies (Linux prctl
    PR_SET_PDEATHSIG), so a driver killed by -9 leaves no node behind."""
    if _prctl is not None:
        _prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)


def start_node(config, overrides=(), duration=None, out_path=None, err_path=None,
               cwd=None, own_session=False, die_with_parent=False):
    """Starts one node; stdout/stderr go to the given files (or are inherited).
    own_session keeps a terminal's Ctrl-C away from it (the launcher decides);
    die_with_parent has the kernel kill it if this process dies first."""
    args = [node_binary(), "--config", config]
    if duration:
        args += ["--duration", str(duration)]
    for o in overrides:
        args += ["--set", o]
    out = open(out_path, "w") if out_path else None
    # One file for both: one handle, or the two streams overwrite each other.
    same = err_path is not None and err_path == out_path
    err = subprocess.STDOUT if same else (open(err_path, "w") if err_path else None)
    try:
        return subprocess.Popen(args, stdout=out, stderr=err, cwd=cwd,
                                start_new_session=own_session,
                                preexec_fn=_die_with_parent if die_with_parent else None)
    finally:
        for f in (out, err):
            if f not in (None, subprocess.STDOUT):
                f.close()


def effective(config, overrides, key):
    """One key of a node's effective config, as trading_node --print-config says
    (raises CalledProcessError, its stderr naming the problem, on a bad config)."""
    args = [node_binary(), "--config", config, "--print-config"]
    for o in overrides:
        args += ["--set", o]
    doc = json.loads(subprocess.run(args, check=True, capture_output=True,
                                    text=True, timeout=30).stdout)
    for part in key.split("."):
        doc = doc[part]
    return doc


def started(path):
    """Whether the node's log shows it running (it then takes SIGTERM cleanly)."""
    if not os.path.exists(path):
        return False
    with open(path, errors="replace") as f:
        return "started: hosts " in f.read()


def stop_node(role, proc, log, timeout):
    """One SIGTERM once the node runs, then its exit code. A node that does not
    exit within `timeout` s is killed (SIGKILL), never signalled twice."""
    deadline = time.monotonic() + 10
    while proc.poll() is None and not started(log) and time.monotonic() < deadline:
        time.sleep(0.05)
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            print(f"{role} did not exit within {timeout:g} s of SIGTERM: killing it",
                  flush=True)
            proc.kill()
    return proc.wait()
