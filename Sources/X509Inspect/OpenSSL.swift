// The only file set that talks to OpenSSL directly. Every OpenSSL object lives in a final class
// whose deinit frees it (STYLE principle 8); nothing here is public.
import COpenSSL
import CTLSShims
import WireCore
import Foundation   // NSLock only

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Owns one `X509 *` (one reference to it). Shared read-only between threads once built (see CertificateCache).
final class OpenSSLCertificate: @unchecked Sendable {
    let ref: OpaquePointer

    /// Takes over one reference the caller already holds.
    init(taking ref: OpaquePointer) { self.ref = ref }

    /// Adds a reference of its own to a certificate somebody else owns.
    init(retaining ref: OpaquePointer) {
        X509_up_ref(ref)
        self.ref = ref
    }

    deinit { X509_free(ref) }

    /// `d2i_X509` that must consume every byte. Never traps.
    static func parse(der: [UInt8]) throws(X509InspectError) -> OpenSSLCertificate {
        guard !der.isEmpty else { throw X509InspectError(.empty, "no bytes where a certificate should be") }
        guard der.count <= CertificateDecoder.maximumSize else {
            throw X509InspectError(.tooLarge, "\(der.count) bytes is more than the \(CertificateDecoder.maximumSize)-byte limit for one certificate")
        }
        var consumed = 0
        let x: OpaquePointer? = der.withUnsafeBufferPointer { buf in
            var p: UnsafePointer<UInt8>? = buf.baseAddress
            let r = d2i_X509(nil, &p, buf.count)
            if let p, let base = buf.baseAddress { consumed = p - base }
            return r
        }
        guard let x else {
            throw X509InspectError(.malformedDER, "not a DER X.509 certificate (\(OpenSSLErrors.drain(or: "OpenSSL gave no reason")))")
        }
        OpenSSLErrors.clear()
        guard consumed == der.count else {
            X509_free(x)
            throw X509InspectError(.trailingData, "\(der.count - consumed) bytes after the end of the certificate (\(consumed) bytes)")
        }
        return OpenSSLCertificate(taking: x)
    }

    /// DER as OpenSSL re-encodes it (for certificates OpenSSL handed us, e.g. a built chain).
    var der: [UInt8] { Self.der(of: ref) }

    static func der(of ref: OpaquePointer) -> [UInt8] {
        let n = i2d_X509(ref, nil)
        guard n > 0 else { return [] }
        var out = [UInt8](repeating: 0, count: Int(n))
        let written = out.withUnsafeMutableBufferPointer { buf -> Int32 in
            var p: UnsafeMutablePointer<UInt8>? = buf.baseAddress
            return i2d_X509(ref, &p)
        }
        return written == n ? out : []
    }

    /// `X509_check_issued(issuer, self) == X509_V_OK`: names chain and, when present, the key ids agree.
    func isIssued(by issuer: OpenSSLCertificate) -> Bool {
        X509_check_issued(issuer.ref, ref) == X509_V_OK
    }
}

/// Owns one `X509_STORE *` for a trust store, filled on demand: a certificate goes into it only when a chain
/// being verified could reach it (its subject is the subject or the issuer of a certificate in the chain, or of
/// an anchor already added). OpenSSL finds issuers and anchors only by subject name, so a verification sees
/// exactly what it would see with every certificate loaded — but a run whose chains all come from a private
/// PKI never decodes the ~140 roots of the system bundle (with OpenSSL 3 each `d2i_X509` decodes a public
/// key: loading the whole bundle cost ~1 G instructions, the start-up of every run).
/// Thread-safe: additions happen under `lock`; OpenSSL locks its own lookups.
final class OpenSSLStore: @unchecked Sendable {
    let ref: OpaquePointer

    private let ders: [[UInt8]]
    /// Anchors by the canonical hash of their subject name (`X509_NAME_hash_ex`, as OpenSSL's hash directories).
    private let bySubjectHash: [UInt: [Int]]
    /// Anchors whose subject could not be read without OpenSSL: added on the first verification.
    private let unindexed: [Int]
    private let lock = NSLock()
    private var added: [Bool]
    private var unindexedAdded = false

    init(ders: [[UInt8]]) {
        ref = X509_STORE_new()!   // only fails when out of memory
        self.ders = ders
        var index: [UInt: [Int]] = [:]
        var unindexed: [Int] = []
        let sha1 = EVP_MD_fetch(nil, "SHA1", nil)
        defer { EVP_MD_free(sha1) }
        for (i, der) in ders.enumerated() {
            if let subject = DERCertificateFields.subject(of: der), let hash = Self.nameHash(der: subject, sha1: sha1) {
                index[hash, default: []].append(i)
            } else {
                unindexed.append(i)
            }
        }
        OpenSSLErrors.clear()
        bySubjectHash = index
        self.unindexed = unindexed
        added = Array(repeating: false, count: ders.count)
    }

    deinit { X509_STORE_free(ref) }

    /// For verifications without a trust store.
    static let empty = OpenSSLStore(ders: [])

    /// Adds every anchor the verification of `chain` could use: those whose subject is a subject or issuer of a
    /// chain certificate, then, transitively, those whose subject is the issuer of an anchor added.
    func prepare(for chain: [OpenSSLCertificate]) {
        guard !ders.isEmpty else { return }
        var wanted: [UInt] = []
        for cert in chain {
            if let n = X509_get_subject_name(cert.ref) { wanted.append(Self.nameHash(n)) }
            if let n = X509_get_issuer_name(cert.ref) { wanted.append(Self.nameHash(n)) }
        }
        lock.withLock {
            if !unindexedAdded {
                unindexedAdded = true
                for i in unindexed { add(i, then: &wanted) }
            }
            var seen = Set<UInt>()
            while let hash = wanted.popLast() {
                guard seen.insert(hash).inserted, let candidates = bySubjectHash[hash] else { continue }
                for i in candidates where !added[i] { add(i, then: &wanted) }
            }
        }
        OpenSSLErrors.clear()
    }

    /// Called under `lock`.
    private func add(_ i: Int, then wanted: inout [UInt]) {
        added[i] = true
        guard let cert = try? OpenSSLCertificate.parse(der: ders[i]) else { return }   // undecodable: as if absent
        _ = X509_STORE_add_cert(ref, cert.ref)   // the store takes its own reference
        if let issuer = X509_get_issuer_name(cert.ref) { wanted.append(Self.nameHash(issuer)) }
    }

    private static func nameHash(_ name: OpaquePointer) -> UInt {
        UInt(X509_NAME_hash_ex(name, nil, nil, nil))
    }

    /// `X509_NAME_hash_ex` of a DER Name. With `sha1`, a name of the common shape is canonicalised here, as
    /// OpenSSL would, and only hashed by it: `d2i_X509_NAME` costs ~55 k instructions a name, ~8 M for the
    /// system bundle on the first verification of every run. Other names (and without `sha1`) go through OpenSSL.
    static func nameHash(der: ArraySlice<UInt8>, sha1: OpaquePointer?) -> UInt? {
        if let sha1, let canonical = CanonicalName.encoding(der) {
            var md = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
            if canonical.withUnsafeBytes({ EVP_Digest($0.baseAddress, $0.count, &md, nil, sha1, nil) }) == 1 {
                // X509_NAME_hash_ex: the first four bytes of the SHA-1, little-endian.
                return UInt(md[0]) | UInt(md[1]) << 8 | UInt(md[2]) << 16 | UInt(md[3]) << 24
            }
            OpenSSLErrors.clear()
        }
        return der.withUnsafeBufferPointer { buf -> UInt? in
            var p: UnsafePointer<UInt8>? = buf.baseAddress
            guard let name = d2i_X509_NAME(nil, &p, buf.count) else { return nil }
            defer { X509_NAME_free(name) }
            return nameHash(name)
        }
    }
}

/// The encoding OpenSSL hashes for `X509_NAME_hash_ex` (`x509_name_canon`): each RDN's SET of SEQUENCE { type,
/// UTF8String value } re-encoded one after another, without the Name's own SEQUENCE header, where a value of a
/// string type is converted to UTF-8, stripped of leading and trailing whitespace, its inner whitespace runs
/// made one space and its ASCII letters lower-cased. Only the shape nearly every name has is handled: RDNs of
/// one attribute whose value is an ASCII PrintableString, UTF8String, T61String or IA5String, in DER. nil for
/// anything else (multi-valued RDNs, other string types, non-ASCII text, an empty Name), which OpenSSL then
/// canonicalises itself.
enum CanonicalName {
    static func encoding(_ name: ArraySlice<UInt8>) -> [UInt8]? {
        var whole = DERCursor(name)
        guard let nameElement = whole.element(0x30), whole.peekTag == nil, let body = contents(nameElement) else { return nil }
        var rdns = DERCursor(body)
        var out: [UInt8] = []
        out.reserveCapacity(body.count)
        var value: [UInt8] = []
        while rdns.peekTag != nil {
            guard let set = rdns.element(0x31), let setBody = contents(set) else { return nil }
            var attributes = DERCursor(setBody)
            guard let attribute = attributes.element(0x30), attributes.peekTag == nil,
                  let attributeBody = contents(attribute) else { return nil }
            var fields = DERCursor(attributeBody)
            guard let type = fields.element(0x06), contents(type) != nil, let element = fields.element(), fields.peekTag == nil,
                  let tag = element.first, isCanonicalised(tag), let text = contents(element),
                  canonical(text, into: &value) else { return nil }
            let attributeLength = type.count + 1 + lengthOctetCount(value.count) + value.count
            out.append(0x31)
            appendLength(1 + lengthOctetCount(attributeLength) + attributeLength, to: &out)
            out.append(0x30)
            appendLength(attributeLength, to: &out)
            out += type
            out.append(0x0C)
            appendLength(value.count, to: &out)
            out += value
        }
        return out.isEmpty ? nil : out
    }

    /// UTF8String, PrintableString, T61String, IA5String (ASCII in each is its own UTF-8). Not VisibleString:
    /// OpenSSL rejects it in a Name.
    private static func isCanonicalised(_ tag: UInt8) -> Bool { tag == 0x0C || tag == 0x13 || tag == 0x14 || tag == 0x16 }

    /// `asn1_string_canon` of ASCII text into `out` (emptied first); false for non-ASCII text.
    private static func canonical(_ text: ArraySlice<UInt8>, into out: inout [UInt8]) -> Bool {
        out.removeAll(keepingCapacity: true)
        var pendingSpace = false
        for c in text {
            guard c < 0x80 else { return false }
            if c == 0x20 || (0x09...0x0d).contains(c) {   // ossl_isspace
                pendingSpace = !out.isEmpty   // leading whitespace is dropped; a run inside becomes one space
            } else {
                if pendingSpace { out.append(0x20); pendingSpace = false }
                out.append((0x41...0x5a).contains(c) ? c + 0x20 : c)
            }
        }
        return true   // trailing whitespace was never written
    }

    /// The contents of one whole element whose length is in DER's shortest form (which a re-encoding keeps).
    private static func contents(_ element: ArraySlice<UInt8>) -> ArraySlice<UInt8>? {
        guard element.count >= 2 else { return nil }
        let first = element[element.startIndex + 1]
        let lengthOctets = first < 0x80 ? 1 : 1 + Int(first & 0x7f)
        guard lengthOctets == lengthOctetCount(element.count - 1 - lengthOctets) else { return nil }
        return element.dropFirst(1 + lengthOctets)
    }

    private static func lengthOctetCount(_ n: Int) -> Int {
        if n < 0x80 { return 1 }
        return 1 + (Int.bitWidth - n.leadingZeroBitCount + 7) / 8
    }

    private static func appendLength(_ n: Int, to out: inout [UInt8]) {
        let count = lengthOctetCount(n)
        if count == 1 { out.append(UInt8(n)); return }
        out.append(0x80 | UInt8(count - 1))
        for i in stride(from: count - 2, through: 0, by: -1) { out.append(UInt8(truncatingIfNeeded: n >> (8 * i))) }
    }
}

/// Just enough DER walking to find fields of a certificate without OpenSSL (which would decode its key).
enum DERCertificateFields {
    /// Bytes of the subject Name (tag and length included), or nil when the DER is not shaped like a certificate.
    static func subject(of der: [UInt8]) -> ArraySlice<UInt8>? { subject(of: der[...]) }

    static func subject(of der: ArraySlice<UInt8>) -> ArraySlice<UInt8>? {
        var r = DERCursor(der)
        guard var cert = r.enter(0x30), var tbs = cert.enter(0x30) else { return nil }
        if tbs.peekTag == 0xA0 { guard tbs.skip() else { return nil } }   // [0] version
        for _ in 0..<4 { guard tbs.skip() else { return nil } }   // serial, signature, issuer, validity
        return tbs.element(0x30)
    }

    /// The first DER element of `bytes` when it is shaped like a certificate (what follows it, such as a
    /// TRUSTED CERTIFICATE's trust settings, is not part of it), or nil.
    static func leadingCertificate(_ bytes: [UInt8]) -> ArraySlice<UInt8>? {
        var r = DERCursor(bytes[...])
        guard let first = r.element(0x30), subject(of: first) != nil else { return nil }
        return first
    }
}

/// A read position in DER bytes; every step checks its bounds.
struct DERCursor {
    private var rest: ArraySlice<UInt8>
    init(_ bytes: ArraySlice<UInt8>) { rest = bytes }

    var peekTag: UInt8? { rest.first }

    /// The next element whole (tag, length, contents), consumed; nil (nothing consumed) if the tag differs.
    mutating func element(_ tag: UInt8? = nil) -> ArraySlice<UInt8>? {
        guard let (header, length) = header(), tag == nil || rest.first == tag,
              rest.count - header >= length else { return nil }
        let e = rest.prefix(header + length)
        rest = rest.dropFirst(header + length)
        return e
    }

    /// The contents of the next element, consumed, as a cursor of its own.
    mutating func enter(_ tag: UInt8) -> DERCursor? {
        guard let (header, _) = header(), let e = element(tag) else { return nil }
        return DERCursor(e.dropFirst(header))
    }

    mutating func skip() -> Bool { element() != nil }

    /// Header size and content length of the next element (definite lengths of up to 4 bytes only).
    private func header() -> (Int, Int)? {
        guard rest.count >= 2 else { return nil }
        let first = rest[rest.startIndex + 1]
        if first < 0x80 { return (2, Int(first)) }
        let n = Int(first & 0x7f)
        guard n >= 1, n <= 4, rest.count >= 2 + n else { return nil }
        var length = 0
        for i in 0..<n { length = length << 8 | Int(rest[rest.startIndex + 2 + i]) }
        return (2 + n, length)
    }
}

/// Owns one memory `BIO *`.
final class MemoryBIO {
    let ref: OpaquePointer

    init() { ref = BIO_new(BIO_s_mem())! }   // only fails when out of memory
    deinit { BIO_free(ref) }

    /// Everything written to the BIO so far, as UTF-8 (invalid sequences replaced).
    func drainString() -> String {
        let pending = BIO_ctrl_pending(ref)
        guard pending > 0 else { return "" }
        var buf = [UInt8](repeating: 0, count: pending)
        let n = buf.withUnsafeMutableBytes { BIO_read(ref, $0.baseAddress, Int32(pending)) }
        return String(decoding: buf.prefix(max(0, Int(n))), as: UTF8.self)
    }
}

enum OpenSSLErrors {
    /// Empties this thread's OpenSSL error queue and returns its first entry as text.
    static func drain(or fallback: String) -> String {
        var first: String?
        while true {
            let code = ERR_get_error()
            if code == 0 { break }
            if first == nil {
                let lib = ERR_lib_error_string(code).map { String(cString: $0) }
                let reason = ERR_reason_error_string(code).map { String(cString: $0) }
                switch (lib, reason) {
                case let (l?, r?): first = "\(l): \(r)"
                case let (nil, r?): first = r
                default: first = "OpenSSL error \(Hex.code(UInt32(truncatingIfNeeded: code)))"
                }
            }
        }
        return first ?? fallback
    }

    static func clear() { ERR_clear_error() }
}

enum OpenSSLText {
    /// RFC 4514 text of an `X509_NAME *`: OpenSSL's `XN_FLAG_RFC2253`, except that non-ASCII
    /// characters stay UTF-8 instead of becoming `\C3\A9` escapes.
    static func rfc4514(name: OpaquePointer) -> String {
        let bio = MemoryBIO()
        let flags = ctls_XN_FLAG_RFC2253 & ~UInt(ASN1_STRFLGS_ESC_MSB)
        _ = X509_NAME_print_ex(bio.ref, name, 0, flags)
        return bio.drainString()
    }

    /// The last (most specific) entry of `nid` in a name, as UTF-8.
    static func lastEntry(of name: OpaquePointer, nid: Int32) -> String? {
        var index: Int32 = -1
        var last: Int32 = -1
        while true {
            index = X509_NAME_get_index_by_NID(name, nid, index)
            if index < 0 { break }
            last = index
        }
        guard last >= 0, let entry = X509_NAME_get_entry(name, last),
              let data = X509_NAME_ENTRY_get_data(entry) else { return nil }
        return utf8(asn1String: UnsafePointer(data))
    }

    static func utf8(asn1String: UnsafePointer<ASN1_STRING>) -> String? {
        var out: UnsafeMutablePointer<UInt8>?
        let n = ASN1_STRING_to_UTF8(&out, asn1String)
        guard n >= 0, let out else { OpenSSLErrors.clear(); return nil }
        defer { ctls_openssl_free(out) }
        return String(decoding: UnsafeBufferPointer(start: out, count: Int(n)), as: UTF8.self)
    }

    /// Raw bytes of an ASN1_STRING / ASN1_OCTET_STRING / ASN1_INTEGER.
    static func bytes(asn1String: UnsafePointer<ASN1_STRING>) -> [UInt8] {
        let n = Int(ASN1_STRING_length(asn1String))
        guard n > 0, let p = ASN1_STRING_get0_data(asn1String) else { return [] }
        return Array(UnsafeBufferPointer(start: p, count: n))
    }

    /// Dotted OID, or OpenSSL's short name when it has one and `numeric` is false.
    static func object(_ obj: OpaquePointer, numeric: Bool) -> String {
        var buf = [CChar](repeating: 0, count: 128)
        let n = OBJ_obj2txt(&buf, Int32(buf.count), obj, numeric ? 1 : 0)
        guard n > 0 else { return "?" }
        return buf.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }   // NUL-terminated by OBJ_obj2txt
    }

    static func shortName(nid: Int32) -> String? {
        guard nid != NID_undef, let p = OBJ_nid2sn(nid) else { return nil }
        return String(cString: p)
    }

    static func longName(nid: Int32) -> String? {
        guard nid != NID_undef, let p = OBJ_nid2ln(nid) else { return nil }
        return String(cString: p)
    }

    /// Unix time of an ASN1_TIME (UTCTime or GeneralizedTime).
    static func timestamp(_ t: UnsafePointer<ASN1_TIME>) -> Timestamp? {
        var tmv = tm()
        guard ASN1_TIME_to_tm(t, &tmv) == 1 else { OpenSSLErrors.clear(); return nil }
        let secs = Timestamp.unix(year: Int(tmv.tm_year) + 1900, month: Int(tmv.tm_mon) + 1, day: Int(tmv.tm_mday),
                                  hour: Int(tmv.tm_hour), minute: Int(tmv.tm_min), second: Int(tmv.tm_sec))
        return Timestamp(seconds: secs, nanoseconds: 0)
    }
}

enum Digest {
    static func sha256(_ bytes: [UInt8]) -> String { hex(bytes, EVP_sha256()) }
    static func sha1(_ bytes: [UInt8]) -> String { hex(bytes, EVP_sha1()) }

    private static func hex(_ bytes: [UInt8], _ md: OpaquePointer?) -> String {
        var out = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var len: UInt32 = 0
        let ok = bytes.withUnsafeBytes { EVP_Digest($0.baseAddress, $0.count, &out, &len, md, nil) }
        guard ok == 1 else { OpenSSLErrors.clear(); return "" }
        return Hex.encode(out.prefix(Int(len)))
    }
}
