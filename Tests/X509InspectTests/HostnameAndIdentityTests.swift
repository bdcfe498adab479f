import Testing
@testable import X509Inspect

@Suite struct HostnameCheckTests {
    let leaf = Fixture.der("leaf")

    @Test func exactAndCaseInsensitiveDNSNamesMatch() {
        #expect(HostnameCheck.matches(der: leaf, name: "sip.example.com"))
        #expect(HostnameCheck.matches(der: leaf, name: "SIP.Example.COM"))
        #expect(HostnameCheck.matches(der: leaf, name: "sip.example.com."))
        #expect(HostnameCheck.matches(Fixture.summary("leaf"), name: "sip.example.com"))
    }

    @Test func wildcardCoversExactlyOneLabel() {
        #expect(HostnameCheck.matches(der: leaf, name: "phone1.prov.example.com"))
        #expect(!HostnameCheck.matches(der: leaf, name: "a.b.prov.example.com"))
        #expect(!HostnameCheck.matches(der: leaf, name: "prov.example.com"))
    }

    @Test func ipAddressesMatchOnlyIPSANs() {
        #expect(HostnameCheck.matches(der: leaf, name: "10.0.0.5"))
        #expect(!HostnameCheck.matches(der: leaf, name: "10.0.0.6"))
        #expect(!HostnameCheck.matches(der: leaf, name: "[::1]"))
    }

    @Test func commonNameCountsOnlyWithoutDNSNames() {
        #expect(HostnameCheck.matches(der: Fixture.der("cnonly"), name: "cnonly.example.com"))
        #expect(HostnameCheck.matches(der: Fixture.der("sancn"), name: "new.example.com"))
        #expect(!HostnameCheck.matches(der: Fixture.der("sancn"), name: "legacy.example.com"))
    }

    @Test func otherNamesAndGarbageNeverMatch() {
        #expect(!HostnameCheck.matches(der: leaf, name: "other.example.com"))
        #expect(!HostnameCheck.matches(der: leaf, name: "example.com"))
        #expect(!HostnameCheck.matches(der: leaf, name: ""))
        #expect(!HostnameCheck.matches(der: [1, 2, 3], name: "sip.example.com"))
    }
}

@Suite struct MACAddressTests {
    @Test func allCommonNotationsParseToTheSameAddress() {
        let forms = ["0022ee090045", "00:22:ee:09:00:45", "00-22-EE-09-00-45", "0022.ee09.0045", "00:22:EE:09:00:45", " 0022EE090045 "]
        for f in forms {
            #expect(MACAddress(f)?.description == "00:22:ee:09:00:45", "\(f)")
        }
    }

    @Test func malformedTextIsRejected() {
        for f in ["", "0022ee09004", "0022ee0900451", "00:22:ee:09:00:4g", "00:22-ee:09:00:45", "00:22:ee:09:00", "0022.ee09.004", "zz:22:ee:09:00:45"] {
            #expect(MACAddress(f) == nil, "\(f)")
        }
    }

    @Test func ouiAndVendor() {
        let mac = MACAddress("00:22:ee:09:00:45")!
        #expect(mac.oui == "00:22:ee")
        #expect(mac.vendor == "Algo Communication Products")
        #expect(!mac.isLocallyAdministered && !mac.isMulticast)
        #expect(MACAddress("12:34:56:78:9a:bc")?.vendor == nil)
        #expect(MACAddress("52:54:00:12:34:56")?.isLocallyAdministered == true)
    }

    @Test func bytesAreTruncatedOrPadded() {
        #expect(MACAddress(bytes: [0, 0x22, 0xee]).description == "00:22:ee:00:00:00")
        #expect(MACAddress(bytes: [0, 0x22, 0xee, 9, 0, 0x45, 0xff]).description == "00:22:ee:09:00:45")
        #expect(MACAddress(bytes: []).description == "00:00:00:00:00:00")
    }

    @Test func ouiTableKnowsTheVoIPVendors() {
        #expect(OUITable.vendor(forOUI: "00:22:EE") == "Algo Communication Products")
        #expect(OUITable.vendor(forOUI: "0022ee") == "Algo Communication Products")
        #expect(OUITable.vendor(forOUI: "00-04-F2") == "Polycom")
        #expect(OUITable.vendor(forOUI: "64:16:7f") == "Polycom")
        #expect(OUITable.vendor(forOUI: "80:5e:c0") == "Yealink")
        #expect(OUITable.vendor(forOUI: "00:0b:82") == "Grandstream")
        #expect(OUITable.vendor(forOUI: "00:04:13") == "snom")
        #expect(OUITable.vendor(forOUI: "0c:38:3e") == "Fanvil")
        #expect(OUITable.vendor(forOUI: "ac:cc:8e") == "Axis Communications")
        #expect(OUITable.vendor(forOUI: "00:20:f7") == "CyberData")
        #expect(OUITable.vendor(forOUI: "00:50:56") == "VMware")
        #expect(OUITable.vendor(forOUI: "52:54:00") == "QEMU/KVM virtual NIC")
        #expect(OUITable.vendor(forOUI: "00:00:0c") == "Cisco")
        #expect(OUITable.vendor(forOUI: "00:22:ee:09:00:45") == "Algo Communication Products")
        #expect(OUITable.vendor(forOUI: "12:34:56") == nil)
        #expect(OUITable.vendor(forOUI: "zz") == nil)
        #expect(OUITable.vendor(forOUI: "00:22:eg") == nil)
        #expect(OUITable.entries.count >= 100)
    }
}

@Suite struct DeviceIdentityTests {
    @Test func vendorDeviceCertificateCarriesItsMAC() {
        let mac = DeviceIdentity.macAddress(in: Fixture.summary("device"))
        #expect(mac == MACAddress("00:22:ee:09:00:45"))
        #expect(mac?.vendor == "Algo Communication Products")
    }

    @Test func ordinaryServerCertificateHasNoMAC() {
        #expect(DeviceIdentity.macAddress(in: Fixture.summary("leaf")) == nil)
        #expect(DeviceIdentity.macAddress(in: Fixture.summary("rootA")) == nil)
    }

    @Test func macIsFoundInsideCommonNamesAndSANs() {
        var s = CertificateSummary()
        s.subjectCommonName = "SEP0022EE090045"
        #expect(DeviceIdentity.macAddress(in: s)?.description == "00:22:ee:09:00:45")
        s.subjectCommonName = "Paging Adapter"
        s.subjectAltNames = [.ip("10.0.0.5"), .dns("algo-00-22-ee-09-00-46.local")]
        #expect(DeviceIdentity.macAddress(in: s)?.description == "00:22:ee:09:00:46")
        s.subjectAltNames = [.uri("urn:dev:mac:0022.ee09.0047")]
        #expect(DeviceIdentity.macAddress(in: s)?.description == "00:22:ee:09:00:47")
    }

    @Test func longerHexStringsAreNotMACs() {
        #expect(DeviceIdentity.macAddresses(inText: "serial 0022ee0900451234").isEmpty)
        #expect(DeviceIdentity.macAddresses(inText: "2001:db8:00:22:ee:09:00:45").isEmpty)
        #expect(DeviceIdentity.macAddresses(inText: "00:22:ee:09:00:45:1").isEmpty)
        #expect(DeviceIdentity.macAddresses(inText: "mac:0022ee090045").count == 1)
        #expect(DeviceIdentity.macAddresses(inText: "00:22:ee:09:00:45:67").isEmpty)
        #expect(DeviceIdentity.macAddresses(inText: "a 00:22:ee:09:00:45 and 0004f2123456").map(\.description)
                == ["00:22:ee:09:00:45", "00:04:f2:12:34:56"])
    }
}

@Suite struct DistinguishedNameTests {
    @Test func wireNamesRenderLikeCertificateSubjects() {
        let leaf = Fixture.summary("leaf")
        #expect(DistinguishedName.rfc4514(der: leaf.issuerDER) == "CN=Example Intermediate A,O=Example")
        #expect(DistinguishedName.rfc4514(der: leaf.subjectDER) == leaf.subject)
    }

    @Test func garbageIsNotAName() {
        #expect(DistinguishedName.rfc4514(der: []) == nil)
        #expect(DistinguishedName.rfc4514(der: [0x30, 0x05, 1, 2]) == nil)
        #expect(DistinguishedName.rfc4514(der: Fixture.summary("leaf").issuerDER + [0]) == nil)
    }

    @Test func acceptableCAListMatchesTheDeviceChain() {
        let chain = Fixture.ders("chain-device.pem").map { try! CertificateDecoder.decode(der: $0) }
        let vendorRoot = Fixture.summary("vendorRoot")
        #expect(DistinguishedName.chainMentions(issuerNames: ["CN=Vendor Root CA,O=Vendor Devices"], chain: chain))
        #expect(DistinguishedName.chainMentions(issuerNames: ["cn=vendor device ca,o=vendor devices"], chain: chain))
        #expect(!DistinguishedName.chainMentions(issuerNames: ["CN=Example Root A,O=Example"], chain: chain))
        #expect(!DistinguishedName.chainMentions(issuerNames: [], chain: chain))
        #expect(DistinguishedName.chainMentions(issuerNamesDER: [vendorRoot.subjectDER], chain: chain))
        #expect(!DistinguishedName.chainMentions(issuerNamesDER: [Fixture.summary("rootA").subjectDER, [1, 2]], chain: chain))
        #expect(DistinguishedName.equal(vendorRoot.subjectDER, chain[1].issuerDER))
        #expect(!DistinguishedName.equal(vendorRoot.subjectDER, chain[0].issuerDER))
    }
}
