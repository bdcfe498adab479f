import WireCore
import TLSWire
import Connections

/// HANDSHAKE-OK: a completed handshake, in one line.
public struct HandshakeOKRule: DiagnosisRule {
    public init() {}
    public var id: RuleID { .handshakeOK }
    public var severity: Severity { .info }
    public var rank: Int { 1000 }
    public var summary: String { "The handshake completed: version, cipher, client authentication, certificate." }
    public var details: String {
        """
        The TLS handshake finished on both sides (Finished messages exchanged, or for TLS 1.3 without keys: \
        the client's encrypted Finished followed by data and no alert). The finding summarises the version, \
        the cipher suite, whether the client authenticated with a certificate, and the server certificate's \
        subject and expiry. Nothing needs fixing; warnings on the same connection (weak cipher, weak key) may still apply.
        """
    }

    public func evaluate(_ ctx: RuleContext) -> Finding? {
        guard ctx.connection.established else { return nil }
        return finding(ctx)
    }

    /// What the texts of the finding are made of, and nothing else: connections that agree on these get the
    /// same title and explanation.
    struct TextKey: Hashable {
        enum ClientAuthentication: Hashable {
            /// A non-empty client Certificate, with the subject of its leaf when it was decoded.
            case certificate(leafSubject: String?)
            /// TLS 1.3 without a visible CertificateRequest, not decrypted.
            case notVisible
            case none
        }
        var version: ProtocolVersion?
        var cipher: CipherSuite?
        var clientAuthentication: ClientAuthentication
        var serverSubject: String?
        var serverNotAfter: Timestamp?
        var isTLS13: Bool
        var resumed: Bool

        /// Hashes the small fields, packed into one word, and the expiry: the subjects are compared (by `==`,
        /// which for the very same string, as the certificate cache hands out, does not read its bytes) but
        /// not hashed. Hashing every field was most of the ~800 instructions a lookup cost for every
        /// successful connection.
        func hash(into hasher: inout Hasher) {
            let authentication: UInt64
            switch clientAuthentication {
            case .certificate: authentication = 0
            case .notVisible: authentication = 1
            case .none: authentication = 2
            }
            var small = UInt64(version?.rawValue ?? 0) | UInt64(cipher?.rawValue ?? 0) << 16
            small |= (version == nil ? 1 : 0) << 32 | (cipher == nil ? 1 : 0) << 33 | (isTLS13 ? 1 : 0) << 34
            small |= (resumed ? 1 : 0) << 35 | authentication << 36
            hasher.combine(small)
            hasher.combine(serverNotAfter?.seconds ?? .min)
        }
    }

    struct Texts {
        var title: String
        var explanation: String
    }

    /// Texts by what they are made of: building them (a date, two joined lists) cost ~5 K instructions for
    /// every successful connection, and most share a few combinations.
    let texts = TextMemo<TextKey, Texts>(limit: 1_000)

    /// One finding per successful connection of a capture. The summary's fields are read one by one through
    /// the context: passing `ctx.connection.tls` along made the compiler copy the whole summary (~800
    /// instructions a connection).
    private func finding(_ ctx: RuleContext) -> Finding {
        let clientAuthentication: TextKey.ClientAuthentication
        // `version`, `cipher` and `isTLS13` of the summary, from the ServerHello's stored fields (through the
        // summary's computed properties, the summary was copied).
        let version = ctx.tls.serverHello?.value.negotiatedVersion
        let cipher = ctx.tls.serverHello?.value.cipherSuite
        let isTLS13 = version.map { $0 == .tls13 || $0.isTLS13Draft } ?? false
        if let empty = ctx.tls.clientCertificate?.value.isEmpty, !empty {
            clientAuthentication = .certificate(leafSubject: ctx.analyzed.clientChain?.leafSubject)
        } else if isTLS13 && ctx.tls.certificateRequest == nil && !ctx.tls.decrypted {
            clientAuthentication = .notVisible
        } else {
            clientAuthentication = .none
        }
        let key = TextKey(version: version, cipher: cipher, clientAuthentication: clientAuthentication,
                          serverSubject: ctx.analyzed.serverChain?.leafSubject, serverNotAfter: ctx.analyzed.serverChain?.leafNotAfter,
                          isTLS13: isTLS13, resumed: ctx.tls.resumed)
        let t = texts.value(for: key, make: Self.texts)
        // Finding sorts its frames; listed in order here, they are kept as given (no copy to sort). Each is
        // appended and moved down to its place (array inserts cost ~80 instructions a frame).
        var frames = [Int]()
        frames.reserveCapacity(5)
        func add(_ f: Int?) {
            guard let f else { return }
            frames.append(f)
            var i = frames.count - 1
            while i > 0 && frames[i - 1] > f {
                frames.swapAt(i, i - 1)
                i -= 1
            }
        }
        add(ctx.tls.clientHello?.frame)
        add(ctx.tls.serverHello?.frame)
        let serverFinished = ctx.tls.serverFinished?.frame
        add(serverFinished)
        add(ctx.tls.clientFinished?.frame)
        add(ctx.connection.tls13?.clientFlightFrame)
        return Finding(rule: id, severity: .info, confidence: key.isTLS13 && serverFinished == nil ? .medium : .high,
                       title: t.title, explanation: t.explanation,
                       remediation: "Nothing to fix for the handshake.", frames: frames)
    }

    /// "Handshake completed: a, b, c" and "Both sides completed the TLS handshake (a; b; c).", each written
    /// once into its own storage.
    static func texts(_ key: TextKey) -> Texts {
        var parts: [String] = []
        parts.reserveCapacity(5)
        parts.append(key.version?.description ?? "unknown version")
        if let cipher = key.cipher { parts.append(cipher.description) }
        switch key.clientAuthentication {
        case .certificate(let subject):
            parts.append("client authenticated with a certificate" + (subject.map { " (\($0))" } ?? ""))
        case .notVisible:
            parts.append("client authentication not visible (TLS 1.3 encrypts it)")
        case .none:
            parts.append("no client certificate")
        }
        if let subject = key.serverSubject, let notAfter = key.serverNotAfter {
            parts.append("server certificate \(subject), valid until \(notAfter.rfc3339Seconds)")
        } else if key.isTLS13 {
            parts.append("server certificate encrypted (TLS 1.3)")
        }
        if key.resumed { parts.append("resumed session") }
        return Texts(title: Text.join(parts, prefix: "Handshake completed: ", separator: ", "),
                     explanation: Text.join(parts, prefix: "Both sides completed the TLS handshake (", separator: "; ", suffix: ")."))
    }
}

extension ChainReport {
    /// `leaf?.subject` and `leaf?.notAfter`, read in place (`leaf` copies the whole summary).
    var leafSubject: String? { certificates.isEmpty ? nil : certificates[0].summary?.subject }
    var leafNotAfter: Timestamp? { certificates.isEmpty ? nil : certificates[0].summary?.notAfter }
}
