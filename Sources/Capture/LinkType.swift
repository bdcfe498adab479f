/// A libpcap link-layer type (DLT/LINKTYPE value). Open: unknown values are kept and named by number.
public struct LinkType: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    public var rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }

    public static let null = LinkType(rawValue: 0)          // BSD loopback: 4-byte host-order AF
    public static let ethernet = LinkType(rawValue: 1)      // EN10MB
    public static let raw = LinkType(rawValue: 12)          // DLT_RAW on Linux/most BSDs
    public static let rawOpenBSD = LinkType(rawValue: 14)   // DLT_RAW on OpenBSD
    public static let loop = LinkType(rawValue: 108)        // OpenBSD loopback: 4-byte network-order AF
    public static let linuxSLL = LinkType(rawValue: 113)
    public static let linkTypeRaw = LinkType(rawValue: 101) // LINKTYPE_RAW in files
    public static let ipv4 = LinkType(rawValue: 228)
    public static let ipv6 = LinkType(rawValue: 229)
    public static let linuxSLL2 = LinkType(rawValue: 276)

    /// The names tcpdump prints (`pcap_datalink_val_to_name`), used in the JSON `link_types`.
    public var description: String {
        switch rawValue {
        case 0: return "NULL"
        case 1: return "EN10MB"
        case 12: return "RAW"
        case 14: return "RAW"
        case 101: return "RAW"
        case 108: return "LOOP"
        case 113: return "LINUX_SLL"
        case 228: return "IPV4"
        case 229: return "IPV6"
        case 276: return "LINUX_SLL2"
        default: return "DLT_\(rawValue)"
        }
    }

    public var isSupported: Bool {
        [0, 1, 12, 14, 101, 108, 113, 228, 229, 276].contains(rawValue)
    }
}
