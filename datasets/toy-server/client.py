#!/usr/bin/env python3
"""Helpers for recording the toy server (never traced themselves).

  client.py send PORT COUNT LENGTH CONNECTIONS [SEED]
      Connect to 127.0.0.1:PORT (retrying for up to 5 s while the server starts),
      send COUNT newline-terminated strings of exactly LENGTH characters spread
      over CONNECTIONS consecutive connections, and wait for the server's "OK\\n"
      after each string. Anything else the server sends (e.g. the output of the
      backdoor shell) is collected and reported on stderr. Content is
      deterministic: it depends only on SEED, the string index and LENGTH.
      Prints "sent=<n> acked=<n> extra=<bytes>" and exits 0 when every string
      was acknowledged.

  client.py sink PORTFILE OUTFILE
      Listen on an ephemeral port of 127.0.0.1, write the port to PORTFILE,
      accept connections one after the other and append everything received to
      OUTFILE (flushed as data arrives), until killed (or 15 min without a
      connection).

  client.py freeport
      Print a TCP port of 127.0.0.1 that was free a moment ago.
"""
import os
import socket
import sys
import time

ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


def make_string(seed: int, index: int, length: int) -> bytes:
    step = 1 + (seed + index) % 7
    off = (seed * 31 + index * 17) % len(ALPHABET)
    return "".join(ALPHABET[(off + j * step) % len(ALPHABET)] for j in range(length)).encode()


def connect(port: int, deadline: float) -> socket.socket:
    while True:
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=10)
            s.settimeout(10)
            return s
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def send(port: int, count: int, length: int, conns: int, seed: int) -> int:
    deadline = time.monotonic() + 5.0
    sent = acked = 0
    extra = b""
    per_conn = [count // conns + (1 if i < count % conns else 0) for i in range(conns)]
    for n in per_conn:
        s = connect(port, deadline)
        buf = b""
        for _ in range(n):
            s.sendall(make_string(seed, sent, length) + b"\n")
            sent += 1
            while b"OK\n" not in buf:
                chunk = s.recv(4096)
                if not chunk:
                    raise SystemExit(f"client: connection closed after {acked} acks")
                buf += chunk
            pre, _, buf = buf.partition(b"OK\n")
            extra += pre
            acked += 1
        s.shutdown(socket.SHUT_WR)
        # drain until the server closes its side, so the next connection only
        # starts once the server is back in accept()
        while True:
            chunk = s.recv(4096)
            if not chunk:
                break
            extra += chunk
        s.close()
    if extra:
        sys.stderr.write("client: extra data from server: %r\n" % extra[:200])
    print(f"sent={sent} acked={acked} extra={len(extra)}")
    return 0 if acked == count else 1


def sink(portfile: str, outfile: str) -> int:
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 0))
    srv.listen(4)
    srv.settimeout(900)
    tmp = portfile + ".tmp"
    with open(tmp, "w") as fh:
        fh.write(str(srv.getsockname()[1]))
    os.rename(tmp, portfile)
    with open(outfile, "ab") as out:
        while True:
            try:
                conn, _ = srv.accept()
            except socket.timeout:
                return 0
            conn.settimeout(60)
            try:
                while True:
                    chunk = conn.recv(65536)
                    if not chunk:
                        break
                    out.write(chunk)
                    out.flush()
            except socket.timeout:
                pass
            conn.close()


def freeport() -> int:
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    print(s.getsockname()[1])
    s.close()
    return 0


def main(argv):
    if len(argv) >= 1 and argv[0] == "send" and len(argv) in (5, 6):
        seed = int(argv[5]) if len(argv) == 6 else 0
        return send(int(argv[1]), int(argv[2]), int(argv[3]), int(argv[4]), seed)
    if len(argv) == 3 and argv[0] == "sink":
        return sink(argv[1], argv[2])
    if argv == ["freeport"]:
        return freeport()
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
