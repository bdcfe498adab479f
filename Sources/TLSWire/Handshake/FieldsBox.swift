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
