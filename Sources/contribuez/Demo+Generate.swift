import ArgumentParser
import ContribuezCore
import ContribuezStore
import ContribuezWeb
import Foundation

struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Demonstration and benchmark data.", subcommands: [DemoGenerate.self, DemoVote.self])
}

/// `contribuez demo generate`: a large synthetic consultation for load benchmarks.
struct DemoGenerate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Write a large synthetic consultation (Grand-Débat-sized if asked) into an SQLite database, for load benchmarks.",
        discussion: "All participants share the password \"banc d'essai 2026\"; --tokens-file receives session tokens of the first --sessions participants, one per line, for signed-in load.")
    @OptionGroup var db: DatabaseOptions
    @Option(help: "Participants.") var participants: Int = 20_000
    @Option(help: "Contributions (10 % proposals, 20 % amendments, 60 % arguments, 10 % sources).") var contributions: Int = 200_000
    @Option(help: "Votes (distinct participant and target pairs).") var votes: Int = 2_000_000
    @Option(help: "Articles of the text.") var articles: Int = 30
    @Option(help: "Session tokens to write for the first participants.") var sessions: Int = 2_000
    @Option(help: "File that receives the session tokens.") var tokensFile: String?
    @Option(help: "Seed of the generator.") var seed: UInt64 = 1

    func validate() throws {
        guard participants >= 1, contributions >= 0, votes >= 0, (1...1_000).contains(articles), sessions >= 0 else {
            throw ValidationError("counts must be positive (articles 1…1000)")
        }
        guard sessions <= participants else { throw ValidationError("--sessions cannot exceed --participants") }
    }

    func run() async throws {
        guard !db.database.contains("://") else { throw ValidationError("demo generate writes an SQLite file; give --database a path (copy it to PostgreSQL afterwards)") }
        let store: SQLiteStore
        let keys = try db.keys()
        do { store = try SQLiteStore(path: db.database, keys: keys) } catch { throw ValidationError("cannot open the database \(db.database): \(error)") }
        let started = Date()
        let hash = await BcryptHasher(cost: 4).hash("banc d'essai 2026")
        let g = try await store.generateLarge(
            participants: participants, contributions: contributions, votes: votes, articles: articles, sessions: sessions, seed: seed,
            now: Date(), passwordHash: hash, tokenHash: { SessionTokens.storedHash($0) }, progress: { print("  \($0)") })
        if let tokensFile {
            try (g.tokens.joined(separator: "\n") + "\n").write(toFile: tokensFile, atomically: true, encoding: .utf8)
        }
        let seconds = Date().timeIntervalSince(started)
        print("generated consultation \(g.consultation.id): \(g.articles) articles, \(g.participants) participants, \(g.contributions) contributions, \(g.votes) votes in \(String(format: "%.1f", seconds)) s")
        let campaignCopies = g.contributionCampaigns.filter { $0 >= 0 }.count
        print("planted: \(GeneratedPlan.themes.count) themes (\(GeneratedPlan.themes.map(\.name).joined(separator: ", "))), \(GeneratedPlan.campaigns.count) campaign letters (\(campaignCopies) copies), \(GeneratedPlan.groupShares.count) opinion groups (shares \(GeneratedPlan.groupShares.map { String(Int($0 * 100)) + " %" }.joined(separator: ", ")))")
    }
}

/// `contribuez demo vote`: new votes on a generated consultation, through the ordinary path.
struct DemoVote: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vote", abstract: "Cast new opinion votes on a consultation (for incremental synthesis benchmarks).")
    @OptionGroup var db: DatabaseOptions
    @Argument(help: "Id of the consultation.") var id: Int64
    @Option(help: "Votes to cast.") var votes: Int = 10_000
    @Option(help: "Seed of the generator.") var seed: UInt64 = 2

    func run() async throws {
        guard !db.database.contains("://") else { throw ValidationError("demo vote writes an SQLite file; give --database a path") }
        let store = try SQLiteStore(path: db.database, keys: try db.keys())
        let started = Date()
        let n = try await store.addGeneratedVotes(consultationID: id, count: votes, seed: seed, now: Date())
        print("cast \(n) votes on consultation \(id) in \(String(format: "%.1f", Date().timeIntervalSince(started))) s")
    }
}
