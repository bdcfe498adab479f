import ArgumentParser
import Capture

struct Interfaces: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List capture interfaces with their addresses and flags (the numbers work with live -i).")

    func run() throws {
        let list: [CaptureInterface]
        do { list = try CaptureInterfaces.list() } catch { throw failUsage(CLIError(error.description)) }
        if list.isEmpty {
            print("No capture interfaces found. Listing needs no privileges, but some systems hide interfaces from non-root users; try with sudo.")
            return
        }
        for (i, dev) in list.enumerated() {
            var line = "\(i + 1). \(dev.name)"
            if let d = dev.description, !d.isEmpty { line += " (\(d))" }
            line += " [\(dev.flagWords.joined(separator: ", "))]"
            print(line)
            if !dev.addresses.isEmpty {
                print("     " + dev.addresses.map(\.description).joined(separator: ", "))
            }
        }
    }
}
