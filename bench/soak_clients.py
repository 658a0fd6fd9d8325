#!/usr/bin/env python3
"""Misbehaving clients for bench/soak.sh, on the framed protocol, until a deadline.

  soak_clients.py --port PORT --http-port HTTP --seconds S [--churn-rate R] [--slow N] [--silent N]

churn    R connections per second that open, say HELLO, join a room, and end: half with BYE, half
         by closing the socket at once; every fifth one is an HTTP/1.0 GET instead.
slow     N connections that join the soak's busy fan-out room and never read, but send a PING
         every 2 s so that the idle timeout leaves them be: their output piles up until the
         server's slow-consumer policy drops their events. Reopened when closed.
silent   N connections that handshake, join, and then neither read nor write nor close (a peer
         that vanished): only the server's idle timeout ends them. Reopened when closed.

Prints one line of counts at the end and exits 0; a connection the server refuses or resets is
counted, not fatal (that is what these clients provoke). Loopback only; everything stops at the
deadline.
"""
import argparse
import select
import socket
import struct
import threading
import time

HELLO, PING, JOIN, BYE = 0x01, 0x03, 0x10, 0x08
FLAG_ACK = 0x01


def frame(op, flags, request_id, body=b""):
    return struct.pack(">IBBI", 6 + len(body), op, flags, request_id) + body


def str16(text):
    data = text.encode()
    return struct.pack(">H", len(data)) + data


def hello(name):
    return frame(HELLO, 0, 1, bytes([1]) + str16(name) + str16(""))


def join(room):
    return frame(JOIN, 0, 2, str16(room))


class Counts:
    def __init__(self):
        self.lock = threading.Lock()
        self.values = {}

    def add(self, key, n=1):
        with self.lock:
            self.values[key] = self.values.get(key, 0) + n


def connect(port, timeout=2.0, receive_buffer=0):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if receive_buffer:
        # Before connect, so that the window the server sees stays small: its output piles up soon.
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
    s.settimeout(timeout)
    s.connect(("127.0.0.1", port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def churn(args, deadline, counts):
    interval = 1.0 / args.churn_rate
    next_at = time.monotonic()
    n = 0
    while time.monotonic() < deadline:
        now = time.monotonic()
        if now < next_at:
            time.sleep(next_at - now)
        next_at += interval
        n += 1
        try:
            if n % 5 == 0:
                s = connect(args.http_port)
                s.sendall(b"GET /healthz HTTP/1.0\r\nHost: soak\r\n\r\n")
                reply = s.recv(256)
                counts.add("churn_http_ok" if reply.startswith(b"HTTP/1.") else "churn_http_bad")
                s.close()
                continue
            s = connect(args.port)
            s.sendall(hello("churn%d" % n) + join("churn-%d" % (n % 7)))
            if n % 2 == 0:
                s.sendall(frame(BYE, 0, 3, struct.pack(">H", 0) + str16("bye")))
            s.close()
            counts.add("churn_framed")
        except OSError:
            counts.add("churn_failed")


def holders(args, deadline, counts, kind, n, room):
    """Keeps n connections of a kind open (reopening closed ones) until the deadline."""
    socks = {}
    poller = select.poll()
    # Woken by the peer's close or a reset only, never by data: these clients leave data unread.
    events = select.POLLRDHUP | select.POLLHUP | select.POLLERR
    opened = 0
    next_ping = time.monotonic() + 2
    while time.monotonic() < deadline:
        if kind == "slow" and time.monotonic() >= next_ping:
            next_ping += 2
            for s in list(socks.values()):
                try:
                    s.send(frame(PING, 0, 9, b"soak"), socket.MSG_DONTWAIT)
                except OSError:
                    pass  # a full send buffer or a closed socket: the poll below finds the latter
        while len(socks) < n and time.monotonic() < deadline:
            try:
                s = connect(args.port, receive_buffer=4096 if kind == "slow" else 0)
                s.sendall(hello("%s%d" % (kind, opened)) + join(room))
                socks[s.fileno()] = s
                poller.register(s, events)
                opened += 1
            except OSError:
                counts.add(kind + "_failed")
                time.sleep(0.1)
        for fd, _ in poller.poll(500):
            counts.add(kind + "_closed_by_server")
            poller.unregister(fd)
            socks.pop(fd).close()
    counts.add(kind + "_opened", opened)
    for s in socks.values():
        s.close()


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--http-port", type=int, required=True)
    p.add_argument("--seconds", type=float, required=True)
    p.add_argument("--churn-rate", type=float, default=200)
    p.add_argument("--slow", type=int, default=20)
    p.add_argument("--silent", type=int, default=20)
    p.add_argument("--room", default="soak-fanout")
    args = p.parse_args()
    deadline = time.monotonic() + args.seconds
    counts = Counts()
    threads = [threading.Thread(target=churn, args=(args, deadline, counts))]
    threads.append(threading.Thread(target=holders, args=(args, deadline, counts, "slow", args.slow, args.room)))
    threads.append(threading.Thread(target=holders, args=(args, deadline, counts, "silent", args.silent, "soak-silent")))
    for t in threads:
        t.start()
    for t in threads:
        t.join(args.seconds + 30)
    print("soak_clients: " + " ".join("%s=%d" % kv for kv in sorted(counts.values.items())))


if __name__ == "__main__":
    main()
