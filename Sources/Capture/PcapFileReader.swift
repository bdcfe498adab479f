import CPcap
import WireCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a pcap or pcapng file (or standard input, path "-") one frame at a time, handing out
/// frames that point into the reader's buffer (no copy). libpcap opens every input and reads
/// pcapng, standard input and anything unusual; a plain classic pcap file is read from a memory
/// mapping (`MappedPcapRecords`), which hands libpcap the rest of the file at the first record it
/// leaves to libpcap, so frames, timestamps and read problems are the same either way.
public final class PcapFileReader {
    private var handle: OpaquePointer?
    public private(set) var info: CaptureInputInfo
    private var frameNumber = 0
    private var mapped: MappedPcapRecords?

    /// Opens the file; every problem becomes a one-line `CaptureError` naming the file.
    /// `mapping: false` reads everything through libpcap (tests compare the two readers);
    /// `mappingWindow` sizes the mapped window (tests use small ones to cross window edges often).
    public init(path: String, mapping: Bool = true, mappingWindow: Int? = nil) throws(CaptureError) {
        let display = path == "-" ? "<stdin>" : path
        var errbuf = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE) + 1)
        var format: CaptureInputInfo.Format = .pcap
        let opened: OpaquePointer?
        if path == "-" {
            opened = pcap_fopen_offline_with_tstamp_precision(fdopen(0, "rb"), UInt32(PCAP_TSTAMP_PRECISION_NANO), &errbuf)
        } else {
            try Self.preflight(path: path, display: display)
            format = Self.sniffFormat(path: path) ?? .pcap
            opened = pcap_open_offline_with_tstamp_precision(path, UInt32(PCAP_TSTAMP_PRECISION_NANO), &errbuf)
        }
        guard let h = opened else {
            let message = errbuf.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
            throw Self.classify(libpcapMessage: message, display: display)
        }
        if path == "-" {
            // libpcap reports a pcapng section's major version 1; classic pcap files are 2.x.
            format = pcap_major_version(h) == 1 ? .pcapng : .pcap
        }
        let link = LinkType(rawValue: pcap_datalink(h))
        guard link.isSupported else {
            pcap_close(h)
            throw CaptureError(.unsupportedLinkType, path: display,
                               "unsupported link type \(link.rawValue) (\(Self.linkName(link))); tlsdiag reads Ethernet (with 802.1Q/QinQ), Linux SLL/SLL2, BSD NULL/LOOP and raw IPv4/IPv6")
        }
        handle = h
        info = CaptureInputInfo(path: display, format: format, linkTypes: [link], snaplen: Int(pcap_snapshot(h)),
                                nanosecondResolution: true)
        if mapping && path != "-" && format == .pcap {
            mapped = MappedPcapRecords(path: path, snapshot: Int(pcap_snapshot(h)),
                                       windowBytes: mappingWindow ?? MappedPcapRecords.defaultWindowBytes)
        }
    }

    /// Whether frames come from a memory mapping (until the first record left to libpcap).
    public var readsMapped: Bool { mapped != nil }

    deinit { if let h = handle { pcap_close(h) } }

    /// Calls `body` for each frame; returns when the file ends. A file that ends inside a packet
    /// is not an error: the frames before it are delivered and `info.readProblem` says what happened.
    public func forEachFrame(_ body: (borrowing CapturedFrame) -> Void) {
        guard let h = handle else { return }
        let link = info.linkTypes.first ?? .ethernet
        var header: UnsafeMutablePointer<pcap_pkthdr>?
        var data: UnsafePointer<UInt8>?
        // The frame count and last timestamp are kept in locals and stored once at the end: they are
        // properties of this class, and writing them per frame costs an exclusivity check each time.
        var lastTime = info.lastTime
        var frameNumber = self.frameNumber
        defer { info.lastTime = lastTime; self.frameNumber = frameNumber }
        let file = pcap_file(h)
        while true {
            if let m = mapped {
                while let r = m.next() {
                    frameNumber += 1
                    let ts = Timestamp(seconds: r.seconds, nanoseconds: r.nanoseconds)
                    if lastTime == nil { info.firstTime = ts }
                    lastTime = ts
                    body(CapturedFrame(number: frameNumber, timestamp: ts, linkType: link,
                                       bytes: UnsafeRawBufferPointer(start: r.bytes, count: r.capturedLength),
                                       originalLength: r.originalLength))
                }
                if m.fileShrank {
                    mapped = nil
                    info.readProblem = "the file shrank while it was read (another program truncated or rewrote it, e.g. a tcpdump -W ring wrapping around) after frame \(frameNumber); the frames before it were analysed"
                    break
                }
                // libpcap reads the record the mapping left to it (often just the end of the file).
                guard let file, fseeko(file, off_t(m.offset), SEEK_SET) == 0 else {
                    mapped = nil
                    info.readProblem = Self.describeReadProblem("cannot seek to byte \(m.offset)", frames: frameNumber)
                    break
                }
            }
            let rc = pcap_next_ex(h, &header, &data)
            if rc == 1, let hdr = header, let d = data {
                frameNumber += 1
                let ts = Timestamp(seconds: Int64(hdr.pointee.ts.tv_sec), nanoseconds: Int32(truncatingIfNeeded: hdr.pointee.ts.tv_usec))
                if lastTime == nil { info.firstTime = ts }
                lastTime = ts
                let frame = CapturedFrame(number: frameNumber, timestamp: ts, linkType: link,
                                          bytes: UnsafeRawBufferPointer(start: d, count: Int(hdr.pointee.caplen)),
                                          originalLength: Int(hdr.pointee.len))
                body(frame)
                // Back to the mapping after the one record libpcap read.
                if let m = mapped, let file { m.resume(at: Int(ftello(file))) }
            } else if rc == 0 {
                continue
            } else {
                if rc == -1 {
                    let msg = String(cString: pcap_geterr(h))
                    info.readProblem = Self.describeReadProblem(msg, frames: frameNumber)
                }
                mapped = nil
                break
            }
        }
        info.frames = frameNumber
    }

    // MARK: - Errors a person can act on

    private static func preflight(path: String, display: String) throws(CaptureError) {
        var st = stat()
        if stat(path, &st) != 0 {
            switch errno {
            case ENOENT, ENOTDIR: throw CaptureError(.notFound, path: display, "no such file")
            case EACCES: throw CaptureError(.permissionDenied, path: display, "permission denied (cannot read the file; check its owner and mode, or run with sudo)")
            default: throw CaptureError(.openFailed, path: display, String(cString: strerror(errno)))
            }
        }
        if (st.st_mode & S_IFMT) == S_IFDIR {
            throw CaptureError(.isDirectory, path: display, "is a directory, not a capture file")
        }
        if access(path, R_OK) != 0 {
            throw CaptureError(.permissionDenied, path: display, "permission denied (cannot read the file; check its owner and mode, or run with sudo)")
        }
        if (st.st_mode & S_IFMT) == S_IFREG && st.st_size == 0 {
            throw CaptureError(.empty, path: display, "the file is empty (0 bytes): the capture was probably not stopped cleanly or not copied")
        }
    }

    private static func sniffFormat(path: String) -> CaptureInputInfo.Format? {
        guard let f = fopen(path, "rb") else { return nil }
        defer { fclose(f) }
        var magic: UInt32 = 0
        guard fread(&magic, 4, 1, f) == 1 else { return nil }
        return magic == 0x0A0D0D0A ? .pcapng : .pcap
    }

    static func classify(libpcapMessage m: String, display: String) -> CaptureError {
        let lower = m.lowercased()
        if lower.contains("unknown file format") || lower.contains("bad dump file format") {
            return CaptureError(.notACapture, path: display, "not a pcap or pcapng capture (unknown file format); save the capture as pcap or pcapng (Wireshark: File > Save As)")
        }
        if lower.contains("truncated") {
            return CaptureError(.truncatedHeader, path: display, "the capture file's header is truncated (\(m))")
        }
        if lower.contains("no such file") {
            return CaptureError(.notFound, path: display, "no such file")
        }
        if lower.contains("permission") {
            return CaptureError(.permissionDenied, path: display, "permission denied")
        }
        return CaptureError(.openFailed, path: display, m)
    }

    static func describeReadProblem(_ m: String, frames: Int) -> String {
        if m.lowercased().contains("truncated") {
            return "the file ends in the middle of a packet after frame \(frames) (truncated capture); the frames before it were analysed"
        }
        return "read error after frame \(frames): \(m); the frames before it were analysed"
    }

    static func linkName(_ l: LinkType) -> String {
        if let n = pcap_datalink_val_to_name(l.rawValue) { return String(cString: n) }
        return "unknown"
    }
}
