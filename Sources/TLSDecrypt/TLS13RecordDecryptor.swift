import TLSWire

/// Opens one direction's TLS 1.3 records: handshake traffic keys first, then (after this side's
/// Finished) the application traffic keys when the key log has them. A value: keys, IVs and the
/// sequence number, nothing OpenSSL-owned.
public struct TLS13RecordDecryptor: RecordDecryptor {
    public let suite: TLS13Suite
    var keys: TrafficKeys
    var applicationSecret: [UInt8]?
    /// Live key log: the application secret is written after the handshake secrets, so it is
    /// looked up when this side's Finished is seen rather than when decryption starts.
    var lateApplicationSecret: (@Sendable () -> [UInt8]?)?
    public private(set) var sequence: UInt64 = 0
    public private(set) var applicationPhase = false

    /// Nil when a secret has the wrong length for the suite's hash.
    public init?(suite: TLS13Suite, handshakeSecret: [UInt8], applicationSecret: [UInt8]?) {
        guard let k = KeySchedule.trafficKeys(suite, secret: handshakeSecret) else { return nil }
        if let a = applicationSecret, a.count != suite.hash.length { return nil }
        self.suite = suite
        self.keys = k
        self.applicationSecret = applicationSecret
    }

    /// Directly from record keys (tests with published key/IV vectors).
    public init(suite: TLS13Suite, keys: TrafficKeys, sequence: UInt64 = 0) {
        self.suite = suite
        self.keys = keys
        self.sequence = sequence
    }

    /// RFC 8446 §5.2: additional_data = the record header; the plaintext is
    /// TLSInnerPlaintext: content, the real type, then zero padding (stripped from the end).
    public mutating func open(header: [UInt8], ciphertext: ArraySlice<UInt8>) -> OpenedRecord? {
        let nonce = KeySchedule.nonce(iv: keys.iv, sequence: sequence)
        sequence &+= 1
        // A protected record is at most 2^14 + 256 bytes (§5.2).
        guard header.count == 5, ciphertext.count <= 16384 + 256,
              var inner = AEADOpen.open(suite.aead, key: keys.key, nonce: nonce, aad: header, sealed: ciphertext)
        else { return nil }
        while let last = inner.last, last == 0 { inner.removeLast() }
        // All zeros: no content type — "MUST terminate the connection with an unexpected_message alert".
        guard let type = inner.popLast() else { return nil }
        return OpenedRecord(innerType: ContentType(rawValue: type), content: inner)
    }

    public mutating func skipRecord() { sequence &+= 1 }

    public var applicationKeysMayArriveLater: Bool { applicationSecret == nil && lateApplicationSecret != nil }

    public mutating func switchToApplicationKeys() -> Bool {
        guard let secret = applicationSecret ?? lateApplicationSecret?(),
              let k = KeySchedule.trafficKeys(suite, secret: secret) else { return false }
        keys = k
        sequence = 0
        applicationPhase = true
        applicationSecret = nil
        lateApplicationSecret = nil
        return true
    }
}
