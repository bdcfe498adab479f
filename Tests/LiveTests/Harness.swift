import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Live tests need root (capture, namespaces), openssl and the built `tlsdiag`.
enum LiveEnv {
    static let isRoot = geteuid() == 0
    static let hasOpenSSL = FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl")
    static var canRun: Bool { isRoot && hasOpenSSL }

    /// The `tlsdiag` built beside this test bundle (`swift build --build-tests` builds it), or $TLSDIAG_BIN.
    static let binary: String = {
        if let b = ProcessInfo.processInfo.environment["TLSDIAG_BIN"] { return b }
        var buf = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &buf, buf.count - 1)
        let exe = n > 0 ? buf.withUnsafeBufferPointer { String(cString: $0.baseAddress!) } : CommandLine.arguments[0]
        var dir = URL(fileURLWithPath: exe).deletingLastPathComponent()
        // Linux: .build/debug/tlsdiagPackageTests.xctest; macOS: …xctest/Contents/MacOS/tlsdiagPackageTests.
        while dir.path != "/" {
            let candidate = dir.appendingPathComponent("tlsdiag").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        return "tlsdiag-not-built"
    }()

    /// TCP ports for servers on loopback, distinct per test process (several suites may run at once).
    static func port(_ offset: Int) -> Int { 40_000 + Int(getpid()) % 5_000 * 4 + offset }

    static func tempDir(_ name: String) -> URL {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("tlsdiag-\(name)-\(getpid())")
        try? FileManager.default.removeItem(at: d)
        try? FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
        return d
    }

    /// Removes a test's files (kept with TLSDIAG_KEEP_TEST_FILES=1, to read the logs of a failure).
    static func cleanUp(_ dir: URL) {
        if ProcessInfo.processInfo.environment["TLSDIAG_KEEP_TEST_FILES"] == nil { try? FileManager.default.removeItem(at: dir) }
    }
}

/// Runs `/bin/sh -c` and waits (with a deadline).
@discardableResult
func sh(_ command: String, timeout: Double = 20) -> (status: Int32, out: String, err: String) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/bin/sh")
    p.arguments = ["-c", command]
    let dir = LiveEnv.tempDir("sh-\(UUID().uuidString.prefix(8))")
    let outURL = dir.appendingPathComponent("out"), errURL = dir.appendingPathComponent("err")
    FileManager.default.createFile(atPath: outURL.path, contents: nil)
    FileManager.default.createFile(atPath: errURL.path, contents: nil)
    p.standardOutput = try? FileHandle(forWritingTo: outURL)
    p.standardError = try? FileHandle(forWritingTo: errURL)
    p.standardInput = FileHandle.nullDevice
    do { try p.run() } catch { return (127, "", "\(error)") }
    let deadline = Date().addingTimeInterval(timeout)
    while p.isRunning && Date() < deadline { usleep(10_000) }
    if p.isRunning { kill(p.processIdentifier, SIGKILL); p.waitUntilExit() }
    p.waitUntilExit()
    let out = (try? String(contentsOf: outURL, encoding: .utf8)) ?? ""
    let err = (try? String(contentsOf: errURL, encoding: .utf8)) ?? ""
    try? FileManager.default.removeItem(at: dir)
    return (p.terminationStatus, out, err)
}

/// A process running in the background whose output goes to files, so a test can wait for a line.
final class Background {
    let process = Process()
    let outURL: URL
    let errURL: URL

    init(executable: String, _ arguments: [String], logs: URL, name: String) throws {
        outURL = logs.appendingPathComponent("\(name).out")
        errURL = logs.appendingPathComponent("\(name).err")
        FileManager.default.createFile(atPath: outURL.path, contents: nil)
        FileManager.default.createFile(atPath: errURL.path, contents: nil)
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = try FileHandle(forWritingTo: outURL)
        process.standardError = try FileHandle(forWritingTo: errURL)
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    convenience init(shell command: String, logs: URL, name: String) throws {
        try self.init(executable: "/bin/sh", ["-c", command], logs: logs, name: name)
    }

    /// Foundation starts each child as the leader of its own process group: signalling the group
    /// reaches a whole shell pipeline (`sleep 4 | openssl s_server`), not just the shell.
    private var group: Bool {
        let pid = process.processIdentifier
        return pid > 0 && getpgid(pid) == pid && pid != getpgrp()
    }

    var stdout: String { (try? String(contentsOf: outURL, encoding: .utf8)) ?? "" }
    var stderr: String { (try? String(contentsOf: errURL, encoding: .utf8)) ?? "" }
    var isRunning: Bool { process.isRunning }

    /// Waits until `condition` holds for the current output, or the deadline passes.
    @discardableResult
    func waitFor(timeout: Double, _ condition: (Background) -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if condition(self) { return true }
            if !process.isRunning { return condition(self) }
            usleep(20_000)
        }
        return condition(self)
    }

    func signal(_ sig: Int32) { if process.isRunning { kill(group ? -process.processIdentifier : process.processIdentifier, sig) } }

    /// Waits for the exit; kills after the deadline (and returns nil).
    func wait(timeout: Double) -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            return nil
        }
        return process.terminationStatus
    }

    func stop() {
        if group { kill(-process.processIdentifier, SIGKILL) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL); process.waitUntilExit() }
    }
}

/// A small PKI made with the openssl command (EC P-256, so it takes milliseconds): rootA issues the
/// server certificate; rootB is a CA the server does not use (a client trusting only it says unknown_ca).
struct TestPKI {
    let dir: URL
    var rootA: String { dir.appendingPathComponent("rootA.pem").path }
    var rootB: String { dir.appendingPathComponent("rootB.pem").path }
    var serverCert: String { dir.appendingPathComponent("server.pem").path }
    var serverKey: String { dir.appendingPathComponent("server.key").path }

    init(dir: URL, serverIPs: [String]) throws {
        self.dir = dir
        let d = dir.path
        let san = (["DNS:server.test"] + serverIPs.map { "IP:\($0)" }).joined(separator: ",")
        let script = """
        set -e
        cd '\(d)'
        for ca in rootA rootB; do
          openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout $ca.key -out $ca.pem -days 3650 -subj "/CN=tlsdiag live test $ca"
        done
        openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout server.key -out server.csr -subj "/CN=server.test"
        printf 'subjectAltName=\(san)\\nextendedKeyUsage=serverAuth\\nbasicConstraints=CA:FALSE\\n' > server.ext
        openssl x509 -req -in server.csr -CA rootA.pem -CAkey rootA.key -set_serial 4242 -days 365 -out server.pem -extfile server.ext
        """
        let r = sh(script)
        guard r.status == 0 else { throw HarnessError("making the test PKI failed: \(r.err)") }
    }
}

struct HarnessError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

/// Two hosts on a wire: the client side in this namespace, the server in its own network
/// namespace, joined by a veth pair. tlsdiag captures on the client's veth end, which sees both
/// directions with real MAC addresses, as a mirror port does. The frames on the wire carry an
/// 802.1Q tag (VLAN 77) whenever this machine can do it: with VLAN devices when the kernel has
/// 802.1Q, else with a tc eBPF program that pushes the tag on egress and pops it on ingress
/// (ENVIRONMENT.md §7), else untagged.
final class VethPair {
    let namespace: String
    let captureInterface: String
    let serverInterface: String
    let clientIP: String
    let serverIP: String
    private(set) var vlan: UInt16?
    /// How the tag was put on the wire: "802.1q", "tc-ebpf" or "none".
    private(set) var vlanMethod = "none"

    init() throws {
        let id = Int(getpid()) % 100_000
        namespace = "tlsdiag-live-\(id)"
        captureInterface = "tdl\(id)c"
        serverInterface = "tdl\(id)s"
        let octet = 20 + Int(getpid()) % 200
        clientIP = "10.231.\(octet).1"
        serverIP = "10.231.\(octet).2"
        Self.removeLeftovers()
        teardown()
        let base = """
        set -e
        ip netns add \(namespace)
        ip link add \(captureInterface) type veth peer name \(serverInterface)
        ip link set \(serverInterface) netns \(namespace)
        ip link set \(captureInterface) up
        ip netns exec \(namespace) ip link set lo up
        ip netns exec \(namespace) ip link set \(serverInterface) up
        """
        let r = sh(base)
        guard r.status == 0 else { teardown(); throw HarnessError("namespace setup failed: \(r.err)") }
        let tagged = sh("""
        set -e
        ip link add link \(captureInterface) name \(captureInterface).77 type vlan id 77
        ip netns exec \(namespace) ip link add link \(serverInterface) name v77 type vlan id 77
        """)
        let (clientDev, serverDev): (String, String)
        if tagged.status == 0 {
            vlan = 77
            vlanMethod = "802.1q"
            (clientDev, serverDev) = ("\(captureInterface).77", "v77")
        } else {
            sh("ip link del \(captureInterface).77 2>/dev/null")
            (clientDev, serverDev) = (captureInterface, serverInterface)
            if tagWithEBPF() { vlan = 77; vlanMethod = "tc-ebpf" }
        }
        let addr = sh("""
        set -e
        ip link set \(clientDev) up
        ip addr add \(clientIP)/24 dev \(clientDev)
        ip netns exec \(namespace) ip link set \(serverDev) up
        ip netns exec \(namespace) ip addr add \(serverIP)/24 dev \(serverDev)
        """)
        guard addr.status == 0 else { teardown(); throw HarnessError("address setup failed: \(addr.err)") }
    }

    /// Pushes VLAN 77 on egress and pops it on ingress at both veth ends: the frames between them
    /// (what the capture sees) are tagged, the IP stacks see untagged frames.
    private func tagWithEBPF() -> Bool {
        let source = """
        #include <linux/bpf.h>
        #include <linux/pkt_cls.h>
        static long (*skb_vlan_push)(struct __sk_buff *, unsigned short, unsigned short) = (void *) BPF_FUNC_skb_vlan_push;
        static long (*skb_vlan_pop)(struct __sk_buff *) = (void *) BPF_FUNC_skb_vlan_pop;
        __attribute__((section("tc_push"), used)) int push(struct __sk_buff *skb) { skb_vlan_push(skb, __builtin_bswap16(0x8100), 77); return TC_ACT_OK; }
        __attribute__((section("tc_pop"), used)) int pop(struct __sk_buff *skb) { if (skb->vlan_present) skb_vlan_pop(skb); return TC_ACT_OK; }
        char _license[] __attribute__((section("license"), used)) = "GPL";
        """
        let dir = LiveEnv.tempDir("vlan-bpf")
        let c = dir.appendingPathComponent("vlan.c").path, o = dir.appendingPathComponent("vlan.o").path
        guard FileManager.default.createFile(atPath: c, contents: Data(source.utf8)) else { return false }
        let attach = { (prefix: String, dev: String) in
            "\(prefix)tc qdisc add dev \(dev) clsact && \(prefix)tc filter add dev \(dev) egress bpf da obj \(o) sec tc_push && \(prefix)tc filter add dev \(dev) ingress bpf da obj \(o) sec tc_pop"
        }
        defer { LiveEnv.cleanUp(dir) }
        let r = sh("""
        set -e
        clang -O2 -target bpf -I/usr/include/$(uname -m)-linux-gnu -c \(c) -o \(o)
        \(attach("", captureInterface))
        \(attach("ip netns exec \(namespace) ", serverInterface))
        """)
        return r.status == 0
    }

    /// Starts a command inside the server's namespace.
    func inServer(_ command: String) -> String { "ip netns exec \(namespace) \(command)" }

    func waitListening(port: Int, timeout: Double = 5) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if !sh(inServer("ss -Hltn 'sport = :\(port)'")).out.isEmpty { return true }
            usleep(20_000)
        }
        return false
    }

    /// Namespaces and veths of test processes that were killed before their teardown ran.
    static func removeLeftovers() {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: "/run/netns")) ?? []
        for name in names where name.hasPrefix("tlsdiag-live-") {
            guard let id = Int(name.dropFirst("tlsdiag-live-".count)) else { continue }
            // Only ids no live process could own: the pid (mod 100000) of a running test process is spared.
            let alive = sh("ps -eo pid= | awk '$1 % 100000 == \(id)' | head -1").out.isEmpty == false
            if !alive { sh("ip netns del \(name) 2>/dev/null; ip link del tdl\(id)c 2>/dev/null; true") }
        }
    }

    func teardown() {
        sh("ip netns del \(namespace) 2>/dev/null; ip link del \(captureInterface) 2>/dev/null; true")
    }

    deinit { teardown() }
}

/// Waits until something listens on a local TCP port (this namespace).
func waitListening(port: Int, timeout: Double = 5) -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if !sh("ss -Hltn 'sport = :\(port)'").out.isEmpty { return true }
        usleep(20_000)
    }
    return false
}

/// The connections of a tlsdiag JSON document, keyed by client port.
func connectionsByClientPort(_ json: String) throws -> [Int: [String: Any]] {
    guard let doc = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any],
          let conns = doc["connections"] as? [[String: Any]] else { throw HarnessError("not a tlsdiag JSON document") }
    var out: [Int: [String: Any]] = [:]
    for c in conns {
        if let client = c["client"] as? [String: Any], let port = client["port"] as? Int { out[port] = c }
    }
    return out
}

/// What must agree between the live report and `analyze` of the saved file: outcome, frames,
/// addresses, alerts, and every finding with its frames.
func comparableFacts(_ c: [String: Any]) -> String {
    var parts: [String] = []
    for k in ["outcome", "first_frame", "last_frame"] { parts.append("\(k)=\(c[k] ?? "nil")") }
    if let client = c["client"] as? [String: Any], let server = c["server"] as? [String: Any] {
        parts.append("client=\(client["ip"] ?? "")/\(client["mac"] ?? "nil") server=\(server["ip"] ?? ""):\(server["port"] ?? "")/\(server["mac"] ?? "nil")")
    }
    if let tls = c["tls"] as? [String: Any] {
        parts.append("version=\(tls["version"] ?? "nil") cipher=\(tls["cipher"] ?? "nil")")
        for a in (tls["alerts"] as? [[String: Any]]) ?? [] {
            parts.append("alert \(a["frame"] ?? "") \(a["sender"] ?? "") \(a["description"] ?? "")")
        }
    }
    for f in (c["findings"] as? [[String: Any]]) ?? [] {
        parts.append("finding \(f["rule"] ?? "") \(f["severity"] ?? "") \(f["frames"] ?? "")")
    }
    return parts.joined(separator: "\n")
}

func alerts(_ c: [String: Any]) -> [(sender: String, description: String)] {
    ((c["tls"] as? [String: Any])?["alerts"] as? [[String: Any]] ?? []).map {
        (($0["sender"] as? String) ?? "", ($0["description"] as? String) ?? "")
    }
}

func rules(_ c: [String: Any]) -> [String] {
    ((c["findings"] as? [[String: Any]]) ?? []).compactMap { $0["rule"] as? String }
}
