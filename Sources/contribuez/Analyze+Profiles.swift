import ArgumentParser
import ContribuezAnalysis
import ContribuezCore
import ContribuezSynthesis
import Foundation

/// Writes `text` to standard error.
private func printError(_ text: String) {
    FileHandle.standardError.write(Data((text.hasSuffix("\n") ? text : text + "\n").utf8))
}

struct AnalyzeReweight: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reweight",
        abstract: "Raking weights of respondents to population margins, as CSV.",
        discussion: """
            R.csv: header id,<dimension>,… (optional base_weight), one row per respondent, category \
            labels as values (empty = not answered: left out and counted in the report). \
            M.csv: header dimension,category,share (shares of one dimension sum to 1). \
            Prints id,weight on stdout (weights of mean 1); the JSON report goes to --report or stderr.
            """)

    @Option(help: "Respondents CSV (id,<dimension>…[,base_weight]).") var respondents: String
    @Option(help: "Margins CSV (dimension,category,share).") var margins: String
    @Option(help: "Trimming bounds relative to the mean weight, e.g. 0.2,5 (untrimmed by default).") var trim: String?
    @Option(help: "Write the JSON convergence report to this file instead of stderr.") var report: String?

    func run() async throws {
        let respondentsText: String, marginsText: String
        do {
            respondentsText = try String(contentsOfFile: respondents, encoding: .utf8)
            marginsText = try String(contentsOfFile: margins, encoding: .utf8)
        } catch {
            printError("cannot read the input: \(error.localizedDescription)")
            throw ExitCode(2)
        }
        do {
            let bounds = try trim.map { text throws(RakingError) in try Raking.parseTrim(text) }
            let result = try Raking.reweightCSV(
                respondents: respondentsText, margins: marginsText, trim: bounds.map { ($0.low, $0.high) })
            FileHandle.standardOutput.write(Data(result.csv.utf8))
            if let report {
                do { try result.report.write(to: URL(fileURLWithPath: report)) } catch {
                    printError("cannot write the report to \(report): \(error.localizedDescription)")
                    throw ExitCode(2)
                }
            } else {
                printError(String(decoding: result.report, as: UTF8.self))
            }
        } catch let error as RakingError {
            printError(error.description)
            throw ExitCode(1)
        }
    }
}

struct AnalyzeRepresentativeness: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "representativeness",
        abstract: "Who took part compared with the population, as JSON (the dashboard's figures, reweighted tallies included).")
    @OptionGroup var db: DatabaseOptions
    @Argument(help: "Id of the consultation.") var consultationID: Int64

    func run() async throws {
        let store = try await db.open()
        guard let computation = try await Reweighting.run(store: store, consultationID: consultationID) else {
            printError("no consultation with the id \(consultationID)")
            throw ExitCode(1)
        }
        FileHandle.standardOutput.write(Reweighting.json(computation.figures))
        FileHandle.standardOutput.write(Data("\n".utf8))
    }
}
