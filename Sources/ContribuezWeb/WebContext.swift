import ContribuezCore
import Foundation
import Hummingbird
import Logging

/// Per-request state: who is signed in, the language, the CSRF token to use.
public struct WebContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The signed-in participant's session (cookie for pages, bearer token for the API).
    var session: SessionRecord?
    var sessionTokenHash: String?
    /// Set when this request replaced the session's token (a privilege change): the response carries the new cookie.
    var rotatedSession: (token: String, expiresAt: Date)?
    /// A session whose holder gave the password but not yet the second factor's code (issue 13).
    var pendingSecondFactor: (session: SessionRecord, tokenHash: String)?
    /// Set when the session holds staff roles but was not verified by a second factor: the roles are withheld
    /// (`StaffSecondFactor`) and pages say how to enrol (issue 13).
    var staffRolesWithheld = false
    var lang: Lang = .fr
    /// The anonymous visitor's CSRF token (double-submit cookie) when there is no session.
    var visitorCSRF: String?
    /// Set when the visitor had no CSRF cookie yet: the response sets it.
    var issueVisitorCSRF = false
    /// The signed-in participant's unread notifications, for the layout's nav (pages only).
    var unreadNotifications: Int?

    /// The TCP peer's address (a proxy's when behind one): rate limits resolve the client from it.
    var peerAddress: String?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        peerAddress = source.channel.remoteAddress?.ipAddress
    }

    var actor: Actor? { session?.actor }
    var participant: Participant? { session?.participant }

    /// The token forms must carry: bound to the session when signed in, else the visitor cookie's.
    var csrfToken: String { session?.csrfToken ?? visitorCSRF ?? "" }
}

/// Everything the handlers need, built once by `buildApplication`.
public struct WebDependencies: Sendable {
    public var store: any Store
    public var clock: any Clock
    public var hasher: any PasswordHasher
    public var secrets: any SecretGenerator
    public var catalogue: Catalogue
    public var views: Views
    /// Adds `Secure` to cookies: set when served behind HTTPS.
    public var secureCookies: Bool
    /// Whether `serve` sends the outbox through an SMTP server (the admin page says when it does not).
    public var smtpConfigured = false
    /// Absolute base of links in mails, without the trailing slash (`serve --public-url`); tests leave it nil.
    public var publicURL: String?
    /// Decoded synthesis reports of this store's runs (one cache per application, so per database).
    let synthesisReports = SynthesisReportCache(capacity: 16)
    /// Engagement candidates of closed consultations, for a few seconds.
    let engagementCache = EngagementCache()
    /// Rate limits (issue 13): production rules, no trusted proxy, unless `serve` says otherwise.
    public var rateLimits = RateLimitSettings()
    let rateLimitPurge = RateLimitPurge()
    /// Honeypot and minimum fill time of public forms (issue 13); `makeDependencies` loads the shared key.
    public var formStamps = FormStampSettings()
    /// Where security events go (SecurityLogMiddleware); tests give a capturing handler.
    public var securityLogger = Logger(label: "contribuez.security")
    /// Idle and absolute session timeouts, participants and staff (issue 13; `serve --session-*`).
    public var sessionPolicy = SessionPolicy.production
    /// Staff act as staff only from a session verified by a second factor (issue 13). Tests that are not about it
    /// turn it off (`TestServer`); `serve` always requires it.
    public var staffSecondFactor = true

    public init(
        store: any Store, clock: any Clock, hasher: any PasswordHasher, secrets: any SecretGenerator,
        catalogue: Catalogue, views: Views, secureCookies: Bool
    ) {
        self.store = store; self.clock = clock; self.hasher = hasher; self.secrets = secrets
        self.catalogue = catalogue; self.views = views; self.secureCookies = secureCookies
    }

    var commands: CommandContext { CommandContext(store: store, clock: clock, hasher: hasher) }
}

/// Loads the session and language before handlers run; issues the visitor CSRF cookie after.
struct SessionMiddleware: RouterMiddleware {
    typealias Context = WebContext
    let deps: WebDependencies

    func handle(_ request: Request, context: WebContext, next: (Request, WebContext) async throws -> Response) async throws -> Response {
        var context = context
        let isAPI = request.uri.path.hasPrefix("/api/")
        var token: String?
        if isAPI {
            if let auth = request.headers[.authorization], auth.lowercased().hasPrefix("bearer ") {
                token = String(auth.dropFirst(7)).trimmingCharacters(in: .whitespaces)
            }
        } else {
            token = request.cookies[Cookies.session]?.value
        }
        if let token, Tokens.wellFormed(token) {
            let hash = Tokens.hash(token)
            if let record = try await deps.store.session(tokenHash: hash, at: deps.clock.now()) {
                switch try await SessionLifecycle(deps: deps).resume(record, tokenHash: hash) {
                case .live(let live):
                    context.session = live
                    context.sessionTokenHash = hash
                case .rotated(let live, let token, let newHash, let expiresAt):
                    context.session = live
                    context.sessionTokenHash = newHash
                    context.rotatedSession = (token, expiresAt)
                case .ended:
                    break
                }
                // A session of an account with a second factor gives no access until its holder gives a code
                // (`/connexion/code`): until then it is kept aside, and the request runs signed out.
                if let session = context.session, session.awaitsSecondFactor {
                    context.pendingSecondFactor = (session, context.sessionTokenHash ?? hash)
                    context.session = nil
                    context.sessionTokenHash = nil
                }
                if deps.staffSecondFactor, let session = context.session, StaffSecondFactor.withholds(session) {
                    context.session = StaffSecondFactor.withheld(session)
                    context.staffRolesWithheld = true
                }
            }
        }
        if let cookie = request.cookies[Cookies.lang]?.value, let lang = Lang(rawValue: cookie) {
            context.lang = lang
        } else {
            context.lang = Lang.negotiate(request.headers[.acceptLanguage])
        }
        if !isAPI, let record = context.session, request.method == .get {
            context.unreadNotifications = record.unreadNotifications
        }
        if !isAPI {
            if let csrf = request.cookies[Cookies.csrf]?.value, Tokens.wellFormed(csrf) {
                context.visitorCSRF = csrf
            } else {
                context.visitorCSRF = deps.secrets.secret(bytes: 32)
                context.issueVisitorCSRF = true
            }
        }
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as any HTTPResponseError where context.rotatedSession != nil {
            // The old token is already dead: an error page must still hand over the new one.
            response = try error.response(from: request, context: context)
        }
        if let rotated = context.rotatedSession {
            if isAPI {
                response.headers[SessionLifecycle.rotatedTokenHeader] = rotated.token
            } else if response.headers[values: .setCookie].allSatisfy({ !$0.hasPrefix(Cookies.session + "=") }) {
                response.setCookie(SessionLifecycle(deps: deps).cookie(rotated.token, expiresAt: rotated.expiresAt))
            }
        }
        if context.issueVisitorCSRF, let csrf = context.visitorCSRF {
            response.setCookie(Cookie(name: Cookies.csrf, value: csrf, path: "/", secure: deps.secureCookies, httpOnly: true, sameSite: .lax))
        }
        return response
    }
}
