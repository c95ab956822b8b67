#!/usr/bin/env python3
"""Floods the audit origins (`tlsinspect audit-proxy serve`) with ClientHello-shaped junk, to
measure that they stay bounded: N connections, C at once, each one handshake message of SIZE
bytes split into TLS records, then read until the origin closes. Loopback only.

  usage: scripts/flood-origins.py HOST PORT N C SIZE
  e.g.   tlsinspect audit-proxy serve --listen 127.0.0.1:19443 --http-port 19080 --duration 120 &
         scripts/flood-origins.py 127.0.0.1 19443 5000 200 15000
         grep -E 'VmRSS|VmHWM' /proc/$!/status
"""
import ipaddress
import os
import socket
import struct
import sys
import threading
import time

host, port, total, at_once, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
if not ipaddress.ip_address(host).is_loopback:
    sys.exit("loopback addresses only")
message = b"\x01" + struct.pack(">I", size)[1:] + os.urandom(size)
records = b"".join(
    b"\x16\x03\x01" + struct.pack(">H", len(message[at:at + 16384])) + message[at:at + 16384]
    for at in range(0, len(message), 16384)
)
left = [total]
lock = threading.Lock()


def worker():
    while True:
        with lock:
            if left[0] == 0:
                return
            left[0] -= 1
        try:
            with socket.create_connection((host, port), timeout=15) as conn:
                conn.sendall(records)
                while conn.recv(4096):
                    pass
        except OSError:
            pass


started = time.time()
threads = [threading.Thread(target=worker) for _ in range(at_once)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print(f"{total} connections in {time.time() - started:.1f}s")
