// swift-tools-version:6.0
import PackageDescription

// libFuzzer targets for tlsdiag. A separate package, so the main package's `swift build` and
// `swift test` never see executables that only link with -sanitize=fuzzer. Build and run with
// ../scripts/fuzz.sh (swift build -Xswiftc -sanitize=fuzzer --scratch-path .build-fuzz here).
//
// Each fuzzer is an executable whose main.swift defines LLVMFuzzerTestOneInput with @_cdecl and
// hands it to LLVMFuzzerRunDriver (declared in CFuzzDriver): SwiftPM renames an executable's entry
// point, so libFuzzer's own main cannot be used (../shared/ENVIRONMENT.md §4).
let package = Package(
    name: "tlsdiag-fuzz",
    platforms: [.macOS(.v13)],
    dependencies: [
        // The repository's package. Its modules behind the TLSDiagKit product (Capture, Packets,
        // TLSWire, Connections, X509Inspect, Diagnosis, Reports, Pipeline) are all importable here.
        .package(name: "tlsdiag", path: ".."),
    ],
    targets: [
        .target(name: "CFuzzDriver"),
        // Optimised even in debug builds: the JSON checker runs on every pipeline input.
        .target(name: "FuzzSupport", dependencies: ["CFuzzDriver", .product(name: "TLSDiagKit", package: "tlsdiag")],
                swiftSettings: [.unsafeFlags(["-O"])]),
        .executableTarget(name: "FuzzCaptureReader", dependencies: ["FuzzSupport"]),
        .executableTarget(name: "FuzzPacketDecoder", dependencies: ["FuzzSupport"]),
        .executableTarget(name: "FuzzTLSStream", dependencies: ["FuzzSupport"]),
        .executableTarget(name: "FuzzTCPStream", dependencies: ["FuzzSupport"]),
        .executableTarget(name: "FuzzCertificate", dependencies: ["FuzzSupport"]),
        .executableTarget(name: "FuzzPipeline", dependencies: ["FuzzSupport"]),
    ]
)
