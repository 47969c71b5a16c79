import Foundation
import HTTPTypes
import Hummingbird

/// The methods each routed path answers, filled once every route is registered (`buildRouter`).
final class RouteMethods: @unchecked Sendable {
    private let lock = NSLock()
    private var patterns: [(segments: [Substring], methods: Set<HTTPRequest.Method>)] = []

    func load(_ routes: [Router<WebContext>.RouteDescription]) {
        var byPath: [String: Set<HTTPRequest.Method>] = [:]
        for route in routes { byPath["\(route.path)", default: []].insert(route.method) }
        let loaded = byPath.map { (segments: Self.segments($0.key), methods: $0.value) }
        lock.withLock { patterns = loaded }
    }

    static func segments(_ path: String) -> [Substring] {
        path.split(separator: "/", omittingEmptySubsequences: true)
    }

    /// The methods of the routes whose pattern matches `path` (`:name` and `*` match one segment); empty when none does.
    func methods(for path: String) -> Set<HTTPRequest.Method> {
        let parts = Self.segments(path)
        let all = lock.withLock { patterns }
        var found: Set<HTTPRequest.Method> = []
        for p in all where p.segments.count == parts.count {
            if zip(p.segments, parts).allSatisfy({ pattern, part in pattern.hasPrefix(":") || pattern.hasPrefix("{") || pattern == "*" || pattern == part }) {
                found.formUnion(p.methods)
            }
        }
        return found
    }
}

/// A method no route of a routed path answers (TRACE, OPTIONS, PATCH on a read-only resource…) gets 405 with
/// `Allow` (RFC 9110 §15.5.6), not 404: the path exists. An unknown path stays 404.
struct MethodNotAllowedMiddleware: RouterMiddleware {
    typealias Context = WebContext
    let routes: RouteMethods

    func handle(_ request: Request, context: WebContext, next: (Request, WebContext) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            var allowed = routes.methods(for: request.uri.path)
            guard !allowed.isEmpty, !allowed.contains(request.method) else { throw error }
            if allowed.contains(.get) { allowed.insert(.head) }
            let allow = allowed.map(\.rawValue).sorted().joined(separator: ", ")
            throw HTTPError(.methodNotAllowed, headers: [.allow: allow], message: "\(request.method.rawValue) is not allowed here; allowed: \(allow)")
        }
    }
}
