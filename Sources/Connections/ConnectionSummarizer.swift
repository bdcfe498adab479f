import WireCore
import Packets
import TLSWire

extension HandshakeType {
    /// The message names people read in RFCs and Wireshark: "ClientHello", "CertificateRequest".
    public var displayName: String {
        switch rawValue {
        case 0: return "HelloRequest"
        case 1: return "ClientHello"
        case 2: return "ServerHello"
        case 3: return "HelloVerifyRequest"
        case 4: return "NewSessionTicket"
        case 5: return "EndOfEarlyData"
        case 8: return "EncryptedExtensions"
        case 11: return "Certificate"
        case 12: return "ServerKeyExchange"
        case 13: return "CertificateRequest"
        case 14: return "ServerHelloDone"
        case 15: return "CertificateVerify"
        case 16: return "ClientKeyExchange"
        case 20: return "Finished"
        case 21: return "CertificateURL"
        case 22: return "CertificateStatus"
        case 24: return "KeyUpdate"
        case 25: return "CompressedCertificate"
        default: return "handshake type \(rawValue)"
        }
    }
}

/// Turns a finished flow into the `Connection` value: sides, outcome, TLS 1.3 inference.
enum ConnectionSummarizer {
    /// The flow's summary. The flow stays usable (live reports summarise open flows): its messages are
    /// copied, not moved. (Moving them out of a finished flow was measured: it saves the copies here, but
    /// the hellos are then freed one connection at a time with the report's values, where glibc's free
    /// cost about three times what freeing them with the flow did.)
    static func summarize(_ d: FlowData, endReason: String) -> Connection {
        d.sortByFrameAfterReplay()
        // Who is the client: decided by SYN, SYN-ACK, hellos; failing all, the lower port is the server's.
        let clientDir: Int
        let basis: RoleBasis
        if let dir = d.clientDir, let b = d.roleBasis {
            clientDir = dir; basis = b
        } else {
            clientDir = d.endpoints[0].port >= d.endpoints[1].port ? 0 : 1
            basis = .port
        }
        let serverDir = 1 - clientDir
        func side(_ dir: Int) -> Side { dir == clientDir ? .client : .server }
        // The flow's lists are stored with direction 0 as the client: shared as they are when it is,
        // copied with the senders swapped when it is not.
        let swapped = clientDir != 0

        var tcp = TCPSummary()
        tcp.syn = d.syn.map { TCPSignal(frame: $0.frame, time: $0.time, sender: side($0.dir)) }
        tcp.synCount = d.synCount
        tcp.synAck = d.synAck.map { TCPSignal(frame: $0.frame, time: $0.time, sender: side($0.dir)) }
        tcp.fins = swapped ? d.fins.map { TCPSignal(frame: $0.frame, time: $0.time, sender: $0.sender.other) } : d.fins
        tcp.rsts = swapped ? d.rsts.map { TCPSignal(frame: $0.frame, time: $0.time, sender: $0.sender.other) } : d.rsts
        func stats(_ dir: Int) -> DirectionStats {
            var s = d.dirStats[dir]
            let r = d.reassembler[dir]
            s.retransmittedSegments = r.retransmittedSegments
            s.outOfOrderSegments = r.outOfOrderSegments
            s.gapBytes = r.gapBytes
            s.gapCount = r.gapCount
            s.reassemblyLimitHits = r.limitHits
            return s
        }
        let cs = stats(clientDir), ss = stats(serverDir)
        tcp.client = cs
        tcp.server = ss
        tcp.gaps = swapped ? d.gaps.map { TCPGap(side: $0.side.other, bytes: $0.bytes, frame: $0.frame) } : d.gaps   // at most 32
        tcp.startedBeforeCapture = d.syn == nil && d.synAck == nil
        tcp.sawClientPackets = d.sawDirection[clientDir]
        tcp.sawServerPackets = d.sawDirection[serverDir]

        // Facts read below, taken once here: no hello is copied just to be looked at.
        let hasClientHello = d.clientHello != nil
        let hasServerHello = d.serverHello != nil
        let hasHelloRetryRequest = d.helloRetryRequest != nil
        let isTLS13 = d.serverHello.map { h -> Bool in
            let v = h.value.negotiatedVersion
            return v == .tls13 || v.isTLS13Draft
        } ?? false

        var tls = TLSSummary()
        tls.sawTLS = d.sawAnyTLS
        tls.clientHello = d.clientHello
        tls.retryClientHello = d.retryClientHello
        tls.serverHello = d.serverHello
        tls.helloRetryRequest = d.helloRetryRequest
        tls.certificateStatus = d.certificateStatus
        tls.serverKeyExchange = d.serverKeyExchange
        tls.certificateRequest = d.certificateRequest
        tls.clientKeyExchange = d.clientKeyExchange
        tls.certificateVerify = d.certificateVerify
        tls.serverCertificate = d.firstCertificate[serverDir]
        tls.clientCertificate = d.firstCertificate[clientDir]
        tls.serverHelloDone = d.serverHelloDone
        tls.clientChangeCipherSpec = d.ccs[clientDir]
        tls.serverChangeCipherSpec = d.ccs[serverDir]
        let clientFinished = d.finished[clientDir], serverFinished = d.finished[serverDir]
        tls.clientFinished = clientFinished
        tls.serverFinished = serverFinished
        tls.newSessionTickets = d.newSessionTickets
        tls.encryptedRecords = swapped
            ? d.records.map { RecordSize(frame: $0.frame, sender: $0.sender.other, contentType: $0.contentType, length: $0.length) }
            : d.records
        tls.clientAppDataRecords = d.appDataRecords[clientDir]
        tls.serverAppDataRecords = d.appDataRecords[serverDir]
        tls.clientAppDataBytes = d.appDataBytes[clientDir]
        tls.serverAppDataBytes = d.appDataBytes[serverDir]
        let firstClientAppData = d.firstAppData[clientDir], firstServerAppData = d.firstAppData[serverDir]
        tls.firstClientAppData = firstClientAppData
        tls.firstServerAppData = firstServerAppData
        tls.heartbeats = d.heartbeats
        tls.malformedMessages = d.malformed
        tls.clientPlaintext = d.plaintext[clientDir]
        tls.serverPlaintext = d.plaintext[serverDir]
        tls.clientPlaintextBytes = d.streams[clientDir].isPlaintext ? cs.payloadBytes : 0
        tls.serverPlaintextBytes = d.streams[serverDir].isPlaintext ? ss.payloadBytes : 0
        tls.startTLSAfterBytes = d.startTLSAfter
        // Key log: decrypted when every protected record of both sides opened. A side without
        // secrets counts only if it sent none (an OpenSSL client rejecting the server's
        // certificate alerts in plaintext, before it derives its own handshake keys).
        tls.clientDecryption = d.streams[clientDir].decryption
        tls.serverDecryption = d.streams[serverDir].decryption
        func sideRead(_ dir: Int) -> Bool {
            switch d.streams[dir].decryption {
            case .active, .done: return true
            case .failed: return false
            case .off, .noKeys:
                let sender = FlowData.side(dir)
                return !d.records.contains { $0.sender == sender }
            }
        }
        let decrypted = isTLS13 && d.streams[0].decryptedRecords + d.streams[1].decryptedRecords > 0
            && sideRead(0) && sideRead(1)
        tls.decrypted = decrypted

        let transcript = swapped ? d.entries.map {
            TranscriptEntry(frame: $0.frame, time: $0.time, sender: $0.sender.other, event: $0.event, decrypted: $0.decrypted)
        } : d.entries

        // TLS 1.3 without keys: read the record sizes. With the key log the messages themselves are known.
        let inference: TLS13Inference? = isTLS13 && !decrypted ? inferTLS13(tls.encryptedRecords) : nil

        // Application data flowed both ways before a frame (so the handshake was over).
        let bothAppDataFrom = firstClientAppData.flatMap { c in firstServerAppData.map { s in max(c.frame, s.frame) } }
        func appDataBefore(_ frame: Int) -> Bool {
            guard let f = bothAppDataFrom else { return false }
            return f < frame
        }

        // Established, and when.
        var establishedAt: Int?
        if isTLS13 && decrypted {
            // Read as in TLS 1.2: both Finished, and no fatal alert (a server refusing the client's
            // flight answers after the client's Finished) before data flowed both ways.
            if let cf = clientFinished, serverFinished != nil,
               !d.alerts.contains(where: { $0.level == .fatal && !appDataBefore($0.frame) }) {
                establishedAt = cf.frame
            }
        } else if isTLS13 {
            if let inf = inference, inf.clientFlight == .finished || inf.clientFlight == .certificate,
               inf.serverAlertAfterClientFlight == nil {
                establishedAt = inf.clientFlightFrame
            }
        } else if let sf = serverFinished, let cf = clientFinished {
            establishedAt = max(sf.frame, cf.frame)
        } else if let cf = clientFinished, let sd = firstServerAppData, hasServerHello, sd.frame > cf.frame {
            // TLS ≤ 1.2: the server sends application data only after its own Finished, so it completed
            // the handshake even when its Finished is not readable (snaplen cut, capture gap).
            establishedAt = sd.frame
        } else if !tcp.sawClientPackets, let sf = serverFinished, tls.serverAppDataRecords > 0 {
            establishedAt = sf.frame
        } else if !tcp.sawServerPackets, let cf = clientFinished, tls.clientAppDataRecords > 0 {
            establishedAt = cf.frame
        }

        // Without a captured hello, or once both sides exchanged data, an alert is not a handshake verdict.
        let handshakeSeen = hasClientHello || hasServerHello
        var alerts = d.alerts.map { a in
            AlertRecord(frame: a.frame, time: a.time, sender: side(a.dir), level: a.level, description: a.description,
                        encrypted: a.encrypted, recordLength: a.recordLength, decrypted: a.decrypted, inferred: false,
                        after: lastHandshakeStep(before: a.frame, in: transcript),
                        duringHandshake: establishedAt.map { a.frame <= $0 } ?? (handshakeSeen && !appDataBefore(a.frame)))
        }
        if let inf = inference {
            if inf.clientFlight == .alert, let f = inf.clientFlightFrame, !alerts.contains(where: { $0.frame == f }) {
                alerts.append(AlertRecord(frame: f, time: timeOf(frame: f, transcript) ?? d.lastTime, sender: .client, level: nil,
                                          description: nil, encrypted: true, recordLength: 19, inferred: true,
                                          after: lastHandshakeStep(before: f, in: transcript), duringHandshake: true))
            }
            if let f = inf.serverAlertAfterClientFlight, !alerts.contains(where: { $0.frame == f }) {
                alerts.append(AlertRecord(frame: f, time: timeOf(frame: f, transcript) ?? d.lastTime, sender: .server, level: nil,
                                          description: nil, encrypted: true, recordLength: 19, inferred: true,
                                          after: lastHandshakeStep(before: f, in: transcript), duringHandshake: true))
            }
            alerts.sort { $0.frame < $1.frame }
        }

        let outcome = decideOutcome(tcp: tcp, sawTLS: tls.sawTLS,
                                    sawPlaintext: tls.clientPlaintext != nil || tls.serverPlaintext != nil,
                                    alerts: alerts, establishedAt: establishedAt,
                                    hasClientHello: hasClientHello, hasServerHello: hasServerHello,
                                    hasHelloRetryRequest: hasHelloRetryRequest,
                                    anyPayload: cs.payloadBytes + ss.payloadBytes > 0)
        tls.alerts = alerts

        var anomalies = d.anomalies
        if cs.truncatedSegments > 0 { anomalies.append(truncation(cs, .client)) }
        if ss.truncatedSegments > 0 { anomalies.append(truncation(ss, .server)) }
        for g in tcp.gaps.prefix(8) {
            anomalies.append(Anomaly(.tcpGap, frame: g.frame, "\(g.bytes) bytes from the \(g.side.rawValue) were not captured"))
        }
        if cs.reassemblyLimitHits > 0 { anomalies.append(reassemblyLimit(cs, .client)) }
        if ss.reassemblyLimitHits > 0 { anomalies.append(reassemblyLimit(ss, .server)) }

        // The two summaries are swapped in, not copied (a copy retained every array and hello of the TLS
        // summary, and destroying the local released them again); `consume` on them is refused by the compiler.
        var connection = Connection(
            id: d.id, input: d.input, firstFrame: d.firstFrame, lastFrame: d.lastFrame,
            startTime: d.startTime, endTime: d.lastTime,
            client: d.endpoints[clientDir], server: d.endpoints[serverDir],
            clientMAC: d.macs[clientDir], serverMAC: d.macs[serverDir], vlanIDs: d.vlanIDs,
            roleBasis: basis, tcp: TCPSummary(), tls: TLSSummary(), transcript: consume transcript,
            transcriptTruncated: d.entriesTruncated, anomalies: consume anomalies, outcome: outcome, established: establishedAt != nil, tls13: inference,
            endReason: endReason)
        swap(&connection.tcp, &tcp)
        swap(&connection.tls, &tls)
        return connection
    }

    private static func truncation(_ s: DirectionStats, _ side: Side) -> Anomaly {
        Anomaly(.snaplenTruncated, frame: s.firstTruncatedFrame,
            "\(s.truncatedSegments) \(side.rawValue) segments cut by the capture's snaplen (\(s.truncatedBytes) bytes not captured)")
    }

    private static func reassemblyLimit(_ s: DirectionStats, _ side: Side) -> Anomaly {
        Anomaly(.reassemblyLimit, frame: nil,
            "\(side.rawValue) out-of-order buffer limit reached \(s.reassemblyLimitHits) times; holes were declared gaps early")
    }

    static func decideOutcome(tcp: TCPSummary, sawTLS: Bool, sawPlaintext: Bool, alerts: [AlertRecord], establishedAt: Int?,
                              hasClientHello: Bool, hasServerHello: Bool, hasHelloRetryRequest: Bool,
                              anyPayload: Bool) -> Outcome {
        if !sawTLS {
            if sawPlaintext { return .notTLS }
            if tcp.syn != nil && tcp.synAck == nil {
                if tcp.rsts.contains(where: { $0.sender == .server }) { return .tcpRefused }
                if !tcp.sawServerPackets { return .tcpNoAnswer }
            }
            return anyPayload ? .notTLS : .noData
        }
        // The first alert that ended the handshake decides who rejected whom.
        if let a = alerts.first(where: { $0.duringHandshake && ($0.level == .fatal || ($0.encrypted && !$0.decrypted)) }) {
            return a.sender == .client ? .rejectedByClient : .rejectedByServer
        }
        if establishedAt != nil { return .established }
        if !hasClientHello && !hasServerHello { return .handshakeNotCaptured }
        if let a = alerts.first(where: { $0.duringHandshake && $0.description == .closeNotify }) {
            return a.sender == .client ? .closedByClient : .closedByServer
        }
        if !tcp.rsts.isEmpty { return .reset }
        if hasClientHello && !hasServerHello && !hasHelloRetryRequest {
            return .noServerHello
        }
        if let f = tcp.fins.first { return f.sender == .client ? .closedByClient : .closedByServer }
        return .incomplete
    }

    /// Reads the application-data records in place (no filtered copy of the list).
    static func inferTLS13(_ records: [RecordSize]) -> TLS13Inference {
        let n = records.count
        var idx = 0
        while idx < n && !(records[idx].contentType == .applicationData && records[idx].sender == .client) { idx += 1 }
        guard idx < n else {
            return TLS13Inference(clientFlight: .none, clientFlightFrame: nil, serverAlertAfterClientFlight: nil,
                                  dataAfterClientFlight: false)
        }
        let first = records[idx]
        let flight = TLS13Inference.ClientFlight(firstRecordLength: first.length)
        // After an empty or real Certificate the client still sends CertificateVerify/Finished:
        // the server's answer is its first record after the client's records stop.
        var serverAlert: Int?
        var sawServer = flight == .alert
        var data = false
        var i = idx + 1
        while i < n {
            let r = records[i]
            i += 1
            guard r.contentType == .applicationData else { continue }
            if !sawServer && r.sender == .server {
                sawServer = true
                if r.length == 19 { serverAlert = r.frame }
            }
            if !data && r.length != 19 && (r.sender == .server || flight == .finished) { data = true }
            if data && sawServer { break }
        }
        return TLS13Inference(clientFlight: flight, clientFlightFrame: first.frame,
                              serverAlertAfterClientFlight: serverAlert, dataAfterClientFlight: data)
    }

    /// The last handshake step at or before `frame`, for an alert's "after". The side is written by
    /// its raw value (what printing it gives), not through reflection.
    static func lastHandshakeStep(before frame: Int, in transcript: [TranscriptEntry]) -> String? {
        var i = transcript.count
        while i > 0 {
            i -= 1
            let e = transcript[i]
            guard e.frame <= frame else { continue }
            // Interpolated into one buffer: the `+` chain made four intermediate strings (~3.9 K instructions a call).
            switch e.event {
            case .handshake(let t, _): return "\(t.displayName) from the \(e.sender.rawValue) (frame \(e.frame))"
            case .helloRetryRequest: return "HelloRetryRequest from the server (frame \(e.frame))"
            case .encryptedHandshake: return "encrypted Finished from the \(e.sender.rawValue) (frame \(e.frame))"
            case .changeCipherSpec: return "ChangeCipherSpec from the \(e.sender.rawValue) (frame \(e.frame))"
            case .applicationData where e.frame < frame:
                return "encrypted records from the \(e.sender.rawValue) (frame \(e.frame))"
            default: continue
            }
        }
        return nil
    }

    static func timeOf(frame: Int, _ transcript: [TranscriptEntry]) -> Timestamp? {
        transcript.last { $0.frame <= frame }?.time
    }
}
