import ArgumentParser

struct Certs: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Export every certificate chain seen in the captures as PEM.")
    func run() throws { throw CleanExit.message("certs: not built yet") }
}
struct RulesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rules", abstract: "List every diagnostic rule with its ID, severity and one line.")
    func run() throws { throw CleanExit.message("rules: not built yet") }
}
struct Explain: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Explain one rule: what it means, causes and fixes.")
    func run() throws { throw CleanExit.message("explain: not built yet") }
}
