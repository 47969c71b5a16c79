import ArgumentParser
import ContribuezCore
import ContribuezImport
import Foundation

// Interchange with other platforms (issue 12): Decidim's open data in, Polis's openData format out.

struct ImportDecidim: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decidim",
        abstract: "Import a Decidim proposals component's open data (proposals CSV, optionally its comments CSV) as a closed consultation.",
        discussion: """
            Reads the CSV files of Decidim's open-data export (0.27 columns: title/fr, body/fr, supports, \
            endorsements/total_count, state; 0.28+ columns: votes, withdrawn, author/id; comments: body/fr or body, \
            alignment, depth, commentable_id, commentable_type). The separator (`;` or `,`) is read from the header.
            Supports become imported « d'accord » totals (endorsements are not added); withdrawn proposals are \
            imported hidden; comments with alignment 1 or -1 become arguments for or against the proposal of their \
            thread, neutral comments (alignment 0, every reply in practice) are left out and counted, since our \
            arguments take a side; authors become pseudonymous participants. Nothing is written when a file is wrong.
            """)
    @OptionGroup var db: DatabaseOptions
    @Option(help: "The proposals CSV (…-open-data-proposals.csv).") var proposals: String
    @Option(help: "The proposal comments CSV (…-open-data-proposal_comments.csv).") var comments: String?
    @Option(help: "Title of the consultation.") var title: String
    @Option(help: "Slug of the consultation (default: decidim- and the title's words).") var slug: String?
    @Option(help: "Language of the texts to import when present (title/<locale>); other languages fill the gaps.") var locale = "fr"
    @Option(help: "Institution shown on the consultation.") var institution = "Decidim"

    func run() async throws {
        let read: (bundle: ImportBundle, summary: DecidimImport.Summary)
        do {
            read = try DecidimImport.read(
                proposals: URL(fileURLWithPath: proposals), comments: comments.map { URL(fileURLWithPath: $0) },
                options: .init(title: title, slug: slug, locale: locale, institution: institution))
        } catch {
            throw ValidationError("cannot read the Decidim export: \(error)")
        }
        let store = try await db.open()
        do {
            let c = try await store.importConsultation(read.bundle)
            let s = read.summary
            print("imported consultation \(c.id) \"\(c.title)\" (\(c.slug)): \(s.proposals) proposals (\(s.withdrawn) withdrawn, imported hidden), \(s.supports) supports, \(s.argumentsFor) arguments for, \(s.argumentsAgainst) against (\(s.replies) of them replies), \(s.neutralLeftOut) neutral comments left out, \(s.participants) participants")
        } catch {
            throw ValidationError("import failed, nothing was written: \(error)")
        }
    }
}
