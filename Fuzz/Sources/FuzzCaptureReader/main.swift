// Fuzzes the capture reader on whole files: libpcap's pcap/pcapng parsing as tlsdiag drives it
// (preflight, format sniffing, link-type check, frame loop, read problems) and the link/IP/TCP
// decoding of every frame it hands out.
import FuzzSupport
import Capture
import Packets

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
    reader.forEachFrame { frame in
        frames += 1
        precondition(frame.number == frames)
        if case .tcp(let seg) = PacketDecoder.decode(linkType: frame.linkType.rawValue, bytes: frame.bytes,
                                                     originalLength: frame.originalLength) {
            precondition(seg.payload.count <= frame.bytes.count)
            tcp += 1
        }
    }
    precondition(reader.info.frames == frames)
    if let p = reader.info.readProblem { precondition(!p.contains("\n")) }
    return 0
}

runFuzzer(testOneInput)
