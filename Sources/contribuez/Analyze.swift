import ArgumentParser
import Foundation

struct Analyze: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Analyses: opinion groups, duplicates and campaigns, representativeness and reweighting.",
        subcommands: [AnalyzeGroups.self, AnalyzeDuplicates.self, AnalyzeConsultation.self, AnalyzeReweight.self, AnalyzeRepresentativeness.self])
}
