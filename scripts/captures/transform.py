#!/usr/bin/env python3
"""Rewrite a real pcap the way a mirror port, a capture tool or a network path would.

Stdlib only, deterministic (same input and arguments give the same bytes), classic pcap
in and out (microsecond 0xa1b2c3d4 or nanosecond 0xa1b23c4d magic, either byte order).
Timestamps stay non-decreasing; frames inserted get the time of the frame before them.
IPv4 header checksums are recomputed whenever an IPv4 header changes; a TCP checksum is
computed for every TCP segment this script creates (it leaves others as captured).

usage: transform.py OP IN OUT [options]       (transform.py -h lists the ops)

  vlan          insert 802.1Q / 802.1ad tags after the MAC addresses of every frame
  linktype      Ethernet -> DLT_NULL (BSD loopback, 4-byte AF header) or LINKTYPE_RAW (101)
  nanosec       rewrite as a nanosecond-resolution pcap (magic 0xa1b23c4d)
  ipv4-options  insert an IPv4 timestamp option (IHL 8) into every IPv4 header
  ipv6-exthdr   insert hop-by-hop and destination-options headers into every IPv6 packet
  fragment      split the IPv4 packet carrying the ClientHello into IP fragments
  gap           remove one server segment from the middle of the Certificate message
  reorder       swap server-flight segments and add retransmissions (exact and overlapping)
  one-sided     keep only the frames sent by the client or by the server
  midstream     drop the frames before the ClientHello (or before the first application data)
  info          print what the analysis helpers see (segments, flights, messages)
"""
import argparse
import struct
import sys

# ----------------------------------------------------------------------------- pcap I/O

LINKTYPE_NULL = 0
LINKTYPE_ETHERNET = 1
LINKTYPE_RAW = 101


class Record:
    __slots__ = ("ts", "data", "orig_len")

    def __init__(self, ts: int, data: bytes, orig_len: int):
        self.ts = ts            # nanoseconds since the epoch
        self.data = data        # captured bytes
        self.orig_len = orig_len

    def copy(self, **kw) -> "Record":
        r = Record(self.ts, self.data, self.orig_len)
        for k, v in kw.items():
            setattr(r, k, v)
        return r


class Pcap:
    def __init__(self, endian: str, nano: bool, version: tuple, thiszone: int, sigfigs: int,
                 snaplen: int, linktype: int, records: list):
        self.endian = endian
        self.nano = nano
        self.version = version
        self.thiszone = thiszone
        self.sigfigs = sigfigs
        self.snaplen = snaplen
        self.linktype = linktype
        self.records = records


def read_pcap(path: str) -> Pcap:
    with open(path, "rb") as f:
        buf = f.read()
    if len(buf) < 24:
        sys.exit(f"{path}: too short for a pcap header")
    magic_le = struct.unpack("<I", buf[:4])[0]
    table = {0xA1B2C3D4: ("<", False), 0xA1B23C4D: ("<", True)}
    if magic_le in table:
        endian, nano = table[magic_le]
    else:
        magic_be = struct.unpack(">I", buf[:4])[0]
        if magic_be == 0xA1B2C3D4:
            endian, nano = ">", False
        elif magic_be == 0xA1B23C4D:
            endian, nano = ">", True
        else:
            sys.exit(f"{path}: not a classic pcap file (magic {buf[:4].hex()}); convert pcapng with editcap -F pcap")
    vmaj, vmin, thiszone, sigfigs, snaplen, linktype = struct.unpack(endian + "HHiIII", buf[4:24])
    off = 24
    recs = []
    while off + 16 <= len(buf):
        sec, frac, incl, orig = struct.unpack(endian + "IIII", buf[off:off + 16])
        off += 16
        if off + incl > len(buf):
            sys.exit(f"{path}: record {len(recs) + 1} runs past the end of the file")
        ts = sec * 1_000_000_000 + (frac if nano else frac * 1000)
        recs.append(Record(ts, buf[off:off + incl], orig))
        off += incl
    return Pcap(endian, nano, (vmaj, vmin), thiszone, sigfigs, snaplen, linktype & 0x0FFFFFFF, recs)


def write_pcap(p: Pcap, path: str) -> None:
    e = p.endian
    out = bytearray()
    magic = 0xA1B23C4D if p.nano else 0xA1B2C3D4
    out += struct.pack(e + "IHHiIII", magic, p.version[0], p.version[1], p.thiszone, p.sigfigs,
                       p.snaplen, p.linktype)
    last = 0
    for r in p.records:
        ts = max(r.ts, last)    # never go back in time
        last = ts
        sec, ns = divmod(ts, 1_000_000_000)
        frac = ns if p.nano else ns // 1000
        out += struct.pack(e + "IIII", sec, frac, len(r.data), max(r.orig_len, len(r.data)))
        out += r.data
    with open(path, "wb") as f:
        f.write(out)


# ----------------------------------------------------------------------------- checksums

def csum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def ipv4_header_fix(hdr: bytearray) -> bytearray:
    hdr[10:12] = b"\0\0"
    hdr[10:12] = struct.pack("!H", csum(bytes(hdr)))
    return hdr


def tcp_checksum_v4(src: bytes, dst: bytes, seg: bytes) -> int:
    pseudo = src + dst + struct.pack("!BBH", 0, 6, len(seg))
    return csum(pseudo + seg)


def tcp_checksum_v6(src: bytes, dst: bytes, seg: bytes) -> int:
    pseudo = src + dst + struct.pack("!IxxxB", len(seg), 6)
    return csum(pseudo + seg)


# ----------------------------------------------------------------------------- packet parsing

class Pkt:
    """Offsets into an Ethernet frame carrying IPv4/IPv6 + TCP (fields None when absent)."""

    def __init__(self, data: bytes, linktype: int = LINKTYPE_ETHERNET):
        self.data = data
        self.l3 = None
        self.ipver = None
        self.ip_hlen = None
        self.proto = None
        self.src = self.dst = None
        self.l4 = None
        self.ip_end = None
        self.frag = False
        self.sport = self.dport = self.seq = self.ack = self.flags = None
        self.payload_off = None
        self.payload_len = 0
        if linktype == LINKTYPE_ETHERNET:
            if len(data) < 14:
                return
            et = struct.unpack("!H", data[12:14])[0]
            off = 14
            while et in (0x8100, 0x88A8, 0x9100) and len(data) >= off + 4:
                et = struct.unpack("!H", data[off + 2:off + 4])[0]
                off += 4
        elif linktype == LINKTYPE_RAW:
            off = 0
            et = 0x0800 if data and data[0] >> 4 == 4 else 0x86DD
        else:
            return
        self.l3 = off
        if et == 0x0800 and len(data) >= off + 20:
            self.ipver = 4
            self.ip_hlen = (data[off] & 0x0F) * 4
            tot = struct.unpack("!H", data[off + 2:off + 4])[0]
            self.ip_end = off + tot
            fo = struct.unpack("!H", data[off + 6:off + 8])[0]
            self.frag = bool(fo & 0x2000) or (fo & 0x1FFF) != 0
            self.proto = data[off + 9]
            self.src, self.dst = data[off + 12:off + 16], data[off + 16:off + 20]
            self.l4 = off + self.ip_hlen
        elif et == 0x86DD and len(data) >= off + 40:
            self.ipver = 6
            self.ip_hlen = 40
            plen = struct.unpack("!H", data[off + 4:off + 6])[0]
            self.ip_end = off + 40 + plen
            nh = data[off + 6]
            self.src, self.dst = data[off + 8:off + 24], data[off + 24:off + 40]
            p = off + 40
            while nh in (0, 43, 60) and len(data) >= p + 8:
                nh, p = data[p], p + (data[p + 1] + 1) * 8
            self.proto = nh
            self.l4 = p
        else:
            return
        if self.proto == 6 and not self.frag and len(data) >= self.l4 + 20:
            t = self.l4
            self.sport, self.dport, self.seq, self.ack = struct.unpack("!HHII", data[t:t + 12])
            doff = (data[t + 12] >> 4) * 4
            self.flags = data[t + 13]
            self.payload_off = t + doff
            self.payload_len = max(0, self.ip_end - self.payload_off)

    @property
    def is_tcp(self) -> bool:
        return self.sport is not None

    def endpoint_src(self):
        return (self.src, self.sport)

    def payload(self) -> bytes:
        return self.data[self.payload_off:self.payload_off + self.payload_len]


def ip_str(b: bytes) -> str:
    if b is None:
        return "-"
    if len(b) == 4:
        return ".".join(str(x) for x in b)
    return ":".join(b[i:i + 2].hex() for i in range(0, 16, 2))


# ----------------------------------------------------------------------------- TCP/TLS analysis

class Conn:
    """The first TCP connection that carries a TLS ClientHello, seen from the capture."""

    def __init__(self, cap: Pcap):
        self.cap = cap
        self.pkts = [Pkt(r.data, cap.linktype) for r in cap.records]
        self.client = self.server = None
        for i, p in enumerate(self.pkts):
            if p.is_tcp and p.payload_len >= 6:
                pl = p.payload()
                if pl[0] == 0x16 and pl[1] == 3 and pl[5] == 1:
                    self.client = (p.src, p.sport)
                    self.server = (p.dst, p.dport)
                    self.hello_index = i
                    break
        if self.client is None:
            sys.exit("no TCP segment starting with a TLS ClientHello in the input")

    def direction(self, i: int):
        p = self.pkts[i]
        if not p.is_tcp:
            return None
        if (p.src, p.sport) == self.client and (p.dst, p.dport) == self.server:
            return "c2s"
        if (p.src, p.sport) == self.server and (p.dst, p.dport) == self.client:
            return "s2c"
        return None

    def data_segments(self, d: str):
        """Indices of first-seen data segments in direction d, in capture order."""
        seen = set()
        out = []
        for i, p in enumerate(self.pkts):
            if self.direction(i) == d and p.payload_len > 0 and p.seq not in seen:
                seen.add(p.seq)
                out.append(i)
        return out

    def stream(self, d: str):
        """(isn_of_first_data_byte, bytes) of direction d, assembled by sequence number."""
        segs = self.data_segments(d)
        if not segs:
            return None, b""
        base = min(self.pkts[i].seq for i in segs)  # no wrap in these short fixtures
        buf = bytearray()
        for i in sorted(segs, key=lambda j: self.pkts[j].seq):
            p = self.pkts[i]
            o = p.seq - base
            if o > len(buf):
                break  # a hole: the stream ends at the first gap
            pl = p.payload()
            if o + len(pl) > len(buf):
                buf[o:] = pl
        return base, bytes(buf)

    def tls_messages(self, d: str):
        """[(content_type, hs_type or None, start_off, end_off)] in stream offsets, handshake
        messages reassembled across records (end_off exclusive, record headers inside)."""
        _, s = self.stream(d)
        msgs = []
        hs = bytearray()
        hs_map = []  # stream offset of every handshake byte
        off = 0
        encrypted = False  # after ChangeCipherSpec, handshake records are ciphertext
        while off + 5 <= len(s):
            ct, ln = s[off], struct.unpack("!H", s[off + 3:off + 5])[0]
            body = off + 5
            if ct == 20:
                encrypted = True
            if ct == 22 and not encrypted:
                for k in range(ln):
                    hs_map.append(body + k)
                hs += s[body:body + ln]
            else:
                msgs.append((ct, None, off, min(body + ln, len(s))))
            off = body + ln
        h = 0
        while h + 4 <= len(hs):
            t, ln = hs[h], int.from_bytes(hs[h + 1:h + 4], "big")
            end = min(h + 4 + ln, len(hs))
            msgs.append((22, t, hs_map[h], hs_map[end - 1] + 1))
            h += 4 + ln
        msgs.sort(key=lambda m: m[2])
        return msgs

    def seg_range(self, i: int, d: str):
        base, _ = self.stream(d)
        p = self.pkts[i]
        return p.seq - base, p.seq - base + p.payload_len


# ----------------------------------------------------------------------------- building segments

def build_tcp_copy(rec: Record, p: Pkt, seq: int, payload: bytes) -> bytes:
    """A copy of TCP segment p with another sequence number and payload; lengths and checksums fixed."""
    d = bytearray(rec.data[:p.payload_off])
    t = p.l4
    d[t + 4:t + 8] = struct.pack("!I", seq)
    d += payload
    if p.ipver == 4:
        d[p.l3 + 2:p.l3 + 4] = struct.pack("!H", len(d) - p.l3)
        hdr = ipv4_header_fix(bytearray(d[p.l3:p.l3 + p.ip_hlen]))
        d[p.l3:p.l3 + p.ip_hlen] = hdr
    else:
        d[p.l3 + 4:p.l3 + 6] = struct.pack("!H", len(d) - p.l3 - 40)
    d[t + 16:t + 18] = b"\0\0"
    seg = bytes(d[t:])
    c = tcp_checksum_v4(p.src, p.dst, seg) if p.ipver == 4 else tcp_checksum_v6(p.src, p.dst, seg)
    d[t + 16:t + 18] = struct.pack("!H", c)
    return bytes(d)


def insert_after(recs: list, idx: int, new: Record) -> None:
    """Insert new after recs[idx], at the time of recs[idx] plus 1 us when that stays before the next."""
    ts = recs[idx].ts
    nxt = recs[idx + 1].ts if idx + 1 < len(recs) else None
    new.ts = ts + 1000 if nxt is None or ts + 1000 <= nxt else ts
    recs.insert(idx + 1, new)


def swap_keep_time(recs: list, a: int, b: int) -> None:
    """Swap the packets at a and b; the timestamps stay in place (arrival order changed)."""
    ta, tb = recs[a].ts, recs[b].ts
    recs[a], recs[b] = recs[b], recs[a]
    recs[a].ts, recs[b].ts = ta, tb


# ----------------------------------------------------------------------------- ops

def op_vlan(cap: Pcap, a) -> list:
    if cap.linktype != LINKTYPE_ETHERNET:
        sys.exit("vlan: input must be Ethernet")
    tags = b""
    for spec in a.tag:  # TPID:VID[:PCP], outermost first
        parts = [int(x, 0) for x in spec.split(":")]
        tpid, vid, pcp = parts[0], parts[1], parts[2] if len(parts) > 2 else 0
        tags += struct.pack("!HH", tpid, (pcp << 13) | vid)
    for r in cap.records:
        r.data = r.data[:12] + tags + r.data[12:]
        r.orig_len += len(tags)
    cap.snaplen += len(tags)
    return [f"{len(tags) // 4} tag(s) {' '.join(a.tag)} after the MACs of {len(cap.records)} frames"]


def op_linktype(cap: Pcap, a) -> list:
    if cap.linktype != LINKTYPE_ETHERNET:
        sys.exit("linktype: input must be Ethernet")
    e = cap.endian
    for r in cap.records:
        et = struct.unpack("!H", r.data[12:14])[0]
        body = r.data[14:]
        if a.to == "null":
            af = {0x0800: 2, 0x86DD: 30}.get(et)  # AF_INET; AF_INET6 as on macOS (30)
            if af is None:
                sys.exit(f"linktype: ethertype 0x{et:04x} has no DLT_NULL family")
            r.data = struct.pack(e + "I", af) + body  # host byte order = the file's byte order
            r.orig_len -= 10
        else:
            if et not in (0x0800, 0x86DD):
                sys.exit(f"linktype: ethertype 0x{et:04x} cannot go into LINKTYPE_RAW")
            r.data = body
            r.orig_len -= 14
    cap.linktype = LINKTYPE_NULL if a.to == "null" else LINKTYPE_RAW
    return [f"link type -> {a.to} ({cap.linktype})"]


def op_nanosec(cap: Pcap, a) -> list:
    if cap.nano:
        sys.exit("nanosec: input is already nanosecond-resolution")
    cap.nano = True
    for r in cap.records:
        r.ts += a.add_ns
    return [f"nanosecond magic 0xa1b23c4d, every timestamp +{a.add_ns} ns below the microsecond"]


def op_ipv4_options(cap: Pcap, a) -> list:
    n = 0
    for r in cap.records:
        p = Pkt(r.data, cap.linktype)
        if p.ipver != 4:
            continue
        # Internet Timestamp option (RFC 791, type 68), timestamps only, two slots filled:
        # ms since midnight UT of the capture time, the second one a millisecond later.
        ms = (r.ts // 1_000_000) % 86_400_000
        opt = struct.pack("!BBBBII", 68, 12, 13, 0, ms, (ms + 1) % 86_400_000)
        hdr = bytearray(r.data[p.l3:p.l3 + p.ip_hlen]) + opt
        if len(hdr) > 60:
            sys.exit("ipv4-options: header would exceed 60 bytes")
        hdr[0] = 0x40 | (len(hdr) // 4)
        tot = struct.unpack("!H", hdr[2:4])[0] + len(opt)
        hdr[2:4] = struct.pack("!H", tot)
        ipv4_header_fix(hdr)
        r.data = r.data[:p.l3] + bytes(hdr) + r.data[p.l3 + p.ip_hlen:]
        r.orig_len += len(opt)
        n += 1
    cap.snaplen += 12
    return [f"12-byte timestamp option (IHL 5 -> 8) in {n} IPv4 headers, header checksums recomputed; "
            "TCP checksums unchanged (the pseudo-header has no options)"]


def op_ipv6_exthdr(cap: Pcap, a) -> list:
    n = 0
    for r in cap.records:
        p = Pkt(r.data, cap.linktype)
        if p.ipver != 6:
            continue
        l3 = p.l3
        first_nh = r.data[l3 + 6]
        # Hop-by-Hop (0) -> Destination Options (60) -> original next header, each 8 bytes with PadN.
        hbh = bytes([60, 0, 1, 4, 0, 0, 0, 0])
        dst = bytes([first_nh, 0, 1, 4, 0, 0, 0, 0])
        hdr = bytearray(r.data[l3:l3 + 40])
        hdr[6] = 0
        plen = struct.unpack("!H", hdr[4:6])[0] + 16
        hdr[4:6] = struct.pack("!H", plen)
        r.data = r.data[:l3] + bytes(hdr) + hbh + dst + r.data[l3 + 40:]
        r.orig_len += 16
        n += 1
    cap.snaplen += 16
    return [f"hop-by-hop + destination-options headers (8 bytes each, PadN) in {n} IPv6 packets; "
            "payload length fixed, TCP checksums unchanged"]


def op_fragment(cap: Pcap, a) -> list:
    c = Conn(cap)
    i = c.hello_index
    r, p = cap.records[i], c.pkts[i]
    if p.ipver != 4:
        sys.exit("fragment: the ClientHello is not in IPv4")
    ip_payload = r.data[p.l4:p.ip_end]
    size = a.size - a.size % 8
    pieces = [ip_payload[k:k + size] for k in range(0, len(ip_payload), size)]
    hdr0 = bytearray(r.data[p.l3:p.l4])
    frames = []
    for k, piece in enumerate(pieces):
        h = bytearray(hdr0)
        more = k < len(pieces) - 1
        h[6:8] = struct.pack("!H", (0x2000 if more else 0) | (k * size // 8))  # DF cleared
        h[2:4] = struct.pack("!H", len(h) + len(piece))
        ipv4_header_fix(h)
        d = r.data[:p.l3] + bytes(h) + piece
        frames.append(Record(r.ts, d, len(d)))
    order = list(range(len(frames)))
    if a.reverse:
        order.reverse()
    cap.records[i:i + 1] = [frames[k] for k in order]
    return [f"frame {i + 1} (ClientHello, {len(ip_payload)} bytes of IP payload) -> {len(frames)} IPv4 "
            f"fragments of <= {size} bytes, same IP ID, DF cleared"
            + (", sent last fragment first" if a.reverse else "")]


def server_flight(c: Conn):
    """The server's first flight: its data segments (capture order) before the client sends
    anything after the ClientHello; and the stream range of the server's Certificate message."""
    msgs = c.tls_messages("s2c")
    cert = next(((s, e) for ct, t, s, e in msgs if ct == 22 and t == 11), None)
    c2s = c.data_segments("c2s")
    until = c2s[1] if len(c2s) > 1 else len(c.pkts)
    segs = [(i,) + c.seg_range(i, "s2c") for i in c.data_segments("s2c") if i < until]
    return segs, cert


def op_gap(cap: Pcap, a) -> list:
    c = Conn(cap)
    segs, cert = server_flight(c)
    if cert is None:
        sys.exit("gap: no server Certificate message (TLS 1.3 or no server flight?)")
    inside = [(i, lo, hi) for i, lo, hi in segs if lo >= cert[0] and hi <= cert[1]]
    if not inside:
        sys.exit(f"gap: no server segment lies wholly inside the Certificate message "
                 f"(stream bytes {cert[0]}..{cert[1]}; segments {[(lo, hi) for _, lo, hi in segs]})")
    i, lo, hi = inside[len(inside) // 2]
    seq = c.pkts[i].seq
    drop = [j for j, p in enumerate(c.pkts) if c.direction(j) == "s2c" and p.seq == seq and p.payload_len]
    for j in reversed(drop):
        del cap.records[j]
    return [f"removed frame(s) {[j + 1 for j in drop]}: server bytes {lo}..{hi} of the stream "
            f"(the Certificate message is {cert[0]}..{cert[1]}); the client's ACKs still cover them"]


def op_reorder(cap: Pcap, a) -> list:
    c = Conn(cap)
    segs, _ = server_flight(c)
    if len(segs) < 2:
        sys.exit("reorder: the server flight has fewer than 2 segments")
    recs = cap.records
    s1, p1 = recs[segs[0][0]], c.pkts[segs[0][0]]
    hello = recs[c.hello_index]
    # 1) the last two segments of the server's first flight arrive swapped
    x, y = segs[-2][0], segs[-1][0]
    rx, ry = recs[x], recs[y]
    swap_keep_time(recs, x, y)
    # 2) exact retransmission of the ClientHello right after it
    hello_dup = hello.copy()
    insert_after(recs, recs.index(hello), hello_dup)
    # 3) exact retransmission of the first server segment after the swapped pair
    s1_dup = s1.copy()
    insert_after(recs, max(recs.index(rx), recs.index(ry)), s1_dup)
    # 4) then an overlapping partial retransmission: middle of segment 1 to middle of segment 2
    _, stream = c.stream("s2c")
    lo1, hi1 = c.seg_range(segs[0][0], "s2c")
    lo2, hi2 = c.seg_range(segs[1][0], "s2c")
    a_off, b_off = (lo1 + hi1) // 2, (lo2 + hi2) // 2
    d = build_tcp_copy(s1, p1, p1.seq - lo1 + a_off, stream[a_off:b_off])
    overlap = Record(0, d, len(d))
    insert_after(recs, recs.index(s1_dup), overlap)
    n = lambda r: recs.index(r) + 1  # final frame numbers
    return [
        f"server flight segments {x + 1} and {y + 1} of the input swapped: now frames {n(ry)} then {n(rx)} "
        f"(timestamps kept in place)",
        f"ClientHello (frame {n(hello)}) retransmitted as an exact copy: frame {n(hello_dup)}",
        f"first server-flight segment (frame {n(s1)}) retransmitted as an exact copy: frame {n(s1_dup)}",
        f"overlapping retransmission of server stream bytes {a_off}..{b_off} (second half of segment 1, "
        f"first half of segment 2; new TCP checksum): frame {n(overlap)}",
    ]


def op_one_sided(cap: Pcap, a) -> list:
    c = Conn(cap)
    keep_src = c.client[0] if a.keep == "client" else c.server[0]
    before = len(cap.records)
    cap.records = [r for r, p in zip(cap.records, c.pkts) if p.src == keep_src]
    return [f"kept the {len(cap.records)} of {before} frames sent by the {a.keep} ({ip_str(keep_src)})"]


def op_midstream(cap: Pcap, a) -> list:
    c = Conn(cap)
    if a.start == "hello":
        start = c.hello_index
        what = "the ClientHello"
    else:
        start = None
        for i, p in enumerate(c.pkts):
            if c.direction(i) and p.payload_len >= 5 and p.payload()[0] == 23 and p.payload()[1] == 3:
                start = i
                break
        if start is None:
            sys.exit("midstream: no segment starting with a TLS application_data record")
        what = "the first segment that starts with application data"
    cap.records = cap.records[start:]
    return [f"dropped frames 1..{start}; the capture starts at {what}"]


def op_info(cap: Pcap, a) -> list:
    c = Conn(cap)
    out = [f"client {ip_str(c.client[0])}:{c.client[1]} server {ip_str(c.server[0])}:{c.server[1]}"]
    for d in ("c2s", "s2c"):
        out.append(f"{d} segments: " + ", ".join(
            f"#{i + 1}:{c.seg_range(i, d)}" for i in c.data_segments(d)))
        out.append(f"{d} messages: " + ", ".join(
            f"{ct}/{t}:{s}..{e}" for ct, t, s, e in c.tls_messages(d)))
    return out


OPS = {
    "vlan": op_vlan, "linktype": op_linktype, "nanosec": op_nanosec,
    "ipv4-options": op_ipv4_options, "ipv6-exthdr": op_ipv6_exthdr, "fragment": op_fragment,
    "gap": op_gap, "reorder": op_reorder, "one-sided": op_one_sided, "midstream": op_midstream,
    "info": op_info,
}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("op", choices=sorted(OPS))
    ap.add_argument("input")
    ap.add_argument("output", nargs="?")
    ap.add_argument("--tag", action="append", default=[], help="vlan: TPID:VID[:PCP], outermost first")
    ap.add_argument("--to", choices=["null", "raw"], help="linktype: target link type")
    ap.add_argument("--add-ns", type=int, default=0, help="nanosec: add this many ns (0..999)")
    ap.add_argument("--size", type=int, default=128, help="fragment: fragment payload size (multiple of 8)")
    ap.add_argument("--reverse", action="store_true", help="fragment: emit the fragments last first")
    ap.add_argument("--keep", choices=["client", "server"], help="one-sided: whose frames to keep")
    ap.add_argument("--start", choices=["hello", "appdata"], default="hello", help="midstream: where to start")
    a = ap.parse_args()
    if a.op == "nanosec" and not 0 <= a.add_ns <= 999:
        ap.error("--add-ns must be 0..999")
    cap = read_pcap(a.input)
    notes = OPS[a.op](cap, a)
    if a.op != "info":
        if not a.output:
            ap.error("OUT is required")
        write_pcap(cap, a.output)
    for n in notes:
        print(n)
    return 0


if __name__ == "__main__":
    sys.exit(main())
