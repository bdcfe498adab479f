import WireCore

/// Decodes one direction of a TLS connection from reassembled TCP bytes.
///
/// Record framing is followed byte-exactly; the bodies of records we do not need (application data,
/// encrypted records) are skipped by count, never copied, so bulk data costs only its record headers.
/// Handshake messages are reassembled across records and segments and parsed by `HandshakeMessage`.
/// After a gap the decoder keeps framing when the gap fell inside a skipped record, and otherwise
/// resynchronises on the next plausible record header (two chained headers when the bytes allow).
public struct TLSRecordStream: Sendable {
    enum Mode: Sendable { case start, tls, plaintext, resync, sslv2 }

    public var limits: TLSStreamLimits
    /// Negotiated facts needed to parse layouts that differ by version (set from the ServerHello).
    public var context = HandshakeContext(negotiatedVersion: nil, cipherSuite: nil)
    /// TLS 1.3 negotiated: ChangeCipherSpec is only middlebox compatibility, handshake records stay plaintext.
    public var isTLS13 = false
    /// The connection began before the capture: the first bytes may be mid-record.
    public var startedMidstream = false

    var mode: Mode = .start
    /// This side sent ChangeCipherSpec (TLS ≤ 1.2): its later handshake records are encrypted.
    public private(set) var encryptedHandshake = false
    public private(set) var sawTLS = false
    public private(set) var recordCount = 0

    // Record being read.
    // Five header bytes in fixed storage: no allocation per connection or per record.
    var header = RecordHeaderBytes()
    var headerCount = 0
    var recordType: UInt8 = 0
    var recordLength = 0
    var recordRemaining = 0
    var collecting = false
    /// The body of a collected application_data record (to be opened with a key log).
    var recordBody: [UInt8] = []
    /// The body of a 2-byte alert record, in fixed storage; a ChangeCipherSpec body is never read.
    var alertBody = RecordHeaderBytes()
    var recordFirstFrame = 0
    var inRecord = false

    // Handshake reassembly across records.
    var handshakeBuffer: [UInt8] = []
    var handshakeFirstFrame = 0

    // TLS 1.3 with a key log (RecordDecryption.swift). Without one these stay nil/.off and
    // application_data bodies are skipped by count as always.
    var pendingKeys: PendingKeys?
    var decryptor: (any RecordDecryptor)? { didSet { hasDecryptor = decryptor != nil } }
    /// `decryptor != nil` and `awaitingKeys != nil`, asked per record: comparing the optionals with nil
    /// copied them (an existential, a struct of arrays) each time, ~150 instructions per record.
    private(set) var hasDecryptor = false
    private(set) var hasAwaitingKeys = false
    /// Records still opened after this side's Finished; -1 during the handshake.
    var applicationRecordsLeft = -1
    public internal(set) var decryption = DecryptionStatus.off
    public internal(set) var decryptedRecords = 0
    /// Live key log: the secrets were not written yet; protected records are held (bounded) until they are.
    var awaitingKeys: AwaitingKeys? { didSet { hasAwaitingKeys = awaitingKeys != nil } }
    /// Held records were opened late: their events came after events of later frames.
    public internal(set) var replayedHeldRecords = false

    // Start / plaintext / resync state.
    var preview: [UInt8] = []
    var previewPending = false
    /// The first five bytes, gathered across chunks in fixed storage (no allocation per direction).
    var startBytes = RecordHeaderBytes()
    var startCount = 0
    var startFirstFrame = 0
    var plaintextBytes = 0
    var resyncSkipped = 0
    var resyncTotal = 0

    public init(limits: TLSStreamLimits = .default) { self.limits = limits }

    public var isPlaintext: Bool { mode == .plaintext }

    /// `count` more bytes would fall inside the body of the current record, which is skipped (not
    /// collected: application data without a key log, an encrypted handshake) and does not end with
    /// them. Bulk data is nearly all such bytes; `skipInsideRecord` takes them without `feed`.
    @inline(__always)
    public func canSkipInsideRecord(_ count: Int) -> Bool {
        mode == .tls && inRecord && headerCount == 5 && !collecting && recordRemaining > count
    }

    /// Takes `count` bytes that `canSkipInsideRecord` allowed: what `feed` does with them (they only
    /// count down the record's remaining length; no event comes of them).
    @inline(__always)
    public mutating func skipInsideRecord(_ count: Int) {
        recordRemaining -= count
    }

    // MARK: - Input

    public mutating func feed(_ chunk: UnsafeRawBufferPointer, frame: Int, time: Timestamp, into events: inout [TLSEvent]) {
        var data = chunk
        while !data.isEmpty {
            switch mode {
            case .start:
                if startCount == 0 { startFirstFrame = frame }
                let take = min(data.count, 5 - startCount)
                for i in 0..<take { startBytes[startCount + i] = data[i] }
                startCount += take
                data = UnsafeRawBufferPointer(rebasing: data[take...])
                if startCount < 5 { continue }
                // Decide on the first five bytes, then replay them through the chosen mode.
                let first = startBytes
                startCount = 0
                decideStart(first)
                withUnsafeBytes(of: (first.b0, first.b1, first.b2, first.b3, first.b4)) { raw in
                    feedDecided(raw, frame: frame, time: time, events: &events)
                }
            case .plaintext:
                if previewPending {
                    preview.append(contentsOf: data.prefix(limits.previewBytes - preview.count))
                    if preview.count >= limits.previewBytes { flushPreview(frame: frame, time: time, events: &events) }
                }
                if plaintextBytes > 0, looksLikeHelloRecord(data) {
                    flushPreview(frame: frame, time: time, events: &events)
                    events.append(TLSEvent(.tlsAfterPlaintext(plaintextBytes: plaintextBytes), firstFrame: frame, frame: frame, time: time))
                    mode = .tls
                    sawTLS = true
                    continue
                }
                plaintextBytes += data.count
                return
            case .resync:
                data = scanForRecord(data, frame: frame, time: time, events: &events)
            case .tls, .sslv2:
                data = consumeRecords(data, frame: frame, time: time, events: &events)
            }
        }
    }

    /// The five bytes that decided the mode are replayed into it.
    mutating func feedDecided(_ bytes: UnsafeRawBufferPointer, frame: Int, time: Timestamp, events: inout [TLSEvent]) {
        switch mode {
        case .tls, .sslv2:
            var d = bytes
            while !d.isEmpty && (mode == .tls || mode == .sslv2) { d = consumeRecords(d, frame: frame, time: time, events: &events) }
            if !d.isEmpty { feed(d, frame: frame, time: time, into: &events) }
        case .plaintext:
            plaintextBytes += bytes.count
        case .resync:
            // The first bytes are not a header: count them as skipped and keep scanning in later bytes.
            resyncSkipped += bytes.count
            resyncTotal += bytes.count
        case .start:
            break
        }
    }

    mutating func decideStart(_ first: RecordHeaderBytes) {
        if Self.plausibleHeader(first[0], first[1], first[2], first[3], first[4]) {
            mode = .tls
            sawTLS = true
            return
        }
        if Self.plausibleSSLv2Hello(first) {
            mode = .sslv2
            sawTLS = true
            return
        }
        if startedMidstream {
            mode = .resync
            return
        }
        // The preview is collected across segments and reported once full (or at the end of the
        // stream), so what the report shows does not depend on how the bytes were segmented.
        preview = first.array
        previewPending = true
        mode = .plaintext
    }

    /// The direction ended (connection closed or capture over): report what is still held.
    public mutating func finish(frame: Int, time: Timestamp, into events: inout [TLSEvent]) {
        flushPreview(frame: frame, time: time, events: &events)
        if hasAwaitingKeys { settleAwaitingKeys(events: &events) }
    }

    mutating func flushPreview(frame: Int, time: Timestamp, events: inout [TLSEvent]) {
        guard previewPending else { return }
        previewPending = false
        events.append(TLSEvent(.notTLS(preview: preview), firstFrame: startFirstFrame, frame: frame, time: time))
        preview = []
    }

    /// Bytes of this direction were not captured.
    public mutating func gap(bytes: Int, frame: Int, time: Timestamp, into events: inout [TLSEvent]) {
        switch mode {
        case .plaintext:
            plaintextBytes += bytes
            flushPreview(frame: frame, time: time, events: &events)
        case .start:
            startCount = 0
            mode = .resync
        case .resync:
            resyncSkipped += bytes
        case .tls, .sslv2:
            if inRecord && headerCount == 5 && !collecting && bytes <= recordRemaining {
                // The hole lies inside a record we skip anyway: framing is intact.
                recordRemaining -= bytes
                if recordRemaining == 0 { finishRecord(frame: frame, time: time, events: &events) }
                return
            }
            if inRecord && headerCount == 5 && collecting && bytes <= recordRemaining {
                // A record we needed lost bytes: its content is gone, but we still know where it ends.
                events.append(TLSEvent(.anomaly(Anomaly(.malformedRecord, frame: frame,
                    "\(bytes) bytes missing inside a \(ContentType(rawValue: recordType)) record; its content is unreadable")),
                    firstFrame: recordFirstFrame, frame: frame, time: time))
                collecting = false
                recordBody = []
                handshakeBuffer = []
                recordRemaining -= bytes
                if recordType == 23 { lostProtectedRecord() }
                recordType = 0 // skipped as unknown when it completes
                if recordRemaining == 0 { finishRecord(frame: frame, time: time, events: &events) }
                return
            }
            handshakeBuffer = []
            recordBody = []
            inRecord = false
            headerCount = 0
            collecting = false
            mode = .resync
            resyncSkipped = 0
            if hasDecryptor || hasAwaitingKeys { decryptionBrokenByGap(bytes: bytes, frame: frame, time: time, events: &events) }
        }
    }

    /// Tells the decoder the peer's ServerHello chose TLS 1.3 (used for the client's direction).
    public mutating func adopt(context: HandshakeContext, tls13: Bool) {
        self.context = context
        self.isTLS13 = tls13
    }

    // MARK: - Records

    mutating func consumeRecords(_ input: UnsafeRawBufferPointer, frame: Int, time: Timestamp, events: inout [TLSEvent]) -> UnsafeRawBufferPointer {
        var data = input
        if mode == .sslv2 { return consumeSSLv2(data, frame: frame, time: time, events: &events) }
        while !data.isEmpty {
            if !inRecord || headerCount < 5 {
                if !inRecord { inRecord = true; headerCount = 0; recordFirstFrame = frame }
                if headerCount == 0 && data.count >= 5 {
                    // The whole header in this chunk (nearly always): read at once, not byte by byte.
                    header = RecordHeaderBytes(b0: data[0], b1: data[1], b2: data[2], b3: data[3], b4: data[4])
                    headerCount = 5
                    data = UnsafeRawBufferPointer(rebasing: data[5...])
                } else {
                    let take = min(5 - headerCount, data.count)
                    for i in 0..<take { header[headerCount + i] = data[i] }
                    headerCount += take
                    data = UnsafeRawBufferPointer(rebasing: data[take...])
                    if headerCount < 5 { return data }
                }
                guard Self.plausibleHeader(header.b0, header.b1, header.b2, header.b3, header.b4) else {
                    events.append(TLSEvent(.anomaly(Anomaly(.malformedRecord, frame: frame,
                        "invalid TLS record header \(Hex.encode(header.array, separator: " ")); looking for the next record")),
                        firstFrame: recordFirstFrame, frame: frame, time: time))
                    inRecord = false
                    headerCount = 0
                    handshakeBuffer = []
                    mode = .resync
                    resyncSkipped = 0
                    return data
                }
                recordType = header.b0
                recordLength = Int(header.b3) << 8 | Int(header.b4)
                recordRemaining = recordLength
                recordCount += 1
                switch recordType {
                case 22: collecting = !encryptedHandshake
                case 21: collecting = recordLength == 2
                // The body is not stored; collecting only makes a gap inside it an anomaly, as for the others.
                case 20: collecting = recordLength >= 1 && recordLength <= 16
                case 23: collecting = hasDecryptor || hasAwaitingKeys
                default: collecting = false
                }
                if collecting && recordType == 23 { recordBody.removeAll(keepingCapacity: true) }
                if recordRemaining == 0 { finishRecord(frame: frame, time: time, events: &events); continue }
            }
            let take = min(recordRemaining, data.count)
            let body = UnsafeRawBufferPointer(rebasing: data[0..<take])
            var inPlace: UnsafeRawBufferPointer?
            if collecting && recordType == 22 {
                // Handshake bytes go straight to the reassembly buffer (no record copy), or, for a whole
                // record in this chunk with nothing held before it (nearly every hello), are read where they lie.
                let starts = recordRemaining == recordLength
                if starts && handshakeBuffer.isEmpty { handshakeFirstFrame = recordFirstFrame }
                if starts && handshakeBuffer.isEmpty && take == recordRemaining {
                    inPlace = body
                } else {
                    if starts { reserveHandshakeRoom(recordLength) }
                    handshakeBuffer.append(contentsOf: body)
                }
            } else if collecting && recordType == 23 {
                recordBody.append(contentsOf: body)
            } else if collecting && recordType == 21 {
                let at = recordLength - recordRemaining
                for i in 0..<take { alertBody[at + i] = body[i] }
            }
            recordRemaining -= take
            data = UnsafeRawBufferPointer(rebasing: data[take...])
            if recordRemaining == 0 { finishRecord(frame: frame, time: time, events: &events, inPlace: inPlace) }
            if mode != .tls { return data }
        }
        return data
    }

    /// Room for a handshake record of `length` bytes after what the buffer holds, growing at least
    /// geometrically (a stream of tiny records must not copy the buffer once per record).
    mutating func reserveHandshakeRoom(_ length: Int) {
        let needed = handshakeBuffer.count + length
        guard needed > handshakeBuffer.capacity else { return }
        handshakeBuffer.reserveCapacity(max(needed, 2 * handshakeBuffer.capacity))
    }

    /// `inPlace`: the body of a handshake record that is not in `handshakeBuffer` but in the chunk being read.
    mutating func finishRecord(frame: Int, time: Timestamp, events: inout [TLSEvent], inPlace: UnsafeRawBufferPointer? = nil) {
        inRecord = false
        headerCount = 0
        let first = recordFirstFrame
        switch recordType {
        case 20:
            events.append(TLSEvent(.changeCipherSpec, firstFrame: first, frame: frame, time: time))
            if !isTLS13 { encryptedHandshake = true }
        case 21:
            if collecting {
                events.append(TLSEvent(.alert(level: AlertLevel(rawValue: alertBody[0]), description: AlertDescription(rawValue: alertBody[1])),
                                       firstFrame: first, frame: frame, time: time))
            } else {
                events.append(TLSEvent(.encryptedAlert(recordLength: recordLength), firstFrame: first, frame: frame, time: time))
            }
        case 22:
            if let inPlace {
                extractHandshakeMessages(inPlace: inPlace, frame: frame, time: time, events: &events)
            } else if collecting {
                extractHandshakeMessages(frame: frame, time: time, events: &events)
            } else {
                events.append(TLSEvent(.encryptedHandshake(recordLength: recordLength), firstFrame: first, frame: frame, time: time))
            }
        case 23:
            if collecting && (hasDecryptor || hasAwaitingKeys) {
                protectedRecord(first: first, frame: frame, time: time, events: &events)
            } else {
                events.append(TLSEvent(.applicationData(recordLength: recordLength), firstFrame: first, frame: frame, time: time))
            }
        case 24:
            events.append(TLSEvent(.heartbeat(recordLength: recordLength), firstFrame: first, frame: frame, time: time))
        default:
            break
        }
        collecting = false
        if recordBody.capacity > 16 * 1024 { recordBody = [] }
    }

    /// Parses the complete messages in `handshakeBuffer`, keeping the start of an unfinished one.
    mutating func extractHandshakeMessages(frame: Int, time: Timestamp, events: inout [TLSEvent]) {
        // Moved out while parsing (nothing there touches it), so that it stays unique for the removal below.
        var buffer: [UInt8] = []
        swap(&buffer, &handshakeBuffer)
        let consumed = buffer.withUnsafeBytes { raw in
            parseMessages(raw, frame: frame, time: time, events: &events) { buffer[$0] }
        }
        guard let consumed else { return }
        if consumed == buffer.count {
            buffer.removeAll(keepingCapacity: buffer.capacity <= 4096)
        } else if consumed > 0 {
            buffer.removeFirst(consumed)
        }
        handshakeBuffer = buffer
    }

    /// Parses the complete messages of a record read in place (`handshakeBuffer` is empty); the start of an
    /// unfinished one is kept in `handshakeBuffer`.
    mutating func extractHandshakeMessages(inPlace bytes: UnsafeRawBufferPointer, frame: Int, time: Timestamp, events: inout [TLSEvent]) {
        let consumed = parseMessages(bytes, frame: frame, time: time, events: &events) {
            Array(UnsafeRawBufferPointer(rebasing: bytes[$0]))[...]
        }
        guard let consumed, consumed < bytes.count else { return }
        reserveHandshakeRoom(bytes.count - consumed)
        handshakeBuffer.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[consumed...]))
    }

    /// Parses the complete messages at the start of `bytes` and returns how many bytes they took, or nil when
    /// a message exceeds the size limit (it and everything after it are dropped). `slice` gives a body range as
    /// an array slice for the parsers that do not read in place.
    mutating func parseMessages(_ bytes: UnsafeRawBufferPointer, frame: Int, time: Timestamp, events: inout [TLSEvent],
                                slice: (Range<Int>) -> ArraySlice<UInt8>) -> Int? {
        var offset = 0
        while bytes.count - offset >= 4 {
            let type = HandshakeType(rawValue: bytes[offset])
            let length = Int(bytes[offset + 1]) << 16 | Int(bytes[offset + 2]) << 8 | Int(bytes[offset + 3])
            if length > limits.maxHandshakeMessage {
                events.append(TLSEvent(.anomaly(Anomaly(.malformedHandshake, frame: frame,
                    "\(type) message of \(length) bytes exceeds the \(limits.maxHandshakeMessage)-byte limit; dropped")),
                    firstFrame: handshakeFirstFrame, frame: frame, time: time))
                return nil
            }
            guard bytes.count - offset >= 4 + length else { break }
            let range = (offset + 4)..<(offset + 4 + length)
            do {
                let message = try HandshakeMessage.parse(type: type, inPlace: UnsafeRawBufferPointer(rebasing: bytes[range]),
                                                         context: context) { slice(range) }
                if let sh = message.serverHelloFacts {
                    let v = sh.version
                    context = HandshakeContext(negotiatedVersion: v, cipherSuite: sh.cipherSuite)
                    if v == .tls13 || v.isTLS13Draft { isTLS13 = true }
                    // The server's own stream: its next record may already be protected.
                    if isTLS13 && !sh.isHelloRetryRequest, let a = startDecryption(cipherSuite: sh.cipherSuite, frame: frame) {
                        events.append(TLSEvent(.anomaly(a), firstFrame: frame, frame: frame, time: time))
                    }
                }
                events.append(TLSEvent(.handshake(message, length: length), firstFrame: handshakeFirstFrame, frame: frame, time: time))
            } catch {
                events.append(TLSEvent(.malformedHandshake(type, length: length, reason: error.description),
                                       firstFrame: handshakeFirstFrame, frame: frame, time: time))
            }
            offset += 4 + length
            handshakeFirstFrame = frame
        }
        return offset
    }

    // MARK: - SSLv2-compatible ClientHello (RFC 5246 Appendix E.2)

    mutating func consumeSSLv2(_ input: UnsafeRawBufferPointer, frame: Int, time: Timestamp, events: inout [TLSEvent]) -> UnsafeRawBufferPointer {
        var data = input
        if !inRecord {
            inRecord = true
            headerCount = 0
            recordFirstFrame = frame
            recordBody.removeAll(keepingCapacity: true)
        }
        while headerCount < 2 && !data.isEmpty {
            header[headerCount] = data[0]
            headerCount += 1
            data = UnsafeRawBufferPointer(rebasing: data[1...])
        }
        if headerCount < 2 { return data }
        let length = Int(header[0] & 0x7f) << 8 | Int(header[1])
        let take = min(length - recordBody.count, data.count)
        recordBody.append(contentsOf: UnsafeRawBufferPointer(rebasing: data[0..<take]))
        data = UnsafeRawBufferPointer(rebasing: data[take...])
        if recordBody.count < length { return data }
        inRecord = false
        headerCount = 0
        recordCount += 1
        do {
            let hello = try ClientHello.parseSSLv2(recordBody[...])
            events.append(TLSEvent(.handshake(.clientHello(hello), length: length), firstFrame: recordFirstFrame, frame: frame, time: time))
        } catch {
            events.append(TLSEvent(.malformedHandshake(.clientHello, length: length, reason: error.description),
                                   firstFrame: recordFirstFrame, frame: frame, time: time))
        }
        recordBody = []
        mode = .tls
        return data
    }

    // MARK: - Framing heuristics

    /// A record header as real stacks write it: a known content type, SSL 3.0–TLS 1.3 record
    /// version (1.3 keeps 0x0301/0x0303 on the wire), and a length within 2^14 + 2048 (RFC 5246 §6.2.3).
    @inline(__always)
    static func plausibleHeader(_ t: UInt8, _ major: UInt8, _ minor: UInt8, _ hi: UInt8, _ lo: UInt8) -> Bool {
        guard t >= 20 && t <= 24, major == 3, minor <= 4 else { return false }
        let length = Int(hi) << 8 | Int(lo)
        return length <= 16384 + 2048
    }

    static func plausibleSSLv2Hello(_ b: RecordHeaderBytes) -> Bool {
        guard b[0] & 0x80 != 0, b[2] == 1 else { return false }
        let length = Int(b[0] & 0x7f) << 8 | Int(b[1])
        let version = UInt16(b[3]) << 8 | UInt16(b[4])
        return length >= 9 && (version == 0x0002 || (version >= 0x0300 && version <= 0x0304))
    }

    /// A handshake record beginning with a ClientHello or ServerHello: how STARTTLS hands over.
    func looksLikeHelloRecord(_ d: UnsafeRawBufferPointer) -> Bool {
        guard d.count >= 6 else { return false }
        return d[0] == 22 && Self.plausibleHeader(d[0], d[1], d[2], d[3], d[4]) && (d[5] == 1 || d[5] == 2)
    }

    mutating func scanForRecord(_ data: UnsafeRawBufferPointer, frame: Int, time: Timestamp, events: inout [TLSEvent]) -> UnsafeRawBufferPointer {
        let n = data.count
        var i = 0
        while i + 5 <= n {
            if Self.plausibleHeader(data[i], data[i + 1], data[i + 2], data[i + 3], data[i + 4]) {
                let length = Int(data[i + 3]) << 8 | Int(data[i + 4])
                let next = i + 5 + length
                // Confirm with the following header when it lies in this chunk; a lone header
                // is accepted only at the very start of a chunk (segment boundaries are likely record starts).
                let confirmed = next + 5 <= n
                    ? Self.plausibleHeader(data[next], data[next + 1], data[next + 2], data[next + 3], data[next + 4])
                    : (next == n || i == 0)
                if confirmed {
                    resyncSkipped += i
                    resyncTotal += i
                    if !sawTLS && startedMidstream && resyncSkipped == 0 {
                        // Framing found right away: nothing was skipped, nothing to report.
                    } else {
                        events.append(TLSEvent(.resynchronized(skippedBytes: resyncSkipped), firstFrame: frame, frame: frame, time: time))
                    }
                    resyncSkipped = 0
                    sawTLS = true
                    mode = .tls
                    inRecord = false
                    headerCount = 0
                    return UnsafeRawBufferPointer(rebasing: data[i...])
                }
            }
            i += 1
        }
        resyncSkipped += n
        resyncTotal += n
        if !sawTLS && resyncTotal > limits.maxResyncScan {
            events.append(TLSEvent(.notTLS(preview: []), firstFrame: frame, frame: frame, time: time))
            mode = .plaintext
            plaintextBytes = resyncTotal
        }
        return UnsafeRawBufferPointer(start: nil, count: 0)
    }
}

/// Fixed storage for a 5-byte record header (or the 2-byte SSLv2 header).
struct RecordHeaderBytes: Sendable {
    var b0: UInt8 = 0, b1: UInt8 = 0, b2: UInt8 = 0, b3: UInt8 = 0, b4: UInt8 = 0
    subscript(i: Int) -> UInt8 {
        get {
            switch i { case 0: return b0; case 1: return b1; case 2: return b2; case 3: return b3; default: return b4 }
        }
        set {
            switch i { case 0: b0 = newValue; case 1: b1 = newValue; case 2: b2 = newValue; case 3: b3 = newValue; default: b4 = newValue }
        }
    }
    var array: [UInt8] { [b0, b1, b2, b3, b4] }
}
