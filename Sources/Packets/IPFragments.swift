import WireCore

/// Reassembles IPv4 fragments (RFC 791) into whole packets, within fixed limits. TCP is rarely
/// fragmented, but when it is — a VPN or PPPoE link with a small MTU and a sender without
/// Don't-Fragment — the fragment often carries the ClientHello. IPv6 fragments (rare for TCP,
/// path-MTU discovery is mandatory there) are counted only.
public struct IPv4FragmentTable: Sendable {
    struct Key: Hashable, Sendable {
        var source: UInt32, destination: UInt32, id: UInt16, proto: UInt8
    }
    struct Datagram: Sendable {
        var header: [UInt8] = []            // the first fragment's IP header (offset 0)
        var pieces: [(offset: Int, bytes: [UInt8])] = []
        var totalLength: Int?               // payload length, known once the last fragment arrived
        var bytes = 0
        var firstFrame: Int
        var lastFrame: Int
    }

    public var maxDatagrams = 256
    public var maxDatagramBytes = 65_535
    /// Datagrams not completed within this many frames are given up (and reported as incomplete).
    public var maxAgeFrames = 10_000
    var table: [Key: Datagram] = [:]
    public private(set) var reassembled = 0
    public private(set) var abandoned: [(source: IPAddress, destination: IPAddress, frame: Int)] = []

    public init() {}

    /// Adds one fragment (`packet` starts at the IPv4 header). Returns the whole packet when this
    /// fragment completed it: an IPv4 header with the fragment fields cleared, then the payload.
    public mutating func add(packet p: UnsafeRawBufferPointer, frame: Int) -> [UInt8]? {
        guard p.count >= 20, p[0] >> 4 == 4 else { return nil }
        let ihl = Int(p[0] & 0x0f) * 4
        let total = Int(p[2]) << 8 | Int(p[3])
        guard ihl >= 20, p.count >= ihl, total >= ihl else { return nil }
        let end = min(p.count, total)
        let field = UInt16(p[6]) << 8 | UInt16(p[7])
        let more = field & 0x2000 != 0
        let offset = Int(field & 0x1fff) * 8
        let key = Key(source: UInt32(p[12]) << 24 | UInt32(p[13]) << 16 | UInt32(p[14]) << 8 | UInt32(p[15]),
                      destination: UInt32(p[16]) << 24 | UInt32(p[17]) << 16 | UInt32(p[18]) << 8 | UInt32(p[19]),
                      id: UInt16(p[4]) << 8 | UInt16(p[5]), proto: p[9])
        let payload = Array(p[ihl..<end])
        guard offset + payload.count <= maxDatagramBytes else { return nil }
        var d = table[key] ?? Datagram(firstFrame: frame, lastFrame: frame)
        if table[key] == nil {
            expire(now: frame)
            if table.count >= maxDatagrams, let oldest = table.min(by: { $0.value.lastFrame < $1.value.lastFrame }) {
                giveUp(oldest.key, oldest.value)
            }
        }
        d.lastFrame = frame
        if offset == 0 { d.header = Array(p[0..<ihl]) }
        if !more { d.totalLength = offset + payload.count }
        if !d.pieces.contains(where: { $0.offset == offset }) {
            d.pieces.append((offset, payload))
            d.bytes += payload.count
        }
        guard let length = d.totalLength, !d.header.isEmpty, d.bytes >= length else {
            table[key] = d
            return nil
        }
        // Lay the pieces out in order; overlapping fragments keep the first copy.
        var data = [UInt8](repeating: 0, count: length)
        var covered = [Bool](repeating: false, count: length)
        for piece in d.pieces.sorted(by: { $0.offset < $1.offset }) {
            for (i, b) in piece.bytes.enumerated() where piece.offset + i < length && !covered[piece.offset + i] {
                data[piece.offset + i] = b
                covered[piece.offset + i] = true
            }
        }
        guard covered.allSatisfy({ $0 }) else {
            table[key] = d
            return nil
        }
        table.removeValue(forKey: key)
        reassembled += 1
        var header = d.header
        let newTotal = header.count + length
        header[2] = UInt8(newTotal >> 8); header[3] = UInt8(newTotal & 0xff)
        header[6] = 0; header[7] = 0
        return header + data
    }

    /// Datagrams still incomplete (end of input): reported, never guessed at.
    public mutating func finish() {
        for (k, d) in table { giveUp(k, d) }
    }

    mutating func expire(now frame: Int) {
        for (k, d) in table where frame - d.lastFrame > maxAgeFrames { giveUp(k, d) }
    }

    mutating func giveUp(_ k: Key, _ d: Datagram) {
        table.removeValue(forKey: k)
        if abandoned.count < 64 {
            abandoned.append((IPAddress(v4: k.source), IPAddress(v4: k.destination), d.firstFrame))
        }
    }
}
