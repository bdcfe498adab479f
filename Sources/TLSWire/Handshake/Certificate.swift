/// A Certificate message: the DER certificates in wire order (leaf first for a server).
public struct CertificateMessage: Sendable, Hashable {
    /// certificate_request_context (TLS 1.3 only; empty otherwise).
    public var requestContext: [UInt8] = []
    /// DER encodings, in order.
    public var certificates: [[UInt8]] = []
    /// Per-certificate extensions of the TLS 1.3 layout (status_request, SCT ...), parallel to
    /// `certificates`; empty lists for the TLS ≤ 1.2 layout.
    public var certificateExtensions: [[TLSExtension]] = []
    /// True when the TLS 1.3 layout was decoded.
    public var isTLS13Layout: Bool = false

    public init() {}

    /// No certificate: a client with nothing to send after a CertificateRequest.
    public var isEmpty: Bool { certificates.isEmpty }

    static let name = "Certificate"

    /// Picks the layout from the negotiated version; without one, tries TLS ≤ 1.2 then TLS 1.3.
    static func parse(_ body: ArraySlice<UInt8>, context: HandshakeContext) throws(TLSDecodeError) -> CertificateMessage {
        if let v = context.negotiatedVersion {
            return isTLS13(v) ? try parseTLS13(body) : try parseLegacy(body)
        }
        do throws(TLSDecodeError) {
            return try parseLegacy(body)
        } catch {
            if let m = try? parseTLS13(body) { return m }
            throw error
        }
    }

    /// SSL 3.0 to TLS 1.2 (RFC 5246 §7.4.2):
    ///
    ///     opaque ASN.1Cert<1..2^24-1>;
    ///     struct {
    ///         ASN.1Cert certificate_list<0..2^24-1>;
    ///     } Certificate;
    public static func parseLegacy(_ body: ArraySlice<UInt8>) throws(TLSDecodeError) -> CertificateMessage {
        var r = HandshakeReader(body, message: name)
        var list = try r.readVector(lengthBytes: 3, "certificate_list")
        try r.expectEnd("certificate_list")
        var message = CertificateMessage()
        // Sized once up front: growing both lists certificate by certificate cost several allocations a chain.
        message.certificates.reserveCapacity(entryCount(list.bytes))
        while !list.isAtEnd {
            let der = try list.readOpaque(lengthBytes: 3, "ASN.1Cert")
            guard !der.isEmpty else { throw list.error(.invalidValue, "empty ASN.1Cert (must be 1..2^24-1 bytes)") }
            message.certificates.append(der)
        }
        message.certificateExtensions = Array(repeating: [], count: message.certificates.count)
        return message
    }

    /// How many entries with a 3-byte length `list` holds, as far as their lengths fit: room to reserve,
    /// not a check (at most a third of the list's size).
    private static func entryCount(_ list: ArraySlice<UInt8>) -> Int {
        list.withUnsafeBufferPointer { b in
            var i = 0, n = 0
            while b.count - i >= 3 {
                i += 3 + (Int(b[i]) << 16 | Int(b[i + 1]) << 8 | Int(b[i + 2]))
                n += 1
            }
            return n
        }
    }

    /// TLS 1.3 (RFC 8446 §4.4.2):
    ///
    ///     struct {
    ///         select (certificate_type) {
    ///             case RawPublicKey: opaque ASN1_subjectPublicKeyInfo<1..2^24-1>;
    ///             case X509: opaque cert_data<1..2^24-1>;
    ///         };
    ///         Extension extensions<0..2^16-1>;
    ///     } CertificateEntry;
    ///     struct {
    ///         opaque certificate_request_context<0..2^8-1>;
    ///         CertificateEntry certificate_list<0..2^24-1>;
    ///     } Certificate;
    public static func parseTLS13(_ body: ArraySlice<UInt8>) throws(TLSDecodeError) -> CertificateMessage {
        var r = HandshakeReader(body, message: name)
        var message = CertificateMessage()
        message.isTLS13Layout = true
        message.requestContext = try r.readOpaque(lengthBytes: 1, "certificate_request_context")
        var list = try r.readVector(lengthBytes: 3, "certificate_list")
        try r.expectEnd("certificate_list")
        while !list.isAtEnd {
            let der = try list.readOpaque(lengthBytes: 3, "cert_data")
            guard !der.isEmpty else { throw list.error(.invalidValue, "empty cert_data (must be 1..2^24-1 bytes)") }
            let extensions = try TLSExtension.readBlock(&list, "CertificateEntry.extensions")
            message.certificates.append(der)
            message.certificateExtensions.append(extensions)
        }
        return message
    }
}

/// A CertificateRequest: what the server asks of a client certificate.
public struct CertificateRequest: Sendable, Hashable {
    /// ClientCertificateType values (TLS ≤ 1.2): 1 rsa_sign, 2 dss_sign, 64 ecdsa_sign ...
    public var certificateTypes: [UInt8] = []
    public var signatureAlgorithms: [SignatureScheme] = []
    /// signature_algorithms_cert (TLS 1.3 extension 50).
    public var signatureAlgorithmsCert: [SignatureScheme] = []
    /// Acceptable CAs, each the DER encoding of a DistinguishedName as on the wire.
    public var certificateAuthorities: [[UInt8]] = []
    /// certificate_request_context (TLS 1.3 only).
    public var requestContext: [UInt8] = []
    /// Extensions of the TLS 1.3 layout, raw and in order.
    public var extensions: [TLSExtension] = []
    public var layout: Layout = .tls12
    public var extensionErrors: [String] = []

    public enum Layout: String, Sendable, Hashable {
        /// SSL 3.0 to TLS 1.1: types and CAs.
        case legacy
        /// TLS 1.2: types, signature algorithms and CAs.
        case tls12
        /// TLS 1.3: context and extensions.
        case tls13
        /// TLS 1.3 drafts before -19: context, signature algorithms, CAs and certificate extensions.
        case tls13Draft
    }

    public init() {}

    static let name = "CertificateRequest"

    /// Picks the layout from the negotiated version; without one tries TLS 1.2, then SSL 3.0-TLS 1.1,
    /// then TLS 1.3, and reports the TLS 1.2 failure if none fits.
    static func parse(_ body: ArraySlice<UInt8>, context: HandshakeContext) throws(TLSDecodeError) -> CertificateRequest {
        guard let v = context.negotiatedVersion else {
            do throws(TLSDecodeError) {
                return try parseTLS12(body)
            } catch {
                if let m = try? parseLegacy(body) { return m }
                if let m = try? parseTLS13(body) { return m }
                throw error
            }
        }
        if isTLS13(v) {
            guard v.rawValue >> 8 == 0x7f else { return try parseTLS13(body) }
            do throws(TLSDecodeError) {
                return try parseTLS13(body)
            } catch {
                if let m = try? parseTLS13Draft(body) { return m }
                throw error
            }
        }
        return v.rank >= ProtocolVersion.tls12.rank ? try parseTLS12(body) : try parseLegacy(body)
    }

    /// SSL 3.0 to TLS 1.1 (RFC 4346 §7.4.4):
    ///
    ///     struct {
    ///         ClientCertificateType certificate_types<1..2^8-1>;
    ///         DistinguishedName certificate_authorities<0..2^16-1>;
    ///     } CertificateRequest;
    public static func parseLegacy(_ body: ArraySlice<UInt8>) throws(TLSDecodeError) -> CertificateRequest {
        var r = HandshakeReader(body, message: name)
        var request = CertificateRequest()
        request.layout = .legacy
        request.certificateTypes = try r.readOpaque(lengthBytes: 1, "certificate_types")
        request.certificateAuthorities = try readAuthorities(&r)
        try r.expectEnd("certificate_authorities")
        return request
    }

    /// TLS 1.2 (RFC 5246 §7.4.4):
    ///
    ///     struct {
    ///         ClientCertificateType certificate_types<1..2^8-1>;
    ///         SignatureAndHashAlgorithm supported_signature_algorithms<2^16-1>;
    ///         DistinguishedName certificate_authorities<0..2^16-1>;
    ///     } CertificateRequest;
    public static func parseTLS12(_ body: ArraySlice<UInt8>) throws(TLSDecodeError) -> CertificateRequest {
        var r = HandshakeReader(body, message: name)
        var request = CertificateRequest()
        request.layout = .tls12
        request.certificateTypes = try r.readOpaque(lengthBytes: 1, "certificate_types")
        request.signatureAlgorithms = try ExtensionDecoders.signatureSchemes(&r)
        request.certificateAuthorities = try readAuthorities(&r)
        try r.expectEnd("certificate_authorities")
        return request
    }

    /// TLS 1.3 (RFC 8446 §4.3.2):
    ///
    ///     struct {
    ///         opaque certificate_request_context<0..2^8-1>;
    ///         Extension extensions<2..2^16-1>;
    ///     } CertificateRequest;
    ///
    /// signature_algorithms (13), signature_algorithms_cert (50) and certificate_authorities (47,
    /// `DistinguishedName authorities<3..2^16-1>;`) are decoded.
    public static func parseTLS13(_ body: ArraySlice<UInt8>) throws(TLSDecodeError) -> CertificateRequest {
        var r = HandshakeReader(body, message: name)
        var request = CertificateRequest()
        request.layout = .tls13
        request.requestContext = try r.readOpaque(lengthBytes: 1, "certificate_request_context")
        request.extensions = try TLSExtension.readBlock(&r)
        try r.expectEnd("extensions")
        var errors: [String] = []
        var seen = ExtensionSeen()
        for ext in request.extensions {
            guard seen.isFirst(ext, in: name, errors: &errors) else { continue }
            switch ext.type.rawValue {
            case ExtensionType.signatureAlgorithms.rawValue:
                request.signatureAlgorithms = decodeCodePointList(ext, lengthBytes: 2, "supported_signature_algorithms", in: name,
                                                                errors: &errors, as: SignatureScheme.init(rawValue:)) ?? []
            case ExtensionType.signatureAlgorithmsCert.rawValue:
                request.signatureAlgorithmsCert = decodeCodePointList(ext, lengthBytes: 2, "supported_signature_algorithms", in: name,
                                                                errors: &errors, as: SignatureScheme.init(rawValue:)) ?? []
            case ExtensionType.certificateAuthorities.rawValue:
                request.certificateAuthorities = decodeExtensionData(ext, in: name, errors: &errors, readAuthorities) ?? []
            default:
                break
            }
        }
        request.extensionErrors = errors
        return request
    }

    /// TLS 1.3 drafts up to -18 (draft-ietf-tls-tls13-18 §4.3.2):
    ///
    ///     struct {
    ///         opaque certificate_request_context<0..2^8-1>;
    ///         SignatureScheme supported_signature_algorithms<2..2^16-2>;
    ///         DistinguishedName certificate_authorities<0..2^16-1>;
    ///         CertificateExtension certificate_extensions<0..2^16-1>;
    ///     } CertificateRequest;
    public static func parseTLS13Draft(_ body: ArraySlice<UInt8>) throws(TLSDecodeError) -> CertificateRequest {
        var r = HandshakeReader(body, message: name)
        var request = CertificateRequest()
        request.layout = .tls13Draft
        request.requestContext = try r.readOpaque(lengthBytes: 1, "certificate_request_context")
        request.signatureAlgorithms = try ExtensionDecoders.signatureSchemes(&r)
        request.certificateAuthorities = try readAuthorities(&r)
        request.extensions = try TLSExtension.readBlock(&r, "certificate_extensions")
        try r.expectEnd("certificate_extensions")
        return request
    }

    /// `opaque DistinguishedName<1..2^16-1>; DistinguishedName certificate_authorities<0..2^16-1>;`
    static func readAuthorities(_ r: inout HandshakeReader) throws(TLSDecodeError) -> [[UInt8]] {
        var list = try r.readVector(lengthBytes: 2, "certificate_authorities")
        var names: [[UInt8]] = []
        while !list.isAtEnd {
            let dn = try list.readOpaque(lengthBytes: 2, "DistinguishedName")
            guard !dn.isEmpty else { throw list.error(.invalidValue, "empty DistinguishedName (must be 1..2^16-1 bytes)") }
            names.append(dn)
        }
        return names
    }
}
