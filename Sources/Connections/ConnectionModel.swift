import WireCore
import Packets
import TLSWire

/// Something that happened at a place in the capture.
public struct Located<Value: Sendable>: Sendable {
    public var value: Value
    /// The frame that completed it (reassembled messages are shown at their last frame).
    public var frame: Int
    public var firstFrame: Int
    public var time: Timestamp
    public init(_ value: Value, frame: Int, firstFrame: Int, time: Timestamp) {
        self.value = value; self.frame = frame; self.firstFrame = firstFrame; self.time = time
    }
}

/// One line of a connection's transcript: who did what, when.
public struct TranscriptEntry: Sendable {
    public enum Event: Sendable, Hashable {
        case syn, synAck, fin, rst
        case handshake(HandshakeType, length: Int)
        case helloRetryRequest
        case malformedHandshake(HandshakeType, reason: String)
        case encryptedHandshake(length: Int)
        case changeCipherSpec
        case alert(level: AlertLevel, description: AlertDescription)
        case encryptedAlert(length: Int)
        /// A run of consecutive application_data records from one side.
        case applicationData(records: Int, bytes: Int)
        case heartbeat(length: Int)
        case gap(bytes: Int)
        case plaintext(bytes: Int)
        case tlsAfterPlaintext(bytes: Int)
        case resynchronized(skipped: Int)
    }
    public var frame: Int
    public var time: Timestamp
    public var sender: Side
    public var event: Event
    /// Read from a TLS 1.3 record opened with the key log.
    public var decrypted = false
}

/// An alert as the diagnosis needs it: who sent it, where in the handshake, and whether it was readable.
public struct AlertRecord: Sendable, Hashable {
    public var frame: Int
    public var time: Timestamp
    public var sender: Side
    /// Nil when the alert was encrypted.
    public var level: AlertLevel?
    public var description: AlertDescription?
    public var encrypted: Bool
    public var recordLength: Int
    /// An encrypted alert read with the key log: level and description are known.
    public var decrypted = false
    /// True when the alert was inferred from the size of a TLS 1.3 encrypted record (19 bytes with AEAD).
    public var inferred: Bool
    /// The last handshake message seen from either side before the alert ("ServerHelloDone from server").
    public var after: String?
    /// Sent before the handshake completed.
    public var duringHandshake: Bool
}

/// A TCP control event.
public struct TCPSignal: Sendable, Hashable {
    public var frame: Int
    public var time: Timestamp
    public var sender: Side
}

public struct TCPGap: Sendable, Hashable {
    public var side: Side
    public var bytes: Int
    public var frame: Int
}

/// What one direction of TCP looked like.
public struct DirectionStats: Sendable, Hashable {
    public var segments = 0
    public var payloadBytes = 0
    public var retransmittedSegments = 0
    public var outOfOrderSegments = 0
    public var gapBytes = 0
    public var gapCount = 0
    /// Segments whose payload the snaplen cut, and how many payload bytes were lost that way.
    public var truncatedSegments = 0
    public var truncatedBytes = 0
    public var firstTruncatedFrame: Int?
    public var reassemblyLimitHits = 0
    public init() {}
}

public struct TCPSummary: Sendable {
    public var syn: TCPSignal?
    public var synCount = 0
    public var synAck: TCPSignal?
    public var fins: [TCPSignal] = []
    public var rsts: [TCPSignal] = []
    public var client = DirectionStats()
    public var server = DirectionStats()
    public var gaps: [TCPGap] = []
    /// No SYN was captured: the connection began before the capture (or the capture missed it).
    public var startedBeforeCapture = false
    public var sawClientPackets = false
    public var sawServerPackets = false
    public init() {}

    public func stats(_ side: Side) -> DirectionStats { side == .client ? client : server }
}

/// An encrypted record's size and place: enough to reason about TLS 1.3 without keys.
public struct RecordSize: Sendable, Hashable {
    public var frame: Int
    public var sender: Side
    public var contentType: ContentType
    public var length: Int
}

/// What the record layer and handshake showed.
public struct TLSSummary: Sendable {
    public var sawTLS = false
    public var clientHello: Located<ClientHello>?
    /// A second ClientHello (after a HelloRetryRequest).
    public var retryClientHello: Located<ClientHello>?
    public var serverHello: Located<ServerHello>?
    public var helloRetryRequest: Located<ServerHello>?
    public var serverCertificate: Located<CertificateMessage>?
    public var certificateStatus: Located<CertificateStatus>?
    public var serverKeyExchange: Located<ServerKeyExchange>?
    public var certificateRequest: Located<CertificateRequest>?
    public var serverHelloDone: Located<Int>?
    /// The client's Certificate message; present and empty when the client had none to send.
    public var clientCertificate: Located<CertificateMessage>?
    public var clientKeyExchange: Located<ClientKeyExchange>?
    public var certificateVerify: Located<CertificateVerify>?
    public var clientChangeCipherSpec: Located<Int>?
    public var serverChangeCipherSpec: Located<Int>?
    /// Finished messages: plaintext when seen as such, otherwise the encrypted handshake record after CCS.
    public var clientFinished: Located<Int>?
    public var serverFinished: Located<Int>?
    public var newSessionTickets = 0
    public var alerts: [AlertRecord] = []
    /// Encrypted records after the ServerHello, in order (capped): TLS 1.3 inference reads them.
    public var encryptedRecords: [RecordSize] = []
    public var clientAppDataRecords = 0
    public var serverAppDataRecords = 0
    public var clientAppDataBytes = 0
    public var serverAppDataBytes = 0
    public var firstClientAppData: Located<Int>?
    public var firstServerAppData: Located<Int>?
    public var heartbeats = 0
    public var malformedMessages: [Located<String>] = []
    /// First bytes of a side that did not speak TLS.
    public var clientPlaintext: Located<[UInt8]>?
    public var serverPlaintext: Located<[UInt8]>?
    public var clientPlaintextBytes = 0
    public var serverPlaintextBytes = 0
    /// TLS began after this many plaintext bytes (STARTTLS).
    public var startTLSAfterBytes: Int?
    /// TLS 1.3 read with the key log: every protected handshake record of both sides was opened (a
    /// side that sent none needs no secrets), so the messages above include the encrypted ones and
    /// no size inference is needed.
    public var decrypted = false
    /// Per side, how decryption went (`off` without a key log or for TLS ≤ 1.2).
    public var clientDecryption = DecryptionStatus.off
    public var serverDecryption = DecryptionStatus.off
    public init() {}

    /// The version the server chose (nil without a ServerHello).
    public var version: ProtocolVersion? { serverHello?.value.negotiatedVersion }
    public var isTLS13: Bool { version.map { $0 == .tls13 || $0.isTLS13Draft } ?? false }
    public var cipher: CipherSuite? { serverHello?.value.cipherSuite }
    public var serverName: String? { clientHello?.value.serverName }
    public var alpn: String? { serverHello?.value.alpnProtocol }
    /// The key-exchange group: TLS 1.3 key_share, or the TLS 1.2 ServerKeyExchange named curve.
    public var group: NamedGroup? { serverHello?.value.keyShareGroup ?? serverKeyExchange?.value.namedCurve }

    /// Session resumption: TLS ≤ 1.2 echoes the client's session ID and skips the Certificate;
    /// TLS 1.3 accepts a pre_shared_key.
    public var resumed: Bool {
        guard let sh = serverHello?.value else { return false }
        if isTLS13 { return sh.hasPreSharedKey }
        guard let ch = clientHello?.value else { return false }
        return sh.echoesSessionID(of: ch) && serverCertificate == nil
            || (serverCertificate == nil && serverChangeCipherSpec != nil && ch.hasSessionTicket && serverKeyExchange == nil
                && serverHelloDone == nil)
    }
}

/// How the tool decided which side is the client.
public enum RoleBasis: String, Sendable {
    case syn, synAck = "syn_ack", clientHello = "client_hello", serverHello = "server_hello", port
}

/// Where a TLS 1.3 handshake stands, read from record sizes alone (no keys).
public struct TLS13Inference: Sendable, Hashable {
    public enum ClientFlight: String, Sendable {
        /// First encrypted client record has the size of an alert (2 + 1 + 16-byte tag = 19).
        case alert
        /// A Finished alone (SHA-256: 4 + 32 + 1 + 16 = 53; SHA-384: 69).
        case finished
        /// A record the size of an empty Certificate (4 + 1 + 3 + 1 + 16 = 25).
        case emptyCertificate
        /// Something larger: a Certificate with certificates, or messages coalesced.
        case certificate
        case none

        /// What the client's first encrypted record holds, by its size (AEAD: content + 1 inner type byte +
        /// 16-byte tag).
        init(firstRecordLength length: Int) {
            switch length {
            case 19: self = .alert
            case 25: self = .emptyCertificate
            case 53, 69: self = .finished
            case let n where n > 69: self = .certificate
            default: self = .finished
            }
        }
    }
    public var clientFlight: ClientFlight
    public var clientFlightFrame: Int?
    /// The server answered the client's flight with an alert-sized record.
    public var serverAlertAfterClientFlight: Int?
    /// Application data flowed after the client's flight (tickets from the server, or requests).
    public var dataAfterClientFlight: Bool
}

/// The outcome of a connection: who ended it, and how.
public struct Outcome: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }
    public static let established = Outcome(rawValue: "established")
    public static let rejectedByClient = Outcome(rawValue: "rejected_by_client")
    public static let rejectedByServer = Outcome(rawValue: "rejected_by_server")
    public static let noServerHello = Outcome(rawValue: "no_server_hello")
    public static let reset = Outcome(rawValue: "reset")
    public static let closedByClient = Outcome(rawValue: "closed_by_client")
    public static let closedByServer = Outcome(rawValue: "closed_by_server")
    public static let incomplete = Outcome(rawValue: "incomplete")
    public static let notTLS = Outcome(rawValue: "not_tls")
    public static let tcpRefused = Outcome(rawValue: "tcp_refused")
    public static let tcpNoAnswer = Outcome(rawValue: "tcp_no_answer")
    public static let noData = Outcome(rawValue: "no_data")
    /// Only the middle of the connection was captured: records, but no handshake.
    public static let handshakeNotCaptured = Outcome(rawValue: "handshake_not_captured")

    /// A switch, not a list built per call: reports ask this of every connection.
    public var isFailure: Bool {
        switch self {
        case .established, .noData, .handshakeNotCaptured, .incomplete: return false
        default: return true
        }
    }
}

/// Everything the capture showed about one TCP connection. Value type; the diagnosis reads only this.
public struct Connection: Sendable {
    public var id: Int
    /// Index of the input file in the call.
    public var input: Int
    public var firstFrame: Int
    public var lastFrame: Int
    public var startTime: Timestamp
    public var endTime: Timestamp
    public var client: Endpoint
    public var server: Endpoint
    public var clientMAC: EthernetAddress?
    public var serverMAC: EthernetAddress?
    public var vlanIDs: [UInt16]
    public var roleBasis: RoleBasis
    public var tcp: TCPSummary
    public var tls: TLSSummary
    public var transcript: [TranscriptEntry]
    public var transcriptTruncated: Bool
    public var anomalies: [Anomaly]
    public var outcome: Outcome
    public var established: Bool
    public var tls13: TLS13Inference?
    /// Why the connection's analysis ended before a natural close (eviction, limits, end of capture).
    public var endReason: String
}
