import COpenSSL
import CTLSShims
import Foundation   // file and directory reading only

/// The certificates one peer trusts, with a label a report can name it by.
public struct TrustStore: Sendable {
    /// How a report names it: "system store (/etc/ssl/certs/ca-certificates.crt)", "--client-trust ./trusted", ….
    public var label: String
    /// Distinct certificates (by SHA-256), in the order they were found; decoded on first use for a store
    /// loaded without decoding (the system store: most runs never need its summaries).
    public var certificates: [CertificateSummary] {
        get { contents.summaries }
        set { contents = TrustContents(summaries: newValue) }
    }
    /// Problems met while loading that did not stop it (a directory entry that was unreadable, a PEM block that
    /// did not decode), one line each naming the file.
    public var warnings: [String] = []

    private var contents: TrustContents

    /// The same certificates as an OpenSSL store, shared by every verification (filled as chains need them).
    var prepared: OpenSSLStore { contents.store }

    public init(label: String, certificates: [CertificateSummary]) {
        self.label = label
        self.contents = TrustContents(summaries: certificates)
    }

    /// A store of certificates not decoded yet (each DER must be one certificate, e.g. from `certificates(inFile:)`).
    init(label: String, ders: [[UInt8]]) {
        self.label = label
        self.contents = TrustContents(ders: ders)
    }

    public static let empty = TrustStore(label: "empty trust store", certificates: [])

    /// Whether the store holds exactly this certificate.
    public func contains(sha256: String) -> Bool { contents.fingerprints.contains(sha256) }

    /// Certificates whose subject is `name` (RFC 4514 text as in `CertificateSummary.subject`).
    public func certificates(withSubject name: String) -> [CertificateSummary] {
        certificates.filter { $0.subject == name }
    }

    /// This store plus another's certificates, under a new label.
    public func merged(with other: TrustStore, label: String) -> TrustStore {
        var s = TrustStore(label: label, ders: contents.ders + other.contents.ders)
        s.warnings = warnings + other.warnings
        return s
    }

    /// Largest single file read (a full Mozilla bundle is ~220 KB).
    public static let maximumFileSize = 16 << 20

    /// Each path: PEM file, bundle with many PEMs, DER/.cer/.crt, or a directory of such files (not recursive;
    /// files in it that hold no certificate are skipped). A path that yields no certificate is an error.
    /// `decode`: decode every certificate now, so one OpenSSL rejects is a warning naming the file (what a user
    /// who passed a path wants to hear); without it, only the DER's outline is checked and decoding waits until a
    /// chain needs the certificate.
    public static func load(paths: [String], label: String, decode: Bool = true) throws(TrustStoreError) -> TrustStore {
        var all: [[UInt8]] = []
        var decoded: [CertificateSummary] = []   // with `decode`: the summaries of `all`, kept for the store
        var warnings: [String] = []
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw TrustStoreError(path: path, code: .notFound, "no such file or directory")
            }
            if isDirectory.boolValue {
                let names: [String]
                do { names = try FileManager.default.contentsOfDirectory(atPath: path).sorted() }
                catch { throw TrustStoreError(path: path, code: .unreadable, "cannot list the directory (\(error.localizedDescription))") }
                var found = 0
                for name in names where !name.hasPrefix(".") {
                    let file = (path as NSString).appendingPathComponent(name)
                    var sub: ObjCBool = false
                    guard FileManager.default.fileExists(atPath: file, isDirectory: &sub), !sub.boolValue else { continue }
                    do {
                        let (certs, summaries, notes) = try certificates(inFile: file, decode: decode)
                        all += certs
                        decoded += summaries
                        found += certs.count
                        warnings += notes
                    } catch {
                        if error.code == .unreadable || error.code == .tooLarge { warnings.append(error.description) }
                        // .noCertificates: README files, keys, CRLs… are expected in a directory; skip quietly.
                    }
                }
                guard found > 0 else {
                    throw TrustStoreError(path: path, code: .noCertificates, "the directory holds no PEM or DER certificate")
                }
            } else {
                let (certs, summaries, notes) = try certificates(inFile: path, decode: decode)
                all += certs
                decoded += summaries
                warnings += notes
            }
        }
        var store = decode ? TrustStore(label: label, certificates: decoded) : TrustStore(label: label, ders: all)
        store.warnings = warnings
        return store
    }

    /// Debian ca-certificates: /etc/ssl/certs/ca-certificates.crt, else the /etc/ssl/certs directory;
    /// an empty store whose label says so when neither exists.
    public static func system() -> TrustStore {
        system(bundle: "/etc/ssl/certs/ca-certificates.crt", directory: "/etc/ssl/certs")
    }

    static func system(bundle: String, directory: String) -> TrustStore {
        if let s = try? load(paths: [bundle], label: "system store (\(bundle))", decode: false) { return s }
        if let s = try? load(paths: [directory], label: "system store (\(directory))", decode: false) { return s }
        return TrustStore(label: "system store (missing: neither \(bundle) nor \(directory) holds certificates)", certificates: [])
    }

    /// DER of the certificates in one file: every PEM CERTIFICATE / TRUSTED CERTIFICATE block, or the whole
    /// file as DER. With `decode`, each is decoded too (its summary returned alongside), and certificates
    /// OpenSSL cannot decode are left out with a note each.
    static func certificates(inFile path: String, decode: Bool)
        throws(TrustStoreError) -> (ders: [[UInt8]], summaries: [CertificateSummary], notes: [String]) {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) }
        catch { throw TrustStoreError(path: path, code: .unreadable, "cannot read the file (\(error.localizedDescription))") }
        guard data.count <= maximumFileSize else {
            throw TrustStoreError(path: path, code: .tooLarge, "\(data.count) bytes is more than the \(maximumFileSize)-byte limit")
        }
        let bytes = [UInt8](data)
        if bytes.isEmpty { throw TrustStoreError(path: path, code: .noCertificates, "the file is empty") }

        if find(Array("-----BEGIN".utf8), in: bytes, from: 0) != nil {
            let (ders, failure) = pemCertificates(bytes)
            var notes: [String] = []
            var out: [[UInt8]] = []
            var summaries: [CertificateSummary] = []
            for der in ders {
                if decode {
                    do { summaries.append(try CertificateDecoder.decode(der: der)) }
                    catch { notes.append("\(path): a certificate could not be decoded (\(error))"); continue }
                }
                out.append(der)
            }
            if let failure { notes.append("\(path): \(failure)") }
            guard !out.isEmpty else {
                throw TrustStoreError(path: path, code: .noCertificates,
                                      failure.map { "no certificate could be read: \($0)" } ?? "the PEM file holds no CERTIFICATE block")
            }
            return (out, summaries, notes)
        }
        if decode {
            do { return ([bytes], [try CertificateDecoder.decode(der: bytes)], []) }
            catch { throw TrustStoreError(path: path, code: .noCertificates, "neither PEM nor a DER certificate (\(error.reason))") }
        }
        guard DERCertificateFields.leadingCertificate(bytes)?.count == bytes.count else {
            throw TrustStoreError(path: path, code: .noCertificates, "neither PEM nor a DER certificate")
        }
        return ([bytes], [], [])
    }

    private static let certificateLabels: Set<String> = ["CERTIFICATE", "X509 CERTIFICATE", "TRUSTED CERTIFICATE"]

    /// DER of every certificate PEM block, in order, and one line per block that did not decode. Each block is
    /// decoded on its own, so one damaged block in a bundle does not hide the ones after it; blocks of other
    /// types (keys, CRLs) are skipped. A TRUSTED CERTIFICATE block is a certificate followed by OpenSSL's
    /// trust settings: the certificate is kept.
    static func pemCertificates(_ bytes: [UInt8]) -> ([[UInt8]], String?) {
        var ders: [[UInt8]] = []
        var failures: [String] = []
        var blockNumber = 0
        for block in pemBlocks(bytes) where certificateLabels.contains(block.label) {
            blockNumber += 1
            if let content = Base64.decodePEMBody(block.body), let certificate = DERCertificateFields.leadingCertificate(content) {
                ders.append(Array(certificate))
            } else {
                failures.append("certificate block \(blockNumber) does not decode (not a base64 DER certificate)")
            }
        }
        return (ders, failures.isEmpty ? nil : failures.joined(separator: "; "))
    }

    /// `-----BEGIN LABEL-----` … `-----END LABEL-----` spans: the label and the bytes between the markers.
    static func pemBlocks(_ bytes: [UInt8]) -> [(label: String, body: ArraySlice<UInt8>)] {
        let begin = Array("-----BEGIN ".utf8), end = Array("-----END ".utf8), dashes = Array("-----".utf8)
        var blocks: [(String, ArraySlice<UInt8>)] = []
        var i = 0
        while let b = find(begin, in: bytes, from: i) {
            let labelStart = b + begin.count
            guard let labelEnd = find(dashes, in: bytes, from: labelStart) else { break }
            let label = String(decoding: bytes[labelStart..<labelEnd], as: UTF8.self)
            guard let e = find(end + Array(label.utf8) + dashes, in: bytes, from: labelEnd) else { break }
            blocks.append((label, bytes[(labelEnd + dashes.count)..<e]))
            i = e + end.count + label.utf8.count + dashes.count
        }
        return blocks
    }

    /// memchr finds each candidate first byte: the markers start with "-", which base64 never holds, so the
    /// ~200 KB of a bundle are skipped a word at a time rather than compared byte by byte.
    private static func find(_ needle: [UInt8], in hay: [UInt8], from: Int) -> Int? {
        guard !needle.isEmpty, hay.count >= needle.count, from <= hay.count - needle.count else { return nil }
        return hay.withUnsafeBufferPointer { h -> Int? in
            let base = h.baseAddress!   // non-empty: hay.count >= needle.count > 0
            let last = hay.count - needle.count
            var i = from
            while i <= last {
                guard let hit = memchr(base + i, Int32(needle[0]), last - i + 1) else { return nil }
                i = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
                var j = 1
                while j < needle.count, h[i + j] == needle[j] { j += 1 }
                if j == needle.count { return i }
                i += 1
            }
            return nil
        }
    }

}

/// A store's certificates, shared by the copies of a `TrustStore`: the DER of each distinct certificate, and,
/// built on first use, their fingerprints, their OpenSSL store and their summaries. Every run loads the system
/// bundle, but many never verify a chain against it (TLS 1.3 without a key log) or never ask whether it holds a
/// self-signed leaf: indexing the ~140 roots for OpenSSL (~9 M instructions) and hashing them (~14 M) would be
/// most of a small capture's start-up.
final class TrustContents: @unchecked Sendable {   // the lazily built values are behind `lock`
    let ders: [[UInt8]]
    private let lock = NSLock()
    private var decoded: [CertificateSummary]?
    private var builtStore: OpenSSLStore?
    private var builtFingerprints: Set<String>?

    init(ders: [[UInt8]]) {
        var seen = Set<SignatureTail>()
        self.ders = ders.filter { seen.insert(SignatureTail(der: $0)).inserted }
    }

    init(summaries: [CertificateSummary]) {
        var seen = Set<String>()
        let unique = summaries.filter { seen.insert($0.sha256).inserted }
        self.ders = unique.map(\.der)
        self.decoded = unique
    }

    /// The OpenSSL store of `ders`; the render thread and `--jobs` workers may ask at the same time, and all
    /// get the one store.
    var store: OpenSSLStore {
        lock.withLock {
            if let builtStore { return builtStore }
            let store = OpenSSLStore(ders: ders)
            builtStore = store
            return store
        }
    }

    /// SHA-256 of each certificate.
    var fingerprints: Set<String> {
        lock.withLock {
            if let builtFingerprints { return builtFingerprints }
            let prints = Set(ders.map { Digest.sha256($0) })
            builtFingerprints = prints
            return prints
        }
    }

    /// Certificates OpenSSL cannot decode are left out (a decoded load already warned about them).
    var summaries: [CertificateSummary] {
        lock.withLock {
            if let decoded { return decoded }
            let all = ders.compactMap { try? CertificateDecoder.decode(der: $0) }
            decoded = all
            return all
        }
    }
}

/// A certificate's DER for finding duplicates: hashed by its length and last 32 bytes (the end of its signature,
/// different in every certificate), compared whole. Hashing every byte of a bundle cost ~2 M instructions.
private struct SignatureTail: Hashable {
    let der: [UInt8]

    func hash(into hasher: inout Hasher) {
        hasher.combine(der.count)
        der.withUnsafeBytes { hasher.combine(bytes: UnsafeRawBufferPointer(rebasing: $0.suffix(32))) }
    }

    static func == (a: SignatureTail, b: SignatureTail) -> Bool { a.der == b.der }
}

/// Loading a trust store failed: names the path and the problem in one line.
public struct TrustStoreError: Error, Sendable, Hashable, CustomStringConvertible {
    public struct Code: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        public static let notFound = Code(rawValue: "not_found")
        public static let unreadable = Code(rawValue: "unreadable")
        public static let tooLarge = Code(rawValue: "too_large")
        public static let noCertificates = Code(rawValue: "no_certificates")
    }

    public var path: String
    public var code: Code
    public var reason: String

    public init(path: String, code: Code, _ reason: String) {
        self.path = path
        self.code = code
        self.reason = reason
    }

    public var description: String { "\(path): \(reason)" }
}
