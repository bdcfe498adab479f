import CMappedFile
import WireCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Walks the records of a classic pcap file straight out of a read-only memory mapping.
///
/// Why: libpcap's reader copies every packet twice (the kernel into stdio's buffer, `fread` into
/// libpcap's), which is most of what reading costs; here the frames point into the page cache.
/// The mapping is a sliding window (`windowBytes`), so the mapped pages, which count towards the
/// process's resident size, stay a few megabytes whatever the file's size.
///
/// Only the plain, common case is read here: a file in this machine's byte order, format 2.4,
/// microsecond or nanosecond magic, and records whose captured length is within the snapshot length
/// and the file. At the first record that is anything else (a cut-off tail, a length over the
/// snapshot, a damaged header) `next` returns nil and the caller lets libpcap read on from
/// `offset`, so every odd case keeps libpcap's exact behaviour and messages.
final class MappedPcapRecords {
    /// A record as libpcap would return it (its `pcap_pkthdr` fields, nanosecond precision).
    struct Record {
        var seconds: Int64
        var nanoseconds: Int32
        var capturedLength: Int
        var originalLength: Int
        var bytes: UnsafeRawPointer
    }

    /// File offset of the next record; where libpcap takes over once `next` returns nil.
    private(set) var offset: Int
    private let fd: Int32
    private let fileSize: Int
    private let snapshot: UInt32
    private let scaleToNanoseconds: Bool
    private let windowBytes: Int
    private let pageSize: Int
    private let guardSlot: Int32
    private let tripped: UnsafePointer<Int32>
    private var window: UnsafeMutableRawPointer?
    private var windowStart = 0
    private var windowLength = 0

    static let defaultWindowBytes = 4 << 20
    private static let fileHeaderBytes = 24
    private static let recordHeaderBytes = 16

    /// Nil when the file is not a plain classic pcap file in host byte order (then libpcap reads it all).
    /// `snapshot` is libpcap's snapshot length for the file (`pcap_snapshot`), already sanitised.
    init?(path: String, snapshot: Int, windowBytes: Int = MappedPcapRecords.defaultWindowBytes) {
        guard snapshot > 0, snapshot <= Int(UInt32.max) else { return nil }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        var st = stat()
        var header = (UInt32(0), UInt16(0), UInt16(0))
        let headerRead = withUnsafeMutableBytes(of: &header) { pread(fd, $0.baseAddress, 8, 0) }
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG, headerRead == 8,
              header.1 == 2, header.2 == 4,
              header.0 == 0xA1B2_C3D4 || header.0 == 0xA1B2_3C4D else {
            close(fd)
            return nil
        }
        let slot = tlsdiag_mapguard_claim()
        guard slot >= 0 else { close(fd); return nil }
        self.fd = fd
        self.fileSize = Int(st.st_size)
        self.snapshot = UInt32(snapshot)
        self.scaleToNanoseconds = header.0 == 0xA1B2_C3D4
        self.pageSize = max(4096, Int(sysconf(Int32(_SC_PAGESIZE))))
        // A window always holds the largest record libpcap would hand over, whatever its alignment.
        let least = Self.recordHeaderBytes + snapshot + 2 * pageSize
        self.windowBytes = (max(windowBytes, least) + pageSize - 1) / pageSize * pageSize
        self.guardSlot = slot
        self.tripped = UnsafePointer(tlsdiag_mapguard_flag(slot))
        self.offset = Self.fileHeaderBytes
    }

    deinit {
        if let w = window { munmap(w, windowLength) }
        tlsdiag_mapguard_release(guardSlot)
        close(fd)
    }

    /// The file shrank under the mapping (another program truncated or rewrote it): bytes read since
    /// are zeros and must not be analysed. A fault in the window trips the guard; a file cut inside
    /// the window's last page reads zeros without a fault, and an all-zero record header (captured
    /// length 0) is left to libpcap, so asking after each `nil` from `next` also compares the size.
    var fileShrank: Bool {
        if tlsdiag_mapguard_flag_set(tripped) != 0 { return true }
        var st = stat()
        return fstat(fd, &st) == 0 && Int(st.st_size) < min(offset, fileSize)
    }

    /// libpcap read a record at `offset` and stopped at `newOffset`: the mapping goes on from there.
    func resume(at newOffset: Int) {
        guard newOffset > offset else { return }
        offset = newOffset
    }

    /// The next record, or nil when libpcap should read on from `offset` (end of file, a record this
    /// reader leaves to libpcap, or the file shrank). The bytes stay valid until the next call.
    @inline(__always)   // into `PcapFileReader.forEachFrame`'s loop: once per frame
    func next() -> Record? {
        while true {
            let inWindow = offset - windowStart
            let available = windowLength - inWindow
            if window == nil || inWindow < 0 || available < Self.recordHeaderBytes {
                guard remap() else { return nil }
                continue
            }
            let p = UnsafeRawPointer(window!) + inWindow
            let caplen = p.loadUnaligned(fromByteOffset: 8, as: UInt32.self)
            // Empty records (rare, and what a zero-filled page looks like) and ones over the snapshot
            // length (which libpcap cuts or refuses) are left to libpcap.
            guard caplen > 0, caplen <= snapshot else { return nil }
            let total = Self.recordHeaderBytes + Int(caplen)
            if total > available {
                guard remap() else { return nil }
                continue
            }
            // Touch the page of the record's last byte before handing it out: if the file shrank below
            // it, the guard maps zeros there and says so, and the record is not delivered. Only when it
            // is a later page than the header's, just read: a page wholly past the new end faults, and its
            // first byte exactly when its last does; the header's own page did not. (A cut inside the last
            // page reads zeros without a fault: such a record is delivered, and `fileShrank` notices the
            // shrink after it. The same as before this touch was made cheaper.) The last byte itself was a
            // cache miss per frame that nothing else reads (1 GB bench: ~14 % of the packet thread's time);
            // the page's first line is usually prefetched by the call before.
            let pageMask = ~UInt(pageSize - 1)   // pageSize is a power of two
            let lastPage = UInt(bitPattern: p + (total - 1)) & pageMask
            if lastPage != UInt(bitPattern: p) & pageMask {
                tlsdiag_touch(UnsafeRawPointer(bitPattern: lastPage)!)
            }
            guard tlsdiag_mapguard_flag_set(tripped) == 0 else { return nil }
            // libpcap reads the seconds and sub-second fields as signed 32-bit values and scales
            // microseconds up in its 64-bit field; the reader then keeps the low 32 bits.
            let seconds = Int64(Int32(bitPattern: p.loadUnaligned(fromByteOffset: 0, as: UInt32.self)))
            var fraction = Int64(Int32(bitPattern: p.loadUnaligned(fromByteOffset: 4, as: UInt32.self)))
            if scaleToNanoseconds { fraction &*= 1000 }
            let len = p.loadUnaligned(fromByteOffset: 12, as: UInt32.self)
            offset += total
            // The next record starts where this one ends; if it (or one soon after) runs onto the following
            // page, that page's first line is what the touch above reads (a record longer than a page is
            // touched on a later page, which this does not help; a prefetch past the window is harmless).
            tlsdiag_prefetch(p + total)
            tlsdiag_prefetch_line(UnsafeRawPointer(bitPattern: (UInt(bitPattern: p + total) & pageMask) &+ UInt(pageSize))!)
            return Record(seconds: seconds, nanoseconds: Int32(truncatingIfNeeded: fraction),
                          capturedLength: Int(caplen), originalLength: Int(len),
                          bytes: p + Self.recordHeaderBytes)
        }
    }

    /// Maps the window that starts at the page holding `offset`; false at the end of the file (the
    /// window already reaches it) or when mapping fails.
    private func remap() -> Bool {
        let start = offset / pageSize * pageSize
        let length = min(windowBytes, fileSize - start)
        if window != nil && start == windowStart && length == windowLength { return false }
        unmap()
        guard length > 0, offset - start < length,
              let m = mmap(nil, length, PROT_READ, MAP_PRIVATE, fd, off_t(start)), m != MAP_FAILED else { return false }
        _ = madvise(m, length, MADV_SEQUENTIAL)
        window = m
        windowStart = start
        windowLength = length
        tlsdiag_mapguard_set(guardSlot, m, length)
        return true
    }

    private func unmap() {
        guard let w = window else { return }
        tlsdiag_mapguard_set(guardSlot, nil, 0)
        munmap(w, windowLength)
        window = nil
        windowLength = 0
    }
}
