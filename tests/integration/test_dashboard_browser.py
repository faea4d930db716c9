"""The dashboard in a real headless Chromium, driven over the DevTools protocol
(cdp.py), while the four-node cluster runs: prices and fills appear and change,
a screenshot is taken, and a killed node turns red. Skipped (exit 77) with the
reason where Chromium is missing or cannot start."""
import json
import os
import shutil
import signal
import time
import unittest

from cdp import Browser, BrowserError, find_chromium
from cluster import ClusterTest
from harness import remove_counters_segment, wait_for
from test_dashboard import dashboard_url
from trading_procs import free_ports

# Where the test also writes its screenshot (the README's image).
SCREENSHOT_COPY = os.environ.get("DASHBOARD_SCREENSHOT")


class DashboardBrowserTest(ClusterTest):
    def browser(self):
        binary = find_chromium()
        if not binary:
            self.skipTest("no chromium on this machine (scripts/quickstart test installs it)")
        try:
            browser = Browser(binary, timeout=60)
        except (BrowserError, OSError) as e:
            self.skipTest(f"chromium cannot start here: {e}")
        self.addCleanup(browser.close)
        return browser

    def test_browser_shows_prices_fills_and_a_dead_peer_in_red(self):
        browser = self.browser()
        tag = os.getpid()
        [http_port] = free_ports(1)
        for role in ("feeds", "book", "strategy", "oms"):
            extra = [f"node.name={role}_{tag}"]
            if role == "strategy":
                extra.append(f"node.http_port={http_port}")
            self.make(role, extra).start()
        url = dashboard_url(self.cluster["strategy"])
        self.wait_for_fills(1)
        browser.navigate(url)
        # null until the page (not about:blank, not half loaded) is there
        js = """!document.getElementById('fills-total') ? null : JSON.stringify({
          prices: [...document.querySelectorAll('.symbol')].map(
            s => s.dataset.symbol + '=' + s.querySelector('.last').textContent),
          fills: Number(document.getElementById('fills-total').textContent),
          fill_marks: document.querySelectorAll('#charts circle.fill').length,
          nodes: Object.fromEntries([...document.querySelectorAll('#nodes tbody tr')].map(
            r => [r.dataset.node, r.querySelector('.status').textContent])),
          down: [...document.querySelectorAll('.peer-down')].map(p => p.textContent)})"""

        def look():
            return json.loads(browser.evaluate(js) or "null") or {
                "prices": [], "fills": 0, "fill_marks": 0, "nodes": {}, "down": []}
        first = wait_for(lambda: (v := look())["fills"] > 0 and v["fill_marks"] > 0
                         and len(v["prices"]) > 0 and v, 60,
                         "prices and fills in the page")
        for role in ("feeds", "book", "strategy", "oms"):
            self.assertEqual(first["nodes"].get(f"{role}_{tag}"), "LIVE", first)
        # Live: the prices and the fill count change while we watch.
        wait_for(lambda: look()["prices"] != first["prices"], 30, "the prices to move")
        wait_for(lambda: look()["fills"] > first["fills"], 60, "more fills")
        # The tick-to-trade CDF (orders after the OMS's warm-up) is drawn.
        wait_for(lambda: "orders, p50" in (browser.evaluate(
            "document.getElementById('t2t').textContent") or "")
            and browser.evaluate("document.querySelectorAll('#cdf path').length") == 1,
            60, "the tick-to-trade CDF")
        shot = os.path.join(self.dir, "dashboard.png")
        browser.screenshot(shot)
        self.assertGreater(os.path.getsize(shot), 10_000)
        if SCREENSHOT_COPY:
            shutil.copyfile(shot, SCREENSHOT_COPY)
        # Kill the feeds node: its row turns DEAD and its consumers' links DOWN.
        feeds = self.cluster["feeds"]
        os.kill(feeds.proc.pid, signal.SIGKILL)
        feeds.proc.wait(timeout=10)
        self.addCleanup(remove_counters_segment, feeds.proc.pid)  # it stays until then
        killed_at = time.monotonic()
        dead = wait_for(lambda: (v := look())["nodes"].get(f"feeds_{tag}") == "DEAD"
                        and v["down"] and v, 20, "the killed node shown DEAD")
        print(f"killed node shown DEAD after {time.monotonic() - killed_at:.2f} s")
        self.assertTrue(any("price_feed" in d or "news_feed" in d for d in dead["down"]), dead)
        color = browser.evaluate(f"""getComputedStyle(document.querySelector(
            '#nodes tr[data-node="feeds_{tag}"] .status')).backgroundColor""")
        self.assertEqual(color, "rgb(217, 63, 63)")  # red
        if SCREENSHOT_COPY:
            browser.screenshot(SCREENSHOT_COPY)
        for role in ("book", "strategy", "oms"):
            self.cluster[role].signal(signal.SIGTERM)
        for role in ("book", "strategy", "oms"):
            self.assertEqual(self.cluster[role].wait(20), 0, self.cluster[role].output())


if __name__ == "__main__":
    unittest.main()
