import WireCore

// TLS 1.3 record protection as TLSWire sees it: a slot per direction for something that opens
// protected records. The cryptography (HKDF, AEAD, the key log) lives in the TLSDecrypt module,
// behind these value-type protocols, so the record decoder stays free of C and of OpenSSL, and a
// capture analysed without keys never touches any of this.

/// What one protected record held once opened (RFC 8446 §5.2, TLSInnerPlaintext):
///
///     struct {
///         opaque content[TLSPlaintext.length];
///         ContentType type;
///         uint8 zeros[length_of_padding];
///     } TLSInnerPlaintext;
public struct OpenedRecord: Sendable, Hashable {
    /// The real content type (handshake, alert, application_data).
    public var innerType: ContentType
    /// The content, padding and type byte removed.
    public var content: [UInt8]
    public init(innerType: ContentType, content: [UInt8]) {
        self.innerType = innerType; self.content = content
    }
}

/// Opens the protected records of one direction of one TLS 1.3 connection, in order: the
/// implementation keeps the keys of the current phase and the per-record sequence number.
public protocol RecordDecryptor: Sendable {
    /// Authenticates and decrypts one record. `header` is its 5-byte header (the AEAD's additional
    /// data), `ciphertext` its body. Nil when it does not authenticate (wrong secrets, or a record
    /// protected with other keys); the sequence number advances either way.
    mutating func open(header: [UInt8], ciphertext: ArraySlice<UInt8>) -> OpenedRecord?
    /// A record of this direction was lost to a capture gap: count it without opening it.
    mutating func skipRecord()
    /// This direction sent its Finished: its later records are protected with the application
    /// traffic secret (RFC 8446 §7.3, sequence number back to 0). False when that secret is unknown.
    mutating func switchToApplicationKeys() -> Bool
    /// The application secret is unknown now but may be written later (a live key log): records
    /// after Finished are held, and `switchToApplicationKeys` is tried again.
    var applicationKeysMayArriveLater: Bool { get }
}

extension RecordDecryptor {
    public var applicationKeysMayArriveLater: Bool { false }
}

/// Which side's traffic secret protects a direction.
public enum TrafficSender: String, Sendable, Hashable {
    case client, server
}

/// The answer of a key source for one side of one connection.
public enum KeyLookup: Sendable {
    case found(any RecordDecryptor)
    /// The key source holds no secrets for this client random.
    case missing
    /// Secrets exist but cannot be used (unsupported cipher suite, secret of the wrong length): why.
    case unusable(String)
}

/// Where TLS 1.3 secrets come from (an SSLKEYLOGFILE-format key log).
public protocol TLS13KeySource: Sendable {
    /// A decryptor for the records `sender` protects in the connection whose ClientHello carried
    /// `clientRandom`, after a ServerHello that chose `cipherSuite`.
    func decryptor(clientRandom: [UInt8], cipherSuite: CipherSuite, sender: TrafficSender) -> KeyLookup
    /// Secrets missing now may appear later (live capture: the TLS client writes its key log while
    /// the capture sees the ServerHello). Then protected records are held until they do, bounded.
    var keysMayArriveLater: Bool { get }
}

extension TLS13KeySource {
    public var keysMayArriveLater: Bool { false }
}

/// Protected records held while a live key log has no secrets yet for the connection.
struct AwaitingKeys: Sendable {
    struct Held: Sendable {
        var header: RecordHeaderBytes
        var body: [UInt8]
        var first: Int, frame: Int, time: Timestamp
        /// Bytes of it were not captured: only its place in the sequence counts.
        var lost: Bool
    }
    /// Waiting for the secrets to look the decryptor up; nil: the decryptor is there and waits
    /// for its application traffic secret (records after this side's Finished).
    var pending: PendingKeys?
    var cipherSuite: CipherSuite
    var held: [Held] = []
    var heldBytes = 0
    /// At most this much is held per direction (a server flight is a few records, < 64 KB).
    static let maxRecords = 16
    static let maxBytes = 128 * 1024
}

/// How decryption went for one direction of a connection.
public enum DecryptionStatus: String, Sendable, Hashable {
    /// No key source, or not a TLS 1.3 connection with a ClientHello and ServerHello seen.
    case off
    /// The key source had no (usable) secrets for this connection.
    case noKeys = "no_keys"
    /// Records are being opened.
    case active
    /// Stopped on purpose after the handshake (application data is not decrypted).
    case done
    /// A record did not authenticate, or a gap broke the record sequence: the rest stays opaque.
    case failed
}

/// Handed to a direction's record stream when the ClientHello is seen; used at the ServerHello.
struct PendingKeys: Sendable {
    var source: any TLS13KeySource
    var clientRandom: [UInt8]
    var sender: TrafficSender
}

extension Anomaly.Kind {
    /// A key log was given but its secrets do not open this connection's records.
    public static let keyLogMismatch = Anomaly.Kind(rawValue: "key_log_mismatch")
    /// A key log has secrets for this connection that cannot be used (cipher suite not supported).
    public static let keyLogUnusable = Anomaly.Kind(rawValue: "key_log_unusable")
    /// A capture gap broke the protected record sequence: decryption stopped there.
    public static let decryptionInterrupted = Anomaly.Kind(rawValue: "decryption_interrupted")
}

extension TLSRecordStream {
    /// The ClientHello was seen: once a TLS 1.3 ServerHello names the cipher suite, this
    /// direction's protected records are opened with `sender`'s secrets from `source`.
    public mutating func expectKeys(from source: any TLS13KeySource, clientRandom: [UInt8], sender: TrafficSender) {
        guard pendingKeys == nil, decryption == .off else { return }
        pendingKeys = PendingKeys(source: source, clientRandom: clientRandom, sender: sender)
    }

    /// A TLS 1.3 ServerHello (not a HelloRetryRequest) chose `cipherSuite`: look the secrets up.
    /// Called by the server's stream itself when it parses the ServerHello (its next record, often
    /// in the same segment, is already protected) and for the client's stream by its connection.
    /// Returns an anomaly when the key log has secrets that cannot be used.
    @discardableResult
    public mutating func startDecryption(cipherSuite: CipherSuite, frame: Int) -> Anomaly? {
        guard let p = pendingKeys, decryption == .off else { return nil }
        pendingKeys = nil
        switch p.source.decryptor(clientRandom: p.clientRandom, cipherSuite: cipherSuite, sender: p.sender) {
        case .found(let d):
            decryptor = d
            decryption = .active
            applicationRecordsLeft = -1
            return nil
        case .missing:
            decryption = .noKeys
            if p.source.keysMayArriveLater { awaitingKeys = AwaitingKeys(pending: p, cipherSuite: cipherSuite) }
            return nil
        case .unusable(let why):
            decryption = .noKeys
            return Anomaly(.keyLogUnusable, frame: frame, "the key log has \(p.sender) secrets for this connection, but \(why); its records stay encrypted")
        }
    }

    /// A type-23 record was collected: open it and feed what it held to the usual paths.
    ///
    /// The wire record is reported as `.applicationData` (so record sizes and the TLS 1.3 size
    /// inference see exactly what they see without keys) with `openedAs` set; its handshake
    /// messages and alert follow as events marked `decrypted`. Application data stays a count.
    mutating func openProtected(first: Int, frame: Int, time: Timestamp, events: inout [TLSEvent]) {
        guard var d = decryptor else { return }
        let opened = d.open(header: header.array, ciphertext: recordBody[...])
        decryptor = d
        var wire = TLSEvent(.applicationData(recordLength: recordLength), firstFrame: first, frame: frame, time: time)
        guard let opened else {
            stopDecryption(.failed)
            events.append(TLSEvent(.anomaly(Anomaly(.keyLogMismatch, frame: frame,
                "key log secrets do not decrypt this connection: a \(recordLength)-byte protected record failed authentication (key log of another session, or a capture that lost records); the rest of this direction stays encrypted")),
                firstFrame: first, frame: frame, time: time))
            events.append(wire)
            return
        }
        decryptedRecords += 1
        wire.openedAs = opened.innerType
        events.append(wire)
        let start = events.count
        switch opened.innerType {
        case .handshake:
            if handshakeBuffer.isEmpty { handshakeFirstFrame = first }
            handshakeBuffer.append(contentsOf: opened.content)
            extractHandshakeMessages(frame: frame, time: time, events: &events)
        case .alert where opened.content.count == 2:
            events.append(TLSEvent(.alert(level: AlertLevel(rawValue: opened.content[0]), description: AlertDescription(rawValue: opened.content[1])),
                                   firstFrame: first, frame: frame, time: time))
        case .applicationData:
            break
        default:
            events.append(TLSEvent(.anomaly(Anomaly(.malformedRecord, frame: frame,
                "a decrypted record holds \(opened.content.count) bytes of content type \(opened.innerType), which TLS 1.3 does not protect this way")),
                firstFrame: first, frame: frame, time: time))
        }
        var finished = false, keyUpdate = false
        for i in start..<events.count {
            events[i].decrypted = true
            switch events[i].kind {
            case .handshake(let m, _):
                if m.type == .finished { finished = true }
                if m.type == .keyUpdate { keyUpdate = true }
            case .malformedHandshake(let t, _, _):
                if t == .finished { finished = true }
                if t == .keyUpdate { keyUpdate = true }
            default: break
            }
        }
        // Key phases (RFC 8446 §7.3): this side's Finished is the last record under its handshake
        // traffic keys. After it, a few records are still opened (the server's NewSessionTickets,
        // certificate_required or another alert answering the client's flight), then decryption stops:
        // the diagnosis is about the handshake, and application data is none of its business.
        if keyUpdate {
            stopDecryption(.done)
        } else if applicationRecordsLeft < 0 {
            if finished {
                var d2 = decryptor!  // set above: decryption is active
                if d2.switchToApplicationKeys() && limits.decryptedApplicationRecords > 0 {
                    decryptor = d2
                    applicationRecordsLeft = limits.decryptedApplicationRecords
                } else if limits.decryptedApplicationRecords > 0 && d2.applicationKeysMayArriveLater {
                    // Live: the client logs the application secrets a moment later; hold until then.
                    awaitingKeys = AwaitingKeys(pending: nil, cipherSuite: CipherSuite(rawValue: 0))
                } else {
                    stopDecryption(.done)
                }
            }
        } else {
            applicationRecordsLeft -= 1
            if applicationRecordsLeft <= 0 { stopDecryption(.done) }
        }
    }

    /// A type-23 record was collected: open it, or hold it while a live key log lacks its secrets.
    mutating func protectedRecord(first: Int, frame: Int, time: Timestamp, events: inout [TLSEvent]) {
        guard var w = awaitingKeys else {
            openProtected(first: first, frame: frame, time: time, events: &events)
            return
        }
        w.held.append(AwaitingKeys.Held(header: header, body: recordBody, first: first, frame: frame, time: time, lost: false))
        w.heldBytes += recordBody.count
        awaitingKeys = w
        retryKeys(into: &events)
        if let w = awaitingKeys, w.held.count >= AwaitingKeys.maxRecords || w.heldBytes >= AwaitingKeys.maxBytes {
            settleAwaitingKeys(events: &events)
        }
    }

    /// Protected records are held for secrets a live key log has not written yet.
    public var isAwaitingKeys: Bool { hasAwaitingKeys }

    /// Looks the secrets up again; when they are there now, the held records are opened in order
    /// (their events carry their own frames, so they may follow events of later frames).
    public mutating func retryKeys(into events: inout [TLSEvent]) {
        guard let w = awaitingKeys else { return }
        if let p = w.pending {
            guard case .found(let d) = p.source.decryptor(clientRandom: p.clientRandom, cipherSuite: w.cipherSuite, sender: p.sender)
            else { return }
            decryptor = d
            decryption = .active
            applicationRecordsLeft = -1
        } else {
            guard var d = decryptor, d.switchToApplicationKeys() else { return }
            decryptor = d
            applicationRecordsLeft = limits.decryptedApplicationRecords
        }
        awaitingKeys = nil
        if !w.held.isEmpty { replayedHeldRecords = true }
        // Replaying uses the current-record fields: keep the record being read, if any.
        let saved = (header, recordBody, recordLength)
        for r in w.held {
            if var again = awaitingKeys {
                // A replayed Finished found no application secret yet: the records after it wait again.
                again.held.append(r)
                again.heldBytes += r.body.count
                awaitingKeys = again
                continue
            }
            if decryptor == nil {
                if !r.lost {
                    events.append(TLSEvent(.applicationData(recordLength: r.body.count), firstFrame: r.first, frame: r.frame, time: r.time))
                }
                continue
            }
            if r.lost { lostProtectedRecord(); continue }
            header = r.header
            recordBody = r.body
            recordLength = r.body.count
            openProtected(first: r.first, frame: r.frame, time: r.time, events: &events)
        }
        (header, recordBody, recordLength) = saved
    }

    /// The direction ended or too much is held: one last look-up, then the held records are
    /// reported as the opaque records they are, and this direction is not decrypted.
    mutating func settleAwaitingKeys(events: inout [TLSEvent]) {
        retryKeys(into: &events)
        guard let w = awaitingKeys else { return }
        awaitingKeys = nil
        if w.pending == nil { stopDecryption(.done) } // the handshake was read; the application secret never came
        for r in w.held where !r.lost {
            events.append(TLSEvent(.applicationData(recordLength: r.body.count), firstFrame: r.first, frame: r.frame, time: r.time))
        }
    }

    /// A protected record lost bytes to a capture gap (framing intact): count it so the next
    /// record's nonce is still right.
    mutating func lostProtectedRecord() {
        if var w = awaitingKeys {
            w.held.append(AwaitingKeys.Held(header: header, body: [], first: recordFirstFrame, frame: recordFirstFrame,
                                            time: Timestamp(seconds: 0, nanoseconds: 0), lost: true))
            awaitingKeys = w
            return
        }
        guard var d = decryptor else { return }
        d.skipRecord()
        decryptor = d
        if applicationRecordsLeft > 0 {
            applicationRecordsLeft -= 1
            if applicationRecordsLeft == 0 { stopDecryption(.done) }
        }
    }

    /// A gap broke record framing: how many records were lost is unknown, so are the nonces.
    /// After this side's Finished the handshake was already read: that is not a failure.
    mutating func decryptionBrokenByGap(bytes: Int, frame: Int, time: Timestamp, events: inout [TLSEvent]) {
        if hasAwaitingKeys { settleAwaitingKeys(events: &events) }
        guard decryptor != nil else { return }
        stopDecryption(applicationRecordsLeft >= 0 ? .done : .failed)
        events.append(TLSEvent(.anomaly(Anomaly(.decryptionInterrupted, frame: frame,
            "a \(bytes)-byte capture gap broke the record sequence; later protected records of this direction are not decrypted")),
            firstFrame: frame, frame: frame, time: time))
    }

    mutating func stopDecryption(_ status: DecryptionStatus) {
        decryptor = nil
        decryption = status
        applicationRecordsLeft = -1
    }
}
