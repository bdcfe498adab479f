import COpenSSL
import TLSWire

/// The parts of the TLS 1.3 key schedule (RFC 8446 §7) that turn a logged traffic secret into
/// record keys. HMAC comes from OpenSSL (EVP_Q_mac); HKDF-Expand is written out, it is four lines.
public enum KeySchedule {
    /// HMAC(key, data) with the suite's hash; nil only if OpenSSL fails.
    public static func hmac(_ hash: TLS13Suite.Hash, key: [UInt8], data: [UInt8]) -> [UInt8]? {
        var out = [UInt8](repeating: 0, count: 64)
        var outLength = 0
        let ok = key.withUnsafeBytes { k in
            data.withUnsafeBufferPointer { d in
                out.withUnsafeMutableBufferPointer { o in
                    EVP_Q_mac(nil, "HMAC", nil, hash.rawValue, nil, k.baseAddress, k.count,
                              d.baseAddress, d.count, o.baseAddress, o.count, &outLength) != nil
                }
            }
        }
        guard ok, outLength == hash.length else { return nil }
        return Array(out.prefix(outLength))
    }

    /// HKDF-Expand (RFC 5869 §2.3): T(i) = HMAC(PRK, T(i-1) | info | i), the first `length` bytes.
    public static func hkdfExpand(_ hash: TLS13Suite.Hash, prk: [UInt8], info: [UInt8], length: Int) -> [UInt8]? {
        guard length > 0, length <= 255 * hash.length else { return nil }
        var okm: [UInt8] = []
        var t: [UInt8] = []
        var i: UInt8 = 1
        while okm.count < length {
            guard let next = hmac(hash, key: prk, data: t + info + [i]) else { return nil }
            t = next
            okm += t
            i &+= 1
        }
        return Array(okm.prefix(length))
    }

    /// HKDF-Expand-Label (RFC 8446 §7.1):
    ///
    ///     struct {
    ///         uint16 length = Length;
    ///         opaque label<7..255> = "tls13 " + Label;
    ///         opaque context<0..255> = Context;
    ///     } HkdfLabel;
    public static func hkdfExpandLabel(_ hash: TLS13Suite.Hash, secret: [UInt8], label: String,
                                       context: [UInt8] = [], length: Int) -> [UInt8]? {
        let fullLabel = Array("tls13 \(label)".utf8)
        guard fullLabel.count <= 255, context.count <= 255, length <= 0xffff else { return nil }
        var info: [UInt8] = [UInt8(length >> 8), UInt8(length & 0xff), UInt8(fullLabel.count)]
        info += fullLabel
        info.append(UInt8(context.count))
        info += context
        return hkdfExpand(hash, prk: secret, info: info, length: length)
    }

    /// The record key and IV of a traffic secret (RFC 8446 §7.3):
    /// `[sender]_write_key = HKDF-Expand-Label(Secret, "key", "", key_length)`,
    /// `[sender]_write_iv = HKDF-Expand-Label(Secret, "iv", "", iv_length)`.
    public static func trafficKeys(_ suite: TLS13Suite, secret: [UInt8]) -> TrafficKeys? {
        guard secret.count == suite.hash.length,
              let key = hkdfExpandLabel(suite.hash, secret: secret, label: "key", length: suite.keyLength),
              let iv = hkdfExpandLabel(suite.hash, secret: secret, label: "iv", length: TLS13Suite.ivLength)
        else { return nil }
        return TrafficKeys(key: key, iv: iv)
    }

    /// The per-record nonce (RFC 8446 §5.3): the 64-bit sequence number, big-endian and padded
    /// on the left to the IV length, XORed with the IV.
    public static func nonce(iv: [UInt8], sequence: UInt64) -> [UInt8] {
        var n = iv
        for i in 0..<8 {
            n[n.count - 1 - i] ^= UInt8(truncatingIfNeeded: sequence >> (8 * UInt64(i)))
        }
        return n
    }
}

/// One direction's record key and IV for one key phase.
public struct TrafficKeys: Sendable, Hashable {
    public var key: [UInt8]
    public var iv: [UInt8]
    public init(key: [UInt8], iv: [UInt8]) { self.key = key; self.iv = iv }
}
