#!/usr/bin/env python3
"""Regenerates the fuzzers' seed corpora in fuzz/corpus/<Fuzzer>/ from the committed fixtures.

  captures                         the small captures/*.pcap(ng) files, whole (seeds of both
                                   FuzzCaptureReader and FuzzPipeline)
  FuzzPacketDecoder                single frames of every link type: [link selector][0 0][frame]
  FuzzTLSStream                    each direction's TCP stream (tshark 'follow,tcp,raw'), whole and
                                   split at record boundaries, and every handshake message body
  FuzzTCPStream                    the TCP segments of the small Ethernet/IPv4 captures, as
                                   [flags][conn][seq][ack][len][cut][payload] records
  FuzzCertificate                  DER of every certificate in captures/pki, alone and as chains

Run from anywhere: python3 fuzz/make-seeds.py (needs tshark and openssl). Seeds are small (< 8 KB
each); libFuzzer writes what it finds to fuzz/out/, which git ignores.
"""
import hashlib, os, struct, subprocess, sys, zlib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CAPTURES = os.path.join(ROOT, "captures")
OUT = os.path.join(ROOT, "fuzz", "corpus")
WHOLE_FILE_LIMIT = 8 * 1024
BODIES_PER_TYPE = 6

# Must match the selector table in Fuzz/Sources/FuzzPacketDecoder/main.swift.
LINK_SELECTOR = {0: 0, 1: 1, 12: 2, 14: 3, 101: 4, 108: 5, 113: 6, 228: 7, 229: 8, 276: 9}


def put(fuzzer, data, tag):
    d = os.path.join(OUT, fuzzer)
    os.makedirs(d, exist_ok=True)
    name = f"{tag}-{hashlib.sha1(data).hexdigest()[:12]}"
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def classic_pcap_frames(path):
    with open(path, "rb") as f:
        b = f.read()
    if len(b) < 24:
        return None, []
    magic = b[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        e = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        e = ">"
    else:
        return None, []
    link = struct.unpack(e + "I", b[20:24])[0] & 0x0FFFFFFF
    frames, off = [], 24
    while off + 16 <= len(b):
        _, _, incl, orig = struct.unpack(e + "IIII", b[off:off + 16])
        frames.append((b[off + 16:off + 16 + incl], orig))
        off += 16 + incl
    return link, frames


def tcp_segments(link, frames):
    """The FuzzTCPStream encoding of an Ethernet/IPv4 capture's TCP segments (None if it has others)."""
    if link != 1:
        return None
    out, client, conns = bytearray(), None, {}
    for frame, orig in frames:
        if len(frame) < 54 or frame[12:14] != b"\x08\x00" or frame[23] != 6:
            continue
        ihl = (frame[14] & 0x0F) * 4
        total = struct.unpack(">H", frame[16:18])[0]
        t = 14 + ihl
        if len(frame) < t + 20:
            continue
        src = (frame[26:30], frame[t:t + 2])
        dst = (frame[30:34], frame[t + 2:t + 4])
        key = frozenset([src, dst])
        if key not in conns:
            conns[key] = (len(conns) & 3, src)
        idx, first = conns[key]
        off = (frame[t + 12] >> 4) * 4
        payload = frame[t + off:14 + total]
        cut = max(0, min(255, (14 + total) - len(frame)))
        flags = frame[t + 13] & 0x3F
        if src != first:
            flags |= 0x40
        out += bytes([flags, idx]) + frame[t + 4:t + 12] + struct.pack(">HB", len(payload), cut) + payload
    return bytes(out) if out else None


def tcp_streams(path):
    """[(client_bytes, server_bytes)] per TCP stream, via tshark's reassembly."""
    out = []
    for n in range(8):
        r = subprocess.run(["tshark", "-r", path, "-q", "-z", f"follow,tcp,raw,{n}"],
                           capture_output=True, text=True)
        a, b = bytearray(), bytearray()
        for line in r.stdout.splitlines():
            s = line.strip()
            if not s or not all(c in "0123456789abcdef" for c in s):
                continue
            (b if line.startswith("\t") else a).extend(bytes.fromhex(s))
        if not a and not b:
            break
        out.append((bytes(a), bytes(b)))
    return out


def records(stream):
    off = 0
    while off + 5 <= len(stream) and 20 <= stream[off] <= 24 and stream[off + 1] == 3:
        n = struct.unpack(">H", stream[off + 3:off + 5])[0]
        yield off, stream[off], stream[off + 5:off + 5 + n]
        off += 5 + n


def handshake_bodies(stream):
    buf = bytearray()
    for _, t, body in records(stream):
        if t == 22:
            buf.extend(body)
    off = 0
    while off + 4 <= len(buf):
        n = int.from_bytes(buf[off + 1:off + 4], "big")
        if off + 4 + n > len(buf):
            break
        yield buf[off], bytes(buf[off + 4:off + 4 + n])
        off += 4 + n


def main():
    names = sorted(os.listdir(CAPTURES))
    caps = [os.path.join(CAPTURES, n) for n in names if n.endswith((".pcap", ".pcapng"))]
    seen_links = {}
    bodies_per_type = {}
    for path in caps:
        tag = os.path.splitext(os.path.basename(path))[0]
        size = os.path.getsize(path)
        data = open(path, "rb").read()
        if size <= WHOLE_FILE_LIMIT:
            put("captures", data, tag)
        link, frames = classic_pcap_frames(path)
        if link in LINK_SELECTOR and seen_links.get(link, 0) < 40:
            for frame, orig in frames[:12]:
                extra = orig - len(frame)
                hdr = bytes([LINK_SELECTOR[link]]) + struct.pack(">H", 0x8000 | min(extra, 0x7FFF) if extra > 0 else 0)
                put("FuzzPacketDecoder", hdr + frame, f"{tag}-link{link}")
                seen_links[link] = seen_links.get(link, 0) + 1
        if size > WHOLE_FILE_LIMIT:
            continue
        segs = tcp_segments(link, frames)
        if segs:
            put("FuzzTCPStream", segs, tag)
        for i, (a, b) in enumerate(tcp_streams(path)):
            for side, s in (("c", a), ("s", b)):
                if not s:
                    continue
                s = s[:10000]
                put("FuzzTLSStream", bytes([0, 0, 0]) + s, f"{tag}-{i}{side}")
                # The same stream split at every record boundary (drip-fed records), flags: mid-stream start.
                cuts = [off for off, _, _ in records(s)][1:24]
                plan, prev = b"", 0
                for c in cuts:
                    plan += struct.pack(">HB", c - prev, 0)
                    prev = c
                if zlib.crc32(tag.encode()) % 3 == 0 or tag.startswith(("tls13", "sslv2", "midstream", "gap")):
                    put("FuzzTLSStream", bytes([0, 1, len(cuts)]) + plan + s, f"{tag}-{i}{side}-split")
                tls13 = b"\x00\x2b\x00\x02\x03\x04" in s[:600]
                for t, body in handshake_bodies(s):
                    ctx = 2 if tls13 else 1
                    if bodies_per_type.get((t, ctx), 0) >= BODIES_PER_TYPE:
                        continue
                    bodies_per_type[(t, ctx)] = bodies_per_type.get((t, ctx), 0) + 1
                    put("FuzzTLSStream", bytes([0xC0, t, ctx, 0]) + body[:8000], f"{tag}-hs{t}")
    # Certificates.
    pki = os.path.join(CAPTURES, "pki")
    for n in sorted(os.listdir(pki)):
        if not n.endswith(".pem"):
            continue
        pem = open(os.path.join(pki, n)).read()
        ders = []
        for block in pem.split("-----END CERTIFICATE-----"):
            if "-----BEGIN CERTIFICATE-----" not in block:
                continue
            r = subprocess.run(["openssl", "x509", "-outform", "DER"], input=(block + "-----END CERTIFICATE-----\n").encode(),
                               capture_output=True)
            if r.returncode == 0:
                ders.append(r.stdout)
        for d in ders:
            put("FuzzCertificate", b"\x01" + d, os.path.splitext(n)[0])
        if len(ders) > 1:
            framed = b"".join(len(d).to_bytes(3, "big") + d for d in ders)
            put("FuzzCertificate", b"\x00" + framed, os.path.splitext(n)[0] + "-chain")
            put("FuzzCertificate", b"\x02" + framed, os.path.splitext(n)[0] + "-chain-client")
    for f in sorted(os.listdir(OUT)):
        print(f, len(os.listdir(os.path.join(OUT, f))), "seeds")


if __name__ == "__main__":
    sys.exit(main())
