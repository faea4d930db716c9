"""Starting trading_node processes: shared by the cluster launcher, the benchmark
driver and the integration tests."""
import ctypes
import json
import os
import re
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


# Which cluster node hosts each peer role (peers.<role>.*); the strategy is
# nobody's peer.
PEER_NODE = {"price_feed": "feeds", "news_feed": "feeds", "book": "book", "oms": "oms"}


def cluster_sets(ports, hosts=None):
    """--set values that point every node of a cluster at `ports` (node -> port)
    and, when given, `hosts` (node -> address); the same list works on every
    node, since all share one schema."""
    out = [f"peers.{role}.port={ports[node]}" for role, node in PEER_NODE.items()]
    if hosts:
        out += [f"peers.{role}.host={hosts[node]}" for role, node in PEER_NODE.items()]
    return out


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
               cwd=None, own_session=False, die_with_parent=False, prefix=()):
    """Starts one node; stdout/stderr go to the given files (or are inherited).
    own_session keeps a terminal's Ctrl-C away from it (the launcher decides);
    die_with_parent has the kernel kill it if this process dies first; prefix
    is a command that execs the node (`ip netns exec NS`: the pid stays the node's)."""
    args = [*prefix, node_binary(), "--config", config]
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


def effective_keys(config, overrides, keys):
    """{key: value} of a node's effective config, as trading_node --print-config
    says (raises CalledProcessError, its stderr naming the problem, on a bad
    config)."""
    args = [node_binary(), "--config", config, "--print-config"]
    for o in overrides:
        args += ["--set", o]
    doc = json.loads(subprocess.run(args, check=True, capture_output=True,
                                    text=True, timeout=30).stdout)
    values = {}
    for key in keys:
        value = doc
        for part in key.split("."):
            value = value[part]
        values[key] = value
    return values


def effective(config, overrides, key):
    """One key of a node's effective config (see effective_keys)."""
    return effective_keys(config, overrides, (key,))[key]


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


# -- a launcher's run: wait, stop in order, sum up ------------------------------------

def run_until(procs, duration, stop, tick=None):
    """Waits until `stop` (a list a signal handler appends to) is non-empty, the
    `duration` (s, 0 = none) has passed or a node has exited; tick(elapsed) is
    called every 0.1 s. Says which nodes exited by themselves."""
    start = time.monotonic()
    end = start + duration if duration else None
    while not stop and all(p.poll() is None for p in procs.values()):
        if end is not None and time.monotonic() >= end:
            break
        if tick:
            tick(time.monotonic() - start)
        time.sleep(0.1)
    for role, proc in procs.items():
        if proc.poll() is not None:
            print(f"{role} exited by itself (code {proc.returncode})", flush=True)


def stop_cluster(procs, outs, stop_timeout):
    """Stops the nodes one SIGTERM at a time, sources first (CLUSTER_ROLES), each
    killed after its `stop_timeout` (s); their exit codes by role."""
    print("stopping: " + ", ".join(r for r in CLUSTER_ROLES if r in procs), flush=True)
    return {role: stop_node(role, procs[role], outs[role], stop_timeout[role])
            for role in CLUSTER_ROLES if role in procs}


def summary_of(path):
    """The node's summary line, and its reconnect count."""
    text = open(path, errors="replace").read() if os.path.exists(path) else ""
    lines = [l for l in text.splitlines() if "summary:" in l]
    reconnects = re.findall(r"reconnects (\d+)", lines[-1]) if lines else []
    return (lines[-1] if lines else "(no summary)"), (reconnects[0] if reconnects else "0")


def print_cluster_summary(trades_log, codes, outs):
    """Fills and rejects from the trades log; exit code, reconnects and the
    summary of every node."""
    trades = []
    if os.path.exists(trades_log):
        with open(trades_log, errors="replace") as f:
            for line in f:
                try:
                    trades.append(json.loads(line))
                except ValueError:
                    pass  # a torn line: the audit names it
    fills = sum(1 for t in trades if t.get("status") == "FILLED")
    rejects = sum(1 for t in trades if t.get("status") == "REJECTED")
    print(f"cluster summary: trades log {trades_log}: {fills} filled, {rejects} rejected")
    for role in CLUSTER_ROLES:
        if role not in codes:
            continue
        line, reconnects = summary_of(outs[role])
        print(f"  {role:8} exit {codes[role]}  reconnects {reconnects}  "
              f"{line.split('summary: ')[-1]}", flush=True)
