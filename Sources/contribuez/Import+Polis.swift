import ArgumentParser
import Foundation

struct ImportPolis: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "polis", abstract: "Import a Polis openData conversation as a consultation.")
    func run() async throws { throw ValidationError("not implemented yet") }
}
