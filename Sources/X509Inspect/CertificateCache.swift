import Foundation   // NSLock only; nothing Foundation-typed is public

/// Thread-safe cache keyed by the DER itself (equal DER = equal SHA-256; hashing the bytes is cheaper than
/// digesting them, and the key shares storage with the summary's `der`), so a certificate seen in 20,000
/// connections is decoded once.
/// Failures are cached too. It also keeps OpenSSL's parsed form of each certificate for chain verification and
/// hostname checks: with OpenSSL 3, parsing (the public key decoding in d2i_X509) costs far more than verifying.
/// Bounded: past `capacity` distinct certificates, new ones are decoded but not kept.
public final class CertificateCache: @unchecked Sendable {   // all mutable state is behind `lock`
    public let capacity: Int
    private let lock = NSLock()
    private var entries: [DERKey: Entry] = [:]

    private struct Entry {
        var result: Result<CertificateSummary, X509InspectError>
        var parsed: OpenSSLCertificate?
    }

    public init() { self.capacity = 20_000 }
    public init(capacity: Int) { self.capacity = max(0, capacity) }

    public func summary(for der: [UInt8]) -> Result<CertificateSummary, X509InspectError> {
        entry(for: der).result
    }

    /// Number of distinct certificates (or undecodable byte strings) held.
    public var count: Int { lock.withLock { entries.count } }

    /// OpenSSL's parsed certificate, shared: OpenSSL locks the state it caches inside an X509, and
    /// verification only reads it, so one object may serve concurrent verifications.
    func parsed(for der: [UInt8]) -> OpenSSLCertificate? { entry(for: der).parsed }

    private func entry(for der: [UInt8]) -> Entry {
        let key = DERKey(bytes: der)
        if let hit = lock.withLock({ entries[key] }) { return hit }
        let entry: Entry
        do {
            let cert = try OpenSSLCertificate.parse(der: der)
            entry = Entry(result: .success(try CertificateDecoder.summarize(cert, der: der)), parsed: cert)
        } catch {
            entry = Entry(result: .failure(error), parsed: nil)
        }
        lock.withLock {
            if entries.count < capacity { entries[key] = entry }
        }
        return entry
    }
}

/// DER bytes as a dictionary key, hashed in one bulk call (Array's own hashing feeds bytes one at a time).
struct DERKey: Hashable {
    let bytes: [UInt8]

    func hash(into hasher: inout Hasher) {
        hasher.combine(bytes.count)
        bytes.withUnsafeBytes { hasher.combine(bytes: $0) }
    }

    static func == (a: DERKey, b: DERKey) -> Bool {
        a.bytes.count == b.bytes.count
            && a.bytes.withUnsafeBytes { x in b.bytes.withUnsafeBytes { y in x.count == 0 || memcmp(x.baseAddress!, y.baseAddress!, x.count) == 0 } }   // non-empty: base addresses exist
    }
}
