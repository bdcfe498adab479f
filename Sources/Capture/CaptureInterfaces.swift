import CPcap
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One interface libpcap can capture on (`pcap_findalldevs`), as `tlsdiag interfaces` shows it.
public struct CaptureInterface: Sendable, Hashable {
    public struct Address: Sendable, Hashable, CustomStringConvertible {
        public enum Family: String, Sendable { case ipv4 = "IPv4", ipv6 = "IPv6", link = "MAC" }
        public var family: Family
        public var address: String
        public var prefixLength: Int?
        public var description: String { "\(family.rawValue) \(address)\(prefixLength.map { "/\($0)" } ?? "")" }
    }
    public var name: String
    public var description: String?
    public var addresses: [Address]
    public var isUp: Bool
    public var isRunning: Bool
    public var isLoopback: Bool
    public var isWireless: Bool
    /// "connected", "disconnected", or nil when the OS does not say (or it does not apply).
    public var connection: String?

    public var flagWords: [String] {
        var f: [String] = []
        f.append(isUp ? "up" : "down")
        if isRunning { f.append("running") }
        if isLoopback { f.append("loopback") }
        if isWireless { f.append("wireless") }
        if let c = connection { f.append(c) }
        return f
    }
}

public enum CaptureInterfaces {
    /// Every interface libpcap can open, in libpcap's order (the one `tcpdump -D` shows).
    public static func list() throws(CaptureError) -> [CaptureInterface] {
        var errbuf = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE) + 1)
        var first: UnsafeMutablePointer<pcap_if_t>?
        guard pcap_findalldevs(&first, &errbuf) == 0 else {
            throw CaptureError(.liveCaptureFailed, path: "interfaces", LiveCapture.string(errbuf))
        }
        defer { if let f = first { pcap_freealldevs(f) } }
        var out: [CaptureInterface] = []
        var cursor = first
        while let dev = cursor {
            let d = dev.pointee
            let flags = d.flags
            var addresses: [CaptureInterface.Address] = []
            var a = d.addresses
            while let addr = a {
                if let sa = addr.pointee.addr, let decoded = decode(sa, netmask: addr.pointee.netmask) { addresses.append(decoded) }
                a = addr.pointee.next
            }
            let status = flags & UInt32(PCAP_IF_CONNECTION_STATUS)
            let connection: String?
            switch status {
            case UInt32(PCAP_IF_CONNECTION_STATUS_CONNECTED): connection = "connected"
            case UInt32(PCAP_IF_CONNECTION_STATUS_DISCONNECTED): connection = "disconnected"
            default: connection = nil
            }
            out.append(CaptureInterface(
                name: String(cString: d.name),
                description: d.description.map { String(cString: $0) },
                addresses: addresses,
                isUp: flags & UInt32(PCAP_IF_UP) != 0,
                isRunning: flags & UInt32(PCAP_IF_RUNNING) != 0,
                isLoopback: flags & UInt32(PCAP_IF_LOOPBACK) != 0,
                isWireless: flags & UInt32(PCAP_IF_WIRELESS) != 0,
                connection: connection))
            cursor = d.next
        }
        return out
    }

    static func decode(_ sa: UnsafeMutablePointer<sockaddr>, netmask: UnsafeMutablePointer<sockaddr>?) -> CaptureInterface.Address? {
        switch Int32(sa.pointee.sa_family) {
        case AF_INET, AF_INET6:
            let v6 = Int32(sa.pointee.sa_family) == AF_INET6
            var host = [CChar](repeating: 0, count: Int(NI_MAXHOST))
            let len = socklen_t(v6 ? MemoryLayout<sockaddr_in6>.size : MemoryLayout<sockaddr_in>.size)
            guard getnameinfo(sa, len, &host, socklen_t(host.count), nil, 0, NI_NUMERICHOST) == 0 else { return nil }
            return .init(family: v6 ? .ipv6 : .ipv4, address: LiveCapture.string(host), prefixLength: netmask.flatMap { prefix($0, v6: v6) })
        #if os(Linux)
        case AF_PACKET:
            // struct sockaddr_ll: family(2) protocol(2) ifindex(4) hatype(2) pkttype(1) halen(1) addr[8]
            let raw = UnsafeRawPointer(sa)
            let halen = Int(raw.load(fromByteOffset: 11, as: UInt8.self))
            guard halen > 0 && halen <= 8 else { return nil }
            let bytes = (0..<halen).map { raw.load(fromByteOffset: 12 + $0, as: UInt8.self) }
            if bytes.allSatisfy({ $0 == 0 }) { return nil }
            return .init(family: .link, address: bytes.map { b in
                let h = String(b, radix: 16); return h.count == 1 ? "0" + h : h
            }.joined(separator: ":"), prefixLength: nil)
        #endif
        default:
            return nil
        }
    }

    static func prefix(_ mask: UnsafeMutablePointer<sockaddr>, v6: Bool) -> Int? {
        guard Int32(mask.pointee.sa_family) == (v6 ? AF_INET6 : AF_INET) || mask.pointee.sa_family == 0 else { return nil }
        let raw = UnsafeRawPointer(mask)
        let (offset, count) = v6 ? (8, 16) : (4, 4)   // sin6_addr / sin_addr
        var bits = 0
        for i in 0..<count { bits += raw.load(fromByteOffset: offset + i, as: UInt8.self).nonzeroBitCount }
        return bits
    }
}
