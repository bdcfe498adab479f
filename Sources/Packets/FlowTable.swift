/// A hash table from a TCP connection (its two endpoints, in either order) to a class instance: the
/// connection tracker looks one up for every segment.
///
/// Why not `[FlowKey: Value]`: building the key, hashing it through `Hasher`, the generic probe loop and
/// the retain of the value read out of the dictionary were ~300 instructions per segment. Here a key is
/// five machine words compared directly; the table is open-addressed (linear probing, backward-shift
/// deletion, so no tombstones) and at most half full. The hash starts from a per-table random seed and
/// mixes every word non-linearly, so a crafted capture cannot make its connections collide.
///
/// A reference type: the table owns its slots and is meant to have a single owner. Not thread-safe.
public final class FlowTable<Value: AnyObject> {
    @usableFromInline var keys: UnsafeMutablePointer<FlowTableKey>
    @usableFromInline var values: UnsafeMutablePointer<Value?>
    /// Slot count minus one (the slot count is a power of two).
    @usableFromInline var mask: Int
    @usableFromInline let seed: UInt64
    /// Entries held.
    public private(set) var count = 0

    public init() {
        var g = SystemRandomNumberGenerator()
        seed = g.next()
        mask = 63
        keys = .allocate(capacity: 64)
        keys.initialize(repeating: FlowTableKey.empty, count: 64)
        values = .allocate(capacity: 64)
        values.initialize(repeating: nil, count: 64)
    }

    deinit {
        values.deinitialize(count: mask + 1)
        values.deallocate()
        keys.deallocate()
    }

    public var isEmpty: Bool { count == 0 }

    @inlinable @inline(__always)
    func home(_ k: FlowTableKey) -> Int {
        @inline(__always) func mix(_ h: UInt64, _ v: UInt64) -> UInt64 {
            let x = (h ^ v) &* 0x9E37_79B9_7F4A_7C15
            return x ^ (x >> 29)
        }
        var h = mix(seed, k.w0)
        h = mix(h, k.w1)
        h = mix(h, k.w2)
        h = mix(h, k.w3)
        h = mix(h, k.w4)
        return Int(truncatingIfNeeded: h) & mask
    }

    /// The slot holding `k`, or -1.
    @inlinable @inline(__always)
    func slot(of k: FlowTableKey) -> Int {
        var i = home(k)
        while true {
            let s = keys[i]
            if s == k { return i }
            if s.w4 == 0 { return -1 }
            i = (i &+ 1) & mask
        }
    }

    /// The value stored for the connection between `x` and `y` (either direction).
    @inlinable
    public func value(_ x: Endpoint, _ y: Endpoint) -> Value? {
        let i = slot(of: FlowTableKey(x, y))
        return i < 0 ? nil : values[i]
    }

    @inlinable
    public subscript(key: FlowKey) -> Value? {
        get { value(key.a, key.b) }
        set {
            if let v = newValue { set(v, key.a, key.b) } else { removeValue(forKey: key) }
        }
    }

    /// Stores `v` for the connection between `x` and `y`, replacing what was there.
    public func set(_ v: Value, _ x: Endpoint, _ y: Endpoint) {
        let k = FlowTableKey(x, y)
        var i = home(k)
        while true {
            let s = keys[i]
            if s == k { values[i] = v; return }
            if s.w4 == 0 { break }
            i = (i &+ 1) & mask
        }
        keys[i] = k
        values[i] = v
        count += 1
        if count * 2 > mask + 1 { grow() }
    }

    /// Removes the entry for `key` and returns its value, if there was one.
    @discardableResult
    public func removeValue(forKey key: FlowKey) -> Value? {
        var hole = slot(of: FlowTableKey(key.a, key.b))
        guard hole >= 0 else { return nil }
        let old = (values + hole).move()
        count -= 1
        // Backward shift: later entries of the same probe run move up into the hole, so a lookup never
        // stops early at an empty slot in front of its key.
        var j = hole
        while true {
            j = (j &+ 1) & mask
            let s = keys[j]
            if s.w4 == 0 { break }
            let h = home(s)
            // The entry at j may move to the hole when its home is not cyclically within (hole, j].
            let stays = hole <= j ? (hole < h && h <= j) : (hole < h || h <= j)
            if stays { continue }
            keys[hole] = s
            (values + hole).moveInitialize(from: values + j, count: 1)
            hole = j
        }
        keys[hole] = FlowTableKey.empty
        (values + hole).initialize(to: nil)
        return old
    }

    /// Removes every entry (the capacity is kept).
    public func removeAll() {
        for i in 0...mask where keys[i].w4 != 0 {
            keys[i] = FlowTableKey.empty
            values[i] = nil
        }
        count = 0
    }

    /// Calls `body` with each entry, in slot order. `body` must not change the table.
    public func forEach(_ body: (FlowKey, Value) throws -> Void) rethrows {
        for i in 0...mask where keys[i].w4 != 0 {
            try body(keys[i].key, values[i]!)
        }
    }

    /// Every entry, as an array (the table may then be changed while going through it).
    public var entries: [(key: FlowKey, value: Value)] {
        var out: [(key: FlowKey, value: Value)] = []
        out.reserveCapacity(count)
        forEach { out.append(($0, $1)) }
        return out
    }

    private func grow() {
        let oldKeys = keys, oldValues = values, oldCount = mask + 1
        let newCount = oldCount * 2
        keys = .allocate(capacity: newCount)
        keys.initialize(repeating: FlowTableKey.empty, count: newCount)
        values = .allocate(capacity: newCount)
        values.initialize(repeating: nil, count: newCount)
        mask = newCount - 1
        for j in 0..<oldCount where oldKeys[j].w4 != 0 {
            let k = oldKeys[j]
            var i = home(k)
            while keys[i].w4 != 0 { i = (i &+ 1) & mask }
            keys[i] = k
            (values + i).moveInitialize(from: oldValues + j, count: 1)
        }
        // Occupied slots were moved out; the others hold nil, which needs no deinitialising.
        oldKeys.deallocate()
        oldValues.deallocate()
    }
}

/// A key as stored: the canonical (`FlowKey`) order of the endpoints; `w4` holds both ports, both
/// IPv6 bits and bit 63 (set in every stored key: a slot with `w4 == 0` is empty).
@usableFromInline
struct FlowTableKey: Equatable {
    @usableFromInline var w0: UInt64, w1: UInt64, w2: UInt64, w3: UInt64, w4: UInt64

    @inlinable @inline(__always)
    init(_ x: Endpoint, _ y: Endpoint) {
        let (a, b) = FlowTableKey.less(y, x) ? (y, x) : (x, y)
        w0 = a.ip.high; w1 = a.ip.low; w2 = b.ip.high; w3 = b.ip.low
        w4 = 1 << 63 | UInt64(a.port) << 32 | UInt64(b.port) << 16 | (a.ip.isV6 ? 2 : 0) | (b.ip.isV6 ? 1 : 0)
    }

    /// `Endpoint.<` (IPv4 before IPv6, then address, then port), spelled out without tuples.
    @inlinable @inline(__always)
    static func less(_ x: Endpoint, _ y: Endpoint) -> Bool {
        if x.ip.isV6 != y.ip.isV6 { return y.ip.isV6 }
        if x.ip.high != y.ip.high { return x.ip.high < y.ip.high }
        if x.ip.low != y.ip.low { return x.ip.low < y.ip.low }
        return x.port < y.port
    }

    var key: FlowKey {
        let a = Endpoint(ip: FlowTableKey.address(w0, w1, v6: w4 & 2 != 0), port: UInt16(truncatingIfNeeded: w4 >> 32))
        let b = Endpoint(ip: FlowTableKey.address(w2, w3, v6: w4 & 1 != 0), port: UInt16(truncatingIfNeeded: w4 >> 16))
        return FlowKey(a, b)
    }

    /// The address whose words were stored (field by field: exact for any value, not only decoded ones).
    static func address(_ high: UInt64, _ low: UInt64, v6: Bool) -> IPAddress {
        var ip = IPAddress(v4: 0)
        ip.high = high; ip.low = low; ip.isV6 = v6
        return ip
    }
}

extension FlowTableKey {
    @usableFromInline static var empty: FlowTableKey { FlowTableKey(w0: 0, w1: 0, w2: 0, w3: 0, w4: 0) }
    @inlinable init(w0: UInt64, w1: UInt64, w2: UInt64, w3: UInt64, w4: UInt64) {
        self.w0 = w0; self.w1 = w1; self.w2 = w2; self.w3 = w3; self.w4 = w4
    }
}
