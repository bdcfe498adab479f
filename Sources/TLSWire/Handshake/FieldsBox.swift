import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The copy-on-write storage of a hello (ClientHello, ServerHello): its fields in one heap box, so a
/// copy or a destroy of the hello is one retain or release instead of a walk over ~15 arrays.
///
/// Mutated only through `unique(_:)`, i.e. only when one value owns the box: a box that more than one
/// value (or thread) can see is never written.
final class FieldsBox<Fields>: @unchecked Sendable {
    var fields: Fields
    init(_ fields: Fields) { self.fields = fields }

    /// `box`, copied first if another value shares it.
    @inline(__always)
    static func unique(_ box: inout FieldsBox) -> FieldsBox {
        if !isKnownUniquelyReferenced(&box) { box = FieldsBox(box.fields) }
        return box
    }
}

/// A ClientHello's storage, its fields decoded on first read, on whichever thread reads first.
///
/// Why: the packet thread is the busier of the two (1 GB bench: ~0.5 s against the render thread's
/// ~0.4 s), and decoding a hello's extensions into lists was ~9 % of its time, while the hello is read
/// only when the finished connection is summarised, on the render thread. The packet thread now checks
/// the hello's structure (all that decides between a ClientHello and a malformed message) and keeps a
/// copy of its body; the decode that follows cannot fail, and gives the same fields on either thread.
///
/// Thread safety: a box is written once by `decodeOnce`, by the one thread that moved `state` from
/// pending to decoding, before it sets decoded with release ordering; readers load it with acquire
/// ordering, and a reader that finds another thread decoding waits for it (a few microseconds). Otherwise
/// it is written only through `unique`, i.e. when one value owns it. Copies of one hello can be read on
/// two threads at once (a live capture summarises an open connection on the packet thread and renders
/// it on another; with `--jobs` each worker reads its own hellos), hence the per-box state, not a lock
/// that every worker would queue on.
///
/// Not generic: as a generic class its fields were copied through value witnesses, not inline.
final class LazyClientHelloBox: @unchecked Sendable {
    typealias Fields = ClientHello.Fields
    private var storage = Fields()
    /// The body still to decode, and what the check of it found (so the decode does not walk the extension
    /// block again); nil once decoded, or for a box made from fields.
    private var pending: (body: [UInt8], layout: ClientHello.WellFormedLayout)?
    private static let toDecode = 0, decoding = 1, decoded = 2
    private let state: Atomic<Int>
    #if DEBUG
    /// How many times the body was decoded (tests: once, however many threads read at once).
    private(set) var decodes = 0
    #endif

    init(_ fields: Fields) {
        storage = fields
        state = Atomic(Self.decoded)
    }

    /// A box whose fields `ClientHello.decodeWellFormed` makes from `body` (laid out as `layout` says)
    /// when first read.
    init(pending body: [UInt8], layout: ClientHello.WellFormedLayout) {
        pending = (body, layout)
        state = Atomic(Self.toDecode)
    }

    /// The fields have been decoded (always, for a box made from fields).
    var isDecoded: Bool { state.load(ordering: .acquiring) == Self.decoded }

    var fields: Fields {
        _read {
            if state.load(ordering: .acquiring) != Self.decoded { decodeOnce() }
            yield storage
        }
        _modify {
            if state.load(ordering: .acquiring) != Self.decoded { decodeOnce() }
            yield &storage
        }
    }

    @inline(never)
    private func decodeOnce() {
        guard state.compareExchange(expected: Self.toDecode, desired: Self.decoding, ordering: .acquiring).exchanged else {
            // Another thread is decoding this box (or has just finished).
            while state.load(ordering: .acquiring) != Self.decoded { sched_yield() }
            return
        }
        if let (body, layout) = pending {
            ClientHello.decodeWellFormed(body, layout, into: &storage)
        }
        pending = nil
        #if DEBUG
        decodes += 1
        #endif
        state.store(Self.decoded, ordering: .releasing)
    }

    /// `box`, copied (decoded) first if another value shares it.
    @inline(__always)
    static func unique(_ box: inout LazyClientHelloBox) -> LazyClientHelloBox {
        if !isKnownUniquelyReferenced(&box) { box = LazyClientHelloBox(box.fields) }
        return box
    }
}
