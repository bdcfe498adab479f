import Testing
@testable import TLSWire
import WireCore
import TestSupport

/// The hello fast paths (`parseWellFormed`, the `WellFormed` extension decoders) must agree with the
/// checked reader on every input: same value, or the same error with the same text.
@Suite struct HandshakeFastPathTests {
    enum Outcome<T: Hashable>: Hashable {
        case value(T)
        case error(String)
    }

    static func outcome<T: Hashable>(_ parse: () throws(TLSDecodeError) -> T) -> Outcome<T> {
        do throws(TLSDecodeError) {
            return .value(try parse())
        } catch {
            return .error(error.description)
        }
    }

    typealias F = HandshakeFixtures
    static let clientHellos: [(String, [UInt8])] = [
        ("tls13ClientHello", F.tls13ClientHello), ("tls12ClientHello", F.tls12ClientHello),
        ("tls10ClientHello", F.tls10ClientHello), ("chromeClientHello", F.chromeClientHello),
        ("hrrClientHello2", F.hrrClientHello2),
    ]
    static let serverHellos: [(String, [UInt8])] = [
        ("tls13ServerHello", F.tls13ServerHello), ("tls12ServerHello", F.tls12ServerHello),
        ("tls10ServerHello", F.tls10ServerHello), ("helloRetryRequest", F.helloRetryRequest),
    ]

    /// One seeded mutation: flipped bytes, a length-like value, a cut, an insertion or a deletion.
    static func mutate(_ body: [UInt8], _ rng: inout SplitMix64) -> [UInt8] {
        var b = body
        guard !b.isEmpty else { return [UInt8.random(in: 0...255, using: &rng)] }
        let i = Int.random(in: 0..<b.count, using: &rng)
        switch Int.random(in: 0..<6, using: &rng) {
        case 0:
            for _ in 0..<Int.random(in: 1...3, using: &rng) {
                b[Int.random(in: 0..<b.count, using: &rng)] ^= UInt8.random(in: 1...255, using: &rng)
            }
        case 1: b[i] = [0x00, 0x01, 0x02, 0x03, 0x20, 0x7f, 0x80, 0xff].randomElement(using: &rng)!
        case 2: b = Array(b.prefix(i))
        case 3: b.insert(contentsOf: (0..<Int.random(in: 1...4, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }, at: i)
        case 4: b.removeSubrange(i..<min(b.count, i + Int.random(in: 1...4, using: &rng)))
        default:
            // A small value in a 2-byte big-endian field (where most lengths live).
            if i + 1 < b.count { b[i] = 0; b[i + 1] = UInt8.random(in: 0...40, using: &rng) }
        }
        return b
    }

    /// Each extension's data mutated in place, the hello re-encoded with correct outer lengths: this
    /// reaches the extension decoders with a well-formed hello around them.
    static func mutateOneExtension(_ h: ClientHello, _ rng: inout SplitMix64) -> [UInt8] {
        var extensions = h.extensions
        guard !extensions.isEmpty else { return HandshakeHelloBuilder.clientHello(h, extensions: extensions) }
        let k = Int.random(in: 0..<extensions.count, using: &rng)
        extensions[k].data = mutate(Array(extensions[k].data), &rng)[...]
        if Int.random(in: 0..<8, using: &rng) == 0 { extensions.append(extensions[k]) }  // a duplicate
        return HandshakeHelloBuilder.clientHello(h, extensions: extensions)
    }

    @Test func clientHelloFastAndCheckedPathsAgreeOnMutatedRealHellos() throws {
        var rng = SplitMix64(seed: 0xfa57_c11e)
        var fastTaken = 0, fallbacks = 0, errors = 0
        for (name, body) in Self.clientHellos {
            let original = try ClientHello.parse(body[...])
            for round in 0..<1500 {
                let bytes = round % 3 == 0 ? Self.mutateOneExtension(original, &rng) : Self.mutate(body, &rng)
                let fast = Self.outcome { () throws(TLSDecodeError) in try ClientHello.parse(bytes[...]) }
                let checked = Self.outcome { () throws(TLSDecodeError) in try ClientHello.parseChecked(bytes[...], fastExtensions: false) }
                #expect(fast == checked, "\(name) round \(round): \(bytes)")
                if bytes.withUnsafeBufferPointer({ ClientHello.parseWellFormed($0) }) != nil { fastTaken += 1 } else { fallbacks += 1 }
                if case .error = checked { errors += 1 }
            }
        }
        // Both paths were exercised, and malformed inputs too.
        #expect(fastTaken > 1000 && fallbacks > 1000 && errors > 500, "fast \(fastTaken), fallback \(fallbacks), errors \(errors)")
    }

    @Test func serverHelloFastAndCheckedPathsAgreeOnMutatedRealHellos() throws {
        var rng = SplitMix64(seed: 0x5e7e_11a0)
        var fastTaken = 0, fallbacks = 0
        for (name, body) in Self.serverHellos {
            for round in 0..<1500 {
                let bytes = Self.mutate(body, &rng)
                let fast = Self.outcome { () throws(TLSDecodeError) in try ServerHello.parse(bytes[...]) }
                let checked = Self.outcome { () throws(TLSDecodeError) in try ServerHello.parseChecked(bytes[...], fastExtensions: false) }
                #expect(fast == checked, "\(name) round \(round): \(bytes)")
                if bytes.withUnsafeBufferPointer({ ServerHello.parseWellFormed($0) }) != nil { fastTaken += 1 } else { fallbacks += 1 }
            }
        }
        #expect(fastTaken > 500 && fallbacks > 500, "fast \(fastTaken), fallback \(fallbacks)")
    }

    @Test func wellFormedHellosTakeTheFastPath() {
        for (name, body) in Self.clientHellos {
            #expect(body.withUnsafeBufferPointer({ ClientHello.parseWellFormed($0) }) != nil, "\(name)")
        }
        for (name, body) in Self.serverHellos {
            #expect(body.withUnsafeBufferPointer({ ServerHello.parseWellFormed($0) }) != nil, "\(name)")
        }
    }

    @Test func extensionDecodersAgreeWithTheCheckedOnesOnShortRandomData() {
        var rng = SplitMix64(seed: 0xdec0de)
        func checked<T>(_ d: [UInt8], _ decode: (inout HandshakeReader) throws(TLSDecodeError) -> T) -> T? {
            var errors: [String] = []
            return decodeExtensionData(TLSExtension(type: .serverName, data: d), in: "X", errors: &errors, decode)
        }
        for _ in 0..<20_000 {
            // Mostly tiny values so that lengths often fit.
            let d = (0..<Int.random(in: 0..<12, using: &rng)).map { _ in UInt8.random(in: 0...(Bool.random(using: &rng) ? 3 : 255), using: &rng) }
            d.withUnsafeBufferPointer { b in
                if let v = WellFormed.serverNames(b) { #expect(v == checked(d, ExtensionDecoders.serverNames), "\(d)") }
                if let v = WellFormed.alpn(b) { #expect(v == checked(d, ExtensionDecoders.alpn), "\(d)") }
                if let v = WellFormed.clientKeyShares(b) { #expect(v == checked(d, ExtensionDecoders.clientKeyShares), "\(d)") }
                let checkedBytes = checked(d) { (r: inout HandshakeReader) throws(TLSDecodeError) in try ExtensionDecoders.byteList(&r, "x") }
                if let v = WellFormed.shortByteList(b) { #expect(v.array == checkedBytes, "\(d)") }
                if let c = checkedBytes, c.count <= InlineBytes.capacity { #expect(WellFormed.shortByteList(b) != nil, "\(d)") }
                if let v = WellFormed.uint16List(b, lengthBytes: 1, as: { $0 }) {
                    #expect(v == checked(d) { (r: inout HandshakeReader) throws(TLSDecodeError) in try r.readUInt16List(lengthBytes: 1, "x") }, "\(d)")
                }
                // Well-formed data the fast decoder refuses is only a lost shortcut, but every input the
                // checked decoder accepts should be accepted by the fast one too.
                if checked(d, ExtensionDecoders.serverNames) != nil { #expect(WellFormed.serverNames(b) != nil, "\(d)") }
                if checked(d, ExtensionDecoders.alpn) != nil { #expect(WellFormed.alpn(b) != nil, "\(d)") }
                if checked(d, ExtensionDecoders.clientKeyShares) != nil { #expect(WellFormed.clientKeyShares(b) != nil, "\(d)") }
            }
        }
    }

    @Test func duplicateExtensionsAreFoundAmongManyHighCodePoints() {
        var seen = ExtensionSeen()
        var errors: [String] = []
        // 40 distinct types >= 256 (past the 16 kept inline), each inserted twice, plus low ones.
        let types: [UInt16] = (0..<40).map { 0x0a0a &+ UInt16($0) &* 0x1001 } + [0, 10, 13, 255, 0xff01, 0xfe0d]
        for t in types { #expect(seen.isFirst(ExtensionType(rawValue: t), in: "X", errors: &errors), "\(t)") }
        for t in types { #expect(!seen.isFirst(ExtensionType(rawValue: t), in: "X", errors: &errors), "\(t)") }
        #expect(errors.count == types.count)
        #expect(errors.first == "X: duplicate extension \(ExtensionType(rawValue: types[0])); only the first was decoded")
    }

    @Test func highestAndOfferedVersionsMatchTheirDefinition() {
        var rng = SplitMix64(seed: 7)
        let pool: [UInt16] = [0x0300, 0x0301, 0x0302, 0x0303, 0x0304, 0x7f17, 0x7f1c, 0xfb1a, 0x0a0a, 0x3a3a, 0x1234]
        for _ in 0..<2000 {
            var h = ClientHello()
            h.legacyVersion = ProtocolVersion(rawValue: pool.randomElement(using: &rng)!)
            h.supportedVersions = (0..<Int.random(in: 0..<5, using: &rng)).map { _ in ProtocolVersion(rawValue: pool.randomElement(using: &rng)!) }
            let real = h.supportedVersions.filter { !$0.isGREASE }
            let offered = real.isEmpty ? [h.legacyVersion] : real
            var best = h.legacyVersion
            for (k, v) in offered.enumerated() where k == 0 || v.rank > best.rank || (v.rank == best.rank && v == .tls13) { best = v }
            #expect(h.offeredVersions == offered)
            #expect(h.highestVersion == best)
        }
    }

    @Test func aDefaultHelloKeepsItsDocumentedDefaults() {
        let h = ClientHello()
        #expect(h.random == [UInt8](repeating: 0, count: 32))
        #expect(h.compressionMethods == [0])
        #expect(ServerHello().random == [UInt8](repeating: 0, count: 32))
    }
}
