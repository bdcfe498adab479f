import Testing
import Foundation
import TestSupport

/// The binary is all an engineer copies to a laptop or /usr/local/bin: it must work with nothing beside
/// it. (It used to look up a SwiftPM resource bundle at start, which ended it with a fatal error when the
/// bundle was missing. On the build machine that lookup also fell back to the build folder's absolute
/// path, so this test shows the copy works and applies its profile; the old failure was reproduced by
/// hand, with the build folder's bundle moved away.)
@Suite struct StandaloneBinaryTests {
    @Test func aCopyOfTheBinaryAloneInAFolderAnalysesAndAppliesTheBuiltInProfile() throws {
        let built = try #require(CLI.binary, "no tlsdiag binary next to the tests")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tlsdiag-alone-\(getpid())")
        try? FileManager.default.removeItem(at: dir)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let alone = dir.appendingPathComponent("tlsdiag")
        try FileManager.default.copyItem(at: built, to: alone)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["tlsdiag"])

        let r = try CLI.run(["analyze", "--format", "json", "captures/expired.pcap"], executable: alone)
        #expect(r.status == 1, "a failed handshake was found: \(r.stderr)")
        #expect(!r.stderr.contains("Fatal error"))
        #expect(r.stdout.contains("\"profile\":\"algo\""), "the Algo profile applies by the device's OUI")
    }
}
