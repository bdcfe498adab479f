import WireCore

/// A throwing view over `ByteReader` for handshake bodies. Every read names the field it reads,
/// so errors say what was short ("ClientHello: cipher_suites declares 300 bytes, 20 remain").
///
/// Running out of bytes means two different things depending on the container: at the level of
/// the whole body it is `truncated` (the body was cut short); inside a declared vector it is
/// `lengthMismatch` (the inner length contradicts the outer one).
///
/// Field names are autoclosures and the extension being read is kept as a value: the text of an
/// error is only built when there is an error (building it for every field and extension was a
/// third of the cost of parsing a ClientHello).
struct HandshakeReader {
    private(set) var reader: ByteReader
    private let messageName: String
    /// The extension whose data this reads, named in errors after the message.
    private let extensionType: ExtensionType?
    let isWholeBody: Bool

    init(_ bytes: ArraySlice<UInt8>, message: String, isWholeBody: Bool = true) {
        self.reader = ByteReader(bytes)
        self.messageName = message
        self.extensionType = nil
        self.isWholeBody = isWholeBody
    }

    /// A reader over one extension's data, inside `message`.
    init(extensionData bytes: ArraySlice<UInt8>, of type: ExtensionType, in message: String) {
        self.reader = ByteReader(bytes)
        self.messageName = message
        self.extensionType = type
        self.isWholeBody = false
    }

    private init(sub: ByteReader, of parent: HandshakeReader) {
        self.reader = sub
        self.messageName = parent.messageName
        self.extensionType = parent.extensionType
        self.isWholeBody = false
    }

    /// What errors name: "ClientHello", or "ClientHello extension supported_groups (10)".
    var message: String {
        guard let extensionType else { return messageName }
        return "\(messageName) extension \(extensionType)"
    }

    var remaining: Int { reader.remaining }
    var isAtEnd: Bool { reader.isAtEnd }
    var bytes: ArraySlice<UInt8> { reader.bytes }

    func peekUInt8(at offset: Int = 0) -> UInt8? { reader.peekUInt8(at: offset) }

    func peekUInt16(at offset: Int = 0) -> UInt16? {
        guard let hi = reader.peekUInt8(at: offset), let lo = reader.peekUInt8(at: offset + 1) else { return nil }
        return UInt16(hi) << 8 | UInt16(lo)
    }

    private func short(_ field: String, need: Int, have: Int) -> TLSDecodeError {
        if isWholeBody {
            return TLSDecodeError(.truncated, "\(message): \(field) needs \(need) bytes, \(have) remain in the body")
        }
        return TLSDecodeError(.lengthMismatch, "\(message): \(field) needs \(need) bytes, \(have) remain in its enclosing vector")
    }

    mutating func readUInt8(_ field: @autoclosure () -> String) throws(TLSDecodeError) -> UInt8 {
        guard let v = reader.readUInt8() else { throw short(field(), need: 1, have: remaining) }
        return v
    }

    mutating func readUInt16(_ field: @autoclosure () -> String) throws(TLSDecodeError) -> UInt16 {
        guard let v = reader.readUInt16() else { throw short(field(), need: 2, have: remaining) }
        return v
    }

    mutating func readUInt24(_ field: @autoclosure () -> String) throws(TLSDecodeError) -> UInt32 {
        guard let v = reader.readUInt24() else { throw short(field(), need: 3, have: remaining) }
        return v
    }

    mutating func readUInt32(_ field: @autoclosure () -> String) throws(TLSDecodeError) -> UInt32 {
        guard let v = reader.readUInt32() else { throw short(field(), need: 4, have: remaining) }
        return v
    }

    mutating func readBytes(_ count: Int, _ field: @autoclosure () -> String) throws(TLSDecodeError) -> ArraySlice<UInt8> {
        guard let s = reader.readSlice(length: count) else { throw short(field(), need: count, have: remaining) }
        return s
    }

    /// Reads a `<lo..hi>` vector with a 1-, 2- or 3-byte length and returns a reader over exactly
    /// its bytes (re-slicing to the declared length: nothing inside can read past it).
    mutating func readVector(lengthBytes: Int, _ field: @autoclosure () -> String) throws(TLSDecodeError) -> HandshakeReader {
        if let sub = reader.readLengthPrefixedReader(lengthBytes: lengthBytes) {
            return HandshakeReader(sub: sub, of: self)
        }
        var probe = reader
        let declared: Int?
        switch lengthBytes {
        case 1: declared = probe.readUInt8().map(Int.init)
        case 2: declared = probe.readUInt16().map(Int.init)
        default: declared = probe.readUInt24().map(Int.init)
        }
        guard let declared else { throw short("\(field()) length", need: lengthBytes, have: remaining) }
        if isWholeBody {
            throw TLSDecodeError(.truncated, "\(message): \(field()) declares \(declared) bytes, \(probe.remaining) remain in the body")
        }
        throw TLSDecodeError(.lengthMismatch, "\(message): \(field()) declares \(declared) bytes, \(probe.remaining) remain in its enclosing vector")
    }

    /// `opaque x<..>` as a copied array.
    mutating func readOpaque(lengthBytes: Int, _ field: @autoclosure () -> String) throws(TLSDecodeError) -> [UInt8] {
        Array(try readVector(lengthBytes: lengthBytes, field()).bytes)
    }

    /// A vector of 16-bit values (`CipherSuite cipher_suites<2..2^16-2>`, `NamedGroup ...`).
    mutating func readUInt16List(lengthBytes: Int, _ field: @autoclosure () -> String) throws(TLSDecodeError) -> [UInt16] {
        try readUInt16List(lengthBytes: lengthBytes, field(), as: { $0 })
    }

    /// The same, as code points of a registry type, built in one array sized up front.
    mutating func readUInt16List<T>(lengthBytes: Int, _ field: @autoclosure () -> String, as make: (UInt16) -> T)
        throws(TLSDecodeError) -> [T] {
        var sub = try readVector(lengthBytes: lengthBytes, field())
        guard sub.remaining % 2 == 0 else {
            throw TLSDecodeError(.lengthMismatch, "\(message): \(field()) has an odd length (\(sub.remaining) bytes) for 2-byte entries")
        }
        var out: [T] = []
        out.reserveCapacity(sub.remaining / 2)
        while let v = sub.reader.readUInt16() { out.append(make(v)) }
        return out
    }

    /// Requires exact consumption: anything left is `trailingBytes`.
    func expectEnd(_ after: String) throws(TLSDecodeError) {
        guard isAtEnd else {
            throw TLSDecodeError(.trailingBytes, "\(message): \(remaining) bytes left after \(after)")
        }
    }

    func error(_ code: TLSDecodeError.Code, _ reason: String, file: String = #fileID, line: UInt = #line) -> TLSDecodeError {
        TLSDecodeError(code, "\(message): \(reason)", file: file, line: line)
    }
}

/// Runs `decode` over one extension's data, requiring exact consumption; a failure is recorded as
/// text in `errors` and yields nil, so one malformed extension does not lose the rest of a hello.
func decodeExtensionData<T>(_ ext: TLSExtension, in message: String, errors: inout [String],
                            _ decode: (inout HandshakeReader) throws(TLSDecodeError) -> T) -> T? {
    var r = HandshakeReader(extensionData: ext.data[...], of: ext.type, in: message)
    do throws(TLSDecodeError) {
        let v = try decode(&r)
        try r.expectEnd("its contents")
        return v
    } catch {
        errors.append(error.description)
        return nil
    }
}

/// An extension whose data is one list of 16-bit code points behind a `lengthBytes` length: read straight
/// from memory when it is well formed (nearly always); otherwise the checked reader records what is wrong,
/// as `decodeExtensionData` does. The lists:
///
///     NamedGroup named_group_list<2..2^16-1>;                        /* RFC 8446 §4.2.7, RFC 8422 §5.1.1 */
///     SignatureScheme supported_signature_algorithms<2..2^16-2>;     /* RFC 8446 §4.2.3 */
///     ProtocolVersion versions<2..254>;                              /* RFC 8446 §4.2.1, ClientHello */
func decodeCodePointList<T>(_ ext: TLSExtension, lengthBytes: Int, _ field: String, in message: String,
                            errors: inout [String], fast: Bool = true, as make: (UInt16) -> T) -> [T]? {
    if fast, let list = ExtensionDecoders.wellFormedUInt16List(ext.data, lengthBytes: lengthBytes, as: make) { return list }
    return decodeExtensionData(ext, in: message, errors: &errors) { (r: inout HandshakeReader) throws(TLSDecodeError) in
        try r.readUInt16List(lengthBytes: lengthBytes, field, as: make)
    }
}

/// `decodeCodePointList` whose well-formed lists come from `SharedLists` (`shared(data, start, count)`).
@inline(__always)
func decodeSharedCodePointList<T>(_ ext: TLSExtension, lengthBytes: Int, _ field: String, in message: String,
                                  errors: inout [String], fast: Bool = true, as make: (UInt16) -> T,
                                  shared: (UnsafeBufferPointer<UInt8>, Int, Int) -> [T]) -> [T]? {
    if fast, let list = ext.data.withUnsafeBufferPointer({ WellFormed.sharedUInt16List($0, lengthBytes: lengthBytes, shared) }) {
        return list
    }
    return decodeCodePointList(ext, lengthBytes: lengthBytes, field, in: message, errors: &errors, fast: false, as: make)
}

/// `decodeExtensionData` behind a fast path: `quick` reads well-formed data straight from memory and
/// returns nil for anything else, which `decode` (the checked reader) then reports. `fast: false` runs
/// the checked reader only (the differential tests compare both).
@inline(__always)
func decodeExtensionData<T>(_ ext: TLSExtension, in message: String, errors: inout [String], fast: Bool,
                            _ quick: (UnsafeBufferPointer<UInt8>) -> T?,
                            _ decode: (inout HandshakeReader) throws(TLSDecodeError) -> T) -> T? {
    if fast, let v = ext.data.withUnsafeBufferPointer(quick) { return v }
    return decodeExtensionData(ext, in: message, errors: &errors, decode)
}

/// `opaque x<..>` read as text: attacker-controlled bytes decoded as UTF-8 with replacement
/// characters; escaping for output is the renderers' job.
func lossyString(_ bytes: ArraySlice<UInt8>) -> String { String(decoding: bytes, as: UTF8.self) }

/// TLS 1.3 and its drafts share the 1.3 message layouts.
func isTLS13(_ v: ProtocolVersion?) -> Bool { v.map { $0.rank == 6 } ?? false }
