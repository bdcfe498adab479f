import Foundation
import WireCore
import Capture
import Packets
import Connections
import X509Inspect
import Diagnosis
import Reports
import Pipeline
import TestSupport

/// In-process analysis of hostile bytes: write them to a temp file, run the same CaptureAnalysis the
/// CLI runs, and check what came back is sane (a one-line input error, or an analysis whose JSON is valid).
enum Robust {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Every committed fixture capture, by name.
    static let fixtures: [(name: String, bytes: [UInt8])] = {
        let dir = repo.appendingPathComponent("captures")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        return names.filter { $0.hasSuffix(".pcap") || $0.hasSuffix(".pcapng") }.sorted().compactMap { n in
            (try? Data(contentsOf: dir.appendingPathComponent(n))).map { (n, Array($0)) }
        }
    }()

    static let tmp: URL = {
        let u = FileManager.default.temporaryDirectory.appendingPathComponent("tlsdiag-robust-\(getpid())")
        try? FileManager.default.createDirectory(at: u, withIntermediateDirectories: true)
        return u
    }()

    static func pki(_ name: String) -> String { repo.appendingPathComponent("captures/pki/\(name)").path }

    static let options: AnalysisOptions = {
        let client = (try? TrustStore.load(paths: [pki("rootA.pem")], label: "client")) ?? .empty
        let server = (try? TrustStore.load(paths: [pki("vendorRoot.pem"), pki("clientCA.pem")], label: "server")) ?? .empty
        return AnalysisOptions(trust: TrustConfiguration(clientTrust: client, clientTrustExplicit: true, serverTrust: server),
                               profiles: VendorProfiles.builtIn())
    }()
    static let cache = CertificateCache()

    struct Outcome {
        var path: String
        var input: InputResult
        var connections: [AnalyzedConnection]
        var seconds: Double
    }

    static func write(_ bytes: [UInt8], name: String) -> String {
        let p = tmp.appendingPathComponent("\(UUID().uuidString)-\(name)").path
        FileManager.default.createFile(atPath: p, contents: Data(bytes))
        return p
    }

    static func analyze(path: String, limits: TrackerLimits? = nil) -> Outcome {
        var o = options
        if let limits { o.limits = limits }
        let analysis = CaptureAnalysis(options: o, cache: cache)
        var out: [AnalyzedConnection] = []
        let start = ContinuousClock.now
        let input = analysis.run(path: path, input: 0, onConnection: { out.append($0) })
        let d = ContinuousClock.now - start
        return Outcome(path: path, input: input, connections: out,
                       seconds: Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18)
    }

    /// Analyses `bytes` as a capture file; the file is removed afterwards.
    static func analyze(_ bytes: [UInt8], name: String, limits: TrackerLimits? = nil) -> Outcome {
        let p = write(bytes, name: name)
        defer { try? FileManager.default.removeItem(atPath: p) }
        return analyze(path: p, limits: limits)
    }

    /// The codes a broken file may produce; anything else would be a surprise worth a look.
    static let inputErrorCodes: Set<CaptureError.Code> = [.empty, .notACapture, .truncatedHeader, .unsupportedLinkType, .openFailed]

    /// What is wrong with an outcome, or nil. `checkJSON` renders every connection and the input as JSON
    /// and checks the bytes strictly (UTF-8, escaped control characters).
    static func problem(_ o: Outcome, checkJSON: Bool, maxSeconds: Double = 5) -> String? {
        if o.seconds > maxSeconds { return "took \(o.seconds) s (hang?)" }
        if let e = o.input.error {
            if !o.connections.isEmpty { return "input error and connections at once" }
            if e.description.contains("\n") { return "multi-line input error: \(e.description)" }
            if !e.description.hasPrefix(o.path + ": ") || e.reason.isEmpty { return "input error does not name the file: \(e.description)" }
            if !inputErrorCodes.contains(e.code) { return "unexpected input error code \(e.code.rawValue): \(e.description)" }
            return nil
        }
        guard let info = o.input.info else { return "neither an error nor input info" }
        if let p = info.readProblem, p.contains("\n") { return "multi-line read problem: \(p)" }
        if o.connections.count != o.input.connections { return "\(o.connections.count) connections emitted, \(o.input.connections) counted" }
        if checkJSON {
            var w = JSONWriter()
            w.beginArray()
            for (i, ac) in o.connections.enumerated() { ConnectionJSON.write(ac, id: i + 1, to: &w) }
            w.endArray()
            if let p = JSONCheck.problem(in: w.bytes) { return "connections JSON invalid: \(p)" }
            var iw = JSONWriter()
            InputJSON.write([o.input], to: &iw)
            if let p = JSONCheck.problem(in: iw.bytes) { return "inputs JSON invalid: \(p)" }
        }
        return nil
    }

    /// Keeps a failing input for reproduction and says where it is.
    static func keep(_ bytes: [UInt8], _ label: String) -> String {
        let dir = repo.appendingPathComponent("fuzz/out/robustness")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let p = dir.appendingPathComponent(label.replacingOccurrences(of: "/", with: "_")).path
        FileManager.default.createFile(atPath: p, contents: Data(bytes))
        return p
    }
}

/// Where each frame (pcap) or block (pcapng) starts, and where the file header ends.
enum CaptureLayout {
    static func recordOffsets(_ b: [UInt8]) -> [Int] {
        guard b.count >= 24 else { return [] }
        let magic = UInt32(b[0]) | UInt32(b[1]) << 8 | UInt32(b[2]) << 16 | UInt32(b[3]) << 24
        func u32(_ o: Int, _ le: Bool) -> Int {
            guard o + 4 <= b.count else { return -1 }
            return le ? Int(b[o]) | Int(b[o + 1]) << 8 | Int(b[o + 2]) << 16 | Int(b[o + 3]) << 24
                      : Int(b[o]) << 24 | Int(b[o + 1]) << 16 | Int(b[o + 2]) << 8 | Int(b[o + 3])
        }
        var out: [Int] = []
        if magic == 0x0A0D0D0A { // pcapng: byte order from the section header's magic
            let le = b.count >= 12 && b[8] == 0x4D
            var off = 0
            while off + 12 <= b.count {
                out.append(off)
                let len = u32(off + 4, le)
                guard len >= 12 else { break }
                off += len
            }
            return out
        }
        let le: Bool
        switch magic {
        case 0xA1B2C3D4, 0xA1B23C4D: le = true
        case 0xD4C3B2A1, 0x4D3CB2A1: le = false
        default: return []
        }
        var off = 24
        while off + 16 <= b.count {
            out.append(off)
            let incl = u32(off + 8, le)
            guard incl >= 0 else { break }
            off += 16 + incl
        }
        return out
    }
}
