import Testing
import Dispatch
import Foundation
import Synchronization
@testable import TLSWire
import WireCore
import TestSupport

/// The hellos' storage: fields in one copy-on-write box, short byte strings kept inline (`InlineBytes`),
/// repeated lists shared between hellos (`SharedLists`). None of it may change a value.
@Suite struct HelloStorageTests {
    static func randomBytes(_ n: Int, _ rng: inout SplitMix64) -> [UInt8] {
        // Small values half the time: trailing zeros and near-equal strings are the cases that matter.
        (0..<n).map { _ in UInt8.random(in: 0...(Bool.random(using: &rng) ? 2 : 255), using: &rng) }
    }

    @Test func inlineBytesGiveBackTheBytesTheyWereGiven() {
        var rng = SplitMix64(seed: 0x1b17e5)
        for n in 0...70 {
            for _ in 0..<20 {
                let a = Self.randomBytes(n, &rng)
                let x = InlineBytes(a)
                #expect(x.array == a)
                #expect(x.count == n && x.isEmpty == a.isEmpty)
                for i in 0..<n { #expect(x[i] == a[i]) }
                if n <= InlineBytes.capacity {
                    #expect(a.withUnsafeBufferPointer { InlineBytes($0) } == x)
                }
            }
        }
        #expect(InlineBytes(zeros: 32).array == [UInt8](repeating: 0, count: 32))
    }

    @Test func inlineBytesAreEqualExactlyWhenTheirBytesAre() {
        var rng = SplitMix64(seed: 0xe9a1)
        // Pairs that differ in length only (trailing zeros), in one byte, or not at all, on both sides of 32.
        for _ in 0..<5000 {
            let n = Int.random(in: 0...40, using: &rng)
            let a = Self.randomBytes(n, &rng)
            var b = a
            switch Int.random(in: 0..<4, using: &rng) {
            case 0: b.append(0)
            case 1: if !b.isEmpty { b.removeLast() }
            case 2: if !b.isEmpty { b[Int.random(in: 0..<b.count, using: &rng)] ^= 1 }
            default: break
            }
            let x = InlineBytes(a), y = InlineBytes(b)
            #expect((x == y) == (a == b), "\(a) \(b)")
            if a == b { #expect(x.hashValue == y.hashValue) }
        }
    }

    @Test func sharedCodePointListsEqualFreshlyDecodedOnes() {
        var rng = SplitMix64(seed: 0x5ba7ed)
        let values: [UInt16] = [0x0a0a, 0x1a1a, 0xfafa, 0x1301, 0x1302, 0xc02b, 0x0000, 0xffff, 0x0017, 0x001d, 0x0403, 0x0804, 0x0304]
        // More distinct lists than slots, each asked for several times: hits, misses and replaced slots.
        // A few are longer than the tables keep (`maxKeyBytes`): those are made afresh each time.
        let pool: [[UInt16]] = (0..<(3 * SharedLists.slotCount)).map { k in
            let longest = k % 50 == 1 ? SharedLists.maxKeyBytes : 40
            return k == 0 ? [] : (0..<Int.random(in: 1...longest, using: &rng)).map { _ in values.randomElement(using: &rng)! }
        }
        for _ in 0..<20_000 {
            let list = pool.randomElement(using: &rng)!
            // Wire bytes after a random prefix, so lists are read at varied offsets.
            let prefix = Self.randomBytes(Int.random(in: 0...3, using: &rng), &rng)
            let bytes = prefix + list.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xff)] }
            bytes.withUnsafeBufferPointer { b in
                let at = prefix.count, n = list.count
                #expect(SharedLists.cipherSuites(b, at, n) == list.map(CipherSuite.init(rawValue:)))
                #expect(SharedLists.namedGroups(b, at, n) == list.map(NamedGroup.init(rawValue:)))
                #expect(SharedLists.namedGroups(count: n) { list[$0] } == list.map(NamedGroup.init(rawValue:)))
                #expect(SharedLists.signatureSchemes(b, at, n) == list.map(SignatureScheme.init(rawValue:)))
                #expect(SharedLists.protocolVersions(b, at, n) == list.map(ProtocolVersion.init(rawValue:)))
            }
        }
    }

    @Test func sharedNameListsAgreeWithTheUnsharedDecoders() {
        var rng = SplitMix64(seed: 0xa1b2)
        // Well-formed lists, malformed ones, invalid UTF-8 (decoded with replacement characters, so two
        // different byte strings can give the same text: the table must key on bytes).
        let names: [[UInt8]] = [Array("h2".utf8), Array("http/1.1".utf8), [0xff], [0xfe], [0xc3], [], Array("acme-tls/1".utf8),
                                [UInt8](repeating: 0x61, count: 250)]  // three of these pass `maxKeyBytes`
        for round in 0..<20_000 {
            let picked = (0..<Int.random(in: 0...3, using: &rng)).map { _ in names.randomElement(using: &rng)! }
            // ALPN's layout (1-byte lengths) or server_name's (type, 2-byte length), by turns.
            let nameType: UInt8 = round % 3 == 0 ? 1 : 0
            let body: [UInt8] = round % 2 == 0 ? picked.flatMap { [UInt8($0.count)] + $0 }
                                               : picked.flatMap { [nameType, 0, UInt8($0.count)] + $0 }
            var d: [UInt8] = [UInt8(body.count >> 8), UInt8(body.count & 0xff)] + body
            if round % 4 == 0 { d = HandshakeFastPathTests.mutate(d, &rng) }
            d.withUnsafeBufferPointer { b in
                #expect(WellFormed.sharedALPN(b) == WellFormed.alpn(b), "\(d)")
                #expect(WellFormed.sharedServerNames(b) == WellFormed.serverNames(b), "\(d)")
            }
        }
    }

    @Test func aCopiedHelloIsAnIndependentValue() throws {
        let original = try ClientHello.parse(HandshakeFixtures.chromeClientHello[...])
        var copy = original
        #expect(copy == original && copy.hashValue == original.hashValue)
        copy.cipherSuites.append(CipherSuite(rawValue: 0x1234))
        copy.random[0] ^= 0xff
        copy.sessionID = Array(repeating: 7, count: 33)  // longer than the parsers allow: kept all the same
        copy.ecPointFormats = [9]
        copy.serverName = "other.example"
        #expect(copy != original)
        #expect(original == (try ClientHello.parse(HandshakeFixtures.chromeClientHello[...])))
        #expect(copy.sessionID == Array(repeating: 7, count: 33) && copy.sessionIDLength == 33)
        #expect(copy.ecPointFormats == [9] && copy.serverName == "other.example")
        copy = original
        #expect(copy == original)
        var server = try ServerHello.parse(HandshakeFixtures.tls12ServerHello[...])
        let serverOriginal = server
        server.random = [1, 2, 3]
        #expect(server.random == [1, 2, 3] && server.gmtUnixTime == 0)
        #expect(serverOriginal.random.count == 32 && server != serverOriginal)
    }

    @Test func sessionIDEchoMatchesComparingTheArrays() {
        var rng = SplitMix64(seed: 0x51d)
        let ids: [[UInt8]] = [[], [0], [0, 0], [1], Array(repeating: 5, count: 32), Array(repeating: 5, count: 31) + [6],
                              Array(repeating: 0, count: 40)]
        for _ in 0..<500 {
            var ch = ClientHello(), sh = ServerHello()
            ch.sessionID = ids.randomElement(using: &rng)!
            sh.sessionID = Bool.random(using: &rng) ? ch.sessionID : ids.randomElement(using: &rng)!
            #expect(sh.echoesSessionID(of: ch) == (!sh.sessionID.isEmpty && sh.sessionID == ch.sessionID))
            #expect(ch.sessionIDLength == ch.sessionID.count && sh.sessionIDLength == sh.sessionID.count)
        }
    }

    @Test func hellosParsedOnSeveralThreadsAtOnceAreTheSame() throws {
        // The shared lists are one table for every thread (`--jobs`): parse on four threads together.
        let bodies = HandshakeFastPathTests.clientHellos.map(\.1)
        let expected = try bodies.map { try ClientHello.parseChecked($0[...], fastExtensions: false) }
        let mismatches = Counter()
        DispatchQueue.concurrentPerform(iterations: 4) { worker in
            var rng = SplitMix64(seed: UInt64(worker) &+ 99)
            for _ in 0..<2000 {
                let k = Int.random(in: 0..<bodies.count, using: &rng)
                if (try? ClientHello.parse(bodies[k][...])) != expected[k] { mismatches.add() }
            }
        }
        #expect(mismatches.value == 0)
    }

    /// A well-formed ClientHello keeps its body and decodes it when a field is first read
    /// (`LazyClientHelloBox`): copies of one hello, first read on several threads at once (started together),
    /// all see the fields the checked reader gives, and the body is decoded once (a live capture renders a
    /// connection while it is still open; `--jobs` workers read their own hellos).
    @Test func aHelloFirstReadOnSeveralThreadsAtOnceDecodesOnce() throws {
        let bodies = HandshakeFastPathTests.clientHellos.map(\.1)
        let expected = try bodies.map { try ClientHello.parseChecked($0[...], fastExtensions: false) }
        let mismatches = Counter()
        for round in 0..<200 {
            let k = round % bodies.count
            let hello = try ClientHello.parse(bodies[k][...])
            #expect(!hello.isDecodedForTesting, "parsed, not yet read")
            // Threads of their own (a pool's threads may be fewer than the workers, which would never all arrive).
            let ready = Barrier(parties: 4)
            let done = DispatchGroup()
            for worker in 0..<4 {
                done.enter()
                let copy = hello
                let thread = Thread {
                    ready.arriveAndWait()
                    let same: Bool
                    switch worker {
                    case 0: same = copy.cipherSuites == expected[k].cipherSuites && copy.serverName == expected[k].serverName
                    case 1: same = copy.extensions == expected[k].extensions && copy.supportedVersions == expected[k].supportedVersions
                    case 2: same = copy.random == expected[k].random && copy.extensionErrors == expected[k].extensionErrors
                    default: same = copy == expected[k]
                    }
                    if !same { mismatches.add() }
                    done.leave()
                }
                thread.start()
            }
            done.wait()
            #expect(hello.isDecodedForTesting && hello == expected[k])
            #if DEBUG
            #expect(hello.decodesForTesting == 1)
            #endif
        }
        #expect(mismatches.value == 0)
    }

    @Test func changingACopyOfAnUndecodedHelloLeavesTheOriginal() throws {
        for (name, body) in HandshakeFastPathTests.clientHellos {
            let expected = try ClientHello.parseChecked(body[...], fastExtensions: false)
            let original = try ClientHello.parse(body[...])
            var changed = original   // both share the undecoded box
            changed.serverName = "changed.example"
            changed.cipherSuites.append(CipherSuite(rawValue: 0x1234))
            #expect(original == expected, "\(name)")
            #expect(changed.serverName == "changed.example" && changed.cipherSuites.last == CipherSuite(rawValue: 0x1234))
            #expect(changed.random == expected.random && changed.extensions == expected.extensions, "\(name)")
            // Changed before any read: the box is decoded first, then changed.
            var alone = try ClientHello.parse(body[...])
            alone.alpnProtocols = ["x"]
            #expect(alone.alpnProtocols == ["x"] && alone.signatureAlgorithms == expected.signatureAlgorithms, "\(name)")
        }
    }
}

/// Holds each of `parties` threads until all have arrived, so they start together.
private final class Barrier: @unchecked Sendable {
    private let arrived = Atomic<Int>(0)
    private let parties: Int
    init(parties: Int) { self.parties = parties }
    func arriveAndWait() {
        arrived.add(1, ordering: .acquiringAndReleasing)
        while arrived.load(ordering: .acquiring) < parties { sched_yield() }
    }
}

/// A count several threads add to.
private final class Counter: @unchecked Sendable {
    private let lock = DispatchQueue(label: "counter")
    private var n = 0
    func add() { lock.sync { n += 1 } }
    var value: Int { lock.sync { n } }
}
