"""The dashboard (node.http_port) from outside: its page and event stream over
HTTP (the browser test is test_dashboard_browser.py)."""
import json
import os
import re
import socket
import unittest
import urllib.error
import urllib.request

from harness import CONFIGS, FAST, NodeTest, wait_for
from trading_procs import free_ports

CONFIG = os.path.join(CONFIGS, "all_in_one.json")


def dashboard_url(node, timeout=20):
    return wait_for(lambda: (re.findall(r"dashboard: (http://\S+)", node.output()) or [None])[0],
                    timeout, "the dashboard's URL in the node's output")


def first_frame(url, timeout=10):
    """The first Server-Sent-Events frame of /events, as JSON."""
    with urllib.request.urlopen(url + "events", timeout=timeout) as r:
        assert r.headers["Content-Type"].startswith("text/event-stream")
        for raw in r:
            line = raw.decode()
            if line.startswith("data: "):
                return json.loads(line[6:])
    raise AssertionError("no frame")


class DashboardHttpTest(NodeTest):
    def test_page_is_self_contained_and_stream_shows_this_node(self):
        name = f"dash_http_{os.getpid()}"
        node = self.node("aio", CONFIG, [*self.private(), *FAST, f"node.name={name}",
                                         "node.http_port=0"]).start()
        url = dashboard_url(node)
        self.assertTrue(url.startswith("http://127.0.0.1:"), url)
        page = urllib.request.urlopen(url, timeout=10).read().decode()
        self.assertIn("<title>trading-sim live</title>", page)
        self.assertIn('new EventSource("/events")', page)
        # Nothing fetched from elsewhere: no src/href/url() pointing off the node.
        self.assertEqual(re.findall(r"""(?:src|href)\s*=\s*["']?https?:|url\(\s*["']?https?:""",
                                    page), [])
        self.wait_for_fills(1)

        def frame_with_fills():
            frame = first_frame(url)
            mine = [n for n in frame["nodes"] if n["node"] == name]
            return mine and mine[0]["counters"]["strategy"]["fills"]["value"] > 0 and mine[0]
        view = wait_for(frame_with_fills, 30, "a frame showing this node's fills")
        self.assertEqual(view["status"], "live")
        self.assertEqual(view["dashboard"], url)  # its segment names its dashboard
        kinds = {e[2] for e in view["events"]}
        self.assertTrue({"price", "order", "fill"} <= kinds, kinds)
        self.assertEqual(node.stop(), 0, node.output())

    def test_clients_beyond_the_cap_get_503(self):
        node = self.node("aio", CONFIG, [*self.private(), *FAST,
                                         "node.http_port=0", "node.http_max_clients=1"]).start()
        url = dashboard_url(node)
        held = urllib.request.urlopen(url + "events", timeout=10)
        held.readline()  # the one stream is open
        with self.assertRaises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(url + "events", timeout=10)
        self.assertEqual(refused.exception.code, 503)
        held.close()
        # Its slot comes back once the server notices the held stream is gone
        # (its next write fails).
        def stream_again():
            try:
                return first_frame(url) is not None
            except urllib.error.HTTPError:
                return False
        wait_for(stream_again, 20, "a stream after the first closed")
        self.assertEqual(node.stop(), 0, node.output())

    def test_a_client_that_stops_reading_is_dropped_while_others_are_served(self):
        node = self.node("aio", CONFIG, [*self.private(), *FAST, "node.http_port=0"]).start()
        url = dashboard_url(node)
        host, port = re.match(r"http://([^:]+):(\d+)/", url).groups()
        stalled = socket.socket()
        stalled.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        stalled.connect((host, int(port)))
        stalled.sendall(b"GET /events HTTP/1.1\r\nHost: x\r\n\r\n")  # then never reads
        self.addCleanup(stalled.close)
        # Another client keeps getting fresh frames until the stalled one is dropped.
        ticks = []
        with urllib.request.urlopen(url + "events", timeout=10) as r:
            for raw in r:
                line = raw.decode()
                if line.startswith("data: "):
                    mine = [n for n in json.loads(line[6:])["nodes"]
                            if n["pid"] == node.proc.pid]
                    if mine:  # (the first frame may precede its segment)
                        ticks.append(mine[0]["counters"]["feed"]["ticks"]["value"])
                if "stream ended (closed, or dropped" in node.output():
                    break
                self.assertLess(len(ticks), 400, "the stalled client was never dropped")
        self.assertGreater(ticks[-1], ticks[0], "the node stopped while a client stalled")
        self.assertEqual(node.stop(), 0, node.output())

    def test_a_port_in_use_is_fatal_and_named(self):
        busy = socket.socket()
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        node = self.node("aio", CONFIG, [*self.private(), *FAST,
                                         f"node.http_port={port}"]).start()
        self.assertEqual(node.wait(30), 1, node.output())
        self.assertIn(f"node.http_port: cannot listen on 127.0.0.1:{port}", node.output())
        busy.close()


if __name__ == "__main__":
    unittest.main()
