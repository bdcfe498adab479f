import Testing
@testable import Reports

/// The connections table of the text, Markdown and HTML reports (`ConnectionRows`).
struct ConnectionRowsTests {
    @Test func everyProblemGetsARowSuccessesOnlyUpToTheirLimitAndTheRestIsCounted() throws {
        let ac = try #require(Fixtures.analyze("tls12_ok.pcap").connections.first)
        let statuses: [ConnectionDigest.Status] = [.ok, .failed, .ok, .ok, .warning, .ok, .failed, .inconclusive, .failed]
        var rows = ConnectionRows(limit: 6)
        rows.okLimit = 2
        var counts = OutcomeCounts()
        for (i, status) in statuses.enumerated() {
            var d = ConnectionDigest(ac, id: i + 1)
            d.status = status
            counts.add(status)
            rows.add(d)
            if i == 1 { #expect(rows.unlisted(of: counts) == nil, "every connection so far has a row") }
        }
        // The third and fourth successes are over `okLimit`; the last failure is over `limit`.
        #expect(rows.rows.map(\.id) == [1, 2, 3, 5, 7, 8])
        #expect(rows.unlisted(of: counts) == "3 more connections (2 of them successful)")
    }
}
