import WireCore

/// A 48-bit Ethernet address.
public struct MACAddress: Sendable, Hashable, CustomStringConvertible {
    public let bytes: [UInt8]

    /// Accepts `0022ee090045`, `00:22:ee:09:00:45`, `00-22-EE-09-00-45`, `0022.ee09.0045` (any case, surrounding spaces ignored).
    public init?(_ text: String) {
        let t = Array(text.utf8).drop { $0 == 0x20 }.reversed().drop { $0 == 0x20 }.reversed()
        guard let parsed = MACText.parseExact(Array(t)) else { return nil }
        self.bytes = parsed
    }

    /// Takes the first 6 bytes, padding with zeros when there are fewer.
    public init(bytes: [UInt8]) {
        var b = Array(bytes.prefix(6))
        while b.count < 6 { b.append(0) }
        self.bytes = b
    }

    /// "00:22:ee:09:00:45"
    public var description: String { Hex.encodeMAC(bytes, count: 6) }
    /// "00:22:ee"
    public var oui: String { Hex.encodeMAC(bytes, count: 3) }
    /// From `OUITable`.
    public var vendor: String? { OUITable.vendor(forOUI: oui) }
    /// Locally administered (bit 1 of the first byte): not from a vendor's block (VMs, randomised Wi-Fi addresses).
    public var isLocallyAdministered: Bool { bytes[0] & 0x02 != 0 }
    public var isMulticast: Bool { bytes[0] & 0x01 != 0 }
}

private extension Hex {
    static func encodeMAC(_ b: [UInt8], count: Int) -> String { encode(b.prefix(count), separator: ":") }
}

public enum DeviceIdentity {
    /// A MAC address carried in the certificate's CN or any SAN (vendor device certificates put it there):
    /// `CN=00:22:ee:09:00:45`, `CN=0022EE090045`, `CN=SEP0022EE090045`, `DNS:algo-0022ee090045.local`, ….
    /// The CN is searched first, then the SANs in order.
    public static func macAddress(in cert: CertificateSummary) -> MACAddress? {
        macAddresses(in: cert).first
    }

    /// Every distinct MAC address found, CN first.
    public static func macAddresses(in cert: CertificateSummary) -> [MACAddress] {
        var texts: [String] = []
        if let cn = cert.subjectCommonName { texts.append(cn) }
        for san in cert.subjectAltNames {
            switch san {
            case .dns(let v), .uri(let v), .email(let v), .other(let v): texts.append(v)
            case .ip: continue
            }
        }
        var out: [MACAddress] = []
        for text in texts {
            for mac in MACText.find(in: Array(text.utf8)) where !out.contains(mac) { out.append(mac) }
        }
        return out
    }

    /// MAC addresses inside arbitrary text (same patterns as `macAddress(in:)`).
    public static func macAddresses(inText text: String) -> [MACAddress] { MACText.find(in: Array(text.utf8)) }
}

enum MACText {
    static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x30...0x39: c - 0x30
        case 0x41...0x46: c - 0x41 + 10
        case 0x61...0x66: c - 0x61 + 10
        default: nil
        }
    }

    static func isHex(_ c: UInt8) -> Bool { hexValue(c) != nil }

    /// The whole of `t` is one MAC address in a supported format.
    static func parseExact(_ t: [UInt8]) -> [UInt8]? {
        guard let (bytes, length) = match(t, at: 0), length == t.count else { return nil }
        return bytes
    }

    /// Longest supported MAC format starting at `i`: (bytes, characters used).
    static func match(_ t: [UInt8], at i: Int) -> ([UInt8], Int)? {
        func pair(_ k: Int) -> UInt8? {
            guard k + 1 < t.count, let a = hexValue(t[k]), let b = hexValue(t[k + 1]) else { return nil }
            return a << 4 | b
        }
        // xx:xx:xx:xx:xx:xx or xx-xx-xx-xx-xx-xx (one separator throughout)
        if i + 17 <= t.count, t[i + 2] == 0x3a || t[i + 2] == 0x2d {
            let sep = t[i + 2]
            var out: [UInt8] = []
            for g in 0..<6 {
                let k = i + g * 3
                guard let v = pair(k) else { break }
                if g < 5 { guard t[k + 2] == sep else { break } }
                out.append(v)
            }
            if out.count == 6 { return (out, 17) }
        }
        // xxxx.xxxx.xxxx (Cisco)
        if i + 14 <= t.count, t[i + 4] == 0x2e, t[i + 9] == 0x2e {
            var out: [UInt8] = []
            for g in 0..<3 {
                let k = i + g * 5
                guard let a = pair(k), let b = pair(k + 2) else { break }
                out += [a, b]
            }
            if out.count == 6 { return (out, 14) }
        }
        // 12 hex digits
        if i + 12 <= t.count {
            var out: [UInt8] = []
            for g in 0..<6 {
                guard let v = pair(i + 2 * g) else { break }
                out.append(v)
            }
            if out.count == 6 { return (out, 12) }
        }
        return nil
    }

    /// MAC addresses standing on their own in `t`: not glued to more hex digits, and not one stretch of a longer
    /// separated hex sequence (an IPv6 address, a longer colon list), so a serial or key id does not yield one.
    static func find(in t: [UInt8]) -> [MACAddress] {
        var out: [MACAddress] = []
        var i = 0
        while i < t.count {
            if isHex(t[i]), startsFresh(t, at: i), let (bytes, length) = match(t, at: i), endsFresh(t, at: i + length) {
                let mac = MACAddress(bytes: bytes)
                if !out.contains(mac) { out.append(mac) }
                i += length
                continue
            }
            i += 1
        }
        return out
    }

    static func isSeparator(_ c: UInt8) -> Bool { c == 0x3a || c == 0x2e }   // ':' '.'

    /// Not preceded by a hex digit, nor by "<sep><hex run>" where the run itself starts after a separator or at the start.
    private static func startsFresh(_ t: [UInt8], at i: Int) -> Bool {
        guard i > 0 else { return true }
        if isHex(t[i - 1]) { return false }
        guard isSeparator(t[i - 1]) else { return true }
        var k = i - 2
        while k >= 0, isHex(t[k]) { k -= 1 }
        let run = (i - 2) - k
        return run == 0 || !(k < 0 || isSeparator(t[k]))
    }

    /// Mirror image of `startsFresh` for the end (a '-' then hex also continues, as in "…:45-0a").
    private static func endsFresh(_ t: [UInt8], at end: Int) -> Bool {
        guard end < t.count else { return true }
        if isHex(t[end]) { return false }
        guard isSeparator(t[end]) || t[end] == 0x2d else { return true }
        var k = end + 1
        while k < t.count, isHex(t[k]) { k += 1 }
        let run = k - (end + 1)
        return run == 0 || !(k == t.count || isSeparator(t[k]) || t[k] == 0x2d)
    }
}

/// Vendor names of common Ethernet OUIs seen on VoIP / paging / camera networks and PCs. Every entry was
/// checked against the IEEE registry as shipped in Wireshark's `manuf` file (Debian wireshark-common);
/// 52:54:00 is the conventional QEMU/KVM prefix (locally administered, not IEEE-assigned).
public enum OUITable {
    /// `oui`: "00:22:EE", "00-22-ee", "0022ee", or a full MAC address (only the first three bytes are used).
    public static func vendor(forOUI oui: String) -> String? {
        let digits = oui.utf8.filter { MACText.isHex($0) }
        guard digits.count >= 6, oui.utf8.allSatisfy({ MACText.isHex($0) || $0 == 0x3a || $0 == 0x2d || $0 == 0x2e || $0 == 0x20 }) else {
            return nil
        }
        var key: UInt32 = 0
        for c in digits.prefix(6) { key = key << 4 | UInt32(MACText.hexValue(c)!) }   // filtered to hex digits above
        return table[key]
    }

    /// All entries, "00:22:ee" → vendor.
    public static var entries: [(oui: String, vendor: String)] {
        table.sorted { $0.key < $1.key }.map { k, v in
            (Hex.encode([UInt8(k >> 16 & 0xff), UInt8(k >> 8 & 0xff), UInt8(k & 0xff)], separator: ":"), v)
        }
    }

    static let table: [UInt32: String] = {
        var t: [UInt32: String] = [:]
        for (vendor, ouis) in groups {
            for o in ouis { t[o] = vendor }
        }
        return t
    }()

    private static let groups: [(String, [UInt32])] = [
        // VoIP, paging and intercom
        ("Algo Communication Products", [0x0022EE]),
        ("Polycom", [0x0004F2, 0x64167F]),
        ("Yealink", [0x001565, 0x249AD8, 0x44DBD2, 0x805E0C, 0x805EC0, 0xC4FC22, 0xEC1DA9]),
        ("Grandstream", [0x000B82, 0xC074AD, 0xEC74D7]),
        ("snom", [0x000413]),
        ("Avaya", [0x00040D, 0x001B4F, 0x10CDAE, 0x14612F, 0x24B209]),
        ("Mitel", [0x00085D, 0x08000F, 0x1400E9]),
        ("Aastra", [0x0010BC]),
        ("Fanvil", [0x0C383E]),
        ("Axis Communications", [0x00408C, 0xACCC8E, 0xB8A44F, 0xE82725]),
        ("CyberData", [0x0020F7]),
        ("Panasonic", [0x0080F0, 0x001267, 0x001BD3]),
        ("Spectralink", [0x00907A]),
        ("AudioCodes", [0x00908F]),
        ("Sangoma", [0x005058]),
        ("Digium", [0x000FD3]),
        ("Valcom", [0x00D05F]),
        ("Bogen Communications", [0x00184C]),
        ("Barix", [0x0008E1]),
        ("Akuvox", [0x0C1105]),
        ("2N Telekomunikace", [0x7C1EB3]),
        ("Zultys", [0x000BEA]),
        ("Obihai", [0x9CADEF]),
        ("Gigaset", [0x002104, 0x589EC6, 0x7C2F80]),
        ("Unify", [0x001AE8, 0x60DBEF]),
        ("Escene", [0x00268B]),
        ("Flyingvoice", [0x789912]),
        ("Bosch Security Systems", [0x000131, 0x000463, 0x001C44]),
        // Network equipment
        ("Cisco", [0x00000C, 0x000142, 0x000164, 0x000196, 0x000197, 0x000F34, 0x001BD4]),
        ("Cisco-Linksys", [0x000E08]),
        ("Linksys", [0x00045A, 0x000625]),
        ("Ubiquiti", [0x00156D, 0x002722, 0x0418D6, 0x24A43C]),
        ("Fortinet", [0x00090F, 0x000CE6]),
        ("Juniper Networks", [0x000585, 0x0010DB]),
        // Virtual machines
        ("VMware", [0x005056, 0x000C29, 0x000569, 0x001C14]),
        ("QEMU/KVM virtual NIC", [0x525400]),
        ("Xen virtual NIC", [0x00163E]),
        ("Microsoft Hyper-V", [0x00155D]),
        ("Parallels", [0x001C42]),
        ("VirtualBox (PCS Systemtechnik)", [0x080027]),
        // Computers and boards
        ("Raspberry Pi", [0xB827EB, 0xDCA632, 0xE45F01, 0xD83ADD, 0x28CDC1, 0x2CCF67]),
        ("Apple", [0x000393, 0x000A27, 0x000A95, 0x000D93, 0x0010FA, 0x001124, 0x001451, 0x0017F2, 0x001EC2, 0x002500,
                   0x0026BB, 0x3C0754]),
        ("Dell", [0x00065B, 0x000874, 0x000BDB, 0x000D56, 0x000F1F, 0x001143, 0x001422, 0xB8AC6F, 0x180373]),
        ("Hewlett Packard", [0x0001E6, 0x0001E7, 0x0002A5, 0x0004EA, 0x000802, 0x080009]),
        ("Intel", [0x0002B3, 0x000347, 0x000423, 0x0007E9, 0x001B21, 0x001517, 0x001E67, 0xA0369F, 0x3CFDFE, 0x90E2BA]),
    ]
}
