import WireCore
import Capture
import Packets
import TLSWire
import Connections
import X509Inspect
import Diagnosis
import Reports

/// Options for one analysis run.
public struct AnalysisOptions: Sendable {
    public var trust: TrustConfiguration
    public var limits = TrackerLimits()
    public var profiles: [VendorProfile]
    public var forcedProfile: VendorProfile?
    public init(trust: TrustConfiguration, profiles: [VendorProfile], forcedProfile: VendorProfile? = nil) {
        self.trust = trust; self.profiles = profiles; self.forcedProfile = forcedProfile
    }
}

/// The one place the stages meet: capture → packets → TCP/TLS connections → certificates → diagnosis.
public final class CaptureAnalysis {
    public let options: AnalysisOptions
    let certificates: CertificateAnalyzer
    let diagnoser: Diagnoser

    public init(options: AnalysisOptions, cache: CertificateCache) {
        self.options = options
        self.certificates = CertificateAnalyzer(trust: options.trust, cache: cache)
        self.diagnoser = Diagnoser(profiles: options.profiles, forcedProfile: options.forcedProfile, trust: options.trust)
    }

    /// Certificates and rules for one connection. Taken by value, to be moved into the result: a borrowed one
    /// was copied into it (a retain of every array in the connection), even when the caller's was a temporary.
    public func analyze(_ c: consuming Connection) -> AnalyzedConnection {
        let (server, client) = certificates.analyze(c)
        return diagnoser.diagnose(AnalyzedConnection(connection: c, serverChain: server, clientChain: client))
    }

    /// Reads one input and calls `onConnection` for each connection as it finishes (streaming), analysed.
    public func run(path: String, input: Int, onConnection: (AnalyzedConnection) -> Void,
                    progress: ((Int) -> Void)? = nil) -> InputResult {
        var explained = 0
        var result = read(path: path, input: input, onFinished: { flow in
            let ac = self.analyze(flow.summarize())
            if Self.explainsItself(ac) { explained += 1 }
            onConnection(ac)
        }, progress: progress)
        conclude(&result, explainedConnections: explained)
        return result
    }

    /// The packet half of `run`: reads one input and calls `onFinished` with each connection as it
    /// finishes, not yet summarised or analysed, so the summary, certificates and rules can run on
    /// another thread. The caller then calls `conclude` with how many of them `explainsItself`.
    public func read(path: String, input: Int, onFinished: (FinishedFlow) -> Void,
                     progress: ((Int) -> Void)? = nil) -> InputResult {
        var result = InputResult(path: path == "-" ? "<stdin>" : path)
        let reader: PcapFileReader
        do {
            reader = try PcapFileReader(path: path)
        } catch {
            result.error = error
            return result
        }
        var counters = PacketCounters()
        var sawTLS = 0
        var total = 0
        withoutActuallyEscaping(onFinished) { emit in
            let tracker = ConnectionTracker(input: input, limits: options.limits, emitFinished: { flow in
                total += 1
                if flow.sawTLS { sawTLS += 1 }
                emit(flow)
            })
            let feed = FrameFeed(tracker: tracker)
            reader.forEachFrame { frame in
                feed.process(frame)
                if let progress, feed.counters.frames & 0xffff == 0 { progress(feed.counters.frames) }
            }
            feed.finish()
            counters = feed.counters
            result.tracker = tracker.stats
        }
        result.info = reader.info
        result.packets = counters
        result.connections = total
        result.tlsConnections = sawTLS
        return result
    }

    /// A connection whose findings already say what happened (a warning or an error).
    public static func explainsItself(_ ac: AnalyzedConnection) -> Bool {
        ac.findings.contains(where: { $0.severity >= .warning })
    }

    /// Findings about the input as a whole, once its connections are analysed.
    public func conclude(_ result: inout InputResult, explainedConnections: Int) {
        guard result.error == nil else { return }
        let packets = result.packets
        // "No TLS at all" is the finding only when no connection already explains itself (refused, plaintext SIP to 5061 …).
        if result.tlsConnections == 0 && explainedConnections == 0 {
            result.findings.append(InputRules.noTLS(counters: packets, connections: result.connections, frames: packets.frames))
        }
    }
}

/// Frames into packets into connections: the path every frame takes, from a file or a live
/// interface alike, so live findings and the findings of the saved capture agree.
public final class FrameFeed {
    public let tracker: ConnectionTracker
    public private(set) var counters = PacketCounters()
    var fragments = IPv4FragmentTable()

    public init(tracker: ConnectionTracker) { self.tracker = tracker }

    /// End of input: fragments that never completed are reported on their connections, then every
    /// connection is finished (`reason` is what its end reason says).
    public func finish(reason: String = "end of capture") {
        fragments.finish()
        for a in fragments.abandoned { tracker.noteFragment(source: a.source, destination: a.destination, frame: a.frame) }
        counters.reassembledIPPackets = fragments.reassembled
        tracker.finishAll(reason: reason)
    }

    @inline(__always)
    public func process(_ frame: borrowing CapturedFrame) {
        counters.frames += 1
        if frame.isTruncated { counters.snaplenTruncatedFrames += 1 }
        // The usual frame (Ethernet, IPv4 or plain IPv6, TCP) is decoded and processed by the tracker in one
        // step (`PacketDecoder.decodeTCP`); any other is decoded here, in place (no DecodedFrame built and
        // taken apart again per frame).
        if tracker.processFrame(linkType: frame.linkType.rawValue, bytes: frame.bytes, originalLength: frame.originalLength,
                                frame: frame.number, time: frame.timestamp) {
            counters.tcpSegments += 1
            return
        }
        processOther(frame)
    }

    /// A frame `ConnectionTracker.processFrame` leaves to the full decoder (out of line: the per-frame
    /// path above stays small).
    @inline(never)
    func processOther(_ frame: borrowing CapturedFrame) {
        var seg = TCPSegment()
        if let other = PacketDecoder.decode(linkType: frame.linkType.rawValue, bytes: frame.bytes,
                                            originalLength: frame.originalLength, into: &seg) {
            counters.count(other, frame: frame.number)
            if case .ipFragment(let src, let dst, _, let packet) = other {
                let number = frame.number, time = frame.timestamp
                if let whole = fragments.add(packet: packet, frame: number) {
                    // A reassembled packet is decoded as raw IPv4 and attributed to the completing frame.
                    whole.withUnsafeBytes { raw in
                        if case .tcp(let seg) = PacketDecoder.decode(linkType: PacketDecoder.dltIPv4, bytes: raw, originalLength: raw.count) {
                            counters.tcpSegments += 1
                            tracker.process(seg, frame: number, time: time)
                        }
                    }
                } else if packet.isEmpty {
                    tracker.noteFragment(source: src, destination: dst, frame: frame.number)
                }
            }
        } else {
            counters.tcpSegments += 1
            tracker.process(seg, frame: frame.number, time: frame.timestamp)
        }
    }
}
