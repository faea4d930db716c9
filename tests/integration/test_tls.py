"""TLS between nodes (node.tls.*): certificates come from a CA the test makes with
the openssl command; the cluster trades over TLS, a peer of another CA or without
TLS is refused with a clear error (never a hang), bad files end a node at start,
and a node refuses a non-loopback listen without TLS."""
import os
import socket
import unittest

from certs import OPENSSL, Authority
from cluster import ClusterTest
from harness import CONFIGS, wait_for


@unittest.skipUnless(OPENSSL, "the openssl command is missing (apt-get install openssl)")
class TlsTest(ClusterTest):
    def setUp(self):
        super().setUp()
        self.ca = Authority(self.dir, "cluster_ca")

    def make_tls(self, role, extra=()):
        return self.make(role, [*self.ca.sets(role), *extra])

    def test_the_cluster_trades_over_tls(self):
        for role in ("oms", "strategy", "book", "feeds"):
            self.make_tls(role).start()
        self.wait_for_fills(3)
        self.wait_output("strategy", "| peers 2/2")
        self.stop_all()

    def test_a_killed_tls_peer_costs_only_its_own_links(self):
        # CAF 0.17 leaves a failed connection's OpenSSL error queued, which broke
        # every other TLS connection of the thread (nodes/tls_guard.cpp).
        for role in ("oms", "strategy", "book", "feeds"):
            self.make_tls(role).start()
        self.wait_for_fills(2)
        self.wait_output("strategy", "| peers 2/2")
        self.cluster["oms"].kill()
        self.wait_output("strategy", "lost oms")
        self.restart("oms")
        self.wait_output("strategy", "re-linked to node", count=1)
        self.wait_more_fills()
        self.assertNotIn("lost news_feed", self.cluster["strategy"].output())
        self.assertNotIn("lost price_feed", self.cluster["book"].output())
        self.stop_all()

    def test_an_encrypted_key_with_its_passphrase_works(self):
        self.make("oms", self.ca.sets("oms", passphrase="s3cret")).start()
        self.wait_output("oms", "listening on")
        self.cluster["oms"].signal(15)
        self.assertEqual(self.cluster["oms"].wait(10), 0)

    def test_a_plain_node_dialing_a_tls_node_fails_clearly_and_keeps_retrying(self):
        self.make_tls("oms").start()
        self.wait_output("oms", "listening on")
        self.make("strategy").start()  # no TLS
        self.wait_output("strategy", "cannot connect")
        self.assertTrue(self.cluster["strategy"].alive())
        self.assertTrue(self.cluster["oms"].alive())

    def test_a_tls_node_dialing_a_plain_node_fails_clearly_and_keeps_retrying(self):
        self.make("oms").start()  # no TLS
        self.wait_output("oms", "listening on")
        self.make_tls("strategy").start()
        self.wait_output("strategy", "cannot connect")
        self.assertTrue(self.cluster["strategy"].alive())
        self.assertTrue(self.cluster["oms"].alive())

    def test_a_peer_certified_by_another_ca_is_refused_at_the_handshake(self):
        self.make_tls("oms").start()
        self.wait_output("oms", "listening on")
        stranger = Authority(self.dir, "stranger_ca")
        self.make("strategy", stranger.sets("strategy")).start()
        self.wait_output("strategy", "cannot connect")
        self.assertNotIn("linked", self.cluster["strategy"].output())
        self.wait_output("oms", "refused a TLS handshake from 127.0.0.1")
        # The OMS lives on and still takes a peer of its own CA.
        self.cluster["strategy"].kill()
        self.cluster["strategy"].wait(10)
        self.make_tls("strategy").start()
        self.wait_output("strategy", "linked")

    def test_connections_that_never_finish_a_handshake_are_closed_and_logged(self):
        self.make_tls("oms", ["node.tls.handshake_timeout_ms=300"]).start()
        self.wait_output("oms", "listening on")
        idle = [socket.create_connection(("127.0.0.1", self.ports["oms"]), timeout=10)
                for _ in range(50)]
        try:
            for conn in idle:  # each is closed by the node: recv sees EOF
                while conn.recv(4096):
                    pass
        finally:
            for conn in idle:
                conn.close()
        self.wait_output("oms", "no handshake within node.tls.handshake_timeout_ms")
        # ... and real peers still link and trade.
        for role in ("strategy", "book", "feeds"):
            self.make_tls(role).start()
        self.wait_for_fills(2)
        self.stop_all()

    def expect_fatal(self, sets, *words, code=1):
        node = self.node("bad", os.path.join(CONFIGS, "cluster", "oms.json"),
                         [*self.private(), "node.port=0", *sets])
        node.start()
        self.assertEqual(node.wait(20), code, node.output())
        for word in words:
            self.assertIn(word, node.output())

    def test_bad_tls_files_end_the_node_at_start_naming_them(self):
        crt, key = self.ca.issue("oms")
        other_crt, other_key = self.ca.issue("other")
        missing = os.path.join(self.dir, "missing.crt")
        self.expect_fatal([f"node.tls.certificate={missing}", f"node.tls.key={key}",
                           f"node.tls.ca_file={self.ca.crt}"],
                          "node.tls.certificate", missing)
        self.expect_fatal([f"node.tls.certificate={crt}", f"node.tls.key={other_key}",
                           f"node.tls.ca_file={self.ca.crt}"],
                          "node.tls.key", "does not match")
        stranger = Authority(self.dir, "stranger_ca")
        self.expect_fatal([f"node.tls.certificate={crt}", f"node.tls.key={key}",
                           f"node.tls.ca_file={stranger.crt}"],
                          "is not signed by node.tls.ca_file")
        enc_crt, enc_key = self.ca.issue("locked", passphrase="right")
        self.expect_fatal([f"node.tls.certificate={enc_crt}", f"node.tls.key={enc_key}",
                           f"node.tls.ca_file={self.ca.crt}",
                           "node.tls.passphrase=wrong"],
                          "node.tls.key", "passphrase")
        self.expect_fatal([f"node.tls.certificate={crt}"],
                          "node.tls.key", "together", code=2)  # a config error

    def test_a_non_loopback_listen_needs_tls_or_an_explicit_opt_in(self):
        self.expect_fatal(["node.host=0.0.0.0"], "refusing to listen on 0.0.0.0",
                          "no authentication", code=2)  # a config error
        tls = self.node("tls_any", os.path.join(CONFIGS, "cluster", "oms.json"),
                        [*self.private(), "node.port=0", "node.host=0.0.0.0",
                         *self.ca.sets("oms")])
        tls.start()
        wait_for(lambda: "listening on 0.0.0.0" in tls.output(), 15, "a TLS listen")
        tls.signal(15)
        self.assertEqual(tls.wait(10), 0)
        plain = self.node("plain_any", os.path.join(CONFIGS, "cluster", "oms.json"),
                          [*self.private(), "node.port=0", "node.host=0.0.0.0",
                           "node.allow_plaintext_remote=true"])
        plain.start()
        wait_for(lambda: "listening on 0.0.0.0" in plain.output(), 15, "an opted-in listen")
        plain.signal(15)
        self.assertEqual(plain.wait(10), 0)


if __name__ == "__main__":
    unittest.main()
