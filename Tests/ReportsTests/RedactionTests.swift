import Testing
import Foundation
import WireCore
import Packets
@testable import Diagnosis
@testable import Connections
import Reports

/// `--redact` must remove addresses, MACs, host names, serials and fingerprints from every format,
/// replace them consistently, and keep the verdict readable.
struct RedactionTests {
    /// Values that must never appear in a redacted report of the hand-built connection.
    static let secrets = ["10.0.0.20", "10.0.0.5", "00:22:ee:09:00:45", "evil.example.com", "customer-site.com",
                          "0a1b2c3d4e5f", String(repeating: "ab", count: 32), String(repeating: "cd", count: 20)]

    @Test(arguments: Render.formats)
    func handBuiltConnectionLeaksNothingInAnyFormat(format: String) {
        let out = Render.run(format, [Hostile.connection()], redact: true)
        #expect(!out.isEmpty)
        for s in Self.secrets { #expect(!out.lowercased().contains(s.lowercased()), "\(format) leaks \(s)") }
        #expect(out.contains("192.0.2."))
        #expect(out.contains(".example"))      // host pseudonyms: host-N.site-N.example
    }

    @Test(arguments: Render.formats)
    func realCaptureLeaksNoAddressNameSerialOrFingerprint(format: String) throws {
        guard Fixtures.exists("all_failures.pcapng") else { return }
        let (conns, input) = Fixtures.analyze("all_failures.pcapng")
        // Collect the real values from the unredacted analysis.
        var secrets: Set<String> = []
        for ac in conns {
            let c = ac.connection
            secrets.insert(c.client.ip.description); secrets.insert(c.server.ip.description)
            if let m = c.clientMAC { secrets.insert(m.description) }
            if let m = c.serverMAC { secrets.insert(m.description) }
            if let sni = c.tls.serverName { secrets.insert(sni) }
            for chain in [ac.serverChain, ac.clientChain].compactMap({ $0 }) {
                for cert in chain.certificates {
                    guard let s = cert.summary else { continue }
                    secrets.insert(s.sha256); secrets.insert(s.sha1)
                    if s.serial.count >= 4 { secrets.insert("serial " + s.serial) }
                    for n in s.dnsNames { secrets.insert(n) }
                }
            }
        }
        #expect(secrets.count > 5)
        let out = Render.run(format, conns, inputs: [input], redact: true).lowercased()
        for s in secrets { #expect(!out.contains(s.lowercased()), "\(format) leaks \(s)") }
        let plain = Render.run(format, conns, inputs: [input], redact: false).lowercased()
        #expect(secrets.contains { plain.contains($0.lowercased()) })   // the check can fail
    }

    @Test func sameValueGetsSamePseudonymAcrossConnectionsAndFields() {
        let r = Redactor()
        let a = r.redact(Hostile.connection())
        let b = r.redact(Hostile.connection())
        #expect(a.connection.client.ip == b.connection.client.ip)
        #expect(a.connection.server.ip != a.connection.client.ip)
        #expect(a.connection.tls.serverName == b.connection.tls.serverName)
        // The SNI and the certificate's DNS SAN were the same name: still the same pseudonym.
        let sni = a.connection.tls.serverName!
        #expect(a.serverChain!.leaf!.dnsNames.first == sni)
        #expect(a.serverChain!.hostnameChecked == sni)
        // The server's SAN IP and its endpoint address were the same: same pseudonym in the SAN and in text.
        let serverIP = a.connection.server.ip.description
        #expect(a.serverChain!.leaf!.subjectAltNames.contains(.ip(serverIP)))
        #expect(a.findings[0].explanation.contains(r.address(Hostile.connection().connection.client.ip).description))
        #expect(a.serverChain!.leaf!.serial.hasPrefix("serial-"))
        #expect(a.findings[0].explanation.contains(a.serverChain!.leaf!.serial))
    }

    @Test func macPseudonymKeepsAKnownVendorOUIAndHidesTheDevice() {
        let r = Redactor()
        let algo = r.mac(EthernetAddress(value: 0x0022_ee09_0045))
        #expect(algo.description.hasPrefix("00:22:ee:"))
        #expect(algo.description != "00:22:ee:09:00:45")
        let unknown = r.mac(EthernetAddress(value: 0x1234_5600_0001))
        #expect(unknown.description.hasPrefix("02:00:00:"))
        // A MAC written inside a device certificate CN maps to the same pseudonym as the frame's MAC.
        #expect(r.text("CN=0022EE090045") == "CN=" + algo.description.replacingOccurrences(of: ":", with: "").uppercased())
        #expect(r.text("seen 00-22-EE-09-00-45") == "seen " + algo.description.replacingOccurrences(of: ":", with: "-").uppercased())
    }

    @Test func wildcardAndSameDomainRelationsSurvive() {
        let r = Redactor()
        let sip = r.host("sip.customer.com")
        let wildcard = r.host("*.customer.com")
        let other = r.host("sip.other.org")
        #expect(wildcard.hasPrefix("*."))
        #expect(sip.split(separator: ".").dropFirst().joined(separator: ".") == wildcard.dropFirst(2).description)
        #expect(!other.hasSuffix(wildcard.dropFirst(2)))
        #expect(r.text("asked for SIP.customer.com") == "asked for " + sip)
        #expect(r.text("prov.customer.com too") == r.host("prov.customer.com") + " too")
    }

    @Test func freeTextAddressesUsersAndFingerprintsAreReplacedIdempotently() {
        let r = Redactor()
        let once = r.text("REGISTER sip:1234@10.1.2.3:5061 from [2001:db8:1::20]:5062 key 0e194ac6152c43edac3992e5703c81a2c1453a2a4d36615165b57bce5ecc3b11")
        #expect(!once.contains("1234@"))
        #expect(!once.contains("10.1.2.3"))
        #expect(!once.contains("2001:db8:1::20"))
        #expect(!once.contains("0e194ac6152c43ed"))
        #expect(r.text(once) == once)
        // Things that look numeric but are not addresses stay.
        #expect(r.text("TLSv1.2 firmware 3.1, OID 1.3.6.1.5.5.7.3.1, at 10:22:01") == "TLSv1.2 firmware 3.1, OID 1.3.6.1.5.5.7.3.1, at 10:22:01")
    }

    @Test func derNamesOfTheCertificateRequestAreRewritten() {
        let r = Redactor()
        // SEQUENCE { SET { SEQUENCE { OID 2.5.4.3, UTF8String "sip.customer.com" } } }
        let cn = Array("sip.customer.com".utf8)
        let atv: [UInt8] = [0x30, UInt8(5 + 2 + cn.count), 0x06, 0x03, 0x55, 0x04, 0x03, 0x0c, UInt8(cn.count)] + cn
        let der: [UInt8] = [0x30, UInt8(atv.count + 2), 0x31, UInt8(atv.count)] + atv
        let out = r.redactName(der)
        #expect(!String(decoding: out, as: UTF8.self).contains("customer"))
        #expect(String(decoding: out, as: UTF8.self).contains(r.host("sip.customer.com")))
        #expect(r.redactName([0x30, 0x05, 0x01]) == [0x30, 0x00])   // malformed: nothing leaks
    }

    @Test func redactedJSONSaysSo() throws {
        let out = Render.run("json", [Hostile.connection()], redact: true)
        let doc = try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any]
        #expect(doc?["redacted"] as? Bool == true)
        let plain = try JSONSerialization.jsonObject(with: Data(Render.run("json", [Hostile.connection()]).utf8)) as? [String: Any]
        #expect(plain?["redacted"] as? Bool == false)
    }
}
