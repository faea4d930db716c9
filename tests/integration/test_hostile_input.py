"""Hostile input on a TLS node's port: random bytes, a BASP header that claims a
1 GiB payload, a stalled partial handshake, 200 idle connections, a TLS client
without a certificate, and one that never reads. None gets past the handshake:
the node closes and logs each connection within node.tls.handshake_timeout_ms,
its memory stays bounded, and its real peers keep trading throughout.

(On plaintext BASP, CAF 0.17 has no hook to bound a payload or an idle
connection: the node listens on loopback only unless TLS is on, and the README
says local processes are trusted.)"""
import os
import socket
import ssl
import struct
import threading
import time
import unittest

from certs import OPENSSL, Authority
from cluster import ClusterTest
from harness import wait_for

HANDSHAKE_MS = 300


def resident_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def closed_by_peer(conn, timeout):
    """True if the node closes `conn` (EOF or reset) within `timeout` s."""
    conn.settimeout(timeout)
    try:
        while conn.recv(65536):
            pass
        return True
    except (ConnectionResetError, ssl.SSLError):
        return True
    except socket.timeout:
        return False


@unittest.skipUnless(OPENSSL, "the openssl command is missing (apt-get install openssl)")
class HostileInputTest(ClusterTest):
    def setUp(self):
        super().setUp()
        self.ca = Authority(self.dir, "cluster_ca")

    def connect(self):
        return socket.create_connection(("127.0.0.1", self.ports["oms"]), timeout=10)

    def attack(self, name, send, count=1):
        """Opens `count` connections, sends each what `send` gives, and checks that
        the node closes every one within a bound."""
        conns = [self.connect() for _ in range(count)]
        try:
            for c in conns:
                data = send()
                if data:
                    c.sendall(data)
            bound = HANDSHAKE_MS / 1000 + 10
            open_ones = [c for c in conns if not closed_by_peer(c, bound)]
            self.assertFalse(open_ones, f"{name}: {len(open_ones)} connection(s) "
                                        f"still open after {bound} s")
        finally:
            for c in conns:
                c.close()

    def test_strangers_never_get_past_the_handshake_and_trading_goes_on(self):
        for role in ("oms", "strategy", "book", "feeds"):
            self.make(role, [*self.ca.sets(role),
                             f"node.tls.handshake_timeout_ms={HANDSHAKE_MS}"]).start()
        self.wait_for_fills(2)
        oms_pid = self.cluster["oms"].proc.pid
        rss_before = resident_kb(oms_pid)

        self.attack("random bytes", lambda: os.urandom(65536), count=20)
        # A BASP header (message type, flags, payload length 1 GiB, ...): to a
        # TLS port it is no TLS record, so nothing is ever allocated for it.
        header = struct.pack(">BxxxIQQ", 1, 1 << 30, 0, 0).ljust(32, b"\0")
        self.attack("a 1 GiB BASP header", lambda: header, count=5)
        # The first bytes of a TLS record header, then silence.
        self.attack("a stalled partial handshake", lambda: b"\x16\x03\x01\x02", count=5)
        self.attack("idle connections", lambda: b"", count=200)

        # A real TLS client without a certificate: refused at the handshake.
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        refused = False
        try:
            with ctx.wrap_socket(self.connect()) as tls:
                tls.sendall(b"x" * 32)
                refused = closed_by_peer(tls, 10)
        except (ssl.SSLError, ConnectionResetError, BrokenPipeError):
            refused = True
        self.assertTrue(refused, "a TLS client without a certificate got in")

        # A client that sends a hello and never reads what the node answers.
        hello_only = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        hello_only.check_hostname = False
        hello_only.verify_mode = ssl.CERT_NONE
        raw = self.connect()
        incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
        obj = hello_only.wrap_bio(incoming, outgoing)
        try:
            obj.do_handshake()
        except ssl.SSLWantReadError:
            pass
        raw.sendall(outgoing.read())
        time.sleep(HANDSHAKE_MS / 1000 * 3)  # the attack itself: not reading
        self.assertTrue(closed_by_peer(raw, 10), "a client that never reads stayed")
        raw.close()

        out = self.cluster["oms"].output()
        self.assertIn("refused a TLS handshake from 127.0.0.1", out)
        self.assertIn("no handshake within node.tls.handshake_timeout_ms", out)
        # Bounded memory: no 1 GiB buffer, no per-connection leak.
        self.assertLess(resident_kb(oms_pid) - rss_before, 64 * 1024,
                        "the OMS grew by more than 64 MB under hostile input")
        # Its real peers never noticed: fills keep coming.
        self.wait_more_fills()
        self.assertTrue(all(n.alive() for n in self.cluster.values()))
        self.stop_all()


if __name__ == "__main__":
    unittest.main()
