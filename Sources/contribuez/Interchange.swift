import ArgumentParser
import ContribuezCore
import ContribuezImport
import ContribuezOpenData
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

/// `contribuez export polis ID --out DIR`: the consultation in Polis's openData layout.
struct ExportPolis: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "polis",
        abstract: "Write a consultation in Polis's openData format (comments.csv, votes.csv, participants-votes.csv, summary.csv, README.md).",
        discussion: """
            \(PolisExport.signConvention)
            Statements are the articles, then the public proposals and amendments (moderated-out ones with moderated = -1); \
            participants are numbered from 0, with their open-data pseudonym as xid. `contribuez import polis DIR` reads \
            the folder back with the same tallies. The command line acts with the machine's authority: it exports whether \
            or not the consultation's open data is public yet.
            """)
    @OptionGroup var db: DatabaseOptions
    @Argument(help: "The consultation's id.") var consultation: Int64
    @Option(name: .shortAndLong, help: "The folder to write (created if missing; the five files are replaced).") var out: String

    func run() async throws {
        let directory = URL(fileURLWithPath: out)
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory), !isDirectory.boolValue {
            throw ValidationError("cannot write \(out): it is a file, not a folder")
        }
        let store = try await db.open()
        guard consultation > 0, let c = try await store.consultation(id: consultation) else {
            throw ValidationError("no consultation with id \(consultation) in \(db.displayName)")
        }
        let summary: PolisExport.Summary
        do {
            summary = try await store.withOpenDataReader { reader in
                try await PolisExport.write(consultation: c, reader: reader, to: directory)
            }
        } catch let error as CocoaError {
            throw ValidationError("cannot write \(out): \(error.localizedDescription)")
        }
        print("wrote \(out): \(summary.statements) statements (\(summary.hiddenStatements) moderated out), \(summary.votes) votes, \(summary.participants) participants, \(summary.usefulLeftOut) useful votes left out (consultation \(c.id), \(c.slug))")
    }
}
