"""One slow-loris connection (shared by tests/security/slowloris.py and
bench/slowloris_service.py): from source address src to 127.0.0.1:port, a
request line and one header, never the blank line that ends the headers."""
import socket


def open_slow(src, port, path, timeout=2):
    """A non-blocking socket, or None when the connection failed."""
    s = socket.socket()
    s.settimeout(timeout)
    try:
        s.bind((src, 0))
        s.connect(('127.0.0.1', port))
        s.sendall(b'GET ' + path.encode() + b' HTTP/1.1\r\nHost: x\r\n')
    except OSError:
        s.close()
        return None
    s.setblocking(False)
    return s
