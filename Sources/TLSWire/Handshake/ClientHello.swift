/// A ClientHello, SSL 3.0 to TLS 1.3 (drafts included), or an SSLv2-compatible one.
/// Raw lists keep wire order and GREASE; the decoded extension facts below are empty or nil when
/// the extension is absent, and a malformed extension is listed in `extensionErrors` instead of
/// failing the whole hello.
public struct ClientHello: Sendable, Hashable {
    /// The hello's fields, in one reference-counted box shared by copies (copy-on-write). A hello is
    /// copied several times on its way (event, flow, summary, report) and freed on the other thread;
    /// with ~40 fields, ~15 of them reference-counted, each copy or destroy of the plain struct retained
    /// or released every array through the generic value witnesses (1 GB capture: ~130 M instructions
    /// of copies and destroys of `Located<ClientHello>?` alone). Now each is one retain or release.
    struct Fields: Sendable, Hashable {
        var legacyVersion: ProtocolVersion = .tls12
        var random = InlineBytes(zeros: 32)
        var sessionID = InlineBytes()
        var cipherSuites: [CipherSuite] = []
        var compressionMethods: [UInt8] = ClientHello.nullCompression
        var extensions: [TLSExtension] = []
        var hasExtensionsBlock: Bool = false
        var isSSLv2Compatible: Bool = false
        var sslv2CipherSpecs: [UInt32] = []
        var serverName: String?
        var serverNames: [String] = []
        var supportedVersions: [ProtocolVersion] = []
        var supportedGroups: [NamedGroup] = []
        var signatureAlgorithms: [SignatureScheme] = []
        var signatureAlgorithmsCert: [SignatureScheme] = []
        var alpnProtocols: [String] = []
        var keyShareGroups: [NamedGroup] = []
        var ecPointFormats = InlineBytes()
        var pskKeyExchangeModes = InlineBytes()
        var hasPreSharedKey: Bool = false
        var hasEarlyData: Bool = false
        var hasStatusRequest: Bool = false
        var hasSessionTicket: Bool = false
        var sessionTicketLength: Int = 0
        var hasExtendedMasterSecret: Bool = false
        var hasRenegotiationInfo: Bool = false
        var recordSizeLimit: UInt16?
        var hasEncryptedClientHello: Bool = false
        var paddingLength: Int?
        var extensionErrors: [String] = []
    }

    typealias Box = LazyClientHelloBox

    private var box: Box

    /// The defaults' box, shared: a new hello allocates nothing until a field is set.
    private static let emptyBox = Box(Fields())

    init(_ fields: Fields) { box = Box(fields) }

    /// A hello whose fields `fill` sets where they lie in its new box (the parsers' `ClientHello { ... }`):
    /// filling a `Fields` on the stack and boxing it copied and destroyed every field once more (~900
    /// instructions a ClientHello).
    @inline(__always)
    init(filling fill: (inout Fields) -> Void) {
        box = Box(Fields())
        fill(&box.fields)
    }

    /// This value's box, copied first if another value shares it.
    private mutating func uniqueBox() -> Box { Box.unique(&box) }

    public static func == (a: ClientHello, b: ClientHello) -> Bool { a.box === b.box || a.box.fields == b.box.fields }
    public func hash(into hasher: inout Hasher) { hasher.combine(box.fields) }

    public var legacyVersion: ProtocolVersion { get { box.fields.legacyVersion } _modify { yield &uniqueBox().fields.legacyVersion } }
    /// 32 bytes; for an SSLv2-compatible hello, the challenge right-justified with leading zeros.
    public var random: [UInt8] { get { box.fields.random.array } set { uniqueBox().fields.random = InlineBytes(newValue) } }
    public var sessionID: [UInt8] { get { box.fields.sessionID.array } set { uniqueBox().fields.sessionID = InlineBytes(newValue) } }
    public var cipherSuites: [CipherSuite] { get { box.fields.cipherSuites } _modify { yield &uniqueBox().fields.cipherSuites } }
    public var compressionMethods: [UInt8] { get { box.fields.compressionMethods } _modify { yield &uniqueBox().fields.compressionMethods } }
    public var extensions: [TLSExtension] { get { box.fields.extensions } _modify { yield &uniqueBox().fields.extensions } }
    /// False when the hello ends after compression_methods (legal for SSL 3.0 / TLS 1.0 clients).
    public var hasExtensionsBlock: Bool { get { box.fields.hasExtensionsBlock } _modify { yield &uniqueBox().fields.hasExtensionsBlock } }
    public var isSSLv2Compatible: Bool { get { box.fields.isSSLv2Compatible } _modify { yield &uniqueBox().fields.isSSLv2Compatible } }
    /// SSLv2-only cipher specs (first byte non-zero) of an SSLv2-compatible hello, as 24-bit values.
    public var sslv2CipherSpecs: [UInt32] { get { box.fields.sslv2CipherSpecs } _modify { yield &uniqueBox().fields.sslv2CipherSpecs } }

    // Decoded from extensions.
    /// The first host_name of server_name.
    public var serverName: String? { get { box.fields.serverName } _modify { yield &uniqueBox().fields.serverName } }
    /// Every host_name of server_name, in order (more than one is odd).
    public var serverNames: [String] { get { box.fields.serverNames } _modify { yield &uniqueBox().fields.serverNames } }
    public var supportedVersions: [ProtocolVersion] { get { box.fields.supportedVersions } _modify { yield &uniqueBox().fields.supportedVersions } }
    public var supportedGroups: [NamedGroup] { get { box.fields.supportedGroups } _modify { yield &uniqueBox().fields.supportedGroups } }
    public var signatureAlgorithms: [SignatureScheme] { get { box.fields.signatureAlgorithms } _modify { yield &uniqueBox().fields.signatureAlgorithms } }
    public var signatureAlgorithmsCert: [SignatureScheme] { get { box.fields.signatureAlgorithmsCert } _modify { yield &uniqueBox().fields.signatureAlgorithmsCert } }
    public var alpnProtocols: [String] { get { box.fields.alpnProtocols } _modify { yield &uniqueBox().fields.alpnProtocols } }
    public var keyShareGroups: [NamedGroup] { get { box.fields.keyShareGroups } _modify { yield &uniqueBox().fields.keyShareGroups } }
    public var ecPointFormats: [UInt8] { get { box.fields.ecPointFormats.array } set { uniqueBox().fields.ecPointFormats = InlineBytes(newValue) } }
    public var pskKeyExchangeModes: [UInt8] { get { box.fields.pskKeyExchangeModes.array } set { uniqueBox().fields.pskKeyExchangeModes = InlineBytes(newValue) } }
    public var hasPreSharedKey: Bool { get { box.fields.hasPreSharedKey } _modify { yield &uniqueBox().fields.hasPreSharedKey } }
    public var hasEarlyData: Bool { get { box.fields.hasEarlyData } _modify { yield &uniqueBox().fields.hasEarlyData } }
    public var hasStatusRequest: Bool { get { box.fields.hasStatusRequest } _modify { yield &uniqueBox().fields.hasStatusRequest } }
    public var hasSessionTicket: Bool { get { box.fields.hasSessionTicket } _modify { yield &uniqueBox().fields.hasSessionTicket } }
    /// Bytes of ticket in the session_ticket extension (0: empty, i.e. "I support tickets").
    public var sessionTicketLength: Int { get { box.fields.sessionTicketLength } _modify { yield &uniqueBox().fields.sessionTicketLength } }
    public var hasExtendedMasterSecret: Bool { get { box.fields.hasExtendedMasterSecret } _modify { yield &uniqueBox().fields.hasExtendedMasterSecret } }
    public var hasRenegotiationInfo: Bool { get { box.fields.hasRenegotiationInfo } _modify { yield &uniqueBox().fields.hasRenegotiationInfo } }
    public var recordSizeLimit: UInt16? { get { box.fields.recordSizeLimit } _modify { yield &uniqueBox().fields.recordSizeLimit } }
    public var hasEncryptedClientHello: Bool { get { box.fields.hasEncryptedClientHello } _modify { yield &uniqueBox().fields.hasEncryptedClientHello } }
    public var paddingLength: Int? { get { box.fields.paddingLength } _modify { yield &uniqueBox().fields.paddingLength } }
    /// One line per extension that could not be decoded, duplicated, or misplaced.
    public var extensionErrors: [String] { get { box.fields.extensionErrors } _modify { yield &uniqueBox().fields.extensionErrors } }

    public init() { box = Self.emptyBox }

    /// Shared default: a hello (parsed or not) allocates no list of its own until a field is set.
    static let nullCompression: [UInt8] = [0]

    /// The length of `sessionID`, read without making the array.
    public var sessionIDLength: Int { box.fields.sessionID.count }
    var sessionIDBytes: InlineBytes { box.fields.sessionID }

    /// The first four bytes of `random`: a clock in SSL 3.0 to TLS 1.2 clients that still set it.
    public var gmtUnixTime: UInt32 {
        let random = box.fields.random
        guard random.count >= 4 else { return 0 }
        return UInt32(random[0]) << 24 | UInt32(random[1]) << 16 | UInt32(random[2]) << 8 | UInt32(random[3])
    }

    /// TLS_EMPTY_RENEGOTIATION_INFO_SCSV (RFC 5746) is among the suites.
    public var hasRenegotiationSCSV: Bool { cipherSuites.contains(CipherSuite(rawValue: 0x00ff)) }
    /// TLS_FALLBACK_SCSV (RFC 7507): the client says this is a downgraded retry.
    public var hasFallbackSCSV: Bool { cipherSuites.contains(CipherSuite(rawValue: 0x5600)) }

    /// supported_versions without GREASE, or just legacy_version for a client that did not send it.
    /// `supportedVersions` itself (no copy) when it has no GREASE.
    public var offeredVersions: [ProtocolVersion] {
        guard supportedVersions.contains(where: \.isGREASE) else {
            return supportedVersions.isEmpty ? [legacyVersion] : supportedVersions
        }
        let real = supportedVersions.filter { !$0.isGREASE }
        return real.isEmpty ? [legacyVersion] : real
    }

    /// The highest of `offeredVersions` (final TLS 1.3 outranks its drafts), found without building it.
    public var highestVersion: ProtocolVersion {
        var best = legacyVersion
        var first = true
        for v in supportedVersions where !v.isGREASE {
            if first || v.rank > best.rank || (v.rank == best.rank && v == .tls13) { best = v }
            first = false
        }
        return best
    }

    static let name = "ClientHello"

    /// RFC 8446 §4.1.2 (the same fields back to SSL 3.0, RFC 6101 §5.6.1.2, where extensions
    /// could be absent):
    ///
    ///     struct {
    ///         ProtocolVersion legacy_version = 0x0303;    /* TLS v1.2 */
    ///         Random random;
    ///         opaque legacy_session_id<0..32>;
    ///         CipherSuite cipher_suites<2..2^16-2>;
    ///         opaque legacy_compression_methods<1..2^8-1>;
    ///         Extension extensions<8..2^16-1>;
    ///     } ClientHello;
    ///
    /// Vector minimums (an empty cipher list) are not enforced: the peer's alert tells that story,
    /// and the decoded hello is the evidence.
    public static func parse(_ body: ArraySlice<UInt8>) throws(TLSDecodeError) -> ClientHello {
        if let hello = body.withUnsafeBufferPointer({ parseWellFormed($0) }) { return hello }
        return try parseChecked(body)
    }

    /// The hello, when its structure is well formed (every vector inside its container, extension
    /// entries filling their block exactly): its body is kept and decoded straight from memory when a
    /// field is first read (`decodeWellFormed`), extensions as by `parseChecked`. Nil otherwise, and
    /// `parseChecked` then says what is wrong.
    static func parseWellFormed(_ b: UnsafeBufferPointer<UInt8>) -> ClientHello? {
        guard let layout = WellFormedLayout(b) else { return nil }
        // The structure is sound, so decoding cannot fail: it waits until a field is read (`LazyClientHelloBox`).
        return ClientHello(box: Box(pending: WellFormed.copy(b, 0, b.count), layout: layout))
    }

    private init(box: Box) { self.box = box }

    /// Tests: whether the fields have been decoded yet (a parsed well-formed hello waits for its first read).
    var isDecodedForTesting: Bool { box.isDecoded }
    #if DEBUG
    /// Tests: how many times the body was decoded.
    var decodesForTesting: Int { box.decodes }
    #endif

    /// Where the parts of a well-formed hello lie; nil when any vector overruns its container or the
    /// extension entries do not fill their block exactly.
    struct WellFormedLayout {
        var sessionIDLength: Int
        var suitesStart: Int
        var suitesLength: Int
        var compressionStart: Int
        var compressionLength: Int
        /// Where the extension entries start (after the block's length), or nil without a block.
        var extensionsStart: Int?
        var extensionCount: Int

        init?(_ b: UnsafeBufferPointer<UInt8>) {
            let n = b.count
            guard n >= 35 else { return nil }
            sessionIDLength = Int(b[34])
            guard sessionIDLength <= 32, n - 35 - sessionIDLength >= 2 else { return nil }
            var i = 35 + sessionIDLength
            suitesLength = WellFormed.u16(b, i)
            i += 2
            guard suitesLength % 2 == 0, n - i - suitesLength >= 1 else { return nil }
            suitesStart = i
            i += suitesLength
            compressionLength = Int(b[i])
            i += 1
            guard n - i >= compressionLength else { return nil }
            compressionStart = i
            i += compressionLength
            extensionCount = 0
            extensionsStart = nil
            if i < n {
                guard n - i >= 2, WellFormed.u16(b, i) == n - i - 2,
                      let count = WellFormed.extensionCount(b, i + 2, n) else { return nil }
                extensionCount = count
                extensionsStart = i + 2
            }
        }
    }

    /// The fields of a body laid out as `layout` (which `WellFormedLayout` found for it); extensions are
    /// decoded as by `parseChecked`, their data slices of `body` (the hello's own copy already).
    static func decodeWellFormed(_ body: [UInt8], _ layout: WellFormedLayout, into hello: inout Fields) {
        body.withUnsafeBufferPointer { b in
            hello.legacyVersion = ProtocolVersion(rawValue: UInt16(b[0]) << 8 | UInt16(b[1]))
            hello.random = InlineBytes(UnsafeBufferPointer(rebasing: b[2..<34]))
            hello.sessionID = InlineBytes(UnsafeBufferPointer(rebasing: b[35..<(35 + layout.sessionIDLength)]))
            hello.cipherSuites = SharedLists.cipherSuites(b, layout.suitesStart, layout.suitesLength / 2)
            if layout.compressionLength != 1 || b[layout.compressionStart] != 0 {
                hello.compressionMethods = WellFormed.copy(b, layout.compressionStart, layout.compressionLength)
            }
        }
        if let start = layout.extensionsStart {
            hello.hasExtensionsBlock = true
            hello.extensions = WellFormed.extensions(slicing: body, from: start, count: layout.extensionCount)
        }
        hello.decodeExtensions()
    }

    /// `parse` through the checked reader only (`fastExtensions: false`: extension data too).
    static func parseChecked(_ body: ArraySlice<UInt8>, fastExtensions: Bool = true) throws(TLSDecodeError) -> ClientHello {
        var r = HandshakeReader(body, message: name)
        var hello = Fields()
        hello.legacyVersion = ProtocolVersion(rawValue: try r.readUInt16("legacy_version"))
        hello.random = InlineBytes(Array(try r.readBytes(32, "random")))
        hello.sessionID = InlineBytes(try readSessionID(&r))
        hello.cipherSuites = try r.readUInt16List(lengthBytes: 2, "cipher_suites", as: CipherSuite.init(rawValue:))
        hello.compressionMethods = try r.readOpaque(lengthBytes: 1, "legacy_compression_methods")
        if !r.isAtEnd {
            hello.hasExtensionsBlock = true
            hello.extensions = try TLSExtension.readBlock(&r)
            try r.expectEnd("extensions")
        }
        hello.decodeExtensions(fast: fastExtensions)
        return ClientHello(hello)
    }

    /// `opaque legacy_session_id<0..32>;`
    static func readSessionID(_ r: inout HandshakeReader) throws(TLSDecodeError) -> [UInt8] {
        let id = try r.readOpaque(lengthBytes: 1, "legacy_session_id")
        guard id.count <= 32 else { throw r.error(.invalidValue, "legacy_session_id is \(id.count) bytes, more than 32") }
        return id
    }

    /// key_share had code point 40 in TLS 1.3 drafts up to -22 (now reserved).
    static let draftKeyShare: UInt16 = 40
}

extension ClientHello.Fields {
    fileprivate mutating func decodeExtensions(fast: Bool = true) {
        var errors: [String] = []
        var seen = ExtensionSeen()
        let m = ClientHello.name
        let extensions = self.extensions
        let last = extensions.count - 1
        for index in extensions.indices {
            let type = extensions[index].type
            guard seen.isFirst(type, in: m, errors: &errors) else { continue }
            switch type.rawValue {
            case ExtensionType.serverName.rawValue:
                if let names = decodeExtensionData(extensions[index], in: m, errors: &errors, fast: fast,
                                                   WellFormed.sharedServerNames, ExtensionDecoders.serverNames) {
                    serverNames = names
                    serverName = names.first
                }
            case ExtensionType.statusRequest.rawValue:
                hasStatusRequest = true
            case ExtensionType.supportedGroups.rawValue:
                supportedGroups = decodeSharedCodePointList(extensions[index], lengthBytes: 2, "named_group_list", in: m, errors: &errors,
                                                            fast: fast, as: NamedGroup.init(rawValue:), shared: SharedLists.namedGroups) ?? []
            case ExtensionType.ecPointFormats.rawValue:
                ecPointFormats = decodeExtensionData(extensions[index], in: m, errors: &errors, fast: fast, WellFormed.shortByteList) {
                    (r: inout HandshakeReader) throws(TLSDecodeError) in
                    InlineBytes(try ExtensionDecoders.byteList(&r, "ec_point_format_list"))
                } ?? InlineBytes()
            case ExtensionType.signatureAlgorithms.rawValue:
                signatureAlgorithms = decodeSharedCodePointList(extensions[index], lengthBytes: 2, "supported_signature_algorithms", in: m,
                                                                errors: &errors, fast: fast, as: SignatureScheme.init(rawValue:),
                                                                shared: SharedLists.signatureSchemes) ?? []
            case ExtensionType.signatureAlgorithmsCert.rawValue:
                signatureAlgorithmsCert = decodeSharedCodePointList(extensions[index], lengthBytes: 2, "supported_signature_algorithms", in: m,
                                                                    errors: &errors, fast: fast, as: SignatureScheme.init(rawValue:),
                                                                    shared: SharedLists.signatureSchemes) ?? []
            case ExtensionType.alpn.rawValue:
                alpnProtocols = decodeExtensionData(extensions[index], in: m, errors: &errors, fast: fast,
                                                    WellFormed.sharedALPN, ExtensionDecoders.alpn) ?? []
            case ExtensionType.padding.rawValue:
                paddingLength = extensions[index].data.count
            case ExtensionType.extendedMasterSecret.rawValue:
                hasExtendedMasterSecret = true
            case ExtensionType.recordSizeLimit.rawValue:
                recordSizeLimit = decodeExtensionData(extensions[index], in: m, errors: &errors, fast: fast, WellFormed.uint16) {
                    (r: inout HandshakeReader) throws(TLSDecodeError) in
                    try ExtensionDecoders.uint16(&r, "RecordSizeLimit")
                }
            case ExtensionType.sessionTicket.rawValue:
                hasSessionTicket = true
                sessionTicketLength = extensions[index].data.count
            case ExtensionType.preSharedKey.rawValue:
                hasPreSharedKey = true
                // RFC 8446 §4.2.11: "The "pre_shared_key" extension MUST be the last extension in the ClientHello".
                if index != last {
                    errors.append("\(m): pre_shared_key is not the last extension")
                }
            case ExtensionType.earlyData.rawValue:
                hasEarlyData = true
            case ExtensionType.supportedVersions.rawValue:
                // RFC 8446 §4.2.1: struct { ProtocolVersion versions<2..254>; } (ClientHello)
                supportedVersions = decodeSharedCodePointList(extensions[index], lengthBytes: 1, "versions", in: m, errors: &errors,
                                                              fast: fast, as: ProtocolVersion.init(rawValue:),
                                                              shared: SharedLists.protocolVersions) ?? []
            case ExtensionType.pskKeyExchangeModes.rawValue:
                pskKeyExchangeModes = decodeExtensionData(extensions[index], in: m, errors: &errors, fast: fast, WellFormed.shortByteList) {
                    (r: inout HandshakeReader) throws(TLSDecodeError) in
                    InlineBytes(try ExtensionDecoders.byteList(&r, "ke_modes"))
                } ?? InlineBytes()
            case ExtensionType.keyShare.rawValue, ClientHello.draftKeyShare:
                keyShareGroups = decodeExtensionData(extensions[index], in: m, errors: &errors, fast: fast,
                                                     WellFormed.clientKeyShares, ExtensionDecoders.clientKeyShares) ?? []
            case ExtensionType.encryptedClientHello.rawValue:
                hasEncryptedClientHello = true
            case ExtensionType.renegotiationInfo.rawValue:
                hasRenegotiationInfo = true
                _ = decodeExtensionData(extensions[index], in: m, errors: &errors, fast: fast,
                                        { WellFormed.isVector($0, lengthBytes: 1) ? true : nil }) {
                    (r: inout HandshakeReader) throws(TLSDecodeError) in
                    _ = try ExtensionDecoders.renegotiationInfo(&r)
                    return true
                }
            default:
                break
            }
        }
        extensionErrors = errors
    }
}

extension ClientHello {
    /// SSLv2-compatible ClientHello, RFC 5246 Appendix E.2. `bytes` is the SSLv2 record after its
    /// 2-byte length header, i.e. starting at msg_type:
    ///
    ///     uint8 V2CipherSpec[3];
    ///     struct {
    ///         uint16 msg_length;          /* in the header, stripped by the caller */
    ///         uint8 msg_type;             /* = 1 */
    ///         Version version;
    ///         uint16 cipher_spec_length;
    ///         uint16 session_id_length;
    ///         uint16 challenge_length;
    ///         V2CipherSpec cipher_specs[V2ClientHello.cipher_spec_length];
    ///         opaque session_id[V2ClientHello.session_id_length];
    ///         opaque challenge[V2ClientHello.challenge_length];
    ///     } V2ClientHello;
    ///
    /// Cipher specs whose first byte is 0 are TLS suites; the others are SSLv2-only. The challenge
    /// (16 to 32 bytes) becomes the random, right-justified with leading zeros (E.2, "challenge").
    public static func parseSSLv2(_ bytes: ArraySlice<UInt8>) throws(TLSDecodeError) -> ClientHello {
        var r = HandshakeReader(bytes, message: "SSLv2 ClientHello")
        let msgType = try r.readUInt8("msg_type")
        guard msgType == 1 else { throw r.error(.invalidValue, "msg_type is \(msgType), not 1 (client-hello)") }
        var hello = Fields()
        hello.isSSLv2Compatible = true
        hello.legacyVersion = ProtocolVersion(rawValue: try r.readUInt16("version"))
        let specLength = Int(try r.readUInt16("cipher_spec_length"))
        let sessionIDLength = Int(try r.readUInt16("session_id_length"))
        let challengeLength = Int(try r.readUInt16("challenge_length"))
        guard specLength % 3 == 0 else {
            throw r.error(.lengthMismatch, "cipher_spec_length \(specLength) is not a multiple of 3")
        }
        guard sessionIDLength <= 32 else { throw r.error(.invalidValue, "session_id_length \(sessionIDLength) is more than 32") }
        guard (16...32).contains(challengeLength) else {
            throw r.error(.invalidValue, "challenge_length \(challengeLength) is outside 16...32")
        }
        var specs = try r.readBytes(specLength, "cipher_specs")
        hello.sessionID = InlineBytes(Array(try r.readBytes(sessionIDLength, "session_id")))
        let challenge = try r.readBytes(challengeLength, "challenge")
        try r.expectEnd("challenge")
        while specs.count >= 3 {
            let i = specs.startIndex
            let spec = UInt32(specs[i]) << 16 | UInt32(specs[i + 1]) << 8 | UInt32(specs[i + 2])
            specs = specs.dropFirst(3)
            if spec >> 16 == 0 {
                hello.cipherSuites.append(CipherSuite(rawValue: UInt16(spec)))
            } else {
                hello.sslv2CipherSpecs.append(spec)
            }
        }
        hello.random = InlineBytes(Array(repeating: 0, count: 32 - challengeLength) + challenge)
        hello.compressionMethods = [0]  // V2 hellos cannot offer compression: null is implied
        return ClientHello(hello)
    }
}
