#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Texts remembered by the values they are made of. Most connections of a capture repeat a handful of
/// combinations (one server, one cipher, one certificate), so a rule that writes the same sentences for
/// each of them looks them up instead. Bounded: past `limit` keys, new ones are made and not kept.
/// Locked, because the catalogue's rule values, and so their memos, are shared by every diagnoser, and
/// diagnosers of several inputs may run at once (pthreads: Diagnosis does not import Foundation).
final class TextMemo<Key: Hashable, Value>: @unchecked Sendable {
    private var values: [Key: Value] = [:]
    private let limit: Int
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)

    init(limit: Int) {
        self.limit = limit
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    /// How many values are kept (for tests).
    var count: Int {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return values.count
    }

    /// The value for `key`: the one kept, or `make(key)`, kept while fewer than `limit` are. `make` runs
    /// outside the lock; it must depend on the key alone.
    func value(for key: Key, make: (Key) -> Value) -> Value {
        pthread_mutex_lock(mutex)
        let known = values[key]
        pthread_mutex_unlock(mutex)
        if let known { return known }
        let made = make(key)
        pthread_mutex_lock(mutex)
        if values.count < limit { values[key] = made }
        pthread_mutex_unlock(mutex)
        return made
    }
}
