import TLSWire

/// What record protection needs to know about a TLS 1.3 cipher suite (RFC 8446 §B.4): the hash
/// of the key schedule and the AEAD with its key length. The IV is always 12 bytes, the tag 16.
public struct TLS13Suite: Sendable, Hashable {
    public enum AEAD: String, Sendable, Hashable {
        case aes128GCM = "AES-128-GCM", aes256GCM = "AES-256-GCM", chacha20Poly1305 = "ChaCha20-Poly1305"
    }
    public enum Hash: String, Sendable, Hashable {
        case sha256 = "SHA256", sha384 = "SHA384"
        public var length: Int { self == .sha256 ? 32 : 48 }
    }

    public var cipherSuite: CipherSuite
    public var aead: AEAD
    public var hash: Hash
    public var keyLength: Int { aead == .aes128GCM ? 16 : 32 }
    public static let ivLength = 12
    public static let tagLength = 16

    /// TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384, TLS_CHACHA20_POLY1305_SHA256; nil for
    /// the CCM suites (0x1304, 0x1305: not decrypted) and anything else.
    public init?(_ suite: CipherSuite) {
        switch suite.rawValue {
        case 0x1301: aead = .aes128GCM; hash = .sha256
        case 0x1302: aead = .aes256GCM; hash = .sha384
        case 0x1303: aead = .chacha20Poly1305; hash = .sha256
        default: return nil
        }
        cipherSuite = suite
    }
}
