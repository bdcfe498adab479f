// Fuzzes the capture reader on whole files: libpcap's pcap/pcapng parsing as tlsdiag drives it
// (preflight, format sniffing, link-type check, frame loop, read problems) and the link/IP/TCP
// decoding of every frame it hands out. Classic pcap files are read through the memory mapping
// (MappedPcapRecords) and, for comparison, through libpcap alone: both must hand out the same frames
// and say the same about the file.
import FuzzSupport
import Capture
import Packets
import WireCore

@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FuzzFile.write(fuzzBytes(data, size))
    let reader: PcapFileReader
    do {
        reader = try PcapFileReader(path: FuzzFile.path)
    } catch {
        // Input errors are one line naming the file.
        precondition(!error.description.isEmpty && !error.description.contains("\n"), "bad error text: \(error)")
        return 0
    }
    var frames = 0
    var tcp = 0
    var seen: [UInt64] = []
    reader.forEachFrame { frame in
        frames += 1
        seen.append(digest(frame))
        precondition(frame.number == frames)
        if case .tcp(let seg) = PacketDecoder.decode(linkType: frame.linkType.rawValue, bytes: frame.bytes,
                                                     originalLength: frame.originalLength) {
            precondition(seg.payload.count <= frame.bytes.count)
            tcp += 1
        }
    }
    precondition(reader.info.frames == frames)
    if let p = reader.info.readProblem { precondition(!p.contains("\n")) }
    if let plain = try? PcapFileReader(path: FuzzFile.path, mapping: false) {
        var other: [UInt64] = []
        plain.forEachFrame { other.append(digest($0)) }
        precondition(other == seen, "mapped and libpcap readers disagree on the frames")
        precondition(plain.info.readProblem == reader.info.readProblem, "read problems differ: \(String(describing: plain.info.readProblem)) / \(String(describing: reader.info.readProblem))")
        precondition(plain.info.firstTime == reader.info.firstTime && plain.info.lastTime == reader.info.lastTime)
    } else {
        preconditionFailure("libpcap refused a file the mapped reader opened")
    }
    return 0
}

/// Number, time, lengths and bytes of a frame in one word.
func digest(_ f: borrowing CapturedFrame) -> UInt64 {
    var h: UInt64 = 1469598103934665603
    func mix(_ v: UInt64) { h = (h ^ v) &* 1099511628211 }
    mix(UInt64(f.number)); mix(UInt64(bitPattern: f.timestamp.seconds)); mix(UInt64(UInt32(bitPattern: f.timestamp.nanoseconds)))
    mix(UInt64(f.bytes.count)); mix(UInt64(f.originalLength))
    for b in f.bytes { mix(UInt64(b)) }
    return h
}

runFuzzer(testOneInput)
