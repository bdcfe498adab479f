/// The rows of the connections table of the text, Markdown and HTML reports: every problem gets a
/// row, successful connections only the first `okLimit` (a capture of thousands of healthy
/// connections must not bury the failures), and no more than `limit` in all.
struct ConnectionRows {
    private(set) var rows: [ConnectionDigest] = []
    private(set) var okRows = 0
    var limit: Int
    var okLimit = 100

    init(limit: Int) { self.limit = limit }

    mutating func add(_ d: ConnectionDigest) {
        guard rows.count < limit && (d.status != .ok || okRows < okLimit) else { return }
        rows.append(d)
        if d.status == .ok { okRows += 1 }
    }

    /// "N more connections (M of them successful)" when some of the `counts.total` have no row.
    func unlisted(of counts: OutcomeCounts) -> String? {
        guard rows.count < counts.total else { return nil }
        return "\(counts.total - rows.count) more connections (\(max(0, counts.ok - okRows)) of them successful)"
    }
}
