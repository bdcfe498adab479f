/// One hello (or EncryptedExtensions, CertificateRequest, ...) extension, raw and in wire order,
/// so fingerprints (JA3/JA4) and evidence dumps see exactly what was sent, GREASE included.
public struct TLSExtension: Sendable, Hashable {
    public var type: ExtensionType
    /// The extension's bytes. Decoded blocks slice one exact-size copy of the whole block, shared by its
    /// entries (a ClientHello decoded on first read: of the hello's own copy of its body): one allocation
    /// per block instead of one per extension (about 11 per hello), and never a slice of a larger reused
    /// buffer, which would stay alive with the message.
    public var data: ArraySlice<UInt8>

    public init<Bytes: Sequence<UInt8>>(type: ExtensionType, data: Bytes) {
        self.type = type
        self.data = ArraySlice(data)
    }

    init(type: ExtensionType, slice: ArraySlice<UInt8>) {
        self.type = type
        self.data = slice
    }

    /// Reads an extension block, requiring its entries to fill it exactly:
    ///
    ///     struct {
    ///         ExtensionType extension_type;
    ///         opaque extension_data<0..2^16-1>;
    ///     } Extension;
    ///     Extension extensions<0..2^16-1>;
    static func readBlock(_ r: inout HandshakeReader, _ field: @autoclosure () -> String = "extensions") throws(TLSDecodeError) -> [TLSExtension] {
        var block = try r.readVector(lengthBytes: 2, field())
        // A well-formed block (nearly every one) is read straight from memory in one pass; a malformed one
        // goes through the checked reader, whose error says which entry and field is wrong.
        let bytes = block.bytes
        if let whole = wellFormedEntries(bytes) { return whole }
        let owned = Array(bytes)
        let base = bytes.startIndex
        var out: [TLSExtension] = []
        while !block.isAtEnd {
            let type = ExtensionType(rawValue: try block.readUInt16("extension_type"))
            let data = try block.readVector(lengthBytes: 2, "extension_data of \(type)").bytes
            out.append(TLSExtension(type: type, slice: owned[(data.startIndex - base)..<(data.endIndex - base)]))
        }
        return out
    }

    /// The entries of a block whose entries fill it exactly, or nil.
    private static func wellFormedEntries(_ block: ArraySlice<UInt8>) -> [TLSExtension]? {
        block.withUnsafeBufferPointer { buf -> [TLSExtension]? in
            guard let n = WellFormed.extensionCount(buf, 0, buf.count) else { return nil }
            return WellFormed.extensions(buf, 0, buf.count, count: n)
        }
    }
}

/// Decoders of the extension bodies shared by several messages; each quotes its RFC struct.
enum ExtensionDecoders {
    /// RFC 6066 §3:
    ///
    ///     struct {
    ///         NameType name_type;
    ///         select (name_type) { case host_name: HostName; } name;
    ///     } ServerName;
    ///     enum { host_name(0), (255) } NameType;
    ///     opaque HostName<1..2^16-1>;
    ///     struct { ServerName server_name_list<1..2^16-1> } ServerNameList;
    ///
    /// Unknown name types are read with the same 2-byte length (every deployed stack does).
    /// Returns the host names in order.
    static func serverNames(_ r: inout HandshakeReader) throws(TLSDecodeError) -> [String] {
        var list = try r.readVector(lengthBytes: 2, "server_name_list")
        if list.isAtEnd { throw list.error(.invalidValue, "server_name_list is empty") }
        var names: [String] = []
        while !list.isAtEnd {
            let nameType = try list.readUInt8("name_type")
            let name = try list.readVector(lengthBytes: 2, "host_name")
            if nameType == 0 { names.append(lossyString(name.bytes)) }
        }
        return names
    }

    /// RFC 7301 §3.1:
    ///
    ///     opaque ProtocolName<1..2^8-1>;
    ///     struct { ProtocolName protocol_name_list<2..2^16-1> } ProtocolNameList;
    static func alpn(_ r: inout HandshakeReader) throws(TLSDecodeError) -> [String] {
        var list = try r.readVector(lengthBytes: 2, "protocol_name_list")
        var names: [String] = []
        while !list.isAtEnd {
            let name = try list.readVector(lengthBytes: 1, "ProtocolName")
            names.append(lossyString(name.bytes))
        }
        return names
    }

    /// A list of 16-bit code points behind a 1- or 2-byte length that fills `data` exactly, read straight
    /// from memory; nil for anything else (the checked decoders then say what is wrong).
    static func wellFormedUInt16List<T>(_ data: ArraySlice<UInt8>, lengthBytes: Int, as make: (UInt16) -> T) -> [T]? {
        data.withUnsafeBufferPointer { WellFormed.uint16List($0, lengthBytes: lengthBytes, as: make) }
    }

    /// RFC 8446 §4.2.3: `SignatureScheme supported_signature_algorithms<2..2^16-2>;`
    static func signatureSchemes(_ r: inout HandshakeReader) throws(TLSDecodeError) -> [SignatureScheme] {
        try r.readUInt16List(lengthBytes: 2, "supported_signature_algorithms", as: SignatureScheme.init(rawValue:))
    }

    /// `uint8 list<1..2^8-1>` (ec_point_formats, psk_key_exchange_modes).
    static func byteList(_ r: inout HandshakeReader, _ field: String) throws(TLSDecodeError) -> [UInt8] {
        try r.readOpaque(lengthBytes: 1, field)
    }

    /// RFC 8446 §4.2.8:
    ///
    ///     struct { NamedGroup group; opaque key_exchange<1..2^16-1>; } KeyShareEntry;
    ///     struct { KeyShareEntry client_shares<0..2^16-1>; } KeyShareClientHello;
    static func clientKeyShares(_ r: inout HandshakeReader) throws(TLSDecodeError) -> [NamedGroup] {
        var list = try r.readVector(lengthBytes: 2, "client_shares")
        var groups: [NamedGroup] = []
        while !list.isAtEnd {
            groups.append(NamedGroup(rawValue: try list.readUInt16("KeyShareEntry.group")))
            _ = try list.readVector(lengthBytes: 2, "KeyShareEntry.key_exchange")
        }
        return groups
    }

    /// RFC 6066 §4 / RFC 8449 §4: `uint16 RecordSizeLimit;`
    static func uint16(_ r: inout HandshakeReader, _ field: String) throws(TLSDecodeError) -> UInt16 {
        try r.readUInt16(field)
    }

    /// RFC 5746 §3.2: `opaque renegotiated_connection<0..255>;`
    static func renegotiationInfo(_ r: inout HandshakeReader) throws(TLSDecodeError) -> [UInt8] {
        try r.readOpaque(lengthBytes: 1, "renegotiated_connection")
    }
}

/// Tracks duplicate extension types, which RFC 8446 §4.2 forbids ("There MUST NOT be more than
/// one extension of the same type in a given extension block"); only the first is decoded.
/// Types below 256 (nearly all) are bits; others (GREASE, renegotiation_info, ECH) a short list, which
/// becomes a set only for a block with many of them (hostile input stays linear).
struct ExtensionSeen {
    private var low: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
    /// The first 16 types of 256 and above, four 16-bit lanes a word (0, an empty lane, is below 256).
    private var high: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
    private var highCount = 0
    private var highSet: Set<UInt16>?

    @inline(__always)
    mutating func isFirst(_ ext: TLSExtension, in message: String, errors: inout [String]) -> Bool {
        isFirst(ext.type, in: message, errors: &errors)
    }

    @inline(__always)
    mutating func isFirst(_ type: ExtensionType, in message: String, errors: inout [String]) -> Bool {
        if insert(type.rawValue) { return true }
        Self.recordDuplicate(type, in: message, errors: &errors)
        return false
    }

    @inline(never)
    private static func recordDuplicate(_ type: ExtensionType, in message: String, errors: inout [String]) {
        errors.append("\(message): duplicate extension \(type); only the first was decoded")
    }

    /// True when `type` was not seen before.
    @inline(__always)
    mutating func insert(_ type: UInt16) -> Bool {
        if type < 256 {
            let bit = UInt64(1) << UInt64(type & 63)
            switch type >> 6 {
            case 0: defer { low.0 |= bit }; return low.0 & bit == 0
            case 1: defer { low.1 |= bit }; return low.1 & bit == 0
            case 2: defer { low.2 |= bit }; return low.2 & bit == 0
            default: defer { low.3 |= bit }; return low.3 & bit == 0
            }
        }
        return insertHigh(type)
    }

    /// True when a 16-bit lane of `word` equals `type` (a lane of `word ^ repeated` is zero).
    @inline(__always)
    private static func hasLane(_ word: UInt64, _ type: UInt16) -> Bool {
        let x = word ^ (UInt64(type) &* 0x0001_0001_0001_0001)
        return (x &- 0x0001_0001_0001_0001) & ~x & 0x8000_8000_8000_8000 != 0
    }

    private mutating func insertHigh(_ type: UInt16) -> Bool {
        if highSet != nil { return highSet!.insert(type).inserted }
        if Self.hasLane(high.0, type) || Self.hasLane(high.1, type) || Self.hasLane(high.2, type) || Self.hasLane(high.3, type) {
            return false
        }
        if highCount < 16 {
            let lane = UInt64(type) << UInt64((highCount & 3) * 16)
            switch highCount >> 2 {
            case 0: high.0 |= lane
            case 1: high.1 |= lane
            case 2: high.2 |= lane
            default: high.3 |= lane
            }
            highCount += 1
            return true
        }
        var set = Set<UInt16>(minimumCapacity: 32)
        for word in [high.0, high.1, high.2, high.3] {
            for k in 0..<4 { set.insert(UInt16(truncatingIfNeeded: word >> UInt64(k * 16))) }
        }
        set.insert(type)
        highSet = set
        return true
    }
}
