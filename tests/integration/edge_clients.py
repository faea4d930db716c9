"""Small socket clients of the edge gateway's two protocols, for the tests.
Every read is bounded by a deadline."""
import json
import select
import socket
import struct
import time


class Client:
    def __init__(self, port, rcvbuf=None):
        self.sock = socket.socket()
        if rcvbuf:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.sock.connect(("127.0.0.1", port))
        self.buf = b""
        self.frames = []
        self.closed = False

    def send(self, data):
        self.sock.sendall(data)

    def pump(self, timeout=0.05):
        """Reads what is there (waiting up to `timeout`); False once closed."""
        if self.closed:
            return False
        r, _, _ = select.select([self.sock], [], [], timeout)
        if not r:
            return True
        # Drain what is there (up to 4 MB), so a reader keeps up with a fast stream.
        for _ in range(64):
            try:
                data = self.sock.recv(65536, socket.MSG_DONTWAIT)
            except BlockingIOError:
                break
            except ConnectionResetError:
                data = b""
            if not data:
                self.closed = True
                self.split()
                return False
            self.buf += data
        self.split()
        return True

    def wait(self, predicate, timeout, what):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = predicate(self.frames)
            if found:
                return found
            if not self.pump(0.05) and not predicate(self.frames):
                raise AssertionError(f"connection closed waiting for {what}")
        raise AssertionError(f"timed out after {timeout} s waiting for {what}; "
                             f"got {self.frames[-5:]}")

    def close(self):
        self.sock.close()


class StarClient(Client):
    """Protocol 1: frames end with '*'."""

    def split(self):
        *done, self.buf = self.buf.split(b"*")
        self.frames += [f.decode() for f in done]

    def order(self, **fields):
        self.send(json.dumps(fields).encode() + b"*")

    def answer(self, client_id, timeout=10):
        def find(frames):
            for f in frames:
                if f.startswith("{"):
                    j = json.loads(f)
                    if j.get("id") == client_id:
                        return j
        return self.wait(find, timeout, f"the answer to {client_id!r}")


def gateway_bytes(message):
    body = json.dumps(message).encode()
    return struct.pack(">I", len(body)) + body


class GatewayClient(Client):
    """Protocol 2: a 4-byte big-endian length, then JSON."""

    def split(self):
        while len(self.buf) >= 4:
            (n,) = struct.unpack(">I", self.buf[:4])
            if len(self.buf) < 4 + n:
                break
            self.frames.append(json.loads(self.buf[4:4 + n]))
            self.buf = self.buf[4 + n:]

    def of_type(self, t):
        return [f for f in self.frames if f["type"] == t]

    def answer(self, order_id, timeout=10):
        def find(frames):
            for f in frames:
                if f["type"] == 5 and f["data"].get("order_id") == order_id:
                    return f["data"]
        return self.wait(find, timeout, f"the execution of {order_id!r}")
