import TLSWire
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An NSS key log (the SSLKEYLOGFILE format written by OpenSSL, GnuTLS, NSS, BoringSSL, Go …):
/// one `LABEL <client_random hex> <secret hex>` per line, `#` comments.
/// https://udn.realityripple.com/docs/Mozilla/Projects/NSS/Key_Log_Format
public struct KeyLog: Sendable, Hashable {
    /// The secrets logged for one connection (one ClientHello random).
    public struct Secrets: Sendable, Hashable {
        public var clientHandshakeTraffic: [UInt8]?
        public var serverHandshakeTraffic: [UInt8]?
        public var clientTraffic0: [UInt8]?
        public var serverTraffic0: [UInt8]?
        public var clientEarlyTraffic: [UInt8]?
        public var exporter: [UInt8]?
        /// TLS ≤ 1.2: `CLIENT_RANDOM` carries the 48-byte master secret (kept; not used yet).
        public var masterSecret: [UInt8]?
        public init() {}
    }

    /// By client random (32 bytes).
    public private(set) var connections: [[UInt8]: Secrets] = [:]
    /// Lines that were neither comments, blank, nor a well-formed entry.
    public private(set) var skippedLines = 0
    /// Well-formed entries with a label this tool does not use (e.g. `EARLY_EXPORTER_SECRET`).
    public private(set) var otherLabels = 0

    public init() {}

    public init(text: String) {
        // isNewline, not == "\n": a CRLF pair is one Character in Swift.
        for line in text.split(whereSeparator: \.isNewline) { add(line: line) }
    }

    public var isEmpty: Bool { connections.isEmpty }

    public func secrets(clientRandom: [UInt8]) -> Secrets? { connections[clientRandom] }

    /// Reads a key log file; the error says what is wrong with which file, in one line.
    public static func load(path: String) throws(KeyLogError) -> KeyLog {
        guard let bytes = readFile(path) else {
            throw KeyLogError("--keylog \(path): cannot read the key log file (check the path and permissions)")
        }
        let log = KeyLog(text: String(decoding: bytes, as: UTF8.self))
        if log.isEmpty && log.skippedLines > 0 {
            throw KeyLogError("--keylog \(path): not a key log (no line of the form 'CLIENT_HANDSHAKE_TRAFFIC_SECRET <client random hex> <secret hex>')")
        }
        return log
    }

    mutating func add<S: StringProtocol>(line raw: S) {
        let line = raw.drop { $0 == " " || $0 == "\t" }
        if line.isEmpty || line.hasPrefix("#") { return }
        let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard fields.count == 3, let random = Self.hex(fields[1]), random.count == 32,
              let secret = Self.hex(fields[2]), !secret.isEmpty, secret.count <= 64 else {
            skippedLines += 1
            return
        }
        var s = connections[random] ?? Secrets()
        switch fields[0] {
        case "CLIENT_HANDSHAKE_TRAFFIC_SECRET": s.clientHandshakeTraffic = secret
        case "SERVER_HANDSHAKE_TRAFFIC_SECRET": s.serverHandshakeTraffic = secret
        case "CLIENT_TRAFFIC_SECRET_0": s.clientTraffic0 = secret
        case "SERVER_TRAFFIC_SECRET_0": s.serverTraffic0 = secret
        case "CLIENT_EARLY_TRAFFIC_SECRET": s.clientEarlyTraffic = secret
        case "EXPORTER_SECRET": s.exporter = secret
        case "CLIENT_RANDOM": s.masterSecret = secret
        default:
            otherLabels += 1
            return
        }
        connections[random] = s
    }

    static func hex<S: StringProtocol>(_ s: S) -> [UInt8]? {
        let u = Array(s.utf8)
        guard u.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(u.count / 2)
        var i = 0
        while i < u.count {
            guard let hi = nibble(u[i]), let lo = nibble(u[i + 1]) else { return nil }
            out.append(hi << 4 | lo)
            i += 2
        }
        return out
    }

    static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x30...0x39: return c - 0x30
        case 0x61...0x66: return c - 0x61 + 10
        case 0x41...0x46: return c - 0x41 + 10
        default: return nil
        }
    }

    /// The whole file, or nil when it cannot be opened or read (a directory, no permission).
    static func readFile(_ path: String) -> [UInt8]? {
        guard let f = fopen(path, "rb") else { return nil }
        defer { fclose(f) }
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, f) }
            if n > 0 { out.append(contentsOf: buffer[0..<n]) }
            if n < buffer.count {
                if ferror(f) != 0 { return nil }
                break
            }
            // Key logs are small; a multi-gigabyte "key log" is a mistake, not input.
            if out.count > 256 << 20 { return nil }
        }
        return out
    }
}

extension KeyLog: TLS13KeySource {
    /// The direction's handshake traffic secret (required) and its application traffic secret
    /// (optional: without it decryption stops after that side's Finished).
    public func decryptor(clientRandom: [UInt8], cipherSuite: CipherSuite, sender: TrafficSender) -> KeyLookup {
        guard let s = connections[clientRandom] else { return .missing }
        let handshake = sender == .client ? s.clientHandshakeTraffic : s.serverHandshakeTraffic
        let application = sender == .client ? s.clientTraffic0 : s.serverTraffic0
        guard let handshake else { return .missing }
        guard let suite = TLS13Suite(cipherSuite) else {
            return .unusable("the cipher suite \(cipherSuite) is not one tlsdiag decrypts (AES-GCM and ChaCha20-Poly1305 only)")
        }
        guard let d = TLS13RecordDecryptor(suite: suite, handshakeSecret: handshake, applicationSecret: application) else {
            return .unusable("its secrets do not have the \(suite.hash.length)-byte length \(cipherSuite) needs")
        }
        return .found(d)
    }
}

/// A key log problem, for the CLI's one-line message (exit status 2).
public struct KeyLogError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
