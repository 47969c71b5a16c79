import ArgumentParser
import Foundation

struct AnalyzeGroups: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "groups", abstract: "Opinion groups of a Polis openData conversation, as JSON.")
    func run() async throws { throw ValidationError("not implemented yet") }
}

struct AnalyzeDuplicates: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "duplicates", abstract: "Clusters of identical and near-identical texts in a CSV file, as JSON.")
    func run() async throws { throw ValidationError("not implemented yet") }
}

struct AnalyzeConsultation: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "consultation", abstract: "Run the synthesis of a consultation and store its results.")
    func run() async throws { throw ValidationError("not implemented yet") }
}
