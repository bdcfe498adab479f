// Fuzzes the TLS record layer and the handshake message parsers.
//
// Input: [mode][...]
//  mode < 0xC0 — record stream: [flags][n][n × (length u16, gap u8)][stream bytes...]. The stream is
//    fed to TLSRecordStream in chunks of the chosen lengths (the rest in one last chunk), with a gap
//    of `gap` × 37 bytes declared before a chunk when gap != 0. flags: bit 0 the connection started
//    mid-stream, bit 1 the peer negotiated TLS 1.3 before the first byte, bit 2 after the first chunk.
//  mode >= 0xC0 — one handshake body: [type][context][prefix][body...]. HandshakeMessage.parse under
//    the chosen negotiated version and cipher suite (type 0xFF: the SSLv2-compatible ClientHello
//    parser). The body sits `prefix` bytes into a larger array, so slices never start at index 0.
import FuzzSupport
import WireCore
import TLSWire

let versions: [ProtocolVersion?] = [nil, .tls12, .tls13, .tls10, .sslv3, ProtocolVersion(rawValue: 0x7f17), ProtocolVersion(rawValue: 0xfb17)]
let suites: [CipherSuite?] = [nil,
    CipherSuite(rawValue: 0xc02f), // ECDHE_RSA_AES_128_GCM
    CipherSuite(rawValue: 0x009e), // DHE_RSA_AES_128_GCM
    CipherSuite(rawValue: 0x009c), // RSA_AES_128_GCM
    CipherSuite(rawValue: 0xc018), // ECDH_anon_AES_128_CBC
    CipherSuite(rawValue: 0x0034), // DH_anon_AES_128_CBC
    CipherSuite(rawValue: 0xc035), // ECDHE_PSK_AES_128_CBC
    CipherSuite(rawValue: 0x008c), // PSK_AES_128_CBC
    CipherSuite(rawValue: 0xc00e), // ECDH_RSA (static)
    CipherSuite(rawValue: 0x1301)] // TLS 1.3

func check(_ events: [TLSEvent], chunkFrame: Int) {
    for e in events {
        precondition(e.firstFrame >= 0 && e.firstFrame <= e.frame && e.frame <= chunkFrame, "event frames out of order: \(e)")
        switch e.kind {
        case .resynchronized(let skipped): precondition(skipped >= 0)
        case .notTLS(let preview): precondition(preview.count <= TLSStreamLimits.default.previewBytes)
        case .handshake(_, let length), .malformedHandshake(_, let length, _):
            precondition(length >= 0 && length <= TLSStreamLimits.default.maxHandshakeMessage)
        default: break
        }
    }
}

func recordStream(_ c: inout FuzzChooser) {
    let flags = c.byte()
    let n = Int(c.byte() % 24)
    var plan: [(length: Int, gap: Int)] = []
    for _ in 0..<n { plan.append((Int(c.u16()), Int(c.byte()) * 37)) }
    var stream = c.rest()
    var s = TLSRecordStream()
    s.startedMidstream = flags & 1 != 0
    let tls13 = HandshakeContext(negotiatedVersion: .tls13, cipherSuite: CipherSuite(rawValue: 0x1301))
    if flags & 2 != 0 { s.adopt(context: tls13, tls13: true) }
    var events: [TLSEvent] = []
    var frame = 1
    let time = Timestamp(seconds: 1_700_000_000, nanoseconds: 0)
    for (i, step) in plan.enumerated() {
        if step.gap > 0 {
            events.removeAll(keepingCapacity: true)
            s.gap(bytes: step.gap, frame: frame, time: time, into: &events)
            check(events, chunkFrame: frame)
        }
        let len = min(step.length, stream.count)
        let chunk = UnsafeRawBufferPointer(rebasing: stream[0..<len])
        stream = UnsafeRawBufferPointer(rebasing: stream[len...])
        events.removeAll(keepingCapacity: true)
        s.feed(chunk, frame: frame, time: time, into: &events)
        check(events, chunkFrame: frame)
        frame += 1
        if i == 0 && flags & 4 != 0 { s.adopt(context: tls13, tls13: true) }
    }
    events.removeAll(keepingCapacity: true)
    s.feed(stream, frame: frame, time: time, into: &events)
    check(events, chunkFrame: frame)
    precondition(s.recordCount >= 0)
}

func handshakeBody(_ c: inout FuzzChooser) {
    let type = c.byte()
    let ctx = c.byte()
    let prefix = Int(c.byte() % 8)
    let bytes = [UInt8](repeating: 0xA5, count: prefix) + Array(c.rest())
    let body = bytes[prefix...]
    if type == 0xFF {
        _ = try? ClientHello.parseSSLv2(body)
        return
    }
    let context = HandshakeContext(negotiatedVersion: versions[Int(ctx & 0x0f) % versions.count],
                                   cipherSuite: suites[Int(ctx >> 4) % suites.count])
    do {
        let m = try HandshakeMessage.parse(type: HandshakeType(rawValue: type), body: body, context: context)
        _ = m.type
    } catch {
        precondition(!error.description.isEmpty)
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    var c = FuzzChooser(fuzzBytes(data, size))
    let mode = c.byte()
    if mode < 0xC0 { recordStream(&c) } else { handshakeBody(&c) }
    return 0
}

runFuzzer(testOneInput)
