"""The edge gateway: outside clients on plain TCP, in the seeds' two protocols,
against a real all-in-one node on free ports."""
import json
import os
import re
import select
import signal
import socket
import time
import unittest

from edge_clients import GatewayClient, StarClient, gateway_bytes
from harness import CONFIGS, FAST, NodeTest, read_json_lines, stat, wait_for

CONFIG = os.path.join(CONFIGS, "all_in_one.json")
PORT_KEYS = ["price_port", "news_port", "order_port", "gateway_port", "oms_port"]


class EdgeTest(NodeTest):
    def start_edge(self, *extra, keys=PORT_KEYS):
        self.name = f"edge_{os.getpid()}"  # its counters segment's, for edge_bytes_in
        sets = [*self.private(), *FAST, *[f"edge.{k}=0" for k in keys],
                f"node.name={self.name}", *extra]
        node = self.node("edge", CONFIG, sets).start()
        ports = {}

        def listening():
            for k in keys:
                m = re.search(rf"edge listening: edge\.{k} 127\.0\.0\.1:(\d+)",
                              node.output())
                if m:
                    ports[k] = int(m.group(1))
            return len(ports) == len(keys)
        wait_for(listening, 10, "the edge's listeners")
        return node, ports

    def edge_bytes_in(self):
        """The edge's bytes read so far, from its counters segment (None before the
        first publish)."""
        code, out = stat("--json", "--node", self.name)
        if code != 0:
            return None
        return json.loads(out)["nodes"][0]["counters"]["edge"]["bytes in"]["value"]

    def send_split(self, client, data, at):
        """Sends `data` in two writes, the second once the edge has read the first
        on its own: its reassembly of a frame across reads is what is tested."""
        wait_for(lambda: self.edge_bytes_in() is not None, 10, "the counters segment")
        before = self.edge_bytes_in()
        client.send(data[:at])
        wait_for(lambda: self.edge_bytes_in() >= before + at, 10,
                 "the edge reading the first half")
        client.send(data[at:])

    def edge_trades(self):
        return [t for t in read_json_lines(self.trades) if "client_order_id" in t]

    def test_star_protocol_streams_and_orders(self):
        node, ports = self.start_edge()
        prices = StarClient(ports["price_port"])
        news = StarClient(ports["news_port"])
        orders = StarClient(ports["order_port"])
        prices.wait(lambda fs: len(fs) >= 10, 10, "ten prices")
        for f in prices.frames:
            self.assertRegex(f, r"^[A-Z]+,\d+\.\d\d$")
        prices.wait(lambda fs: any(f.startswith("AAPL,") for f in fs), 10, "AAPL")
        news.wait(lambda fs: len(fs) >= 3, 10, "three sentiment values")
        for f in news.frames:
            self.assertTrue(f.isdigit() and 0 <= int(f) <= 100, f)

        # A good order split across two writes.
        first = json.dumps({"id": 1, "action": "BUY", "quantity": 10,
                            "symbol": "AAPL", "price": 1000}).encode() + b"*"
        self.send_split(orders, first, 17)
        a1 = orders.answer(1)
        self.assertEqual(a1["type"], "execution")
        self.assertEqual(a1["status"], "FILLED", a1)
        self.assertEqual(a1["client_order_id"], 1)
        self.assertTrue(a1["account"].startswith("edge-"))
        # Two orders (aliases, a field of their own) and empty frames in one write.
        orders.send(b'**{"id": "b", "side": "SELL", "qty": 5, "sym": "MSFT", "px": 1,'
                    b' "type": "order"}*{"id": 3, "action": "BUY", "quantity": 1,'
                    b' "symbol": "NOPE", "price": 1}***')
        self.assertEqual(orders.answer("b")["status"], "FILLED")
        a3 = orders.answer(3)
        self.assertEqual(a3["status"], "REJECTED")
        self.assertIn("unknown symbol", a3["reason"])
        # Malformed frames: rejects with a reason; the connection lives on.
        orders.send(b'{"id": 4, "action": "HOLD", "quantity": 1, "symbol": "AAPL",'
                    b' "price": 1}*{not json*\xff\xfe*')
        self.assertIn("BUY or SELL", orders.answer(4)["reason"])
        orders.wait(lambda fs: sum("not JSON" in f for f in fs) == 1, 10, "not JSON")
        orders.wait(lambda fs: sum("not UTF-8" in f for f in fs) == 1, 10, "not UTF-8")
        orders.send(b'{"id": 5, "action": "BUY", "symbol": "AAPL", "price": 1}*')
        self.assertIn("missing field 'quantity'", orders.answer(5)["reason"])
        # The same id again on this account: the original answer, not a new fill.
        orders.order(id=1, action="BUY", quantity=10, symbol="AAPL", price=1000)
        orders.wait(lambda fs: sum('"id":1,' in f for f in fs) == 2, 10, "a repeat")
        repeat = [json.loads(f) for f in orders.frames if '"id":1,' in f][1]
        self.assertEqual(repeat["execution_id"], a1["execution_id"])

        trades = self.edge_trades()
        by_client = {json.dumps(t["client_order_id"]): t for t in trades}
        self.assertEqual(len(trades), 3, trades)  # 1, "b", 3: once each
        self.assertEqual(by_client["1"]["execution_id"], a1["execution_id"])
        self.assertEqual(by_client['"b"']["account"], a1["account"])
        self.assertEqual(by_client["3"]["status"], "REJECTED")
        wait_for(lambda: re.search(r"edge clients 3 frames in \d+ out \d+ orders 4 "
                                   r"rejects [5-9]", node.output()),
                 10, "the edge's stats line")
        self.assertEqual(node.stop(), 0, node.output())

    def test_length_prefixed_protocol_streams_orders_heartbeats_and_shutdown(self):
        node, ports = self.start_edge(keys=["gateway_port", "oms_port"])
        gw = GatewayClient(ports["gateway_port"])
        oms = GatewayClient(ports["oms_port"])
        gw.wait(lambda fs: gw.of_type(1) and gw.of_type(2), 10, "market data and news")
        md = gw.of_type(1)[0]["data"]
        self.assertEqual(set(md), {"symbol", "timestamp", "bids", "asks", "last_price",
                                   "volume"})
        self.assertEqual(len(md["bids"][0]), 2)
        nd = gw.of_type(2)[0]["data"]
        self.assertIn(nd["sentiment"], ["positive", "negative", "neutral"])
        self.assertTrue(-1 <= nd["score"] <= 1)
        self.assertIsInstance(nd["headline"], str)

        order = gateway_bytes({"type": 4, "data": {
            "order_id": "g-1", "symbol": "AAPL", "side": "BUY", "price": 1000,
            "quantity": 7, "timestamp": time.time()}})
        more = (struct_empty() + gateway_bytes({"type": 7, "data": {}})
                + gateway_bytes({"type": 4, "data": {
                    "order_id": 9, "symbol": "MSFT", "side": "SELL", "price": 1,
                    "quantity": 2, "account": "desk-a"}}))
        self.send_split(oms, order + more, 3)
        e1 = oms.answer("g-1")
        self.assertEqual(e1["status"], "FILLED", e1)
        self.assertEqual(e1["quantity"], 7)
        e9 = oms.answer(9)
        self.assertEqual(e9["account"], "desk-a")
        oms.send(gateway_bytes({"type": 4, "data": {"order_id": 10, "symbol": "AAPL"}})
                 + b"\x00\x00\x00\x03{x}")
        self.assertIn("missing field", oms.answer(10)["reason"])
        oms.wait(lambda fs: any(f["type"] == 5 and "not JSON" in f["data"].get("reason", "")
                                for f in fs), 10, "a reject of bad JSON")
        # Quiet for over a second: a heartbeat.
        oms.wait(lambda fs: oms.of_type(7), 5, "a heartbeat")
        trades = self.edge_trades()
        self.assertEqual(sorted(json.dumps(t["client_order_id"]) for t in trades),
                         ['"g-1"', "9"])

        started = time.monotonic()
        node.signal(signal.SIGTERM)
        self.assertEqual(node.wait(10), 0, node.output())
        self.assertLess(time.monotonic() - started, 2.0, "stop took 2 s or more")
        for c in (gw, oms):
            c.wait(lambda fs: fs and fs[-1]["type"] == 8, 5, "a shutdown message")
            while c.pump(0.2):
                pass
            self.assertEqual(c.frames[-1]["type"], 8)

    def test_slow_client_is_dropped_while_others_keep_receiving(self):
        node, ports = self.start_edge("edge.client_buffer_kb=128",
                                      "price_feed.interval_us=2000",
                                      keys=["gateway_port"])
        slow = GatewayClient(ports["gateway_port"], rcvbuf=4096)
        fast = GatewayClient(ports["gateway_port"])
        deadline = time.monotonic() + 30
        while "dropped client" not in node.output():
            self.assertLess(time.monotonic(), deadline, "no drop:\n" + node.output())
            for _ in range(10):
                fast.pump(0.01)
        self.assertIn("edge.gateway_port", node.output())
        count = len(fast.frames)
        fast.wait(lambda fs: len(fs) >= count + 200, 10, "frames after the drop")
        self.assertFalse(fast.closed)
        wait_for(lambda: re.search(r"drops [1-9]", node.output()), 5, "drops counted")
        slow.close()
        self.assertEqual(node.stop(), 0, node.output())

    def test_a_hundred_clients_each_get_the_whole_stream(self):
        node, ports = self.start_edge(keys=["price_port"])
        clients = [StarClient(ports["price_port"]) for _ in range(100)]
        wait_for(lambda: "edge clients 100" in node.output(), 10, "100 clients")
        # Every client joined before the last one did: from there on each must
        # see the same frames, in order, that the last one saw first.
        def holds(c, ref):
            return "\n" + "\n".join(ref) + "\n" in "\n" + "\n".join(c.frames) + "\n"
        deadline = time.monotonic() + 30
        while True:
            ready, _, _ = select.select([c.sock for c in clients], [], [], 0.1)
            for c in clients:
                if c.sock in ready:
                    c.pump(0)
            ref = clients[-1].frames[:50]
            if len(ref) == 50 and all(holds(c, ref) for c in clients):
                break
            missing = sum(not holds(c, ref) for c in clients)
            self.assertLess(time.monotonic(), deadline,
                            f"{missing} clients lack the last one's first frames")
        self.assertFalse(any(c.closed for c in clients))
        self.assertEqual(node.stop(), 0, node.output())

    def test_port_in_use_is_fatal_and_named(self):
        holder = socket.socket()
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        node = self.node("edge", CONFIG, [*self.private(),
                                          f"edge.news_port={port}"]).start()
        self.assertEqual(node.wait(15), 1, node.output())
        self.assertIn(f"edge.news_port 127.0.0.1:{port}", node.output())
        holder.close()

    def test_non_loopback_host_needs_the_plaintext_opt_in(self):
        node = self.node("edge", CONFIG, [*self.private(), "edge.host=0.0.0.0"]).start()
        self.assertEqual(node.wait(10), 2, node.output())
        self.assertIn("edge.host", node.output())


def struct_empty():
    return b"\x00\x00\x00\x00"


if __name__ == "__main__":
    unittest.main()
