import WireCore
import Packets
import TLSWire

/// Everything gathered about one open connection, by direction (0 = the first sender seen, 1 = the
/// other). Roles (client/server) may be decided late, so facts are kept per direction and mapped
/// to sides only when the connection is summarised.
final class FlowData {
    let id: Int
    let input: Int
    let endpoints: [Endpoint]
    let macs = PerDirection<EthernetAddress?>(nil, nil)
    var vlanIDs: [UInt16] = []
    let startTime: Timestamp
    let firstFrame: Int
    var lastFrame: Int
    var lastTime: Timestamp
    let limits: TrackerLimits

    // Per-direction state touched by every segment lives in flow-owned storage (`PerDirection`):
    // mutated in place with no exclusivity check or copy-on-write test per access.
    let reassembler: PerDirection<TCPReassembler>
    let streams: PerDirection<TLSRecordStream>
    let sawDirection = PerDirection(false, false)
    let dirStats = PerDirection(DirectionStats(), DirectionStats())

    var syn: RawSignal?
    var synAck: RawSignal?
    var synCount = 0
    var rsts: [RawSignal] = []
    var fins: [RawSignal] = []
    let finDirs = PerDirection(false, false)
    var closedAt: Timestamp?
    var gaps: [RawGap] = []
    var endReasonOverride: String?

    var clientDir: Int?
    var roleBasis: RoleBasis?

    var entries: [RawEntry] = []
    var entriesTruncated = false
    var anomalies: [Anomaly] = []

    // TLS facts.
    var sawTLS = false
    /// TLS seen by the flow or by either direction's record stream: the summary's `tls.sawTLS`.
    var sawAnyTLS: Bool { sawTLS || streams[0].sawTLS || streams[1].sawTLS }
    var clientHello: Located<ClientHello>?
    var clientHelloDir = 0
    var retryClientHello: Located<ClientHello>?
    var serverHello: Located<ServerHello>?
    var helloRetryRequest: Located<ServerHello>?
    var certificates: [(dir: Int, message: Located<CertificateMessage>)] = []
    var certificateStatus: Located<CertificateStatus>?
    var serverKeyExchange: Located<ServerKeyExchange>?
    var certificateRequest: Located<CertificateRequest>?
    var serverHelloDone: Located<Int>?
    var clientKeyExchange: Located<ClientKeyExchange>?
    var certificateVerify: Located<CertificateVerify>?
    var ccs: [Located<Int>?] = [nil, nil]
    var finished: [Located<Int>?] = [nil, nil]
    var newSessionTickets = 0
    var alerts: [RawAlert] = []
    var records: [RawRecord] = []
    let appDataRecords = PerDirection(0, 0)
    let appDataBytes = PerDirection(0, 0)
    let firstAppData = PerDirection<Located<Int>?>(nil, nil)
    var heartbeats = 0
    var malformed: [Located<String>] = []
    var plaintext: [Located<[UInt8]>?] = [nil, nil]
    var startTLSAfter: Int?
    /// Key log: the event being applied came from a decrypted record (marks its transcript line),
    /// and the wire length of the last record opened per direction (for its alert).
    var applyingDecrypted = false
    var openedRecordLength = [0, 0]

    init(id: Int, input: Int, a: Endpoint, b: Endpoint, frame: Int, time: Timestamp, limits: TrackerLimits) {
        self.id = id
        self.input = input
        self.endpoints = [a, b]
        self.startTime = time
        self.firstFrame = frame
        self.lastFrame = frame
        self.lastTime = time
        self.limits = limits
        self.reassembler = PerDirection(TCPReassembler(limits: limits.reassembly), TCPReassembler(limits: limits.reassembly))
        self.streams = PerDirection(TLSRecordStream(limits: limits.tlsStream), TLSRecordStream(limits: limits.tlsStream))
    }

    deinit {
        macs.release(); reassembler.release(); streams.release(); sawDirection.release(); dirStats.release()
        finDirs.release(); appDataRecords.release(); appDataBytes.release(); firstAppData.release()
    }

    /// Stronger evidence of who is the client overrides weaker: SYN > SYN-ACK > ClientHello > ServerHello.
    func decideRole(clientDir dir: Int, basis: RoleBasis) {
        if let current = roleBasis, Self.rank(current) >= Self.rank(basis) { return }
        clientDir = dir
        roleBasis = basis
    }

    private static func rank(_ basis: RoleBasis) -> Int {
        switch basis {
        case .syn: return 4
        case .synAck: return 3
        case .clientHello: return 2
        case .serverHello: return 1
        case .port: return 0
        }
    }

    func entry(_ frame: Int, _ time: Timestamp, _ dir: Int, _ event: TranscriptEntry.Event) {
        guard entries.count < limits.maxTranscriptEntries else {
            if !entriesTruncated {
                entriesTruncated = true
                anomalies.append(Anomaly(.transcriptLimit, frame: frame,
                                         "transcript cut at \(limits.maxTranscriptEntries) entries; later events are counted, not listed"))
            }
            return
        }
        entries.append(RawEntry(frame: frame, time: time, dir: dir, event: event, decrypted: applyingDecrypted))
    }

    /// The direction currently believed to be the server's (for messages whose side is implied).
    var serverDir: Int { 1 - (clientDir ?? 0) }

    func apply(_ e: TLSEvent, dir: Int) {
        let loc = { (v: Int) in Located(v, frame: e.frame, firstFrame: e.firstFrame, time: e.time) }
        applyingDecrypted = e.decrypted
        defer { applyingDecrypted = false }
        switch e.kind {
        case .handshake(let message, let length):
            sawTLS = true
            apply(message, length: length, event: e, dir: dir)
        case .malformedHandshake(let type, let length, let reason):
            sawTLS = true
            entry(e.frame, e.time, dir, .malformedHandshake(type, reason: reason))
            if malformed.count < 16 {
                malformed.append(Located("\(type) (\(length) bytes): \(reason)", frame: e.frame, firstFrame: e.firstFrame, time: e.time))
            }
            note(Anomaly(.malformedHandshake, frame: e.frame, "\(type) message could not be decoded: \(reason)"))
        case .encryptedHandshake(let length):
            sawTLS = true
            entry(e.frame, e.time, dir, .encryptedHandshake(length: length))
            if ccs[dir] != nil && finished[dir] == nil { finished[dir] = loc(length) }
        case .changeCipherSpec:
            sawTLS = true
            entry(e.frame, e.time, dir, .changeCipherSpec)
            if ccs[dir] == nil { ccs[dir] = loc(1) }
        case .alert(let level, let description):
            sawTLS = true
            entry(e.frame, e.time, dir, .alert(level: level, description: description))
            if alerts.count < 16 {
                // Decrypted: it was encrypted on the wire, in a record of the length seen there.
                alerts.append(RawAlert(frame: e.frame, time: e.time, dir: dir, level: level, description: description,
                                       encrypted: e.decrypted, recordLength: e.decrypted ? openedRecordLength[dir] : 2,
                                       decrypted: e.decrypted))
            }
        case .encryptedAlert(let length):
            sawTLS = true
            entry(e.frame, e.time, dir, .encryptedAlert(length: length))
            if alerts.count < 16 {
                alerts.append(RawAlert(frame: e.frame, time: e.time, dir: dir, level: nil, description: nil,
                                       encrypted: true, recordLength: length))
            }
        case .applicationData(let length) where e.openedAs != nil && e.openedAs != .applicationData:
            // A protected record that held handshake messages or an alert (they follow as their own
            // events): kept among the record sizes, exactly as without keys, but it is not data.
            sawTLS = true
            openedRecordLength[dir] = length
            if serverHello != nil && records.count < limits.maxRecordSizes {
                records.append(RawRecord(frame: e.frame, dir: dir, type: .applicationData, length: length))
            }
        case .applicationData(let length):
            sawTLS = true
            appDataRecords[dir] += 1
            appDataBytes[dir] += length
            if firstAppData[dir] == nil { firstAppData[dir] = loc(length) }
            if serverHello != nil && records.count < limits.maxRecordSizes {
                records.append(RawRecord(frame: e.frame, dir: dir, type: .applicationData, length: length))
            }
            // Runs of application data from one side are one transcript line.
            if let last = entries.last, last.dir == dir, case .applicationData(let n, let b) = last.event {
                entries[entries.count - 1].event = .applicationData(records: n + 1, bytes: b + length)
            } else {
                entry(e.frame, e.time, dir, .applicationData(records: 1, bytes: length))
            }
        case .heartbeat(let length):
            heartbeats += 1
            entry(e.frame, e.time, dir, .heartbeat(length: length))
        case .notTLS(let preview):
            if plaintext[dir] == nil { plaintext[dir] = Located(preview, frame: e.frame, firstFrame: e.firstFrame, time: e.time) }
            entry(e.frame, e.time, dir, .plaintext(bytes: preview.count))
        case .tlsAfterPlaintext(let bytes):
            startTLSAfter = bytes
            entry(e.frame, e.time, dir, .tlsAfterPlaintext(bytes: bytes))
        case .resynchronized(let skipped):
            entry(e.frame, e.time, dir, .resynchronized(skipped: skipped))
            if skipped > 0 {
                note(Anomaly(.recordResync, frame: e.frame, "TLS record framing recovered after skipping \(skipped) bytes"))
            }
        case .anomaly(let a):
            note(a)
        }
    }

    /// Anomalies from the byte stream are capped: a hostile stream can make one every 10 bytes
    /// (16 MB of tiny malformed records made 1.6 million). The last slot says the list was cut.
    static let maxStreamAnomalies = 64
    func note(_ a: Anomaly) {
        if anomalies.count < Self.maxStreamAnomalies - 1 {
            anomalies.append(a)
        } else if anomalies.count == Self.maxStreamAnomalies - 1 {
            anomalies.append(Anomaly(Anomaly.Kind(rawValue: "anomaly_limit"), frame: a.frame,
                                     "more than \(Self.maxStreamAnomalies - 1) anomalies on this connection; later ones (from frame \(a.frame.map(String.init) ?? "?")) are not listed"))
        }
    }

    private func apply(_ message: HandshakeMessage, length: Int, event e: TLSEvent, dir: Int) {
        func loc<T>(_ v: T) -> Located<T> { Located(v, frame: e.frame, firstFrame: e.firstFrame, time: e.time) }
        switch message {
        case .serverHello(let sh) where sh.isHelloRetryRequest:
            entry(e.frame, e.time, dir, .helloRetryRequest)
        default:
            entry(e.frame, e.time, dir, .handshake(message.type, length: length))
        }
        switch message {
        case .clientHello(let ch):
            decideRole(clientDir: dir, basis: .clientHello)
            if clientHello == nil {
                clientHello = loc(ch)
                clientHelloDir = dir
                if let keys = limits.keySource {
                    // Both directions learn the client random now; each looks its secrets up at the ServerHello.
                    streams[dir].expectKeys(from: keys, clientRandom: ch.random, sender: .client)
                    streams[1 - dir].expectKeys(from: keys, clientRandom: ch.random, sender: .server)
                }
            } else if retryClientHello == nil {
                retryClientHello = loc(ch)
            }
        case .serverHello(let sh):
            decideRole(clientDir: 1 - dir, basis: .serverHello)
            if sh.isHelloRetryRequest {
                if helloRetryRequest == nil { helloRetryRequest = loc(sh) }
            } else if serverHello == nil {
                serverHello = loc(sh)
            }
            // The peer's stream must parse its later messages with the negotiated layout.
            let ctx = streams[dir].context
            streams[1 - dir].adopt(context: ctx, tls13: streams[dir].isTLS13)
            // The server's stream started decrypting when it parsed this ServerHello; the client's starts now.
            if !sh.isHelloRetryRequest && streams[dir].isTLS13,
               let a = streams[1 - dir].startDecryption(cipherSuite: sh.cipherSuite, frame: e.frame) {
                anomalies.append(a)
            }
        case .certificate(let cm):
            if certificates.count < 4 { certificates.append((dir, loc(cm))) }
        case .certificateStatus(let cs):
            certificateStatus = loc(cs)
        case .serverKeyExchange(let ske):
            if serverKeyExchange == nil { serverKeyExchange = loc(ske) }
        case .certificateRequest(let cr):
            if certificateRequest == nil { certificateRequest = loc(cr) }
        case .serverHelloDone:
            if serverHelloDone == nil { serverHelloDone = loc(length) }
        case .clientKeyExchange(let cke):
            if clientKeyExchange == nil { clientKeyExchange = loc(cke) }
        case .certificateVerify(let cv):
            if certificateVerify == nil { certificateVerify = loc(cv) }
        case .finished(let f):
            if finished[dir] == nil { finished[dir] = loc(f.length) }
        case .newSessionTicket:
            newSessionTickets += 1
        default:
            break
        }
    }
}

/// Two values, one per direction, in storage that belongs to one `FlowData` (allocated in its init,
/// released in its deinit). Subscripting reads or mutates the element in place through a pointer:
/// unlike a `[T]` property of a class it costs no dynamic exclusivity check, no uniqueness test and
/// no copy per access, which matters on the per-segment path. Only its FlowData may hold it, and
/// only the tracker's thread touches a flow; the direction must be 0 or 1, as array indices were.
struct PerDirection<Element> {
    private let base: UnsafeMutablePointer<Element>

    init(_ first: Element, _ second: Element) {
        base = .allocate(capacity: 2)
        base.initialize(to: first)
        (base + 1).initialize(to: second)
    }

    subscript(dir: Int) -> Element {
        get {
            precondition(dir == 0 || dir == 1, "direction \(dir)")
            return base[dir]
        }
        nonmutating _modify {
            precondition(dir == 0 || dir == 1, "direction \(dir)")
            yield &base[dir]
        }
        nonmutating set {
            precondition(dir == 0 || dir == 1, "direction \(dir)")
            base[dir] = newValue
        }
    }

    /// Ends the storage's life (FlowData.deinit only).
    func release() {
        base.deinitialize(count: 2)
        base.deallocate()
    }
}
