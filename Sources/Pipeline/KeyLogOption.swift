import Connections
import TLSDecrypt

extension AnalysisOptions {
    /// `--keylog FILE`: TLS 1.3 connections whose client random has secrets in this NSS key log
    /// (SSLKEYLOGFILE) have their encrypted handshake decrypted. The file is read now (so an
    /// unreadable one is a usage error before any capture is read) and reread when a lookup misses
    /// and it has grown, for live captures whose client is still writing it.
    /// The error's description is one line naming the file.
    public mutating func useKeyLog(path: String) throws {
        limits.keySource = try KeyLogFile(path: path)
    }
}

extension TrackerLimits {
    /// For live capture: the key log is followed, so connections whose secrets are not written yet
    /// hold their protected records (bounded) until they are. Offline the key log is complete and a
    /// missing secret is final, so nothing is held.
    public func followingKeyLog() -> TrackerLimits {
        guard let file = keySource as? KeyLogFile, !file.keysMayArriveLater,
              let followed = try? KeyLogFile(path: file.path, follow: true) else { return self }
        var l = self
        l.keySource = followed
        return l
    }
}
