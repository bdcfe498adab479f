import ArgumentParser
import Foundation
import WireCore
import X509Inspect
import Diagnosis
import Pipeline
import Reports

struct Certs: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show every certificate chain seen in the captures as a tree, and export them as PEM.")

    @Argument(help: ArgumentHelp("Capture files (pcap or pcapng); - reads standard input.", valueName: "FILE"))
    var files: [String]

    @Option(name: .long, help: ArgumentHelp("Write each chain as PEM into DIR (created if missing), one file per connection and side.", valueName: "DIR"))
    var export: String?

    @OptionGroup var trust: TrustOptions

    func run() throws {
        let options: AnalysisOptions
        do { options = try trust.makeOptions() } catch let e as CLIError { throw failUsage(e) }
        if let dir = export {
            do { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) } catch {
                throw failUsage(CLIError("\(dir): cannot create the export directory (\(error.localizedDescription))"))
            }
        }
        let cache = CertificateCache()
        var written = 0
        var inputErrors = 0
        for (index, path) in files.enumerated() {
            let analysis = CaptureAnalysis(options: options, cache: cache)
            var id = 0
            let result = analysis.run(path: path, input: index, onConnection: { ac in
                id += 1
                let c = ac.connection
                var text = ""
                for (chain, side) in [(ac.serverChain, Side.server), (ac.clientChain, Side.client)] {
                    guard let chain else { continue }
                    text += ChainTree.render(chain, title: "\(side == .server ? "Server" : "Client") chain") + "\n"
                    if let dir = export {
                        let name = CertificateExport.fileName(input: index, id: id, c, side: side, inputs: files.count)
                        let url = URL(fileURLWithPath: dir).appendingPathComponent(name)
                        do {
                            try CertificateExport.pem(chain).write(to: url, atomically: true, encoding: .utf8)
                            written += 1
                        } catch {
                            printError("\(url.path): cannot write (\(error.localizedDescription))")
                        }
                    }
                }
                if !text.isEmpty {
                    print("#\(id) \(c.client) -> \(c.server)\(c.tls.serverName.map { " " + TerminalStyle.visible($0) } ?? "")\n" + text)
                }
            })
            if let e = result.error { printError(e.description); inputErrors += 1 }
        }
        if let dir = export { printError("\(written) chain file\(written == 1 ? "" : "s") written to \(dir)") }
        if inputErrors > 0 { throw ExitCode(2) }
    }
}
