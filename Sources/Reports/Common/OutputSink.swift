#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where a report goes: standard output or a file, written through stdio's buffer.
///
/// A file (or standard output that is not a terminal) gets a buffer of `bufferSize` bytes instead
/// of stdio's default of one disk block: a 1 GB capture's report is some 150 MB, which the default
/// 4 KB buffer sends as about 33,000 `write` calls, this one as about 150. A terminal keeps stdio's
/// line buffering, so what is printed there shows at once; reports that stream (JSON Lines, live
/// events) flush when they mean the bytes to be seen. A piece of `bufferSize` bytes or more (the
/// JSON report's batches) goes to the file directly, after what is buffered: copying it through
/// the buffer first would only cost a copy.
public final class OutputSink {
    private let file: UnsafeMutablePointer<FILE>
    private let owned: Bool
    /// The stdio buffer this sink gave `file` (freed after the file is closed), if any.
    private let buffer: UnsafeMutablePointer<CChar>?
    public let isTerminal: Bool
    public let path: String?

    /// 1 MB: few system calls, and still a small part of the process's memory.
    static let bufferSize = 1 << 20

    public static func standardOutput() -> OutputSink { OutputSink(file: fdopen(dup(1), "w")!, owned: true, terminal: isatty(1) == 1, path: nil) }

    public init?(path: String) {
        let fd = ReplacedFile.openForWriting(path)
        guard fd >= 0 else { return nil }
        guard let f = fdopen(fd, "w") else { close(fd); return nil }
        self.file = f; self.owned = true; self.isTerminal = false; self.path = path
        buffer = Self.giveLargeBuffer(to: f)
    }

    init(file: UnsafeMutablePointer<FILE>, owned: Bool, terminal: Bool, path: String?) {
        self.file = file; self.owned = owned; self.isTerminal = terminal; self.path = path
        // A stream this sink does not close may outlive it, and its buffer with it.
        buffer = terminal || !owned ? nil : Self.giveLargeBuffer(to: file)
    }

    /// Makes a buffer of `bufferSize` bytes `file`'s (glibc ignores the size unless it is given the
    /// buffer too); nil if stdio would not take it.
    private static func giveLargeBuffer(to file: UnsafeMutablePointer<FILE>) -> UnsafeMutablePointer<CChar>? {
        let b = UnsafeMutablePointer<CChar>.allocate(capacity: bufferSize)
        guard setvbuf(file, b, _IOFBF, bufferSize) == 0 else { b.deallocate(); return nil }
        return b
    }

    public func write(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { write($0) }
    }
    /// Bytes someone else owns (a JSON writer's buffer), written without copying them first.
    public func write(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count >= Self.bufferSize, let start = bytes.baseAddress else {
            _ = fwrite(bytes.baseAddress, 1, bytes.count, file)
            return
        }
        fflush(file)
        // Errors are not reported here, as `fwrite`'s are not: the report goes on to its end.
        let fd = fileno(file)
        var done = 0
        while done < bytes.count {
            let n = systemWrite(fd, start + done, bytes.count - done)
            if n > 0 { done += n } else if n < 0 && errno == EINTR { continue } else { break }
        }
    }
    public func write(byte: UInt8) { _ = putc(Int32(byte), file) }
    public func write(_ s: String) { var s = s; s.withUTF8 { b in _ = fwrite(b.baseAddress, 1, b.count, file) } }
    public func flush() { fflush(file) }
    deinit {
        if owned { fclose(file) } else { fflush(file) }
        buffer?.deallocate()
    }
}

/// `write(2)` (inside `OutputSink`, `write` names its own methods).
private func systemWrite(_ fd: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int {
    write(fd, bytes, count)
}

/// A report format. Connections arrive one at a time, as they finish; `finish` closes the report.
public protocol ReportRenderer: AnyObject {
    func begin()
    func connection(_ ac: AnalyzedConnection)
    func finish(inputs: [InputResult])
}

import Diagnosis
