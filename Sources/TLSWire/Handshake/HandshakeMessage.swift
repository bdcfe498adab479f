/// What the connection tracker knows when a handshake body arrives: the layouts of several TLS
/// messages depend on the negotiated version and the cipher suite's key exchange.
public struct HandshakeContext: Sendable, Hashable {
    /// From the ServerHello (its negotiatedVersion); decides TLS 1.3 versus older layouts.
    /// Nil before a ServerHello was seen: ambiguous messages are then sniffed.
    public var negotiatedVersion: ProtocolVersion?
    /// From the ServerHello; decides the ServerKeyExchange layout.
    public var cipherSuite: CipherSuite?

    public init(negotiatedVersion: ProtocolVersion? = nil, cipherSuite: CipherSuite? = nil) {
        self.negotiatedVersion = negotiatedVersion
        self.cipherSuite = cipherSuite
    }
}

/// One decoded handshake message body (the 4-byte header is the reassembler's).
/// The messages with fields are boxed (events carrying a message stay small and cheap to copy); the
/// ones that are only a length are not, so they cost no allocation. The hellos box their own fields
/// (one word each), so their cases need no second box.
public enum HandshakeMessage: Sendable, Hashable {
    case helloRequest
    case clientHello(ClientHello)
    /// A HelloRetryRequest is a ServerHello with `isHelloRetryRequest`.
    case serverHello(ServerHello)
    indirect case newSessionTicket(NewSessionTicket)
    case endOfEarlyData
    indirect case encryptedExtensions(EncryptedExtensions)
    indirect case certificate(CertificateMessage)
    indirect case serverKeyExchange(ServerKeyExchange)
    indirect case certificateRequest(CertificateRequest)
    case serverHelloDone
    indirect case certificateVerify(CertificateVerify)
    case clientKeyExchange(ClientKeyExchange)
    case finished(Finished)
    case certificateStatus(CertificateStatus)
    case keyUpdate(requestUpdate: Bool)
    /// A type not decoded here (certificate_url, compressed_certificate, next_protocol, DTLS ...).
    case unknown(type: HandshakeType, length: Int)

    /// The message's handshake type. The draft-era hello_retry_request (type 6) reports
    /// `.serverHello`, as it is decoded into one.
    public var type: HandshakeType {
        switch self {
        case .helloRequest: return .helloRequest
        case .clientHello: return .clientHello
        case .serverHello: return .serverHello
        case .newSessionTicket: return .newSessionTicket
        case .endOfEarlyData: return .endOfEarlyData
        case .encryptedExtensions: return .encryptedExtensions
        case .certificate: return .certificate
        case .serverKeyExchange: return .serverKeyExchange
        case .certificateRequest: return .certificateRequest
        case .serverHelloDone: return .serverHelloDone
        case .certificateVerify: return .certificateVerify
        case .clientKeyExchange: return .clientKeyExchange
        case .finished: return .finished
        case .certificateStatus: return .certificateStatus
        case .keyUpdate: return .keyUpdate
        case .unknown(let type, _): return type
        }
    }

    /// What the record stream takes from a ServerHello.
    var serverHelloFacts: (version: ProtocolVersion, cipherSuite: CipherSuite, isHelloRetryRequest: Bool)? {
        guard case .serverHello(let hello) = self else { return nil }
        return (hello.negotiatedVersion, hello.cipherSuite, hello.isHelloRetryRequest)
    }

    /// The largest body a 3-byte handshake length can announce.
    public static let maximumBodyLength = (1 << 24) - 1

    /// Handshake type 6: hello_retry_request in TLS 1.3 drafts up to -21.
    static let draftHelloRetryRequest = HandshakeType(rawValue: 6)

    /// Parses one message body.
    ///
    /// TOTAL: malformed or truncated input throws `TLSDecodeError`, never traps, never loops
    /// forever (every loop consumes at least one byte), and allocates no more than the input's size.
    ///
    ///     struct {
    ///         HandshakeType msg_type;    /* handled by the reassembler */
    ///         uint24 length;             /* handled by the reassembler */
    ///         select (Handshake.msg_type) { ... };   /* `body` */
    ///     } Handshake;
    public static func parse(type: HandshakeType, body: ArraySlice<UInt8>,
                             context: HandshakeContext) throws(TLSDecodeError) -> HandshakeMessage {
        guard body.count <= maximumBodyLength else {
            throw TLSDecodeError(.tooLarge, "\(type): body of \(body.count) bytes exceeds the 2^24-1 a handshake header can carry")
        }
        switch type {
        case .helloRequest:
            try expectEmpty(body, "HelloRequest")
            return .helloRequest
        case .clientHello:
            return .clientHello(try ClientHello.parse(body))
        case .serverHello:
            return .serverHello(try ServerHello.parse(body))
        case draftHelloRetryRequest:
            return .serverHello(try ServerHello.parseDraftHelloRetryRequest(body))
        case .newSessionTicket:
            return .newSessionTicket(try NewSessionTicket.parse(body, context: context))
        case .endOfEarlyData:
            try expectEmpty(body, "EndOfEarlyData")
            return .endOfEarlyData
        case .encryptedExtensions:
            return .encryptedExtensions(try EncryptedExtensions.parse(body))
        case .certificate:
            return .certificate(try CertificateMessage.parse(body, context: context))
        case .serverKeyExchange:
            return .serverKeyExchange(try ServerKeyExchange.parse(body, context: context))
        case .certificateRequest:
            return .certificateRequest(try CertificateRequest.parse(body, context: context))
        case .serverHelloDone:
            try expectEmpty(body, "ServerHelloDone")
            return .serverHelloDone
        case .certificateVerify:
            return .certificateVerify(try CertificateVerify.parse(body, context: context))
        case .clientKeyExchange:
            return .clientKeyExchange(ClientKeyExchange(length: body.count))
        case .finished:
            return .finished(Finished(length: body.count))
        case .certificateStatus:
            return .certificateStatus(try CertificateStatus.parse(body))
        case .keyUpdate:
            return .keyUpdate(requestUpdate: try parseKeyUpdate(body))
        default:
            return .unknown(type: type, length: body.count)
        }
    }

    /// `parse` of a body read where it lies (a record in the capture's buffer, the reassembly buffer):
    /// well-formed hellos, nearly all, are decoded straight from `bytes`; any other message from the
    /// array slice `slice` makes (whose base array then belongs to the message, not to the caller's buffer).
    static func parse(type: HandshakeType, inPlace bytes: UnsafeRawBufferPointer, context: HandshakeContext,
                      orSlice slice: () -> ArraySlice<UInt8>) throws(TLSDecodeError) -> HandshakeMessage {
        let b = bytes.assumingMemoryBound(to: UInt8.self)
        switch type {
        case .clientHello:
            if let hello = ClientHello.parseWellFormed(b) { return .clientHello(hello) }
        case .serverHello:
            if let hello = ServerHello.parseWellFormed(b) { return .serverHello(hello) }
        default:
            break
        }
        return try parse(type: type, body: slice(), context: context)
    }

    /// `struct {} HelloRequest;`, `struct {} ServerHelloDone;`, `struct {} EndOfEarlyData;`
    private static func expectEmpty(_ body: ArraySlice<UInt8>, _ name: String) throws(TLSDecodeError) {
        guard body.isEmpty else { throw TLSDecodeError(.trailingBytes, "\(name): \(body.count) bytes in an empty message") }
    }

    /// RFC 8446 §4.6.3:
    ///
    ///     enum { update_not_requested(0), update_requested(1), (255) } KeyUpdateRequest;
    ///     struct { KeyUpdateRequest request_update; } KeyUpdate;
    private static func parseKeyUpdate(_ body: ArraySlice<UInt8>) throws(TLSDecodeError) -> Bool {
        var r = HandshakeReader(body, message: "KeyUpdate")
        let request = try r.readUInt8("request_update")
        try r.expectEnd("request_update")
        guard request <= 1 else { throw r.error(.invalidValue, "request_update is \(request), not 0 or 1") }
        return request == 1
    }
}
