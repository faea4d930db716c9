"""The edge hosted by a node of its own in the four-node cluster: it links to the
book, the news feed and the OMS like any other consumer, serves their streams to
an outside client and routes that client's orders to the OMS node."""
import os
import re

from cluster import ClusterTest
from edge_clients import StarClient
from harness import CONFIGS, read_json_lines, wait_for


class EdgeClusterTest(ClusterTest):
    def test_an_edge_node_serves_the_cluster(self):
        self.start_all()
        self.wait_for_fills(1)
        edge = self.node("edge", os.path.join(CONFIGS, "cluster", "strategy.json"),
                         [*self.shared_sets(), 'node.actors=["edge"]', "node.port=0",
                          "edge.price_port=0", "edge.news_port=0", "edge.order_port=0"])
        edge.start()
        ports = {}

        def listening():
            for key in ("price_port", "news_port", "order_port"):
                m = re.search(rf"edge listening: edge\.{key} 127\.0\.0\.1:(\d+)",
                              edge.output())
                if m:
                    ports[key] = int(m.group(1))
            return len(ports) == 3
        wait_for(listening, 10, "the edge node's listeners")
        prices = StarClient(ports["price_port"])
        news = StarClient(ports["news_port"])
        orders = StarClient(ports["order_port"])
        prices.wait(lambda fs: len(fs) >= 5, 15, "prices from the book node")
        news.wait(lambda fs: len(fs) >= 2, 15, "sentiment from the feeds node")
        answer = {}

        def filled():
            # A BUY limit far above AAPL's ~175: marketable (never a fill above it).
            orders.order(id=len(answer) + 1, action="BUY", quantity=1, symbol="AAPL",
                         price=1000)
            a = orders.answer(len(answer) + 1, timeout=10)
            answer[a["id"]] = a
            return a["status"] == "FILLED"
        wait_for(filled, 20, "an edge order filled by the OMS node")
        last = answer[max(answer)]
        trades = [t for t in read_json_lines(self.trades)
                  if t.get("client_order_id") == last["id"]]
        self.assertEqual(len(trades), 1, trades)
        self.assertEqual(trades[0]["execution_id"], last["execution_id"])
        for client in (prices, news, orders):
            client.close()
        self.assertEqual(edge.stop(), 0, edge.output())
        self.stop_all()
