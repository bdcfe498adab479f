import ArgumentParser
import Diagnosis

struct RulesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rules", abstract: "List every diagnostic rule with its ID, severity and one line.")

    func run() throws {
        var rows: [(String, String, String)] = Catalogue.all.map { ($0.id.rawValue, $0.severity.rawValue, $0.summary) }
        rows += Catalogue.inputRuleIDs.map { ($0.0.rawValue, $0.1.rawValue, $0.2) }
        rows.sort { $0.0 < $1.0 }
        let width = rows.map(\.0.count).max() ?? 10
        for (id, sev, line) in rows {
            print(id.padding(width) + "  " + sev.padding(7) + "  " + line)
        }
    }
}

struct Explain: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Explain one rule: what it means, causes and fixes.")

    @Argument(help: "A rule ID from `tlsdiag rules`, e.g. SERVER-CERT-REJECTED.")
    var ruleID: String

    func run() throws {
        if let r = Catalogue.rule(id: ruleID) {
            print("\(r.id.rawValue) (\(r.severity.rawValue))\n\n\(r.summary)\n\n\(r.details)")
            let profiles = VendorProfiles.builtIn().filter { $0.remediation[r.id.rawValue] != nil }
            for p in profiles { print("\n\(p.displayName): \(p.remediation[r.id.rawValue]!)") }
            return
        }
        if let (id, sev, line) = Catalogue.inputRuleIDs.first(where: { $0.0.rawValue.lowercased() == ruleID.lowercased() }) {
            print("\(id.rawValue) (\(sev.rawValue))\n\n\(line)\n\nReported per capture file, not per connection: no connection carried TLS. Capture again while the device connects, with both directions of its port mirrored.")
            return
        }
        printError("unknown rule '\(ruleID)'; `tlsdiag rules` lists them")
        throw ExitCode(2)
    }
}

extension String {
    func padding(_ n: Int) -> String { count >= n ? self : self + String(repeating: " ", count: n - count) }
}
