import Foundation   // NSLock only; nothing Foundation-typed is public

/// Thread-safe cache by SHA-256 of the DER, so a certificate seen in 20,000 connections is decoded once.
/// Failures are cached too. Bounded: past `capacity` entries, new certificates are decoded but not kept.
public final class CertificateCache: @unchecked Sendable {   // all mutable state is behind `lock`
    public let capacity: Int
    private let lock = NSLock()
    private var entries: [String: Result<CertificateSummary, X509InspectError>] = [:]

    public init() { self.capacity = 100_000 }
    public init(capacity: Int) { self.capacity = max(0, capacity) }

    public func summary(for der: [UInt8]) -> Result<CertificateSummary, X509InspectError> {
        let key = Digest.sha256(der)
        if let hit = lock.withLock({ entries[key] }) { return hit }
        let result: Result<CertificateSummary, X509InspectError>
        do { result = .success(try CertificateDecoder.decode(der: der)) }
        catch { result = .failure(error) }
        lock.withLock {
            if entries.count < capacity { entries[key] = result }
        }
        return result
    }

    /// Number of distinct certificates (or undecodable byte strings) held.
    public var count: Int { lock.withLock { entries.count } }
}
