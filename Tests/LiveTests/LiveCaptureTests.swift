import Testing
import Foundation
import Capture
#if canImport(Glibc)
import Glibc
#endif

/// `tlsdiag live` as a subprocess, against real OpenSSL peers. Root only (capture, namespaces):
/// skipped otherwise. Serialized: they share ports and the machine's interfaces.
@Suite(.serialized, .enabled(if: LiveEnv.canRun, "needs root and openssl"))
struct LiveCaptureTests {

    /// The acceptance test: server in a network namespace, client here, tlsdiag on the veth between
    /// them (a mirror port's view). One good TLS 1.2 handshake, one the client rejects (wrong CA:
    /// unknown_ca), one TLS 1.3 session held open. Lines appear as handshakes end; Ctrl-C stops
    /// cleanly; the saved pcapng, analysed again, gives the same findings on the same frames.
    @Test func liveOnAVethShowsGoodAndRejectedHandshakesAndTheSavedCaptureAgrees() throws {
        #expect(FileManager.default.isExecutableFile(atPath: LiveEnv.binary), "build tlsdiag first (swift build --build-tests)")
        let dir = LiveEnv.tempDir("veth")
        defer { LiveEnv.cleanUp(dir) }
        let net = try VethPair()
        defer { net.teardown() }
        print("LiveTests: veth \(net.captureInterface), 802.1Q tag on the wire: \(net.vlanMethod)")
        let pki = try TestPKI(dir: dir, serverIPs: [net.serverIP])
        let pcap = dir.appendingPathComponent("live.pcapng").path
        let report = dir.appendingPathComponent("live.json").path

        let server12 = try Background(shell: net.inServer("openssl s_server -accept \(net.serverIP):44301 -cert \(pki.serverCert) -key \(pki.serverKey) -tls1_2 -www -naccept 2"), logs: dir, name: "server12")
        let server13 = try Background(shell: "sleep 10 | " + net.inServer("openssl s_server -accept \(net.serverIP):44302 -cert \(pki.serverCert) -key \(pki.serverKey) -naccept 1 -quiet"), logs: dir, name: "server13")
        defer { server12.stop(); server13.stop() }
        #expect(net.waitListening(port: 44301) && net.waitListening(port: 44302), "openssl s_server did not start")

        // What an engineer types; on Linux it also matches tagged frames (the kernel filters them untagged).
        let filter = "tcp portrange 44301-44302"
        let live = try Background(executable: LiveEnv.binary, [
            "live", "-i", net.captureInterface, "--filter", filter, "-w", pcap, "--report", report, "--format", "json",
            "--ca", pki.rootA, "--duration", "30", "--fail-on", "never"], logs: dir, name: "tlsdiag")
        defer { live.stop() }
        #expect(live.waitFor(timeout: 5) { $0.stderr.contains("listening on \(net.captureInterface)") }, "tlsdiag did not start: \(live.stderr)")

        func client(_ port: Int) -> String { "openssl s_client -connect \(net.serverIP):\(port) -servername server.test -verify_return_error" }
        let good = sh("printf 'GET / HTTP/1.0\\r\\n\\r\\n' | " + client(44301) + " -tls1_2 -ign_eof -CAfile \(pki.rootA)")
        #expect(good.status == 0, "the good client failed: \(good.err)")
        let bad = sh("printf 'GET / HTTP/1.0\\r\\n\\r\\n' | " + client(44301) + " -tls1_2 -ign_eof -CAfile \(pki.rootB)")
        #expect(bad.status != 0, "the client trusting the wrong CA should have failed")
        // A session that stays open: its handshake must be reported while it is still open.
        let session = try Background(shell: "sleep 3 | " + client(44302) + " -CAfile \(pki.rootA)", logs: dir, name: "session13")
        defer { session.stop() }
        let sawOpen = live.waitFor(timeout: 2.5) { $0.stdout.contains(":44302") && $0.stdout.contains("(connection open)") }
        #expect(sawOpen && session.isRunning, "the TLS 1.3 handshake was not reported while its connection was open:\n\(live.stdout)")

        #expect(live.waitFor(timeout: 6) { $0.stdout.contains("rejected_by_client") && $0.stdout.contains("established") })
        _ = session.wait(timeout: 6)
        usleep(300_000)
        live.signal(SIGINT)
        let status = live.wait(timeout: 8)
        #expect(status == 0, "tlsdiag did not stop cleanly on SIGINT (status \(String(describing: status))):\n\(live.stderr)")

        let out = live.stdout
        let lines = out.split(separator: "\n").map(String.init)
        let server1 = "-> \(net.serverIP):44301"
        // The good handshake: one line, established, HANDSHAKE-OK.
        let okLine = lines.first { $0.contains(server1) && $0.contains(" established ") }
        #expect(okLine?.contains("HANDSHAKE-OK") == true, "no HANDSHAKE-OK line:\n\(out)")
        #expect(okLine?.contains("TLSv1.2") == true)
        // The rejected one: outcome, verdict and fix, right under its line.
        guard let badIndex = lines.firstIndex(where: { $0.contains(server1) && $0.contains("rejected_by_client") }) else {
            Issue.record("no rejected_by_client line:\n\(out)"); return
        }
        #expect(lines[badIndex].contains("SERVER-CERT-REJECTED"), "verdict: \(lines[badIndex])")
        let details = lines[(badIndex + 1)...].prefix { $0.hasPrefix("    ") }.joined(separator: "\n")
        #expect(details.contains("unknown_ca"))
        #expect(details.contains("Fix:"))
        #expect(details.contains("tlsdiag live test rootA"), "the fix should name the issuer to trust:\n\(details)")
        // The open session is not printed twice when it closes.
        #expect(lines.filter { $0.contains(":44302 ") && $0.contains("HANDSHAKE-OK") }.count == 1, "\(out)")

        // The summary: counts by outcome, drop counters, the saved file.
        #expect(out.contains("Stopped: "))
        #expect(out.contains("outcomes: established 2, rejected_by_client 1"), "\(out)")
        #expect(out.contains("drops: 0 by the kernel, 0 by the interface"), "\(out)")
        let savedPackets = lines.first { $0.contains("capture saved: \(pcap) (pcapng, ") }
        #expect(savedPackets != nil, "\(out)")

        // The -w file: complete pcapng, every captured packet.
        let reader = try PcapFileReader(path: pcap)
        var frames = 0, tagged = 0
        reader.forEachFrame { f in
            frames += 1
            if f.bytes.count > 14 && f.bytes[12] == 0x81 && f.bytes[13] == 0x00 { tagged += 1 }
        }
        #expect(reader.info.format == .pcapng)
        #expect(reader.info.readProblem == nil)
        #expect(savedPackets?.contains("(pcapng, \(frames) packets)") == true, "\(frames) frames in the file; summary: \(savedPackets ?? "-")")
        if net.vlan != nil { #expect(tagged == frames, "frames on the VLAN (\(net.vlanMethod)) should carry their 802.1Q tag") }

        // The live report and `tlsdiag analyze` of the saved capture: same findings on the same frames.
        let liveConnections = try connectionsByClientPort(String(contentsOfFile: report, encoding: .utf8))
        let analyzed = sh("'\(LiveEnv.binary)' analyze '\(pcap)' --format json --ca '\(pki.rootA)' --fail-on never")
        #expect(analyzed.status == 0, "\(analyzed.err)")
        let fileConnections = try connectionsByClientPort(analyzed.out)
        #expect(liveConnections.count == 3)
        #expect(Set(liveConnections.keys) == Set(fileConnections.keys))
        for (port, c) in liveConnections {
            #expect(comparableFacts(c) == comparableFacts(fileConnections[port] ?? [:]), "client port \(port)")
        }
        let rejected = liveConnections.values.filter { ($0["outcome"] as? String) == "rejected_by_client" }
        #expect(rejected.count == 1)
        if let r = rejected.first {
            #expect(alerts(r).contains { $0.sender == "client" && $0.description == "unknown_ca" })
            #expect(rules(r).first == "SERVER-CERT-REJECTED")
            #expect(((r["client"] as? [String: Any])?["mac"] as? String) != nil, "a veth has real MAC addresses")
            if let v = net.vlan { #expect(r["vlan"] as? [Int] == [Int(v)], "VLAN \(v) via \(net.vlanMethod)") }
        }
        #expect(liveConnections.values.filter { rules($0).first == "HANDSHAKE-OK" }.count == 2)

        // An independent reader agrees on the frame of the alert.
        if FileManager.default.isExecutableFile(atPath: "/usr/bin/tshark"), let r = rejected.first,
           let alertFrame = ((r["tls"] as? [String: Any])?["alerts"] as? [[String: Any]])?.first?["frame"] as? Int {
            let t = sh("tshark -r '\(pcap)' -Y 'tls.alert_message.desc == 48' -T fields -e frame.number 2>/dev/null")
            #expect(t.out.trimmingCharacters(in: .whitespacesAndNewlines) == "\(alertFrame)")
        }
    }

    /// Packets the kernel dropped while a connection was open are counted and tied to it: a 1-slot
    /// buffer (-B 300) under a 30 MB TLS transfer on loopback drops for certain.
    @Test func kernelDropsAreCountedAndTiedToTheOpenConnection() throws {
        let dir = LiveEnv.tempDir("drops")
        defer { LiveEnv.cleanUp(dir) }
        let pki = try TestPKI(dir: dir, serverIPs: ["127.0.0.1"])
        let port = LiveEnv.port(1)
        let server = try Background(shell: "sleep 10 | openssl s_server -accept 127.0.0.1:\(port) -cert \(pki.serverCert) -key \(pki.serverKey) -naccept 1 -quiet", logs: dir, name: "server")
        defer { server.stop() }
        #expect(waitListening(port: port))
        let live = try Background(executable: LiveEnv.binary, [
            "live", "-i", "lo", "-B", "300", "--filter", "tcp port \(port)", "--ca", pki.rootA, "--duration", "20", "--fail-on", "never"],
            logs: dir, name: "tlsdiag")
        defer { live.stop() }
        #expect(live.waitFor(timeout: 5) { $0.stderr.contains("listening on lo") })
        let blast = sh("(head -c 30000000 /dev/zero; sleep 0.5) | openssl s_client -connect 127.0.0.1:\(port) -servername server.test -CAfile \(pki.rootA) -quiet -no_ign_eof")
        #expect(blast.status == 0, "\(blast.err)")
        usleep(500_000)
        live.signal(SIGTERM)
        #expect(live.wait(timeout: 8) == 0, "\(live.stderr)")
        let out = live.stdout
        guard let dropsLine = out.split(separator: "\n").first(where: { $0.contains("drops: ") }) else {
            Issue.record("no drops line:\n\(out)"); return
        }
        let kernel = Int(dropsLine.split(separator: " ").dropFirst().first { Int($0) != nil } ?? "0") ?? 0
        #expect(kernel > 0, "expected kernel drops with a 300 KiB buffer: \(dropsLine)")
        #expect(out.contains("1 connection was open while packets were lost"), "\(out)")
        #expect(out.contains("Note: the capture lost"), "the connection's line should carry the drop note:\n\(out)")
        #expect(live.stderr.contains("--buffer-size 300 KiB holds fewer than two full-size packets"))
    }

    /// --count stops by itself; --format jsonl without --report streams JSON on standard output.
    @Test func countStopsAfterTheFirstHandshakeAndJSONLStreams() throws {
        let dir = LiveEnv.tempDir("count")
        defer { LiveEnv.cleanUp(dir) }
        let pki = try TestPKI(dir: dir, serverIPs: ["127.0.0.1"])
        let port = LiveEnv.port(2)
        let server = try Background(shell: "openssl s_server -accept 127.0.0.1:\(port) -cert \(pki.serverCert) -key \(pki.serverKey) -www -naccept 1", logs: dir, name: "server")
        defer { server.stop() }
        #expect(waitListening(port: port))
        let live = try Background(executable: LiveEnv.binary, [
            "live", "-i", "lo", "--filter", "tcp port \(port)", "--count", "1", "--format", "jsonl", "--ca", pki.rootA, "--duration", "20"],
            logs: dir, name: "tlsdiag")
        defer { live.stop() }
        #expect(live.waitFor(timeout: 5) { $0.stderr.contains("listening on lo") })
        let c = sh("printf 'GET / HTTP/1.0\\r\\n\\r\\n' | openssl s_client -connect 127.0.0.1:\(port) -servername server.test -CAfile \(pki.rootA) -verify_return_error -ign_eof")
        #expect(c.status == 0, "\(c.err)")
        #expect(live.wait(timeout: 6) == 0, "did not stop by itself after --count 1: \(live.stderr)")
        let objects = live.stdout.split(separator: "\n")
        #expect(objects.count == 1, "\(live.stdout)")
        let json = try JSONSerialization.jsonObject(with: Data((objects.first ?? "").utf8)) as? [String: Any]
        #expect(json?["outcome"] as? String == "established")
        #expect(live.stderr.contains("Stopped after --count"))
    }

    /// --user: the capture opens as root, then the process becomes the user; its files belong to it.
    @Test func userDropsRootAfterOpeningTheCapture() throws {
        let dir = LiveEnv.tempDir("user")
        defer { LiveEnv.cleanUp(dir) }
        chmod(dir.path, 0o777)
        let pcap = dir.appendingPathComponent("as-nobody.pcapng").path
        let r = sh("'\(LiveEnv.binary)' live -i lo --filter 'tcp port 9' --user nobody --duration 0.5 -w '\(pcap)'")
        #expect(r.status == 0, "\(r.err)")
        #expect(r.err.contains("now running as user nobody (uid 65534"), "\(r.err)")
        var st = stat()
        #expect(stat(pcap, &st) == 0)
        #expect(st.st_uid == 65534, "the -w file should be created after dropping privileges")
        #expect(try PcapFileReader(path: pcap).info.format == .pcapng)

        let unknown = sh("'\(LiveEnv.binary)' live -i lo --user no-such-user-tlsdiag --duration 0.5")
        #expect(unknown.status == 2)
        #expect(unknown.err == "tlsdiag: --user no-such-user-tlsdiag: no such user\n")
    }

    /// Without capture rights: one line saying what is missing and both ways to grant it.
    @Test func noPermissionIsOneLineWithTheFix() {
        let r = sh("setpriv --reuid 65534 --regid 65534 --clear-groups '\(LiveEnv.binary)' live -i lo --duration 1")
        #expect(r.status == 2)
        #expect(r.err.split(separator: "\n").count == 1, "\(r.err)")
        #expect(r.err.contains("no permission to capture"))
        #expect(r.err.contains("Run as root"))
        #expect(r.err.contains("setcap cap_net_raw,cap_net_admin+eip "))
    }

    @Test func unknownInterfaceListsTheOnesThatExistAndABadFilterIsOneLine() {
        let r = sh("'\(LiveEnv.binary)' live -i nosuch0 --duration 1")
        #expect(r.status == 2)
        #expect(r.err.hasPrefix("tlsdiag: nosuch0: no such capture interface; the interfaces here are: "))
        #expect(r.err.contains("lo"))

        let f = sh("'\(LiveEnv.binary)' live -i lo --filter 'tcp port' --duration 1")
        #expect(f.status == 2)
        #expect(f.err.split(separator: "\n").count == 1)
        #expect(f.err.contains("--filter 'tcp port': not a valid capture filter"))
    }

    /// A mirror port's link going down and up pauses the capture; removing the interface ends it
    /// cleanly (summary, complete -w file, status 2).
    @Test func aLinkFlapPausesTheCaptureAndARemovedInterfaceEndsItCleanly() throws {
        let dir = LiveEnv.tempDir("flap")
        defer { LiveEnv.cleanUp(dir) }
        let dev = "tdl\(Int(getpid()) % 100_000)f"
        sh("ip link del \(dev) 2>/dev/null; ip link add \(dev) type veth peer name \(dev)p && ip link set \(dev)p up && ip link set \(dev) up")
        defer { sh("ip link del \(dev) 2>/dev/null; true") }
        usleep(300_000)
        let pcap = dir.appendingPathComponent("flap.pcapng").path
        let live = try Background(executable: LiveEnv.binary, ["live", "-i", dev, "-w", pcap, "--duration", "20"], logs: dir, name: "tlsdiag")
        defer { live.stop() }
        #expect(live.waitFor(timeout: 5) { $0.stderr.contains("listening on \(dev)") })
        sh("ip link set \(dev) down")
        #expect(live.waitFor(timeout: 3) { $0.stderr.contains("\(dev) went down") }, "\(live.stderr)")
        sh("ip link set \(dev) up")
        #expect(live.waitFor(timeout: 3) { $0.stderr.contains("\(dev) is up again") }, "\(live.stderr)")
        #expect(live.isRunning)
        sh("ip link del \(dev)")
        #expect(live.wait(timeout: 5) == 2)
        #expect(live.stderr.contains("\(dev): the interface was removed during the capture"))
        #expect(live.stdout.contains("link: \(dev) went down 1 time"), "\(live.stdout)")
        #expect(try PcapFileReader(path: pcap).info.format == .pcapng)
    }

    @Test func interfacesListsLoopbackWithItsAddressAndFlags() {
        let r = sh("'\(LiveEnv.binary)' interfaces")
        #expect(r.status == 0)
        let lines = r.out.split(separator: "\n").map(String.init)
        guard let i = lines.firstIndex(where: { $0.contains(". lo ") }) else { Issue.record("\(r.out)"); return }
        #expect(lines[i].contains("up") && lines[i].contains("loopback"))
        #expect(lines[i + 1].contains("IPv4 127.0.0.1/8"))
    }
}
