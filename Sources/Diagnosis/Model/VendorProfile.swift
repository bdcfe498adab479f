import Foundation
import Packets

/// A vendor's own words for the fixes, as data (Sources/Diagnosis/Profiles/*.json, compiled in), so another
/// vendor's profile is a new file, not new code.
public struct VendorProfile: Sendable, Codable, Hashable {
    /// Short name for `--profile`, e.g. "algo".
    public var name: String
    public var displayName: String
    /// Ethernet OUIs of the vendor's devices, "00:22:ee".
    public var ouis: [String]
    /// Substrings of the issuer DN of the vendor's device certificates ("Algo").
    public var deviceCertificateIssuers: [String]
    /// What a server must install to trust the vendor's device certificates (names, where to get them).
    public var deviceCAChain: [String]
    /// Per-rule remediation in the vendor's words; `{name}` placeholders are filled by the rule.
    public var remediation: [String: String]
    /// Facts worth knowing (firmware versions and what arrived with them).
    public var notes: [String]

    /// Does this profile apply to a device with this MAC / certificate issuer? Tested on the address itself (no
    /// text per connection: this runs for every connection of a capture): an OUI entry is read as hex digits,
    /// separators ignored, and compared with as many leading digits of the MAC.
    public func applies(clientMAC: EthernetAddress?, clientCertificateIssuer: String?) -> Bool {
        if let mac = clientMAC, ouis.contains(where: { Self.macHasPrefix(mac, $0) }) { return true }
        return applies(clientCertificateIssuer: clientCertificateIssuer)
    }

    private func applies(clientCertificateIssuer: String?) -> Bool {
        guard let issuer = clientCertificateIssuer else { return false }
        return deviceCertificateIssuers.contains(where: { Self.contains(issuer, $0) })
    }

    /// `text.contains(part)` as Foundation answers it, without Foundation for ASCII texts: Foundation's
    /// `range(of:)` cost ~11 K instructions a call (for every connection with a client certificate). For
    /// ASCII, where no character combines with the next, it is a plain byte search; anything else (and an
    /// empty part, which Foundation never finds) is left to Foundation. Tests compare the two.
    static func contains(_ text: String, _ part: String) -> Bool {
        let answer = text.utf8.withContiguousStorageIfAvailable { t in
            part.utf8.withContiguousStorageIfAvailable { p in asciiContains(t, p) } ?? nil
        } ?? nil
        return answer ?? text.contains(part)
    }

    /// nil when either is empty or not ASCII.
    private static func asciiContains(_ t: UnsafeBufferPointer<UInt8>, _ p: UnsafeBufferPointer<UInt8>) -> Bool? {
        guard !p.isEmpty, !t.isEmpty, t.allSatisfy({ $0 < 0x80 }), p.allSatisfy({ $0 < 0x80 }) else { return nil }
        guard p.count <= t.count else { return false }
        var i = 0
        while i + p.count <= t.count {
            if t[i] == p[0] {
                var k = 1
                while k < p.count && t[i + k] == p[k] { k += 1 }
                if k == p.count { return true }
            }
            i += 1
        }
        return false
    }

    static func macHasPrefix(_ mac: EthernetAddress, _ prefix: String) -> Bool {
        var nibbles = 0
        for c in prefix.utf8 {
            let v: UInt64
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): v = UInt64(c - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): v = UInt64(c - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): v = UInt64(c - UInt8(ascii: "A") + 10)
            case UInt8(ascii: ":"), UInt8(ascii: "-"), UInt8(ascii: "."): continue
            default: return false
            }
            guard nibbles < 12 else { return false }
            if (mac.value >> UInt64(44 - 4 * nibbles)) & 0xf != v { return false }
            nibbles += 1
        }
        return nibbles > 0
    }
}

public enum VendorProfiles {
    /// The profiles shipped with the tool, compiled into it and decoded once: the command line asks for
    /// them several times while it is parsed (the `--profile` help names them).
    public static func builtIn() -> [VendorProfile] { shipped }

    /// Every file of Profiles/: each is named in Package.swift (`.embedInCode`) and here (a test checks
    /// that the folder and this list agree).
    static let shippedFiles: [[UInt8]] = [PackageResources.algo_json]

    private static let shipped: [VendorProfile] = shippedFiles.compactMap { bytes in
        try? JSONDecoder().decode(VendorProfile.self, from: Data(bytes))
    }

    /// Loads an extra profile file (`--profile path/to/profile.json`).
    public static func load(path: String) throws -> VendorProfile {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        return try JSONDecoder().decode(VendorProfile.self, from: data)
    }
}
