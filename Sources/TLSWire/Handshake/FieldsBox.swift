import Synchronization

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
/// Thread safety: a box is written once by `decodeOnce` (under `decodeLock`, before `isDecoded` is set
/// with release ordering) and otherwise only through `unique`, i.e. when one value owns it. Copies of one
/// hello can be read on two threads at once (a live capture summarises an open connection on the
/// packet thread and renders it on another), hence the lock and the atomic flag.
///
/// Not generic: as a generic class its fields were copied through value witnesses, not inline.
final class LazyClientHelloBox: @unchecked Sendable {
    typealias Fields = ClientHello.Fields
    private var storage = Fields()
    /// The body still to decode; nil once decoded (or for a box made from fields).
    private var pending: [UInt8]?
    /// What the check of the body found, so the decode does not walk the extension block again.
    private var pendingLayout: ClientHello.WellFormedLayout?
    private let isDecoded: Atomic<Bool>

    init(_ fields: Fields) {
        storage = fields
        isDecoded = Atomic(true)
    }

    /// A box whose fields `ClientHello.decodeWellFormed` makes from `body` (laid out as `layout` says)
    /// when first read.
    init(pending body: [UInt8], layout: ClientHello.WellFormedLayout) {
        pending = body
        pendingLayout = layout
        isDecoded = Atomic(false)
    }

    var fields: Fields {
        _read {
            if !isDecoded.load(ordering: .acquiring) { decodeOnce() }
            yield storage
        }
        _modify {
            if !isDecoded.load(ordering: .acquiring) { decodeOnce() }
            yield &storage
        }
    }

    @inline(never)
    private func decodeOnce() {
        lazyHelloDecodeLock.withLock { _ in
            guard !isDecoded.load(ordering: .relaxed), let body = pending, let layout = pendingLayout else { return }
            ClientHello.decodeWellFormed(body, layout, into: &storage)
            pending = nil
            pendingLayout = nil
            isDecoded.store(true, ordering: .releasing)
        }
    }

    /// `box`, copied (decoded) first if another value shares it.
    @inline(__always)
    static func unique(_ box: inout LazyClientHelloBox) -> LazyClientHelloBox {
        if !isKnownUniquelyReferenced(&box) { box = LazyClientHelloBox(box.fields) }
        return box
    }
}

/// One lock for every `LazyClientHelloBox`: a decode happens once per hello, nearly always on one thread.
private let lazyHelloDecodeLock = Mutex(())
