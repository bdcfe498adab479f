@_exported import CFuzzDriver
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The signature libFuzzer calls for each input.
public typealias FuzzCallback = @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt

/// Runs libFuzzer with the process's arguments (all of libFuzzer's flags work: -max_total_time,
/// -timeout, -rss_limit_mb, corpus directories, or single files to replay) and exits with its status.
public func runFuzzer(_ callback: FuzzCallback) -> Never {
    var argc = CommandLine.argc
    var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
    exit(LLVMFuzzerRunDriver(&argc, &argv, callback))
}

/// The input as a buffer (libFuzzer may pass a null pointer for the empty input).
@inline(__always)
public func fuzzBytes(_ data: UnsafePointer<UInt8>?, _ size: Int) -> UnsafeRawBufferPointer {
    guard let data, size > 0 else { return UnsafeRawBufferPointer(start: nil, count: 0) }
    return UnsafeRawBufferPointer(start: data, count: size)
}

/// A file per process for fuzzers that must hand libpcap a path: in /dev/shm when there is one,
/// so a fuzzer does not wear the disk.
public enum FuzzFile {
    public static let path: String = {
        var st = stat()
        let dir = stat("/dev/shm", &st) == 0 ? "/dev/shm" : "/tmp"
        return "\(dir)/tlsdiag-fuzz-\(getpid()).pcap"
    }()

    /// Replaces the file's contents with `bytes`.
    public static func write(_ bytes: UnsafeRawBufferPointer) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard fd >= 0 else { fatalError("cannot write \(path)") }
        var off = 0
        while off < bytes.count {
            let n = Glibc.write(fd, bytes.baseAddress! + off, bytes.count - off)
            if n <= 0 { break }
            off += n
        }
        close(fd)
    }

    public static func remove() { unlink(path) }
}

/// Reads fuzzer-chosen numbers from the front of an input (FuzzedDataProvider style): every read
/// succeeds, returning zeros once the bytes run out.
public struct FuzzChooser {
    public private(set) var bytes: UnsafeRawBufferPointer
    public init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    public var isEmpty: Bool { bytes.isEmpty }

    public mutating func byte() -> UInt8 {
        guard let b = bytes.first else { return 0 }
        bytes = UnsafeRawBufferPointer(rebasing: bytes[1...])
        return b
    }

    public mutating func u16() -> UInt16 { UInt16(byte()) << 8 | UInt16(byte()) }

    /// Up to `n` bytes (fewer at the end).
    public mutating func take(_ n: Int) -> UnsafeRawBufferPointer {
        let k = min(max(0, n), bytes.count)
        let out = UnsafeRawBufferPointer(rebasing: bytes[0..<k])
        bytes = UnsafeRawBufferPointer(rebasing: bytes[k...])
        return out
    }

    public mutating func rest() -> UnsafeRawBufferPointer { take(bytes.count) }
}
