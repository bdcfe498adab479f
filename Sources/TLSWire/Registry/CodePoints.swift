import WireCore

// Protocol numbers are open structs, not closed enums (STYLE.md principle 4): a value IANA has
// not assigned, or that this build does not know yet, still reaches the report, shown as hex.
// Names come from the generated tables in RegistryTables*.swift (scripts/registry/).

public struct ContentType: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let changeCipherSpec = ContentType(rawValue: 20)
    public static let alert = ContentType(rawValue: 21)
    public static let handshake = ContentType(rawValue: 22)
    public static let applicationData = ContentType(rawValue: 23)
    public static let heartbeat = ContentType(rawValue: 24)
    public var name: String? { RegistryTables.contentTypes[rawValue] }
    public var description: String { name ?? Hex.code(rawValue) }
}

public struct ProtocolVersion: RawRepresentable, Sendable, Hashable, Comparable, CustomStringConvertible {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    public static let sslv2 = ProtocolVersion(rawValue: 0x0002)
    public static let sslv3 = ProtocolVersion(rawValue: 0x0300)
    public static let tls10 = ProtocolVersion(rawValue: 0x0301)
    public static let tls11 = ProtocolVersion(rawValue: 0x0302)
    public static let tls12 = ProtocolVersion(rawValue: 0x0303)
    public static let tls13 = ProtocolVersion(rawValue: 0x0304)

    /// GREASE values (RFC 8701) are reserved to keep peers honest; never a real version.
    public var isGREASE: Bool { rawValue & 0x0f0f == 0x0a0a && rawValue >> 8 == rawValue & 0xff }
    /// TLS 1.3 drafts (0x7fNN) and the Facebook experiment (0xfb1a) count as TLS 1.3.
    public var isTLS13Draft: Bool { rawValue >> 8 == 0x7f || rawValue == 0xfb17 || rawValue == 0xfb1a }
    /// The version ordering that rules need: drafts of 1.3 rank as 1.3; GREASE and unknown rank lowest.
    public var rank: Int {
        switch rawValue {
        case 0x0002: return 1
        case 0x0300: return 2
        case 0x0301: return 3
        case 0x0302: return 4
        case 0x0303: return 5
        case 0x0304: return 6
        default: return isTLS13Draft ? 6 : 0
        }
    }
    public static func < (a: ProtocolVersion, b: ProtocolVersion) -> Bool { a.rank < b.rank }

    /// Names as Zeek and ECS print them: SSLv2 SSLv3 TLSv1.0 TLSv1.1 TLSv1.2 TLSv1.3.
    public var name: String? {
        switch rawValue {
        case 0x0002: return "SSLv2"
        case 0x0300: return "SSLv3"
        case 0x0301: return "TLSv1.0"
        case 0x0302: return "TLSv1.1"
        case 0x0303: return "TLSv1.2"
        case 0x0304: return "TLSv1.3"
        case 0xfeff: return "DTLSv1.0"
        case 0xfefd: return "DTLSv1.2"
        case 0xfefc: return "DTLSv1.3"
        default:
            if isGREASE { return "GREASE" }
            if rawValue >> 8 == 0x7f { return "TLSv1.3-draft\(rawValue & 0xff)" }
            if isTLS13Draft { return "TLSv1.3-fb" }
            return nil
        }
    }
    public var description: String { name ?? Hex.code(rawValue) }
}

public struct HandshakeType: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let helloRequest = HandshakeType(rawValue: 0)
    public static let clientHello = HandshakeType(rawValue: 1)
    public static let serverHello = HandshakeType(rawValue: 2)
    public static let helloVerifyRequest = HandshakeType(rawValue: 3)
    public static let newSessionTicket = HandshakeType(rawValue: 4)
    public static let endOfEarlyData = HandshakeType(rawValue: 5)
    public static let encryptedExtensions = HandshakeType(rawValue: 8)
    public static let certificate = HandshakeType(rawValue: 11)
    public static let serverKeyExchange = HandshakeType(rawValue: 12)
    public static let certificateRequest = HandshakeType(rawValue: 13)
    public static let serverHelloDone = HandshakeType(rawValue: 14)
    public static let certificateVerify = HandshakeType(rawValue: 15)
    public static let clientKeyExchange = HandshakeType(rawValue: 16)
    public static let finished = HandshakeType(rawValue: 20)
    public static let certificateURL = HandshakeType(rawValue: 21)
    public static let certificateStatus = HandshakeType(rawValue: 22)
    public static let keyUpdate = HandshakeType(rawValue: 24)
    public static let compressedCertificate = HandshakeType(rawValue: 25)
    public static let messageHash = HandshakeType(rawValue: 254)
    public var name: String? { RegistryTables.handshakeTypes[rawValue] }
    public var description: String { name ?? Hex.code(rawValue) }
}

public struct CipherSuite: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    public var isGREASE: Bool { rawValue & 0x0f0f == 0x0a0a && rawValue >> 8 == rawValue & 0xff }
    /// The signalling values are not real suites (RFC 5746, RFC 7507).
    public var isSignalling: Bool { rawValue == 0x00ff || rawValue == 0x5600 }
    public var info: CipherSuiteInfo? { RegistryTables.cipherSuites[rawValue] }
    /// IANA name, e.g. `TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256`; nil when unassigned.
    public var name: String? { info?.name ?? (isGREASE ? "GREASE" : nil) }
    /// The IANA name, or `0x1234` when unassigned (the JSON contract's form).
    public var description: String { name ?? Hex.code(rawValue) }
}

/// What a cipher suite is made of, derived from its IANA name by scripts/registry/generate.py.
public struct CipherSuiteInfo: Sendable, Hashable {
    public var name: String
    /// Key exchange as named in the suite: "ECDHE", "DHE", "RSA", "ECDH", "DH", "PSK", "ECDHE_PSK",
    /// "DHE_PSK", "RSA_PSK", "SRP", "KRB5", "NULL", "" for TLS 1.3 suites (negotiated separately).
    public var keyExchange: String
    /// Authentication: "RSA", "ECDSA", "DSS", "anon", "PSK", "" for TLS 1.3.
    public var authentication: String
    /// Bulk cipher, e.g. "AES_128_GCM", "CHACHA20_POLY1305", "3DES_EDE_CBC", "RC4_128", "NULL".
    public var encryption: String
    /// MAC or PRF hash: "SHA256", "SHA384", "SHA", "MD5", "NULL" ...
    public var mac: String
    /// Ephemeral key exchange (or TLS 1.3, which always is).
    public var forwardSecret: Bool
    /// Reasons the suite is weak, by name: "NULL", "EXPORT", "anon", "RC4", "DES", "3DES", "MD5".
    public var weaknesses: [String]
    /// True for suites only defined for TLS 1.3 (0x1301...).
    public var tls13Only: Bool

    public init(name: String, keyExchange: String, authentication: String, encryption: String, mac: String,
                forwardSecret: Bool, weaknesses: [String], tls13Only: Bool) {
        self.name = name; self.keyExchange = keyExchange; self.authentication = authentication
        self.encryption = encryption; self.mac = mac; self.forwardSecret = forwardSecret
        self.weaknesses = weaknesses; self.tls13Only = tls13Only
    }
}

extension CipherSuiteInfo {
    /// The generated suite table from its rows (`value|name|keyExchange|authentication|encryption|mac|
    /// forwardSecret|tls13Only|weaknesses`, weaknesses space-separated), read on the text's UTF-8 bytes:
    /// splitting it as Strings cost about 24 M instructions, paid at the start of every run.
    static func table(fromRows text: String) -> [UInt16: CipherSuiteInfo] {
        var table: [UInt16: CipherSuiteInfo] = [:]
        var rows = text
        rows.withUTF8 { all in
            var fields: [Range<Int>] = []
            fields.reserveCapacity(9)
            var lineStart = 0
            while lineStart < all.count {
                var lineEnd = lineStart
                while lineEnd < all.count && all[lineEnd] != UInt8(ascii: "\n") { lineEnd += 1 }
                fields.removeAll(keepingCapacity: true)
                var fieldStart = lineStart
                for i in lineStart...lineEnd where i == lineEnd || all[i] == UInt8(ascii: "|") {
                    fields.append(fieldStart..<i)
                    fieldStart = i + 1
                }
                func text(_ r: Range<Int>) -> String { String(decoding: UnsafeBufferPointer(rebasing: all[r]), as: UTF8.self) }
                func flag(_ r: Range<Int>) -> Bool { r.count == 1 && all[r.lowerBound] == UInt8(ascii: "1") }
                guard fields.count == 9, let value = UInt16(text(fields[0]).dropFirst(2), radix: 16) else {
                    preconditionFailure("malformed generated cipher suite row: \(text(lineStart..<lineEnd))")
                }
                table[value] = CipherSuiteInfo(
                    name: text(fields[1]), keyExchange: text(fields[2]), authentication: text(fields[3]),
                    encryption: text(fields[4]), mac: text(fields[5]), forwardSecret: flag(fields[6]),
                    weaknesses: text(fields[8]).split(separator: " ").map(String.init), tls13Only: flag(fields[7]))
                lineStart = lineEnd + 1
            }
        }
        return table
    }
}

public struct ExtensionType: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    public static let serverName = ExtensionType(rawValue: 0)
    public static let maxFragmentLength = ExtensionType(rawValue: 1)
    public static let statusRequest = ExtensionType(rawValue: 5)
    public static let supportedGroups = ExtensionType(rawValue: 10)
    public static let ecPointFormats = ExtensionType(rawValue: 11)
    public static let signatureAlgorithms = ExtensionType(rawValue: 13)
    public static let useSRTP = ExtensionType(rawValue: 14)
    public static let heartbeat = ExtensionType(rawValue: 15)
    public static let alpn = ExtensionType(rawValue: 16)
    public static let signedCertificateTimestamp = ExtensionType(rawValue: 18)
    public static let padding = ExtensionType(rawValue: 21)
    public static let encryptThenMac = ExtensionType(rawValue: 22)
    public static let extendedMasterSecret = ExtensionType(rawValue: 23)
    public static let compressCertificate = ExtensionType(rawValue: 27)
    public static let recordSizeLimit = ExtensionType(rawValue: 28)
    public static let sessionTicket = ExtensionType(rawValue: 35)
    public static let preSharedKey = ExtensionType(rawValue: 41)
    public static let earlyData = ExtensionType(rawValue: 42)
    public static let supportedVersions = ExtensionType(rawValue: 43)
    public static let cookie = ExtensionType(rawValue: 44)
    public static let pskKeyExchangeModes = ExtensionType(rawValue: 45)
    public static let certificateAuthorities = ExtensionType(rawValue: 47)
    public static let postHandshakeAuth = ExtensionType(rawValue: 49)
    public static let signatureAlgorithmsCert = ExtensionType(rawValue: 50)
    public static let keyShare = ExtensionType(rawValue: 51)
    public static let encryptedClientHello = ExtensionType(rawValue: 0xfe0d)
    public static let renegotiationInfo = ExtensionType(rawValue: 0xff01)
    public var isGREASE: Bool { rawValue & 0x0f0f == 0x0a0a && rawValue >> 8 == rawValue & 0xff }
    public var name: String? { RegistryTables.extensions[rawValue] ?? (isGREASE ? "GREASE" : nil) }
    public var description: String { name ?? Hex.code(rawValue) }
}

public struct NamedGroup: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    public static let secp256r1 = NamedGroup(rawValue: 23)
    public static let secp384r1 = NamedGroup(rawValue: 24)
    public static let secp521r1 = NamedGroup(rawValue: 25)
    public static let x25519 = NamedGroup(rawValue: 29)
    public static let x448 = NamedGroup(rawValue: 30)
    public var isGREASE: Bool { rawValue & 0x0f0f == 0x0a0a && rawValue >> 8 == rawValue & 0xff }
    public var name: String? { RegistryTables.groups[rawValue] ?? (isGREASE ? "GREASE" : nil) }
    public var description: String { name ?? Hex.code(rawValue) }
}

public struct SignatureScheme: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    public var isGREASE: Bool { rawValue & 0x0f0f == 0x0a0a && rawValue >> 8 == rawValue & 0xff }
    /// Name as RFC 8446 spells it (`rsa_pss_rsae_sha256`); TLS 1.2 hash/signature pairs that have
    /// no TLS 1.3 name are named like Wireshark does (`sha224_rsa`).
    public var name: String? { RegistryTables.signatureSchemes[rawValue] ?? (isGREASE ? "GREASE" : nil) }
    public var description: String { name ?? Hex.code(rawValue) }
}

public struct AlertLevel: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let warning = AlertLevel(rawValue: 1)
    public static let fatal = AlertLevel(rawValue: 2)
    public var description: String {
        switch rawValue { case 1: return "warning"; case 2: return "fatal"; default: return Hex.code(rawValue) }
    }
}

public struct AlertDescription: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let closeNotify = AlertDescription(rawValue: 0)
    public static let unexpectedMessage = AlertDescription(rawValue: 10)
    public static let badRecordMAC = AlertDescription(rawValue: 20)
    public static let handshakeFailure = AlertDescription(rawValue: 40)
    public static let noCertificate = AlertDescription(rawValue: 41)
    public static let badCertificate = AlertDescription(rawValue: 42)
    public static let unsupportedCertificate = AlertDescription(rawValue: 43)
    public static let certificateRevoked = AlertDescription(rawValue: 44)
    public static let certificateExpired = AlertDescription(rawValue: 45)
    public static let certificateUnknown = AlertDescription(rawValue: 46)
    public static let illegalParameter = AlertDescription(rawValue: 47)
    public static let unknownCA = AlertDescription(rawValue: 48)
    public static let accessDenied = AlertDescription(rawValue: 49)
    public static let decodeError = AlertDescription(rawValue: 50)
    public static let decryptError = AlertDescription(rawValue: 51)
    public static let protocolVersion = AlertDescription(rawValue: 70)
    public static let insufficientSecurity = AlertDescription(rawValue: 71)
    public static let internalError = AlertDescription(rawValue: 80)
    public static let inappropriateFallback = AlertDescription(rawValue: 86)
    public static let userCanceled = AlertDescription(rawValue: 90)
    public static let noRenegotiation = AlertDescription(rawValue: 100)
    public static let missingExtension = AlertDescription(rawValue: 109)
    public static let unsupportedExtension = AlertDescription(rawValue: 110)
    public static let unrecognizedName = AlertDescription(rawValue: 112)
    public static let badCertificateStatusResponse = AlertDescription(rawValue: 113)
    public static let unknownPSKIdentity = AlertDescription(rawValue: 115)
    public static let certificateRequired = AlertDescription(rawValue: 116)
    public static let noApplicationProtocol = AlertDescription(rawValue: 120)
    public var name: String? { RegistryTables.alerts[rawValue] }
    public var description: String { name ?? Hex.code(rawValue) }
}
