import ArgumentParser
import ContribuezOpenData
import Foundation

/// `contribuez verify FILE.zip` (issue 12): recounts an open-data package from its own tables.
struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Recount an open-data package (donnees.zip): the chain, every tally, the ranking and the answer statistics.",
        discussion: """
            Reads only the package: checks every hash of the event chain and its head against datapackage.json and \
            consultation.csv, each contribution's content hash, replays the votes from the chain and compares them \
            with votes.csv, tallies.csv (imported totals taken as published), ranking.csv and answer_statistics.csv.
            Exit status: 0 when every published figure matches; 1 with each difference listed as \
            "table, row, expected, found"; 64 when the file is not an open-data package.
            """)
    @Argument(help: "The package, e.g. consultation-donnees.zip.") var file: String

    func run() throws {
        let report: OpenDataVerifier.Report
        do { report = try OpenDataVerifier.verify(path: file) } catch let error as OpenDataVerifier.NotAPackage {
            FileHandle.standardError.write(Data("contribuez verify: \(file): \(error)\n".utf8))
            throw ExitCode(64)
        } catch {
            FileHandle.standardError.write(Data("contribuez verify: \(file): not a readable open-data package: \(error)\n".utf8))
            throw ExitCode(64)
        }
        print(report.text)
        if !report.isClean { throw ExitCode(1) }
    }
}
