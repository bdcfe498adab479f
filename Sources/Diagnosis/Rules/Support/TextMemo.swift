import Foundation

/// Texts remembered by the values they are made of. Most connections of a capture repeat a handful of
/// combinations (one server, one cipher, one certificate), so a rule that writes the same sentences for
/// each of them looks them up instead. Bounded: past `limit` keys, new ones are made and not kept.
/// Locked, because the catalogue's rule values, and so their memos, are shared by every diagnoser, and
/// diagnosers of several inputs may run at once.
final class TextMemo<Key: Hashable, Value>: @unchecked Sendable {   // `values` is behind `lock`
    private var values: [Key: Value] = [:]
    private let limit: Int
    private let lock = NSLock()

    init(limit: Int) { self.limit = limit }

    /// How many values are kept (for tests).
    var count: Int { lock.withLock { values.count } }

    /// The value for `key`: the one kept, or `make(key)`, kept while fewer than `limit` are. `make` runs
    /// outside the lock; it must depend on the key alone.
    func value(for key: Key, make: (Key) -> Value) -> Value {
        if let known = lock.withLock({ values[key] }) { return known }
        let made = make(key)
        lock.withLock { if values.count < limit { values[key] = made } }
        return made
    }
}
