import WireCore
import Packets
import TLSWire

/// Everything gathered about one open connection, by direction (0 = the first sender seen, 1 = the
/// other). Roles (client/server) may be decided late, so facts are kept per direction and mapped
/// to sides only when the connection is summarised.
final class FlowData {
    let id: Int
    let input: Int
    let endpoints: PerDirection<Endpoint>
    let macs: PerDirection<EthernetAddress?>
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
    let sawDirection: PerDirection<Bool>
    let dirStats: PerDirection<DirectionStats>

    // The lists below hold the summary's own element types with direction 0 as the client and 1 as the
    // server (`side(_:)`): when that guess holds (the first sender is nearly always the client), the
    // summary shares these arrays instead of building its own copies; otherwise it flips the senders.
    var syn: RawSignal?
    var synAck: RawSignal?
    var synCount = 0
    var rsts: [TCPSignal] = []
    var fins: [TCPSignal] = []
    let finDirs: PerDirection<Bool>
    var closedAt: Timestamp?
    var gaps: [TCPGap] = []
    var endReasonOverride: String?

    var clientDir: Int?
    var roleBasis: RoleBasis?

    var entries: [TranscriptEntry] = []
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
    /// The first Certificate message of each direction among the first `maxCertificateMessages` (all the
    /// summary takes; a list of them was an allocation per TLS 1.2 connection, two with a client certificate).
    let firstCertificate: PerDirection<Located<CertificateMessage>?>
    var certificateMessages = 0
    static let maxCertificateMessages = 4
    var certificateStatus: Located<CertificateStatus>?
    var serverKeyExchange: Located<ServerKeyExchange>?
    var certificateRequest: Located<CertificateRequest>?
    var serverHelloDone: Located<Int>?
    var clientKeyExchange: Located<ClientKeyExchange>?
    var certificateVerify: Located<CertificateVerify>?
    let ccs: PerDirection<Located<Int>?>
    let finished: PerDirection<Located<Int>?>
    var newSessionTickets = 0
    var alerts: [RawAlert] = []
    var records: [RecordSize] = []
    let appDataRecords: PerDirection<Int>
    let appDataBytes: PerDirection<Int>
    let firstAppData: PerDirection<Located<Int>?>
    var heartbeats = 0
    var malformed: [Located<String>] = []
    let plaintext: PerDirection<Located<[UInt8]>?>
    var startTLSAfter: Int?
    /// Key log: the event being applied came from a decrypted record (marks its transcript line),
    /// and the wire length of the last record opened per direction (for its alert).
    var applyingDecrypted = false
    let openedRecordLength: PerDirection<Int>

    init(id: Int, input: Int, a: Endpoint, b: Endpoint, frame: Int, time: Timestamp, limits: TrackerLimits) {
        self.id = id
        self.input = input
        self.startTime = time
        self.firstFrame = frame
        self.lastFrame = frame
        self.lastTime = time
        self.limits = limits
        // Every per-direction pair in one allocation (one malloc here and one free in deinit, not fourteen).
        // What every segment reads or writes first, together at the front (one or two cache lines, not
        // four: the flows' states take turns in the cache with the capture streaming through it).
        var slab = PerDirectionSlab()
        let oSawDirection = slab.reserve(Bool.self), oMacs = slab.reserve(EthernetAddress?.self)
        let oDirStats = slab.reserve(DirectionStats.self)
        let oReassembler = slab.reserve(TCPReassembler.self), oStreams = slab.reserve(TLSRecordStream.self)
        let oFirstAppData = slab.reserve(Located<Int>?.self)
        let oAppDataRecords = slab.reserve(Int.self), oAppDataBytes = slab.reserve(Int.self)
        let oEndpoints = slab.reserve(Endpoint.self), oPlaintext = slab.reserve(Located<[UInt8]>?.self)
        let oCCS = slab.reserve(Located<Int>?.self), oFinished = slab.reserve(Located<Int>?.self)
        let oOpenedRecordLength = slab.reserve(Int.self)
        let oFirstCertificate = slab.reserve(Located<CertificateMessage>?.self)
        let oFinDirs = slab.reserve(Bool.self)
        let base = UnsafeMutableRawPointer.allocate(byteCount: slab.size, alignment: slab.alignment)
        self.slab = base
        self.reassembler = PerDirection(in: base + oReassembler, TCPReassembler(limits: limits.reassembly),
                                        TCPReassembler(limits: limits.reassembly))
        self.streams = PerDirection(in: base + oStreams, TLSRecordStream(limits: limits.tlsStream),
                                    TLSRecordStream(limits: limits.tlsStream))
        self.dirStats = PerDirection(in: base + oDirStats, DirectionStats(), DirectionStats())
        self.firstAppData = PerDirection(in: base + oFirstAppData, nil, nil)
        self.macs = PerDirection(in: base + oMacs, nil, nil)
        self.appDataRecords = PerDirection(in: base + oAppDataRecords, 0, 0)
        self.appDataBytes = PerDirection(in: base + oAppDataBytes, 0, 0)
        self.sawDirection = PerDirection(in: base + oSawDirection, false, false)
        self.finDirs = PerDirection(in: base + oFinDirs, false, false)
        self.endpoints = PerDirection(in: base + oEndpoints, a, b)
        self.plaintext = PerDirection(in: base + oPlaintext, nil, nil)
        self.ccs = PerDirection(in: base + oCCS, nil, nil)
        self.finished = PerDirection(in: base + oFinished, nil, nil)
        self.openedRecordLength = PerDirection(in: base + oOpenedRecordLength, 0, 0)
        self.firstCertificate = PerDirection(in: base + oFirstCertificate, nil, nil)
    }

    /// The one allocation behind every `PerDirection` of this flow.
    private let slab: UnsafeMutableRawPointer

    deinit {
        reassembler.deinitialize(); streams.deinitialize(); dirStats.deinitialize(); firstAppData.deinitialize()
        macs.deinitialize(); appDataRecords.deinitialize(); appDataBytes.deinitialize()
        sawDirection.deinitialize(); finDirs.deinitialize()
        endpoints.deinitialize(); plaintext.deinitialize(); ccs.deinitialize(); finished.deinitialize()
        openedRecordLength.deinitialize(); firstCertificate.deinitialize()
        slab.deallocate()
    }

    /// The side a direction's items are stored under until the summary knows the roles (see `rsts`).
    @inline(__always)
    static func side(_ dir: Int) -> Side { dir == 0 ? .client : .server }

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
        // A handshake's transcript is 10-20 lines: room for 4 at the first (SYN, SYN-ACK, the hellos) and
        // 16 past the hello, rather than growing 1, 2, 4, 8, 16. Not 16 at once: a SYN flood's 50,000
        // one-line flows would each hold room for 16 (+50 MB measured); room for 4 is ~170 bytes more each.
        if entries.isEmpty { entries.reserveCapacity(4) } else if entries.count == 4 { entries.reserveCapacity(16) }
        entries.append(TranscriptEntry(frame: frame, time: time, sender: Self.side(dir), event: event, decrypted: applyingDecrypted))
    }

    /// The direction currently believed to be the server's (for messages whose side is implied).
    var serverDir: Int { 1 - (clientDir ?? 0) }

    /// Takes the event (the tracker moves it out of its list): its kind is moved out, not copied with
    /// the hello it may carry. (Storing the ClientHello still copies it once: measured, 1 per connection.)
    func apply(_ e: consuming TLSEvent, dir: Int) {
        // Captures the event's position, not the event (capturing `e` copied the whole event per call).
        let frame = e.frame, firstFrame = e.firstFrame, time = e.time, openedAs = e.openedAs, decrypted = e.decrypted
        func loc(_ v: Int) -> Located<Int> { Located(v, frame: frame, firstFrame: firstFrame, time: time) }
        applyingDecrypted = decrypted
        defer { applyingDecrypted = false }
        // The kind is swapped out of the event, not copied: what it carries moves on into the flow.
        var kind = TLSEvent.Kind.changeCipherSpec
        swap(&kind, &e.kind)
        switch consume kind {
        case .handshake(let message, let length):
            sawTLS = true
            apply(message, length: length, frame: frame, firstFrame: firstFrame, time: time, dir: dir)
        case .malformedHandshake(let type, let length, let reason):
            sawTLS = true
            entry(frame, time, dir, .malformedHandshake(type, reason: reason))
            if malformed.count < 16 {
                malformed.append(Located("\(type) (\(length) bytes): \(reason)", frame: frame, firstFrame: firstFrame, time: time))
            }
            note(Anomaly(.malformedHandshake, frame: frame, "\(type) message could not be decoded: \(reason)"))
        case .encryptedHandshake(let length):
            sawTLS = true
            entry(frame, time, dir, .encryptedHandshake(length: length))
            if ccs[dir] != nil && finished[dir] == nil { finished[dir] = loc(length) }
        case .changeCipherSpec:
            sawTLS = true
            entry(frame, time, dir, .changeCipherSpec)
            if ccs[dir] == nil { ccs[dir] = loc(1) }
        case .alert(let level, let description):
            sawTLS = true
            entry(frame, time, dir, .alert(level: level, description: description))
            if alerts.count < 16 {
                // Decrypted: it was encrypted on the wire, in a record of the length seen there.
                alerts.append(RawAlert(frame: frame, time: time, dir: dir, level: level, description: description,
                                       encrypted: decrypted, recordLength: decrypted ? openedRecordLength[dir] : 2,
                                       decrypted: decrypted))
            }
        case .encryptedAlert(let length):
            sawTLS = true
            entry(frame, time, dir, .encryptedAlert(length: length))
            if alerts.count < 16 {
                alerts.append(RawAlert(frame: frame, time: time, dir: dir, level: nil, description: nil,
                                       encrypted: true, recordLength: length))
            }
        case .applicationData(let length) where openedAs != nil && openedAs != .applicationData:
            // A protected record that held handshake messages or an alert (they follow as their own
            // events): kept among the record sizes, exactly as without keys, but it is not data.
            sawTLS = true
            openedRecordLength[dir] = length
            if serverHello != nil && records.count < limits.maxRecordSizes {
                if records.capacity == 0 { records.reserveCapacity(16) }
                records.append(RecordSize(frame: frame, sender: Self.side(dir), contentType: .applicationData, length: length))
            }
        case .applicationData(let length):
            sawTLS = true
            appDataRecords[dir] += 1
            appDataBytes[dir] += length
            if firstAppData[dir] == nil { firstAppData[dir] = loc(length) }
            if serverHello != nil && records.count < limits.maxRecordSizes {
                if records.capacity == 0 { records.reserveCapacity(16) }
                records.append(RecordSize(frame: frame, sender: Self.side(dir), contentType: .applicationData, length: length))
            }
            // Runs of application data from one side are one transcript line.
            // Read in place: `entries.last` copied the whole entry per record.
            if let i = entries.indices.last, entries[i].sender == Self.side(dir),
               case .applicationData(let n, let b) = entries[i].event {
                entries[i].event = .applicationData(records: n + 1, bytes: b + length)
            } else {
                entry(frame, time, dir, .applicationData(records: 1, bytes: length))
            }
        case .heartbeat(let length):
            heartbeats += 1
            entry(frame, time, dir, .heartbeat(length: length))
        case .notTLS(let preview):
            if plaintext[dir] == nil { plaintext[dir] = Located(preview, frame: frame, firstFrame: firstFrame, time: time) }
            entry(frame, time, dir, .plaintext(bytes: preview.count))
        case .tlsAfterPlaintext(let bytes):
            startTLSAfter = bytes
            entry(frame, time, dir, .tlsAfterPlaintext(bytes: bytes))
        case .resynchronized(let skipped):
            entry(frame, time, dir, .resynchronized(skipped: skipped))
            if skipped > 0 {
                note(Anomaly(.recordResync, frame: frame, "TLS record framing recovered after skipping \(skipped) bytes"))
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

    private func apply(_ message: consuming HandshakeMessage, length: Int, frame: Int, firstFrame: Int, time: Timestamp, dir: Int) {
        func loc<T>(_ v: consuming T) -> Located<T> { Located(v, frame: frame, firstFrame: firstFrame, time: time) }
        if case .serverHello(let sh) = message, sh.isHelloRetryRequest {
            entry(frame, time, dir, .helloRetryRequest)
        } else {
            entry(frame, time, dir, .handshake(message.type, length: length))
        }
        switch consume message {
        case .clientHello(let ch):
            decideRole(clientDir: dir, basis: .clientHello)
            if clientHello == nil {
                if let keys = limits.keySource {
                    // Both directions learn the client random now; each looks its secrets up at the ServerHello.
                    streams[dir].expectKeys(from: keys, clientRandom: ch.random, sender: .client)
                    streams[1 - dir].expectKeys(from: keys, clientRandom: ch.random, sender: .server)
                }
                clientHello = loc(ch)   // the hello's last use
                clientHelloDir = dir
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
               let a = streams[1 - dir].startDecryption(cipherSuite: sh.cipherSuite, frame: frame) {
                anomalies.append(a)
            }
        case .certificate(let cm):
            if certificateMessages < Self.maxCertificateMessages {
                certificateMessages += 1
                if firstCertificate[dir] == nil { firstCertificate[dir] = loc(cm) }
            }
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

/// Two values, one per direction, in storage that belongs to one `FlowData` (in its slab, initialised in
/// its init, deinitialised in its deinit). Subscripting reads or mutates the element in place through a pointer:
/// unlike a `[T]` property of a class it costs no dynamic exclusivity check, no uniqueness test and
/// no copy per access, which matters on the per-segment path. Only its FlowData may hold it, and
/// only the tracker's thread touches a flow; the direction must be 0 or 1, as array indices were.
struct PerDirection<Element> {
    private let base: UnsafeMutablePointer<Element>

    /// Initialises the pair at `memory` (reserved for two `Element`s by a `PerDirectionSlab`).
    init(in memory: UnsafeMutableRawPointer, _ first: Element, _ second: Element) {
        base = memory.bindMemory(to: Element.self, capacity: 2)
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

    /// Ends the values' lives; the memory is the slab's (FlowData.deinit only).
    func deinitialize() {
        base.deinitialize(count: 2)
    }
}

/// Lays out several `PerDirection` pairs in one allocation: each `reserve` returns the byte offset of a
/// pair, aligned for its element.
struct PerDirectionSlab {
    private(set) var size = 0
    private(set) var alignment = 1

    mutating func reserve<Element>(_: Element.Type) -> Int {
        let a = MemoryLayout<Element>.alignment
        let offset = (size + a - 1) / a * a
        size = offset + 2 * MemoryLayout<Element>.stride
        alignment = max(alignment, a)
        return offset
    }
}
