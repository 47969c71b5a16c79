import ArgumentParser
import Foundation

struct AnalyzeReweight: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "reweight", abstract: "Raking weights of respondents to population margins, as CSV.")
    func run() async throws { throw ValidationError("not implemented yet") }
}

struct AnalyzeRepresentativeness: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "representativeness", abstract: "Who took part compared with the population, as JSON.")
    func run() async throws { throw ValidationError("not implemented yet") }
}
