// Fuzzes the link/IP/TCP decoder on single frames, for every link type tlsdiag reads.
// Input: [link type selector][original-length delta: 2 bytes][frame bytes...]
import FuzzSupport
import Packets

let linkTypes: [Int32] = [PacketDecoder.dltNull, PacketDecoder.dltEthernet, PacketDecoder.dltRaw, PacketDecoder.dltRawOpenBSD,
                          PacketDecoder.dltLinkTypeRaw, PacketDecoder.dltLoop, PacketDecoder.dltLinuxSLL,
                          PacketDecoder.dltIPv4, PacketDecoder.dltIPv6, PacketDecoder.dltLinuxSLL2, 147 /* unsupported */]

@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    var c = FuzzChooser(fuzzBytes(data, size))
    let link = linkTypes[Int(c.byte()) % linkTypes.count]
    let extra = Int(c.u16())
    let frame = c.rest()
    // The wire length is at least what was captured (libpcap guarantees caplen <= len), sometimes more (snaplen cut).
    let original = frame.count + (extra & 0x8000 != 0 ? extra & 0x7fff : 0)
    // Copy into an exact-size heap buffer so any read past the frame is caught (bounds checks; ASan when enabled).
    let copy = UnsafeMutableRawBufferPointer.allocate(byteCount: frame.count, alignment: 1)
    defer { copy.deallocate() }
    if !frame.isEmpty { copy.copyMemory(from: frame) }
    let bytes = UnsafeRawBufferPointer(copy)
    switch PacketDecoder.decode(linkType: link, bytes: bytes, originalLength: original) {
    case .tcp(let seg):
        precondition(seg.payload.count <= bytes.count)
        if let base = seg.payload.baseAddress, !seg.payload.isEmpty {
            precondition(base >= bytes.baseAddress! && base + seg.payload.count <= bytes.baseAddress! + bytes.count,
                         "TCP payload points outside the frame")
            var sum = 0
            for b in seg.payload { sum &+= Int(b) }  // touch every byte
            _ = sum
        }
        precondition(seg.missingPayload >= 0)
    case .other(let o):
        if case .udp(_, _, let payload) = o, let base = payload.baseAddress, !payload.isEmpty {
            precondition(base >= bytes.baseAddress! && base + payload.count <= bytes.baseAddress! + bytes.count,
                         "UDP payload points outside the frame")
        }
    }
    return 0
}

runFuzzer(testOneInput)
