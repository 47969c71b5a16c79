import ContribuezCore
import Foundation
import HTTPTypes
import Hummingbird

/// The query parameters of the API, as `openapi.json` declares them, enforced (issue 13): a declared
/// parameter that is not an integer, out of its range, not one of its values or not a boolean is refused
/// with 400 (`invalid_query`) naming it, before any handler runs — the server and its contract cannot drift apart. Parameters
/// the document does not declare are ignored (clients add cache busters).
///
/// NB: only operations that document a 400 answer are checked here; those that document 422 for their query
/// (open data tables, sessions) check it in their handler, together with their other fields.
struct QueryContract: Sendable {
    enum Kind: Sendable {
        case integer(minimum: Int?, maximum: Int?)
        case boolean
        case oneOf([String])
        case text(minLength: Int?, maxLength: Int?)
    }

    struct Operation: Sendable {
        var method: HTTPRequest.Method
        var segments: [Substring]
        var parameters: [String: Kind]
    }

    let operations: [Operation]

    static let bundled = QueryContract(document: OpenAPIDocument.data)

    init(document: Data?) {
        guard let data = document, let doc = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let paths = doc["paths"] as? [String: [String: Any]] else { operations = []; return }
        let components = (doc["components"] as? [String: Any]) ?? [:]
        func resolve(_ value: [String: Any]) -> [String: Any] {
            guard let ref = value["$ref"] as? String else { return value }
            let parts = ref.split(separator: "/").dropFirst().map(String.init)  // "#/components/parameters/Page"
            var node: Any = doc
            for p in parts { node = (node as? [String: Any])?[p] ?? [:] }
            return node as? [String: Any] ?? [:]
        }
        _ = components
        var ops: [Operation] = []
        for (path, item) in paths {
            let shared = (item["parameters"] as? [[String: Any]]) ?? []
            for (method, value) in item {
                guard let op = value as? [String: Any], let m = HTTPRequest.Method(method.uppercased()) else { continue }
                var params: [String: Kind] = [:]
                for raw in shared + ((op["parameters"] as? [[String: Any]]) ?? []) {
                    let p = resolve(raw)
                    guard p["in"] as? String == "query", let name = p["name"] as? String else { continue }
                    let schema = resolve((p["schema"] as? [String: Any]) ?? [:])
                    switch schema["type"] as? String {
                    case "integer": params[name] = .integer(minimum: schema["minimum"] as? Int, maximum: schema["maximum"] as? Int)
                    case "boolean": params[name] = .boolean
                    case "string":
                        if let values = schema["enum"] as? [String] { params[name] = .oneOf(values) } else {
                            params[name] = .text(minLength: schema["minLength"] as? Int, maxLength: schema["maxLength"] as? Int)
                        }
                    default:
                        if let values = schema["enum"] as? [String] { params[name] = .oneOf(values) }
                    }
                }
                let responses = (op["responses"] as? [String: Any]) ?? [:]
                guard responses["400"] != nil, !params.isEmpty else { continue }
                ops.append(Operation(method: m, segments: path.split(separator: "/"), parameters: params))
            }
        }
        operations = ops
    }

    /// The declared parameters of the operation `method path` (a path under `/api/v1`), nil when none matches.
    func parameters(_ method: HTTPRequest.Method, _ path: String) -> [String: Kind]? {
        let parts = path.split(separator: "/")
        // NB: a literal segment beats a `{parameter}` one (`/sessions/current` before `/sessions/{id}`).
        let matches = operations.filter { op in
            op.method == method && op.segments.count == parts.count
                && zip(op.segments, parts).allSatisfy { $0.hasPrefix("{") || $0 == $1 }
        }
        return matches.max { a, b in a.segments.filter { !$0.hasPrefix("{") }.count < b.segments.filter { !$0.hasPrefix("{") }.count }?.parameters
    }

    /// The errors of the request's declared query parameters.
    func errors(_ method: HTTPRequest.Method, _ path: String, _ query: [(String, String)]) -> [FieldError] {
        guard let declared = parameters(method, path), !declared.isEmpty else { return [] }
        var errors: [FieldError] = []
        var seen: Set<String> = []
        for (name, value) in query {
            guard let kind = declared[name], !seen.contains(name) else { continue }
            seen.insert(name)
            switch kind {
            case .integer(let minimum, let maximum):
                guard let n = Int(value), minimum.map({ n >= $0 }) ?? true, maximum.map({ n <= $0 }) ?? true else {
                    errors.append(FieldError(field: name, rule: .invalid, limit: maximum, value: value))
                    continue
                }
            case .boolean:
                if value != "true" && value != "false" { errors.append(FieldError(field: name, rule: .invalid, value: value)) }
            case .oneOf(let values):
                if !values.contains(value) { errors.append(FieldError(field: name, rule: .unknownValue, value: values.joined(separator: ", "))) }
            case .text(let minLength, let maxLength):
                if let minLength, value.count < minLength { errors.append(FieldError(field: name, rule: .tooShort, limit: minLength)) }
                if let maxLength, value.count > maxLength { errors.append(FieldError(field: name, rule: .tooLong, limit: maxLength)) }
            }
        }
        return errors
    }
}

/// Refuses API requests whose declared query parameters break the contract (`QueryContract`).
struct QueryContractMiddleware: RouterMiddleware {
    typealias Context = WebContext
    let deps: WebDependencies
    let contract: QueryContract

    func handle(_ request: Request, context: WebContext, next: (Request, WebContext) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        guard path.hasPrefix("/api/v1/"), let query = request.uri.query, !query.isEmpty else { return try await next(request, context) }
        let pairs = request.uri.queryParameters.map { (String($0.key), String($0.value)) }
        let errors = contract.errors(request.method, String(path.dropFirst("/api/v1".count)), pairs)
        guard errors.isEmpty else {
            // NB: 400 (`invalid_query`), as the document's read routes already answered a bad `from`, `to` or `reason`.
            return APIHandlers.problem(
                .badRequest, "invalid_query", "Some query parameters are invalid.",
                errors: errors.map {
                    .init(field: $0.field, rule: $0.rule.rawValue, limit: $0.limit, message: deps.catalogue.message(for: $0, context.lang),
                          line: nil, otherLine: nil, value: $0.value,
                          accepted: $0.rule == .unknownValue ? $0.value?.components(separatedBy: ", ") : nil)
                })
        }
        return try await next(request, context)
    }
}
