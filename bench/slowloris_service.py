#!/usr/bin/env python3
"""Service of riskmap-tiles under slow-loris clients (bench, not a test).

    bench/slowloris_service.py PORT TILE_PATH [N_SLOW] [ADDRESSES] [LINE_EVERY_S] [SECONDS]

Opens N_SLOW (default 4200) connections from ADDRESSES loopback addresses
(127.0.0.10.., default 42), each sending a request line and then one header
line every LINE_EVERY_S seconds (default 20), never finishing its headers, and
reopening whatever the server closes. Meanwhile a normal client from
127.0.0.250 asks for TILE_PATH once a second for SECONDS (default 30) with a
5 s timeout. Prints how many of its requests were answered 200 and the median
and slowest answer times, and how many slow connections the server held."""
import http.client
import os
import selectors
import statistics
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'tests', 'security'))
from loris import open_slow  # noqa: E402

port, tile = int(sys.argv[1]), sys.argv[2]
n_slow = int(sys.argv[3]) if len(sys.argv) > 3 else 4200
n_addr = int(sys.argv[4]) if len(sys.argv) > 4 else 42
every = float(sys.argv[5]) if len(sys.argv) > 5 else 20
seconds = int(sys.argv[6]) if len(sys.argv) > 6 else 30
per = n_slow // n_addr
stop = threading.Event()
held = []


def loris():
    sel = selectors.DefaultSelector()
    socks = {}

    def open_one(src):
        s = open_slow(src, port, tile, timeout=1)
        if s is None:
            return False
        sel.register(s, selectors.EVENT_READ)
        socks[s] = src
        return True

    count = {f'127.0.0.{10 + i}': 0 for i in range(n_addr)}
    for src in count:
        for _ in range(per):
            count[src] += open_one(src)
    last = time.monotonic()
    while not stop.is_set():
        for key, _ in sel.select(0.2):
            s = key.fileobj
            try:
                d = s.recv(4096)
            except OSError:
                d = b''
            if not d:
                sel.unregister(s)
                count[socks.pop(s)] -= 1
                s.close()
        if time.monotonic() - last >= every:
            last = time.monotonic()
            for s in list(socks):
                try:
                    s.send(b'X-Slow: 1\r\n')
                except OSError:
                    pass
        for src in count:  # reopen, a few per round
            for _ in range(min(5, per - count[src])):
                count[src] += open_one(src)
        held.append(len(socks))
    for s in socks:
        s.close()


th = threading.Thread(target=loris)
th.start()
time.sleep(3)
ok, times = 0, []
for i in range(seconds):
    t0 = time.monotonic()
    try:
        c = http.client.HTTPConnection('127.0.0.1', port, timeout=5, source_address=('127.0.0.250', 0))
        c.request('GET', tile)
        r = c.getresponse()
        r.read()
        c.close()
        if r.status == 200:
            ok += 1
            times.append(time.monotonic() - t0)
    except (OSError, http.client.HTTPException):
        pass
    time.sleep(max(0, 1 - (time.monotonic() - t0)))
stop.set()
th.join()
print(f'slow connections: {n_slow} tried from {n_addr} addresses, held by the server: median {int(statistics.median(held)) if held else 0}')
print(f'normal client: {ok}/{seconds} answered 200 within 5 s' +
      (f', median {statistics.median(times) * 1000:.0f} ms, slowest {max(times) * 1000:.0f} ms' if times else ''))
