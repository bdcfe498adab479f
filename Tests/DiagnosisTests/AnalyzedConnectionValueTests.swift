import Testing
import WireCore
import TLSWire
@testable import Connections
import Packets
import X509Inspect
@testable import Diagnosis

/// `AnalyzedConnection` keeps the connection and its chains behind one shared reference (so copies are
/// cheap). It must still behave as a value: writing one part of a copy changes that copy only, and
/// keeps the other parts.
@Suite struct AnalyzedConnectionValueTests {
    static func connection(port: UInt16, sni: String) -> Connection {
        let t = Timestamp(seconds: 1_700_000_000, nanoseconds: 0)
        var tls = TLSSummary()
        var hello = ClientHello()
        hello.serverName = sni
        tls.clientHello = Located(hello, frame: 4, firstFrame: 4, time: t)
        return Connection(id: 7, input: 0, firstFrame: 1, lastFrame: 10, startTime: t, endTime: t,
                          client: Endpoint(ip: IPAddress(v4: 0x0a00_0014), port: 50712),
                          server: Endpoint(ip: IPAddress(v4: 0x0a00_0005), port: port),
                          clientMAC: nil, serverMAC: nil, vlanIDs: [], roleBasis: .syn,
                          tcp: TCPSummary(), tls: tls, transcript: [], transcriptTruncated: false, anomalies: [],
                          outcome: .established, established: true, tls13: nil, endReason: "closed")
    }

    static func chain(_ sender: Side, frame: Int) -> ChainReport {
        ChainReport(sender: sender, frame: frame, certificates: [], verdict: ChainVerdict(status: .notChecked),
                    judgedAt: Timestamp(seconds: 0, nanoseconds: 0), hostnameChecked: "h\(frame)", hostnameSource: nil,
                    hostnameMatches: nil, certificateMAC: nil, frameMAC: nil, acceptableCAMatch: nil, acceptableCANames: [])
    }

    @Test func writingACopysConnectionLeavesTheOriginalAndKeepsTheChains() {
        let original = AnalyzedConnection(connection: Self.connection(port: 5061, sni: "a.example"),
                                          serverChain: Self.chain(.server, frame: 6), clientChain: Self.chain(.client, frame: 8),
                                          profile: "algo")
        var copy = original
        copy.connection.server.port = 443
        copy.connection.tls.clientHello?.value.serverName = "b.example"

        #expect(original.connection.server.port == 5061)
        #expect(original.connection.tls.clientHello?.value.serverName == "a.example")
        #expect(copy.connection.server.port == 443)
        #expect(copy.connection.tls.clientHello?.value.serverName == "b.example")
        #expect(copy.serverChain?.frame == 6 && copy.serverChain?.hostnameChecked == "h6")
        #expect(copy.clientChain?.frame == 8)
        #expect(copy.profile == "algo")
    }

    @Test func writingAChainKeepsTheConnectionAndTheOtherChain() {
        var ac = AnalyzedConnection(connection: Self.connection(port: 5061, sni: "a.example"),
                                    serverChain: Self.chain(.server, frame: 6), clientChain: nil)
        let before = ac
        ac.clientChain = Self.chain(.client, frame: 9)
        ac.serverChain?.hostnameChecked = "changed"

        #expect(ac.connection.server.port == 5061)
        #expect(ac.clientChain?.frame == 9)
        #expect(ac.serverChain?.hostnameChecked == "changed")
        #expect(before.clientChain == nil)
        #expect(before.serverChain?.hostnameChecked == "h6")

        ac.serverChain = nil
        #expect(ac.serverChain == nil && ac.clientChain?.frame == 9 && before.serverChain?.frame == 6)
    }

    @Test func highestSeverityIsTheWorstFindingsSeverityInAnyOrder() {
        func finding(_ s: Severity) -> Finding {
            Finding(rule: .handshakeOK, severity: s, confidence: .high, title: "", explanation: "", remediation: "",
                    frames: [], evidence: [])
        }
        var ac = AnalyzedConnection(connection: Self.connection(port: 443, sni: "a.example"))
        #expect(ac.highestSeverity == nil)
        let orders: [[Severity]] = [[.info], [.info, .error, .warning], [.error, .info], [.warning, .info, .warning],
                                    [.info, .info], [.warning, .error]]
        for order in orders {
            ac.findings = order.map(finding)
            #expect(ac.highestSeverity == order.max(), "\(order)")
        }
    }
}
