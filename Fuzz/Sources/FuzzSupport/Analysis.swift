import Foundation
import WireCore
import Capture
import Connections
import X509Inspect
import Diagnosis
import Reports
import Pipeline

/// Shared set-up of the analysing fuzzers: trust stores from the repository's test PKI, so chain
/// verification runs against real anchors, and the vendor profiles.
public enum FuzzEnvironment {
    public static let repository: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    public static func pki(_ name: String) -> String { repository.appendingPathComponent("captures/pki/\(name)").path }

    public static let clientTrust: TrustStore = (try? TrustStore.load(paths: [pki("rootA.pem")], label: "fuzz client trust")) ?? .empty
    public static let serverTrust: TrustStore = (try? TrustStore.load(paths: [pki("vendorRoot.pem"), pki("clientCA.pem")],
                                                                      label: "fuzz server trust")) ?? .empty

    public static let options = AnalysisOptions(
        trust: TrustConfiguration(clientTrust: clientTrust, clientTrustExplicit: true, serverTrust: serverTrust),
        profiles: VendorProfiles.builtIn())

    /// Small, so a long run does not grow a cache of every certificate the fuzzer invents.
    public static func freshCache() -> CertificateCache { CertificateCache(capacity: 64) }
}
