import CompressNIO
import ContribuezCore
import ContribuezWeb
import Foundation
import HTTPTypes
import NIOCore
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
            // The gzip magic number, a body much smaller than the page, and the same page once inflated.
            #expect(zipped.bytes.prefix(2) == [0x1f, 0x8b])
            #expect(zipped.bytes.count * 2 < plain.bytes.count)
            var compressed = ByteBuffer(bytes: zipped.bytes)
            let inflated = try compressed.decompress(with: .gzip())
            #expect(String(buffer: inflated) == plain.body)
            #expect(zipped.headers[.eTag] == plain.headers[.eTag])
        }
    }

    @Test("errors and state-changing requests are left alone: no ETag, no 304, no gzip")
    func leftAlone() async throws {
        let server = try await TestServer.make()
        let article = try await server.firstArticle()
        try await server.run { b in
            let missing = try await b.get("/consultations/424242", headers: [.acceptEncoding: "gzip"])
            #expect(missing.status == .notFound)
            #expect(missing.headers[.eTag] == nil)
            #expect(missing.headers[.contentEncoding] == nil)
            // A POST (a refused vote here: no CSRF token) with a matching If-None-Match is still answered in full.
            let page = try await b.get("/articles/\(article.id)")
            let etag = try #require(page.headers[.eTag])
            let posted = try await b.request(.post, "/articles/\(article.id)/vote",
                                             headers: [.ifNoneMatch: etag, .acceptEncoding: "gzip", .contentType: "application/x-www-form-urlencoded"],
                                             body: "value=agree")
            #expect(posted.status != .notModified)
            #expect(posted.headers[.eTag] == nil)
            #expect(posted.headers[.contentEncoding] == nil)
            #expect(!posted.bytes.isEmpty)
            // A successful state change (an API vote, 200 with a body) carries no validator either: a cache must not keep it.
            let token = try await b.apiAccount("etag@example.org")
            let voted = try await b.request(.put, "/api/v1/articles/\(article.id)/vote",
                                            headers: [.authorization: "Bearer \(token)", .contentType: "application/json", .acceptEncoding: "gzip"],
                                            body: "{\"value\":\"agree\"}")
            #expect(voted.status == .ok, "\(voted.body)")
            #expect(voted.headers[.eTag] == nil)
            #expect(voted.headers[.contentEncoding] == nil)
        }
    }
}
