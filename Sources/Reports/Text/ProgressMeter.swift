#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A one-line progress indicator on standard error for long inputs: it stays silent for the first
/// second of an input (short files never show it), then rewrites one line ("\r… frames") at most
/// five times a second, and erases it when the input is done. The caller decides whether it is
/// enabled (stderr is a terminal: never in pipes or logs).
public final class ProgressMeter {
    let enabled: Bool
    let clock = ContinuousClock()
    var start: ContinuousClock.Instant
    var lastDraw: ContinuousClock.Instant?
    var drawn = false
    var label = ""
    let write: (String) -> Void

    public init(enabled: Bool, write: ((String) -> Void)? = nil) {
        self.enabled = enabled
        self.start = clock.now
        self.write = write ?? { s in
            var s = s
            #if canImport(Glibc)
            s.withUTF8 { b in _ = Glibc.write(2, b.baseAddress, b.count) }
            #else
            s.withUTF8 { b in _ = Darwin.write(2, b.baseAddress, b.count) }
            #endif
        }
    }

    /// A new input begins.
    public func begin(_ name: String) {
        label = name
        start = clock.now
        lastDraw = nil
    }

    /// Called every few thousand frames with the number of frames read so far.
    public func update(frames: Int) {
        guard enabled else { return }
        let now = clock.now
        guard now - start >= .seconds(1) else { return }
        if let last = lastDraw, now - last < .milliseconds(200) { return }
        lastDraw = now
        let secs = Double((now - start).components.seconds) + Double((now - start).components.attoseconds) / 1e18
        let rate = secs > 0 ? Int(Double(frames) / secs) : 0
        write("\r\u{1b}[K" + TerminalStyle.visible(label) + ": \(frames) frames read (\(rate)/s)…")
        drawn = true
    }

    /// The input is done: erase the line.
    public func end() {
        guard enabled, drawn else { return }
        write("\r\u{1b}[K")
        drawn = false
    }
}
