import Testing
@testable import WireCore

@Test func readsNeverTrapOnShortInput() {
    var r = ByteReader([0x01, 0x02, 0x03])
    #expect(r.readUInt32() == nil)
    #expect(r.remaining == 3, "a failed read consumes nothing")
    #expect(r.readUInt24() == 0x010203)
    #expect(r.readUInt8() == nil)
}

@Test func lengthPrefixedVectorsAreSlicedToTheirDeclaredLength() {
    var r = ByteReader([0x00, 0x02, 0xaa, 0xbb, 0xcc])
    let v = r.readLengthPrefixed(lengthBytes: 2)
    #expect(v.map(Array.init) == [0xaa, 0xbb])
    #expect(r.remaining == 1)
    var bad = ByteReader([0x00, 0x05, 0xaa])
    #expect(bad.readLengthPrefixed(lengthBytes: 2) == nil)
    #expect(bad.remaining == 3, "a vector longer than its container is rejected whole")
}

@Test func timestampsRoundTripThroughRFC3339() {
    let t = Timestamp(seconds: Timestamp.unix(year: 2026, month: 1, day: 5, hour: 10, minute: 22, second: 1), nanoseconds: 123_456_000)
    #expect(t.rfc3339 == "2026-01-05T10:22:01.123456Z")
    #expect(Timestamp(rfc3339: "2026-01-05T10:22:01.123456Z") == t)
    #expect(Timestamp(rfc3339: "2026-01-05T11:22:01.123456+01:00") == t)
    #expect(Timestamp(rfc3339: "2024-02-29")?.rfc3339Seconds == "2024-02-29T00:00:00Z")
    #expect(Timestamp(rfc3339: "yesterday") == nil)
    #expect(Timestamp(seconds: -1, nanoseconds: 0).rfc3339Seconds == "1969-12-31T23:59:59Z")
}
