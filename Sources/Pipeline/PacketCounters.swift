import WireCore
import Packets
import Reports

extension PacketCounters {
    mutating func count(_ other: NonTCPFrame, frame: Int) {
        switch other {
        case .udp(let s, let d, _):
            udpDatagrams += 1
            let port = min(s.port, d.port)
            if udpPorts[port] != nil || udpPorts.count < 64 { udpPorts[port, default: 0] += 1 }
        case .ipFragment(let s, let d, let proto, _):
            ipFragments += 1
            if fragmentExamples.count < 8 {
                fragmentExamples.append(Anomaly(.ipFragment, frame: frame,
                    "IP fragment \(s) → \(d) (protocol \(proto))"))
            }
        case .otherIP:
            otherIP += 1
        case .nonIP:
            nonIP += 1
        case .malformed(let kind, let detail):
            malformed += 1
            if malformedExamples.count < 8 { malformedExamples.append(Anomaly(kind, frame: frame, detail)) }
        }
    }

}
