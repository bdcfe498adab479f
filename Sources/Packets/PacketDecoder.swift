import WireCore

/// The TCP view of one frame, pointing into the frame's bytes (valid only during the callback).
public struct TCPSegment {
    public var source: Endpoint
    public var destination: Endpoint
    public var sourceMAC: EthernetAddress?
    public var destinationMAC: EthernetAddress?
    public var vlanIDs: (outer: UInt16?, inner: UInt16?)
    public var sequence: UInt32
    public var acknowledgement: UInt32
    public var flags: TCPFlags
    public var window: UInt16
    /// Payload bytes that were captured.
    public var payload: UnsafeRawBufferPointer
    /// Payload bytes that were on the wire but cut by the snaplen (or missing from the frame).
    public var missingPayload: Int
    public var ipTotalLength: Int
}

public struct TCPFlags: OptionSet, Sendable, Hashable {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let fin = TCPFlags(rawValue: 0x01)
    public static let syn = TCPFlags(rawValue: 0x02)
    public static let rst = TCPFlags(rawValue: 0x04)
    public static let psh = TCPFlags(rawValue: 0x08)
    public static let ack = TCPFlags(rawValue: 0x10)
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

    @inline(__always)
    static func u16(_ p: UnsafeRawBufferPointer, _ o: Int) -> UInt16 {
        UInt16(p[o]) << 8 | UInt16(p[o + 1])
    }
    @inline(__always)
    static func u32(_ p: UnsafeRawBufferPointer, _ o: Int) -> UInt32 {
        UInt32(p[o]) << 24 | UInt32(p[o + 1]) << 16 | UInt32(p[o + 2]) << 8 | UInt32(p[o + 3])
    }
    @inline(__always)
    static func u64(_ p: UnsafeRawBufferPointer, _ o: Int) -> UInt64 {
        UInt64(u32(p, o)) << 32 | UInt64(u32(p, o + 4))
    }
    @inline(__always)
    static func mac(_ p: UnsafeRawBufferPointer, _ o: Int) -> EthernetAddress {
        EthernetAddress(value: UInt64(u16(p, o)) << 32 | UInt64(u32(p, o + 2)))
    }

    /// `originalLength` is the frame's length on the wire, to tell snaplen cuts from short packets.
    public static func decode(linkType: Int32, bytes p: UnsafeRawBufferPointer, originalLength: Int) -> DecodedFrame {
        var src: EthernetAddress?
        var dst: EthernetAddress?
        var vlans: (UInt16?, UInt16?) = (nil, nil)
        var offset = 0
        var etherType: UInt16 = 0
        switch linkType {
        case dltEthernet:
            guard p.count >= 14 else { return .other(.malformed(.malformedLinkLayer, "Ethernet frame shorter than 14 bytes")) }
            dst = mac(p, 0)
            src = mac(p, 6)
            etherType = u16(p, 12)
            offset = 14
            // 802.1Q (0x8100), 802.1ad (0x88a8) and the old QinQ 0x9100/0x9200 tags, up to 4 deep.
            var depth = 0
            while etherType == 0x8100 || etherType == 0x88a8 || etherType == 0x9100 || etherType == 0x9200 {
                guard depth < 4, p.count >= offset + 4 else {
                    return .other(.malformed(.malformedLinkLayer, "VLAN tag cut short or nested too deep"))
                }
                let vid = u16(p, offset) & 0x0fff
                if vlans.0 == nil { vlans.0 = vid } else if vlans.1 == nil { vlans.1 = vid }
                etherType = u16(p, offset + 2)
                offset += 4
                depth += 1
            }
        case dltLinuxSLL:
            guard p.count >= 16 else { return .other(.malformed(.malformedLinkLayer, "Linux SLL header shorter than 16 bytes")) }
            etherType = u16(p, 14)
            if u16(p, 2) == 1 /* ARPHRD_ETHER */ && u16(p, 4) == 6 { src = mac(p, 6) }
            offset = 16
        case dltLinuxSLL2:
            guard p.count >= 20 else { return .other(.malformed(.malformedLinkLayer, "Linux SLL2 header shorter than 20 bytes")) }
            etherType = u16(p, 0)
            if u16(p, 8) == 1 && p[11] == 6 { src = mac(p, 12) }
            offset = 20
        case dltNull, dltLoop:
            guard p.count >= 4 else { return .other(.malformed(.malformedLinkLayer, "loopback header shorter than 4 bytes")) }
            // DLT_NULL stores the AF in host byte order of the capturing machine: accept either order.
            let le = UInt32(p[0]) | UInt32(p[1]) << 8 | UInt32(p[2]) << 16 | UInt32(p[3]) << 24
            let be = u32(p, 0)
            let af = min(le, be)
            if af == 2 { etherType = 0x0800 } else if af == 10 || af == 24 || af == 28 || af == 30 { etherType = 0x86dd } else {
                return .other(.nonIP(etherType: UInt16(truncatingIfNeeded: af)))
            }
            offset = 4
        case dltRaw, dltRawOpenBSD, dltLinkTypeRaw, dltIPv4, dltIPv6:
            guard p.count >= 1 else { return .other(.malformed(.malformedIP, "empty raw IP frame")) }
            etherType = p[0] >> 4 == 6 ? 0x86dd : 0x0800
        default:
            return .other(.nonIP(etherType: 0))
        }
        let wireLinkHeader = offset
        switch etherType {
        case 0x0800:
            return decodeIPv4(p, at: offset, src, dst, vlans, originalLength: originalLength - wireLinkHeader)
        case 0x86dd:
            return decodeIPv6(p, at: offset, src, dst, vlans, originalLength: originalLength - wireLinkHeader)
        default:
            return .other(.nonIP(etherType: etherType))
        }
    }

    static func decodeIPv4(_ p: UnsafeRawBufferPointer, at o: Int, _ smac: EthernetAddress?, _ dmac: EthernetAddress?,
                           _ vlans: (UInt16?, UInt16?), originalLength: Int) -> DecodedFrame {
        guard p.count >= o + 20 else { return .other(.malformed(.malformedIP, "IPv4 header cut short")) }
        let vihl = p[o]
        guard vihl >> 4 == 4 else { return .other(.malformed(.malformedIP, "IP version \(vihl >> 4) in an IPv4 packet")) }
        let ihl = Int(vihl & 0x0f) * 4
        guard ihl >= 20 else { return .other(.malformed(.malformedIP, "IPv4 header length \(ihl) below 20")) }
        guard p.count >= o + ihl else { return .other(.malformed(.malformedIP, "IPv4 options cut short")) }
        let total = Int(u16(p, o + 2))
        let fragField = u16(p, o + 6)
        let proto = p[o + 9]
        let s = IPAddress(v4: u32(p, o + 12))
        let d = IPAddress(v4: u32(p, o + 16))
        // More-fragments set or a non-zero offset: a fragment, handed on whole for IPv4FragmentTable.
        if fragField & 0x2000 != 0 || fragField & 0x1fff != 0 {
            return .other(.ipFragment(source: s, destination: d, protocolNumber: proto,
                                      packet: UnsafeRawBufferPointer(rebasing: p[o...])))
        }
        // Total length 0 happens with TCP segmentation offload on the capturing host: trust the frame.
        let ipEnd = total >= ihl ? o + total : o + max(originalLength, p.count)
        return decodeTransport(p, proto: proto, at: o + ihl, ipEnd: ipEnd, s, d, smac, dmac, vlans, ipTotal: total)
    }

    static func decodeIPv6(_ p: UnsafeRawBufferPointer, at o: Int, _ smac: EthernetAddress?, _ dmac: EthernetAddress?,
                           _ vlans: (UInt16?, UInt16?), originalLength: Int) -> DecodedFrame {
        guard p.count >= o + 40 else { return .other(.malformed(.malformedIP, "IPv6 header cut short")) }
        guard p[o] >> 4 == 6 else { return .other(.malformed(.malformedIP, "IP version \(p[o] >> 4) in an IPv6 packet")) }
        let payloadLength = Int(u16(p, o + 4))
        var next = p[o + 6]
        let s = IPAddress(v6High: u64(p, o + 8), v6Low: u64(p, o + 16))
        let d = IPAddress(v6High: u64(p, o + 24), v6Low: u64(p, o + 32))
        var off = o + 40
        // Walk extension headers: hop-by-hop 0, routing 43, fragment 44, destination 60, mobility 135, HIP 139, shim6 140.
        var hops = 0
        while hops < 8 {
            switch next {
            case 0, 43, 60, 135, 139, 140:
                guard p.count >= off + 2 else { return .other(.malformed(.malformedIP, "IPv6 extension header cut short")) }
                next = p[off]
                off += (Int(p[off + 1]) + 1) * 8
                hops += 1
            case 44:
                guard p.count >= off + 8 else { return .other(.malformed(.malformedIP, "IPv6 fragment header cut short")) }
                let proto = p[off]
                return .other(.ipFragment(source: s, destination: d, protocolNumber: proto,
                                          packet: UnsafeRawBufferPointer(start: nil, count: 0)))
            case 51: // AH: length in 4-byte units minus 2
                guard p.count >= off + 2 else { return .other(.malformed(.malformedIP, "IPv6 AH header cut short")) }
                next = p[off]
                off += (Int(p[off + 1]) + 2) * 4
                hops += 1
            default:
                hops = 8
            }
        }
        let ipEnd = payloadLength > 0 ? o + 40 + payloadLength : o + max(originalLength, p.count)
        guard off <= ipEnd else { return .other(.malformed(.malformedIP, "IPv6 extension headers run past the packet")) }
        return decodeTransport(p, proto: next, at: off, ipEnd: ipEnd, s, d, smac, dmac, vlans, ipTotal: 40 + payloadLength)
    }

    static func decodeTransport(_ p: UnsafeRawBufferPointer, proto: UInt8, at o: Int, ipEnd: Int,
                                _ s: IPAddress, _ d: IPAddress, _ smac: EthernetAddress?, _ dmac: EthernetAddress?,
                                _ vlans: (UInt16?, UInt16?), ipTotal: Int) -> DecodedFrame {
        switch proto {
        case 6:
            guard p.count >= o + 20 else {
                return .other(.malformed(.malformedTCP, "TCP header cut short (\(max(0, p.count - o)) of 20 bytes captured)"))
            }
            let dataOffset = Int(p[o + 12] >> 4) * 4
            guard dataOffset >= 20 else { return .other(.malformed(.malformedTCP, "TCP data offset \(dataOffset) below 20")) }
            guard ipEnd >= o + dataOffset else { return .other(.malformed(.malformedTCP, "TCP header longer than its IP packet")) }
            let payloadStart = o + dataOffset
            // Ethernet pads short frames to 60 bytes: the IP length, not the frame, says where data ends.
            let capturedEnd = min(p.count, ipEnd)
            let payload: UnsafeRawBufferPointer
            if capturedEnd > payloadStart {
                payload = UnsafeRawBufferPointer(rebasing: p[payloadStart..<capturedEnd])
            } else {
                payload = UnsafeRawBufferPointer(start: p.baseAddress.map { $0 + min(payloadStart, p.count) }, count: 0)
            }
            let missing = max(0, ipEnd - max(capturedEnd, payloadStart))
            let seg = TCPSegment(
                source: Endpoint(ip: s, port: u16(p, o)),
                destination: Endpoint(ip: d, port: u16(p, o + 2)),
                sourceMAC: smac, destinationMAC: dmac, vlanIDs: (vlans.0, vlans.1),
                sequence: u32(p, o + 4), acknowledgement: u32(p, o + 8),
                flags: TCPFlags(rawValue: p[o + 13] & 0x3f), window: u16(p, o + 14),
                payload: payload, missingPayload: missing, ipTotalLength: ipTotal)
            return .tcp(seg)
        case 17:
            guard p.count >= o + 8 else { return .other(.malformed(.malformedIP, "UDP header cut short")) }
            let end = min(p.count, ipEnd)
            let payload = end > o + 8 ? UnsafeRawBufferPointer(rebasing: p[(o + 8)..<end])
                                      : UnsafeRawBufferPointer(start: nil, count: 0)
            return .other(.udp(source: Endpoint(ip: s, port: u16(p, o)), destination: Endpoint(ip: d, port: u16(p, o + 2)),
                               payload: payload))
        default:
            return .other(.otherIP(protocolNumber: proto))
        }
    }
}
