import Foundation

/// Runs the built `tlsdiag` binary (next to the test bundle) in the repository directory, with
/// NO_COLOR set, and captures its output and status. Shared by the test targets that drive the CLI.
public enum CLI {
    /// The repository root (relative paths in `run`'s arguments are resolved against it).
    public static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `tlsdiag` in the build directory the tests run from, or nil when it was not built.
    public static var binary: URL? {
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        if dir.lastPathComponent.hasSuffix(".xctest") { dir = dir.deletingLastPathComponent() }
        for _ in 0..<4 {
            let candidate = dir.appendingPathComponent("tlsdiag")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        return nil
    }

    public struct Output: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
    }

    public struct NotBuilt: Error, CustomStringConvertible {
        public var description: String { "no tlsdiag binary next to the tests (swift build --build-tests)" }
    }

    /// `executable` runs another copy of the binary (e.g. one moved away from the build folder).
    public static func run(_ args: [String], stdin: Data? = nil, executable: URL? = nil) throws -> Output {
        guard let binary = executable ?? binary else { throw NotBuilt() }
        let p = Process()
        p.executableURL = binary
        p.arguments = args
        p.currentDirectoryURL = repo
        var env = ProcessInfo.processInfo.environment
        env["NO_COLOR"] = "1"
        p.environment = env
        let out = Pipe(), err = Pipe(), input = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = input
        try p.run()
        if let stdin { input.fileHandleForWriting.write(stdin) }
        try? input.fileHandleForWriting.close()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Output(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
    }
}
