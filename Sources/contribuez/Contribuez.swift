import ArgumentParser
import ContribuezCore
import ContribuezImport
import ContribuezMail
import ContribuezStore
import ContribuezSynthesis
import ContribuezWeb
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle

/// The executable only parses arguments and wires the library targets together.
@main
struct Contribuez: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "contribuez",
        abstract: "Contribuez: public consultation on a draft text, article by article.",
        subcommands: [Serve.self, Migrate.self, Import.self, Analyze.self, Grant.self, Demo.self])
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
    @Option(help: "SMTP server for outgoing mail: smtp://user:password@host:port (STARTTLS when offered) or smtps://… (TLS). Without it, mails stay queued.")
    var smtpUrl: String?
    @Option(help: "Sender of outgoing mail, e.g. \"Contribuez <noreply@example.org>\" (required with --smtp-url).")
    var mailFrom: String?
    @Option(help: "Absolute base URL of the site, for links in mails (default: http://HOST:PORT).")
    var publicUrl: String?

    func validate() throws {
        guard (1...65535).contains(port) else { throw ValidationError("--port must be between 1 and 65535") }
        guard (4...31).contains(bcryptCost) else { throw ValidationError("--bcrypt-cost must be between 4 and 31") }
        guard synthesisEvery >= 0 else { throw ValidationError("--synthesis-every must be 0 or more minutes") }
        if let smtpUrl {
            do { _ = try SMTPConfiguration(url: smtpUrl) } catch { throw ValidationError("--smtp-url: \(error)") }
            guard mailFrom != nil else { throw ValidationError("--mail-from is required with --smtp-url") }
        }
        if let mailFrom {
            do { _ = try MailAddress(mailFrom) } catch { throw ValidationError("--mail-from: \(error)") }
        }
        if let publicUrl {
            guard let url = URL(string: publicUrl), ["http", "https"].contains(url.scheme?.lowercased() ?? ""), url.host?.isEmpty == false,
                  url.query == nil, url.fragment == nil
            else { throw ValidationError("--public-url must be an absolute http(s) URL, e.g. https://consultation.example.org") }
        }
    }

    /// The base of the absolute links in mails, without a trailing slash.
    var publicBaseURL: String {
        let base = publicUrl ?? "http://\(host == "0.0.0.0" ? "localhost" : host):\(port)"
        return base.hasSuffix("/") ? String(base.dropLast()) : base
    }

    func run() async throws {
        var logger = Logger(label: "contribuez")
        logger.logLevel = .info
        let store = try db.open()
        if demo, try await store.consultations().isEmpty {
            let c = try await store.importConsultation(DemoConsultation.bundle(now: Date()))
            logger.info("demo consultation loaded", metadata: ["id": "\(c.id)"])
        }
        var deps = try await makeDependencies(store: store, hasher: BcryptHasher(cost: bcryptCost), secureCookies: secureCookies)
        deps.smtpConfigured = smtpUrl != nil
        let app = buildApplication(deps, host: host, port: port, logger: logger)
        // Scheduled syntheses run off the request path, one consultation at a time.
        var scheduler: Task<Void, Never>?
        if synthesisEvery > 0 {
            let log = logger, every = TimeInterval(synthesisEvery * 60)
            scheduler = Task { await Synthesis.Scheduler.run(store: store, clock: SystemClock(), every: every) { log.info("\($0)") } }
        }
        defer { scheduler?.cancel() }
        // Notifications become mails (immediate, or the daily digest) in the outbox every 30 seconds.
        let mailerLog = logger
        let notificationMails = Task {
            await NotificationMailer(deps: deps, publicURL: publicBaseURL).run(every: 30) { mailerLog.info("\($0)") }
        }
        defer { notificationMails.cancel() }
        // Mail goes out off the request path, from the outbox; without SMTP it waits there.
        var services: [any Service] = [app]
        if let smtpUrl, let mailFrom {
            let client = try SMTPClient(configuration: SMTPConfiguration(url: smtpUrl))
            services.append(MailSender(outbox: store, client: client, from: try MailAddress(mailFrom), logger: logger))
            print("Mail goes out through \(client.configuration.host):\(client.configuration.port) from \(mailFrom); links in mails start with \(publicBaseURL)")
        } else {
            print("No --smtp-url: mails stay queued in the outbox, nothing is sent")
        }
        print("Contribuez is running at http://\(host == "0.0.0.0" ? "localhost" : host):\(port)/ (database: \(db.database))")
        try await ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)).run()
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
        subcommands: [ImportRepubliqueNumerique.self, ImportPolis.self, ImportVersion.self])
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
        abstract: "Give an account a role: on the instance (admin, organiser, participant), or on one consultation with --consultation (organiser, moderator, answerer).",
        discussion: """
            The first admin of a fresh install is made this way: `contribuez grant you@example.org admin`.
            Instance organisers may create consultations; admins may do everything and give roles in the pages.
            With --consultation ID: organiser (edits, publishes, closes, gives roles), moderator, answerer; `--revoke` takes it back.
            Every grant is written to the audit trail.
            """)
    @OptionGroup var db: DatabaseOptions
    @Argument(help: "E-mail address of the account.") var email: String
    @Argument(help: "admin, organiser or participant; with --consultation: organiser, moderator or answerer.") var role: String
    @Option(help: "Give the role on this consultation only.") var consultation: Int64?
    @Flag(help: "With --consultation: take the role back.") var revoke = false

    func run() async throws {
        let store = try db.open()
        guard let found = try await store.participant(email: email.trimmingCharacters(in: .whitespaces).lowercased()), found.email != nil else {
            throw ValidationError("no account with the e-mail \(email)")
        }
        let now = SystemClock().now()
        let audit = { (c: ID?, action: AuditAction, reason: String) in
            AuditEntry(consultationID: c, actorID: nil, actorName: "contribuez (ligne de commande)", action: action,
                       targetKind: "participant", targetID: found.id, reason: reason, detail: found.publicName, at: now)
        }
        if let id = consultation {
            guard try await store.consultation(id: id) != nil else { throw ValidationError("no consultation \(id)") }
            if revoke {
                let removed = try await store.revokeRole(consultationID: id, participantID: found.id, audit: audit(id, .revokeRole, role))
                print(removed ? "\(email) no longer has a role on consultation \(id)" : "\(email) had no role on consultation \(id)")
                return
            }
            guard let r = ConsultationRole(rawValue: role) else {
                throw ValidationError("role on a consultation must be one of: \(ConsultationRole.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            try await store.grantRole(consultationID: id, participantID: found.id, role: r, audit: audit(id, .grantRole, r.rawValue))
            print("\(email) is now \(r.rawValue) of consultation \(id)")
            return
        }
        guard !revoke else { throw ValidationError("--revoke needs --consultation") }
        guard let r = Role(rawValue: role) else {
            throw ValidationError("role must be one of: \(Role.allCases.map(\.rawValue).joined(separator: ", ")) (or use --consultation ID for organiser, moderator, answerer)")
        }
        _ = try await store.setRole(participantID: found.id, role: r, audit: audit(nil, .grantInstanceRole, r.rawValue))
        print("\(email) is now \(r.rawValue)")
    }
}
