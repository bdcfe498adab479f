import WireCore
import Packets
import Connections
import X509Inspect
import Diagnosis

/// What the human-readable reports say about one connection in a list: a few words each, computed
/// once so the terminal, Markdown and HTML reports agree. Strings are raw (capture-derived parts
/// unescaped): each renderer escapes them for its format.
public struct ConnectionDigest: Sendable {
    public enum Status: String, Sendable, Comparable {
        case ok, warning, inconclusive, failed
        var rank: Int { switch self { case .ok: 0; case .inconclusive: 1; case .warning: 2; case .failed: 3 } }
        public static func < (a: Status, b: Status) -> Bool { a.rank < b.rank }
    }

    public var id: Int
    public var client: String
    public var server: String
    public var serverHost: String
    public var clientIP: String
    public var clientMAC: String?
    public var vendor: String?
    public var service: String
    public var sni: String?
    public var version: String?
    public var cipher: String?
    public var outcome: Outcome
    public var status: Status
    /// Root-cause rule and title (the first finding), if any.
    public var rootRule: String?
    public var rootTitle: String?
    public var firstFrame: Int

    public init(_ ac: AnalyzedConnection, id: Int) {
        let c = ac.connection
        self.id = id
        client = c.client.description
        server = c.server.description
        serverHost = c.server.ip.description
        clientIP = c.client.ip.description
        let mac = c.clientMAC.flatMap { $0.isZero ? nil : $0 }
        clientMAC = mac?.description
        vendor = mac.flatMap { OUITable.vendor(forOUI: String($0.description.prefix(8))) }
        service = ServiceName.of(c)
        sni = c.tls.serverName
        version = c.tls.version?.description
        cipher = c.tls.cipher?.description
        outcome = c.outcome
        status = Self.status(ac)
        // The finding a reader should see first: the root cause, or for an established connection with
        // warnings the first warning (the root cause there may be HANDSHAKE-OK).
        let lead = status == .warning ? (ac.findings.first { $0.severity >= .warning } ?? ac.rootCause) : ac.rootCause
        rootRule = lead?.rule.rawValue
        rootTitle = lead?.title
        firstFrame = c.firstFrame
    }

    public static func status(_ ac: AnalyzedConnection) -> Status {
        let c = ac.connection
        let worst = ac.highestSeverity
        // Plain non-TLS traffic (HTTP to port 80) with nothing wrong found is not a failed handshake.
        if c.outcome == .notTLS && (worst ?? .info) < .warning { return .inconclusive }
        if c.outcome.isFailure { return .failed }
        if c.outcome == .established { return (worst ?? .info) >= .warning ? .warning : .ok }
        if worst == .error { return .failed }
        return (worst ?? .info) >= .warning ? .warning : .inconclusive
    }

    /// "rejected by the server", "established", "reset" …: the outcome in words.
    public static func outcomeWords(_ o: Outcome) -> String {
        switch o {
        case .established: return "established"
        case .rejectedByClient: return "rejected by the client"
        case .rejectedByServer: return "rejected by the server"
        case .noServerHello: return "no ServerHello"
        case .reset: return "reset"
        case .closedByClient: return "closed by the client"
        case .closedByServer: return "closed by the server"
        case .incomplete: return "incomplete"
        case .notTLS: return "not TLS"
        case .tcpRefused: return "refused (TCP RST)"
        case .tcpNoAnswer: return "SYN not answered"
        case .noData: return "no data"
        case .handshakeNotCaptured: return "handshake not captured"
        default: return o.rawValue.replacingUnderscores()
        }
    }
}

extension String {
    func replacingUnderscores() -> String { String(map { $0 == "_" ? " " : $0 }) }
}

/// A name for what a connection was for, from the server port and what was seen on the wire.
public enum ServiceName {
    static let byPort: [UInt16: String] = [
        5061: "SIP over TLS", 5060: "SIP over TCP", 443: "HTTPS", 8443: "HTTPS", 80: "HTTP", 8080: "HTTP",
        636: "LDAPS", 389: "LDAP", 993: "IMAPS", 995: "POP3S", 465: "SMTPS", 587: "SMTP", 25: "SMTP",
        990: "FTPS", 21: "FTP", 853: "DNS over TLS", 6514: "syslog over TLS", 8883: "MQTT over TLS", 1883: "MQTT",
        5223: "XMPP over TLS", 5222: "XMPP", 3389: "RDP", 22: "SSH",
    ]

    public static func of(_ c: Connection) -> String {
        if let name = byPort[c.server.port] { return name }
        if c.tls.sawTLS { return "TLS on port \(c.server.port)" }
        if let p = (c.tls.clientPlaintext ?? c.tls.serverPlaintext).flatMap({ PlaintextProtocol.guess($0.value) }) {
            return "\(p) on port \(c.server.port)"
        }
        return "TCP port \(c.server.port)"
    }
}

/// The connections of one device (client IP and MAC) and a one-line verdict for it.
public struct DeviceSummary: Sendable {
    public var ip: String
    public var mac: String?
    public var vendor: String?
    public var connections: [ConnectionDigest]
    public var status: ConnectionDigest.Status { connections.map(\.status).max() ?? .ok }

    /// What the device tried, grouped by service and server, each with its result: the verdict parts.
    public struct Part: Sendable {
        public var service: String
        public var server: String
        public var status: ConnectionDigest.Status
        public var total: Int
        public var failed: Int
        /// The root cause of the failures (the most frequent one), raw.
        public var cause: String?
        public var causeRule: String?
        public var otherCauses: Int
        public var otherRules: [String]
        public var outcome: String
        /// "SIP over TLS to 10.0.0.5:5061"
        public var subject: String { "\(service) to \(server)" }
        /// "rejected by the server (3 of 3): <title>" / "OK (2)" …
        public var result: String {
            let count = total == 1 ? "" : (failed == total || failed == 0 ? " (\(total) connections)" : " (\(failed) of \(total))")
            switch status {
            case .ok: return "OK" + count
            case .warning:
                return "OK with warnings" + count + (cause.map { ": " + $0 } ?? "")
            case .inconclusive:
                return outcome + count + (cause.map { ": " + $0 } ?? "")
            case .failed:
                // "rejected by the server (3 of 3)", "failed (not TLS)".
                let how = ["rejected", "closed", "reset", "refused"].contains { outcome.hasPrefix($0) } ? outcome : "failed (\(outcome))"
                var s = how + count + (cause.map { ": " + $0 } ?? "")
                if otherCauses > 0 {
                    s += "; other cause\(otherCauses == 1 ? "" : "s"): " + (otherRules.isEmpty ? "\(otherCauses)" : otherRules.joined(separator: ", "))
                }
                return s
            }
        }
        public var line: String { subject + " " + result }
    }

    public var parts: [Part] {
        var order: [String] = []
        var groups: [String: [ConnectionDigest]] = [:]
        for d in connections {
            let key = d.service + "\u{0}" + d.server
            if groups[key] == nil { order.append(key) }
            groups[key, default: []].append(d)
        }
        return order.map { key in
            let list = groups[key]!   // key taken from the same dictionary
            let worst = list.map(\.status).max() ?? .ok
            let bad = list.filter { $0.status == worst }
            // Causes in order of frequency, first seen first on ties.
            var causeOrder: [String] = []
            var causes: [String: (count: Int, rule: String?)] = [:]
            for d in bad {
                guard let t = d.rootTitle else { continue }
                if causes[t] == nil { causeOrder.append(t); causes[t] = (0, d.rootRule) }
                causes[t]!.count += 1   // set just above
            }
            let ranked = causeOrder.enumerated().sorted { a, b in
                causes[a.element]!.count != causes[b.element]!.count ? causes[a.element]!.count > causes[b.element]!.count : a.offset < b.offset
            }.map(\.element)
            let outcomes = Dictionary(grouping: bad, by: \.outcome.rawValue)
            let outcome = outcomes.max { $0.value.count < $1.value.count || ($0.value.count == $1.value.count && $0.key > $1.key) }?
                .value.first.map { Self.outcomeWords($0.outcome) } ?? ""
            return Part(service: list[0].service, server: list[0].server, status: worst,
                        total: list.count, failed: list.filter { $0.status == .failed }.count,
                        cause: worst == .ok ? nil : ranked.first, causeRule: worst == .ok ? nil : ranked.first.flatMap { causes[$0]?.rule },
                        otherCauses: max(0, ranked.count - 1),
                        otherRules: worst == .ok ? [] : ranked.dropFirst().compactMap { causes[$0]?.rule },
                        outcome: outcome)
        }
    }

    /// Outcome words from the device's point of view (the device is the TLS client).
    static func outcomeWords(_ o: Outcome) -> String {
        switch o {
        case .rejectedByClient: return "rejected by the device"
        case .closedByClient: return "closed by the device"
        default: return ConnectionDigest.outcomeWords(o)
        }
    }

    /// One line: "SIP over TLS to 10.0.0.5:5061 rejected by the server: …; HTTPS to 10.0.0.5:443 OK".
    public var verdict: String {
        let p = parts.sorted { $0.status > $1.status }
        return p.map(\.line).joined(separator: "; ")
    }

    /// "10.0.0.20 (00:22:ee:09:00:45, Algo Communication Products)"
    public var label: String {
        var extra: [String] = []
        if let mac { extra.append(mac) }
        if let vendor { extra.append(vendor) }
        return extra.isEmpty ? ip : "\(ip) (\(extra.joined(separator: ", ")))"
    }
}

/// Collects connection digests as they arrive and groups them by device (client IP + MAC).
public struct DeviceGrouper: Sendable {
    private var index: [String: Int] = [:]
    public private(set) var devices: [DeviceSummary] = []
    /// Bound on connections kept per device (the counts stay exact through `DeviceSummary.parts` only up to it).
    public var limitPerDevice = 100_000
    /// Bound on devices listed: a SYN flood from a million sources made a million devices (1.8 GB for the
    /// terminal report). Connections of further devices are only counted, in `unlistedConnections`.
    public var maxDevices = 2_000
    public private(set) var unlistedConnections = 0

    public init() {}

    public mutating func add(_ d: ConnectionDigest) {
        let key = d.clientIP + "|" + (d.clientMAC ?? "")
        if let i = index[key] {
            if devices[i].connections.count < limitPerDevice { devices[i].connections.append(d) }
        } else if devices.count >= maxDevices {
            unlistedConnections += 1
        } else {
            index[key] = devices.count
            devices.append(DeviceSummary(ip: d.clientIP, mac: d.clientMAC, vendor: d.vendor, connections: [d]))
        }
    }

    /// Devices with failures first, then in the order they were first seen.
    public var ordered: [DeviceSummary] {
        devices.enumerated().sorted { a, b in
            a.element.status != b.element.status ? a.element.status > b.element.status : a.offset < b.offset
        }.map(\.element)
    }

    /// The line a report ends its device list with when devices were left out, or nil.
    public var unlistedNote: String? {
        unlistedConnections == 0 ? nil
            : "… \(unlistedConnections) more connection\(unlistedConnections == 1 ? "" : "s") from further devices not grouped (only the first \(maxDevices) devices are listed; --format json has every connection)"
    }
}

/// Counts for a report header.
public struct OutcomeCounts: Sendable {
    public var total = 0
    public var ok = 0
    public var warning = 0
    public var failed = 0
    public var inconclusive = 0
    public init() {}
    public mutating func add(_ s: ConnectionDigest.Status) {
        total += 1
        switch s { case .ok: ok += 1; case .warning: warning += 1; case .failed: failed += 1; case .inconclusive: inconclusive += 1 }
    }
    /// "13 connections: 3 OK, 10 failed"
    public var sentence: String {
        var parts: [String] = []
        if failed > 0 { parts.append("\(failed) failed") }
        if warning > 0 { parts.append("\(warning) with warnings") }
        if inconclusive > 0 { parts.append("\(inconclusive) inconclusive") }
        if ok > 0 { parts.append("\(ok) OK") }
        return "\(total) connection\(total == 1 ? "" : "s")" + (parts.isEmpty ? "" : ": " + parts.joined(separator: ", "))
    }
}
