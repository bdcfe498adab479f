/// A ServerHello, SSL 3.0 to TLS 1.3 (drafts included). A HelloRetryRequest is a ServerHello
/// whose random is the RFC 8446 magic value (`isHelloRetryRequest`); the draft-era separate
/// hello_retry_request message (type 6) is decoded into this type too.
public struct ServerHello: Sendable, Hashable {
    /// The hello's fields, in one reference-counted box shared by copies (copy-on-write), as
    /// `ClientHello`'s: a copy or destroy is one retain or release, not one per array.
    struct Fields: Sendable, Hashable {
        var legacyVersion: ProtocolVersion = .tls12
        var random = InlineBytes(zeros: 32)
        var sessionID = InlineBytes()
        var cipherSuite: CipherSuite = CipherSuite(rawValue: 0)
        var compressionMethod: UInt8 = 0
        var extensions: [TLSExtension] = []
        var hasExtensionsBlock: Bool = false
        var isHelloRetryRequest: Bool = false
        var isDraftLayout: Bool = false
        var selectedVersion: ProtocolVersion?
        var keyShareGroup: NamedGroup?
        var alpnProtocol: String?
        var hasExtendedMasterSecret: Bool = false
        var hasRenegotiationInfo: Bool = false
        var hasSessionTicket: Bool = false
        var hasServerNameAck: Bool = false
        var hasCookie: Bool = false
        var hasPreSharedKey: Bool = false
        var extensionErrors: [String] = []
    }

    typealias Box = FieldsBox<Fields>

    private var box: Box

    /// The defaults' box, shared: a new hello allocates nothing until a field is set.
    private static let emptyBox = Box(Fields())

    init(_ fields: Fields) { box = Box(fields) }

    /// A hello whose fields `fill` sets where they lie in its new box (the parsers' `ServerHello { ... }`):
    /// filling a `Fields` on the stack and boxing it would copy and destroy every field once more, as it
    /// did for the ClientHello (~900 instructions a hello there).
    @inline(__always)
    init(filling fill: (inout Fields) -> Void) {
        box = Box(Fields())
        fill(&box.fields)
    }

    /// This value's box, copied first if another value shares it.
    private mutating func uniqueBox() -> Box { Box.unique(&box) }

    public static func == (a: ServerHello, b: ServerHello) -> Bool { a.box === b.box || a.box.fields == b.box.fields }
    public func hash(into hasher: inout Hasher) { hasher.combine(box.fields) }

    public var legacyVersion: ProtocolVersion { get { box.fields.legacyVersion } _modify { yield &uniqueBox().fields.legacyVersion } }
    public var random: [UInt8] { get { box.fields.random.array } set { uniqueBox().fields.random = InlineBytes(newValue) } }
    public var sessionID: [UInt8] { get { box.fields.sessionID.array } set { uniqueBox().fields.sessionID = InlineBytes(newValue) } }
    public var cipherSuite: CipherSuite { get { box.fields.cipherSuite } _modify { yield &uniqueBox().fields.cipherSuite } }
    public var compressionMethod: UInt8 { get { box.fields.compressionMethod } _modify { yield &uniqueBox().fields.compressionMethod } }
    public var extensions: [TLSExtension] { get { box.fields.extensions } _modify { yield &uniqueBox().fields.extensions } }
    /// False when the hello ends after compression_method (legal up to TLS 1.2).
    public var hasExtensionsBlock: Bool { get { box.fields.hasExtensionsBlock } _modify { yield &uniqueBox().fields.hasExtensionsBlock } }
    public var isHelloRetryRequest: Bool { get { box.fields.isHelloRetryRequest } _modify { yield &uniqueBox().fields.isHelloRetryRequest } }
    /// True for the TLS 1.3 draft layouts without session id and compression (drafts before -22,
    /// and the draft-era hello_retry_request message).
    public var isDraftLayout: Bool { get { box.fields.isDraftLayout } _modify { yield &uniqueBox().fields.isDraftLayout } }

    // Decoded from extensions.
    /// supported_versions (TLS 1.3): the version the server picked.
    public var selectedVersion: ProtocolVersion? { get { box.fields.selectedVersion } _modify { yield &uniqueBox().fields.selectedVersion } }
    /// key_share: the server's share group, or for a HelloRetryRequest the selected_group it asks for.
    public var keyShareGroup: NamedGroup? { get { box.fields.keyShareGroup } _modify { yield &uniqueBox().fields.keyShareGroup } }
    public var alpnProtocol: String? { get { box.fields.alpnProtocol } _modify { yield &uniqueBox().fields.alpnProtocol } }
    public var hasExtendedMasterSecret: Bool { get { box.fields.hasExtendedMasterSecret } _modify { yield &uniqueBox().fields.hasExtendedMasterSecret } }
    public var hasRenegotiationInfo: Bool { get { box.fields.hasRenegotiationInfo } _modify { yield &uniqueBox().fields.hasRenegotiationInfo } }
    public var hasSessionTicket: Bool { get { box.fields.hasSessionTicket } _modify { yield &uniqueBox().fields.hasSessionTicket } }
    /// An empty server_name extension: the server used the client's SNI (RFC 6066 §3).
    public var hasServerNameAck: Bool { get { box.fields.hasServerNameAck } _modify { yield &uniqueBox().fields.hasServerNameAck } }
    public var hasCookie: Bool { get { box.fields.hasCookie } _modify { yield &uniqueBox().fields.hasCookie } }
    public var hasPreSharedKey: Bool { get { box.fields.hasPreSharedKey } _modify { yield &uniqueBox().fields.hasPreSharedKey } }
    public var extensionErrors: [String] { get { box.fields.extensionErrors } _modify { yield &uniqueBox().fields.extensionErrors } }

    public init() { box = Self.emptyBox }

    /// The version in effect: supported_versions if sent, else legacy_version.
    public var negotiatedVersion: ProtocolVersion { selectedVersion ?? legacyVersion }

    public var gmtUnixTime: UInt32 {
        let random = box.fields.random
        guard random.count >= 4 else { return 0 }
        return UInt32(random[0]) << 24 | UInt32(random[1]) << 16 | UInt32(random[2]) << 8 | UInt32(random[3])
    }

    /// RFC 8446 §4.1.3 downgrade protection: a TLS 1.3 server negotiating TLS 1.2 ends its random
    /// with "DOWNGRD" 01 (returned as `.tls12`), negotiating TLS 1.1 or below with "DOWNGRD" 00 (`.tls11`).
    public var downgradeSentinel: ProtocolVersion? {
        let random = box.fields.random
        guard random.count == 32, (24..<31).allSatisfy({ random[$0] == Self.downgrd[$0 - 24] }) else { return nil }
        switch random[31] {
        case 1: return .tls12
        case 0: return .tls11
        default: return nil
        }
    }

    private static let downgrd: [UInt8] = Array("DOWNGRD".utf8)

    /// SHA-256("HelloRetryRequest"), RFC 8446 §4.1.3.
    public static let helloRetryRequestRandom: [UInt8] = [
        0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
        0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C,
    ]

    /// `helloRetryRequestRandom` as the fields hold it.
    static let hrrRandom = InlineBytes(helloRetryRequestRandom)

    /// The length of `sessionID`, read without making the array.
    public var sessionIDLength: Int { box.fields.sessionID.count }

    /// A non-empty session id equal to the client's (TLS ≤ 1.2 resumption), compared without making arrays.
    public func echoesSessionID(of client: ClientHello) -> Bool {
        !box.fields.sessionID.isEmpty && box.fields.sessionID == client.sessionIDBytes
    }

    static let name = "ServerHello"

    /// RFC 8446 §4.1.3 (the same fields back to SSL 3.0, where extensions could be absent):
    ///
    ///     struct {
    ///         ProtocolVersion legacy_version = 0x0303;    /* TLS v1.2 */
    ///         Random random;
    ///         opaque legacy_session_id_echo<0..32>;
    ///         CipherSuite cipher_suite;
    ///         uint8 legacy_compression_method = 0;
    ///         Extension extensions<6..2^16-1>;
    ///     } ServerHello;
    ///
    /// TLS 1.3 drafts before -22 (version 0x7f01...0x7f15 in the first field) had no session id
    /// and no compression method:
    ///
    ///     struct {
    ///         ProtocolVersion version;
    ///         Random random;
    ///         CipherSuite cipher_suite;
    ///         Extension extensions<0..2^16-1>;
    ///     } ServerHello;
    public static func parse(_ body: ArraySlice<UInt8>) throws(TLSDecodeError) -> ServerHello {
        if let hello = body.withUnsafeBufferPointer({ parseWellFormed($0) }) { return hello }
        return try parseChecked(body)
    }

    /// A well-formed hello of the final layout read straight from memory; nil otherwise (drafts
    /// included), and `parseChecked` then decodes it or says what is wrong.
    static func parseWellFormed(_ b: UnsafeBufferPointer<UInt8>) -> ServerHello? {
        let n = b.count
        guard n >= 35 else { return nil }
        let version = UInt16(b[0]) << 8 | UInt16(b[1])
        guard !(version >> 8 == 0x7f && version & 0xff < 22) else { return nil }
        let sessionIDLength = Int(b[34])
        guard sessionIDLength <= 32, n - 35 - sessionIDLength >= 3 else { return nil }
        let suiteAt = 35 + sessionIDLength
        let blockAt = suiteAt + 3
        var extensionCount = 0
        let hasBlock = blockAt < n
        if hasBlock {
            guard n - blockAt >= 2, WellFormed.u16(b, blockAt) == n - blockAt - 2,
                  let count = WellFormed.extensionCount(b, blockAt + 2, n) else { return nil }
            extensionCount = count
        }
        return ServerHello { hello in
            hello.legacyVersion = ProtocolVersion(rawValue: version)
            hello.cipherSuite = CipherSuite(rawValue: UInt16(b[suiteAt]) << 8 | UInt16(b[suiteAt + 1]))
            hello.compressionMethod = b[suiteAt + 2]
            if hasBlock {
                hello.hasExtensionsBlock = true
                hello.extensions = WellFormed.extensions(b, blockAt + 2, n, count: extensionCount)
            }
            hello.random = InlineBytes(UnsafeBufferPointer(rebasing: b[2..<34]))
            hello.sessionID = InlineBytes(UnsafeBufferPointer(rebasing: b[35..<(35 + sessionIDLength)]))
            hello.isHelloRetryRequest = hello.random == hrrRandom
            hello.decodeExtensions()
        }
    }

    /// `parse` through the checked reader only (`fastExtensions: false`: extension data too).
    static func parseChecked(_ body: ArraySlice<UInt8>, fastExtensions: Bool = true) throws(TLSDecodeError) -> ServerHello {
        var r = HandshakeReader(body, message: name)
        var hello = Fields()
        hello.legacyVersion = ProtocolVersion(rawValue: try r.readUInt16("legacy_version"))
        hello.random = InlineBytes(Array(try r.readBytes(32, "random")))
        let raw = hello.legacyVersion.rawValue
        if raw >> 8 == 0x7f && raw & 0xff < 22 {
            hello.isDraftLayout = true
            hello.cipherSuite = CipherSuite(rawValue: try r.readUInt16("cipher_suite"))
            hello.hasExtensionsBlock = true
            hello.extensions = try TLSExtension.readBlock(&r)
            try r.expectEnd("extensions")
        } else {
            hello.sessionID = InlineBytes(try ClientHello.readSessionID(&r))
            hello.cipherSuite = CipherSuite(rawValue: try r.readUInt16("cipher_suite"))
            hello.compressionMethod = try r.readUInt8("legacy_compression_method")
            if !r.isAtEnd {
                hello.hasExtensionsBlock = true
                hello.extensions = try TLSExtension.readBlock(&r)
                try r.expectEnd("extensions")
            }
        }
        hello.isHelloRetryRequest = hello.random == hrrRandom
        hello.decodeExtensions(fast: fastExtensions)
        return ServerHello(hello)
    }

    /// The draft-era hello_retry_request message (handshake type 6, TLS 1.3 drafts up to -21):
    ///
    ///     struct {
    ///         ProtocolVersion server_version;
    ///         CipherSuite cipher_suite;           /* from draft -19 on */
    ///         Extension extensions<2..2^16-1>;
    ///     } HelloRetryRequest;
    ///
    /// The layout without cipher_suite is tried when the one with it does not fit exactly.
    static func parseDraftHelloRetryRequest(_ body: ArraySlice<UInt8>) throws(TLSDecodeError) -> ServerHello {
        var hello = Fields()
        hello.isHelloRetryRequest = true
        hello.isDraftLayout = true
        hello.hasExtensionsBlock = true
        hello.random = hrrRandom
        let message = "HelloRetryRequest (draft)"
        var withSuite = HandshakeReader(body, message: message)
        do throws(TLSDecodeError) {
            hello.legacyVersion = ProtocolVersion(rawValue: try withSuite.readUInt16("server_version"))
            hello.cipherSuite = CipherSuite(rawValue: try withSuite.readUInt16("cipher_suite"))
            hello.extensions = try TLSExtension.readBlock(&withSuite)
            try withSuite.expectEnd("extensions")
        } catch {
            var r = HandshakeReader(body, message: message)
            hello.legacyVersion = ProtocolVersion(rawValue: try r.readUInt16("server_version"))
            hello.cipherSuite = CipherSuite(rawValue: 0)
            do throws(TLSDecodeError) {
                hello.extensions = try TLSExtension.readBlock(&r)
                try r.expectEnd("extensions")
            } catch _ {
                throw error  // report the failure of the newer (more likely) layout
            }
        }
        hello.decodeExtensions()
        return ServerHello(hello)
    }
}

extension ServerHello.Fields {
    fileprivate mutating func decodeExtensions(fast: Bool = true) {
        var errors: [String] = []
        var seen = ExtensionSeen()
        let m = isHelloRetryRequest ? "HelloRetryRequest" : ServerHello.name
        let hrr = isHelloRetryRequest
        let extensions = self.extensions
        for index in extensions.indices {
            let type = extensions[index].type
            guard seen.isFirst(type, in: m, errors: &errors) else { continue }
            switch type.rawValue {
            case ExtensionType.supportedVersions.rawValue:
                // RFC 8446 §4.2.1: struct { ProtocolVersion selected_version; } (ServerHello, HRR)
                selectedVersion = decodeExtensionData(extensions[index], in: m, errors: &errors, fast: fast,
                                                      { WellFormed.uint16($0).map(ProtocolVersion.init(rawValue:)) }) {
                    (r: inout HandshakeReader) throws(TLSDecodeError) in
                    ProtocolVersion(rawValue: try r.readUInt16("selected_version"))
                }
            case ExtensionType.keyShare.rawValue, ClientHello.draftKeyShare:
                // RFC 8446 §4.2.8: struct { NamedGroup selected_group; } KeyShareHelloRetryRequest;
                //                  struct { KeyShareEntry server_share; } KeyShareServerHello;
                keyShareGroup = decodeExtensionData(extensions[index], in: m, errors: &errors, fast: fast, { d -> NamedGroup? in
                    if hrr { return WellFormed.uint16(d).map(NamedGroup.init(rawValue:)) }
                    guard d.count >= 4, WellFormed.u16(d, 2) == d.count - 4 else { return nil }
                    return NamedGroup(rawValue: UInt16(d[0]) << 8 | UInt16(d[1]))
                }) { (r: inout HandshakeReader) throws(TLSDecodeError) in
                    let group = NamedGroup(rawValue: try r.readUInt16(hrr ? "selected_group" : "server_share.group"))
                    if !hrr { _ = try r.readVector(lengthBytes: 2, "server_share.key_exchange") }
                    return group
                }
            case ExtensionType.alpn.rawValue:
                // RFC 7301 §3.1: the server's list "MUST contain exactly one ProtocolName".
                if let names = decodeExtensionData(extensions[index], in: m, errors: &errors, fast: fast,
                                                   WellFormed.alpn, ExtensionDecoders.alpn) {
                    alpnProtocol = names.first
                    if names.count != 1 { errors.append("\(m): ALPN carries \(names.count) protocols, not exactly one") }
                }
            case ExtensionType.extendedMasterSecret.rawValue:
                hasExtendedMasterSecret = true
            case ExtensionType.renegotiationInfo.rawValue:
                hasRenegotiationInfo = true
                _ = decodeExtensionData(extensions[index], in: m, errors: &errors, fast: fast,
                                        { WellFormed.isVector($0, lengthBytes: 1) ? true : nil }) {
                    (r: inout HandshakeReader) throws(TLSDecodeError) in
                    _ = try ExtensionDecoders.renegotiationInfo(&r)
                    return true
                }
            case ExtensionType.sessionTicket.rawValue:
                hasSessionTicket = true
            case ExtensionType.serverName.rawValue:
                hasServerNameAck = true
            case ExtensionType.cookie.rawValue:
                hasCookie = true
            case ExtensionType.preSharedKey.rawValue:
                hasPreSharedKey = true
            default:
                break
            }
        }
        extensionErrors = errors
    }
}
