import Foundation
import WireCore
import Packets
import TLSWire
@testable import Connections
import X509Inspect
@testable import Diagnosis
import Pipeline
import Reports

/// Fixture captures analysed in-process, and renderers run into strings.
enum Fixtures {
    static let repo: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static func capture(_ name: String) -> String { repo.appendingPathComponent("captures/" + name).path }
    static func exists(_ name: String) -> Bool { FileManager.default.fileExists(atPath: capture(name)) }
    static let cache = CertificateCache()

    static func analyze(_ name: String) -> (connections: [AnalyzedConnection], input: InputResult) {
        let trust = TrustConfiguration(clientTrust: TrustStore.system(), clientTrustExplicit: false, serverTrust: nil)
        let analysis = CaptureAnalysis(options: AnalysisOptions(trust: trust, profiles: VendorProfiles.builtIn()), cache: cache)
        var out: [AnalyzedConnection] = []
        let input = analysis.run(path: capture(name), input: 0, onConnection: { out.append($0) })
        return (out, input)
    }
}

enum Render {
    static let formats = ["text", "json", "jsonl", "markdown", "html"]

    /// Renders connections through `ReportFactory` (the CLI's path, including the redaction wrapper)
    /// into a temporary file and returns its contents.
    static func run(_ format: String, _ connections: [AnalyzedConnection], inputs: [InputResult] = [],
                    redact: Bool = false, color: Bool = false) -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("tlsdiag-reports-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        do {
            guard let sink = OutputSink(path: path) else { return "" }
            let r = ReportFactory.make(format: format, out: sink, color: color, redact: redact)
            r.begin()
            for ac in connections { r.connection(ac) }
            r.finish(inputs: inputs)
            sink.flush()
        }
        return (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
    }

    static func capture(_ name: String, _ format: String, redact: Bool = false) -> String {
        let (conns, input) = Fixtures.analyze(name)
        return run(format, conns, inputs: [input], redact: redact)
    }
}

/// A connection built by hand whose SNI and certificate names are hostile: HTML/script, Markdown
/// table and emphasis syntax, an ANSI colour escape and an OSC title sequence.
enum Hostile {
    static let script = "<script>alert(1)</script>"
    static let markdown = "|**x**|"
    static let ansi = "\u{1b}[31m"
    static let name = script + markdown + ansi + "evil.example.com"

    static func connection() -> AnalyzedConnection {
        var tls = TLSSummary()
        tls.sawTLS = true
        var ch = ClientHello()
        ch.serverName = name
        ch.serverNames = [name]
        let t0 = Timestamp(seconds: 1_790_000_000, nanoseconds: 0)
        tls.clientHello = Located(ch, frame: 4, firstFrame: 4, time: t0)
        var sh = ServerHello()
        sh.cipherSuite = CipherSuite(rawValue: 0xc030)
        tls.serverHello = Located(sh, frame: 6, firstFrame: 6, time: t0)
        tls.alerts = [AlertRecord(frame: 9, time: t0, sender: .client, level: .fatal, description: AlertDescription(rawValue: 48),
                                  encrypted: false, recordLength: 2, inferred: false, after: "ServerHelloDone " + name, duringHandshake: true)]
        let client = Endpoint(ip: IPAddress(v4: 0x0a00_0014), port: 50712)
        let server = Endpoint(ip: IPAddress(v4: 0x0a00_0005), port: 5061)
        let transcript = [
            TranscriptEntry(frame: 1, time: t0, sender: .client, event: .syn),
            TranscriptEntry(frame: 4, time: t0, sender: .client, event: .handshake(.clientHello, length: 200)),
            TranscriptEntry(frame: 6, time: t0, sender: .server, event: .handshake(.serverHello, length: 80)),
            TranscriptEntry(frame: 9, time: t0, sender: .client, event: .alert(level: .fatal, description: AlertDescription(rawValue: 48))),
            TranscriptEntry(frame: 10, time: t0, sender: .client, event: .rst),
        ]
        let conn = Connection(id: 1, input: 0, firstFrame: 1, lastFrame: 10, startTime: t0, endTime: t0,
                              client: client, server: server, clientMAC: EthernetAddress(value: 0x0022_ee09_0045),
                              serverMAC: EthernetAddress(value: 0x0050_5600_0002), vlanIDs: [], roleBasis: .syn,
                              tcp: TCPSummary(), tls: tls, transcript: transcript, transcriptTruncated: false,
                              anomalies: [Anomaly(.malformedHandshake, frame: 6, "odd name " + name)],
                              outcome: .rejectedByClient, established: false, tls13: nil, endReason: "closed")
        let cert = CertificateSummary(der: [0x30, 0x00], sha256: String(repeating: "ab", count: 32), sha1: String(repeating: "cd", count: 20),
                                      subject: "CN=" + name + ",O=Evil " + markdown, issuer: "CN=" + script + " CA",
                                      subjectCommonName: name, issuerCommonName: script + " CA", serial: "0a1b2c3d4e5f",
                                      notBefore: Timestamp(seconds: 1_700_000_000, nanoseconds: 0),
                                      notAfter: Timestamp(seconds: 1_900_000_000, nanoseconds: 0),
                                      subjectAltNames: [.dns(name), .dns("sip.customer-site.com"), .ip("10.0.0.5"), .uri("javascript:alert(1)")])
        let chain = ChainReport(sender: .server, frame: 6, certificates: [SentCertificate(der: [0x30, 0x00], summary: cert, decodeError: nil)],
                                verdict: ChainVerdict(status: .untrusted, storeLabel: "system store", issues: [
                                    ChainIssue(kind: .untrustedRoot, certificateIndex: 0, detail: "issuer " + script + " CA is not trusted")],
                                    opensslErrorText: "unable to get local issuer certificate"),
                                judgedAt: t0, hostnameChecked: name, hostnameSource: "SNI", hostnameMatches: true,
                                certificateMAC: nil, frameMAC: nil, acceptableCAMatch: nil, acceptableCANames: [])
        var f = Finding(rule: .serverCertRejected, severity: .error, confidence: .high,
                        title: "The device rejected the certificate of " + name,
                        explanation: "The device 10.0.0.20 (00:22:ee:09:00:45) sent unknown_ca for " + name + " (serial 0a1b2c3d4e5f).",
                        remediation: "Upload the CA " + script + " CA to the device.", frames: [6, 9],
                        evidence: [Evidence("server certificate [0]", "CN=" + name, frame: 6), Evidence("alert", "fatal unknown_ca", frame: 9)],
                        sideAtFault: .client)
        f.confidenceNote = "note about " + name
        return AnalyzedConnection(connection: conn, serverChain: chain, clientChain: nil, profile: nil, findings: [f])
    }
}

extension String {
    func count(of needle: String) -> Int {
        var n = 0
        var rest = self[...]
        while let r = rest.range(of: needle) { n += 1; rest = rest[r.upperBound...] }
        return n
    }
}
