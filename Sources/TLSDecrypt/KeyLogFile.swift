import Foundation
import TLSWire

/// A key log file as a key source. Live captures race the TLS client writing the file
/// (SSLKEYLOGFILE grows as connections are made), so a lookup that misses re-reads the file when
/// its size or modification time changed since the last read.
public final class KeyLogFile: TLS13KeySource, @unchecked Sendable {
    public let path: String
    // Guarded by `lock`: live capture looks keys up from the capture thread while the file may be reread.
    private var log: KeyLog
    private var stamp: Stamp?
    private let lock = NSLock()

    struct Stamp: Equatable { var size: Int64; var seconds: Int; var nanoseconds: Int }

    /// Reads the file now; the error is the one-line message for the CLI.
    public init(path: String) throws(KeyLogError) {
        self.path = path
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
        let first = log.decryptor(clientRandom: clientRandom, cipherSuite: cipherSuite, sender: sender)
        guard case .missing = first else { return first }
        let now = Self.stamp(path)
        guard now != nil, now != stamp, let fresh = try? KeyLog.load(path: path) else { return first }
        stamp = now
        log = fresh
        return log.decryptor(clientRandom: clientRandom, cipherSuite: cipherSuite, sender: sender)
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
