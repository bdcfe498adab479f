// swift-tools-version:6.0
import PackageDescription
import Foundation

// One target per pipeline stage; data flows one way, as value types:
// Capture (libpcap) -> Packets (link/IP/TCP + reassembly) -> TLSWire (records, handshake)
// -> Connections (per-connection transcript) -> X509Inspect (OpenSSL) -> Diagnosis (rules)
// -> Reports (renderers). Pipeline wires them; tlsdiag is the thin CLI.

// Release builds skip Swift's run-time exclusivity checks (`swift_beginAccess` on every access to a class
// property): 6 % of the instructions of a gigabyte run. Debug builds, which the tests run, keep them.
let releaseSpeed: [SwiftSetting] = [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]

// Release builds on Linux allocate with jemalloc (Debian's libjemalloc-dev; scripts/setup.sh installs it).
// Why: the packet thread allocates what the render thread frees, and glibc's malloc serialises those
// frees on one arena lock (10-12 K voluntary context switches in a gigabyte run); jemalloc's thread caches
// hand them back in batches. Linked as a shared library ahead of libc, its malloc/free replace glibc's for
// every caller in the process (the Swift runtime, libc, libpcap, OpenSSL alike), as glibc allows. Not the
// static archive: the static Swift runtime's link options hide every archive's symbols, so libc and
// OpenSSL would keep glibc's malloc beside it. Without the library (or with TLSDIAG_MALLOC=system) the
// build uses glibc's malloc: the same output, only slower. Debug builds (tests, sanitizers, fuzzers) keep
// glibc's. The check looks at the machine that evaluates this manifest, so a cross-compiled build should set
// TLSDIAG_MALLOC=system; and SwiftPM caches the manifest's result, so after installing or removing the
// library, `swift package purge-cache` or a clean build makes it count.
let jemallocLibraries = ["/usr/lib/x86_64-linux-gnu/libjemalloc.so", "/usr/lib/aarch64-linux-gnu/libjemalloc.so"]
let useJemalloc = ProcessInfo.processInfo.environment["TLSDIAG_MALLOC"] != "system"
    && jemallocLibraries.contains { FileManager.default.fileExists(atPath: $0) }
let releaseAllocator: [LinkerSetting] = useJemalloc
    ? [.linkedLibrary("jemalloc", .when(platforms: [.linux], configuration: .release))]
    : []

let package = Package(
    name: "tlsdiag",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "tlsdiag", targets: ["tlsdiag"]),
        .library(name: "TLSDiagKit", targets: ["Pipeline"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        .systemLibrary(name: "CPcap", pkgConfig: "libpcap",
                       providers: [.apt(["libpcap-dev"]), .brew(["libpcap"])]),
        .systemLibrary(name: "COpenSSL", pkgConfig: "openssl",
                       providers: [.apt(["libssl-dev"]), .brew(["openssl@3"])]),
        // C wrappers for OpenSSL macros the clang importer cannot see (STACK_OF, OPENSSL_free, ...).
        .target(name: "CTLSShims", dependencies: ["COpenSSL"]),
        // SIGBUS guard for capture files read through a memory mapping (Capture/MappedPcapRecords).
        .target(name: "CMappedFile"),
        // SSE2 scan for bytes a JSON string must escape (Reports/JSON/JSONWriter), inlined into Swift.
        .target(name: "CJSONScan"),

        .target(name: "WireCore", swiftSettings: releaseSpeed),
        .target(name: "Capture", dependencies: ["WireCore", "CPcap", "CMappedFile"], swiftSettings: releaseSpeed),
        .target(name: "Packets", dependencies: ["WireCore"], swiftSettings: releaseSpeed),
        .target(name: "TLSWire", dependencies: ["WireCore"], swiftSettings: releaseSpeed),
        .target(name: "Connections", dependencies: ["WireCore", "Packets", "TLSWire"], swiftSettings: releaseSpeed),
        .target(name: "X509Inspect", dependencies: ["WireCore", "COpenSSL", "CTLSShims"], swiftSettings: releaseSpeed),
        // TLS 1.3 record decryption with a key log (--keylog): HKDF and AEAD through OpenSSL, behind
        // TLSWire's RecordDecryptor protocol, so libcrypto stays at the edges.
        .target(name: "TLSDecrypt", dependencies: ["WireCore", "TLSWire", "COpenSSL"], swiftSettings: releaseSpeed),
        .target(name: "Diagnosis", dependencies: ["WireCore", "TLSWire", "Connections", "X509Inspect"],
                // Profiles are compiled into the binary (PackageResources.<file>): a resource bundle is looked
                // up beside the executable at start (~19 M instructions), and a binary installed without its
                // bundle stopped with a fatal error. A new profile file is one more line here and one in
                // VendorProfiles.shippedFiles (VendorProfileFilesTests checks they agree with the folder).
                resources: [.embedInCode("Profiles/algo.json")],
                swiftSettings: releaseSpeed),
        .target(name: "Reports", dependencies: ["WireCore", "Capture", "Packets", "TLSWire", "Connections", "X509Inspect", "Diagnosis", "CJSONScan"], swiftSettings: releaseSpeed),
        .target(name: "Pipeline", dependencies: ["WireCore", "Capture", "Packets", "TLSWire", "Connections",
                                                 "X509Inspect", "Diagnosis", "Reports", "TLSDecrypt"],
                swiftSettings: releaseSpeed),
        .executableTarget(name: "tlsdiag", dependencies: [
            "Pipeline",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], swiftSettings: releaseSpeed, linkerSettings: releaseAllocator),

        // Helpers shared by the test targets (a seeded generator); not part of any product.
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "WireCoreTests", dependencies: ["WireCore", "TestSupport"]),
        .testTarget(name: "PacketsTests", dependencies: ["Packets", "WireCore"]),
        .testTarget(name: "TLSWireTests", dependencies: ["TLSWire", "WireCore", "TestSupport"]),
        .testTarget(name: "TLSDecryptTests", dependencies: ["TLSDecrypt", "TLSWire", "WireCore"]),
        .testTarget(name: "DiagnosisTests", dependencies: ["Diagnosis", "Connections", "TLSWire", "WireCore", "TestSupport"]),
        .testTarget(name: "X509InspectTests", dependencies: ["X509Inspect", "WireCore", "TestSupport"],
                    resources: [.copy("Fixtures")]),
        // Live capture: pcapng writer (any user) and real TLS peers captured live (root only, else skipped).
        .testTarget(name: "LiveTests", dependencies: ["Capture", "WireCore"]),
        .testTarget(name: "ReportsTests", dependencies: ["Reports", "Diagnosis", "Connections", "Pipeline", "Capture", "Packets",
                                                         "TLSWire", "X509Inspect", "WireCore"]),
        .testTarget(name: "PipelineTests", dependencies: ["Pipeline", "Capture", "Packets", "TLSWire",
                                                          "Connections", "X509Inspect", "Diagnosis", "Reports", "TestSupport"]),
        // Hostile input: every fixture truncated and corrupted, small floods, fuzzer regressions.
        .testTarget(name: "RobustnessTests", dependencies: ["Pipeline", "Capture", "Packets", "TLSWire",
                                                            "Connections", "X509Inspect", "Diagnosis", "Reports", "WireCore", "TestSupport"]),
    ]
)
