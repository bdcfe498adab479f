import ArgumentParser

struct Certs: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Export every certificate chain seen in the captures as PEM.")
    func run() throws { throw CleanExit.message("certs: not built yet") }
}
