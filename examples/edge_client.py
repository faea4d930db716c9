#!/usr/bin/env python3
"""A client of the edge gateway (Python standard library only).

Run the demo with the edge's five listeners on the seeds' ports, then this:

    build/nodes/trading_node --config configs/all_in_one.json \\
        --set edge.price_port=5001 --set edge.news_port=5002 \\
        --set edge.order_port=5003 --set edge.gateway_port=5555 \\
        --set edge.oms_port=5558
    python3 examples/edge_client.py [--host 127.0.0.1] [--seconds 3]

It watches prices (5001) and sentiment (5002) in protocol 1, sends one order
on 5003 and prints its execution; then reads protocol 2 on 5555 and trades once
on 5558.
"""
import argparse
import json
import socket
import struct
import time


def star_frames(sock, seconds, limit):
    """Up to `limit` '*'-terminated frames within `seconds`."""
    sock.settimeout(0.2)
    buf, frames, end = b"", [], time.monotonic() + seconds
    while len(frames) < limit and time.monotonic() < end:
        try:
            data = sock.recv(4096)
        except socket.timeout:
            continue
        if not data:
            break
        *done, buf = (buf + data).split(b"*")
        frames += [f.decode() for f in done if f]
    return frames[:limit]


def gateway_read(sock, seconds, wanted):
    """Length-prefixed messages until one of type `wanted` (or time is up)."""
    sock.settimeout(0.2)
    buf, end = b"", time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            data = sock.recv(65536)
        except socket.timeout:
            continue
        if not data:
            return None
        buf += data
        while len(buf) >= 4:
            (n,) = struct.unpack(">I", buf[:4])
            if len(buf) < 4 + n:
                break
            msg, buf = json.loads(buf[4:4 + n]), buf[4 + n:]
            if msg["type"] == wanted:
                return msg
    return None


def gateway_send(sock, message):
    body = json.dumps(message).encode()
    sock.sendall(struct.pack(">I", len(body)) + body)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--seconds", type=float, default=3)
    args = ap.parse_args()
    connect = lambda port: socket.create_connection((args.host, port), timeout=5)

    with connect(5001) as prices, connect(5002) as news:
        print("prices:   ", " ".join(star_frames(prices, args.seconds, 5)))
        print("sentiment:", " ".join(star_frames(news, args.seconds, 3)))

    with connect(5003) as orders:
        # price is the limit: a BUY fills at the asks up to it, never above.
        order = {"id": 1, "action": "BUY", "quantity": 10, "symbol": "AAPL",
                 "price": 180.0}
        orders.sendall(json.dumps(order).encode() + b"*")
        print("order 1:  ", star_frames(orders, args.seconds, 1))

    with connect(5555) as gateway:
        md = gateway_read(gateway, args.seconds, 1)
        print("market:   ", json.dumps(md["data"]) if md else "none")
    with connect(5558) as oms:
        gateway_send(oms, {"type": 4, "data": {
            "order_id": "py-1", "symbol": "MSFT", "side": "SELL", "price": 320,
            "quantity": 5, "timestamp": time.time()}})
        ex = gateway_read(oms, args.seconds, 5)
        print("execution:", json.dumps(ex["data"]) if ex else "none")


if __name__ == "__main__":
    main()
