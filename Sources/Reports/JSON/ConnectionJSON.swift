import WireCore
import Packets
import TLSWire
import Connections
import X509Inspect
import Diagnosis

/// Renders one analysed connection as the JSON object of the contract (DESIGN.md "Contracts",
/// docs/schema/tlsdiag.schema.json). Field names follow Zeek ssl.log / ECS `tls.*` habits.
///
/// This is the render thread's per-connection work (20,000 connections, ~150 MB of JSON for a
/// 1 GB capture), so values go into the writer without intermediate Strings where that is easy:
/// times, addresses and transcript words are written in place, code-point names are memoized by
/// the writer, lists are walked rather than mapped into arrays of Strings, and what repeats from
/// connection to connection (certificate chains, CA names, vendors) is kept in a `Memo`.
public enum ConnectionJSON {
    public static func write(_ ac: AnalyzedConnection, id: Int, to w: inout JSONWriter) {
        write(ac, id: id, to: &w, memo: Memo())
    }

    /// What a renderer keeps between connections: work that costs thousands of instructions and
    /// repeats from connection to connection (the CAs a server accepts, device vendors, the JSON
    /// of certificate chains). A bounded number of entries each, so a capture of endless distinct
    /// names or chains cannot grow it.
    public final class Memo {
        var distinguishedNames: [[UInt8]: String] = [:]
        var vendors: [UInt32: String?] = [:]
        /// The last vendor looked up for a client and for a server (index 0 and 1), as (OUI,
        /// vendor): a capture's connections mostly join the same few devices, and comparing an
        /// OUI costs a few instructions where hashing it for `vendors` costs a few hundred.
        var lastVendors: [(oui: UInt32, vendor: String?)] = [(.max, nil), (.max, nil)]
        /// Compact JSON of certificate lists, by the address of the list's storage: the entry
        /// keeps that storage alive and an array's shared storage is never written, so the same
        /// address means the same certificates (chains are shared by the connections that sent
        /// them; a redacted or rebuilt list has storage of its own and is simply written).
        var certificateLists: [UInt: RememberedList] = [:]
        let limit = 4096
        let listLimit = 1024
        public init() {}

        final class RememberedList {
            let certificates: [SentCertificate]
            let json: [UInt8]
            init(certificates: [SentCertificate], json: [UInt8]) { self.certificates = certificates; self.json = json }
        }

        func certificateListJSON(_ list: [SentCertificate], pretty: Bool) -> [UInt8]? {
            guard !pretty, !list.isEmpty else { return nil }
            return certificateLists[Self.storageAddress(list)]?.json
        }

        func remember(_ list: [SentCertificate], json: [UInt8], pretty: Bool) {
            guard !pretty, !list.isEmpty, certificateLists.count < listLimit else { return }
            certificateLists[Self.storageAddress(list)] = RememberedList(certificates: list, json: json)
        }

        private static func storageAddress(_ list: [SentCertificate]) -> UInt {
            list.withUnsafeBufferPointer { UInt(bitPattern: $0.baseAddress) }
        }

        func distinguishedName(_ der: [UInt8]) -> String {
            if let known = distinguishedNames[der] { return known }
            let name = DistinguishedName.rfc4514(der: der) ?? "<undecodable \(der.count)-byte name>"
            if distinguishedNames.count < limit { distinguishedNames[der] = name }
            return name
        }

        /// `OUITable.vendor(forOUI:)` of the address's first three bytes; `side` (0 or 1) picks the
        /// entry of `lastVendors`.
        func vendor(_ mac: EthernetAddress, side: Int) -> String? {
            let oui = UInt32(truncatingIfNeeded: mac.value >> 24)
            if lastVendors[side].oui == oui { return lastVendors[side].vendor }
            let vendor = vendor(oui: oui, mac)
            lastVendors[side] = (oui, vendor)
            return vendor
        }

        private func vendor(oui: UInt32, _ mac: EthernetAddress) -> String? {
            if let known = vendors[oui] { return known }
            // The OUI as "xx:xx:xx", the first eight bytes of the address's text.
            let text = String(unsafeUninitializedCapacity: EthernetAddress.textLength) { buffer in
                mac.writeDescription(into: buffer.baseAddress!)
                return 8
            }
            let vendor = OUITable.vendor(forOUI: text)
            if vendors.count < limit { vendors[oui] = vendor }
            return vendor
        }
    }

    public static func write(_ ac: AnalyzedConnection, id: Int, to w: inout JSONWriter, memo: Memo) {
        w.writingOwnBuffer { w in writeObject(ac, id: id, to: &w, memo: memo) }
    }

    /// `write`'s body: every call here writes into a buffer known to be the writer's own.
    static func writeObject(_ ac: AnalyzedConnection, id: Int, to w: inout JSONWriter, memo: Memo) {
        let c = ac.connection
        if !w.pretty && c.startTime.hasFixedRFC3339Layout && c.endTime.hasFixedRFC3339Layout {
            // The object's first six fields, all numbers and times, in one pass (as `tcp`).
            let room = 200   // fixed text under 80 bytes, four numbers of at most 20, two times of 29
            var o = w.beginRawValue(maxLength: room)
            o.syntax("{\"id\":"); o.int(id)
            o.syntax(",\"input\":"); o.int(c.input)
            o.syntax(",\"first_frame\":"); o.int(c.firstFrame)
            o.syntax(",\"last_frame\":"); o.int(c.lastFrame)
            o.syntax(",\"start_time\":"); o.timestamp(c.startTime)
            o.syntax(",\"end_time\":"); o.timestamp(c.endTime)
            w.endRawValue(o, maxLength: room, shape: .opensObject)
        } else {
            w.beginObject()
            w.field("id", id)
            w.field("input", c.input)
            w.field("first_frame", c.firstFrame)
            w.field("last_frame", c.lastFrame)
            w.field("start_time", timestamp: c.startTime)
            w.field("end_time", timestamp: c.endTime)
        }
        w.key("duration"); w.double((c.endTime.difference(from: c.startTime) * 1e6).rounded() / 1e6)
        endpoint("client", c.client, c.clientMAC, side: 0, memo, &w)
        endpoint("server", c.server, c.serverMAC, side: 1, memo, &w)
        let roleBasis = c.roleBasis.rawValue, outcome = c.outcome.rawValue, profile = ac.profile
        if w.pretty {
            w.field("vlan", ints: c.vlanIDs)
            w.field("role_basis", roleBasis)
            w.field("outcome", outcome)
            w.field("profile", profile)
            w.field("end_reason", c.endReason)
        } else {
            // Five fields in one pass: VLAN numbers (at most 6 bytes each) and four texts.
            let room = 200 + 6 * c.vlanIDs.count + JSONRawCursor.room(roleBasis) + JSONRawCursor.room(outcome)
                + JSONRawCursor.room(profile) + JSONRawCursor.room(c.endReason)
            var o = w.beginRawValue(maxLength: room)
            o.syntax("\"vlan\":"); o.ints(c.vlanIDs)
            o.syntax(",\"role_basis\":"); o.string(roleBasis)
            o.syntax(",\"outcome\":"); o.string(outcome)
            o.syntax(",\"profile\":"); o.string(profile)
            o.syntax(",\"end_reason\":"); o.string(c.endReason)
            w.endRawValue(o, maxLength: room)
        }

        w.key("tls")
        tlsObject(c.tls, ac, memo, &w)

        w.key("plaintext"); w.beginObject()
        plaintext("client", c.tls.clientPlaintext, c.tls.clientPlaintextBytes, &w)
        plaintext("server", c.tls.serverPlaintext, c.tls.serverPlaintextBytes, &w)
        w.endObject()

        tcp(c.tcp, &w)

        w.key("transcript"); w.beginArray()
        // Each entry read in place: a `for e in` loop copies every one (and its event).
        c.transcript.withUnsafeBufferPointer { entries in
            guard let first = entries.baseAddress else { return }
            for i in entries.indices { transcriptEntry(first + i, &w) }
        }
        w.endArray()
        w.field("transcript_truncated", c.transcriptTruncated)

        w.key("anomalies"); w.beginArray()
        for a in c.anomalies {
            w.beginObject()
            w.field("kind", a.kind.rawValue)
            w.field("frame", a.frame)
            w.field("detail", a.detail)
            w.endObject()
        }
        w.endArray()

        w.key("findings"); w.beginArray()
        // Each finding read in place: a `for f in` loop copies every one (a dozen Strings to retain).
        ac.findings.withUnsafeBufferPointer { findings in
            guard let first = findings.baseAddress else { return }
            for i in findings.indices { finding(first + i, &w) }
        }
        w.endArray()
        w.endObject()
    }

    /// The "tls" object. `tls` is a parameter, not a local copy of `ac.connection.tls`, so that
    /// the summary (some twenty references) is read in place instead of copied and destroyed.
    static func tlsObject(_ tls: TLSSummary, _ ac: AnalyzedConnection, _ memo: Memo, _ w: inout JSONWriter) {
        let c = ac.connection
        let version = tls.version, cipher = tls.cipher, group = tls.group
        let serverName = tls.serverName, alpn = tls.alpn
        let resumed = tls.serverHello == nil ? nil : tls.resumed
        if !w.pretty && w.remembersName(of: version) && w.remembersName(of: cipher) && w.remembersName(of: group) {
            // The first nine fields in one pass: three names, two texts, flags and a number.
            let room = 1000 + JSONRawCursor.room(serverName) + JSONRawCursor.room(alpn)
            var o = w.beginRawValue(maxLength: room)
            o.syntax("{\"version\":"); o.codePoint(version)
            o.syntax(",\"cipher\":"); o.codePoint(cipher)
            o.syntax(",\"server_name\":"); o.string(serverName)
            o.syntax(",\"alpn\":"); o.string(alpn)
            o.syntax(",\"group\":"); o.codePoint(group)
            o.syntax(",\"resumed\":"); o.bool(resumed)
            o.syntax(",\"established\":"); o.bool(c.established)
            o.syntax(",\"decrypted\":"); o.bool(tls.decrypted)
            o.syntax(",\"starttls_after_bytes\":"); o.int(tls.startTLSAfterBytes)
            w.endRawValue(o, maxLength: room, shape: .opensObject)
        } else {
            w.beginObject()
            w.field("version", codePoint: version)   // the name, or hex when unnamed: its description
            w.field("cipher", codePoint: cipher)
            w.field("server_name", serverName)
            w.field("alpn", alpn)
            w.field("group", codePoint: group)
            w.field("resumed", resumed)
            w.field("established", c.established)
            w.field("decrypted", tls.decrypted)
            w.field("starttls_after_bytes", tls.startTLSAfterBytes)
        }
        if let ch = tls.clientHello { clientHello(ch, &w) } else { w.key("client_hello"); w.null() }
        if let sh = tls.serverHello { serverHello("server_hello", sh, &w) } else { w.key("server_hello"); w.null() }
        if let hrr = tls.helloRetryRequest { serverHello("hello_retry_request", hrr, &w) }
        w.key("alerts"); w.beginArray()
        for a in tls.alerts {
            w.beginObject()
            w.field("frame", a.frame)
            w.field("sender", side: a.sender)
            w.field("level", a.level?.description)
            w.field("description", a.description?.description)
            w.field("encrypted", a.encrypted)
            w.field("inferred", a.inferred)
            if a.decrypted { w.field("decrypted", true) }
            w.field("record_length", a.recordLength)
            w.field("during_handshake", a.duringHandshake)
            w.field("after", a.after)
            w.endObject()
        }
        w.endArray()
        if let ske = tls.serverKeyExchange {
            w.key("server_key_exchange"); w.beginObject()
            w.field("frame", ske.frame)
            w.field("kind", ske.value.kind)
            w.field("curve", codePoint: ske.value.namedCurve)
            w.field("dh_bits", ske.value.dhPrimeBits)
            w.field("signature_algorithm", codePoint: ske.value.signatureScheme)
            w.endObject()
        }
        w.field("server_certificate_frame", tls.serverCertificate?.frame)
        certificates("server_certificates", ac.serverChain, tls.serverCertificate?.value.certificates, memo, &w)
        chain("server_chain", ac.serverChain, &w)
        w.field("client_certificate_requested", tls.certificateRequest != nil)
        if let cr = tls.certificateRequest {
            w.key("certificate_request"); w.beginObject()
            w.field("frame", cr.frame)
            w.field("certificate_types", ints: cr.value.certificateTypes)
            w.field("signature_algorithms", codePoints: cr.value.signatureAlgorithms)
            w.key("certificate_authorities"); w.beginArray()
            for name in cr.value.certificateAuthorities { w.string(memo.distinguishedName(name)) }
            w.endArray()
            w.endObject()
        }
        let sent: StaticString = tls.clientCertificate.map { $0.value.isEmpty ? "empty" : "present" } ?? "none"
        w.field("client_certificate_sent", literal: sent)
        w.field("client_certificate_frame", tls.clientCertificate?.frame)
        if tls.clientCertificate == nil { w.key("client_certificates"); w.null() }
        else { certificates("client_certificates", ac.clientChain, tls.clientCertificate?.value.certificates, memo, &w) }
        chain("client_chain", ac.clientChain, &w)
        if let inf = c.tls13 {
            w.key("tls13_inference"); w.beginObject()
            w.field("client_flight", inf.clientFlight.rawValue)
            w.field("client_flight_frame", inf.clientFlightFrame)
            w.field("server_alert_frame", inf.serverAlertAfterClientFlight)
            w.field("data_after_client_flight", inf.dataAfterClientFlight)
            w.endObject()
        }
        if !w.pretty {
            w.key("records")
            // Fixed text under 200 bytes, six numbers of at most 20. No closure: one that read
            // `tls` captured a copy of the whole summary.
            var o = w.beginRawValue(maxLength: 400)
            o.syntax("{\"client_application_data_records\":"); o.int(tls.clientAppDataRecords)
            o.syntax(",\"server_application_data_records\":"); o.int(tls.serverAppDataRecords)
            o.syntax(",\"client_application_data_bytes\":"); o.int(tls.clientAppDataBytes)
            o.syntax(",\"server_application_data_bytes\":"); o.int(tls.serverAppDataBytes)
            o.syntax(",\"new_session_tickets\":"); o.int(tls.newSessionTickets)
            o.syntax(",\"heartbeats\":"); o.int(tls.heartbeats)
            o.byte(UInt8(ascii: "}"))
            w.endRawValue(o, maxLength: 400)
        } else {
        w.key("records"); w.beginObject()
        w.field("client_application_data_records", tls.clientAppDataRecords)
        w.field("server_application_data_records", tls.serverAppDataRecords)
        w.field("client_application_data_bytes", tls.clientAppDataBytes)
        w.field("server_application_data_bytes", tls.serverAppDataBytes)
        w.field("new_session_tickets", tls.newSessionTickets)
        w.field("heartbeats", tls.heartbeats)
        w.endObject()
        }
        w.endObject()
    }

    static func endpoint(_ key: StaticString, _ e: Endpoint, _ mac: EthernetAddress?, side: Int, _ memo: Memo, _ w: inout JSONWriter) {
        guard w.pretty else { endpointCompact(key, e, mac, side: side, memo, &w); return }
        endpointByFields(key, e, mac, side: side, memo, &w)
    }

    /// `endpointByFields`' bytes in one pass (a test compares them).
    static func endpointCompact(_ key: StaticString, _ e: Endpoint, _ mac: EthernetAddress?, side: Int, _ memo: Memo, _ w: inout JSONWriter) {
        w.key(key)
        let known = mac.flatMap { $0.isZero ? nil : $0 }
        let vendor = known.flatMap { memo.vendor($0, side: side) }
        // Fixed text under 40 bytes, an address of at most 39, a port, a MAC address of 17.
        let room = 160 + JSONRawCursor.room(vendor)
        var o = w.beginRawValue(maxLength: room)
        o.syntax("{\"ip\":\"")
        o.p += e.ip.writeDescription(into: o.p)
        o.syntax("\",\"port\":"); o.int(Int(e.port))
        if let m = known {
            o.syntax(",\"mac\":\"")
            m.writeDescription(into: o.p)
            o.p += EthernetAddress.textLength
            o.syntax("\",\"vendor\":"); o.string(vendor)
        } else {
            o.syntax(",\"mac\":null")
        }
        o.byte(UInt8(ascii: "}"))
        w.endRawValue(o, maxLength: room)
    }

    static func endpointByFields(_ key: StaticString, _ e: Endpoint, _ mac: EthernetAddress?, side: Int, _ memo: Memo, _ w: inout JSONWriter) {
        w.key(key); w.beginObject()
        w.key("ip"); w.unescapedString(maxLength: IPAddress.maxTextLength) { e.ip.writeDescription(into: $0) }
        w.field("port", Int(e.port))
        w.key("mac")
        if let m = mac, !m.isZero {
            w.unescapedString(maxLength: EthernetAddress.textLength) { m.writeDescription(into: $0); return EthernetAddress.textLength }
            w.field("vendor", memo.vendor(m, side: side))
        } else {
            w.null()
        }
        w.endObject()
    }

    /// One transcript line's object: compact output of an entry whose every word is known in advance
    /// (all but alerts and malformed messages, whose words are Strings to escape) is written in one
    /// pass, `transcriptEntryCompact`; the rest field by field.
    /// The entry is read through a pointer: a value read from a buffer and handed to a call that
    /// writes was copied first (~90 instructions an entry).
    @inline(__always)
    static func transcriptEntry(_ e: UnsafePointer<TranscriptEntry>, _ w: inout JSONWriter) {
        if !w.pretty && e.pointee.time.hasFixedRFC3339Layout && canWriteCompact(e.pointee.event, w) {
            transcriptEntryCompact(e, &w)
        } else {
            transcriptEntryByFields(e.pointee, &w)
        }
    }

    /// The general path of `transcriptEntry` (the words from `TranscriptText.spell`).
    static func transcriptEntryByFields(_ e: TranscriptEntry, _ w: inout JSONWriter) {
        w.beginObject()
        w.field("frame", e.frame)
        w.field("time", timestamp: e.time)
        w.field("sender", side: e.sender)
        transcriptWords(e.event, &w)
        if e.decrypted { w.field("decrypted", true) }
        w.endObject()
    }

    /// True when `transcriptEntryCompact` can spell `event`: no String in it, and a handshake
    /// message's name already in the writer's memo (the general path puts it there).
    @inline(__always)
    static func canWriteCompact(_ event: TranscriptEntry.Event, _ w: JSONWriter) -> Bool {
        switch event {
        case .alert, .malformedHandshake: return false
        case .handshake(let t, _): return w.remembersName(.handshakeMessage, UInt16(t.rawValue))
        default: return true
        }
    }

    /// `transcriptEntryByFields`' bytes in one pass: the keys and the event's words are literals
    /// with their JSON syntax, written after one room check, without a comma check or key memo
    /// per field (~950 instructions an entry field by field; a connection has ~14 entries). The
    /// words must be `TranscriptText.spell`'s: a test compares the two paths for every event.
    /// Only for an entry `canWriteCompact` accepts, with a time of the fixed layout.
    static func transcriptEntryCompact(_ e: UnsafePointer<TranscriptEntry>, _ w: inout JSONWriter) {
        // Fixed text under 150 bytes, three numbers of at most 20, a time of 29, a name of at most 255.
        let room = 512
        var o = w.beginRawValue(maxLength: room)
        o.syntax("{\"frame\":"); o.int(e.pointee.frame)
        o.syntax(",\"time\":"); o.timestamp(e.pointee.time)
        o.syntax(e.pointee.sender == .client ? ",\"sender\":\"client\",\"event\":\"" : ",\"sender\":\"server\",\"event\":\"")
        switch e.pointee.event {
        case .syn: o.syntax("SYN\"")
        case .synAck: o.syntax("SYN-ACK\"")
        case .fin: o.syntax("FIN\"")
        case .rst: o.syntax("RST\"")
        case .handshake(let t, let length):
            o.rememberedName(.handshakeMessage, UInt16(t.rawValue))
            o.syntax("\",\"detail\":\""); o.int(length); o.syntax(" bytes\"")
        case .helloRetryRequest: o.syntax("HelloRetryRequest\"")
        case .encryptedHandshake(let length):
            o.syntax("encrypted handshake (Finished)\",\"detail\":\""); o.int(length); o.syntax("-byte record\"")
        case .changeCipherSpec: o.syntax("ChangeCipherSpec\"")
        case .encryptedAlert(let length):
            o.syntax("encrypted Alert\",\"detail\":\""); o.int(length); o.syntax("-byte record\"")
        case .applicationData(let records, let bytes):
            o.syntax("application data\",\"detail\":\""); o.int(records)
            o.syntax(records == 1 ? " record, " : " records, "); o.int(bytes); o.syntax(" bytes\"")
        case .heartbeat(let length):
            o.syntax("Heartbeat\",\"detail\":\""); o.int(length); o.syntax(" bytes\"")
        case .gap(let bytes):
            o.syntax("capture gap\",\"detail\":\""); o.int(bytes); o.syntax(" bytes not captured\"")
        case .plaintext(let bytes):
            o.syntax("plaintext (not TLS)\",\"detail\":\"first "); o.int(bytes); o.syntax(" bytes\"")
        case .tlsAfterPlaintext(let bytes):
            o.syntax("TLS starts (STARTTLS)\",\"detail\":\"after "); o.int(bytes); o.syntax(" plaintext bytes\"")
        case .resynchronized(let skipped):
            o.syntax("record framing recovered\",\"detail\":\""); o.int(skipped); o.syntax(" bytes skipped\"")
        case .alert, .malformedHandshake:
            preconditionFailure("canWriteCompact refuses events with Strings")
        }
        if e.pointee.decrypted { o.syntax(",\"decrypted\":true") }
        o.byte(UInt8(ascii: "}"))
        w.endRawValue(o, maxLength: room)
    }

    /// The transcript line's "event" and, when it has one, "detail" (`TranscriptText.spell`).
    static func transcriptWords(_ event: TranscriptEntry.Event, _ w: inout JSONWriter) {
        w.beginStringField("event")
        withUnsafeMutablePointer(to: &w) { writer in
            var fields = TranscriptJSONFields(writer: writer)
            TranscriptText.spell(event, into: &fields)
        }
        w.endString()
    }

    static func clientHello(_ ch: Located<ClientHello>, _ w: inout JSONWriter) {
        guard w.pretty || !clientHelloCompact(ch, &w) else { return }
        clientHelloByFields(ch, &w)
    }

    /// `clientHelloByFields`' bytes with its scalar fields written in one pass before and after
    /// the code-point lists (which take the list memo); false, writing nothing, when a name is not
    /// remembered yet (the general path remembers it). A test compares the two.
    static func clientHelloCompact(_ ch: Located<ClientHello>, _ w: inout JSONWriter) -> Bool {
        let h = ch.value
        let legacy = h.legacyVersion, highest = h.highestVersion
        guard w.remembersName(of: legacy), w.remembersName(of: highest) else { return false }
        w.key("client_hello")
        let headRoom = 400
        var o = w.beginRawValue(maxLength: headRoom)
        o.syntax("{\"frame\":"); o.int(ch.frame)
        o.syntax(",\"first_frame\":"); o.int(ch.firstFrame)
        o.syntax(",\"legacy_version\":"); o.codePoint(legacy)
        w.endRawValue(o, maxLength: headRoom, shape: .opensObject)
        w.field("versions", codePoints: h.offeredVersions)
        w.field("highest_version", codePoint: highest)
        w.field("cipher_suites", codePoints: h.cipherSuites)
        w.field("compression_methods", ints: h.compressionMethods)
        w.field("extensions", extensionTypesOf: h.extensions)
        w.field("groups", codePoints: h.supportedGroups)
        w.field("key_share_groups", codePoints: h.keyShareGroups)
        w.field("signature_algorithms", codePoints: h.signatureAlgorithms)
        w.field("signature_algorithms_cert", codePoints: h.signatureAlgorithmsCert)
        let alpn = h.alpnProtocols, points = h.ecPointFormats, serverName = h.serverName, errors = h.extensionErrors
        let tailRoom = 300 + JSONRawCursor.room(alpn) + 4 * points.count + JSONRawCursor.room(serverName) + JSONRawCursor.room(errors)
        o = w.beginRawValue(maxLength: tailRoom)
        o.syntax("\"alpn\":"); o.strings(alpn)
        o.syntax(",\"ec_point_formats\":"); o.ints(points)
        o.syntax(",\"server_name\":"); o.string(serverName)
        o.syntax(",\"session_id_length\":"); o.int(h.sessionIDLength)
        o.syntax(",\"session_ticket\":"); o.bool(h.hasSessionTicket)
        o.syntax(",\"sslv2_compatible\":"); o.bool(h.isSSLv2Compatible)
        o.syntax(",\"gmt_unix_time\":"); o.int(Int(h.gmtUnixTime))
        o.syntax(",\"extension_errors\":"); o.strings(errors)
        o.byte(UInt8(ascii: "}"))
        w.endRawValue(o, maxLength: tailRoom, shape: .closesObject)
        return true
    }

    static func clientHelloByFields(_ ch: Located<ClientHello>, _ w: inout JSONWriter) {
        let h = ch.value
        w.key("client_hello"); w.beginObject()
        w.field("frame", ch.frame)
        w.field("first_frame", ch.firstFrame)
        w.field("legacy_version", codePoint: h.legacyVersion)
        w.field("versions", codePoints: h.offeredVersions)
        w.field("highest_version", codePoint: h.highestVersion)
        w.field("cipher_suites", codePoints: h.cipherSuites)
        w.field("compression_methods", ints: h.compressionMethods)
        w.field("extensions", extensionTypesOf: h.extensions)
        w.field("groups", codePoints: h.supportedGroups)
        w.field("key_share_groups", codePoints: h.keyShareGroups)
        w.field("signature_algorithms", codePoints: h.signatureAlgorithms)
        w.field("signature_algorithms_cert", codePoints: h.signatureAlgorithmsCert)
        w.field("alpn", strings: h.alpnProtocols)
        w.field("ec_point_formats", ints: h.ecPointFormats)
        w.field("server_name", h.serverName)
        w.field("session_id_length", h.sessionIDLength)
        w.field("session_ticket", h.hasSessionTicket)
        w.field("sslv2_compatible", h.isSSLv2Compatible)
        w.field("gmt_unix_time", Int(h.gmtUnixTime))
        w.field("extension_errors", strings: h.extensionErrors)
        w.endObject()
    }

    static func serverHello(_ key: StaticString, _ sh: Located<ServerHello>, _ w: inout JSONWriter) {
        guard w.pretty || !serverHelloCompact(key, sh, &w) else { return }
        serverHelloByFields(key, sh, &w)
    }

    /// `serverHelloByFields`' bytes in two passes around the extension list; false, writing
    /// nothing, when a name is not remembered yet. A test compares the two.
    static func serverHelloCompact(_ key: StaticString, _ sh: Located<ServerHello>, _ w: inout JSONWriter) -> Bool {
        let h = sh.value
        let legacy = h.legacyVersion, version = h.negotiatedVersion, cipher = h.cipherSuite, group = h.keyShareGroup
        guard w.remembersName(of: legacy), w.remembersName(of: version), w.remembersName(of: cipher),
              w.remembersName(of: group) else { return false }
        w.key(key)
        let headRoom = 1000   // fixed text under 100 bytes, three names of at most 257, two numbers
        var o = w.beginRawValue(maxLength: headRoom)
        o.syntax("{\"frame\":"); o.int(sh.frame)
        o.syntax(",\"legacy_version\":"); o.codePoint(legacy)
        o.syntax(",\"version\":"); o.codePoint(version)
        o.syntax(",\"cipher\":"); o.codePoint(cipher)
        o.syntax(",\"compression_method\":"); o.int(Int(h.compressionMethod))
        w.endRawValue(o, maxLength: headRoom, shape: .opensObject)
        w.field("extensions", extensionTypesOf: h.extensions)
        let alpn = h.alpnProtocol, errors = h.extensionErrors
        let tailRoom = 400 + JSONRawCursor.room(alpn) + JSONRawCursor.room(errors)
        o = w.beginRawValue(maxLength: tailRoom)
        o.syntax("\"key_share_group\":"); o.codePoint(group)
        o.syntax(",\"alpn\":"); o.string(alpn)
        o.syntax(",\"session_id_length\":"); o.int(h.sessionIDLength)
        o.syntax(",\"extension_errors\":"); o.strings(errors)
        o.byte(UInt8(ascii: "}"))
        w.endRawValue(o, maxLength: tailRoom, shape: .closesObject)
        return true
    }

    static func serverHelloByFields(_ key: StaticString, _ sh: Located<ServerHello>, _ w: inout JSONWriter) {
        let h = sh.value
        w.key(key); w.beginObject()
        w.field("frame", sh.frame)
        w.field("legacy_version", codePoint: h.legacyVersion)
        w.field("version", codePoint: h.negotiatedVersion)
        w.field("cipher", codePoint: h.cipherSuite)
        w.field("compression_method", Int(h.compressionMethod))
        w.field("extensions", extensionTypesOf: h.extensions)
        w.field("key_share_group", codePoint: h.keyShareGroup)
        w.field("alpn", h.alpnProtocol)
        w.field("session_id_length", h.sessionIDLength)
        w.field("extension_errors", strings: h.extensionErrors)
        w.endObject()
    }

    static func certificates(_ key: StaticString, _ report: ChainReport?, _ ders: [[UInt8]]?, _ memo: Memo, _ w: inout JSONWriter) {
        w.key(key)
        if let report {
            // The same chains come back connection after connection, and their JSON depends on
            // nothing else: written once, then copied (about 7,700 instructions per certificate).
            if let json = memo.certificateListJSON(report.certificates, pretty: w.pretty) {
                w.raw(json)
                return
            }
            let start = w.count
            w.beginArray()
            for (i, cert) in report.certificates.enumerated() { certificate(cert, index: i, &w) }
            w.endArray()
            memo.remember(report.certificates, json: w.withBytes { Array($0[start...]) }, pretty: w.pretty)
        } else {
            w.beginArray()
            for (i, d) in (ders ?? []).enumerated() { certificate(SentCertificate(der: d, summary: nil, decodeError: nil), index: i, &w) }
            w.endArray()
        }
    }

    static func certificate(_ cert: SentCertificate, index: Int, _ w: inout JSONWriter) {
        w.beginObject()
        w.field("index", index)
        w.field("length", cert.der.count)
        if let s = cert.summary {
            w.field("sha256", s.sha256)
            w.field("sha1", s.sha1)
            w.field("subject", s.subject)
            w.field("issuer", s.issuer)
            w.field("serial", s.serial)
            w.field("not_before", timestampSeconds: s.notBefore)
            w.field("not_after", timestampSeconds: s.notAfter)
            w.key("san"); w.beginArray(); for name in s.subjectAltNames { w.string(name.description) }; w.endArray()
            w.field("key_type", s.keyType)
            w.field("key_bits", s.keyBits)
            w.field("curve", s.curve)
            w.field("signature_algorithm", s.signatureAlgorithm)
            w.field("is_ca", s.isCA)
            w.field("self_signed", s.isSelfSigned)
            w.field("key_usage", strings: s.keyUsage)
            w.field("extended_key_usage", strings: s.extendedKeyUsage)
            w.field("subject_key_id", s.subjectKeyIdentifier)
            w.field("authority_key_id", s.authorityKeyIdentifier)
        } else {
            w.field("sha256", nil as String?)
            w.field("decode_error", cert.decodeError ?? "not decoded")
        }
        w.endObject()
    }

    static func chain(_ key: StaticString, _ r: ChainReport?, _ w: inout JSONWriter) {
        w.key(key)
        guard let r else { w.null(); return }
        w.beginObject()
        w.field("frame", r.frame)
        w.field("verdict", r.verdict.status.rawValue)
        w.field("store", r.verdict.storeLabel)
        w.field("judged_at", timestampSeconds: r.judgedAt)
        w.field("openssl_error", r.verdict.opensslError.map { Int($0) })
        w.field("openssl_error_text", r.verdict.opensslErrorText)
        w.key("issues"); w.beginArray()
        for i in r.verdict.issues {
            w.beginObject()
            w.field("kind", i.kind.rawValue)
            w.field("certificate_index", i.certificateIndex)
            w.field("detail", i.detail)
            w.field("missing_issuer", i.missingIssuer)
            w.field("missing_issuer_key_id", i.missingIssuerKeyID)
            w.endObject()
        }
        w.endArray()
        if r.sender == .server {
            w.key("hostname"); w.beginObject()
            w.field("name", r.hostnameChecked)
            w.field("source", r.hostnameSource)
            w.field("matches", r.hostnameMatches)
            w.endObject()
        } else {
            w.key("device"); w.beginObject()
            w.field("certificate_mac", r.certificateMAC?.description)
            w.field("frame_mac", r.frameMAC?.description)
            w.field("match", (r.certificateMAC != nil && r.frameMAC != nil) ? (r.certificateMAC == r.frameMAC) : nil)
            w.field("vendor", r.certificateMAC?.vendor)
            w.endObject()
            w.field("acceptable_ca_match", r.acceptableCAMatch)
        }
        w.endObject()
    }

    static func plaintext(_ key: StaticString, _ p: Located<[UInt8]>?, _ bytes: Int, _ w: inout JSONWriter) {
        w.key(key)
        guard let p else { w.null(); return }
        w.beginObject()
        w.field("frame", p.frame)
        w.field("bytes", bytes)
        w.field("protocol", PlaintextProtocol.guess(p.value))
        w.field("preview", PlaintextProtocol.printable(p.value))
        w.endObject()
    }

    static func tcp(_ t: TCPSummary, _ w: inout JSONWriter) {
        guard w.pretty else { tcpCompact(t, &w); return }
        w.key("tcp"); w.beginObject()
        w.field("syn_frame", t.syn?.frame)
        w.field("syn_count", t.synCount)
        w.field("syn_ack_frame", t.synAck?.frame)
        w.field("started_before_capture", t.startedBeforeCapture)
        tcpSignals("fins", t.fins, &w)
        tcpSignals("rsts", t.rsts, &w)
        tcpDirection("client", t.client, seen: t.sawClientPackets, &w)
        tcpDirection("server", t.server, seen: t.sawServerPackets, &w)
        w.endObject()
    }

    /// `tcp`'s compact JSON, written as one raw value (about 25 values, every one a number or
    /// a fixed word): byte for byte what the general path writes (tests compare them).
    static func tcpCompact(_ t: TCPSummary, _ w: inout JSONWriter) {
        w.key("tcp")
        // Fixed text under 500 bytes, 17 numbers of at most 20; a signal under 64 bytes.
        // No closure: one that read `t` captured a copy of the summary (its lists retained).
        let room = 1024 + 64 * (t.fins.count + t.rsts.count)
        var o = w.beginRawValue(maxLength: room)
        o.syntax("{\"syn_frame\":"); o.int(t.syn?.frame)
        o.syntax(",\"syn_count\":"); o.int(t.synCount)
        o.syntax(",\"syn_ack_frame\":"); o.int(t.synAck?.frame)
        o.syntax(",\"started_before_capture\":"); o.bool(t.startedBeforeCapture)
        o.syntax(",\"fins\":["); tcpSignalsCompact(t.fins, &o)
        o.syntax("],\"rsts\":["); tcpSignalsCompact(t.rsts, &o)
        o.syntax("],\"client\":"); tcpDirectionCompact(t.client, seen: t.sawClientPackets, &o)
        o.syntax(",\"server\":"); tcpDirectionCompact(t.server, seen: t.sawServerPackets, &o)
        o.byte(UInt8(ascii: "}"))
        w.endRawValue(o, maxLength: room)
    }

    @inline(__always)
    static func tcpSignalsCompact(_ signals: [TCPSignal], _ o: inout JSONRawCursor) {
        var first = true
        for s in signals {
            o.syntax(first ? "{\"frame\":" : ",{\"frame\":"); first = false
            o.int(s.frame)
            o.syntax(s.sender == .client ? ",\"sender\":\"client\"}" : ",\"sender\":\"server\"}")
        }
    }

    @inline(__always)
    static func tcpDirectionCompact(_ s: DirectionStats, seen: Bool, _ o: inout JSONRawCursor) {
        o.syntax("{\"seen\":"); o.bool(seen)
        o.syntax(",\"segments\":"); o.int(s.segments)
        o.syntax(",\"payload_bytes\":"); o.int(s.payloadBytes)
        o.syntax(",\"retransmitted_segments\":"); o.int(s.retransmittedSegments)
        o.syntax(",\"out_of_order_segments\":"); o.int(s.outOfOrderSegments)
        o.syntax(",\"gap_bytes\":"); o.int(s.gapBytes)
        o.syntax(",\"gaps\":"); o.int(s.gapCount)
        o.syntax(",\"snaplen_truncated_segments\":"); o.int(s.truncatedSegments)
        o.byte(UInt8(ascii: "}"))
    }

    static func tcpSignals(_ key: StaticString, _ signals: [TCPSignal], _ w: inout JSONWriter) {
        w.key(key); w.beginArray()
        for s in signals { w.beginObject(); w.field("frame", s.frame); w.field("sender", side: s.sender); w.endObject() }
        w.endArray()
    }

    static func tcpDirection(_ key: StaticString, _ s: DirectionStats, seen: Bool, _ w: inout JSONWriter) {
        w.key(key); w.beginObject()
        w.field("seen", seen)
        w.field("segments", s.segments)
        w.field("payload_bytes", s.payloadBytes)
        w.field("retransmitted_segments", s.retransmittedSegments)
        w.field("out_of_order_segments", s.outOfOrderSegments)
        w.field("gap_bytes", s.gapBytes)
        w.field("gaps", s.gapCount)
        w.field("snaplen_truncated_segments", s.truncatedSegments)
        w.endObject()
    }

    public static func finding(_ f: Finding, _ w: inout JSONWriter) {
        withUnsafePointer(to: f) { finding($0, &w) }
    }

    /// A finding read through a pointer (a value read from the findings' buffer and handed to a
    /// call that writes was copied first: a dozen Strings retained and released).
    static func finding(_ f: UnsafePointer<Finding>, _ w: inout JSONWriter) {
        if w.pretty { findingByFields(f.pointee, &w) } else { findingCompact(f, &w) }
    }

    /// `findingByFields`' bytes in one pass: the keys as literals with their syntax, the texts
    /// escaped into room made once for all (every byte as `\u00XX`). A test compares the two.
    static func findingCompact(_ f: UnsafePointer<Finding>, _ w: inout JSONWriter) {
        let rule = f.pointee.rule.rawValue, severity = f.pointee.severity.rawValue, confidence = f.pointee.confidence.rawValue
        let side = f.pointee.sideAtFault?.rawValue, follows = f.pointee.followsFrom?.rawValue
        f.pointee.evidence.withUnsafeBufferPointer { evidence in
            // Fixed text under 250 bytes; a frame number of at most 20 and a comma.
            var room = 400 + 21 * f.pointee.frames.count
            room += JSONRawCursor.room(rule) + JSONRawCursor.room(severity) + JSONRawCursor.room(confidence)
            room += JSONRawCursor.room(f.pointee.title) + JSONRawCursor.room(f.pointee.explanation)
            room += JSONRawCursor.room(f.pointee.remediation) + JSONRawCursor.room(side) + JSONRawCursor.room(follows)
            room += JSONRawCursor.room(f.pointee.confidenceNote)
            for i in evidence.indices {
                room += 60 + JSONRawCursor.room(evidence[i].label) + JSONRawCursor.room(evidence[i].value)
            }
            var o = w.beginRawValue(maxLength: room)
            o.syntax("{\"rule\":"); o.string(rule)
            o.syntax(",\"severity\":"); o.string(severity)
            o.syntax(",\"confidence\":"); o.string(confidence)
            o.syntax(",\"title\":"); o.string(f.pointee.title)
            o.syntax(",\"explanation\":"); o.string(f.pointee.explanation)
            o.syntax(",\"remediation\":"); o.string(f.pointee.remediation)
            o.syntax(",\"frames\":[")
            f.pointee.frames.withUnsafeBufferPointer { frames in
                for i in frames.indices {
                    if i > 0 { o.byte(UInt8(ascii: ",")) }
                    o.int(frames[i])
                }
            }
            o.syntax("],\"side_at_fault\":"); o.string(side)
            o.syntax(",\"follows_from\":"); o.string(follows)
            o.syntax(",\"confidence_note\":"); o.string(f.pointee.confidenceNote)
            o.syntax(",\"evidence\":[")
            for i in evidence.indices {
                o.syntax(i == 0 ? "{\"label\":" : ",{\"label\":"); o.string(evidence[i].label)
                o.syntax(",\"value\":"); o.string(evidence[i].value)
                o.syntax(",\"frame\":"); o.int(evidence[i].frame)
                o.byte(UInt8(ascii: "}"))
            }
            o.syntax("]}")
            w.endRawValue(o, maxLength: room)
        }
    }

    static func findingByFields(_ f: Finding, _ w: inout JSONWriter) {
        w.beginObject()
        w.field("rule", f.rule.rawValue)
        w.field("severity", f.severity.rawValue)
        w.field("confidence", f.confidence.rawValue)
        w.field("title", f.title)
        w.field("explanation", f.explanation)
        w.field("remediation", f.remediation)
        w.field("frames", ints: f.frames)
        w.field("side_at_fault", f.sideAtFault?.rawValue)
        w.field("follows_from", f.followsFrom?.rawValue)
        w.field("confidence_note", f.confidenceNote)
        w.key("evidence"); w.beginArray()
        for e in f.evidence {
            w.beginObject(); w.field("label", e.label); w.field("value", e.value); w.field("frame", e.frame); w.endObject()
        }
        w.endArray()
        w.endObject()
    }
}

/// Writes a transcript event's words into the JSON string values opened by
/// `ConnectionJSON.transcriptWords`: the name into "event", the detail into "detail".
struct TranscriptJSONFields: TranscriptTextOutput {
    let writer: UnsafeMutablePointer<JSONWriter>

    mutating func append(_ text: StaticString) { writer.pointee.appendToString(text) }
    mutating func append(string text: String) { writer.pointee.appendToString(text) }
    mutating func append(decimal n: Int) { writer.pointee.appendToString(decimal: n) }
    mutating func append(messageName t: HandshakeType) {
        writer.pointee.appendToString(codePointName: .handshakeMessage, UInt16(t.rawValue)) { t.displayName }
    }
    mutating func startDetail() {
        writer.pointee.endString()
        writer.pointee.beginStringField("detail")
    }
}

// MARK: - Code points and sides

/// A TLS code point whose name the writer memoizes (`JSONWriter.codePointName`, `field(_:codePoints:)`).
/// A conformer is a struct whose one stored property is its `UInt16` raw value: the writer reads an
/// array of them as an array of raw values (a test checks every conformer).
protocol JSONCodePoint: RawRepresentable<UInt16>, CustomStringConvertible {
    static var family: JSONWriter.CodePointFamily { get }
}

extension ProtocolVersion: JSONCodePoint { static var family: JSONWriter.CodePointFamily { .protocolVersion } }
extension CipherSuite: JSONCodePoint { static var family: JSONWriter.CodePointFamily { .cipherSuite } }
extension ExtensionType: JSONCodePoint { static var family: JSONWriter.CodePointFamily { .extensionType } }
extension NamedGroup: JSONCodePoint { static var family: JSONWriter.CodePointFamily { .namedGroup } }
extension SignatureScheme: JSONCodePoint { static var family: JSONWriter.CodePointFamily { .signatureScheme } }

extension JSONWriter {
    /// A code point's `description` (its name, or hex when unnamed), memoized per writer.
    mutating func codePoint<C: JSONCodePoint>(_ c: C) {
        codePointName(C.family, c.rawValue) { c.description }
    }

    mutating func field<C: JSONCodePoint>(_ k: StaticString, codePoint c: C?) {
        field(k, codePointName: C.family, c?.rawValue) { c!.description }   // called only for a value
    }

    /// `field(_:codePoints:)` of the extensions' types, read in place (no copy of each extension).
    mutating func field(_ k: StaticString, extensionTypesOf extensions: [TLSExtension]) {
        extensions.withUnsafeBufferPointer { list in
            withUnsafeTemporaryAllocation(of: UInt16.self, capacity: list.count) { values in
                for i in 0..<list.count { values[i] = list[i].type.rawValue }
                field(k, codePoints: ExtensionType.self, UnsafeBufferPointer(values))
            }
        }
    }

    /// `Side.rawValue` without a String.
    mutating func field(_ k: StaticString, side: Side) {
        field(k, literal: ConnectionJSON.name(of: side))
    }
}

extension ConnectionJSON {
    /// `side.rawValue` as a literal (a test checks they agree).
    static func name(of side: Side) -> StaticString {
        switch side {
        case .client: return "client"
        case .server: return "server"
        }
    }
}
