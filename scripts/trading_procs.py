"""Starting trading_node processes: shared by the cluster launcher, the benchmark
driver and the integration tests."""
import os
import socket
import subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CLUSTER_ROLES = ("feeds", "book", "strategy", "oms")


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


def start_node(config, overrides=(), duration=None, out_path=None, err_path=None,
               cwd=None, own_session=False):
    """Starts one node; stdout/stderr go to the given files (or are inherited).
    own_session keeps a terminal's Ctrl-C away from it (the launcher decides)."""
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
                                start_new_session=own_session)
    finally:
        for f in (out, err):
            if f not in (None, subprocess.STDOUT):
                f.close()
