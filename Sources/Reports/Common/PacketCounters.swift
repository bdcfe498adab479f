import WireCore

/// What an input held besides the TCP connections we follow: for "no TLS at all — here is what was there".
public struct PacketCounters: Sendable {
    public var frames = 0
    public var tcpSegments = 0
    public var udpDatagrams = 0
    public var ipFragments = 0
    /// IPv4 packets rebuilt from fragments (and then analysed like any other).
    public var reassembledIPPackets = 0
    public var otherIP = 0
    public var nonIP = 0
    public var malformed = 0
    public var snaplenTruncatedFrames = 0
    /// UDP traffic by the lower port of each datagram (bounded table).
    public var udpPorts: [UInt16: Int] = [:]
    /// TCP ports of connections that carried no TLS.
    public var malformedExamples: [Anomaly] = []
    public var fragmentExamples: [Anomaly] = []
    public init() {}

    /// A sentence on what the input contained, for CAPTURE-NO-TLS.
    public var description: String {
        var parts: [String] = []
        if tcpSegments > 0 { parts.append("\(tcpSegments) TCP segments") }
        if udpDatagrams > 0 {
            let top = udpPorts.sorted { $0.value > $1.value }.prefix(4).map { port, n in
                "\(n) on port \(port)\(Self.wellKnown[port].map { " (\($0))" } ?? "")"
            }
            parts.append("\(udpDatagrams) UDP datagrams (\(top.joined(separator: ", ")))")
        }
        if ipFragments > 0 { parts.append("\(ipFragments) IP fragments") }
        if otherIP > 0 { parts.append("\(otherIP) other IP packets (ICMP etc.)") }
        if nonIP > 0 { parts.append("\(nonIP) non-IP frames (ARP, LLDP, STP …)") }
        if malformed > 0 { parts.append("\(malformed) undecodable frames") }
        return parts.isEmpty ? "nothing" : parts.joined(separator: ", ")
    }

    static let wellKnown: [UInt16: String] = [53: "DNS", 67: "DHCP", 68: "DHCP", 69: "TFTP", 123: "NTP", 161: "SNMP",
                                              443: "QUIC/DTLS?", 514: "syslog", 1900: "SSDP", 5060: "SIP", 5061: "SIP-TLS/DTLS?",
                                              5353: "mDNS", 5004: "RTP", 3478: "STUN"]
}
