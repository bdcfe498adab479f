#!/usr/bin/env python3
"""A TCP server that reads one TLS ClientHello and then aborts the connection
with an RST (SO_LINGER 0), sending no TLS alert -- what a TLS terminator
that dislikes the hello (or a middlebox) does.  Stdlib only.

usage: reset_server.py ADDR PORT
"""
import socket
import struct
import sys


def main() -> int:
    addr, port = sys.argv[1], int(sys.argv[2])
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((addr, port))
    srv.listen(1)
    print("listening", flush=True)
    conn, _ = srv.accept()
    conn.settimeout(5)
    buf = b""
    # Read the whole first TLS record (the ClientHello): 5-byte header + length.
    while len(buf) < 5 or len(buf) < 5 + struct.unpack("!H", buf[3:5])[0]:
        chunk = conn.recv(65536)
        if not chunk:
            break
        buf += chunk
    print(f"read {len(buf)} bytes, resetting", flush=True)
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    conn.close()
    srv.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
