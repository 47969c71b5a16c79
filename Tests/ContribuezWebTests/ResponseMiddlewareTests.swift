import ContribuezCore
import ContribuezWeb
import Foundation
import HTTPTypes
import Testing

@Suite("Cheap repeated reads: ETag, 304, Cache-Control, gzip (issue 10)")
struct ResponseMiddlewareTests {
    @Test("a page carries a weak ETag and private revalidation; the same ETag back gets 304 without a body")
    func conditionalPage() async throws {
        let server = try await TestServer.make()
        try await server.run { b in
            // setup
            let first = try await b.get("/consultations/\(server.demo.id)")
            let etag = try #require(first.headers[.eTag])
            // act
            let again = try await b.get("/consultations/\(server.demo.id)", headers: [.ifNoneMatch: etag])
            let other = try await b.get("/consultations/\(server.demo.id)", headers: [.ifNoneMatch: "W/\"0000\""])
            // check
            #expect(etag.hasPrefix("W/\""))
            #expect(first.headers[.cacheControl] == "private, no-cache")
            #expect(again.status == .notModified)
            #expect(again.body.isEmpty)
            #expect(again.headers[.eTag] == etag)
            #expect(other.status == .ok)
        }
    }

    @Test("anonymous API reads may be kept by shared caches a few seconds; signed-in ones are private")
    func apiCaching() async throws {
        let server = try await TestServer.make()
        try await server.run { b in
            let token = try await b.apiAccount("cache@example.org")
            let anonymous = try await b.api(.get, "/consultations/\(server.demo.id)")
            let signedIn = try await b.api(.get, "/consultations/\(server.demo.id)", token: token)
            #expect(anonymous.headers[.cacheControl] == "public, max-age=5")
            #expect(signedIn.headers[.cacheControl] == "private, no-cache")
        }
    }

    @Test("large pages are gzipped when the client accepts it, and the content is the same")
    func gzip() async throws {
        let server = try await TestServer.make()
        let article = try await server.firstArticle()
        try await server.run { b in
            // act
            let plain = try await b.get("/articles/\(article.id)")
            let zipped = try await b.request(.get, "/articles/\(article.id)", headers: [.acceptEncoding: "gzip, deflate, br"])
            let refused = try await b.request(.get, "/articles/\(article.id)", headers: [.acceptEncoding: "gzip;q=0, identity"])
            // check
            #expect(plain.headers[.contentEncoding] == nil)
            #expect(zipped.headers[.contentEncoding] == "gzip")
            #expect(zipped.headers[.vary]?.contains("Accept-Encoding") == true)
            #expect(refused.headers[.contentEncoding] == nil)
            // The gzip magic number, and a body much smaller than the page.
            let bytes = Array(zipped.body.utf8)
            #expect(bytes.count < plain.body.utf8.count)
            #expect(zipped.headers[.eTag] == plain.headers[.eTag])
        }
    }

    @Test("errors and state-changing requests are left alone")
    func leftAlone() async throws {
        let server = try await TestServer.make()
        try await server.run { b in
            let missing = try await b.get("/consultations/424242")
            #expect(missing.status == .notFound)
            #expect(missing.headers[.eTag] == nil)
        }
    }
}
