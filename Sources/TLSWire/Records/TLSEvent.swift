import WireCore

/// What one direction's record stream says, in stream order. Frames: `firstFrame` carried the
/// first byte of the item, `frame` the last (Wireshark shows reassembled messages at the last).
public struct TLSEvent: Sendable {
    public enum Kind: Sendable {
        case handshake(HandshakeMessage, length: Int)
        /// A handshake message whose body did not parse; its type and length are still known.
        case malformedHandshake(HandshakeType, length: Int, reason: String)
        /// A handshake record sent after this side's ChangeCipherSpec (TLS ≤ 1.2): Finished, encrypted.
        case encryptedHandshake(recordLength: Int)
        case changeCipherSpec
        case alert(level: AlertLevel, description: AlertDescription)
        /// An alert record that is not 2 bytes long: encrypted under the record keys.
        case encryptedAlert(recordLength: Int)
        /// An application_data record (in TLS 1.3 also the encrypted handshake and alerts).
        case applicationData(recordLength: Int)
        case heartbeat(recordLength: Int)
        /// The direction does not start with a TLS record: its first bytes, for the report.
        case notTLS(preview: [UInt8])
        /// TLS records began after plaintext (STARTTLS, or a proxy CONNECT).
        case tlsAfterPlaintext(plaintextBytes: Int)
        /// After a gap or garbage the decoder found record framing again, skipping these bytes.
        case resynchronized(skippedBytes: Int)
        case anomaly(Anomaly)
    }

    public var kind: Kind
    public var firstFrame: Int
    public var frame: Int
    public var time: Timestamp
    /// The item came out of a protected TLS 1.3 record opened with a key log (`--keylog`).
    public var decrypted = false
    /// On `.applicationData`: the record was opened and held this content type (its handshake
    /// messages or alert follow as `decrypted` events). Nil when the record stayed opaque.
    public var openedAs: ContentType?

    public init(_ kind: Kind, firstFrame: Int, frame: Int, time: Timestamp) {
        self.kind = kind; self.firstFrame = firstFrame; self.frame = frame; self.time = time
    }
}

public struct TLSStreamLimits: Sendable {
    /// Largest handshake message reassembled (certificate chains of a few certs are < 20 KB).
    public var maxHandshakeMessage: Int = 256 * 1024
    /// Bytes scanned for a record header after a gap before giving up on TLS framing.
    public var maxResyncScan: Int = 1 << 20
    public var previewBytes: Int = 256
    /// With a key log: records opened per direction after its Finished (alerts and tickets right
    /// after the handshake); later application data is skipped by count, never decrypted.
    public var decryptedApplicationRecords: Int = 8
    public init() {}
    public static let `default` = TLSStreamLimits()
}
