#!/usr/bin/env python3
"""Hostile HTTP against riskmap-tiles over raw sockets (bytes exactly as written).

    http_hostile.py HOST PORT

Every URL parameter and path segment with injection payloads, path traversal,
oversized and malformed requests. Each answer must be one of the statuses that
fit (never 200 with a file outside the web folder, never 500, never a crash);
prints TAP-like lines and exits 1 on any failure."""
import socket
import sys
import time
import urllib.parse

HOST, PORT = sys.argv[1], int(sys.argv[2])
fails = 0
count = 0


def report(ok, desc):
    global fails, count
    count += 1
    if not ok:
        fails += 1
    print(("ok" if ok else "not ok") + " - " + desc)


def raw(data, timeout=5.0, read_all=True):
    """Sends bytes, returns (status or None, head, body) of the first response."""
    s = socket.create_connection((HOST, PORT), timeout=timeout)
    try:
        try:
            s.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server may close early on an oversized request: read what it said
        buf = b""
        t0 = time.time()
        while time.time() - t0 < timeout:
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                break
            except ConnectionResetError:
                break
            if not chunk:
                break
            buf += chunk
            if b"\r\n\r\n" in buf:
                head, _, body = buf.partition(b"\r\n\r\n")
                clen = None
                for line in head.split(b"\r\n")[1:]:
                    k, _, v = line.partition(b":")
                    if k.strip().lower() == b"content-length":
                        clen = int(v.strip() or 0)
                if clen is not None and len(body) >= clen:
                    break
                if clen is None and not read_all:
                    break
    finally:
        s.close()
    if not buf.startswith(b"HTTP/"):
        return None, buf[:200], b""
    head, _, body = buf.partition(b"\r\n\r\n")
    try:
        status = int(head.split(b" ", 2)[1])
    except (IndexError, ValueError):
        status = None
    return status, head, body


def get(target, method=b"GET", extra=b""):
    if isinstance(target, str):
        target = target.encode("utf-8", "surrogateescape")
    return raw(method + b" " + target + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n" + extra + b"\r\n")


def expect(desc, target, allowed, method=b"GET", extra=b"", secret=(b"root:", b"cmake_minimum_required", b"[core]")):
    status, head, body = get(target, method, extra)
    bad_body = any(x in body for x in secret)
    report(status in allowed and not bad_body,
           "%s -> %s (allowed %s)%s" % (desc, status, sorted(allowed), " LEAKED A FILE" if bad_body else ""))
    return status


def pct(s):
    """Percent-encodes every byte but letters and digits (UTF-8)."""
    return urllib.parse.quote(s, safe="")


INJECT = [
    "'; DROP TABLE riskmap.plan; --",
    "1; DROP TABLE riskmap.risk_source",
    "' OR '1'='1",
    "1 OR 1=1",
    "1) UNION SELECT usename, passwd FROM pg_shadow --",
    "$$; SELECT pg_sleep(10); $$",
    "'||pg_terminate_backend(pg_backend_pid())||'",
    "\\x27\\x3b",
    "渝中区",
    "\u202e500103",
    "\U0001F525",
    "500103\u0000",
    "-1", "+1", " 1", "1 ", "0x10", "1e309", "NaN", "Infinity", "-0", "99999999999999999999",
    "١٢", "1.5", "",
]
RAW_INJECT = ["%00", "1%00", "500103%00", "%C0%AE", "%FF%FE", "%E6%B8%9D", "%25%30%30", "%0d%0aSet-Cookie:%20x=1"]
LONG = ["9" * 5000, "a" * 60000]

BAD = {400, 404}
TOO_LONG = {400, 404, 413, 414, 431}

# --- every URL parameter and path segment
valid = {"style": "risk", "z": "11", "x": "1630", "y": "845"}
for seg in ["style", "z", "x", "y"]:
    for p in INJECT + LONG:
        v = dict(valid)
        v[seg] = pct(p)
        allowed = TOO_LONG if len(p) > 1000 else BAD
        expect("tile %s=%r" % (seg, p[:40]), "/tiles/{style}/{z}/{x}/{y}.png".format(**v), allowed)
    for p in RAW_INJECT:
        v = dict(valid)
        v[seg] = p
        expect("tile %s=%s (raw)" % (seg, p), "/tiles/{style}/{z}/{x}/{y}.png".format(**v), BAD)
for suffix in ["@3x.png", "@2x.jpg", "@2x.png%00", ".png.json", "@0x.png", "@-2x.png", "@2X.png", ".PNG"]:
    expect("tile suffix %s" % suffix, "/tiles/risk/11/1630/845" + suffix, BAD)
for p in INJECT + RAW_INJECT:
    q = pct(p) if p not in RAW_INJECT else p
    expect("tilejson style=%r" % p[:40], "/tiles/%s.json" % q, BAD)
for name in ["district", "as_of"]:
    for p in INJECT + RAW_INJECT + LONG:
        if p == "":
            continue  # an empty value means "not given": 200
        q = pct(p) if p not in RAW_INJECT else p
        other = "as_of=2026-01-01" if name == "district" else "district=500103"
        allowed = TOO_LONG if len(p) > 1000 else {400}
        expect("uncovered %s=%r" % (name, p[:40]), "/api/uncovered?%s=%s&%s" % (name, q, other), allowed)
for name in ["lon", "lat", "max_m"]:
    for p in INJECT + RAW_INJECT + LONG:
        if p == "" and name == "max_m":
            continue
        q = pct(p) if p not in RAW_INJECT else p
        v = {"lon": "106.57", "lat": "29.55", "max_m": "1000"}
        v[name] = q
        allowed = TOO_LONG if len(p) > 1000 else {400}
        if p in ("-1", "+1", "-0", "1.5"):
            allowed = {200, 400, 404}  # numbers: a source, 404 "no risk source there", or 400 out of range (max_m < 0)
        expect("source %s=%r" % (name, p[:40]), "/api/source?lon=%(lon)s&lat=%(lat)s&max_m=%(max_m)s" % v, allowed)
for name in ["year", "as_of"]:
    for p in INJECT + RAW_INJECT + LONG:
        if p == "":
            continue  # an empty value means "not given": 200
        q = pct(p) if p not in RAW_INJECT else p
        other = "as_of=2026-06-01" if name == "year" else "year=2026"
        allowed = TOO_LONG if len(p) > 1000 else {400}
        expect("compliance %s=%r" % (name, p[:40]), "/api/compliance?%s=%s&%s" % (name, q, other), allowed)
for y in ["1948", "2201", "0", "20260", "2026.0"]:
    expect("compliance year=%s" % y, "/api/compliance?year=" + y, {400})
for d in ["2026-02-30", "2026-13-01", "0000-00-00", "2026-1-1", "99999-01-01", "2026-01-01T00:00", "yesterday"]:
    expect("uncovered as_of=%s" % d, "/api/uncovered?as_of=" + d, {400})
# repeated and unknown parameters do not confuse anything
expect("unknown parameter ignored", "/health?x=%27%3B%20DROP%20TABLE%20riskmap.plan", {200})
expect("repeated district", "/api/uncovered?district=500103&district=%27%3Bdrop", {200, 400})

# --- path traversal
TRAVERSAL = [
    "/../../../../etc/passwd", "/%2e%2e/%2e%2e/%2e%2e/etc/passwd", "/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd",
    "/%252e%252e/%252e%252e/etc/passwd", "/..%2f..%2f..%2fetc%2fpasswd", "/..%5c..%5c..%5cetc%5cpasswd",
    "/%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd", "/leaflet/../../../../etc/passwd", "/leaflet/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "/leaflet/..%2f..%2f..%2f..%2fCMakeLists.txt", "/../CMakeLists.txt", "/%2e%2e/CMakeLists.txt",
    "//etc/passwd", "/etc/passwd", "/%2Fetc%2Fpasswd", "/.%2e/CMakeLists.txt", "/./../CMakeLists.txt",
    "/index.html%00.png", "/index.html%00", "/.git/config", "/..", "/.", "/node_modules/leaflet/package.json",
    "/tiles/../../../etc/passwd", "/tiles/risk/../../../../etc/passwd", "/api/../../etc/passwd",
    "/C:/Windows/win.ini", "/proc/self/environ", "/%2e%2e%2f%2e%2e%2fproc%2fself%2fenviron", "/\\..\\..\\etc\\passwd",
    "/viewer.js/../../CMakeLists.txt", "/leaflet/leaflet.js/../../../../../etc/passwd",
]
for t in TRAVERSAL:
    expect("traversal %s" % t, t, BAD)
# absolute-form request targets and other hosts
expect("absolute-form target", "http://127.0.0.1/../../etc/passwd", {400, 404})
expect("absolute-form file:// target", "file:///etc/passwd", {400, 404})
expect("target without a slash", "etc/passwd", {400, 404})
expect("asterisk target", "*", {400, 404, 405})

# --- methods
for m in [b"POST", b"PUT", b"DELETE", b"PATCH", b"OPTIONS", b"TRACE", b"CONNECT", b"PROPFIND", b"FOO"]:
    expect("method %s" % m.decode(), "/tiles/risk/11/1630/845.png", {400, 405, 501}, method=m)
for m in [b"G ET", b"\xff\xfe", b"get"]:
    expect("malformed method %r" % m, "/health", {400, 405, 501}, method=m)
# libmicrohttpd hands the method over as a C string: "GET\0" arrives as "GET"
# and is served as one (harmless: the target is parsed on its own).
expect("method GET\\0", "/health", {200, 400, 405, 501}, method=b"GET\x00")

# --- oversized
expect("header of 100 kB", "/health", {400, 413, 431}, extra=b"X-Big: " + b"a" * 100000 + b"\r\n")
expect("2000 headers", "/health", {400, 413, 431}, extra=b"".join(b"X-H%d: v\r\n" % i for i in range(2000)))
expect("request target of 200 kB", "/tiles/risk/" + "1" * 200000, TOO_LONG)
expect("If-None-Match of 50 kB", "/tiles/risk/11/1630/845.png", {200, 304, 400, 413, 431},
       extra=b"If-None-Match: " + b'"x",' * 12000 + b"\r\n")
st, _, _ = raw(b"POST /health HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000000\r\nConnection: close\r\n\r\n" + b"x" * 65536)
report(st in {405, 413, 400, None}, "POST with a 1 GB Content-Length -> %s" % st)
st, _, _ = raw(b"GET /health HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\nZZZ\r\n")
report(st in {200, 400, 413, None}, "GET with a malformed chunked body -> %s" % st)
st, _, _ = raw(b"GET /health HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\nConnection: close\r\n\r\n")
report(st in {400, None}, "negative Content-Length -> %s" % st)
st, _, _ = raw(b"GET /health HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\nConnection: close\r\n\r\nab")
report(st in {400, 200, None}, "two Content-Length headers -> %s" % st)

# --- malformed requests over the raw socket
JUNK = [
    (b"GET /\r\n\r\n", "HTTP/0.9 request line"),
    (b"GET /health\r\n\r\n", "HTTP/0.9 /health"),
    (b"GET /health HTTP/9.9\r\nHost: x\r\n\r\n", "HTTP/9.9"),
    (b"GET /health HTTP/1.1 extra\r\nHost: x\r\n\r\n", "four words on the request line"),
    (b"GET /health HTTP/1.1\r\nNo colon header\r\n\r\n", "header without a colon"),
    (b"GET /health HTTP/1.1\r\nHost: x\r\n : folded\r\n\r\n", "obsolete line folding"),
    (b"GET /health HTTP/1.1\r\nHo\x00st: x\r\n\r\n", "NUL in a header name"),
    (b"GET /he\x00alth HTTP/1.1\r\nHost: x\r\n\r\n", "NUL in the target"),
    (b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + bytes(range(64)) + b"\r\n\r\n", "a TLS ClientHello"),
    (bytes(range(256)) * 4 + b"\r\n\r\n", "binary junk"),
    (b"\r\n\r\n\r\n\r\n", "empty lines"),
    (b"GET /health HTTP/1.1\nHost: x\n\n", "bare LF line ends"),
    (b"GET /health HTTP/1.1\r\nHost: x\r\n\r\nGET /../../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n", "pipelined traversal"),
]
for data, desc in JUNK:
    try:
        st, head, body = raw(data, timeout=3.0)
    except OSError as e:
        st, body = "error %s" % e, b""
    ok = st in {None, 200, 400, 404, 405, 413, 414, 431, 505} and b"root:" not in body
    report(ok, "raw %s -> %s" % (desc, st))

# --- still healthy
st, _, body = get("/health")
report(st == 200 and b'"db":"up"' in body, "server still healthy after %d requests -> %s" % (count, st))
st, _, body = get("/tiles/risk/11/1630/845.png")
report(st == 200 and body.startswith(b"\x89PNG"), "tiles still served -> %s" % st)
print("# %d checks, %d failed" % (count, fails))
sys.exit(1 if fails else 0)
