import WireCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes a pcapng file (one section, one interface) while a live capture runs.
///
/// libpcap's `pcap_dump_open` writes classic pcap only, so the blocks are written here
/// (pcapng, draft-ietf-opsawg-pcapng): Section Header, Interface Description (name, filter,
/// nanosecond resolution), one Enhanced Packet per frame — with `epb_dropcount` on the first
/// packet after the kernel reported drops, so the file shows *where* packets went missing —
/// and, on close, an Interface Statistics block with the kernel's and the interface's drop
/// counters. Blocks are buffered and written whole, so after every `flush()` the file ends on
/// a block boundary and any reader can open it, even if the process is killed afterwards.
public final class PcapNGWriter {
    public let path: String
    private var fd: Int32
    private var buffer: [UInt8] = []
    private let nanosecond: Bool
    public private(set) var packets = 0
    public private(set) var bytesWritten = 0
    /// The first write error (disk full …); later packets are not written, the capture goes on.
    public private(set) var writeError: String?

    public struct Header: Sendable {
        public var interface: String
        public var linkType: LinkType
        public var snaplen: Int
        public var filter: String?
        public var nanosecond: Bool
        public var application: String
        public init(interface: String, linkType: LinkType, snaplen: Int, filter: String?, nanosecond: Bool, application: String) {
            self.interface = interface; self.linkType = linkType; self.snaplen = snaplen
            self.filter = filter; self.nanosecond = nanosecond; self.application = application
        }
    }

    public init(path: String, header: Header) throws(CaptureError) {
        self.path = path
        self.nanosecond = header.nanosecond
        let opened = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard opened >= 0 else {
            let why = errno == EACCES ? "permission denied (cannot create the file here\(geteuid() != 0 ? " as uid \(geteuid())" : ""))"
                : String(cString: strerror(errno))
            throw CaptureError(.writeFailed, path: path, "cannot write the capture file: \(why)")
        }
        fd = opened
        buffer.reserveCapacity(1 << 18)
        writeSectionHeader(application: header.application)
        writeInterfaceDescription(header)
        flush()
        if let e = writeError { throw CaptureError(.writeFailed, path: path, e) }
    }

    deinit { if fd >= 0 { flush(); posixClose(fd) } }

    /// Appends one frame. `dropsBefore`: packets the capture lost since the previous frame.
    public func write(_ frame: borrowing CapturedFrame, dropsBefore: UInt64 = 0) {
        guard writeError == nil else { return }
        let caplen = frame.bytes.count
        let padded = (caplen + 3) & ~3
        let optionsLength = dropsBefore > 0 ? 4 + 8 + 4 : 0
        let total = 28 + padded + optionsLength + 4
        u32(6); u32(UInt32(total))
        u32(0)                                                   // interface ID
        let units = timestampUnits(frame.timestamp)
        u32(UInt32(truncatingIfNeeded: units >> 32)); u32(UInt32(truncatingIfNeeded: units))
        u32(UInt32(caplen)); u32(UInt32(frame.originalLength))
        buffer.append(contentsOf: frame.bytes)
        pad(caplen)
        if dropsBefore > 0 {
            option(4, u64: dropsBefore)                          // epb_dropcount
            u16(0); u16(0)                                       // opt_endofopt
        }
        u32(UInt32(total))
        packets += 1
        if buffer.count >= 1 << 17 { flush() }
    }

    /// Writes every complete block buffered so far.
    public func flush() {
        guard fd >= 0, !buffer.isEmpty else { return }
        defer { buffer.removeAll(keepingCapacity: true) }
        guard writeError == nil else { return }
        var offset = 0
        while offset < buffer.count {
            let n = buffer.withUnsafeBytes { b in posixWrite(fd, b.baseAddress! + offset, b.count - offset) }
            if n < 0 {
                if errno == EINTR { continue }
                writeError = "writing the capture file failed after \(packets) packets: \(String(cString: strerror(errno)))"
                return
            }
            offset += n
        }
        bytesWritten += offset
    }

    /// Ends the file: an Interface Statistics block with the capture's counters, then flush, fsync, close.
    public func close(stats: LiveStats?, start: Timestamp?, end: Timestamp) {
        guard fd >= 0 else { return }
        var opts: [(UInt16, UInt64)] = []
        if let s = start { opts.append((2, timestampUnits(s))) }  // isb_starttime
        opts.append((3, timestampUnits(end)))                     // isb_endtime
        if let st = stats {
            opts.append((4, st.received))                          // isb_ifrecv
            opts.append((5, st.interfaceDropped))                  // isb_ifdrop
            opts.append((7, st.kernelDropped))                     // isb_osdrop
        }
        let total = 24 + opts.count * 12 + 4
        u32(5); u32(UInt32(total))
        u32(0)
        let units = timestampUnits(end)
        u32(UInt32(truncatingIfNeeded: units >> 32)); u32(UInt32(truncatingIfNeeded: units))
        for (code, value) in opts { option(code, u64: value) }
        u16(0); u16(0)
        u32(UInt32(total))
        flush()
        fsync(fd)
        posixClose(fd)
        fd = -1
    }

    // MARK: - Blocks

    private func writeSectionHeader(application: String) {
        var opts: [(UInt16, [UInt8])] = [(4, Array(application.utf8))]      // shb_userappl
        var u = utsname()
        if uname(&u) == 0 {
            let sys = withUnsafeBytes(of: u.sysname) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            let release = withUnsafeBytes(of: u.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            let os = sys + " " + release
            opts.append((3, Array(os.utf8)))                                  // shb_os
        }
        let body = 16 + optionsSize(opts)
        u32(0x0A0D_0D0A); u32(UInt32(body + 12))
        u32(0x1A2B_3C4D); u16(1); u16(0)
        u64(UInt64.max)                                                       // section length unknown (-1)
        options(opts)
        u32(UInt32(body + 12))
    }

    private func writeInterfaceDescription(_ h: Header) {
        var opts: [(UInt16, [UInt8])] = [(2, Array(h.interface.utf8))]      // if_name
        opts.append((9, [h.nanosecond ? 9 : 6]))                              // if_tsresol: 10^-9 or 10^-6
        if let f = h.filter { opts.append((11, [0] + Array(f.utf8))) }        // if_filter, libpcap string
        let body = 8 + optionsSize(opts)
        u32(1); u32(UInt32(body + 12))
        u16(UInt16(truncatingIfNeeded: h.linkType.rawValue)); u16(0)
        u32(UInt32(h.snaplen))
        options(opts)
        u32(UInt32(body + 12))
    }

    private func optionsSize(_ opts: [(UInt16, [UInt8])]) -> Int {
        opts.reduce(4) { $0 + 4 + (($1.1.count + 3) & ~3) }
    }

    private func options(_ opts: [(UInt16, [UInt8])]) {
        for (code, value) in opts {
            u16(code); u16(UInt16(value.count))
            buffer.append(contentsOf: value)
            pad(value.count)
        }
        u16(0); u16(0)
    }

    private func option(_ code: UInt16, u64 value: UInt64) {
        u16(code); u16(8)
        if code == 2 || code == 3 {
            // Timestamps are written as two 32-bit halves, high first, like the EPB's.
            u32(UInt32(truncatingIfNeeded: value >> 32)); u32(UInt32(truncatingIfNeeded: value))
        } else {
            u64(value)
        }
    }

    private func timestampUnits(_ t: Timestamp) -> UInt64 {
        let s = UInt64(max(0, t.seconds)), ns = UInt64(max(0, t.nanoseconds))
        return nanosecond ? s &* 1_000_000_000 &+ ns : s &* 1_000_000 &+ ns / 1000
    }

    private func pad(_ n: Int) { let p = ((n + 3) & ~3) - n; if p > 0 { buffer.append(contentsOf: repeatElement(0, count: p)) } }
    private func u16(_ v: UInt16) { withUnsafeBytes(of: v) { buffer.append(contentsOf: $0) } }
    private func u32(_ v: UInt32) { withUnsafeBytes(of: v) { buffer.append(contentsOf: $0) } }
    private func u64(_ v: UInt64) { withUnsafeBytes(of: v) { buffer.append(contentsOf: $0) } }
}

#if canImport(Glibc)
private func posixWrite(_ fd: Int32, _ p: UnsafeRawPointer, _ n: Int) -> Int { Glibc.write(fd, p, n) }
private func posixClose(_ fd: Int32) { _ = Glibc.close(fd) }
#else
private func posixWrite(_ fd: Int32, _ p: UnsafeRawPointer, _ n: Int) -> Int { Darwin.write(fd, p, n) }
private func posixClose(_ fd: Int32) { _ = Darwin.close(fd) }
#endif
