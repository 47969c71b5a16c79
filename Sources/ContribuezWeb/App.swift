import ContribuezCore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdBcrypt
import Logging

/// bcrypt through hummingbird-auth, off the event loops (hashing is slow on purpose).
public struct BcryptHasher: PasswordHasher {
    public let cost: UInt8

    /// Cost 12 in production (≈ 250 ms here); tests use the minimum, 4.
    public init(cost: UInt8 = 12) { self.cost = cost }

    public func hash(_ password: String) async -> String {
        let cost = self.cost
        return await Task.detached { Bcrypt.hash(password, cost: cost) }.value
    }

    public func verify(_ password: String, against hash: String) async -> Bool {
        await Task.detached { Bcrypt.verify(password, hash: hash) }.value
    }
}

/// Catches whatever a handler throws: a clear page or problem document, never a stack trace; the error
/// is logged without request bodies (which may hold votes or passwords).
struct ErrorMiddleware: RouterMiddleware {
    typealias Context = WebContext
    let deps: WebDependencies

    func handle(_ request: Request, context: WebContext, next: (Request, WebContext) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError {
            var response = render(request, context, error.status, code: "http_\(error.status.code)", detail: error.body ?? error.status.reasonPhrase)
            // NB: what the error says in headers stays (Allow on a 405).
            for field in error.headers where response.headers[field.name] == nil { response.headers.append(field) }
            return response
        } catch {
            context.logger.error("request failed", metadata: ["path": .string(request.uri.path), "error": .string(String(describing: type(of: error)))])
            return render(request, context, .internalServerError, code: "internal", detail: deps.catalogue.text("error_internal", context.lang))
        }
    }

    func render(_ request: Request, _ context: WebContext, _ status: HTTPResponse.Status, code: String, detail: String) -> Response {
        if request.uri.path.hasPrefix("/api/") { return APIHandlers.problem(status, code, detail) }
        let s = Screen(deps: deps, context: context, request: request)
        let message = status == .notFound ? s.text("error_not_found") : (status == .internalServerError ? s.text("error_internal") : detail)
        return s.error(status, message)
    }
}

/// Builds the router with every page and API route; `buildApplication` adds the server configuration.
public func buildRouter(_ deps: WebDependencies) -> Router<WebContext> {
    let router = Router(context: WebContext.self)
    router.add(middleware: SecurityHeadersMiddleware<WebContext>(https: deps.secureCookies))
    router.add(middleware: ResponseMiddleware<WebContext>())
    router.add(middleware: ErrorMiddleware(deps: deps))
    router.add(middleware: SessionMiddleware(deps: deps))
    router.add(middleware: SecurityLogMiddleware(deps: deps))
    router.add(middleware: RateLimitMiddleware(deps: deps))
    let routeMethods = RouteMethods()
    router.add(middleware: MethodNotAllowedMiddleware(routes: routeMethods))
    router.add(middleware: QueryContractMiddleware(deps: deps, contract: .bundled))
    PageHandlers(deps: deps).register(on: router)
    APIHandlers(deps: deps).register(on: router)
    SynthesisHandlers(deps: deps).register(on: router)
    ProfileHandlers(deps: deps).register(on: router)
    UnsubscribePages(deps: deps).register(on: router)
    OrganiseHandlers(deps: deps).register(on: router)
    ModerationHandlers(deps: deps).register(on: router)
    FollowUpPages(deps: deps).register(on: router)
    OpenDataPages(deps: deps).register(on: router)
    PasswordChangePages(deps: deps).register(on: router)
    SessionsPages(deps: deps).register(on: router)
    DisavowalPages(deps: deps).register(on: router)
    AccountReviewPages(deps: deps).register(on: router)
    SecondFactorPages(deps: deps).register(on: router)
    DebatePages(deps: deps).register(on: router)
    DebateKitPages(deps: deps).register(on: router)
    // NB: the cheapest route (the benchmark ceiling): one `SELECT 1` on a pooled connection, no session.
    router.get("/health") { [store = deps.store] _, context -> Response in
        do {
            try await store.ping()
            return Response(status: .ok, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: "ok")))
        } catch {
            context.logger.warning("health: database unreachable", metadata: ["error": .string(String(describing: error))])
            return Response(
                status: .serviceUnavailable, headers: [.contentType: "text/plain; charset=utf-8", .retryAfter: "5"],
                body: .init(byteBuffer: ByteBuffer(string: "database unreachable")))
        }
    }
    routeMethods.load(router.routes)
    return router
}

public func buildApplication(
    _ deps: WebDependencies, host: String, port: Int, logger: Logger
) -> some ApplicationProtocol {
    Application(
        router: buildRouter(deps),
        configuration: .init(address: .hostname(host, port: port), serverName: "Contribuez"),
        logger: logger)
}

/// Loads the bundled catalogue and templates.
public func makeDependencies(
    store: any Store, clock: any Clock = SystemClock(), hasher: any PasswordHasher = BcryptHasher(),
    secrets: any SecretGenerator = SystemSecretGenerator(), secureCookies: Bool = false
) async throws -> WebDependencies {
    let deps = WebDependencies(
        store: store, clock: clock, hasher: hasher, secrets: secrets, catalogue: try Catalogue.bundled(),
        views: try await Views.bundled(), secureCookies: secureCookies)
    await deps.formStamps.loadSharedKey(store, clock: clock)
    return deps
}

/// Serves `Resources/openapi.json` as written.
enum OpenAPIDocument {
    static let data: Data? = Bundle.module.url(forResource: "openapi", withExtension: "json", subdirectory: "Resources")
        .flatMap { try? Data(contentsOf: $0) }

    static func response() -> Response {
        guard let data else { return APIHandlers.problem(.notFound, "not_found", "No OpenAPI document bundled.") }
        return Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
