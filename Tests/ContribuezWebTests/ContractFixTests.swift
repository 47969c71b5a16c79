import ContribuezCore
import Foundation
import HTTPTypes
import Testing

@testable import ContribuezWeb

/// Where schemathesis found the server and its OpenAPI document apart (issue 13), the server now says what the
/// document says: 405 with Allow for a method a routed path does not answer, and 400 naming the parameter for a
/// declared query parameter out of its type, range or values.
@Suite("Contract fixes")
struct ContractFixTests {
    @Test("TRACE, OPTIONS and undeclared methods on a routed path answer 405 with Allow (pages and API); unknown paths stay 404")
    func methodNotAllowed() async throws {
        let server = try await TestServer.make()
        try await server.run { b in
            let token = try await b.apiAccount("methodes@example.fr")
            // act
            let trace = try await b.request(.init("TRACE")!, "/api/v1/me", headers: [.authorization: "Bearer \(token)"])
            let options = try await b.request(.options, "/api/v1/consultations")
            let patch = try await b.request(.patch, "/api/v1/me/password", headers: [.contentType: "application/json"], body: "{}")
            let page = try await b.request(.put, "/consultations/\(server.demo.id)")
            let unknown = try await b.request(.init("TRACE")!, "/api/v1/nulle-part")
            let known = try await b.api(.get, "/me", token: token)
            // check
            #expect(trace.status == .methodNotAllowed && trace.headers[.allow] == "DELETE, GET, HEAD")
            #expect(trace.headers[.contentType] == "application/problem+json" && trace.json["type"] as? String == "urn:contribuez:problem:http_405")
            #expect(options.status == .methodNotAllowed && options.headers[.allow] == "GET, HEAD, POST")
            #expect(patch.status == .methodNotAllowed && patch.headers[.allow] == "PUT")
            #expect(page.status == .methodNotAllowed && page.headers[.allow]?.contains("GET") == true, "\(page.status) \(page.headers)")
            #expect(page.headers[.contentType]?.hasPrefix("text/html") == true, "a page answers a page")
            #expect(unknown.status == .notFound)
            #expect(known.status == .ok)
        }
    }

    @Test("a declared query parameter out of its type, range or values is refused with 400 naming it; undeclared ones are ignored")
    func queryParameters() async throws {
        let server = try await TestServer.make()
        try await server.run { b in
            let token = try await b.apiAccount("requetes@example.fr")
            let article = try await server.firstArticle()
            // act
            let tooMany = try await b.api(.get, "/consultations/\(server.demo.id)/proposals?perPage=101")
            let notANumber = try await b.api(.get, "/articles/\(article.id)?page=deux&perPage=0")
            let badKind = try await b.api(.get, "/articles/\(article.id)?kind=poeme")
            let badOrder = try await b.api(.get, "/articles/\(article.id)?order=hasard")
            let notifications = try await b.api(.get, "/notifications?perPage=-1", token: token)
            let fine = try await b.api(.get, "/consultations/\(server.demo.id)/proposals?perPage=100&page=2&_=12345")
            // check
            for (what, r, fields) in [("perPage=101", tooMany, ["perPage"]), ("page=deux&perPage=0", notANumber, ["page", "perPage"]),
                                      ("kind", badKind, ["kind"]), ("order", badOrder, ["order"]), ("notifications", notifications, ["perPage"])] {
                #expect(r.status == .badRequest, "\(what): \(r.status)")
                #expect(r.json["type"] as? String == "urn:contribuez:problem:invalid_query", "\(what)")
                let named = (r.json["errors"] as? [[String: Any]] ?? []).compactMap { $0["field"] as? String }
                #expect(Set(named) == Set(fields), "\(what): \(named)")
            }
            let accepted = (badKind.json["errors"] as? [[String: Any]])?.first?["accepted"] as? [String]
            #expect(accepted == ["amendment", "argument", "source"])
            #expect(fine.status == .ok, "in range, and an undeclared cache buster is ignored")
        }
    }

    @Test("a page past 1,000,000,000 is refused naming `page` (page=2^57 overflowed the offset and killed the node); the last page allowed answers empty")
    func pageOverflow() async throws {
        let server = try await TestServer.make()
        try await server.run { b in
            let token = try await b.apiAccount("pages@example.fr")
            // act
            let huge = try await b.api(.get, "/consultations/\(server.demo.id)/proposals?page=144115188075855872")
            let last = try await b.api(.get, "/consultations/\(server.demo.id)/proposals?page=1000000000&perPage=100")
            let sessions = try await b.api(.get, "/sessions?page=144115188075855872", token: token)
            let alive = try await b.api(.get, "/me", token: token)
            // check
            #expect(huge.status == .badRequest && huge.json["type"] as? String == "urn:contribuez:problem:invalid_query", "\(huge.status) \(huge.body)")
            #expect((huge.json["errors"] as? [[String: Any]] ?? []).compactMap { $0["field"] as? String } == ["page"])
            #expect(last.status == .ok, "\(last.body)")
            #expect((last.json["items"] as? [Any])?.isEmpty == true, "\(last.body)")
            #expect(sessions.status == .unprocessableContent && sessions.body.contains("\"page\""), "\(sessions.status) \(sessions.body)")
            #expect(PageRequest(page: Int.max, perPage: 100).page == PageRequest.maxPage)
            #expect(alive.status == .ok)
        }
    }

    @Test("the contract says an article takes agree, mixed or disagree, as the server does")
    func articleVoteValues() throws {
        let data = try #require(OpenAPIDocument.data)
        let doc = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let schemas = try #require((doc["components"] as? [String: Any])?["schemas"] as? [String: Any])
        let opinion = try #require(schemas["OpinionVoteRequest"] as? [String: Any])
        let value = try #require((opinion["properties"] as? [String: Any])?["value"] as? [String: Any])
        #expect(value["enum"] as? [String] == VoteValue.allCases.filter { $0 != .useful }.map(\.rawValue))
    }
}
