import ArgumentParser
import ContribuezCore
import ContribuezImport
import Foundation

struct ImportPolis: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "polis", abstract: "Import a Polis openData conversation as a consultation.")
    @OptionGroup var db: DatabaseOptions
    @Argument(help: "Conversation folder (comments.csv, votes.csv or participants-votes.csv, summary.csv).") var directory: String

    func run() async throws {
        let read: (bundle: ImportBundle, summary: PolisImport.Summary)
        do { read = try PolisImport.read(directory: URL(fileURLWithPath: directory)) } catch {
            throw ValidationError("cannot read \(directory): \(error)")
        }
        let store = try await db.open()
        do {
            let c = try await store.importConsultation(read.bundle)
            let s = read.summary
            print("imported consultation \(c.id) \"\(c.title)\": \(s.statements) statements (\(s.hiddenStatements) hidden), \(s.voteEvents) votes from \(s.fromHistory ? "votes.csv" : "participants-votes.csv"), \(s.participants) participants")
        } catch {
            throw ValidationError("import failed, nothing was written: \(error)")
        }
    }
}
