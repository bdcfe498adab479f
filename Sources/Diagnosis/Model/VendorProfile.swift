import Foundation

/// A vendor's own words for the fixes, as data (Sources/Diagnosis/Profiles/*.json), so another
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

    /// Does this profile apply to a device with this MAC / certificate issuer?
    public func applies(clientMAC: String?, clientCertificateIssuer: String?) -> Bool {
        if let mac = clientMAC?.lowercased(), ouis.contains(where: { mac.hasPrefix($0.lowercased()) }) { return true }
        if let issuer = clientCertificateIssuer, deviceCertificateIssuers.contains(where: { issuer.contains($0) }) { return true }
        return false
    }
}

public enum VendorProfiles {
    /// The profiles shipped with the tool (bundled resources).
    public static func builtIn() -> [VendorProfile] {
        guard let dir = Bundle.module.resourceURL?.appendingPathComponent("Profiles"),
              let names = try? FileManager.default.contentsOfDirectory(atPath: dir.path) else { return [] }
        return names.filter { $0.hasSuffix(".json") }.sorted().compactMap { name in
            guard let data = try? Data(contentsOf: dir.appendingPathComponent(name)) else { return nil }
            return try? JSONDecoder().decode(VendorProfile.self, from: data)
        }
    }

    /// Loads an extra profile file (`--profile path/to/profile.json`).
    public static func load(path: String) throws -> VendorProfile {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        return try JSONDecoder().decode(VendorProfile.self, from: data)
    }
}
