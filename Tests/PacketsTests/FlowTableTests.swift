import Testing
@testable import Packets

/// The tracker's connection table agrees with a Dictionary keyed by FlowKey, through growth and deletions.
struct FlowTableTests {
    final class Box { let n: Int; init(_ n: Int) { self.n = n } }

    static func endpoint(_ i: Int, v6: Bool = false) -> Endpoint {
        let ip = v6 ? IPAddress(v6High: 0xfd00 << 48 | UInt64(i % 7), v6Low: UInt64(i / 3))
                    : IPAddress(v4: 0x0a00_0000 | UInt32(truncatingIfNeeded: i % 251))
        return Endpoint(ip: ip, port: UInt16(truncatingIfNeeded: 1000 + i % 97))
    }

    @Test func aConnectionIsFoundFromEitherDirection() {
        let t = FlowTable<Box>()
        let c = Self.endpoint(1), s = Self.endpoint(2)
        t.set(Box(7), c, s)
        #expect(t.value(c, s)?.n == 7)
        #expect(t.value(s, c)?.n == 7)
        #expect(t[FlowKey(s, c)]?.n == 7)
        #expect(t.value(c, Self.endpoint(3)) == nil)
        t.set(Box(8), s, c)
        #expect(t.count == 1 && t.value(c, s)?.n == 8, "the same connection is replaced, not added")
    }

    @Test func lookupSaysWhichWayRoundTheConnectionWasStored() throws {
        let t = FlowTable<Box>()
        let c = Self.endpoint(1), s = Self.endpoint(2)
        t.set(Box(1), c, s)
        let fwd = try #require(t.lookup(c, s))
        let rev = try #require(t.lookup(s, c))
        #expect(!fwd.reversed && rev.reversed)
        #expect(fwd.value.takeUnretainedValue().n == 1 && rev.value.takeUnretainedValue().n == 1)
        // Replacing from the other side stores the connection the new way round.
        t.set(Box(2), s, c)
        #expect(t.lookup(s, c)?.reversed == false && t.lookup(c, s)?.reversed == true)
        #expect(t.count == 1)
        // An endpoint talking to itself matches forwards.
        t.set(Box(3), c, c)
        #expect(t.lookup(c, c)?.reversed == false && t.lookup(c, c)?.value.takeUnretainedValue().n == 3)
        #expect(t.lookup(Self.endpoint(3), c) == nil)
    }

    @Test func replacedAndRemovedValuesAreReleasedAndTheRestKept() {
        let t = FlowTable<Box>()
        weak var first: Box?
        weak var second: Box?
        do {
            let a = Box(1), b = Box(2)
            first = a; second = b
            t.set(a, Self.endpoint(1), Self.endpoint(2))
            t.set(b, Self.endpoint(3), Self.endpoint(4))
        }
        t.set(Box(5), Self.endpoint(2), Self.endpoint(1))
        #expect(first == nil, "the replaced value was released")
        #expect(second?.n == 2)
        let removed = t.removeValue(forKey: FlowKey(Self.endpoint(4), Self.endpoint(3)))
        #expect(removed?.n == 2)
        #expect(second != nil, "a removed value is handed back, still alive")
        _ = consume removed
        #expect(second == nil)
        var table: FlowTable<Box>? = FlowTable<Box>()
        weak var last: Box?
        do { let b = Box(9); last = b; table?.set(b, Self.endpoint(5), Self.endpoint(6)) }
        table = nil
        #expect(last == nil, "deinit releases what the table held")
    }

    @Test func ipv4AndIPv6WithTheSameWordsAreDifferentConnections() {
        let t = FlowTable<Box>()
        let a4 = Endpoint(ip: IPAddress(v4: 5), port: 1), b4 = Endpoint(ip: IPAddress(v4: 6), port: 2)
        let a6 = Endpoint(ip: IPAddress(v6High: 0, v6Low: 5), port: 1), b6 = Endpoint(ip: IPAddress(v6High: 0, v6Low: 6), port: 2)
        t.set(Box(4), a4, b4)
        #expect(t.value(a6, b6) == nil)
        t.set(Box(6), a6, b6)
        #expect(t.value(a4, b4)?.n == 4 && t.value(a6, b6)?.n == 6 && t.count == 2)
        var keys: [FlowKey] = []
        t.forEach { k, _ in keys.append(k) }
        #expect(Set(keys) == [FlowKey(a4, b4), FlowKey(a6, b6)], "iteration gives back the keys exactly")
    }

    @Test func manyInsertionsAndDeletionsAgreeWithADictionary() {
        let t = FlowTable<Box>()
        var reference: [FlowKey: Int] = [:]
        var rng = SplitMix(seed: 42)
        for step in 0..<20_000 {
            let x = Self.endpoint(Int(rng.next() % 400), v6: rng.next() % 5 == 0)
            let y = Self.endpoint(Int(rng.next() % 400) + 400, v6: rng.next() % 5 == 0)
            let key = FlowKey(x, y)
            switch rng.next() % 3 {
            case 0, 1:
                t.set(Box(step), x, y)
                reference[key] = step
            default:
                #expect(t.removeValue(forKey: key)?.n == reference.removeValue(forKey: key))
            }
            if step % 997 == 0 {
                #expect(t.count == reference.count)
                for (k, v) in reference { #expect(t[k]?.n == v) }
            }
        }
        var seen: [FlowKey: Int] = [:]
        t.forEach { k, v in seen[k] = v.n }
        #expect(seen == reference)
        for (k, _) in t.entries { t[k] = nil }
        #expect(t.count == 0 && t.isEmpty)
        t.forEach { _, _ in Issue.record("emptied table still has an entry") }
    }

    @Test func removeAllReleasesTheValues() {
        let t = FlowTable<Box>()
        weak var held: Box?
        do {
            let b = Box(1)
            held = b
            t.set(b, Self.endpoint(1), Self.endpoint(2))
        }
        #expect(held != nil)
        t.removeAll()
        #expect(held == nil && t.count == 0)
        t.set(Box(2), Self.endpoint(1), Self.endpoint(2))
        #expect(t.value(Self.endpoint(2), Self.endpoint(1))?.n == 2)
    }

    struct SplitMix {
        var state: UInt64
        init(seed: UInt64) { state = seed }
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }
}
