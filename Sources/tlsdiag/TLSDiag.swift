import ArgumentParser

@main
struct TLSDiag: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tlsdiag",
        abstract: "Explain TLS handshake failures from packet captures: who rejected whom, why, with the frames that prove it, and the fix.",
        version: "0.1.0",
        subcommands: [Analyze.self, Live.self, Certs.self, RulesCommand.self, Explain.self, Interfaces.self],
        defaultSubcommand: Analyze.self)
}
