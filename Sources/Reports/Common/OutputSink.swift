#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where a report goes: standard output or a file, written through stdio's buffer.
public final class OutputSink {
    private let file: UnsafeMutablePointer<FILE>
    private let owned: Bool
    public let isTerminal: Bool
    public let path: String?

    public static func standardOutput() -> OutputSink { OutputSink(file: fdopen(dup(1), "w")!, owned: true, terminal: isatty(1) == 1, path: nil) }

    public init?(path: String) {
        guard let f = fopen(path, "w") else { return nil }
        self.file = f; self.owned = true; self.isTerminal = false; self.path = path
    }

    init(file: UnsafeMutablePointer<FILE>, owned: Bool, terminal: Bool, path: String?) {
        self.file = file; self.owned = owned; self.isTerminal = terminal; self.path = path
    }

    public func write(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { write($0) }
    }
    /// Bytes someone else owns (a JSON writer's buffer), written without copying them first.
    public func write(_ bytes: UnsafeRawBufferPointer) {
        _ = fwrite(bytes.baseAddress, 1, bytes.count, file)
    }
    public func write(byte: UInt8) { _ = putc(Int32(byte), file) }
    public func write(_ s: String) { var s = s; s.withUTF8 { b in _ = fwrite(b.baseAddress, 1, b.count, file) } }
    public func flush() { fflush(file) }
    deinit { if owned { fclose(file) } else { fflush(file) } }
}

/// A report format. Connections arrive one at a time, as they finish; `finish` closes the report.
public protocol ReportRenderer: AnyObject {
    func begin()
    func connection(_ ac: AnalyzedConnection)
    func finish(inputs: [InputResult])
}

import Diagnosis
