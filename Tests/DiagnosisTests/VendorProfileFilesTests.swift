import Testing
import Foundation
@testable import Diagnosis

/// Built-in profiles are compiled in: each file of Sources/Diagnosis/Profiles must be embedded by
/// Package.swift and listed in `VendorProfiles.shippedFiles`, or it would silently never load.
struct VendorProfileFilesTests {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test func everyProfileFileIsEmbeddedListedAndDecodes() throws {
        let folder = Self.repo.appendingPathComponent("Sources/Diagnosis/Profiles")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".json") }.sorted()
        #expect(!names.isEmpty)
        let package = try String(contentsOf: Self.repo.appendingPathComponent("Package.swift"), encoding: .utf8)
        let files = try names.map { try [UInt8](Data(contentsOf: folder.appendingPathComponent($0))) }
        for (name, bytes) in zip(names, files) {
            #expect(package.contains(".embedInCode(\"Profiles/\(name)\")"), "\(name) is not embedded by Package.swift")
            #expect(VendorProfiles.shippedFiles.contains(bytes), "\(name) is not in VendorProfiles.shippedFiles")
        }
        #expect(VendorProfiles.shippedFiles.count == names.count)
        #expect(VendorProfiles.builtIn().count == names.count, "every shipped profile decodes")
    }
}
