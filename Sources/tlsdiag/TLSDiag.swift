import Foundation
import ArgumentParser

@main
struct TLSDiag: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tlsdiag",
        abstract: "Explain TLS handshake failures from packet captures: who rejected whom, why, with the frames that prove it, and the fix.",
        version: "0.1.0",
        subcommands: [Analyze.self, Live.self, Certs.self, RulesCommand.self, Explain.self, Interfaces.self],
        defaultSubcommand: Analyze.self)

    /// Like ArgumentParser's `main()`, but usage errors exit with status 2 (the contract in DESIGN.md),
    /// not EX_USAGE (64).
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            if exitCode(for: error) == .validationFailure {
                printError(message(for: error) + "\n" + "(see: tlsdiag help)")
                Foundation.exit(2)
            }
            exit(withError: error)
        }
    }
}
