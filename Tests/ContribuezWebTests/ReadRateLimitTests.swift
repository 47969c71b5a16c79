import ContribuezCore
import Foundation
import HTTPTypes
import Testing

@testable import ContribuezWeb

/// The read limit of the API (issue 13): GET and HEAD under `/api/v1/` count per client address, in the
/// database like the other limits; past it, 429 problem+json with `Retry-After`. Pages are not counted.
@Suite("API read limit")
struct ReadRateLimitTests {
    @Test("past read.address, API reads get 429 problem+json with Retry-After and the rule named; pages and writes are not reads")
    func readsLimited() async throws {
        // setup: 3 API reads a minute per address
        let server = try await RateLimitHTTPTests.server(try RateLimitHTTPTests.policy("read.address=3/60"))
        let id = server.demo.id
        try await server.run { b in
            // act
            var statuses: [HTTPResponse.Status] = []
            for path in ["/consultations", "/consultations/\(id)", "/consultations/\(id)/proposals"] {
                statuses.append(try await b.api(.get, path).status)
            }
            let fourth = try await b.api(.get, "/consultations")
            let page = try await b.get("/consultations/\(id)")
            // check
            #expect(statuses == [.ok, .ok, .ok])
            #expect(fourth.status == .tooManyRequests)
            #expect(fourth.headers[.contentType] == "application/problem+json")
            #expect(fourth.json["rule"] as? String == "read.address" && fourth.json["type"] as? String == "urn:contribuez:problem:rate_limited")
            let wait = try #require(fourth.headers[.retryAfter].flatMap { Int($0) })
            #expect((1...60).contains(wait))
            #expect((fourth.json["detail"] as? String)?.contains("Trop de requêtes à l’API depuis votre réseau") == true, "\(fourth.body)")
            #expect(page.status == .ok, "pages are not API reads")
        }
        #expect(RateLimitRoutes.action(.get, "/api/v1/consultations") == .read)
        #expect(RateLimitRoutes.action(.head, "/api/v1/me") == .read)
        #expect(RateLimitRoutes.action(.get, "/consultations") == nil)
        #expect(RateLimitRoutes.action(.put, "/api/v1/articles/7/vote") == .vote)
        #expect(RateLimitRoutes.action(.post, "/api/v1/accounts") == .signUp)
        #expect(RateLimit.Policy.production.rule(.read, .address) == RateLimit.Rule(.read, .address, limit: 600, window: 60))
    }
}
