"""python-socketio 5 clients against the chat example (ChatApp): run with Debian's /usr/bin/python3.

Usage: chat_clients.py URL

Three clients: A over polling only, B over WebSocket only, C with the default (polling, then
upgraded to WebSocket). Checks, for each of them:
  - on connect, every connected client (itself too) receives addChat with its session id;
  - 'message' is answered with reply {"message": "hello", "sid": <sender>} to everyone;
  - 'sendMessage' {"content", "destId"} reaches only the client named in destId.
Prints one line per check, "PASS" at the end and exits 0; on the first failure prints "FAIL ..."
and exits 1. Every wait is bounded.
"""

import queue
import sys
import time

import socketio

WAIT = 10.0  # seconds, for any one expected event


class Peer:
    def __init__(self, name, transports):
        self.name = name
        self.transports = transports
        self.events = queue.Queue()
        self.sio = socketio.Client(reconnection=False)
        for event in ("addChat", "reply"):
            self.sio.on(event, self._recorder(event))

    def _recorder(self, event):
        def record(*args):
            self.events.put((event, list(args)))
        return record

    def connect(self, url):
        self.sio.connect(url, transports=self.transports, wait_timeout=WAIT)
        self.sid = self.sio.get_sid("/")
        check(isinstance(self.sid, str) and self.sid != "", "%s has a session id (%r)" % (self.name, self.sid))

    def transport(self):
        return self.sio.transport()

    def expect(self, event, args, what):
        """The next event must be this one; fails on another or after WAIT seconds."""
        try:
            got = self.events.get(timeout=WAIT)
        except queue.Empty:
            fail("%s: %s: nothing within %.0f s (expected %s %r)" % (self.name, what, WAIT, event, args))
        if got != (event, args):
            fail("%s: %s: got %s %r (expected %s %r)" % (self.name, what, got[0], got[1], event, args))
        check(True, "%s: %s: %s %r" % (self.name, what, event, args))

    def expect_nothing_else(self):
        check(self.events.empty(), "%s: no unexpected events (left: %r)" % (self.name, list(self.events.queue)))


def check(ok, line):
    if not ok:
        fail(line)
    print("ok   " + line, flush=True)


def fail(line):
    print("FAIL " + line, flush=True)
    sys.exit(1)


def hello(sender, everyone):
    """sender emits 'message'; every client gets the reply naming the sender. Also a barrier:
    whatever the server sent a client before handling it arrives before this reply."""
    sender.sio.emit("message", "hi from " + sender.name)
    for p in everyone:
        p.expect("reply", [{"message": "hello", "sid": sender.sid}], "reply to %s's message" % sender.name)


def main():
    url = sys.argv[1]
    a = Peer("A(polling)", ["polling"])
    b = Peer("B(websocket)", ["websocket"])
    c = Peer("C(polling+upgrade)", None)
    connected = []
    try:
        for p in (a, b, c):
            p.connect(url)
            connected.append(p)
            for q in connected:
                q.expect("addChat", [p.sid], "addChat for %s" % p.name)
        check(len({a.sid, b.sid, c.sid}) == 3, "three distinct session ids")
        check(a.transport() == "polling", "A stays on polling")
        check(b.transport() == "websocket", "B is on websocket")

        for p in connected:
            hello(p, connected)

        # sendMessage reaches only the client named in destId.
        for sender, dest in ((a, b), (b, c), (c, a), (b, a)):
            content = "from %s to %s" % (sender.name, dest.name)
            sender.sio.emit("sendMessage", {"content": content, "destId": dest.sid})
            dest.expect("reply", [content], "sendMessage from %s" % sender.name)
            hello(sender, connected)  # barrier: nobody else got the content before this reply
        deadline = time.monotonic() + 20
        while c.transport() != "websocket" and time.monotonic() < deadline:
            time.sleep(0.05)
        check(c.transport() == "websocket", "C was upgraded to websocket")
        hello(c, connected)  # still delivered to everyone after the upgrade
        for p in connected:
            p.expect_nothing_else()
    finally:
        for p in connected:
            p.sio.disconnect()
    print("PASS", flush=True)


if __name__ == "__main__":
    main()
