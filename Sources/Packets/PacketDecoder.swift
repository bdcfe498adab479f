import WireCore

/// The TCP view of one frame, pointing into the frame's bytes (valid only during the callback).
public struct TCPSegment {
    public var source: Endpoint
    public var destination: Endpoint
    /// The link-layer facts as raw words (the decoder writes them for every frame): a MAC's 48 bits with
    /// bit 48 set when there is one, a VLAN ID with bit 16 set; 0 when absent. Read them through
    /// `sourceMAC`, `destinationMAC` and `vlanIDs`.
    @usableFromInline var sourceMACWord: UInt64
    @usableFromInline var destinationMACWord: UInt64
    @usableFromInline var outerVLANWord: UInt32
    @usableFromInline var innerVLANWord: UInt32
    public var sequence: UInt32
    public var acknowledgement: UInt32
    public var flags: TCPFlags
    public var window: UInt16
    /// Payload bytes that were captured.
    public var payload: UnsafeRawBufferPointer
    /// Payload bytes that were on the wire but cut by the snaplen (or missing from the frame).
    public var missingPayload: Int
    public var ipTotalLength: Int

    /// An empty segment (no addresses, no payload), to be filled by `PacketDecoder.decode(...into:)`.
    @inlinable
    public init() {
        let none = Endpoint(ip: IPAddress(v4: 0), port: 0)
        source = none; destination = none; sourceMACWord = 0; destinationMACWord = 0
        outerVLANWord = 0; innerVLANWord = 0
        sequence = 0; acknowledgement = 0; flags = []; window = 0
        payload = UnsafeRawBufferPointer(start: nil, count: 0); missingPayload = 0; ipTotalLength = 0
    }

    public var sourceMAC: EthernetAddress? {
        @inlinable get { Self.mac(sourceMACWord) }
        @inlinable set { sourceMACWord = Self.word(newValue) }
    }
    public var destinationMAC: EthernetAddress? {
        @inlinable get { Self.mac(destinationMACWord) }
        @inlinable set { destinationMACWord = Self.word(newValue) }
    }
    public var vlanIDs: (outer: UInt16?, inner: UInt16?) {
        @inlinable get { (Self.vlan(outerVLANWord), Self.vlan(innerVLANWord)) }
        @inlinable set { outerVLANWord = Self.word(newValue.outer); innerVLANWord = Self.word(newValue.inner) }
    }

    /// Whether the frame carried any VLAN tag (cheaper than asking `vlanIDs`).
    @inlinable public var hasVLANIDs: Bool { outerVLANWord | innerVLANWord != 0 }

    @inlinable @inline(__always)
    static func mac(_ w: UInt64) -> EthernetAddress? { w & 1 << 48 != 0 ? EthernetAddress(value: w) : nil }
    @inlinable @inline(__always)
    static func word(_ m: EthernetAddress?) -> UInt64 { m.map { $0.value | 1 << 48 } ?? 0 }
    @inlinable @inline(__always)
    static func vlan(_ w: UInt32) -> UInt16? { w & 1 << 16 != 0 ? UInt16(truncatingIfNeeded: w) : nil }
    @inlinable @inline(__always)
    static func word(_ v: UInt16?) -> UInt32 { v.map { UInt32($0) | 1 << 16 } ?? 0 }
}

public struct TCPFlags: OptionSet, Sendable, Hashable {
    public var rawValue: UInt8
    @inlinable public init(rawValue: UInt8) { self.rawValue = rawValue }
    // Constants the caller's module folds in (a `static let` is a call to its addressor per use, several per segment).
    @inlinable public static var fin: TCPFlags { TCPFlags(rawValue: 0x01) }
    @inlinable public static var syn: TCPFlags { TCPFlags(rawValue: 0x02) }
    @inlinable public static var rst: TCPFlags { TCPFlags(rawValue: 0x04) }
    @inlinable public static var psh: TCPFlags { TCPFlags(rawValue: 0x08) }
    @inlinable public static var ack: TCPFlags { TCPFlags(rawValue: 0x10) }
}

/// What a frame turned out to be, when it is not a TCP segment we can follow.
public enum NonTCPFrame {
    case udp(source: Endpoint, destination: Endpoint, payload: UnsafeRawBufferPointer)
    /// `packet` is the IP packet from its header on (IPv4 only; empty for IPv6), for reassembly.
    case ipFragment(source: IPAddress, destination: IPAddress, protocolNumber: UInt8, packet: UnsafeRawBufferPointer)
    case otherIP(protocolNumber: UInt8)
    case nonIP(etherType: UInt16)
    case malformed(Anomaly.Kind, String)
}

public enum DecodedFrame {
    case tcp(TCPSegment)
    case other(NonTCPFrame)
}

/// Decodes link, IP and TCP headers in place. Total: any byte sequence yields a result, never a trap.
public enum PacketDecoder {
    // Link types as libpcap numbers them; kept here as plain values so Packets does not import Capture.
    public static let dltNull: Int32 = 0, dltEthernet: Int32 = 1, dltRaw: Int32 = 12, dltRawOpenBSD: Int32 = 14
    public static let dltLinkTypeRaw: Int32 = 101, dltLoop: Int32 = 108, dltLinuxSLL: Int32 = 113
    public static let dltIPv4: Int32 = 228, dltIPv6: Int32 = 229, dltLinuxSLL2: Int32 = 276

    // Big-endian loads at `o` from `b`; callers have checked that `o + size` is within the frame.
    // Offsets and lengths on the TCP path are sums of a frame offset and header fields of at most 16
    // bits, far from Int's limits, so they are added with wrapping operators: no overflow check (and
    // no trap path) per field; an absurd caller-supplied `originalLength` wraps instead of trapping.
    @inlinable @inline(__always)
    static func u16(_ b: UnsafeRawPointer, _ o: Int) -> UInt16 {
        UInt16(bigEndian: b.loadUnaligned(fromByteOffset: o, as: UInt16.self))
    }
    @inlinable @inline(__always)
    static func u32(_ b: UnsafeRawPointer, _ o: Int) -> UInt32 {
        UInt32(bigEndian: b.loadUnaligned(fromByteOffset: o, as: UInt32.self))
    }
    @inlinable @inline(__always)
    static func u64(_ b: UnsafeRawPointer, _ o: Int) -> UInt64 {
        UInt64(bigEndian: b.loadUnaligned(fromByteOffset: o, as: UInt64.self))
    }
    @inlinable @inline(__always)
    static func byte(_ b: UnsafeRawPointer, _ o: Int) -> UInt8 { b.load(fromByteOffset: o, as: UInt8.self) }
    @inlinable @inline(__always)
    static func mac(_ b: UnsafeRawPointer, _ o: Int) -> UInt64 {
        1 << 48 | UInt64(u16(b, o)) << 32 | UInt64(u32(b, o &+ 2))
    }

    /// `originalLength` is the frame's length on the wire, to tell snaplen cuts from short packets.
    public static func decode(linkType: Int32, bytes p: UnsafeRawBufferPointer, originalLength: Int) -> DecodedFrame {
        var seg = TCPSegment()
        if let other = decode(linkType: linkType, bytes: p, originalLength: originalLength, into: &seg) { return .other(other) }
        return .tcp(seg)
    }

    /// The packet loop's first try: an Ethernet frame (VLAN tags allowed) carrying a TCP segment in an
    /// unfragmented IPv4 packet, or in an IPv6 packet without extension headers, is decoded into `seg`
    /// (every field, exactly as `decode(linkType:bytes:originalLength:into:)` writes them) and the result
    /// is true. Anything else, well-formed or not, returns false with `seg` unspecified: the caller then
    /// calls `decode`, which handles every frame (this path never decides that a frame is not TCP).
    ///
    /// Why: `decode` goes through three functions and returns a 64-byte optional enum that is copied
    /// twice on its way out; for the ~1 M frames of a gigabyte capture that was ~230 instructions per
    /// frame. One function answering yes or no does the same work in about half of that.
    /// Inlined: the tracker decodes into a local and processes it in the same function.
    @inlinable @inline(__always)
    public static func decodeTCP(linkType: Int32, bytes p: UnsafeRawBufferPointer, originalLength: Int,
                                 into seg: inout TCPSegment) -> Bool {
        let n = p.count
        guard linkType == 1 /* dltEthernet */, n >= 14, let b = p.baseAddress else { return false }
        // Each address as the top six bytes of one eight-byte load (both loads lie within the 14 bytes).
        seg.destinationMACWord = 1 << 48 | u64(b, 0) >> 16
        seg.sourceMACWord = 1 << 48 | u64(b, 6) >> 16
        var outer: UInt32 = 0, inner: UInt32 = 0
        var etherType = u16(b, 12)
        var o = 14
        // VLAN tags as `decode` reads them (the same four tag types, up to 4 deep).
        var depth = 0
        while etherType == 0x8100 || etherType == 0x88a8 || etherType == 0x9100 || etherType == 0x9200 {
            guard depth < 4, n >= o &+ 4 else { return false }
            let vid = u16(b, o) & 0x0fff
            if outer == 0 { outer = 1 << 16 | UInt32(vid) } else if inner == 0 { inner = 1 << 16 | UInt32(vid) }
            etherType = u16(b, o &+ 2)
            o &+= 4
            depth &+= 1
        }
        seg.outerVLANWord = outer
        seg.innerVLANWord = inner
        let wireOriginal = originalLength &- o
        let t: Int          // TCP header offset
        let ipEnd: Int
        let ipTotal: Int
        if etherType == 0x0800 {
            guard n >= o &+ 20 else { return false }
            let vihl = byte(b, o)
            let ihl = Int(vihl & 0x0f) &* 4
            // Version 4, header of at least 20 bytes within the frame, not a fragment, protocol TCP.
            guard vihl >> 4 == 4, ihl >= 20, n >= o &+ ihl, u16(b, o &+ 6) & 0x3fff == 0, byte(b, o &+ 9) == 6 else {
                return false
            }
            let total = Int(u16(b, o &+ 2))
            seg.source.ip = IPAddress(v4: u32(b, o &+ 12))
            seg.destination.ip = IPAddress(v4: u32(b, o &+ 16))
            ipEnd = total >= ihl ? o &+ total : o &+ max(wireOriginal, n)
            ipTotal = total
            t = o &+ ihl
        } else if etherType == 0x86dd {
            // Next header TCP straight after the fixed header (no extension headers to walk).
            guard n >= o &+ 40, byte(b, o) >> 4 == 6, byte(b, o &+ 6) == 6 else { return false }
            let payloadLength = Int(u16(b, o &+ 4))
            seg.source.ip = IPAddress(v6High: u64(b, o &+ 8), v6Low: u64(b, o &+ 16))
            seg.destination.ip = IPAddress(v6High: u64(b, o &+ 24), v6Low: u64(b, o &+ 32))
            ipEnd = payloadLength > 0 ? o &+ 40 &+ payloadLength : o &+ max(wireOriginal, n)
            ipTotal = 40 &+ payloadLength
            t = o &+ 40
        } else {
            return false
        }
        guard n >= t &+ 20 else { return false }
        let dataOffset = Int(byte(b, t &+ 12) >> 4) &* 4
        guard dataOffset >= 20, ipEnd >= t &+ dataOffset else { return false }
        let payloadStart = t &+ dataOffset
        let capturedEnd = min(n, ipEnd)
        seg.payload = UnsafeRawBufferPointer(start: b + min(payloadStart, n), count: max(0, capturedEnd &- payloadStart))
        seg.missingPayload = max(0, ipEnd &- max(capturedEnd, payloadStart))
        seg.source.port = u16(b, t)
        seg.destination.port = u16(b, t &+ 2)
        seg.sequence = u32(b, t &+ 4)
        seg.acknowledgement = u32(b, t &+ 8)
        seg.flags = TCPFlags(rawValue: byte(b, t &+ 13) & 0x3f)
        seg.window = u16(b, t &+ 14)
        seg.ipTotalLength = ipTotal
        return true
    }

    /// `decode` for the packet loop: a TCP segment is written into `segment` (every field) and the result
    /// is nil; any other frame is returned as `decode` would return it, and `segment` is unspecified.
    /// The segment is not built as an enum payload and copied out again (that was most of the cost per frame).
    public static func decode(linkType: Int32, bytes p: UnsafeRawBufferPointer, originalLength: Int,
                              into seg: inout TCPSegment) -> NonTCPFrame? {
        let n = p.count
        // Every read below is preceded by a check that it lies within `n` bytes, so a non-empty frame's
        // base address is all that is needed; an empty frame fails the first check of every link type.
        guard let b = p.baseAddress else {
            switch linkType {
            case dltEthernet: return .malformed(.malformedLinkLayer, "Ethernet frame shorter than 14 bytes")
            case dltLinuxSLL: return .malformed(.malformedLinkLayer, "Linux SLL header shorter than 16 bytes")
            case dltLinuxSLL2: return .malformed(.malformedLinkLayer, "Linux SLL2 header shorter than 20 bytes")
            case dltNull, dltLoop: return .malformed(.malformedLinkLayer, "loopback header shorter than 4 bytes")
            case dltRaw, dltRawOpenBSD, dltLinkTypeRaw, dltIPv4, dltIPv6: return .malformed(.malformedIP, "empty raw IP frame")
            default: return .nonIP(etherType: 0)
            }
        }
        seg.sourceMACWord = 0
        seg.destinationMACWord = 0
        seg.outerVLANWord = 0
        seg.innerVLANWord = 0
        var offset = 0
        var etherType: UInt16 = 0
        switch linkType {
        case dltEthernet:
            guard n >= 14 else { return .malformed(.malformedLinkLayer, "Ethernet frame shorter than 14 bytes") }
            seg.destinationMACWord = mac(b, 0)
            seg.sourceMACWord = mac(b, 6)
            etherType = u16(b, 12)
            offset = 14
            // 802.1Q (0x8100), 802.1ad (0x88a8) and the old QinQ 0x9100/0x9200 tags, up to 4 deep.
            var depth = 0
            while etherType == 0x8100 || etherType == 0x88a8 || etherType == 0x9100 || etherType == 0x9200 {
                guard depth < 4, n >= offset &+ 4 else {
                    return .malformed(.malformedLinkLayer, "VLAN tag cut short or nested too deep")
                }
                let vid = u16(b, offset) & 0x0fff
                if seg.outerVLANWord == 0 { seg.outerVLANWord = 1 << 16 | UInt32(vid) } else if seg.innerVLANWord == 0 { seg.innerVLANWord = 1 << 16 | UInt32(vid) }
                etherType = u16(b, offset &+ 2)
                offset &+= 4
                depth += 1
            }
        case dltLinuxSLL:
            guard n >= 16 else { return .malformed(.malformedLinkLayer, "Linux SLL header shorter than 16 bytes") }
            etherType = u16(b, 14)
            if u16(b, 2) == 1 /* ARPHRD_ETHER */ && u16(b, 4) == 6 { seg.sourceMACWord = mac(b, 6) }
            offset = 16
        case dltLinuxSLL2:
            guard n >= 20 else { return .malformed(.malformedLinkLayer, "Linux SLL2 header shorter than 20 bytes") }
            etherType = u16(b, 0)
            if u16(b, 8) == 1 && byte(b, 11) == 6 { seg.sourceMACWord = mac(b, 12) }
            offset = 20
        case dltNull, dltLoop:
            guard n >= 4 else { return .malformed(.malformedLinkLayer, "loopback header shorter than 4 bytes") }
            // DLT_NULL stores the AF in host byte order of the capturing machine: accept either order.
            let be = u32(b, 0)
            let af = min(be.byteSwapped, be)
            if af == 2 { etherType = 0x0800 } else if af == 10 || af == 24 || af == 28 || af == 30 { etherType = 0x86dd } else {
                return .nonIP(etherType: UInt16(truncatingIfNeeded: af))
            }
            offset = 4
        case dltRaw, dltRawOpenBSD, dltLinkTypeRaw, dltIPv4, dltIPv6:
            // n >= 1: the base address is not nil.
            etherType = byte(b, 0) >> 4 == 6 ? 0x86dd : 0x0800
        default:
            return .nonIP(etherType: 0)
        }
        let wireLinkHeader = offset
        switch etherType {
        case 0x0800:
            return decodeIPv4(p, b, at: offset, originalLength: originalLength &- wireLinkHeader, into: &seg)
        case 0x86dd:
            return decodeIPv6(p, b, at: offset, originalLength: originalLength &- wireLinkHeader, into: &seg)
        default:
            return .nonIP(etherType: etherType)
        }
    }

    @inline(__always)
    static func decodeIPv4(_ p: UnsafeRawBufferPointer, _ b: UnsafeRawPointer, at o: Int, originalLength: Int,
                           into seg: inout TCPSegment) -> NonTCPFrame? {
        let n = p.count
        guard n >= o &+ 20 else { return .malformed(.malformedIP, "IPv4 header cut short") }
        let vihl = byte(b, o)
        guard vihl >> 4 == 4 else { return .malformed(.malformedIP, "IP version \(vihl >> 4) in an IPv4 packet") }
        let ihl = Int(vihl & 0x0f) &* 4
        guard ihl >= 20 else { return .malformed(.malformedIP, "IPv4 header length \(ihl) below 20") }
        guard n >= o &+ ihl else { return .malformed(.malformedIP, "IPv4 options cut short") }
        let total = Int(u16(b, o &+ 2))
        let fragField = u16(b, o &+ 6)
        let proto = byte(b, o &+ 9)
        let s = IPAddress(v4: u32(b, o &+ 12))
        let d = IPAddress(v4: u32(b, o &+ 16))
        // More-fragments set or a non-zero offset: a fragment, handed on whole for IPv4FragmentTable.
        if fragField & 0x3fff != 0 {
            return .ipFragment(source: s, destination: d, protocolNumber: proto,
                               packet: UnsafeRawBufferPointer(rebasing: p[o...]))
        }
        // Total length 0 happens with TCP segmentation offload on the capturing host: trust the frame.
        let ipEnd = total >= ihl ? o &+ total : o &+ max(originalLength, n)
        return decodeTransport(p, b, proto: proto, at: o &+ ihl, ipEnd: ipEnd, s, d, ipTotal: total, into: &seg)
    }

    static func decodeIPv6(_ p: UnsafeRawBufferPointer, _ b: UnsafeRawPointer, at o: Int, originalLength: Int,
                           into seg: inout TCPSegment) -> NonTCPFrame? {
        let n = p.count
        guard n >= o + 40 else { return .malformed(.malformedIP, "IPv6 header cut short") }
        guard byte(b, o) >> 4 == 6 else { return .malformed(.malformedIP, "IP version \(byte(b, o) >> 4) in an IPv6 packet") }
        let payloadLength = Int(u16(b, o + 4))
        var next = byte(b, o + 6)
        let s = IPAddress(v6High: u64(b, o + 8), v6Low: u64(b, o + 16))
        let d = IPAddress(v6High: u64(b, o + 24), v6Low: u64(b, o + 32))
        var off = o + 40
        // Walk extension headers: hop-by-hop 0, routing 43, fragment 44, destination 60, mobility 135, HIP 139, shim6 140.
        var hops = 0
        while hops < 8 {
            switch next {
            case 0, 43, 60, 135, 139, 140:
                guard n >= off + 2 else { return .malformed(.malformedIP, "IPv6 extension header cut short") }
                next = byte(b, off)
                off += (Int(byte(b, off + 1)) + 1) * 8
                hops += 1
            case 44:
                guard n >= off + 8 else { return .malformed(.malformedIP, "IPv6 fragment header cut short") }
                let proto = byte(b, off)
                return .ipFragment(source: s, destination: d, protocolNumber: proto,
                                   packet: UnsafeRawBufferPointer(start: nil, count: 0))
            case 51: // AH: length in 4-byte units minus 2
                guard n >= off + 2 else { return .malformed(.malformedIP, "IPv6 AH header cut short") }
                next = byte(b, off)
                off += (Int(byte(b, off + 1)) + 2) * 4
                hops += 1
            default:
                hops = 8
            }
        }
        let ipEnd = payloadLength > 0 ? o + 40 + payloadLength : o + max(originalLength, n)
        guard off <= ipEnd else { return .malformed(.malformedIP, "IPv6 extension headers run past the packet") }
        return decodeTransport(p, b, proto: next, at: off, ipEnd: ipEnd, s, d, ipTotal: 40 + payloadLength, into: &seg)
    }

    @inline(__always)
    static func decodeTransport(_ p: UnsafeRawBufferPointer, _ b: UnsafeRawPointer, proto: UInt8, at o: Int, ipEnd: Int,
                                _ s: IPAddress, _ d: IPAddress, ipTotal: Int, into seg: inout TCPSegment) -> NonTCPFrame? {
        let n = p.count
        switch proto {
        case 6:
            guard n >= o &+ 20 else {
                return .malformed(.malformedTCP, "TCP header cut short (\(max(0, n - o)) of 20 bytes captured)")
            }
            let dataOffset = Int(byte(b, o &+ 12) >> 4) &* 4
            guard dataOffset >= 20 else { return .malformed(.malformedTCP, "TCP data offset \(dataOffset) below 20") }
            guard ipEnd >= o &+ dataOffset else { return .malformed(.malformedTCP, "TCP header longer than its IP packet") }
            let payloadStart = o &+ dataOffset
            // Ethernet pads short frames to 60 bytes: the IP length, not the frame, says where data ends.
            let capturedEnd = min(n, ipEnd)
            // payloadStart <= ipEnd and o + 20 <= n: the payload starts inside the frame or at its end.
            seg.payload = UnsafeRawBufferPointer(start: b + min(payloadStart, n), count: max(0, capturedEnd &- payloadStart))
            seg.missingPayload = max(0, ipEnd &- max(capturedEnd, payloadStart))
            seg.source = Endpoint(ip: s, port: u16(b, o))
            seg.destination = Endpoint(ip: d, port: u16(b, o &+ 2))
            seg.sequence = u32(b, o &+ 4)
            seg.acknowledgement = u32(b, o &+ 8)
            seg.flags = TCPFlags(rawValue: byte(b, o &+ 13) & 0x3f)
            seg.window = u16(b, o &+ 14)
            seg.ipTotalLength = ipTotal
            return nil
        case 17:
            guard n >= o + 8 else { return .malformed(.malformedIP, "UDP header cut short") }
            let end = min(n, ipEnd)
            let payload = end > o + 8 ? UnsafeRawBufferPointer(rebasing: p[(o + 8)..<end])
                                      : UnsafeRawBufferPointer(start: nil, count: 0)
            return .udp(source: Endpoint(ip: s, port: u16(b, o)), destination: Endpoint(ip: d, port: u16(b, o + 2)),
                        payload: payload)
        default:
            return .otherIP(protocolNumber: proto)
        }
    }
}
