/// A Finished message: verify_data is a MAC, only its size is kept (12 bytes in TLS 1.0-1.2,
/// 36 in SSL 3.0, the hash length in TLS 1.3).
public struct Finished: Sendable, Hashable {
    public var length: Int
    public init(length: Int) { self.length = length }
}

/// A NewSessionTicket (RFC 5077 for TLS ≤ 1.2, RFC 8446 §4.6.1 for TLS 1.3).
public struct NewSessionTicket: Sendable, Hashable {
    /// ticket_lifetime_hint (≤ 1.2) or ticket_lifetime (1.3), in seconds.
    public var lifetimeSeconds: UInt32 = 0
    public var ticketLength: Int = 0
    /// ticket_age_add (TLS 1.3 only).
    public var ageAdd: UInt32?
    /// ticket_nonce length (TLS 1.3 from draft -21 on).
    public var nonceLength: Int?
    public var extensions: [TLSExtension] = []
    /// early_data extension: max_early_data_size (TLS 1.3).
    public var maxEarlyDataSize: UInt32?
    public var isTLS13Layout: Bool = false
    public var extensionErrors: [String] = []

    public init() {}

    static let name = "NewSessionTicket"

    /// Picks the layout from the negotiated version; without one tries TLS ≤ 1.2, then TLS 1.3.
    static func parse(_ body: ArraySlice<UInt8>, context: HandshakeContext) throws(TLSDecodeError) -> NewSessionTicket {
        guard let v = context.negotiatedVersion else {
            do throws(TLSDecodeError) {
                return try parseLegacy(body)
            } catch {
                if let t = try? parseTLS13(body, withNonce: true) { return t }
                throw error
            }
        }
        guard isTLS13(v) else { return try parseLegacy(body) }
        // Drafts before -21 had no ticket_nonce.
        guard v.rawValue >> 8 == 0x7f else { return try parseTLS13(body, withNonce: true) }
        do throws(TLSDecodeError) {
            return try parseTLS13(body, withNonce: true)
        } catch {
            if let t = try? parseTLS13(body, withNonce: false) { return t }
            throw error
        }
    }

    /// RFC 5077 §3.3:
    ///
    ///     struct {
    ///         uint32 ticket_lifetime_hint;
    ///         opaque ticket<0..2^16-1>;
    ///     } NewSessionTicket;
    public static func parseLegacy(_ body: ArraySlice<UInt8>) throws(TLSDecodeError) -> NewSessionTicket {
        var r = HandshakeReader(body, message: name)
        var ticket = NewSessionTicket()
        ticket.lifetimeSeconds = try r.readUInt32("ticket_lifetime_hint")
        ticket.ticketLength = try r.readVector(lengthBytes: 2, "ticket").remaining
        try r.expectEnd("ticket")
        return ticket
    }

    /// RFC 8446 §4.6.1 (ticket_nonce from draft -21 on):
    ///
    ///     struct {
    ///         uint32 ticket_lifetime;
    ///         uint32 ticket_age_add;
    ///         opaque ticket_nonce<0..255>;
    ///         opaque ticket<1..2^16-1>;
    ///         Extension extensions<0..2^16-2>;
    ///     } NewSessionTicket;
    public static func parseTLS13(_ body: ArraySlice<UInt8>, withNonce: Bool = true) throws(TLSDecodeError) -> NewSessionTicket {
        var r = HandshakeReader(body, message: name)
        var ticket = NewSessionTicket()
        ticket.isTLS13Layout = true
        ticket.lifetimeSeconds = try r.readUInt32("ticket_lifetime")
        ticket.ageAdd = try r.readUInt32("ticket_age_add")
        if withNonce {
            ticket.nonceLength = try r.readVector(lengthBytes: 1, "ticket_nonce").remaining
        }
        ticket.ticketLength = try r.readVector(lengthBytes: 2, "ticket").remaining
        guard ticket.ticketLength > 0 else { throw r.error(.invalidValue, "empty ticket (must be 1..2^16-1 bytes)") }
        ticket.extensions = try TLSExtension.readBlock(&r)
        try r.expectEnd("extensions")
        var errors: [String] = []
        var seen = ExtensionSeen()
        for ext in ticket.extensions where seen.isFirst(ext, in: name, errors: &errors) {
            if ext.type == .earlyData {
                // RFC 8446 §4.2.10: struct { uint32 max_early_data_size; } (NewSessionTicket)
                ticket.maxEarlyDataSize = decodeExtensionData(ext, in: name, errors: &errors) { (r: inout HandshakeReader) throws(TLSDecodeError) in
                    try r.readUInt32("max_early_data_size")
                }
            }
        }
        ticket.extensionErrors = errors
        return ticket
    }
}

/// EncryptedExtensions (TLS 1.3): the server's extensions that need no ServerHello-level protection.
public struct EncryptedExtensions: Sendable, Hashable {
    public var extensions: [TLSExtension] = []
    public var alpnProtocol: String?
    /// An empty server_name: the server used the client's SNI.
    public var hasServerNameAck: Bool = false
    /// The server's supported_groups preference (RFC 8446 §4.2.7 allows it here).
    public var supportedGroups: [NamedGroup] = []
    public var recordSizeLimit: UInt16?
    public var hasEarlyData: Bool = false
    public var extensionErrors: [String] = []

    public init() {}

    static let name = "EncryptedExtensions"

    /// RFC 8446 §4.3.1:
    ///
    ///     struct {
    ///         Extension extensions<0..2^16-1>;
    ///     } EncryptedExtensions;
    public static func parse(_ body: ArraySlice<UInt8>) throws(TLSDecodeError) -> EncryptedExtensions {
        var r = HandshakeReader(body, message: name)
        var ee = EncryptedExtensions()
        ee.extensions = try TLSExtension.readBlock(&r)
        try r.expectEnd("extensions")
        var errors: [String] = []
        var seen = ExtensionSeen()
        for ext in ee.extensions where seen.isFirst(ext, in: name, errors: &errors) {
            switch ext.type.rawValue {
            case ExtensionType.alpn.rawValue:
                if let names = decodeExtensionData(ext, in: name, errors: &errors, ExtensionDecoders.alpn) {
                    ee.alpnProtocol = names.first
                    if names.count != 1 { errors.append("\(name): ALPN carries \(names.count) protocols, not exactly one") }
                }
            case ExtensionType.serverName.rawValue:
                ee.hasServerNameAck = true
            case ExtensionType.supportedGroups.rawValue:
                ee.supportedGroups = decodeCodePointList(ext, lengthBytes: 2, "named_group_list", in: name, errors: &errors,
                                                         as: NamedGroup.init(rawValue:)) ?? []
            case ExtensionType.recordSizeLimit.rawValue:
                ee.recordSizeLimit = decodeExtensionData(ext, in: name, errors: &errors) { (r: inout HandshakeReader) throws(TLSDecodeError) in
                    try ExtensionDecoders.uint16(&r, "RecordSizeLimit")
                }
            case ExtensionType.earlyData.rawValue:
                ee.hasEarlyData = true
            default:
                break
            }
        }
        ee.extensionErrors = errors
        return ee
    }
}

/// CertificateStatus (RFC 6066 §8, RFC 6961 §2.2): a stapled OCSP response (TLS ≤ 1.2).
public struct CertificateStatus: Sendable, Hashable {
    /// 1 = ocsp, 2 = ocsp_multi.
    public var statusType: UInt8
    /// Body length in bytes.
    public var length: Int
    /// DER OCSPResponse(s); empty for an unknown status type.
    public var ocspResponses: [[UInt8]] = []

    public init(statusType: UInt8, length: Int, ocspResponses: [[UInt8]] = []) {
        self.statusType = statusType
        self.length = length
        self.ocspResponses = ocspResponses
    }

    /// RFC 6066 §8 and RFC 6961 §2.2:
    ///
    ///     struct {
    ///         CertificateStatusType status_type;
    ///         select (status_type) {
    ///             case ocsp: OCSPResponse;
    ///             case ocsp_multi: OCSPResponseList;
    ///         } response;
    ///     } CertificateStatus;
    ///     opaque OCSPResponse<1..2^24-1>;
    ///     struct { OCSPResponse ocsp_response_list<1..2^24-1>; } OCSPResponseList;
    ///
    /// In ocsp_multi an entry may be empty (no response for that certificate).
    static func parse(_ body: ArraySlice<UInt8>) throws(TLSDecodeError) -> CertificateStatus {
        var r = HandshakeReader(body, message: "CertificateStatus")
        var status = CertificateStatus(statusType: try r.readUInt8("status_type"), length: body.count)
        switch status.statusType {
        case 1:
            let response = try r.readOpaque(lengthBytes: 3, "OCSPResponse")
            guard !response.isEmpty else { throw r.error(.invalidValue, "empty OCSPResponse") }
            status.ocspResponses = [response]
            try r.expectEnd("OCSPResponse")
        case 2:
            var list = try r.readVector(lengthBytes: 3, "ocsp_response_list")
            try r.expectEnd("ocsp_response_list")
            while !list.isAtEnd {
                status.ocspResponses.append(try list.readOpaque(lengthBytes: 3, "OCSPResponse"))
            }
        default:
            break  // an unknown status type: its layout is unknown, keep type and length
        }
        return status
    }
}
