#!/usr/bin/env python3
"""Slow clients against riskmap-tiles (issue 9, item 9), loopback only.

    slowloris.py PORT PER_IP MAX_CONNECTIONS HEADER_TIMEOUT_S TILE_PATH

The server must run with --per-ip PER_IP --max-connections MAX_CONNECTIONS
--header-timeout HEADER_TIMEOUT_S and listen on 0.0.0.0 or 127.0.0.1 (every
127.0.0.x address reaches it). Bounded: a few hundred sockets, < 40 s.
1. From 127.0.0.2: 4 x PER_IP connections that each send a request line and then
   one header line per second (never the blank line). At most PER_IP stay open;
   a normal client from 127.0.0.200 gets a tile within 5 s meanwhile; and every
   slow connection has been closed by the server within HEADER_TIMEOUT_S + 4 s
   although it kept sending.
2. From 24 addresses 127.0.0.10.., each at its per-address cap and reopening
   whatever the server closes: more slow connections than MAX_CONNECTIONS.
   Meanwhile a normal client from 127.0.0.201 fetches 10 tiles and /health,
   each answered (200) within 5 s.
Asserts behaviour within generous bounds, never timings beyond that."""
import http.client
import selectors
import socket
import sys
import threading
import time

port, per_ip, max_conns, header_s = (int(a) for a in sys.argv[1:5])
tile = sys.argv[5]
fails = 0


def check(ok, what):
    global fails
    print(('ok - ' if ok else 'not ok - ') + what, flush=True)
    if not ok:
        fails += 1


class Loris:
    """Slow connections from some source addresses; one header line a second."""

    def __init__(self, sources, per_source, reopen):
        self.sources, self.per_source, self.reopen = sources, per_source, reopen
        self.sel = selectors.DefaultSelector()
        self.socks = {}  # socket -> [source, opened_at, closed_at or None]
        self.opened = 0
        self.stop = threading.Event()

    def open_one(self, src):
        s = socket.socket()
        s.setblocking(True)
        s.settimeout(2)
        try:
            s.bind((src, 0))
            s.connect(('127.0.0.1', port))
            s.sendall(b'GET ' + tile.encode() + b' HTTP/1.1\r\nHost: x\r\n')
        except OSError:
            s.close()
            return
        s.setblocking(False)
        self.sel.register(s, selectors.EVENT_READ)
        self.socks[s] = [src, time.monotonic(), None]
        self.opened += 1

    def open_count(self, src=None):
        return sum(1 for v in self.socks.values() if v[2] is None and (src is None or v[0] == src))

    def run(self):
        for src in self.sources:
            for _ in range(self.per_source):
                self.open_one(src)
        last_line = time.monotonic()
        while not self.stop.is_set():
            for key, _ in self.sel.select(0.1):
                s = key.fileobj
                try:
                    data = s.recv(4096)
                except (ConnectionResetError, BlockingIOError, OSError):
                    data = b''
                if not data:  # closed (or refused with a response) by the server
                    self.sel.unregister(s)
                    s.close()
                    self.socks[s][2] = time.monotonic()
            if time.monotonic() - last_line >= 1:
                last_line = time.monotonic()
                for s, v in list(self.socks.items()):
                    if v[2] is None:
                        try:
                            s.send(b'X-Slow: %d\r\n' % int(last_line))
                        except OSError:
                            pass
            if self.reopen:
                for src in self.sources:
                    for _ in range(self.per_source - self.open_count(src)):
                        self.open_one(src)
        for s, v in self.socks.items():
            if v[2] is None:
                self.sel.unregister(s)
                s.close()


def fetch(src, path):
    """GET from source address src: (status, seconds) or (None, seconds)."""
    t0 = time.monotonic()
    deadline = t0 + 5
    while time.monotonic() < deadline:  # a refused or reset connection is retried within the 5 s
        try:
            c = http.client.HTTPConnection('127.0.0.1', port, timeout=max(0.1, deadline - time.monotonic()),
                                           source_address=(src, 0))
            c.request('GET', path)
            r = c.getresponse()
            body = r.read()
            c.close()
            return r.status, time.monotonic() - t0, body
        except (OSError, http.client.HTTPException):
            time.sleep(0.05)
    return None, time.monotonic() - t0, b''


# --- 1. one address, many slow connections
loris = Loris(['127.0.0.2'], 4 * per_ip, reopen=False)
th = threading.Thread(target=loris.run)
th.start()
time.sleep(1.5)
held = loris.open_count()
check(held <= per_ip, f'one address holds at most --per-ip {per_ip} connections ({held} of {loris.opened} opened)')
st, secs, body = fetch('127.0.0.200', tile)
check(st == 200 and body[:4] == b'\x89PNG', f'a normal client gets a tile while they wait ({st}, {secs:.2f} s)')
time.sleep(header_s + 4 - 1.5)
still = loris.open_count()
check(still == 0, f'every slow connection closed by the server within {header_s + 4} s although it kept sending ({still} still open)')
loris.stop.set()
th.join()

# --- 2. many addresses, reopening: the global limit
sources = [f'127.0.0.{10 + i}' for i in range(24)]
loris = Loris(sources, per_ip, reopen=True)
th = threading.Thread(target=loris.run)
th.start()
time.sleep(2)
peak = loris.open_count()
slow_ok = 0
worst = 0.0
for i in range(10):
    st, secs, body = fetch('127.0.0.201', tile if i % 2 == 0 else '/health')
    worst = max(worst, secs)
    slow_ok += st == 200
    time.sleep(0.3)
loris.stop.set()
th.join()
check(len(sources) * per_ip > max_conns, f'the slow clients try more than --max-connections ({len(sources) * per_ip} > {max_conns})')
check(slow_ok == 10, f'at the connection limit a normal client is answered: {slow_ok}/10 within 5 s (slowest {worst:.2f} s; '
      f'{peak} slow connections open at 2 s, {loris.opened} opened)')
print(f'# {fails} failed')
sys.exit(1 if fails else 0)
