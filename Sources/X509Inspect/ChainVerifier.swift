import COpenSSL
import CTLSShims
import WireCore

public enum ChainVerifier {
    /// Certificates past this many in one Certificate message are not examined (real chains have 2–5;
    /// the pairwise issuer checks below are quadratic).
    public static let maximumChainLength = 32

    /// `chain` is the Certificate message's list, as sent (leaf first). Verifies with OpenSSL's X509_verify_cert at `time`
    /// (X509_VERIFY_PARAM_set_time) against `store` (nil = do not check trust, still check everything else), with only the
    /// sent certificates as untrusted intermediates (NEVER certificates from other connections). Also reports, independently of
    /// OpenSSL's first error: expiry/not-yet-valid of each sent cert, weak key (RSA/DSA < 2048, EC < 256), weak signature (MD5,
    /// SHA-1) on any non-root cert, missing EKU for the purpose (only when the leaf has an EKU extension), out-of-order chains
    /// (cert i+1 is not the issuer of cert i but appears later), unrelated certificates, self-signed leaf, incomplete chain
    /// (leaf/intermediate whose issuer is neither sent nor in the store: name the missing issuer DN and AKI) vs untrusted root
    /// (chain complete up to a self-signed root that the store lacks: name that root).
    public static func verify(chain: [[UInt8]], store: TrustStore?, at time: Timestamp, purpose: ChainPurpose,
                              cache: CertificateCache) -> ChainVerdict {
        verify(chain: chain, store: store, at: time, purpose: purpose, cache: cache, options: Options())
    }

    /// How the receiving peer's TLS stack builds chains, where stacks differ.
    public struct Options: Sendable, Hashable {
        /// Accept any certificate in the store as a trust anchor, even an intermediate (OpenSSL's
        /// X509_V_FLAG_PARTIAL_CHAIN; what mbedTLS, wolfSSL and Java do). Off: the chain must end at a
        /// self-signed root in the store, as OpenSSL and GnuTLS require by default.
        public var allowPartialChain: Bool

        public init(allowPartialChain: Bool = false) {
            self.allowPartialChain = allowPartialChain
        }
    }

    public static func verify(chain: [[UInt8]], store: TrustStore?, at time: Timestamp, purpose: ChainPurpose,
                              cache: CertificateCache, options: Options) -> ChainVerdict {
        var check = ChainCheck(store: store, time: time, purpose: purpose, cache: cache, options: options)
        return check.run(chain)
    }
}

/// Whatever OpenSSL's verify callback reported, in order. Lives only for one X509_verify_cert call.
private final class VerifyCollector {
    struct Failure {
        var error: Int32
        var depth: Int32
        var der: [UInt8]?
    }
    var failures: [Failure] = []
    static let limit = 256
}

private struct OpenSSLRun {
    var failures: [VerifyCollector.Failure] = []
    var builtChain: [[UInt8]] = []
}

private struct ChainCheck {
    let store: TrustStore?
    let time: Timestamp
    let purpose: ChainPurpose
    let cache: CertificateCache
    let options: ChainVerifier.Options

    var sent: [[UInt8]] = []
    var summaries: [CertificateSummary?] = []
    var parsed: [OpenSSLCertificate?] = []
    var issues: [ChainIssue] = []

    init(store: TrustStore?, time: Timestamp, purpose: ChainPurpose, cache: CertificateCache, options: ChainVerifier.Options) {
        self.options = options
        self.store = store
        self.time = time
        self.purpose = purpose
        self.cache = cache
    }

    var storeLabel: String { store?.label ?? "no trust store" }

    // MARK: - Driver

    mutating func run(_ chain: [[UInt8]]) -> ChainVerdict {
        let unchecked: ChainVerdict.Status = store == nil ? .notChecked : .untrusted
        guard !chain.isEmpty else {
            return ChainVerdict(status: unchecked, storeLabel: store?.label,
                                issues: [ChainIssue(kind: .noCertificates, detail: "the peer sent an empty Certificate message")])
        }
        sent = Array(chain.prefix(ChainVerifier.maximumChainLength))
        if chain.count > sent.count {
            issues.append(ChainIssue(kind: .verificationError, certificateIndex: sent.count,
                                     detail: "the peer sent \(chain.count) certificates; only the first \(sent.count) were examined"))
        }
        for (i, der) in sent.enumerated() {
            switch cache.summary(for: der) {
            case .success(let s):
                summaries.append(s)
                parsed.append(cache.parsed(for: der) ?? (try? OpenSSLCertificate.parse(der: der)))
            case .failure(let e):
                summaries.append(nil)
                parsed.append(nil)
                issues.append(ChainIssue(kind: .unparsable, certificateIndex: i,
                                         detail: "\(i == 0 ? "the leaf" : "certificate \(i)") (\(der.count) bytes) cannot be decoded: \(e.reason)"))
            }
        }
        guard let leafCert = parsed[0], let leaf = summaries[0] else {
            return ChainVerdict(status: unchecked, storeLabel: store?.label, issues: sorted(issues))
        }

        let result = runOpenSSL(leaf: leafCert)
        let built: [CertificateSummary] = result.builtChain.compactMap { try? cache.summary(for: $0).get() }
        let relevant = result.failures.filter { store != nil || !Self.trustErrors.contains($0.error) }

        issuesFromOpenSSL(result.failures)
        checkValidity(built: built, failures: result.failures)
        checkKeysAndSignatures(built: built)
        checkExtendedKeyUsage(leaf, failures: result.failures)
        checkSelfSignedLeaf(leaf, failures: result.failures)
        checkOrderAndRelations()

        let status: ChainVerdict.Status = store == nil ? .notChecked : (result.failures.isEmpty ? .trusted : .untrusted)
        let first = relevant.first?.error
        return ChainVerdict(status: status, storeLabel: store?.label, issues: sorted(dedupe(issues)), builtChain: built,
                            opensslError: first, opensslErrorText: first.map(Self.errorText))
    }

    /// Errors that are only about trust; without a store they say nothing.
    static let trustErrors: Set<Int32> = [
        X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY,
        X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE, X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT,
        X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN, X509_V_ERR_CERT_UNTRUSTED,
    ]

    static func errorText(_ code: Int32) -> String {
        X509_verify_cert_error_string(Int(code)).map { String(cString: $0) } ?? "X509_V_ERR \(code)"
    }

    // MARK: - OpenSSL

    /// X509_verify_cert with a callback that notes every error and carries on, so one run yields all of them;
    /// the first noted error is what a peer without such a callback would have stopped at.
    private func runOpenSSL(leaf: OpenSSLCertificate) -> OpenSSLRun {
        var run = OpenSSLRun()
        let prepared = store?.prepared ?? OpenSSLStore.empty
        prepared.prepare(for: parsed.compactMap { $0 })
        let x509Store = prepared.ref
        guard let untrusted = ctls_sk_X509_new_null() else { return run }
        defer { ctls_sk_X509_pop_free(untrusted) }
        for case let cert? in parsed.dropFirst() {
            X509_up_ref(cert.ref)   // the stack frees what it holds; Swift keeps its own reference
            if ctls_sk_X509_push(untrusted, cert.ref) <= 0 { X509_free(cert.ref) }
        }
        guard let ctx = X509_STORE_CTX_new() else { return run }
        defer { X509_STORE_CTX_free(ctx) }
        let collector = VerifyCollector()
        withExtendedLifetime(collector) {
            withExtendedLifetime(store) {
                guard X509_STORE_CTX_init(ctx, x509Store, leaf.ref, untrusted) == 1 else { return }
                // What libssl does before verifying a peer: a client checks the server for "ssl_server", a server the client for "ssl_client".
                _ = X509_STORE_CTX_set_default(ctx, purpose == .serverAuth ? "ssl_server" : "ssl_client")
                if let param = X509_STORE_CTX_get0_param(ctx) {
                    X509_VERIFY_PARAM_set_time(param, time_t(time.seconds))
                    if options.allowPartialChain { _ = X509_VERIFY_PARAM_set_flags(param, UInt(X509_V_FLAG_PARTIAL_CHAIN)) }
                }
                _ = X509_STORE_CTX_set_ex_data(ctx, 0, Unmanaged.passUnretained(collector).toOpaque())   // X509_STORE_CTX_set_app_data
                X509_STORE_CTX_set_verify_cb(ctx) { ok, ctx in
                    guard ok == 0, let ctx, let raw = X509_STORE_CTX_get_ex_data(ctx, 0) else { return ok }
                    let collector = Unmanaged<VerifyCollector>.fromOpaque(raw).takeUnretainedValue()
                    guard collector.failures.count < VerifyCollector.limit else { return 0 }
                    let der = X509_STORE_CTX_get_current_cert(ctx).map { OpenSSLCertificate.der(of: $0) }
                    collector.failures.append(.init(error: X509_STORE_CTX_get_error(ctx),
                                                    depth: X509_STORE_CTX_get_error_depth(ctx), der: der))
                    return 1
                }
                _ = X509_verify_cert(ctx)
                if let chain = X509_STORE_CTX_get1_chain(ctx) {
                    defer { ctls_sk_X509_pop_free(chain) }
                    for i in 0..<ctls_sk_X509_num(chain) {
                        if let x = ctls_sk_X509_value(chain, i) { run.builtChain.append(OpenSSLCertificate.der(of: x)) }
                    }
                }
            }
        }
        OpenSSLErrors.clear()
        run.failures = collector.failures
        return run
    }

    // MARK: - Naming

    func sentIndex(of der: [UInt8]) -> Int? { sent.firstIndex(of: der) }

    func summary(of der: [UInt8]?) -> CertificateSummary? {
        guard let der else { return nil }
        if let i = sentIndex(of: der) { return summaries[i] }
        return try? cache.summary(for: der).get()
    }

    /// "leaf 'CN=x'", "intermediate 'CN=y' (certificate 1)", "root 'CN=z' (certificate 2)", "'CN=z' from <store>".
    func describe(_ s: CertificateSummary, _ index: Int?) -> String {
        guard let index else { return "'\(s.subject)' from \(storeLabel)" }
        if index == 0 { return "leaf '\(s.subject)'" }
        let role = s.isSelfSigned ? "root" : (s.isCA ? "intermediate" : "certificate")
        return "\(role) '\(s.subject)' (certificate \(index))"
    }

    // MARK: - Issues from OpenSSL's errors

    mutating func issuesFromOpenSSL(_ failures: [VerifyCollector.Failure]) {
        for f in failures {
            let index = f.der.flatMap(sentIndex)
            let s = summary(of: f.der)
            let where_ = s.map { describe($0, index) } ?? "the certificate at depth \(f.depth)"
            switch f.error {
            case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY,
                 X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
                guard store != nil, let s, !s.isSelfSigned else { continue }
                let keyID = s.authorityKeyIdentifier.map { " (key id \($0))" } ?? ""
                if s.isCA && index != nil && index! > 0 {
                    // The topmost sent certificate is a CA: what is missing is its issuer, almost always
                    // the root, which servers do not send. That is an untrusted root, not a missing intermediate.
                    issues.append(ChainIssue(kind: .untrustedRoot, certificateIndex: index,
                                             detail: "\(where_) was issued by '\(s.issuer)'\(keyID), a CA that \(storeLabel) does not contain",
                                             missingIssuer: s.issuer, missingIssuerKeyID: s.authorityKeyIdentifier, opensslError: f.error))
                    continue
                }
                issues.append(ChainIssue(kind: .incompleteChain, certificateIndex: index,
                                         detail: "\(where_) was issued by '\(s.issuer)'\(keyID), which was neither sent nor is in \(storeLabel)",
                                         missingIssuer: s.issuer, missingIssuerKeyID: s.authorityKeyIdentifier, opensslError: f.error))
            case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
                guard store != nil, let s else { continue }
                issues.append(ChainIssue(kind: .untrustedRoot, certificateIndex: index,
                                         detail: "the chain ends at the self-signed root '\(s.subject)', which \(storeLabel) does not contain",
                                         missingIssuer: s.subject, missingIssuerKeyID: s.subjectKeyIdentifier ?? s.authorityKeyIdentifier,
                                         opensslError: f.error))
            case X509_V_ERR_CERT_HAS_EXPIRED, X509_V_ERR_CERT_NOT_YET_VALID:
                continue   // checkValidity names these precisely
            case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT where s?.isSelfSigned == true:
                continue   // checkSelfSignedLeaf
            case X509_V_ERR_CERT_SIGNATURE_FAILURE, X509_V_ERR_UNABLE_TO_DECRYPT_CERT_SIGNATURE,
                 X509_V_ERR_UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY:
                let issuer = s.map { " '\($0.issuer)'" } ?? ""
                issues.append(ChainIssue(kind: .badSignature, certificateIndex: index,
                                         detail: "the signature on \(where_) does not verify with the key of its issuer\(issuer)",
                                         opensslError: f.error))
            case X509_V_ERR_INVALID_PURPOSE:
                if let s, missingEKU(s) {
                    if index == 0 { continue }   // checkExtendedKeyUsage reports the leaf
                    issues.append(ChainIssue(kind: ekuKind, certificateIndex: index,
                                             detail: "\(where_) restricts its extended key usage to \(s.extendedKeyUsage.joined(separator: ", ")), without \(purpose.rawValue)",
                                             opensslError: f.error))
                } else {
                    issues.append(ChainIssue(kind: .invalidPurpose, certificateIndex: index,
                                             detail: "\(where_) may not be used for \(purpose.rawValue) (key usage \(s.map { $0.keyUsage.joined(separator: ", ") } ?? "unknown"))",
                                             opensslError: f.error))
                }
            case X509_V_ERR_INVALID_CA:
                issues.append(ChainIssue(kind: .invalidCA, certificateIndex: index,
                                         detail: "\(where_) issues another certificate of the chain but is not a CA certificate",
                                         opensslError: f.error))
            case X509_V_ERR_PATH_LENGTH_EXCEEDED:
                let limit = s?.pathLength.map { " (pathlen \($0))" } ?? ""
                issues.append(ChainIssue(kind: .pathLengthExceeded, certificateIndex: index,
                                         detail: "\(where_) has more CA certificates below it than its path length constraint\(limit) allows",
                                         opensslError: f.error))
            default:
                issues.append(ChainIssue(kind: .verificationError, certificateIndex: index,
                                         detail: "OpenSSL: \(Self.errorText(f.error)) (error \(f.error)) at \(where_)",
                                         opensslError: f.error))
            }
        }
    }

    // MARK: - Own checks

    mutating func checkValidity(built: [CertificateSummary], failures: [VerifyCollector.Failure]) {
        var examined: [(CertificateSummary, Int?)] = summaries.enumerated().compactMap { i, s in s.map { ($0, i) } }
        for s in built where !examined.contains(where: { $0.0.sha256 == s.sha256 }) { examined.append((s, nil)) }
        func reported(_ code: Int32, _ s: CertificateSummary) -> Int32? {
            failures.contains { $0.error == code && $0.der == s.der } ? code : nil
        }
        for (s, index) in examined {
            if time.seconds > s.notAfter.seconds {
                let by = time.seconds - s.notAfter.seconds
                issues.append(ChainIssue(kind: .expired, certificateIndex: index,
                                         detail: "\(describe(s, index)) expired \(s.notAfter.rfc3339Seconds), \(Durations.describe(from: s.notAfter, to: time)) before the capture",
                                         byHowMuchSeconds: by, opensslError: reported(X509_V_ERR_CERT_HAS_EXPIRED, s)))
            } else if time.seconds < s.notBefore.seconds {
                let by = s.notBefore.seconds - time.seconds
                issues.append(ChainIssue(kind: .notYetValid, certificateIndex: index,
                                         detail: "\(describe(s, index)) is not valid before \(s.notBefore.rfc3339Seconds), \(Durations.describe(from: time, to: s.notBefore)) after the capture",
                                         byHowMuchSeconds: by, opensslError: reported(X509_V_ERR_CERT_NOT_YET_VALID, s)))
            }
        }
    }

    static let weakHashes: Set<String> = ["MD2", "MD4", "MD5", "SHA1"]

    mutating func checkKeysAndSignatures(built: [CertificateSummary]) {
        var examined: [(CertificateSummary, Int?)] = summaries.enumerated().compactMap { i, s in s.map { ($0, i) } }
        for s in built where !examined.contains(where: { $0.0.sha256 == s.sha256 }) { examined.append((s, nil)) }
        for (s, index) in examined {
            let minimum: Int? = switch s.keyType {
            case "RSA", "RSASSA-PSS", "DSA": 2048
            case "EC": 256
            default: nil
            }
            if let minimum, s.keyBits < minimum {
                issues.append(ChainIssue(kind: .weakKey, certificateIndex: index,
                                         detail: "\(describe(s, index)) has a \(s.keyBits)-bit \(s.keyType) key; at least \(minimum) bits are expected"))
            }
            // A self-signed root's own signature is never checked by a peer, so its hash does not matter.
            if !s.isSelfSigned, let hash = s.signatureHash, Self.weakHashes.contains(hash) {
                issues.append(ChainIssue(kind: .weakSignature, certificateIndex: index,
                                         detail: "\(describe(s, index)) is signed with \(s.signatureAlgorithm) (\(hash)), which peers refuse"))
            }
        }
    }

    var ekuKind: ChainIssue.Kind { purpose == .serverAuth ? .missingServerAuthEKU : .missingClientAuthEKU }

    func missingEKU(_ s: CertificateSummary) -> Bool {
        !s.extendedKeyUsage.isEmpty && !s.extendedKeyUsage.contains(purpose.rawValue)
            && !s.extendedKeyUsage.contains("anyExtendedKeyUsage")
    }

    mutating func checkExtendedKeyUsage(_ leaf: CertificateSummary, failures: [VerifyCollector.Failure]) {
        guard missingEKU(leaf) else { return }
        let reported = failures.contains { $0.error == X509_V_ERR_INVALID_PURPOSE && $0.der == leaf.der }
        issues.append(ChainIssue(kind: ekuKind, certificateIndex: 0,
                                 detail: "leaf '\(leaf.subject)' is for \(leaf.extendedKeyUsage.joined(separator: ", ")) only, not \(purpose.rawValue)",
                                 opensslError: reported ? X509_V_ERR_INVALID_PURPOSE : nil))
    }

    mutating func checkSelfSignedLeaf(_ leaf: CertificateSummary, failures: [VerifyCollector.Failure]) {
        guard leaf.isSelfSigned else { return }
        if let store, store.contains(sha256: leaf.sha256) { return }   // pinned: the peer trusts this very certificate
        let reported = failures.contains { $0.error == X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT }
        let why = store == nil ? "only a peer that holds this very certificate can trust it"
                               : "\(storeLabel) does not hold it"
        issues.append(ChainIssue(kind: .selfSignedLeaf, certificateIndex: 0,
                                 detail: "leaf '\(leaf.subject)' is self-signed; \(why)",
                                 missingIssuer: store == nil ? nil : leaf.subject,
                                 missingIssuerKeyID: store == nil ? nil : leaf.subjectKeyIdentifier,
                                 opensslError: reported ? X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT : nil))
    }

    /// issuedBy[i][j]: sent certificate j issued sent certificate i.
    mutating func checkOrderAndRelations() {
        let n = parsed.count
        guard n > 1 else { return }
        var issuedBy = [[Bool]](repeating: [Bool](repeating: false, count: n), count: n)
        for i in 0..<n {
            guard let ci = parsed[i] else { continue }
            for j in 0..<n where j != i {
                if let cj = parsed[j] { issuedBy[i][j] = ci.isIssued(by: cj) }
            }
        }
        OpenSSLErrors.clear()

        // Out of order: the issuer of certificate i was sent, but not right after it (an undecodable
        // certificate in between is reported as such, not as disorder).
        for i in 0..<(n - 1) {
            guard let s = summaries[i], !s.isSelfSigned, summaries[i + 1] != nil, !issuedBy[i][i + 1],
                  let j = (0..<n).first(where: { $0 != i && $0 != i + 1 && issuedBy[i][$0] }),
                  let issuer = summaries[j] else { continue }
            issues.append(ChainIssue(kind: .outOfOrder, certificateIndex: j,
                                     detail: "\(describe(issuer, j)) issues \(describe(s, i)) but was sent at position \(j) instead of \(i + 1)"))
            break   // one finding per chain; the order is wrong either way
        }

        // Unrelated: not an issuer (directly or further up) of the leaf or of any certificate that is.
        var related: Set<Int> = [0]
        var changed = true
        while changed {
            changed = false
            for j in 0..<n where !related.contains(j) && parsed[j] != nil {
                if related.contains(where: { issuedBy[$0][j] }) { related.insert(j); changed = true }
            }
        }
        for j in 1..<n where !related.contains(j) {
            guard let s = summaries[j] else { continue }
            issues.append(ChainIssue(kind: .unrelatedCertificate, certificateIndex: j,
                                     detail: "\(describe(s, j)) takes no part in the chain of leaf '\(summaries[0]?.subject ?? "?")'"))
        }
    }

    // MARK: - Ordering

    static let order: [ChainIssue.Kind] = [
        .noCertificates, .unparsable, .selfSignedLeaf, .untrustedRoot, .incompleteChain, .expired, .notYetValid,
        .badSignature, .missingServerAuthEKU, .missingClientAuthEKU, .invalidPurpose, .invalidCA, .pathLengthExceeded,
        .outOfOrder, .unrelatedCertificate, .weakKey, .weakSignature, .verificationError,
    ]

    func sorted(_ list: [ChainIssue]) -> [ChainIssue] {
        func rank(_ k: ChainIssue.Kind) -> Int { Self.order.firstIndex(of: k) ?? Self.order.count }
        return list.enumerated().sorted { a, b in
            let (ra, rb) = (rank(a.element.kind), rank(b.element.kind))
            if ra != rb { return ra < rb }
            let (ia, ib) = (a.element.certificateIndex ?? Int.max, b.element.certificateIndex ?? Int.max)
            if ia != ib { return ia < ib }
            return a.offset < b.offset
        }.map(\.element)
    }

    func dedupe(_ list: [ChainIssue]) -> [ChainIssue] {
        struct Key: Hashable { var kind: ChainIssue.Kind; var index: Int?; var detail: String }
        var seen = Set<Key>()
        return list.filter { seen.insert(Key(kind: $0.kind, index: $0.certificateIndex, detail: $0.detail)).inserted }
    }
}

/// Calendar-aware "5 years 330 days", "3 days 4 hours", "2 hours 5 minutes", "40 seconds".
enum Durations {
    static func describe(from earlier: Timestamp, to later: Timestamp) -> String {
        let a = earlier.seconds, b = later.seconds
        guard b > a else { return "0 seconds" }
        let (y1, m1, d1, h1, mi1, s1) = Timestamp.civil(fromUnix: a)
        let (y2, m2, d2, h2, mi2, s2) = Timestamp.civil(fromUnix: b)
        var years = y2 - y1
        if (m2, d2, h2, mi2, s2) < (m1, d1, h1, mi1, s1) { years -= 1 }
        var anchor = a
        if years > 0 {
            let day = min(d1, daysIn(month: m1, year: y1 + years))
            anchor = Timestamp.unix(year: y1 + years, month: m1, day: day, hour: h1, minute: mi1, second: s1)
        }
        let rest = max(0, b - anchor)
        let days = Int(rest / 86400), hours = Int(rest % 86400 / 3600), minutes = Int(rest % 3600 / 60), seconds = Int(rest % 60)
        func unit(_ v: Int, _ name: String) -> String { "\(v) \(name)\(v == 1 ? "" : "s")" }
        if years > 0 { return days > 0 ? "\(unit(years, "year")) \(unit(days, "day"))" : unit(years, "year") }
        if days > 0 { return days < 7 && hours > 0 ? "\(unit(days, "day")) \(unit(hours, "hour"))" : unit(days, "day") }
        if hours > 0 { return minutes > 0 ? "\(unit(hours, "hour")) \(unit(minutes, "minute"))" : unit(hours, "hour") }
        if minutes > 0 { return unit(minutes, "minute") }
        return unit(seconds, "second")
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}
