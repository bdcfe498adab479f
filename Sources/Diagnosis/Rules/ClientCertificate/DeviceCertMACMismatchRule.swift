import WireCore
import Connections
import X509Inspect

/// DEVICE-CERT-MAC-MISMATCH: the MAC address in the device certificate is not the sender's.
public struct DeviceCertMACMismatchRule: DiagnosisRule {
    public init() {}
    public var id: RuleID { .deviceCertMACMismatch }
    public var severity: Severity { .warning }
    public var rank: Int { 55 }
    public var summary: String { "The device certificate names a MAC address other than the one that sent it." }
    public var details: String {
        """
        Vendor device certificates carry the device's MAC address in their CN (e.g. CN=00:22:ee:09:00:45). \
        The certificate in this connection names a different MAC than the Ethernet source address of the client \
        in the capture: the certificate was copied from another device, or the capture sees a router's MAC (capture \
        on the device's own segment to tell).
        """
    }
    public func evaluate(_ ctx: RuleContext) -> Finding? {
        guard let chain = ctx.analyzed.clientChain, let certMAC = chain.certificateMAC, let frameMAC = chain.frameMAC,
              certMAC != frameMAC else { return nil }
        let sameVendor = certMAC.oui == frameMAC.oui
        let vendor = frameMAC.vendor.map { " (\($0))" } ?? ""
        return Finding(rule: id, severity: severity, confidence: sameVendor ? .high : .medium,
                       title: "Device certificate is for \(certMAC), sent by \(frameMAC)",
                       explanation: "The client certificate (\(chain.leaf?.subject ?? "")) carries MAC \(certMAC), but the frames came from \(frameMAC)\(vendor). " + (sameVendor
                           ? "Both belong to the same vendor: the certificate was probably copied from another device."
                           : "The sender's MAC is from another vendor: the capture may see a router's or switch's address rather than the device's."),
                       remediation: sameVendor ? "Use the device's own factory certificate (or a certificate issued for this device); a certificate copied from another unit identifies that unit, not this one."
                           : "Capture on the device's own network segment to see its real MAC, then compare again.",
                       frames: [chain.frame], evidence: [Evidence("certificate MAC", certMAC.description, frame: chain.frame), Evidence("Ethernet source MAC", frameMAC.description + vendor, frame: chain.frame)],
                       sideAtFault: .client)
    }
}
