"""Replay in the four-node cluster: the feeds node plays the sample and exits 0
when it has ended; the other nodes trade on it and keep running until stopped."""
import os

from cluster import ClusterTest
from harness import CONFIGS

SAMPLE = os.path.join(CONFIGS, "..", "examples", "replay")


class ClusterReplayTest(ClusterTest):
    def test_feeds_node_replays_and_exits_0_while_the_others_trade_on(self):
        extra = [f"price_feed.replay={os.path.join(SAMPLE, 'prices.csv')}",
                 f"news_feed.replay={os.path.join(SAMPLE, 'news.csv')}",
                 'instruments.symbols=["AAPL","MSFT","GOOGL"]', "price_feed.speed=20"]
        # Consumers first, so the feeds node's links are there when it starts.
        self.start_all(order=("oms", "book", "strategy"), extra=extra)
        self.wait_output("strategy", "linked to node 'oms'")
        feeds = self.make("feeds", extra).start()
        self.assertEqual(feeds.wait(120), 0, feeds.output())
        out = feeds.output()
        self.assertIn("replay ended: shutting down", out)
        self.assertIn("prices.csv: 3000 lines, 3000 played", out)
        self.wait_for_fills(1)
        for role in ("oms", "book", "strategy"):
            self.assertTrue(self.cluster[role].alive(), f"{role} ended with the feeds")
        self.stop_all(timeout=15)
