import Foundation
import TLSWire

/// A key log file as a key source. Live captures race the TLS client writing the file
/// (SSLKEYLOGFILE grows as connections are made), so a lookup that misses re-reads the file when
/// its size or modification time changed since the last read.
public final class KeyLogFile: TLS13KeySource, @unchecked Sendable {
    public let path: String
    /// Live capture: the client is still writing the file, so a missing secret may come later.
    public let keysMayArriveLater: Bool
    // Guarded by `lock`: live capture looks keys up from the capture thread while the file may be reread.
    private var log: KeyLog
    private var stamp: Stamp?
    private let lock = NSLock()

    struct Stamp: Equatable { var size: Int64; var seconds: Int; var nanoseconds: Int }

    /// Reads the file now; the error is the one-line message for the CLI.
    public init(path: String, follow: Bool = false) throws(KeyLogError) {
        self.path = path
        self.keysMayArriveLater = follow
        self.stamp = Self.stamp(path)
        self.log = try KeyLog.load(path: path)
    }

    /// The key log as last read.
    public var current: KeyLog {
        lock.lock(); defer { lock.unlock() }
        return log
    }

    public func decryptor(clientRandom: [UInt8], cipherSuite: CipherSuite, sender: TrafficSender) -> KeyLookup {
        lock.lock(); defer { lock.unlock() }
        var found = log.decryptor(clientRandom: clientRandom, cipherSuite: cipherSuite, sender: sender)
        if case .missing = found, reloadIfChanged() {
            found = log.decryptor(clientRandom: clientRandom, cipherSuite: cipherSuite, sender: sender)
        }
        guard keysMayArriveLater, case .found(let any) = found, var d = any as? TLS13RecordDecryptor,
              d.applicationSecret == nil else { return found }
        d.lateApplicationSecret = { [self] in self.applicationSecret(clientRandom: clientRandom, sender: sender) }
        return .found(d)
    }

    /// CLIENT_/SERVER_TRAFFIC_SECRET_0, rereading the file if it is not there yet.
    func applicationSecret(clientRandom: [UInt8], sender: TrafficSender) -> [UInt8]? {
        lock.lock(); defer { lock.unlock() }
        func look() -> [UInt8]? {
            let s = log.secrets(clientRandom: clientRandom)
            return sender == .client ? s?.clientTraffic0 : s?.serverTraffic0
        }
        if let s = look() { return s }
        return reloadIfChanged() ? look() : nil
    }

    /// Rereads the file when its size or modification time changed. Call with the lock held.
    private func reloadIfChanged() -> Bool {
        let now = Self.stamp(path)
        guard now != nil, now != stamp, let fresh = try? KeyLog.load(path: path) else { return false }
        stamp = now
        log = fresh
        return true
    }

    static func stamp(_ path: String) -> Stamp? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        #if canImport(Darwin)
        return Stamp(size: Int64(st.st_size), seconds: Int(st.st_mtimespec.tv_sec), nanoseconds: Int(st.st_mtimespec.tv_nsec))
        #else
        return Stamp(size: Int64(st.st_size), seconds: Int(st.st_mtim.tv_sec), nanoseconds: Int(st.st_mtim.tv_nsec))
        #endif
    }
}
