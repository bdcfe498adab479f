import Testing
import Foundation
#if canImport(Glibc)
import Glibc
#endif
@testable import Reports

/// A report written over an earlier one replaces it with a new file (no truncation to wait for), but only
/// in the plain case: links, hard-linked files and pipes are written through as `fopen(path, "w")` would.
struct ReplacedFileTests {
    static func directory() throws -> String {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("tlsdiag-replace-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: false)
        return d
    }

    static func write(_ text: String, to path: String) {
        let sink = OutputSink(path: path)!
        sink.write(text)
    }   // the sink closes here

    static func read(_ path: String) throws -> String { try String(contentsOfFile: path, encoding: .utf8) }

    static func inode(_ path: String) -> UInt {
        var st = stat()
        return lstat(path, &st) == 0 ? UInt(st.st_ino) : 0
    }

    static func mode(_ path: String) -> mode_t {
        var st = stat()
        return lstat(path, &st) == 0 ? st.st_mode & 0o7777 : 0
    }

    @Test func anEarlierReportIsReplacedByANewFileWithItsPermissions() throws {
        let d = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: d) }
        let path = d + "/report.json"
        Self.write(String(repeating: "old report\n", count: 10_000), to: path)
        // Group- and world-writable: bits the usual umask (022) takes away from a new file.
        #expect(chmod(path, 0o666) == 0)
        let before = Self.inode(path)
        Self.write("new", to: path)
        #expect(try Self.read(path) == "new", "nothing of the longer old report is left")
        #expect(Self.inode(path) != before, "a new file, not the old one truncated")
        #expect(Self.mode(path) == 0o666, "the old file's permission bits, whatever the umask")
        #expect(try FileManager.default.contentsOfDirectory(atPath: d) == ["report.json"], "no file left beside it")
    }

    @Test func aMissingFileIsCreatedAndAnEmptyOneWrittenInPlace() throws {
        let d = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: d) }
        let path = d + "/report.json"
        Self.write("first", to: path)
        #expect(try Self.read(path) == "first")
        let empty = d + "/empty.json"
        #expect(FileManager.default.createFile(atPath: empty, contents: Data()))
        let inode = Self.inode(empty)
        Self.write("filled", to: empty)
        #expect(try Self.read(empty) == "filled")
        #expect(Self.inode(empty) == inode, "an empty file has nothing to wait for: written in place")
    }

    @Test func aSymbolicLinkIsWrittenThroughAndStaysALink() throws {
        let d = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: d) }
        let target = d + "/target.json", link = d + "/link.json"
        Self.write("old target content", to: target)
        #expect(symlink(target, link) == 0)
        let targetInode = Self.inode(target)
        Self.write("through the link", to: link)
        #expect((try? FileManager.default.destinationOfSymbolicLink(atPath: link)) == target)
        #expect(try Self.read(target) == "through the link")
        #expect(Self.inode(target) == targetInode, "the link's target is truncated in place")
    }

    @Test func aHardLinkedFileIsTruncatedInPlaceSoEveryNameSeesTheReport() throws {
        let d = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: d) }
        let path = d + "/report.json", other = d + "/other-name.json"
        Self.write("old report, two names", to: path)
        #expect(link(path, other) == 0)
        Self.write("new report", to: path)
        #expect(try Self.read(path) == "new report")
        #expect(try Self.read(other) == "new report")
        #expect(Self.inode(path) == Self.inode(other))
    }

    @Test func aFileThatCannotBeOpenedGivesNoSink() throws {
        let d = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: d) }
        #expect(OutputSink(path: d + "/no-such-folder/report.json") == nil)
        #expect(OutputSink(path: d) == nil, "a directory is not a report file")
    }

    /// A report the user made read-only is not replaced behind its back: opening it fails as `fopen` would
    /// (root may write any file, so this is checked as another user only).
    @Test(.enabled(if: geteuid() != 0)) func aReadOnlyReportIsNotReplaced() throws {
        let d = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: d) }
        let path = d + "/report.json"
        Self.write("kept", to: path)
        #expect(chmod(path, 0o444) == 0)
        #expect(OutputSink(path: path) == nil)
        #expect(try Self.read(path) == "kept")
    }

    /// When the new file cannot be made beside the old one (a directory that allows no new file), the
    /// old report is written in place: the name never goes missing and nothing is lost.
    @Test(.enabled(if: geteuid() != 0)) func aDirectoryWithoutRoomForANewFileGetsTheReportInPlace() throws {
        let d = try Self.directory()
        defer { chmod(d, 0o755); try? FileManager.default.removeItem(atPath: d) }
        let path = d + "/report.json"
        Self.write("old report", to: path)
        let inode = Self.inode(path)
        #expect(chmod(d, 0o555) == 0)
        Self.write("new", to: path)
        #expect(try Self.read(path) == "new")
        #expect(Self.inode(path) == inode)
    }
}
