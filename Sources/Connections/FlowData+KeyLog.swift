import WireCore
import TLSWire

/// Live key log (`tlsdiag live --keylog`): the TLS client writes its secrets while the capture is
/// already past the ServerHello, so a direction may hold its protected records until they appear.
extension FlowData {
    /// A direction holding records looks again whenever its peer sends something (by then the
    /// client has usually written the secrets: it writes them before answering the server).
    func retryAwaitingKeys(dir: Int) {
        guard streams[dir].isAwaitingKeys else { return }
        var events: [TLSEvent] = []
        streams[dir].retryKeys(into: &events)
        for e in events { apply(e, dir: dir) }
    }

    /// Held records were opened after events of later frames: put the transcript, alerts and
    /// record sizes back in frame order (stable, so same-frame order is kept).
    func sortByFrameAfterReplay() {
        guard streams[0].replayedHeldRecords || streams[1].replayedHeldRecords else { return }
        func byFrame<T>(_ a: [T], _ frame: KeyPath<T, Int>) -> [T] {
            a.enumerated().sorted { ($0.element[keyPath: frame], $0.offset) < ($1.element[keyPath: frame], $1.offset) }.map(\.element)
        }
        entries = byFrame(entries, \.frame)
        alerts = byFrame(alerts, \.frame)
        records = byFrame(records, \.frame)
    }
}
