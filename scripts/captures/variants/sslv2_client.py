#!/usr/bin/env python3
"""Send an SSLv2-compatible (version 2 record format) ClientHello, as old
embedded stacks and Java 6 did (RFC 5246 appendix E.2), to a real TLS server
and print what it answers.  Stdlib only; it performs no real handshake.

usage: sslv2_client.py HOST PORT VERSION_HEX      e.g. 10.0.0.5 5061 0301
"""
import socket
import sys

# 3-byte CIPHER-SPECs: TLS suites are 0x00 + the 2-byte TLS code.
TLS_SUITES = [
    0x009C,  # TLS_RSA_WITH_AES_128_GCM_SHA256
    0x002F,  # TLS_RSA_WITH_AES_128_CBC_SHA
    0x0035,  # TLS_RSA_WITH_AES_256_CBC_SHA
    0x000A,  # TLS_RSA_WITH_3DES_EDE_CBC_SHA
    0x0005,  # TLS_RSA_WITH_RC4_128_SHA
    0x00FF,  # TLS_EMPTY_RENEGOTIATION_INFO_SCSV
]
SSL2_SUITES = [0x010080, 0x0700C0]  # SSL_CK_RC4_128_WITH_MD5, SSL_CK_DES_192_EDE3_CBC_WITH_MD5


def hello(version: int) -> bytes:
    specs = b"".join(s.to_bytes(3, "big") for s in TLS_SUITES + SSL2_SUITES)
    # Fixed challenge so the fixture is reproducible byte for byte.
    challenge = bytes(range(0x10, 0x30))
    body = (bytes([1]) + version.to_bytes(2, "big") + len(specs).to_bytes(2, "big")
            + (0).to_bytes(2, "big") + len(challenge).to_bytes(2, "big") + specs + challenge)
    # 2-byte record header, high bit set: no padding.
    return (0x8000 | len(body)).to_bytes(2, "big") + body


def main() -> int:
    host, port, version = sys.argv[1], int(sys.argv[2]), int(sys.argv[3], 16)
    s = socket.create_connection((host, port), timeout=3)
    s.sendall(hello(version))
    got = b""
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            got += chunk
            s.settimeout(0.5)  # got an answer: take the rest of the flight, then give up
            if len(got) > 8192:
                break
    except socket.timeout:
        pass
    print(f"server answered {len(got)} bytes: {got[:16].hex()}")
    s.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
