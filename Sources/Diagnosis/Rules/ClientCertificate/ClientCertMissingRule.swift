import WireCore
import X509Inspect
import TLSWire
import Connections

/// CLIENT-CERT-MISSING: the server asked for a client certificate and the device sent none.
public struct ClientCertMissingRule: DiagnosisRule {
    public init() {}
    public var id: RuleID { .clientCertMissing }
    public var severity: Severity { .error }
    public var rank: Int { 14 }
    public var summary: String { "The server required a client certificate (mutual TLS) and the device sent none." }
    public var details: String {
        """
        The server sent CertificateRequest and the client answered with an empty Certificate message (TLS ≤ 1.2), \
        or, in TLS 1.3, an encrypted record the size of an empty Certificate; the server then aborted \
        (handshake_failure, certificate_required). Either the device has no client certificate (devices made \
        before factory certificates existed; no custom certificate installed) or none of its certificates chains \
        to a CA in the server's acceptable-CA list, which the finding lists.
        """
    }
    /// Acceptable-CA names by their DER: without a client chain (the usual case here), the certificate
    /// stage has not rendered them, and OpenSSL takes ~70 K instructions per name; a capture repeats a few.
    let caNames = TextMemo<[UInt8], String?>(limit: 1_000)

    func caName(_ der: [UInt8]) -> String? { caNames.value(for: der, make: DNText.render) }

    public func evaluate(_ ctx: RuleContext) -> Finding? {
        // The summary is read in place (a local copy of it retained every array in it, for every connection).
        var frames: [Int] = []
        var evidence: [Evidence] = []
        var confidence: Confidence = .high
        var how = ""
        if let cc = ctx.tls.clientCertificate, cc.value.isEmpty, let cr = ctx.tls.certificateRequest {
            frames = [cr.frame, cc.frame]
            evidence.append(Evidence("CertificateRequest", "from the server", frame: cr.frame))
            evidence.append(Evidence("client Certificate", "empty (no certificate)", frame: cc.frame))
            how = Text.write("answered the server's CertificateRequest (frame \(cr.frame)) with an empty Certificate message (frame \(cc.frame))")
        } else if let a = ctx.handshakeAlert(from: .server), a.description == .certificateRequired {
            frames = [a.frame]
            how = Text.write("sent no certificate: the server says certificate_required (frame \(a.frame))")
        } else if let inf = ctx.connection.tls13, inf.clientFlight == .emptyCertificate, let f = inf.clientFlightFrame {
            frames = [f]
            confidence = .medium
            how = Text.write("sent, in TLS 1.3, an encrypted record of 25 bytes (frame \(f)) — the size of an empty Certificate message — so it most likely had no certificate to offer")
            evidence.append(Evidence("client's first encrypted record", "25 bytes: empty Certificate (4-byte header + 4 bytes) + content type + 16-byte tag", frame: f))
        } else {
            return nil
        }
        let rejectedBy = ctx.handshakeAlert(from: .server)
        if let a = rejectedBy { frames.append(a.frame); evidence.append(ctx.alertEvidence(a)) }
        else if let f = ctx.connection.tls13?.serverAlertAfterClientFlight { frames.append(f); evidence.append(Evidence("server abort", "19-byte encrypted record (an alert)", frame: f)) }
        let failed = !ctx.connection.established
        let cas = ctx.analyzed.clientChain?.acceptableCANames ?? ctx.tls.certificateRequest.map { $0.value.certificateAuthorities.compactMap(caName) } ?? []
        if !cas.isEmpty { evidence.append(Evidence("server accepts certificates from", cas.joined(separator: "; "))) }
        var explanation = Text.write("\(ctx.serverCapitalized) requires a client certificate (mutual TLS), and \(ctx.device) \(how).")
        explanation += failed ? " The server then refused the connection." : " The server accepted the connection anyway (client certificates are optional there)."
        explanation += cas.isEmpty ? " The server's request named no particular CA." : " The server accepts certificates issued by: \(cas.joined(separator: "; ")). A device certificate from another CA is not offered."
        return Finding(rule: id, severity: failed ? .error : .info, confidence: confidence,
                       title: "No client certificate sent, though the server asked for one",
                       explanation: explanation,
                       remediation: ctx.remediation(id, generic: "Install a client certificate on the device, issued by a CA the server accepts" + (cas.isEmpty ? "" : " (\(cas.joined(separator: "; ")))") + "; or, if the device has a factory certificate, install its vendor's CA chain on the server and add it to the server's acceptable CAs."),
                       frames: frames, evidence: evidence, sideAtFault: .client)
    }
}

/// Renders a DER distinguished name through the certificate stage.
enum DNText {
    static func render(_ der: [UInt8]) -> String? { DistinguishedName.rfc4514(der: der) }
}
