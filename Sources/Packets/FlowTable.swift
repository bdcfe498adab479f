/// A hash table from a TCP connection (its two endpoints, in either order) to a class instance: the
/// connection tracker looks one up for every segment.
///
/// Why not `[FlowKey: Value]`: building the key, hashing it through `Hasher`, the generic probe loop and
/// the retain of the value read out of the dictionary were ~300 instructions per segment. Here a key is
/// five machine words compared directly; the table is open-addressed (linear probing, backward-shift
/// deletion, so no tombstones) and at most half full.
///
/// A key is stored in the order its connection was `set` (first endpoint, second endpoint), not in a
/// canonical order: the hash is direction-independent (each endpoint is hashed alone and the two are
/// added), and a probe compares a slot with the key both ways round. So a lookup sorts nothing and
/// says which way round it matched (`lookup`), which is the segment's direction in its connection.
/// Each endpoint's hash multiplies its words, xored with per-table random seeds, at full width, and
/// the sum is mixed again with a third seed: a crafted capture cannot make its connections collide.
///
/// Values are held retained in unmanaged slots, so `lookup` hands one out without a retain and release.
///
/// A reference type: the table owns its slots and is meant to have a single owner. Not thread-safe.
public final class FlowTable<Value: AnyObject> {
    @usableFromInline var keys: UnsafeMutablePointer<FlowTableKey>
    /// One retain per occupied slot (taken in `set`, given back on removal and in deinit); nil when empty.
    @usableFromInline var values: UnsafeMutablePointer<Unmanaged<Value>?>
    /// Slot count minus one (the slot count is a power of two).
    @usableFromInline var mask: Int
    @usableFromInline let seed0: UInt64, seed1: UInt64, seed2: UInt64
    /// Entries held.
    public private(set) var count = 0

    public init() {
        var g = SystemRandomNumberGenerator()
        seed0 = g.next()
        seed1 = g.next()
        seed2 = g.next() | 1
        mask = 63
        keys = .allocate(capacity: 64)
        keys.initialize(repeating: FlowTableKey.empty, count: 64)
        values = .allocate(capacity: 64)
        values.initialize(repeating: nil, count: 64)
    }

    deinit {
        for i in 0...mask { values[i]?.release() }
        values.deallocate()
        keys.deallocate()
    }

    public var isEmpty: Bool { count == 0 }

    /// One endpoint's share of the hash: `low`, and `high` with the port and family, multiplied at full width.
    @inlinable @inline(__always)
    func endpointHash(_ high: UInt64, _ low: UInt64, _ portAndFamily: UInt64) -> UInt64 {
        let m = (low ^ seed0).multipliedFullWidth(by: high ^ portAndFamily ^ seed1)
        return m.high ^ m.low
    }

    /// The home slot of the connection between the two endpoints (the same for either order).
    @inlinable @inline(__always)
    func home(_ xh: UInt64, _ xl: UInt64, _ xp: UInt64, _ yh: UInt64, _ yl: UInt64, _ yp: UInt64) -> Int {
        let m = (endpointHash(xh, xl, xp) &+ endpointHash(yh, yl, yp)).multipliedFullWidth(by: seed2)
        return Int(truncatingIfNeeded: m.high ^ m.low) & mask
    }

    @inlinable @inline(__always)
    func home(_ x: Endpoint, _ y: Endpoint) -> Int {
        home(x.ip.high, x.ip.low, FlowTableKey.portAndFamily(x), y.ip.high, y.ip.low, FlowTableKey.portAndFamily(y))
    }

    @inlinable @inline(__always)
    func home(_ k: FlowTableKey) -> Int {
        home(k.w0, k.w1, k.w4 >> 32 & 0xffff | (k.w4 & 2) << 15, k.w2, k.w3, k.w4 >> 16 & 0xffff | (k.w4 & 1) << 16)
    }

    /// The slot holding the connection between `x` and `y`, times two, plus one when it was stored as
    /// (`y`, `x`) and not as (`x`, `y`); or -1.
    @inlinable @inline(__always)
    func find(_ x: Endpoint, _ y: Endpoint) -> Int {
        let forward = FlowTableKey(x, y)
        let reverse = forward.swapped
        var i = home(x, y)
        while true {
            let s = keys[i]
            if s == forward { return i &<< 1 }
            if s == reverse { return i &<< 1 | 1 }
            if s.w4 == 0 { return -1 }
            i = (i &+ 1) & mask
        }
    }

    /// The value stored for the connection between `x` and `y` (either direction), unretained: it stays
    /// valid while the table holds it (until it is replaced or removed), and `reversed` says whether the
    /// connection was stored as (`y`, `x`), i.e. `x` is the second endpoint given to `set`.
    @inlinable @inline(__always)
    public func lookup(_ x: Endpoint, _ y: Endpoint) -> (value: Unmanaged<Value>, reversed: Bool)? {
        let f = find(x, y)
        guard f >= 0 else { return nil }
        return (values[f &>> 1].unsafelyUnwrapped, f & 1 != 0)
    }

    /// The value stored for the connection between `x` and `y` (either direction).
    @inlinable
    public func value(_ x: Endpoint, _ y: Endpoint) -> Value? {
        let f = find(x, y)
        return f < 0 ? nil : values[f &>> 1]?.takeUnretainedValue()
    }

    @inlinable
    public subscript(key: FlowKey) -> Value? {
        get { value(key.a, key.b) }
        set {
            if let v = newValue { set(v, key.a, key.b) } else { removeValue(forKey: key) }
        }
    }

    /// Stores `v` for the connection between `x` and `y`, replacing what was there; the connection is
    /// then stored as (`x`, `y`), whichever way round it was before.
    public func set(_ v: Value, _ x: Endpoint, _ y: Endpoint) {
        let new = Unmanaged.passRetained(v)
        let f = find(x, y)
        if f >= 0 {
            let i = f >> 1
            let old = values[i]
            keys[i] = FlowTableKey(x, y)
            values[i] = new
            old?.release()
            return
        }
        var i = home(x, y)
        while keys[i].w4 != 0 { i = (i &+ 1) & mask }
        keys[i] = FlowTableKey(x, y)
        values[i] = new
        count += 1
        if count * 2 > mask + 1 { grow() }
    }

    /// Removes the entry for `key` and returns its value, if there was one.
    @discardableResult
    public func removeValue(forKey key: FlowKey) -> Value? {
        let f = find(key.a, key.b)
        guard f >= 0 else { return nil }
        var hole = f >> 1
        let old = values[hole]!.takeRetainedValue()
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
            values[hole] = values[j]
            hole = j
        }
        keys[hole] = FlowTableKey.empty
        values[hole] = nil
        return old
    }

    /// Removes every entry (the capacity is kept).
    public func removeAll() {
        for i in 0...mask where keys[i].w4 != 0 {
            keys[i] = FlowTableKey.empty
            let v = values[i]
            values[i] = nil
            v?.release()
        }
        count = 0
    }

    /// Calls `body` with each entry, in slot order. `body` must not change the table.
    public func forEach(_ body: (FlowKey, Value) throws -> Void) rethrows {
        for i in 0...mask where keys[i].w4 != 0 {
            try body(keys[i].key, values[i]!.takeUnretainedValue())
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

/// A key as stored: the endpoints in the order the connection was `set`; `w4` holds both ports, both
/// IPv6 bits and bit 63 (set in every stored key: a slot with `w4 == 0` is empty).
@usableFromInline
struct FlowTableKey: Equatable {
    @usableFromInline var w0: UInt64, w1: UInt64, w2: UInt64, w3: UInt64, w4: UInt64

    @inlinable @inline(__always)
    init(_ x: Endpoint, _ y: Endpoint) {
        w0 = x.ip.high; w1 = x.ip.low; w2 = y.ip.high; w3 = y.ip.low
        w4 = 1 << 63 | UInt64(x.port) << 32 | UInt64(y.port) << 16 | (x.ip.isV6 ? 2 : 0) | (y.ip.isV6 ? 1 : 0)
    }

    /// The same connection with its endpoints the other way round.
    @inlinable @inline(__always)
    var swapped: FlowTableKey {
        FlowTableKey(w0: w2, w1: w3, w2: w0, w3: w1,
                     w4: 1 << 63 | (w4 >> 16 & 0xffff) << 32 | (w4 >> 32 & 0xffff) << 16 | (w4 & 1) << 1 | (w4 >> 1 & 1))
    }

    /// An endpoint's port and address family as the hash takes them.
    @inlinable @inline(__always)
    static func portAndFamily(_ e: Endpoint) -> UInt64 { UInt64(e.port) | (e.ip.isV6 ? 1 << 16 : 0) }

    /// Every word compared, without a branch per word.
    @inlinable @inline(__always)
    static func == (a: FlowTableKey, b: FlowTableKey) -> Bool {
        (a.w0 ^ b.w0) | (a.w1 ^ b.w1) | (a.w2 ^ b.w2) | (a.w3 ^ b.w3) | (a.w4 ^ b.w4) == 0
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

/// What an `ExpiryQueue` keeps in each value: when it is due, and where it sits in the queue.
public protocol ExpiryQueueMember: AnyObject {
    /// The time the value is due, as it was when last queued or moved (the queue orders by it).
    var expiryDue: Double { get set }
    /// The value's place in its queue; -1 when it is in none. Only the queue writes it.
    var expiryIndex: Int { get set }
}

/// Values ordered by the time they are due (a binary min-heap that tells each value where it is, so one
/// can be moved or taken out without a search): the tracker finds its idle connections and old
/// tombstones here instead of looking at every entry of its table. A value is in at most one queue.
public struct ExpiryQueue<Value: ExpiryQueueMember> {
    @usableFromInline var heap: [Value] = []

    public init() {}

    public var count: Int { heap.count }

    /// The value due first, if any.
    @inlinable public var first: Value? { heap.first }

    /// Puts `v` in the queue due at `due`, or moves it there if it is in already.
    @inlinable
    public mutating func schedule(_ v: Value, due: Double) {
        let i = v.expiryIndex
        v.expiryDue = due
        if i < 0 {
            v.expiryIndex = heap.count
            heap.append(v)
            siftUp(heap.count - 1)
        } else {
            siftUp(i)
            siftDown(v.expiryIndex)
        }
    }

    /// Takes `v` out of the queue (nothing happens when it is not in).
    @inlinable
    public mutating func remove(_ v: Value) {
        let i = v.expiryIndex
        guard i >= 0 else { return }
        v.expiryIndex = -1
        let last = heap.removeLast()
        guard i < heap.count else { return }
        heap[i] = last
        last.expiryIndex = i
        siftUp(i)
        siftDown(last.expiryIndex)
    }

    /// Takes out and returns the value due first.
    @inlinable
    public mutating func removeFirst() -> Value {
        let v = heap[0]
        remove(v)
        return v
    }

    /// Takes every value out.
    public mutating func removeAll() {
        for v in heap { v.expiryIndex = -1 }
        heap.removeAll()
    }

    @inlinable
    mutating func siftUp(_ start: Int) {
        var i = start
        let v = heap[i]
        let due = v.expiryDue
        while i > 0 {
            let parent = (i - 1) / 2
            let p = heap[parent]
            guard due < p.expiryDue else { break }
            heap[i] = p
            p.expiryIndex = i
            i = parent
        }
        heap[i] = v
        v.expiryIndex = i
    }

    @inlinable
    mutating func siftDown(_ start: Int) {
        var i = start
        let v = heap[i]
        let due = v.expiryDue
        let n = heap.count
        while true {
            var child = 2 * i + 1
            guard child < n else { break }
            if child + 1 < n && heap[child + 1].expiryDue < heap[child].expiryDue { child += 1 }
            let c = heap[child]
            guard c.expiryDue < due else { break }
            heap[i] = c
            c.expiryIndex = i
            i = child
        }
        heap[i] = v
        v.expiryIndex = i
    }
}
