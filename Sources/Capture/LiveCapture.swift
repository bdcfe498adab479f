import CPcap
import WireCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension CaptureError.Code {
    public static let noSuchInterface = CaptureError.Code(rawValue: "no_such_interface")
    public static let interfaceDown = CaptureError.Code(rawValue: "interface_down")
    public static let privileges = CaptureError.Code(rawValue: "privileges")
    public static let writeFailed = CaptureError.Code(rawValue: "write_failed")
}

/// How to open a live capture. The defaults are what a mirror port needs: every frame, whole,
/// delivered at once.
public struct LiveCaptureOptions: Sendable {
    public var interface: String
    /// A mirror port delivers frames addressed to other hosts: without promiscuous mode the NIC drops them.
    public var promiscuous = true
    /// 262144 is libpcap's maximum and tcpdump's default: certificate chains are never cut.
    public var snaplen = 262_144
    /// Kernel ring size. In immediate mode each slot holds a whole packet (up to 64 KiB with offloads), so
    /// libpcap's 2 MiB default holds a few dozen packets and overflows in bursts on a busy mirror port.
    public var bufferSize = 32 << 20
    public init(interface: String) { self.interface = interface }
}

/// libpcap's counters, widened to 64 bits (libpcap's are 32-bit and wrap).
public struct LiveStats: Sendable, Hashable {
    /// Packets the filter accepted (`ps_recv`; on `lo` each packet is counted twice, once per direction).
    public var received: UInt64 = 0
    /// Dropped because the capture buffer was full (`ps_drop`): the reader was too slow.
    public var kernelDropped: UInt64 = 0
    /// Dropped by the interface or its driver (`ps_ifdrop`): the NIC was overrun.
    public var interfaceDropped: UInt64 = 0
    public init() {}
    public var dropped: UInt64 { kernelDropped + interfaceDropped }
}

/// A live capture on one interface with libpcap, read without blocking: `poll(timeout:)` waits on
/// the handle's selectable descriptor, so the caller regains control on an idle interface (a
/// blocking `pcap_next_ex` on Linux never returns there) and can sweep, flush and check for a stop.
public final class LiveCapture {
    public let interface: String
    public let linkType: LinkType
    public let snaplen: Int
    /// Timestamps come in nanoseconds (else microseconds).
    public let nanosecondResolution: Bool
    /// Non-fatal things libpcap said when the capture started (promiscuous mode unsupported, …).
    public private(set) var warnings: [String] = []
    public private(set) var filter: String?
    public private(set) var frames = 0
    public private(set) var firstTime: Timestamp?
    public private(set) var lastTime: Timestamp?

    private var handle: OpaquePointer?
    private let fd: Int32
    private var raw = (recv: UInt32(0), drop: UInt32(0), ifdrop: UInt32(0))
    private var totals = LiveStats()

    /// Opens and activates the capture. Every problem is one `CaptureError` line a person can act on.
    public init(_ options: LiveCaptureOptions) throws(CaptureError) {
        let name = try Self.resolve(options.interface)
        interface = name
        var errbuf = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE) + 1)
        guard let h = pcap_create(name, &errbuf) else {
            throw CaptureError(.liveCaptureFailed, path: name, Self.string(errbuf))
        }
        pcap_set_snaplen(h, Int32(options.snaplen))
        pcap_set_promisc(h, options.promiscuous ? 1 : 0)
        pcap_set_immediate_mode(h, 1)
        pcap_set_timeout(h, 100)
        pcap_set_buffer_size(h, Int32(options.bufferSize))
        _ = pcap_set_tstamp_precision(h, Int32(PCAP_TSTAMP_PRECISION_NANO))
        let rc = pcap_activate(h)
        if rc < 0 {
            let message = String(cString: pcap_geterr(h))
            pcap_close(h)
            throw Self.activationError(rc, message: message, interface: name, promiscuous: options.promiscuous)
        }
        if rc > 0 {
            let message = String(cString: pcap_geterr(h))
            switch rc {
            case PCAP_WARNING_PROMISC_NOTSUP:
                warnings.append("\(name) does not support promiscuous mode: only traffic to and from this host is seen")
            default:
                warnings.append("\(name): \(message.isEmpty ? "libpcap warning \(rc)" : message)")
            }
        }
        let link = LinkType(rawValue: pcap_datalink(h))
        guard link.isSupported else {
            let linkName = pcap_datalink_val_to_name(link.rawValue).map { String(cString: $0) } ?? "unknown"
            pcap_close(h)
            throw CaptureError(.unsupportedLinkType, path: name,
                               "link type \(link.rawValue) (\(linkName)) is not supported; tlsdiag reads Ethernet (with 802.1Q/QinQ), Linux SLL/SLL2, BSD NULL/LOOP and raw IPv4/IPv6 (use an Ethernet interface, or `any`)")
        }
        guard pcap_setnonblock(h, 1, &errbuf) == 0 else {
            pcap_close(h)
            throw CaptureError(.liveCaptureFailed, path: name, "cannot switch to non-blocking mode: \(Self.string(errbuf))")
        }
        let selectable = pcap_get_selectable_fd(h)
        guard selectable >= 0 else {
            pcap_close(h)
            throw CaptureError(.liveCaptureFailed, path: name, "libpcap offers no selectable descriptor for this interface")
        }
        handle = h
        fd = selectable
        linkType = link
        snaplen = Int(pcap_snapshot(h))
        nanosecondResolution = pcap_get_tstamp_precision(h) == Int32(PCAP_TSTAMP_PRECISION_NANO)
    }

    deinit { close() }

    /// Releases the interface (idempotent).
    public func close() {
        if let h = handle { pcap_close(h) }
        handle = nil
    }

    /// Compiles and installs a BPF filter (tcpdump syntax). A bad expression is one clear line.
    public func setFilter(_ expression: String) throws(CaptureError) {
        guard let h = handle else { return }
        var program = bpf_program()
        if pcap_compile(h, &program, expression, 1, PCAP_NETMASK_UNKNOWN) != 0 {
            let message = String(cString: pcap_geterr(h))
            throw CaptureError(.badFilter, path: "--filter '\(expression)'",
                               "not a valid capture filter: \(message) (libpcap/tcpdump syntax, e.g. 'tcp port 5061 or tcp port 443', 'host 10.0.0.20', 'vlan and tcp')")
        }
        defer { pcap_freecode(&program) }
        if pcap_setfilter(h, &program) != 0 {
            throw CaptureError(.badFilter, path: "--filter '\(expression)'", "cannot install the filter: \(String(cString: pcap_geterr(h)))")
        }
        filter = expression
    }

    /// Waits up to `timeoutMilliseconds` for traffic (returning early when a signal arrives), then
    /// hands every packet that is ready, at most `limit`, to `body` in place. Returns how many.
    public func poll(timeoutMilliseconds: Int32, limit: Int = 4096, _ body: (borrowing CapturedFrame) -> Void) throws(CaptureError) -> Int {
        guard let h = handle else { return 0 }
        var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let ready = posixPoll(&pfd, timeoutMilliseconds)
        if ready < 0 && errno != EINTR {
            throw CaptureError(.liveCaptureFailed, path: interface, "poll: \(String(cString: strerror(errno)))")
        }
        if ready > 0 && pfd.revents & Int16(POLLERR | POLLHUP | POLLNVAL) != 0 && pfd.revents & Int16(POLLIN) == 0 {
            // The socket reports the link going down (ENETDOWN). A mirror port's cable re-plugged or a
            // link flap must not end the capture: clear the error and wait, unless the interface is gone.
            var err: Int32 = 0
            var len = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len)
            try linkLost(err == 0 ? "link error" : String(cString: strerror(err)))
            _ = posixPoll(&pfd, timeoutMilliseconds)   // do not spin while it is down
            return 0
        }
        if isDown, linkIsUp() { isDown = false; onNotice?("\(interface) is up again; capturing") }
        // Read even when poll said nothing: libpcap may hold packets it already pulled from the ring.
        var header: UnsafeMutablePointer<pcap_pkthdr>?
        var data: UnsafePointer<UInt8>?
        var n = 0
        let scale: Int32 = nanosecondResolution ? 1 : 1000
        while n < limit {
            let rc = pcap_next_ex(h, &header, &data)
            if rc == 1, let hdr = header, let d = data {
                frames += 1
                n += 1
                let ts = Timestamp(seconds: Int64(hdr.pointee.ts.tv_sec),
                                   nanoseconds: Int32(truncatingIfNeeded: hdr.pointee.ts.tv_usec) &* scale)
                if firstTime == nil { firstTime = ts }
                lastTime = ts
                body(CapturedFrame(number: frames, timestamp: ts, linkType: linkType,
                                   bytes: UnsafeRawBufferPointer(start: d, count: Int(hdr.pointee.caplen)),
                                   originalLength: Int(hdr.pointee.len)))
            } else if rc == 0 {
                break
            } else if rc == -2 {
                break   // pcap_breakloop
            } else {
                let message = String(cString: pcap_geterr(h))
                if errno == ENETDOWN || message.lowercased().contains("down") {
                    try linkLost(message)
                    break
                }
                throw CaptureError(.liveCaptureFailed, path: interface, message)
            }
        }
        return n
    }

    /// Called with one line when the link goes down or comes back (the capture goes on meanwhile).
    public var onNotice: ((String) -> Void)?
    public private(set) var isDown = false
    /// How often the link went down during the capture.
    public private(set) var linkDownCount = 0

    private func linkLost(_ why: String) throws(CaptureError) {
        if interface != "any" && if_nametoindex(interface) == 0 {
            throw CaptureError(.interfaceDown, path: interface, "the interface was removed during the capture (\(why))")
        }
        if !isDown {
            isDown = true
            linkDownCount += 1
            onNotice?("\(interface) went down (\(why)); waiting for it to come back — packets sent meanwhile are not captured")
        }
    }

    private func linkIsUp() -> Bool {
        #if os(Linux)
        guard let f = fopen("/sys/class/net/\(interface)/operstate", "r") else { return true }
        defer { fclose(f) }
        var buf = [CChar](repeating: 0, count: 32)
        guard fgets(&buf, 32, f) != nil else { return true }
        let state = Self.string(buf)
        return !state.hasPrefix("down") && !state.hasPrefix("lowerlayerdown")
        #else
        return true
        #endif
    }

    /// The kernel's and the interface's counters since the capture opened (nil if libpcap cannot say).
    public func stats() -> LiveStats? {
        guard let h = handle else { return totals }
        var s = pcap_stat()
        guard pcap_stats(h, &s) == 0 else { return nil }
        // 32-bit counters wrap: accumulate the differences.
        totals.received &+= UInt64(s.ps_recv &- raw.recv)
        totals.kernelDropped &+= UInt64(s.ps_drop &- raw.drop)
        totals.interfaceDropped &+= UInt64(s.ps_ifdrop &- raw.ifdrop)
        raw = (s.ps_recv, s.ps_drop, s.ps_ifdrop)
        return totals
    }

    /// Wakes a reader from another thread (libpcap's own mechanism); `poll` then returns early.
    public func breakLoop() { if let h = handle { pcap_breakloop(h) } }

    // MARK: - Errors a person can act on

    /// The interface name: as given, or the Nth entry of `tlsdiag interfaces` when a number is given (tcpdump -i 2).
    static func resolve(_ requested: String) throws(CaptureError) -> String {
        if requested == "any" || if_nametoindex(requested) != 0 { return requested }
        let all = (try? CaptureInterfaces.list()) ?? []
        if let index = Int(requested), index >= 1, index <= all.count { return all[index - 1].name }
        if all.contains(where: { $0.name == requested }) { return requested }   // pcap-only devices (usbmon, dbus …)
        throw CaptureError(.noSuchInterface, path: requested, "no such capture interface; the interfaces here are: \(all.map(\.name).joined(separator: ", ")) (see `tlsdiag interfaces`)")
    }

    static func activationError(_ rc: Int32, message: String, interface: String, promiscuous: Bool) -> CaptureError {
        switch rc {
        case PCAP_ERROR_PERM_DENIED:
            return CaptureError(.permissionDenied, path: interface, Privileges.missingCaptureRightsMessage)
        case PCAP_ERROR_PROMISC_PERM_DENIED:
            return CaptureError(.permissionDenied, path: interface, "no permission to switch on promiscuous mode; " + Privileges.missingCaptureRightsMessage + ", or try --no-promisc (then only this host's own traffic is seen)")
        case PCAP_ERROR_NO_SUCH_DEVICE:
            let names = ((try? CaptureInterfaces.list()) ?? []).map(\.name).joined(separator: ", ")
            return CaptureError(.noSuchInterface, path: interface, "no such capture interface (\(message)); the interfaces here are: \(names)")
        case PCAP_ERROR_IFACE_NOT_UP:
            return CaptureError(.interfaceDown, path: interface, "the interface is down; bring it up first (ip link set \(interface) up)")
        default:
            if message.lowercased().contains("permission") || message.contains("Operation not permitted") {
                return CaptureError(.permissionDenied, path: interface, Privileges.missingCaptureRightsMessage)
            }
            return CaptureError(.liveCaptureFailed, path: interface, message.isEmpty ? "libpcap error \(rc)" : message)
        }
    }

    static func string(_ buf: [CChar]) -> String { buf.withUnsafeBufferPointer { String(cString: $0.baseAddress!) } }
}

#if canImport(Glibc)
private func posixPoll(_ p: inout pollfd, _ timeout: Int32) -> Int32 { Glibc.poll(&p, 1, timeout) }
#else
private func posixPoll(_ p: inout pollfd, _ timeout: Int32) -> Int32 { Darwin.poll(&p, 1, timeout) }
#endif
