import Testing
@testable import TLSWire

/// The shared code-point lists are bounded by construction (`slotCount` slots per kind, each holding
/// one key of at most `maxKeyBytes`): a short list read twice is the very same array (kept), a list
/// over `maxKeyBytes` is a new array each time (never kept), so hostile hellos cannot fill the tables.
@Suite struct SharedListsBoundTests {
    static func storage(_ a: [CipherSuite]) -> UnsafeRawPointer? {
        a.withUnsafeBufferPointer { UnsafeRawPointer($0.baseAddress) }
    }

    static func suites(pairs: Int, seed: UInt16) -> [UInt8] {
        (0..<pairs).flatMap { i -> [UInt8] in
            let v = UInt16(truncatingIfNeeded: i &* 7 &+ Int(seed))
            return [UInt8(v >> 8), UInt8(truncatingIfNeeded: v)]
        }
    }

    @Test func aShortListIsKeptAndALongOneIsNot() {
        let short = Self.suites(pairs: 20, seed: 0x1301)
        let long = Self.suites(pairs: SharedLists.maxKeyBytes / 2 + 1, seed: 0x0a0a)   // 514 bytes
        func lookup(_ bytes: [UInt8]) -> [CipherSuite] {
            bytes.withUnsafeBufferPointer { SharedLists.cipherSuites($0, 0, $0.count / 2) }
        }
        // Other tests use the tables at the same time and may take the slot between two reads: a few tries.
        let shortShared = (0..<3).contains { _ in
            let a = lookup(short), b = lookup(short)
            return a == b && Self.storage(a) == Self.storage(b)
        }
        #expect(shortShared, "a short list is shared")
        let l1 = lookup(long), l2 = lookup(long)
        #expect(l1 == l2 && l1.count == long.count / 2)
        #expect(Self.storage(l1) != Self.storage(l2), "a list over maxKeyBytes is made afresh each time")
    }
}
