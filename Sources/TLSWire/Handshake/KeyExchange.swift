/// A ServerKeyExchange (TLS ≤ 1.2): which ephemeral parameters the server chose, and how it signed them.
public struct ServerKeyExchange: Sendable, Hashable {
    /// "ecdhe", "dhe", "rsa" (export RSA params), "psk", "ecdhe_psk", "dhe_psk", "srp", or "unknown"
    /// when the key exchange is not known and the body matches no layout.
    public var kind: String = "unknown"
    /// ECParameters.curve_type: 3 = named_curve; 1 and 2 are explicit curves (checked for
    /// structure only, `namedCurve` stays nil).
    public var curveType: UInt8?
    public var namedCurve: NamedGroup?
    /// Bit length of the DH prime p (leading zero bytes ignored).
    public var dhPrimeBits: Int?
    /// Bytes of the ephemeral public value (ECPoint or dh_Ys).
    public var publicKeyLength: Int?
    /// The TLS 1.2 SignatureAndHashAlgorithm; nil before TLS 1.2 and for unsigned (anon, PSK) exchanges.
    public var signatureScheme: SignatureScheme?
    public var signatureLength: Int?
    /// psk_identity_hint of the *_PSK exchanges (attacker-controlled text, decoded with replacement).
    public var pskIdentityHint: String?
    /// Body length in bytes.
    public var length: Int = 0

    public init() {}

    static let name = "ServerKeyExchange"

    /// The layout depends on the key exchange of the cipher suite (when the registry knows it) and
    /// on whether TLS 1.2's SignatureAndHashAlgorithm precedes the signature. Unknown suites are
    /// sniffed: ECDHE (curve_type 3 and a plausible curve), then DHE, both signed; a body
    /// that fits none is returned as kind "unknown" rather than thrown (it may be a layout not decoded here).
    static func parse(_ body: ArraySlice<UInt8>, context: HandshakeContext) throws(TLSDecodeError) -> ServerKeyExchange {
        let info = context.cipherSuite?.info
        return try parse(body, keyExchange: info?.keyExchange, anonymous: info?.authentication == "anon",
                         version: context.negotiatedVersion)
    }

    static func parse(_ body: ArraySlice<UInt8>, keyExchange: String?, anonymous: Bool,
                      version: ProtocolVersion?) throws(TLSDecodeError) -> ServerKeyExchange {
        switch (keyExchange, anonymous) {
        case ("ECDHE", _), ("ECDH", true):
            // ECDH_anon / DH_anon are ephemeral and unsigned; static ECDH_* / DH_* suites send no
            // ServerKeyExchange at all, so one that arrives anyway is sniffed below.
            return try parseParams(body, kind: "ecdhe", signed: !anonymous, version: version)
        case ("DHE", _), ("DH", true):
            return try parseParams(body, kind: "dhe", signed: !anonymous, version: version)
        case ("RSA", _), ("RSA_EXPORT", _):
            return try parseParams(body, kind: "rsa", signed: true, version: version)
        case ("PSK", _), ("RSA_PSK", _):
            return try parseParams(body, kind: "psk", signed: false, version: version)
        case ("ECDHE_PSK", _):
            return try parseParams(body, kind: "ecdhe_psk", signed: false, version: version)
        case ("DHE_PSK", _):
            return try parseParams(body, kind: "dhe_psk", signed: false, version: version)
        case ("SRP", _):
            var ske = ServerKeyExchange()
            ske.kind = "srp"
            ske.length = body.count
            return ske
        default:
            // Only signed layouts are sniffed: an unsigned guess would also accept a signed body cut
            // after its parameters. Anonymous suites are decoded once the registry names them.
            var candidates: [String] = []
            if body.first == 3, body.count >= 3, isPlausibleCurve(UInt16(body[body.startIndex + 1]) << 8 | UInt16(body[body.startIndex + 2])) {
                candidates.append("ecdhe")
            }
            candidates.append("dhe")
            for kind in candidates {
                if let ske = try? parseParams(body, kind: kind, signed: true, version: version) { return ske }
            }
            var ske = ServerKeyExchange()
            ske.length = body.count
            return ske
        }
    }

    /// Named curves a TLS ≤ 1.2 server could pick (RFC 8422 §5.1.1, RFC 7027, RFC 8734) or any the registry names.
    static func isPlausibleCurve(_ raw: UInt16) -> Bool {
        (1...0x0021).contains(raw) || NamedGroup(rawValue: raw).name != nil
    }

    /// RFC 8422 §5.4 (ECDHE), RFC 5246 §7.4.3 (DHE, export RSA), RFC 4279 §2-3 and RFC 5489 §2 (PSK):
    ///
    ///     enum { explicit_prime (1), explicit_char2 (2), named_curve (3), reserved(248..255) } ECCurveType;
    ///     struct { ECCurveType curve_type; select (curve_type) { case named_curve: NamedCurve namedcurve; }; } ECParameters;
    ///     struct { opaque point <1..2^8-1>; } ECPoint;
    ///     struct { ECParameters curve_params; ECPoint public; } ServerECDHParams;
    ///     struct { opaque dh_p<1..2^16-1>; opaque dh_g<1..2^16-1>; opaque dh_Ys<1..2^16-1>; } ServerDHParams;
    ///     struct { opaque rsa_modulus<1..2^16-1>; opaque rsa_exponent<1..2^16-1>; } ServerRSAParams;
    ///     opaque psk_identity_hint<0..2^16-1>;   /* before the params in the *_PSK exchanges */
    ///     struct {
    ///         select (KeyExchangeAlgorithm) {
    ///             case ec_diffie_hellman: ServerECDHParams params; Signature signed_params;
    ///             case dhe_*:             ServerDHParams params; digitally-signed struct {...} signed_params;
    ///             ...
    ///         };
    ///     } ServerKeyExchange;
    static func parseParams(_ body: ArraySlice<UInt8>, kind: String, signed: Bool,
                            version: ProtocolVersion?) throws(TLSDecodeError) -> ServerKeyExchange {
        var r = HandshakeReader(body, message: name)
        var ske = ServerKeyExchange()
        ske.kind = kind
        ske.length = body.count
        if kind.hasSuffix("psk") {
            ske.pskIdentityHint = lossyString(try r.readVector(lengthBytes: 2, "psk_identity_hint").bytes)
        }
        switch kind {
        case "ecdhe", "ecdhe_psk":
            let curveType = try r.readUInt8("curve_type")
            ske.curveType = curveType
            switch curveType {
            case 3: ske.namedCurve = NamedGroup(rawValue: try r.readUInt16("namedcurve"))
            case 1, 2: try skipExplicitCurve(&r, curveType: curveType)
            default: throw r.error(.invalidValue, "curve_type \(curveType) is not explicit_prime(1), explicit_char2(2) or named_curve(3)")
            }
            let point = try r.readVector(lengthBytes: 1, "ECPoint.point")
            guard point.remaining > 0 else { throw r.error(.invalidValue, "empty ECPoint") }
            ske.publicKeyLength = point.remaining
        case "dhe", "dhe_psk":
            let p = try r.readVector(lengthBytes: 2, "dh_p")
            let g = try r.readVector(lengthBytes: 2, "dh_g")
            let ys = try r.readVector(lengthBytes: 2, "dh_Ys")
            guard p.remaining > 0, g.remaining > 0, ys.remaining > 0 else {
                throw r.error(.invalidValue, "empty DH parameter (dh_p, dh_g and dh_Ys are <1..2^16-1>)")
            }
            ske.dhPrimeBits = bitLength(p.bytes)
            ske.publicKeyLength = ys.remaining
        case "rsa":
            _ = try r.readVector(lengthBytes: 2, "rsa_modulus")
            _ = try r.readVector(lengthBytes: 2, "rsa_exponent")
        default:
            break
        }
        if signed {
            let signature = try DigitallySigned.read(&r, version: version)
            ske.signatureScheme = signature.scheme
            ske.signatureLength = signature.length
        }
        try r.expectEnd(signed ? "the signature" : "the parameters")
        return ske
    }

    /// Explicit curves (RFC 4492 §5.4; removed by RFC 8422 but seen from old stacks), read for
    /// their lengths only:
    ///
    ///     struct { opaque a <1..2^8-1>; opaque b <1..2^8-1>; } ECCurve;
    ///     enum { ec_basis_trinomial, ec_basis_pentanomial } ECBasisType;
    ///     select (curve_type) {
    ///         case explicit_prime:
    ///             opaque prime_p <1..2^8-1>; ECCurve curve; ECPoint base; opaque order <1..2^8-1>; opaque cofactor <1..2^8-1>;
    ///         case explicit_char2:
    ///             uint16 m; ECBasisType basis;
    ///             select (basis) { case ec_trinomial: opaque k <1..2^8-1>;
    ///                              case ec_pentanomial: opaque k1 <1..2^8-1>; opaque k2 <1..2^8-1>; opaque k3 <1..2^8-1>; };
    ///             ECCurve curve; ECPoint base; opaque order <1..2^8-1>; opaque cofactor <1..2^8-1>;
    ///     };
    static func skipExplicitCurve(_ r: inout HandshakeReader, curveType: UInt8) throws(TLSDecodeError) {
        var fields: [String] = []
        if curveType == 1 {
            fields = ["prime_p"]
        } else {
            _ = try r.readUInt16("m")
            switch try r.readUInt8("basis") {
            case 1: fields = ["k"]
            case 2: fields = ["k1", "k2", "k3"]
            case let basis: throw r.error(.invalidValue, "ECBasisType \(basis) is neither trinomial(1) nor pentanomial(2)")
            }
        }
        fields += ["curve.a", "curve.b", "base.point", "order", "cofactor"]
        for field in fields {
            let v = try r.readVector(lengthBytes: 1, field)
            guard v.remaining > 0 else { throw r.error(.invalidValue, "empty \(field) (must be 1..2^8-1 bytes)") }
        }
    }

    static func bitLength(_ bytes: ArraySlice<UInt8>) -> Int {
        guard let i = bytes.firstIndex(where: { $0 != 0 }) else { return 0 }
        let significantBytes = bytes.endIndex - i
        return (significantBytes - 1) * 8 + (8 - bytes[i].leadingZeroBitCount)
    }
}

/// A `digitally-signed` element.
enum DigitallySigned {
    /// TLS 1.2 (RFC 5246 §4.7) and 1.3 (RFC 8446 §4.4.3):
    ///
    ///     struct { SignatureAndHashAlgorithm algorithm; opaque signature<0..2^16-1>; } DigitallySigned;
    ///
    /// SSL 3.0 to TLS 1.1 (RFC 4346 §4.7): the signature alone, `opaque signature<0..2^16-1>`.
    /// Without a version, the form whose length fills the rest exactly wins (TLS 1.2 first).
    static func read(_ r: inout HandshakeReader, version: ProtocolVersion?) throws(TLSDecodeError) -> (scheme: SignatureScheme?, length: Int) {
        let hasAlgorithm: Bool
        if let version {
            hasAlgorithm = version.rank >= ProtocolVersion.tls12.rank
        } else if let l = r.peekUInt16(at: 2), Int(l) == r.remaining - 4 {
            hasAlgorithm = true
        } else if let l = r.peekUInt16(at: 0), Int(l) == r.remaining - 2 {
            hasAlgorithm = false
        } else {
            hasAlgorithm = true
        }
        let scheme = hasAlgorithm ? SignatureScheme(rawValue: try r.readUInt16("signature algorithm")) : nil
        let signature = try r.readVector(lengthBytes: 2, "signature")
        return (scheme, signature.remaining)
    }
}

/// A ClientKeyExchange: its layout depends on the key exchange and is opaque to diagnosis; only
/// its size is kept (an RSA-encrypted premaster secret is the size of the server's modulus).
public struct ClientKeyExchange: Sendable, Hashable {
    public var length: Int
    public init(length: Int) { self.length = length }
}

/// A CertificateVerify.
public struct CertificateVerify: Sendable, Hashable {
    /// TLS 1.2 and 1.3: the scheme in front of the signature; nil before TLS 1.2.
    public var signatureScheme: SignatureScheme?
    /// Body length in bytes.
    public var length: Int
    public var signatureLength: Int

    public init(signatureScheme: SignatureScheme?, length: Int, signatureLength: Int) {
        self.signatureScheme = signatureScheme
        self.length = length
        self.signatureLength = signatureLength
    }

    /// RFC 8446 §4.4.3 / RFC 5246 §7.4.8:
    ///
    ///     struct {
    ///         SignatureScheme algorithm;      /* TLS 1.2 and 1.3 only */
    ///         opaque signature<0..2^16-1>;
    ///     } CertificateVerify;
    static func parse(_ body: ArraySlice<UInt8>, context: HandshakeContext) throws(TLSDecodeError) -> CertificateVerify {
        var r = HandshakeReader(body, message: "CertificateVerify")
        let signature = try DigitallySigned.read(&r, version: context.negotiatedVersion)
        try r.expectEnd("signature")
        return CertificateVerify(signatureScheme: signature.scheme, length: body.count, signatureLength: signature.length)
    }
}
