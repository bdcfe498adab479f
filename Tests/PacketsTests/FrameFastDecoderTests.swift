import Testing
@testable import Packets

/// `PacketDecoder.decodeTCP` (the packet loop's yes-or-no decoder) against `decode`, the full decoder it
/// stands in front of: whenever it says yes, every field of the segment is what `decode` writes, and it
/// says yes for the frames it is meant for. Frames are hand-built kinds, then cut and mutated at random.
struct FrameFastDecoderTests {
    typealias T = PacketDecoderTests

    /// Every field of a decoded segment (the payload as its position in the frame and its length).
    struct Fields: Equatable {
        var words: [UInt64]
        var payloadOffset: Int
        var payloadCount: Int
    }

    static func fields(_ s: TCPSegment, base: UnsafeRawPointer?) -> Fields {
        let w: [UInt64] = [s.source.ip.high, s.source.ip.low, s.source.ip.isV6 ? 1 : 0, UInt64(s.source.port),
                           s.destination.ip.high, s.destination.ip.low, s.destination.ip.isV6 ? 1 : 0, UInt64(s.destination.port),
                           s.sourceMACWord, s.destinationMACWord, UInt64(s.outerVLANWord), UInt64(s.innerVLANWord),
                           UInt64(s.sequence), UInt64(s.acknowledgement), UInt64(s.flags.rawValue), UInt64(s.window),
                           UInt64(bitPattern: Int64(s.missingPayload)), UInt64(bitPattern: Int64(s.ipTotalLength))]
        let offset = s.payload.baseAddress.map { b in base.map { b - $0 } ?? -1 } ?? -1
        return Fields(words: w, payloadOffset: offset, payloadCount: s.payload.count)
    }

    /// (fast path said yes, the fields agree when it did, `decode` found a TCP segment)
    static func compare(_ link: Int32, _ bytes: [UInt8], originalLength: Int) -> (fast: Bool, agree: Bool, tcp: Bool) {
        bytes.withUnsafeBytes { raw in
            var fast = TCPSegment()
            // Garbage in the segment first: the fast path must write every field it says it wrote.
            fast.sequence = 0xdead; fast.missingPayload = -7; fast.outerVLANWord = 0x1_0abc; fast.sourceMACWord = 99
            let yes = PacketDecoder.decodeTCP(linkType: link, bytes: raw, originalLength: originalLength, into: &fast)
            var full = TCPSegment()
            let other = PacketDecoder.decode(linkType: link, bytes: raw, originalLength: originalLength, into: &full)
            let agree = !yes || (other == nil && fields(fast, base: raw.baseAddress) == fields(full, base: raw.baseAddress))
            return (yes, agree, other == nil)
        }
    }

    static let kinds: [(link: Int32, frame: [UInt8], fastPath: Bool)] = {
        let v4 = T.ipv4(T.tcp), v6 = T.ipv6(T.tcp)
        var fragment = v4
        fragment[6] = 0x20   // more fragments
        var tcpWithOptions = T.tcp
        tcpWithOptions[12] = 0x80
        tcpWithOptions.insert(contentsOf: [1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2] as [UInt8], at: 20)   // NOP NOP timestamps
        return [
            (1, T.macs + [0x08, 0x00] + v4, true),
            (1, T.macs + [0x86, 0xdd] + v6, true),
            (1, T.macs + [0x81, 0x00, 0x00, 77, 0x08, 0x00] + v4, true),
            (1, T.macs + [0x88, 0xa8, 0x00, 100, 0x81, 0x00, 0x00, 77, 0x86, 0xdd] + v6, true),
            (1, T.macs + [0x91, 0x00, 0x00, 1, 0x92, 0x00, 0x00, 2, 0x81, 0x00, 0x00, 3, 0x08, 0x00] + v4, true),
            (1, T.macs + [0x08, 0x00] + T.ipv4(tcpWithOptions, options: [1, 1, 1, 0]), true),
            (1, T.macs + [0x08, 0x00] + T.ipv4(Array(T.tcp.prefix(20))), true),            // a bare ACK
            (1, T.macs + [0x08, 0x00] + v4 + Array(repeating: 0, count: 20), true),        // Ethernet padding
            // Left to `decode`: extension headers, other link types, fragments, UDP.
            (1, T.macs + [0x86, 0xdd] + T.ipv6(T.tcp, hopByHop: true), false),
            (113, [0, 0, 0, 1, 0, 6] + Array(T.macs.prefix(8)) + [0x08, 0x00] + v4, false),
            (228, v4, false),
            (0, [2, 0, 0, 0] + v4, false),
            (1, T.macs + [0x08, 0x00] + fragment, false),
        ]
    }()

    @Test func everyFrameKindMeantForTheFastPathTakesItAndAgrees() {
        for (i, k) in Self.kinds.enumerated() {
            let r = Self.compare(k.link, k.frame, originalLength: k.frame.count)
            #expect(r.fast == k.fastPath, "kind \(i)")
            #expect(r.agree, "kind \(i)")
            if k.fastPath { #expect(r.tcp, "kind \(i)") }
        }
    }

    @Test func cutAndSnaplenTruncatedFramesAgree() {
        var fastOnes = 0
        for k in Self.kinds {
            for n in 0...k.frame.count {
                let part = Array(k.frame.prefix(n))
                // As cut by a snaplen (the wire length is the whole frame) and as a short packet.
                for original in [k.frame.count, n, n + 1500, 0] {
                    let r = Self.compare(k.link, part, originalLength: original)
                    #expect(r.agree, "cut at \(n) of \(k.frame.count), original \(original)")
                    if r.fast { fastOnes += 1 }
                }
            }
        }
        #expect(fastOnes > 100)
    }

    @Test func mutatedFramesAgree() {
        var rng = FrameTestRandom(seed: 0x5eed_f00d)
        var fast = 0, tcpLeftToDecode = 0
        for _ in 0..<40_000 {
            let k = Self.kinds[Int(rng.next() % UInt64(Self.kinds.count))]
            var f = k.frame
            // One to four bytes changed anywhere, now and then a length cut or extended.
            for _ in 0...(rng.next() % 4) {
                f[Int(rng.next() % UInt64(f.count))] = UInt8(truncatingIfNeeded: rng.next())
            }
            if rng.next() % 4 == 0 { f = Array(f.prefix(Int(rng.next() % UInt64(f.count + 1)))) }
            if rng.next() % 8 == 0 { f += [UInt8](repeating: 0x5a, count: Int(rng.next() % 64)) }
            let original = rng.next() % 3 == 0 ? f.count + Int(rng.next() % 2000) : f.count
            let r = Self.compare(k.link, f, originalLength: original)
            #expect(r.agree)
            if r.fast { fast += 1 } else if r.tcp && k.link == 1 { tcpLeftToDecode += 1 }
        }
        // Most mutations keep a decodable frame, and most of those stay on the fast path.
        #expect(fast > 10_000)
        #expect(tcpLeftToDecode > 0)
    }
}

/// A small seeded generator (SplitMix64), so a failure repeats.
private struct FrameTestRandom {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49D5_49E9_FEDA
        return z ^ (z >> 31)
    }
}
