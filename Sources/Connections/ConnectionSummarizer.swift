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
    static func summarize(_ d: FlowData, endReason: String) -> Connection {
        d.sortByFrameAfterReplay()
        // Who is the client: decided by SYN, SYN-ACK, hellos; failing all, the lower port is the server's.
        let clientDir: Int
        let basis: RoleBasis
        if let c = d.clientDir, let b = d.roleBasis {
            clientDir = c; basis = b
        } else {
            clientDir = d.endpoints[0].port >= d.endpoints[1].port ? 0 : 1
            basis = .port
        }
        let serverDir = 1 - clientDir
        func side(_ dir: Int) -> Side { dir == clientDir ? .client : .server }

        var tcp = TCPSummary()
        tcp.syn = d.syn.map { TCPSignal(frame: $0.frame, time: $0.time, sender: side($0.dir)) }
        tcp.synCount = d.synCount
        tcp.synAck = d.synAck.map { TCPSignal(frame: $0.frame, time: $0.time, sender: side($0.dir)) }
        tcp.fins = d.fins.map { TCPSignal(frame: $0.frame, time: $0.time, sender: side($0.dir)) }
        tcp.rsts = d.rsts.map { TCPSignal(frame: $0.frame, time: $0.time, sender: side($0.dir)) }
        var cs = d.dirStats[clientDir], ss = d.dirStats[serverDir]
        for (dir, var s) in [(clientDir, cs), (serverDir, ss)] {
            let r = d.reassembler[dir]
            s.retransmittedSegments = r.retransmittedSegments
            s.outOfOrderSegments = r.outOfOrderSegments
            s.gapBytes = r.gapBytes
            s.gapCount = r.gapCount
            s.reassemblyLimitHits = r.limitHits
            if dir == clientDir { cs = s } else { ss = s }
        }
        tcp.client = cs
        tcp.server = ss
        tcp.gaps = d.gaps.prefix(32).map { TCPGap(side: side($0.dir), bytes: $0.bytes, frame: $0.frame) }
        tcp.startedBeforeCapture = d.syn == nil && d.synAck == nil
        tcp.sawClientPackets = d.sawDirection[clientDir]
        tcp.sawServerPackets = d.sawDirection[serverDir]

        var tls = TLSSummary()
        tls.sawTLS = d.sawAnyTLS
        tls.clientHello = d.clientHello
        tls.retryClientHello = d.retryClientHello
        tls.serverHello = d.serverHello
        tls.helloRetryRequest = d.helloRetryRequest
        for c in d.certificates {
            if c.dir == serverDir { if tls.serverCertificate == nil { tls.serverCertificate = c.message } }
            else if tls.clientCertificate == nil { tls.clientCertificate = c.message }
        }
        tls.certificateStatus = d.certificateStatus
        tls.serverKeyExchange = d.serverKeyExchange
        tls.certificateRequest = d.certificateRequest
        tls.serverHelloDone = d.serverHelloDone
        tls.clientKeyExchange = d.clientKeyExchange
        tls.certificateVerify = d.certificateVerify
        tls.clientChangeCipherSpec = d.ccs[clientDir]
        tls.serverChangeCipherSpec = d.ccs[serverDir]
        tls.clientFinished = d.finished[clientDir]
        tls.serverFinished = d.finished[serverDir]
        tls.newSessionTickets = d.newSessionTickets
        tls.encryptedRecords = d.records.map { RecordSize(frame: $0.frame, sender: side($0.dir), contentType: $0.type, length: $0.length) }
        tls.clientAppDataRecords = d.appDataRecords[clientDir]
        tls.serverAppDataRecords = d.appDataRecords[serverDir]
        tls.clientAppDataBytes = d.appDataBytes[clientDir]
        tls.serverAppDataBytes = d.appDataBytes[serverDir]
        tls.firstClientAppData = d.firstAppData[clientDir]
        tls.firstServerAppData = d.firstAppData[serverDir]
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
            case .off, .noKeys: return !d.records.contains { $0.dir == dir }
            }
        }
        tls.decrypted = tls.isTLS13 && d.streams[0].decryptedRecords + d.streams[1].decryptedRecords > 0
            && sideRead(0) && sideRead(1)

        let transcript = d.entries.map {
            TranscriptEntry(frame: $0.frame, time: $0.time, sender: side($0.dir), event: $0.event, decrypted: $0.decrypted)
        }

        // TLS 1.3 without keys: read the record sizes. With the key log the messages themselves are known.
        let inference: TLS13Inference? = tls.isTLS13 && !tls.decrypted ? inferTLS13(tls) : nil

        // Established, and when.
        var establishedAt: Int?
        if tls.isTLS13 && tls.decrypted {
            // Read as in TLS 1.2: both Finished, and no fatal alert (a server refusing the client's
            // flight answers after the client's Finished) before data flowed both ways.
            if let cf = tls.clientFinished, tls.serverFinished != nil,
               !d.alerts.contains(where: { $0.level == .fatal && !appDataBefore($0.frame, tls) }) {
                establishedAt = cf.frame
            }
        } else if tls.isTLS13 {
            if let inf = inference, inf.clientFlight == .finished || inf.clientFlight == .certificate,
               inf.serverAlertAfterClientFlight == nil {
                establishedAt = inf.clientFlightFrame
            }
        } else if let sf = tls.serverFinished, let cf = tls.clientFinished {
            establishedAt = max(sf.frame, cf.frame)
        } else if let cf = tls.clientFinished, let sd = tls.firstServerAppData, tls.serverHello != nil, sd.frame > cf.frame {
            // TLS ≤ 1.2: the server sends application data only after its own Finished, so it completed
            // the handshake even when its Finished is not readable (snaplen cut, capture gap).
            establishedAt = sd.frame
        } else if !tcp.sawClientPackets, let sf = tls.serverFinished, tls.serverAppDataRecords > 0 {
            establishedAt = sf.frame
        } else if !tcp.sawServerPackets, let cf = tls.clientFinished, tls.clientAppDataRecords > 0 {
            establishedAt = cf.frame
        }

        // Without a captured hello, or once both sides exchanged data, an alert is not a handshake verdict.
        let handshakeSeen = tls.clientHello != nil || tls.serverHello != nil
        var alerts = d.alerts.map { a -> AlertRecord in
            AlertRecord(frame: a.frame, time: a.time, sender: side(a.dir), level: a.level, description: a.description,
                        encrypted: a.encrypted, recordLength: a.recordLength, decrypted: a.decrypted, inferred: false,
                        after: lastHandshakeStep(before: a.frame, in: transcript),
                        duringHandshake: establishedAt.map { a.frame <= $0 }
                            ?? (handshakeSeen && !(appDataBefore(a.frame, tls))))
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
        tls.alerts = alerts

        let outcome = decideOutcome(tcp: tcp, tls: tls, establishedAt: establishedAt, anyPayload: cs.payloadBytes + ss.payloadBytes > 0)

        var anomalies = d.anomalies
        for (dir, s) in [(clientDir, cs), (serverDir, ss)] where s.truncatedSegments > 0 {
            anomalies.append(Anomaly(.snaplenTruncated, frame: s.firstTruncatedFrame,
                "\(s.truncatedSegments) \(side(dir)) segments cut by the capture's snaplen (\(s.truncatedBytes) bytes not captured)"))
        }
        for g in tcp.gaps.prefix(8) {
            anomalies.append(Anomaly(.tcpGap, frame: g.frame, "\(g.bytes) bytes from the \(g.side) were not captured"))
        }
        for (dir, s) in [(clientDir, cs), (serverDir, ss)] where s.reassemblyLimitHits > 0 {
            anomalies.append(Anomaly(.reassemblyLimit, frame: nil,
                "\(side(dir)) out-of-order buffer limit reached \(s.reassemblyLimitHits) times; holes were declared gaps early"))
        }

        return Connection(
            id: d.id, input: d.input, firstFrame: d.firstFrame, lastFrame: d.lastFrame,
            startTime: d.startTime, endTime: d.lastTime,
            client: d.endpoints[clientDir], server: d.endpoints[serverDir],
            clientMAC: d.macs[clientDir], serverMAC: d.macs[serverDir], vlanIDs: d.vlanIDs,
            roleBasis: basis, tcp: tcp, tls: tls, transcript: transcript, transcriptTruncated: d.entriesTruncated,
            anomalies: anomalies, outcome: outcome, established: establishedAt != nil, tls13: inference,
            endReason: endReason)
    }

    static func decideOutcome(tcp: TCPSummary, tls: TLSSummary, establishedAt: Int?, anyPayload: Bool) -> Outcome {
        if !tls.sawTLS {
            if tls.clientPlaintext != nil || tls.serverPlaintext != nil { return .notTLS }
            if tcp.syn != nil && tcp.synAck == nil {
                if tcp.rsts.contains(where: { $0.sender == .server }) { return .tcpRefused }
                if !tcp.sawServerPackets { return .tcpNoAnswer }
            }
            return anyPayload ? .notTLS : .noData
        }
        // The first alert that ended the handshake decides who rejected whom.
        if let a = tls.alerts.first(where: { $0.duringHandshake && ($0.level == .fatal || ($0.encrypted && !$0.decrypted)) }) {
            return a.sender == .client ? .rejectedByClient : .rejectedByServer
        }
        if establishedAt != nil { return .established }
        if tls.clientHello == nil && tls.serverHello == nil { return .handshakeNotCaptured }
        if let a = tls.alerts.first(where: { $0.duringHandshake && $0.description == .closeNotify }) {
            return a.sender == .client ? .closedByClient : .closedByServer
        }
        if !tcp.rsts.isEmpty { return .reset }
        if tls.clientHello != nil && tls.serverHello == nil && tls.helloRetryRequest == nil {
            return .noServerHello
        }
        if let f = tcp.fins.first { return f.sender == .client ? .closedByClient : .closedByServer }
        return .incomplete
    }

    /// Application data flowed both ways before this frame (so the handshake was over).
    static func appDataBefore(_ frame: Int, _ tls: TLSSummary) -> Bool {
        guard let c = tls.firstClientAppData, let s = tls.firstServerAppData else { return false }
        return c.frame < frame && s.frame < frame
    }

    static func inferTLS13(_ tls: TLSSummary) -> TLS13Inference {
        let records = tls.encryptedRecords.filter { $0.contentType == .applicationData }
        guard let idx = records.firstIndex(where: { $0.sender == .client }) else {
            return TLS13Inference(clientFlight: .none, clientFlightFrame: nil, serverAlertAfterClientFlight: nil,
                                  dataAfterClientFlight: false)
        }
        let first = records[idx]
        // AEAD records: content + 1 inner type byte + 16-byte tag.
        let flight: TLS13Inference.ClientFlight
        switch first.length {
        case 19: flight = .alert
        case 25: flight = .emptyCertificate
        case 53, 69: flight = .finished
        case let n where n > 69: flight = .certificate
        default: flight = .finished
        }
        let after = records[(idx + 1)...]
        var serverAlert: Int?
        if flight != .alert {
            // After an empty or real Certificate the client still sends CertificateVerify/Finished:
            // the server's answer is its first record after the client's records stop.
            if let s = after.first(where: { $0.sender == .server }), s.length == 19 { serverAlert = s.frame }
        }
        let data = after.contains { $0.length != 19 && ($0.sender == .server || flight == .finished) }
        return TLS13Inference(clientFlight: flight, clientFlightFrame: first.frame,
                              serverAlertAfterClientFlight: serverAlert, dataAfterClientFlight: data)
    }

    static func lastHandshakeStep(before frame: Int, in transcript: [TranscriptEntry]) -> String? {
        for e in transcript.reversed() where e.frame <= frame {
            switch e.event {
            case .handshake(let t, _): return "\(t.displayName) from the \(e.sender) (frame \(e.frame))"
            case .helloRetryRequest: return "HelloRetryRequest from the server (frame \(e.frame))"
            case .encryptedHandshake: return "encrypted Finished from the \(e.sender) (frame \(e.frame))"
            case .changeCipherSpec: return "ChangeCipherSpec from the \(e.sender) (frame \(e.frame))"
            case .applicationData where e.frame < frame: return "encrypted records from the \(e.sender) (frame \(e.frame))"
            default: continue
            }
        }
        return nil
    }

    static func timeOf(frame: Int, _ transcript: [TranscriptEntry]) -> Timestamp? {
        transcript.last { $0.frame <= frame }?.time
    }
}
