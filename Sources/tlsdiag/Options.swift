import ArgumentParser
import WireCore
import X509Inspect
import Diagnosis
import Pipeline
import Reports
#if canImport(Glibc)
import Glibc
#endif

enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json, jsonl, markdown, html
}

enum FailOn: String, ExpressibleByArgument, CaseIterable {
    case error, warning, info, never
    var threshold: Severity? {
        switch self { case .error: return .error; case .warning: return .warning; case .info: return .info; case .never: return nil }
    }
}

/// Trust and judgement options shared by `analyze`, `live` and `certs`.
struct TrustOptions: ParsableArguments {
    @Option(name: .customLong("client-trust"), help: ArgumentHelp("What the TLS client (the device) trusts: a PEM/DER file, a bundle, or a directory such as a copy of the device's certs/trusted folder. Repeatable. Default: the system store.", valueName: "PATH"))
    var clientTrust: [String] = []

    @Option(name: .customLong("server-trust"), help: ArgumentHelp("What the server trusts for client certificates (mutual TLS). Repeatable. Without it client chains are checked for everything but trust.", valueName: "PATH"))
    var serverTrust: [String] = []

    @Option(name: .customLong("ca"), help: ArgumentHelp("A CA file, bundle or directory trusted by both sides. Repeatable.", valueName: "PATH"))
    var ca: [String] = []

    @Option(name: .customLong("expect-host"), help: ArgumentHelp("The name the device was configured to connect to (checked against the server certificate instead of the SNI).", valueName: "NAME"))
    var expectHost: String?

    @Option(name: .customLong("at"), help: ArgumentHelp("Judge certificates at this time instead of the capture time (RFC 3339, e.g. 2026-01-05T10:00:00Z): would a correct clock fix it?", valueName: "TIME"))
    var at: String?

    @Option(name: .customLong("profile"), help: ArgumentHelp("Apply a vendor profile to every connection: a built-in name (\(VendorProfiles.builtIn().map(\.name).joined(separator: ", "))) or a profile JSON file. By default a profile applies when the device's MAC OUI or certificate issuer matches.", valueName: "NAME"))
    var profile: String?

    @Option(name: .customLong("keylog"), help: ArgumentHelp("A TLS key log (SSLKEYLOGFILE / NSS format, as written by openssl s_client -keylogfile, GnuTLS, browsers): TLS 1.3 handshakes with secrets in it are decrypted, so their certificates and encrypted alerts are diagnosed as in TLS 1.2.", valueName: "FILE"))
    var keylog: String?

    func validate() throws {
        if let at, Timestamp(rfc3339: at) == nil {
            throw ValidationError("--at '\(at)' is not a time: use RFC 3339, e.g. 2026-01-05T10:00:00Z or 2026-01-05")
        }
    }

    /// Loads the stores and the profile; problems are one line each and exit status 2.
    func makeOptions() throws -> AnalysisOptions {
        let clientPaths = clientTrust + ca
        let serverPaths = serverTrust + ca
        let client: TrustStore
        do {
            client = clientPaths.isEmpty ? TrustStore.system()
                : try TrustStore.load(paths: clientPaths, label: "--client-trust " + clientPaths.joined(separator: ", "))
            let server = serverPaths.isEmpty ? nil
                : try TrustStore.load(paths: serverPaths, label: "--server-trust " + serverPaths.joined(separator: ", "))
            let trust = TrustConfiguration(clientTrust: client, clientTrustExplicit: !clientPaths.isEmpty, serverTrust: server,
                                           at: at.flatMap { Timestamp(rfc3339: $0) }, expectHost: expectHost)
            let profiles = VendorProfiles.builtIn()
            var forced: VendorProfile?
            if let p = profile {
                if let named = profiles.first(where: { $0.name.lowercased() == p.lowercased() }) { forced = named }
                else {
                    do { forced = try VendorProfiles.load(path: p) } catch {
                        throw CLIError("--profile \(p): not a built-in profile (\(profiles.map(\.name).joined(separator: ", "))) and not a readable profile file")
                    }
                }
            }
            var options = AnalysisOptions(trust: trust, profiles: profiles, forcedProfile: forced)
            if let keylog {
                do { try options.useKeyLog(path: keylog) } catch { throw CLIError("\(error)") }
            }
            return options
        } catch let e as TrustStoreError {
            throw CLIError(e.description)
        }
    }
}

/// A usage or input problem: printed as one line, exit status 2.
struct CLIError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

func printError(_ message: String) {
    var line = "tlsdiag: " + message + "\n"
    line.withUTF8 { b in _ = write(2, b.baseAddress, b.count) }
}

func failUsage(_ e: CLIError) -> ExitCode {
    printError(e.description)
    return ExitCode(2)
}
