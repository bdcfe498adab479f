#!/usr/bin/env python3
"""Generates hostile flood captures (classic pcap, Ethernet) for scripts/flood-check.sh.

  syn_flood.pcap          1,000,000 SYNs from distinct sources to 10.0.0.5:443, never answered
  hello_flood.pcap        50,000 connections: handshake, a real-looking ClientHello, then silence
  garbage_stream.pcap     one connection: a ClientHello, then 16 MB of random bytes from the client
  malformed_records.pcap  one connection: a ClientHello, then 16 MB of tiny well-framed handshake
                          records whose messages do not parse (one malformed message per 10 bytes)
  ooo_segments.pcap       one connection: a ClientHello sent as 20,000 one-byte segments in reverse
                          order, plus 20,000 more shuffled, then a server reply

Usage: scripts/make-floods.py [OUTDIR] [--scale F]   (default OUTDIR fuzz/out/floods, git-ignored;
--scale 0.02 makes small versions of everything). Deterministic: the same bytes every run.

scripts/make-floods.py --summarize [EXPECT...] reads `tlsdiag analyze --format json` from stdin as it
streams (one connection per line), prints connections, outcomes and anomaly kinds, and exits 1 unless
every expectation holds: min_connections=N, finished_by_limit (connection_limit anomalies present and
equal to the input's connections_finished_by_limit), or an anomaly kind that must appear.
"""
import collections, json, os, random, struct, sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CLIENT_MAC = bytes.fromhex("0022ee090045")
SERVER_MAC = bytes.fromhex("020000000005")
SERVER = (bytes([10, 0, 0, 5]), 443)
T0 = 1_795_000_000  # 2026-11-18


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


class Writer:
    def __init__(self, path):
        self.f = open(path, "wb", buffering=1 << 20)
        self.f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        self.frames = 0

    def tcp(self, t, src, sport, dst, dport, seq, ack, flags, payload=b"", smac=CLIENT_MAC, dmac=SERVER_MAC):
        tcp = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF, 5 << 4, flags, 64240, 0, 0)
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp) + len(payload), self.frames & 0xFFFF, 0x4000, 64, 6, 0, src, dst)
        ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
        frame = dmac + smac + b"\x08\x00" + ip + tcp + payload
        sec = int(t)
        self.f.write(struct.pack("<IIII", sec, int((t - sec) * 1e6), len(frame), len(frame)))
        self.f.write(frame)
        self.frames += 1

    def close(self):
        self.f.close()


SYN, ACK, PSH, FIN, RST = 0x02, 0x10, 0x08, 0x01, 0x04


def client_hello(sni=b"sip.example.com", rnd=b"\x11" * 32):
    suites = bytes.fromhex("c02fc030c02bc02c009e009fc013c014009c009d002f0035")
    ext_sni = struct.pack("!HHHBH", 0, len(sni) + 5, len(sni) + 3, 0, len(sni)) + sni
    ext_groups = bytes.fromhex("000a00080006001d00170018")
    ext_sigalgs = bytes.fromhex("000d000a00080403040105030501")
    exts = ext_sni + ext_groups + ext_sigalgs
    body = b"\x03\x03" + rnd + b"\x00" + struct.pack("!H", len(suites)) + suites + b"\x01\x00" + struct.pack("!H", len(exts)) + exts
    hs = b"\x01" + len(body).to_bytes(3, "big") + body
    return b"\x16\x03\x01" + struct.pack("!H", len(hs)) + hs


def handshake_start(w, t, cip, cport, isn=1000, sisn=5000):
    w.tcp(t, cip, cport, SERVER[0], SERVER[1], isn, 0, SYN)
    w.tcp(t + 0.0001, SERVER[0], SERVER[1], cip, cport, sisn, isn + 1, SYN | ACK, smac=SERVER_MAC, dmac=CLIENT_MAC)
    w.tcp(t + 0.0002, cip, cport, SERVER[0], SERVER[1], isn + 1, sisn + 1, ACK)


def syn_flood(path, n):
    w = Writer(path)
    for i in range(n):
        src = bytes([10, 64 + (i >> 16) % 128, (i >> 8) & 0xFF, i & 0xFF])
        w.tcp(T0 + i / 10_000, src, 1024 + (i * 7919) % 60000, SERVER[0], SERVER[1], i * 2654435761, 0, SYN)
    w.close()


def hello_flood(path, n):
    w = Writer(path)
    ch = client_hello()
    for i in range(n):
        cip = bytes([10, 1 + (i >> 16), (i >> 8) & 0xFF, i & 0xFF])
        t = T0 + i / 1_000
        handshake_start(w, t, cip, 40000 + i % 20000)
        w.tcp(t + 0.0003, cip, 40000 + i % 20000, SERVER[0], SERVER[1], 1001, 5001, PSH | ACK, ch)
    w.close()


def one_connection_stream(path, stream, seg=1448):
    w = Writer(path)
    cip, cport = bytes([10, 0, 0, 20]), 50712
    handshake_start(w, T0, cip, cport)
    ch = client_hello()
    w.tcp(T0 + 0.001, cip, cport, SERVER[0], SERVER[1], 1001, 5001, PSH | ACK, ch)
    seq = 1001 + len(ch)
    t = T0 + 0.002
    for off in range(0, len(stream), seg):
        chunk = stream[off:off + seg]
        w.tcp(t, cip, cport, SERVER[0], SERVER[1], seq, 5001, ACK, chunk)
        seq += len(chunk)
        t += 0.00002
    w.tcp(t, cip, cport, SERVER[0], SERVER[1], seq, 5001, FIN | ACK)
    w.close()


def garbage_stream(path, size):
    rng = random.Random(6)
    one_connection_stream(path, rng.randbytes(size))


def malformed_records(path, size):
    # Each: a 9-byte handshake record holding a 4-byte ClientHello header claiming 1 byte, then a 0x00:
    # well framed, never parseable. 10 bytes per malformed message.
    rec = b"\x16\x03\x03\x00\x05" + b"\x01\x00\x00\x01\x00"
    one_connection_stream(path, rec * (size // len(rec)))


def ooo_segments(path, n):
    w = Writer(path)
    cip, cport = bytes([10, 0, 0, 21]), 50713
    handshake_start(w, T0, cip, cport)
    data = client_hello() + bytes(max(0, n - len(client_hello())))
    rng = random.Random(7)
    t = T0 + 0.001
    # First half of the bytes, one per segment, last byte first.
    half = len(data) // 2
    for i in reversed(range(half)):
        w.tcp(t, cip, cport, SERVER[0], SERVER[1], 1001 + i, 5001, ACK, data[i:i + 1])
        t += 0.000001
    # Second half shuffled.
    idx = list(range(half, len(data)))
    rng.shuffle(idx)
    for i in idx:
        w.tcp(t, cip, cport, SERVER[0], SERVER[1], 1001 + i, 5001, ACK, data[i:i + 1])
        t += 0.000001
    w.tcp(t, SERVER[0], SERVER[1], cip, cport, 5001, 1001 + len(data), ACK | RST, smac=SERVER_MAC, dmac=CLIENT_MAC)
    w.close()


def summarize(expect):
    conns, outcomes, kinds, inputs = 0, collections.Counter(), collections.Counter(), None
    for line in sys.stdin:
        line = line.strip()
        if line.startswith('{"id"'):
            c = json.loads(line.rstrip(","))
            conns += 1
            outcomes[c["outcome"]] += 1
            for a in c.get("anomalies", []):
                kinds[a["kind"]] += 1
        elif line.startswith('],"inputs"'):
            inputs = json.loads('{"c":[' + line)["inputs"][0]
    limited = inputs["packets"]["connections_finished_by_limit"] if inputs else None
    print(f"   connections {conns}, outcomes {dict(outcomes.most_common(4))}")
    print(f"   anomalies {dict(kinds.most_common(8))}; connections_finished_by_limit {limited}")
    bad = []
    for e in expect:
        if e.startswith("min_connections="):
            if conns < int(e.split("=")[1]):
                bad.append(f"only {conns} connections reported")
        elif e == "finished_by_limit":
            if not limited or kinds["connection_limit"] != limited:
                bad.append(f"{kinds['connection_limit']} connection_limit anomalies, counter says {limited}")
        elif kinds[e] == 0:
            bad.append(f"no {e} anomaly")
    if inputs is None:
        bad.append("no inputs section (report cut short?)")
    for b in bad:
        print("   FAIL:", b)
    return 1 if bad else 0


def main():
    args = sys.argv[1:]
    if args[:1] == ["--summarize"]:
        return summarize(args[1:])
    scale = 1.0
    if "--scale" in args:
        i = args.index("--scale")
        scale = float(args[i + 1])
        del args[i:i + 2]
    out = args[0] if args else os.path.join(ROOT, "fuzz", "out", "floods")
    os.makedirs(out, exist_ok=True)
    jobs = [
        ("syn_flood.pcap", syn_flood, int(1_000_000 * scale)),
        ("hello_flood.pcap", hello_flood, int(50_000 * scale)),
        ("garbage_stream.pcap", garbage_stream, int(16 * 1024 * 1024 * scale)),
        ("malformed_records.pcap", malformed_records, int(16 * 1024 * 1024 * scale)),
        ("ooo_segments.pcap", ooo_segments, max(3_000, int(40_000 * scale))),
    ]
    for name, fn, n in jobs:
        p = os.path.join(out, name)
        fn(p, n)
        print(f"{p}: {os.path.getsize(p) / 1e6:.1f} MB")


if __name__ == "__main__":
    sys.exit(main())
