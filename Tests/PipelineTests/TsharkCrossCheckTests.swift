import Testing
import Foundation
import Connections
import TLSWire

/// Our decoding of each committed capture agrees with tshark's reading of the same file, which the
/// capture scripts saved in captures/tshark/NAME.txt (tshark 4.0, no keys): every plaintext handshake
/// message and alert at the same frame, and the ClientHello's cipher suites and SNI.
struct TsharkCrossCheckTests {
    struct Row { var frame: Int; var fields: [String: String] }

    static func dump(_ name: String) -> [Row]? {
        let base = (name as NSString).deletingPathExtension
        let path = Fixtures.repo.appendingPathComponent("captures/tshark/\(base).txt").path
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard !lines.isEmpty else { return nil }
        let header = lines.removeFirst().split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
        return lines.compactMap { line in
            let cols = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard let f = cols.first.flatMap({ Int($0) }) else { return nil }
            var d: [String: String] = [:]
            for (i, h) in header.enumerated() where i < cols.count { d[h] = cols[i] }
            return Row(frame: f, fields: d)
        }
    }

    static var captures: [String] {
        let dir = Fixtures.repo.appendingPathComponent("captures").path
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
        return names.filter { $0.hasSuffix(".pcap") }.filter { dump($0) != nil }.sorted()
    }

    @Test(arguments: captures)
    func handshakeMessagesAndAlertsMatchTshark(_ name: String) throws {
        let rows = try #require(Self.dump(name))
        let result = try Fixtures.analyze(name)
        // tshark's view: frame -> handshake types (multiset), frame -> alert descriptions.
        var theirs: [Int: [Int]] = [:]
        var theirAlerts: [Int: [Int]] = [:]
        for r in rows {
            if let t = r.fields["tls.handshake.type"], !t.isEmpty {
                theirs[r.frame, default: []] += t.split(separator: ",").compactMap { Int($0) }
            }
            if let a = r.fields["tls.alert_message.desc"], !a.isEmpty {
                theirAlerts[r.frame, default: []] += a.split(separator: ",").compactMap { Int($0) }
            }
        }
        var ours: [Int: [Int]] = [:]
        var ourAlerts: [Int: [Int]] = [:]
        for c in result.connections {
            for e in c.connection.transcript {
                switch e.event {
                case .handshake(let t, _): ours[e.frame, default: []].append(Int(t.rawValue))
                case .helloRetryRequest: ours[e.frame, default: []].append(2)
                case .alert(_, let d): ourAlerts[e.frame, default: []].append(Int(d.rawValue))
                default: break
                }
            }
        }
        if let why = Self.tsharkSeesLess[name] {
            // We read more than tshark here (\(why)): everything tshark decoded, we decoded too.
            for (frame, types) in theirs { #expect(Set(types).isSubset(of: Set(ours[frame] ?? [])), "\(name) frame \(frame): \(why)") }
        } else if let why = Self.weSeeLess[name] {
            for (frame, types) in ours { #expect(Set(types).isSubset(of: Set(theirs[frame] ?? [])), "\(name) frame \(frame): \(why)") }
        } else {
            #expect(ours.mapValues { $0.sorted() } == theirs.mapValues { $0.sorted() }, "\(name): handshake messages by frame")
        }
        #expect(ourAlerts.mapValues { $0.sorted() } == theirAlerts.mapValues { $0.sorted() }, "\(name): alerts by frame")

        // ClientHello details.
        for r in rows where r.fields["tls.handshake.type"]?.split(separator: ",").first == "1" {
            let hellos = result.connections.flatMap { [$0.connection.tls.clientHello, $0.connection.tls.retryClientHello].compactMap { $0 } }
            guard let ch = hellos.first(where: { $0.frame == r.frame })?.value else {
                if Self.weSeeLess[name] == nil { Issue.record("\(name): no ClientHello decoded at frame \(r.frame)") }
                continue
            }
            if let suites = r.fields["tls.handshake.ciphersuite"], !suites.isEmpty, !suites.contains(";") {
                let theirSuites = suites.split(separator: ",").map { String($0).lowercased() }
                let ourSuites = ch.cipherSuites.map { String(format: "0x%04x", $0.rawValue) }
                if theirSuites.count == ourSuites.count { #expect(ourSuites == theirSuites, "\(name) frame \(r.frame) cipher suites") }
            }
            if let sni = r.fields["tls.handshake.extensions_server_name"], !sni.isEmpty {
                #expect(ch.serverName == sni, "\(name) SNI")
            }
        }
    }

    /// Captures where tshark stops and we go on: after a capture gap we resynchronise on the next record;
    /// we recognise TLS by content on any port; tshark drops messages that a snaplen cut made incomplete.
    static let tsharkSeesLess: [String: String] = [
        "gap_in_server_flight.pcap": "tshark stops reassembling at the gap; we resynchronise",
        "snaplen_truncated.pcap": "tshark discards the segment the snaplen cut; we decode the whole messages before the cut",
        "tls_to_plaintext_port.pcap": "tshark decodes port 5060 as SIP and 80 as HTTP; we recognise TLS by content",
    ]
    /// Captures where tshark sees more than we do (none at present; IPv4 fragments are reassembled).
    static let weSeeLess: [String: String] = [:]

    @Test func everyCommittedCaptureIsCrossChecked() {
        #expect(Self.captures.count >= 40)
    }
}
