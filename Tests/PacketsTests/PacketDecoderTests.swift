import Testing
@testable import Packets

/// Hand-built frames (unit tests of a single parser): each link type, tags, options, and truncation.
struct PacketDecoderTests {
    static let tcp: [UInt8] = [0x13, 0xc5, 0xc6, 0x01,  0, 0, 0, 1,  0, 0, 0, 2,  0x50, 0x18, 0x01, 0x00,  0, 0, 0, 0] + [0xaa, 0xbb]
    static func ipv4(_ payload: [UInt8], options: [UInt8] = []) -> [UInt8] {
        let ihl = (20 + options.count) / 4
        let total = 20 + options.count + payload.count
        return [UInt8(0x40 | ihl), 0, UInt8(total >> 8), UInt8(total & 0xff), 0, 1, 0x40, 0, 64, 6, 0, 0,
                10, 0, 0, 20, 10, 0, 0, 5] + options + payload
    }
    static func ipv6(_ payload: [UInt8], hopByHop: Bool = false) -> [UInt8] {
        var ext: [UInt8] = []
        var next: UInt8 = 6
        if hopByHop { ext = [6, 0, 1, 4, 0, 0, 0, 0]; next = 0 }
        let len = ext.count + payload.count
        return [0x60, 0, 0, 0, UInt8(len >> 8), UInt8(len & 0xff), next, 64]
            + [0xfd] + Array(repeating: 0, count: 14) + [0x20]
            + [0xfd] + Array(repeating: 0, count: 14) + [0x05] + ext + payload
    }
    static let macs: [UInt8] = [0x00, 0x50, 0x56, 0xa1, 0x00, 0x05, 0x00, 0x22, 0xee, 0x09, 0x00, 0x45]

    /// The decoded facts of a TCP frame (the payload pointer is only valid inside the call).
    struct Decoded {
        var source: Endpoint, destination: Endpoint, sourceMAC: EthernetAddress?
        var vlanIDs: (outer: UInt16?, inner: UInt16?), flags: TCPFlags
        var payload: [UInt8]
    }

    func decodeTCP(_ link: Int32, _ bytes: [UInt8]) -> Decoded? {
        bytes.withUnsafeBytes { raw -> Decoded? in
            if case .tcp(let s) = PacketDecoder.decode(linkType: link, bytes: raw, originalLength: bytes.count) {
                return Decoded(source: s.source, destination: s.destination, sourceMAC: s.sourceMAC, vlanIDs: s.vlanIDs,
                               flags: s.flags, payload: Array(s.payload))
            }
            return nil
        }
    }

    @Test func ethernetIPv4() throws {
        let s = try #require(decodeTCP(1, Self.macs + [0x08, 0x00] + Self.ipv4(Self.tcp)))
        #expect(s.source.description == "10.0.0.20:5061")
        #expect(s.destination.port == 50689)
        #expect(s.sourceMAC?.description == "00:22:ee:09:00:45")
        #expect(s.payload.count == 2)
        #expect(s.flags.contains(.psh) && s.flags.contains(.ack))
    }

    @Test func vlanAndQinQTagsAreSkippedAndKept() throws {
        let q = try #require(decodeTCP(1, Self.macs + [0x81, 0x00, 0x00, 77, 0x08, 0x00] + Self.ipv4(Self.tcp)))
        #expect(q.vlanIDs.outer == 77)
        let qinq = try #require(decodeTCP(1, Self.macs + [0x88, 0xa8, 0x00, 100, 0x81, 0x00, 0x00, 77, 0x08, 0x00] + Self.ipv4(Self.tcp)))
        #expect(qinq.vlanIDs.outer == 100 && qinq.vlanIDs.inner == 77)
    }

    @Test func linkLayerFieldsKeepEveryValueAndTheirAbsence() throws {
        var seg = TCPSegment()
        #expect(seg.sourceMAC == nil && seg.destinationMAC == nil && seg.vlanIDs.outer == nil && seg.vlanIDs.inner == nil)
        #expect(!seg.hasVLANIDs)
        seg.sourceMAC = EthernetAddress(value: 0)
        seg.destinationMAC = EthernetAddress(value: 0xffff_ffff_ffff)
        seg.vlanIDs = (outer: 0, inner: 0xffff)
        #expect(seg.sourceMAC == EthernetAddress(value: 0) && seg.destinationMAC?.value == 0xffff_ffff_ffff)
        #expect(seg.vlanIDs.outer == 0 && seg.vlanIDs.inner == 0xffff && seg.hasVLANIDs)
        seg.vlanIDs.outer = nil
        #expect(seg.vlanIDs.outer == nil && seg.vlanIDs.inner == 0xffff)
        seg.sourceMAC = nil
        #expect(seg.sourceMAC == nil)
        // A frame decoded into a reused segment leaves nothing of the previous frame behind.
        let tagged = Self.macs + [0x88, 0xa8, 0x00, 100, 0x81, 0x00, 0x00, 77, 0x08, 0x00] + Self.ipv4(Self.tcp)
        let raw = Self.ipv4(Self.tcp)
        var reused = TCPSegment()
        tagged.withUnsafeBytes { #expect(PacketDecoder.decode(linkType: 1, bytes: $0, originalLength: tagged.count, into: &reused) == nil) }
        #expect(reused.vlanIDs.outer == 100 && reused.vlanIDs.inner == 77 && reused.destinationMAC?.description == "00:50:56:a1:00:05")
        raw.withUnsafeBytes { #expect(PacketDecoder.decode(linkType: 228, bytes: $0, originalLength: raw.count, into: &reused) == nil) }
        #expect(reused.sourceMAC == nil && reused.destinationMAC == nil && !reused.hasVLANIDs)
    }

    @Test func ipv4OptionsAndIPv6ExtensionHeaders() throws {
        let opt = try #require(decodeTCP(1, Self.macs + [0x08, 0x00] + Self.ipv4(Self.tcp, options: [1, 1, 1, 0])))
        #expect(opt.payload.count == 2)
        let v6 = try #require(decodeTCP(1, Self.macs + [0x86, 0xdd] + Self.ipv6(Self.tcp, hopByHop: true)))
        #expect(v6.source.description == "[fd00::20]:5061")
    }

    @Test func cookedNullAndRawLinkTypes() throws {
        let sll: [UInt8] = [0, 0, 0, 1, 0, 6] + Array(Self.macs[6..<12]) + [0, 0, 0x08, 0x00]
        #expect(decodeTCP(113, sll + Self.ipv4(Self.tcp))?.sourceMAC?.description == "00:22:ee:09:00:45")
        let sll2: [UInt8] = [0x08, 0x00, 0, 0, 0, 0, 0, 1, 0, 1, 0, 6] + Array(Self.macs[6..<12]) + [0, 0]
        #expect(decodeTCP(276, sll2 + Self.ipv4(Self.tcp)) != nil)
        #expect(decodeTCP(0, [2, 0, 0, 0] + Self.ipv4(Self.tcp)) != nil, "DLT_NULL, little-endian AF_INET")
        #expect(decodeTCP(0, [0, 0, 0, 2] + Self.ipv4(Self.tcp)) != nil, "DLT_NULL written big-endian")
        #expect(decodeTCP(101, Self.ipv6(Self.tcp)) != nil)
        #expect(decodeTCP(12, Self.ipv4(Self.tcp)) != nil)
    }

    @Test func fragmentsAreReportedNotDecoded() {
        var frag = Self.ipv4(Self.tcp)
        frag[6] = 0x20  // more fragments
        let r = (Self.macs + [0x08, 0x00] + frag).withUnsafeBytes { raw -> Bool in
            if case .other(.ipFragment) = PacketDecoder.decode(linkType: 1, bytes: raw, originalLength: raw.count) { return true }
            return false
        }
        #expect(r)
    }

    @Test func snaplenCutPayloadIsCountedAsMissing() throws {
        let frame = Self.macs + [0x08, 0x00] + Self.ipv4(Self.tcp + Array(repeating: 0x17, count: 100))
        let cut = Array(frame.prefix(60))
        let s = try #require(cut.withUnsafeBytes { raw -> (Int, Int)? in
            if case .tcp(let s) = PacketDecoder.decode(linkType: 1, bytes: raw, originalLength: frame.count) { return (s.payload.count, s.missingPayload) }
            return nil
        })
        #expect(s.0 == 6)
        #expect(s.1 == 96)
    }

    @Test func everyTruncationOfEveryFrameKindIsSafe() {
        let frames: [(Int32, [UInt8])] = [
            (1, Self.macs + [0x88, 0xa8, 0x00, 100, 0x81, 0x00, 0x00, 77, 0x08, 0x00] + Self.ipv4(Self.tcp, options: [1, 1, 1, 0])),
            (1, Self.macs + [0x86, 0xdd] + Self.ipv6(Self.tcp, hopByHop: true)),
            (113, [0, 0, 0, 1, 0, 6] + Array(Self.macs[6..<12]) + [0, 0, 0x08, 0x00] + Self.ipv4(Self.tcp)),
            (276, [0x86, 0xdd, 0, 0, 0, 0, 0, 1, 0, 1, 0, 6] + Array(Self.macs[6..<12]) + [0, 0] + Self.ipv6(Self.tcp)),
            (0, [2, 0, 0, 0] + Self.ipv4(Self.tcp)),
        ]
        var rng = SystemRandomNumberGenerator()
        for (link, frame) in frames {
            for n in 0...frame.count {
                let part = Array(frame.prefix(n))
                part.withUnsafeBytes { _ = PacketDecoder.decode(linkType: link, bytes: $0, originalLength: frame.count) }
            }
            for _ in 0..<300 {
                var bad = frame
                bad[Int.random(in: 0..<bad.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
                bad.withUnsafeBytes { _ = PacketDecoder.decode(linkType: link, bytes: $0, originalLength: bad.count) }
            }
        }
    }

    @Test func addressesPrintTheWayPeopleWriteThem() {
        #expect(IPAddress(v6High: 0xfd00_0000_0000_0000, v6Low: 5).description == "fd00::5")
        #expect(IPAddress(v6High: 0x2001_0db8_0000_0001, v6Low: 0x0000_0000_0000_0001).description == "2001:db8:0:1::1")
        #expect(IPAddress(v6High: 0, v6Low: 1).description == "::1")
        #expect(IPAddress(v4: 0x0a000014).description == "10.0.0.20")
    }
}

/// IPv4 fragments are put back together (any order, duplicates ignored), within limits.
struct IPv4FragmentTableTests {
    static func fragment(id: UInt16, offset: Int, more: Bool, payload: [UInt8]) -> [UInt8] {
        let total = 20 + payload.count
        let field = UInt16(offset / 8) | (more ? 0x2000 : 0)
        return [0x45, 0, UInt8(total >> 8), UInt8(total & 0xff), UInt8(id >> 8), UInt8(id & 0xff),
                UInt8(field >> 8), UInt8(field & 0xff), 64, 6, 0, 0, 10, 0, 0, 20, 10, 0, 0, 5] + payload
    }

    @Test func fragmentsInAnyOrderBecomeOnePacket() {
        let data = Array(0..<40).map(UInt8.init)
        var t = IPv4FragmentTable()
        let second = Self.fragment(id: 7, offset: 16, more: false, payload: Array(data[16...]))
        let first = Self.fragment(id: 7, offset: 0, more: true, payload: Array(data[0..<16]))
        #expect(second.withUnsafeBytes { t.add(packet: $0, frame: 1) } == nil)
        #expect(second.withUnsafeBytes { t.add(packet: $0, frame: 2) } == nil, "duplicate")
        let whole = first.withUnsafeBytes { t.add(packet: $0, frame: 3) }
        #expect(whole.map { Array($0[20...]) } == data)
        #expect(whole.map { Int($0[2]) << 8 | Int($0[3]) } == 60)
        #expect(whole.map { $0[6] == 0 && $0[7] == 0 } == true, "fragment fields cleared")
        #expect(t.reassembled == 1)
    }

    @Test func incompleteDatagramsAreReportedAtTheEnd() {
        var t = IPv4FragmentTable()
        let lone = Self.fragment(id: 9, offset: 0, more: true, payload: Array(repeating: 1, count: 16))
        _ = lone.withUnsafeBytes { t.add(packet: $0, frame: 5) }
        t.finish()
        #expect(t.abandoned.count == 1)
        #expect(t.abandoned.first?.frame == 5)
    }

    @Test func theTableIsBounded() {
        var t = IPv4FragmentTable()
        t.maxDatagrams = 8
        for id in 0..<100 {
            let f = Self.fragment(id: UInt16(id), offset: 0, more: true, payload: [1, 2, 3, 4, 5, 6, 7, 8])
            _ = f.withUnsafeBytes { t.add(packet: $0, frame: id) }
        }
        #expect(t.abandoned.count == 64, "given up oldest first; the report keeps at most 64")
    }
}
