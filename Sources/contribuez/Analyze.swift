import ArgumentParser
import Foundation

struct Analyze: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Analyses: opinion groups, duplicates and campaigns, reweighting.",
        subcommands: [])
}
