import ArgumentParser
import ContribuezCore
import ContribuezImport
import ContribuezMail
import ContribuezPostgres
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
        subcommands: [Serve.self, Migrate.self, Copy.self, Import.self, Export.self, Verify.self, Analyze.self, Grant.self, ResetSecondFactorCommand.self, Demo.self, Keys.self])
}

/// Options shared by every command that touches data.
struct DatabaseOptions: ParsableArguments {
    @Option(name: .customLong("database"),
            help: "SQLite database file (created if missing), or postgres://user:password@host:port/database (default: $CONTRIBUEZ_DATABASE_URL, else contribuez.sqlite).")
    var databaseOption: String?

    /// The file path or PostgreSQL URL in force: `--database`, else `CONTRIBUEZ_DATABASE_URL`, else the default file.
    var database: String {
        databaseOption ?? ProcessInfo.processInfo.environment["CONTRIBUEZ_DATABASE_URL"].flatMap { $0.isEmpty ? nil : $0 } ?? "contribuez.sqlite"
    }

    @Option(name: .customLong("keys-file"),
            help: "The keys file personal data are sealed with (JSON, mode 0600; `contribuez keys generate` writes one). Default: $CONTRIBUEZ_KEYS (the file's content), else for SQLite DATABASE.keys beside the file, created if missing. Required for PostgreSQL; every node needs the same file.")
    var keysFile: String?

    var isPostgres: Bool { PostgresStore.isURL(database) }

    /// The keys personal data are sealed with: `--keys-file`, else `CONTRIBUEZ_KEYS`, else (SQLite only) the
    /// file beside the database. NB: never from the database itself.
    func keys() throws -> StoreKeys {
        do {
            if let keysFile { return try StoreKeys(path: keysFile) }
            if let inline = try Keyring.fromEnvironment() { return StoreKeys(inline) }
            guard !isPostgres else { throw KeyringError.noKeys }
            return try StoreKeys.beside(database: database)
        } catch {
            throw ValidationError("\(error)")
        }
    }

    /// The keys file `keys rotate` and `keys retire` rewrite: `--keys-file`, else the SQLite database's own.
    func keysFileToRewrite() throws -> String {
        if let keysFile { return keysFile }
        if ProcessInfo.processInfo.environment["CONTRIBUEZ_KEYS"]?.isEmpty == false {
            throw ValidationError("give the keys file to rewrite with --keys-file (keys given in CONTRIBUEZ_KEYS cannot be rewritten)")
        }
        guard !isPostgres else { throw ValidationError("give the keys file of the PostgreSQL database's nodes with --keys-file") }
        return database + ".keys"
    }

    /// The database as it may be printed: a URL without its password.
    var displayName: String {
        guard isPostgres, var parts = URLComponents(string: database), parts.password != nil else { return database }
        parts.password = "***"
        return parts.string ?? "postgres://…"
    }

    /// Opens the store (PostgreSQL for a postgres:// URL, else the SQLite file), migrated.
    func open() async throws -> any Store & SynthesisActivityStore {
        let keys = try keys()
        do {
            if isPostgres { return try await PostgresStore(url: database, keys: keys) }
            return try SQLiteStore(path: database, keys: keys)
        } catch {
            throw ValidationError("cannot open the database \(displayName): \(error)")
        }
    }

    /// Applies pending migrations; returns their ids.
    func migrate() async throws -> [String] {
        let keys = try keys()
        do {
            if isPostgres {
                let store = try await PostgresStore(url: database, migrate: false, keys: keys)
                let applied = try await store.migrate()
                try await store.sealPass()
                return applied
            }
            return try SQLiteStore(path: database, keys: keys).migrate()
        } catch {
            throw ValidationError("cannot migrate the database \(displayName): \(error)")
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
    @Option(name: .customLong("trusted-proxy"), help: "A reverse proxy (address or range, e.g. 10.0.0.0/8) whose Forwarded / X-Forwarded-For headers give the client address for rate limits; repeatable. Without it these headers are ignored.")
    var trustedProxies: [String] = []
    @Option(name: .customLong("rate-limit"), help: "Change one rate limit: NAME=COUNT/SECONDS (vote.account=300/60) or NAME=off; repeatable. Names: \(RateLimit.Policy.names.joined(separator: ", ")).")
    var rateLimits: [String] = []
    @Flag(help: "Turn every rate limit off. For load benchmarks and crash tests only: never in production.")
    var noRateLimits = false
    @Option(help: "Seconds a person needs at least between a public form's page and its submission (sign-up, contributions, reports, password reset); faster is refused as a robot. 0 turns the rule off (browser tests).")
    var formMinSeconds: Int = 3
    @Option(help: "Minutes without a request after which a participant's session ends.") var sessionIdle: Int = 120
    @Option(help: "Minutes after sign-in at which a participant's session ends, however active.") var sessionLifetime: Int = 30 * 24 * 60
    @Option(help: "Minutes without a request after which a staff member's session ends (any instance or consultation role).")
    var staffSessionIdle: Int = 30
    @Option(help: "Minutes after sign-in at which a staff member's session ends, however active.") var staffSessionLifetime: Int = 12 * 60

    /// The session timeouts from the options.
    var sessionPolicy: SessionPolicy {
        SessionPolicy(participantIdle: TimeInterval(sessionIdle * 60), participantAbsolute: TimeInterval(sessionLifetime * 60),
                      staffIdle: TimeInterval(staffSessionIdle * 60), staffAbsolute: TimeInterval(staffSessionLifetime * 60))
    }

    /// The rate limits and trusted proxies from the options.
    func rateLimitSettings() throws -> RateLimitSettings {
        let policy = noRateLimits ? RateLimit.Policy.off : try RateLimit.Policy.production.overriding(rateLimits)
        return RateLimitSettings(policy: policy, trustedProxies: try TrustedProxies(trustedProxies))
    }

    func validate() throws {
        do { _ = try rateLimitSettings() } catch { throw ValidationError("\(error)") }
        guard (1...65535).contains(port) else { throw ValidationError("--port must be between 1 and 65535") }
        guard (4...31).contains(bcryptCost) else { throw ValidationError("--bcrypt-cost must be between 4 and 31") }
        for (name, idle, lifetime) in [("session", sessionIdle, sessionLifetime), ("staff-session", staffSessionIdle, staffSessionLifetime)] {
            guard idle >= 1, lifetime >= 1, lifetime <= 366 * 24 * 60 else { throw ValidationError("--\(name)-idle and --\(name)-lifetime must be 1 minute or more (lifetime at most a year)") }
            guard idle <= lifetime else { throw ValidationError("--\(name)-idle must not exceed --\(name)-lifetime") }
        }
        guard (0...600).contains(formMinSeconds) else { throw ValidationError("--form-min-seconds must be between 0 and 600") }
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
        let store = try await db.open()
        if demo, try await store.consultations().isEmpty {
            let c = try await store.importConsultation(DemoConsultation.bundle(now: Date()))
            logger.info("demo consultation loaded", metadata: ["id": "\(c.id)"])
        }
        var deps = try await makeDependencies(store: store, hasher: BcryptHasher(cost: bcryptCost), secureCookies: secureCookies)
        deps.smtpConfigured = smtpUrl != nil
        deps.publicURL = publicBaseURL
        deps.rateLimits = try rateLimitSettings()
        deps.sessionPolicy = sessionPolicy
        deps.formStamps.minimumAge = TimeInterval(formMinSeconds)
        if noRateLimits { logger.warning("rate limits are off (--no-rate-limits): for benchmarks only") }
        let app = buildApplication(deps, host: host, port: port, logger: logger)
        let renderWarmUp = startRenderWarmUp(deps, logger: logger); defer { renderWarmUp.cancel() }
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
        print("Contribuez is running at http://\(host == "0.0.0.0" ? "localhost" : host):\(port)/ (database: \(db.displayName))")
        try await ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)).run()
    }
}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Apply pending database migrations.")
    @OptionGroup var db: DatabaseOptions

    func run() async throws {
        let applied = try await db.migrate()
        print(applied.isEmpty ? "database is up to date" : "applied: " + applied.joined(separator: ", "))
    }
}

struct Copy: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Copy a whole platform from its SQLite file to an empty PostgreSQL database, verified by recount.",
        discussion: """
            Every row of every table is copied with its id, in one PostgreSQL transaction; the id sequences continue
            after the copied ids. Before committing, the rows of every table are recounted on both sides and the
            counters are compared with the votes recounted: any difference, and nothing is written.
            Stop the server first (or copy a backup): writes made to the SQLite file during the copy are not copied.
            """)

    @Option(help: "The SQLite database file to copy.") var from: String
    @Option(help: "The empty PostgreSQL database: postgres://user:password@host:port/database (migrated first).") var to: String
    @Option(name: .customLong("keys-file"),
            help: "The keys file the SQLite file's personal data are sealed with (default: $CONTRIBUEZ_KEYS, else FROM.keys). The values are copied sealed: every node on the PostgreSQL database needs this same file.")
    var keysFile: String?

    func validate() throws {
        guard PostgresStore.isURL(to) else { throw ValidationError("--to must be a postgres:// URL") }
        guard FileManager.default.fileExists(atPath: from) else { throw ValidationError("--from: no SQLite file at \(from)") }
    }

    func run() async throws {
        var target = DatabaseOptions()
        target.databaseOption = to
        var source = DatabaseOptions()
        source.databaseOption = from
        source.keysFile = keysFile
        let keys = try source.keys()
        let store: PostgresStore
        do { store = try await PostgresStore(url: to, keys: keys) } catch {
            throw ValidationError("cannot open the database \(target.displayName): \(error)")
        }
        let started = Date()
        do {
            let report = try await PostgresCopy.run(from: from, to: store) { print("copied \($0)") }
            let rows = report.tables.reduce(0) { $0 + $1.rows }
            print("copy verified and committed: \(rows) rows in \(report.tables.count) tables, \(report.talliesChecked) counters equal to the votes recounted, in \(String(format: "%.1f", Date().timeIntervalSince(started))) s")
            print("personal data stay sealed with the keys of \(keys.path ?? "CONTRIBUEZ_KEYS"): start every node on \(target.displayName) with them (--keys-file or CONTRIBUEZ_KEYS)")
        } catch {
            throw ValidationError("copy failed, nothing was written to \(target.displayName): \(error)")
        }
    }
}

struct Import: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Import a consultation from another platform's open data.",
        subcommands: [ImportRepubliqueNumerique.self, ImportPolis.self, ImportDecidim.self, ImportVersion.self])
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
        let store = try await db.open()
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
        let store = try await db.open()
        guard let found = try await store.participant(email: email.trimmingCharacters(in: .whitespaces).lowercased()), found.email != nil else {
            throw ValidationError("no account with the e-mail \(email)")
        }
        // NB: the same commands as the pages and the API, with the machine's authority; each writes its audit entry.
        let ctx = CommandContext(store: store, clock: SystemClock(), hasher: NoHasher())
        if let id = consultation {
            if revoke {
                switch try await RevokeRole(actor: nil, consultationID: id, participantID: found.id, fromCommandLine: true).run(ctx) {
                case .done: print("\(email) no longer has a role on consultation \(id)")
                case .notFound:
                    guard try await store.consultation(id: id) != nil else { throw ValidationError("no consultation \(id)") }
                    print("\(email) had no role on consultation \(id)")
                default: throw ValidationError("the role could not be taken back")
                }
                return
            }
            guard let r = ConsultationRole(rawValue: role) else {
                throw ValidationError("role on a consultation must be one of: \(ConsultationRole.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            switch try await GrantRole(actor: nil, consultationID: id, participantID: found.id, role: r, fromCommandLine: true).run(ctx) {
            case .done: print("\(email) is now \(r.rawValue) of consultation \(id)")
            case .notFound: throw ValidationError("no consultation \(id)")
            default: throw ValidationError("the role could not be given")
            }
            return
        }
        guard !revoke else { throw ValidationError("--revoke needs --consultation") }
        guard let r = Role(rawValue: role) else {
            throw ValidationError("role must be one of: \(Role.allCases.map(\.rawValue).joined(separator: ", ")) (or use --consultation ID for organiser, moderator, answerer)")
        }
        guard case .done = try await GrantInstanceRole(actor: nil, participantID: found.id, role: r, fromCommandLine: true).run(ctx) else {
            throw ValidationError("no account with the e-mail \(email)")
        }
        print("\(email) is now \(r.rawValue)")
    }
}
