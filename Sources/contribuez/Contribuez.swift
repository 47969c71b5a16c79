import ArgumentParser
import ContribuezCore
import ContribuezImport
import ContribuezStore
import ContribuezSynthesis
import ContribuezWeb
import Foundation
import Hummingbird
import Logging

/// The executable only parses arguments and wires the library targets together.
@main
struct Contribuez: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "contribuez",
        abstract: "Contribuez: public consultation on a draft text, article by article.",
        subcommands: [Serve.self, Migrate.self, Import.self, Analyze.self, Grant.self])
}

/// Options shared by every command that touches data.
struct DatabaseOptions: ParsableArguments {
    @Option(name: .long, help: "SQLite database file (created if missing).")
    var database: String = "contribuez.sqlite"

    func open() throws -> SQLiteStore {
        do { return try SQLiteStore(path: database) } catch {
            throw ValidationError("cannot open the database \(database): \(error)")
        }
    }
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Start the web server (pages and JSON API).")

    @OptionGroup var db: DatabaseOptions
    @Option(help: "Address to listen on.") var host: String = "127.0.0.1"
    @Option(help: "Port to listen on.") var port: Int = 8080
    @Flag(help: "Load the demo consultation if the database has no consultation yet.") var demo = false
    @Flag(help: "Mark cookies Secure (set this when served behind HTTPS).") var secureCookies = false
    @Option(help: "bcrypt cost (4…31).") var bcryptCost: UInt8 = 12
    @Option(help: "Minutes between scheduled synthesis runs of consultations with new activity (0: never).")
    var synthesisEvery: Int = 60

    func validate() throws {
        guard (1...65535).contains(port) else { throw ValidationError("--port must be between 1 and 65535") }
        guard (4...31).contains(bcryptCost) else { throw ValidationError("--bcrypt-cost must be between 4 and 31") }
        guard synthesisEvery >= 0 else { throw ValidationError("--synthesis-every must be 0 or more minutes") }
    }

    func run() async throws {
        var logger = Logger(label: "contribuez")
        logger.logLevel = .info
        let store = try db.open()
        if demo, try await store.consultations().isEmpty {
            let c = try await store.importConsultation(DemoConsultation.bundle(now: Date()))
            logger.info("demo consultation loaded", metadata: ["id": "\(c.id)"])
        }
        let deps = try await makeDependencies(store: store, hasher: BcryptHasher(cost: bcryptCost), secureCookies: secureCookies)
        let app = buildApplication(deps, host: host, port: port, logger: logger)
        // Scheduled syntheses run off the request path, one consultation at a time.
        var scheduler: Task<Void, Never>?
        if synthesisEvery > 0 {
            let log = logger, every = TimeInterval(synthesisEvery * 60)
            scheduler = Task { await Synthesis.Scheduler.run(store: store, clock: SystemClock(), every: every) { log.info("\($0)") } }
        }
        defer { scheduler?.cancel() }
        print("Contribuez is running at http://\(host == "0.0.0.0" ? "localhost" : host):\(port)/ (database: \(db.database))")
        try await app.runService()
    }
}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Apply pending database migrations.")
    @OptionGroup var db: DatabaseOptions

    func run() async throws {
        let store = try db.open()
        let applied = try store.migrate()
        print(applied.isEmpty ? "database is up to date" : "applied: " + applied.joined(separator: ", "))
    }
}

struct Import: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Import a consultation from another platform's open data.",
        subcommands: [ImportRepubliqueNumerique.self, ImportPolis.self])
}

struct ImportRepubliqueNumerique: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "republique-numerique",
        abstract: "Import the 2015 « République numérique » snapshot (opinions.csv, arguments.csv, sources.csv).")
    @OptionGroup var db: DatabaseOptions
    @Argument(help: "Folder holding the three CSV files.") var directory: String

    func run() async throws {
        let bundle: ImportBundle
        do { bundle = try RepubliqueNumeriqueImport.bundle(directory: URL(fileURLWithPath: directory)) } catch {
            throw ValidationError("cannot read \(directory): \(error)")
        }
        let store = try db.open()
        do {
            let c = try await store.importConsultation(bundle)
            let articles = bundle.sections.reduce(0) { $0 + $1.articles.count }
            let count = { (k: ContributionKind) in bundle.contributions.filter { $0.kind == k }.count }
            print("imported consultation \(c.id) \"\(c.title)\": \(articles) articles, \(count(.proposal)) proposals, \(count(.argument)) arguments, \(count(.source)) sources")
        } catch {
            throw ValidationError("import failed, nothing was written: \(error)")
        }
    }
}

struct Grant: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Give an account a role: organiser (runs analyses, uploads margins), moderator, or participant.")
    @OptionGroup var db: DatabaseOptions
    @Argument(help: "E-mail address of the account.") var email: String
    @Argument(help: "organiser, moderator or participant.") var role: String

    func run() async throws {
        guard let role = Role(rawValue: role) else { throw ValidationError("role must be organiser, moderator or participant") }
        let store = try db.open()
        guard let found = try await store.credentials(email: email) else { throw ValidationError("no account with the e-mail \(email)") }
        _ = try await store.setRole(participantID: found.participant.id, role: role)
        print("\(email) is now \(role.rawValue)")
    }
}
