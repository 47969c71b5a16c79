import ContribuezCore
import ContribuezStore
import ContribuezWeb
import Foundation
import HTTPTypes
import Testing

@Suite("JSON API")
struct APITests {
    @Test("accounts and sessions: 201, duplicate 409, wrong password 401, /me with the bearer token")
    func accounts() async throws {
        let server = try await TestServer.make()
        try await server.run { b in
            // act
            let token = try await b.apiAccount("api@example.fr")
            let dup = try await b.api(.post, "/accounts", json: ["email": "API@example.fr", "password": "cheval agrafe pile", "displayName": "X", "kind": "citizen"])
            let wrong = try await b.api(.post, "/sessions", json: ["email": "api@example.fr", "password": "mauvais mot de passe"])
            let me = try await b.api(.get, "/me", token: token)
            let anonymous = try await b.api(.get, "/me")
            let bogus = try await b.api(.get, "/me", token: "not-a-real-token")
            // check
            #expect(dup.status == .conflict)
            #expect(dup.headers[.contentType] == "application/problem+json")
            #expect(dup.json["type"] as? String == "urn:contribuez:problem:duplicate_email")
            #expect(wrong.status == .unauthorized)
            #expect(me.status == .ok)
            #expect(me.json["displayName"] as? String == "API api@example.fr")
            #expect((me.json["url"] as? String)?.hasPrefix("/participants/") == true)
            #expect(anonymous.status == .unauthorized)
            #expect(bogus.status == .unauthorized)
            let out = try await b.api(.delete, "/sessions/current", token: token)
            #expect(out.status == .noContent)
            #expect(try await b.api(.get, "/me", token: token).status == .unauthorized)
        }
    }

    @Test("bad bodies get problem documents: malformed JSON, invalid UTF-8, wrong types, missing fields, over-long fields")
    func badBodies() async throws {
        let server = try await TestServer.make()
        let article = try await server.firstArticle()
        try await server.run { b in
            let token = try await b.apiAccount("bad@example.fr")
            let malformed = try await b.api(.post, "/accounts", raw: "{\"email\": ")
            let notObject = try await b.api(.post, "/accounts", raw: "[1,2]")
            let utf8 = try await b.api(.post, "/articles/\(article.id)/arguments", token: token, bytes: Array("{\"stance\":\"for\",\"text\":\"".utf8) + [0xFF, 0xFE] + Array("\"}".utf8))
            let wrongType = try await b.api(.put, "/articles/\(article.id)/vote", token: token, json: ["value": 1])
            let missing = try await b.api(.post, "/accounts", json: ["email": "m@example.fr"])
            let long = try await b.api(.post, "/articles/\(article.id)/arguments", token: token, json: ["stance": "for", "text": String(repeating: "é", count: 2001)])
            let shortPassword = try await b.api(.post, "/accounts", json: ["email": "s@example.fr", "password": "court", "displayName": "S", "kind": "citizen"])
            let badKind = try await b.api(.post, "/accounts", json: ["email": "k@example.fr", "password": "cheval agrafe pile", "displayName": "K", "kind": "robot"])
            let formType = try await b.request(.post, "/api/v1/accounts", headers: [.contentType: "text/plain"], body: "x")
            #expect(malformed.status == .badRequest)
            #expect(malformed.headers[.contentType] == "application/problem+json")
            #expect(malformed.json["status"] as? Int == 400)
            #expect(notObject.status == .badRequest)
            #expect(utf8.status == .badRequest)
            #expect(utf8.json["type"] as? String == "urn:contribuez:problem:invalid_utf8")
            #expect(wrongType.status == .unprocessableContent)
            #expect(missing.status == .unprocessableContent)
            let fields = (missing.json["errors"] as? [[String: Any]] ?? []).compactMap { $0["field"] as? String }
            #expect(Set(fields) == ["password", "displayName", "kind"])
            #expect(long.status == .unprocessableContent)
            let e = (long.json["errors"] as? [[String: Any]])?.first
            #expect(e?["rule"] as? String == "too_long")
            #expect(e?["limit"] as? Int == 2000)
            #expect(shortPassword.status == .unprocessableContent)
            #expect(badKind.status == .unprocessableContent)
            #expect(formType.status == .unsupportedMediaType)
            #expect(try await server.store.credentials(email: "m@example.fr") == nil)
        }
    }

    @Test("consultations, a consultation with tallies, an article with paginated contributions")
    func reading() async throws {
        let server = try await TestServer.make()
        let article = try await server.firstArticle()
        try await server.run { b in
            let list = try await b.api(.get, "/consultations")
            let one = try await b.api(.get, "/consultations/\(server.demo.id)")
            let art = try await b.api(.get, "/articles/\(article.id)?perPage=1&page=2")
            let args = try await b.api(.get, "/articles/\(article.id)?kind=argument")
            let badKind = try await b.api(.get, "/articles/\(article.id)?kind=nope")
            let proposals = try await b.api(.get, "/consultations/\(server.demo.id)/proposals")
            let missing = try await b.api(.get, "/articles/424242")
            let notANumber = try await b.api(.get, "/consultations/abc")
            #expect(list.status == .ok)
            let items = try #require(list.json["items"] as? [[String: Any]])
            #expect(items.first?["url"] as? String == "/consultations/\(server.demo.id)")
            #expect(items.first?["phase"] as? String == "open")
            let sections = try #require(one.json["sections"] as? [[String: Any]])
            let firstArticle = try #require((sections.first?["articles"] as? [[String: Any]])?.first)
            #expect(firstArticle["id"] as? Int == Int(article.id))
            #expect(firstArticle["url"] as? String == "/articles/\(article.id)")
            #expect((firstArticle["tally"] as? [String: Int]) == ["agree": 4, "mixed": 1, "disagree": 1])
            let page = try #require(art.json["contributions"] as? [String: Any])
            #expect(page["page"] as? Int == 2)
            #expect(page["perPage"] as? Int == 1)
            #expect((page["items"] as? [Any])?.count == 1)
            #expect((page["total"] as? Int ?? 0) >= 3)
            let argItems = try #require((args.json["contributions"] as? [String: Any])?["items"] as? [[String: Any]])
            #expect(argItems.allSatisfy { $0["kind"] as? String == "argument" && ($0["tally"] as? [String: Int])?["useful"] != nil })
            #expect(argItems.allSatisfy { ($0["url"] as? String)?.hasPrefix("/contributions/") == true })
            #expect(badKind.status == .badRequest)
            #expect(proposals.status == .ok)
            #expect(missing.status == .notFound)
            #expect(missing.headers[.contentType] == "application/problem+json")
            #expect(notANumber.status == .notFound)
        }
    }

    @Test("votes: PUT sets and changes, DELETE withdraws, wrong values 422, useful only on arguments and sources")
    func votes() async throws {
        let server = try await TestServer.make()
        let article = try await server.firstArticle()
        let arg = try #require(try await server.store.contributions(ContributionQuery(articleID: article.id, kind: .argument), page: PageRequest()).items.first)
        try await server.run { b in
            let token = try await b.apiAccount("voter@example.fr")
            let put = try await b.api(.put, "/articles/\(article.id)/vote", token: token, json: ["value": "disagree"])
            let change = try await b.api(.put, "/articles/\(article.id)/vote", token: token, json: ["value": "mixed"])
            let mine = try await b.api(.get, "/articles/\(article.id)", token: token)
            let bad = try await b.api(.put, "/articles/\(article.id)/vote", token: token, json: ["value": "maybe"])
            let usefulOnArticle = try await b.api(.put, "/articles/\(article.id)/vote", token: token, json: ["value": "useful"])
            let agreeOnArgument = try await b.api(.put, "/contributions/\(arg.contribution.id)/vote", token: token, json: ["value": "agree"])
            let usefulBefore = try await server.store.tallies([.contribution(arg.contribution.id)])[.contribution(arg.contribution.id)]?.useful ?? 0
            let useful = try await b.api(.put, "/contributions/\(arg.contribution.id)/vote", token: token, json: ["value": "useful"])
            let del = try await b.api(.delete, "/articles/\(article.id)/vote", token: token)
            let anonymous = try await b.api(.put, "/articles/\(article.id)/vote", json: ["value": "agree"])
            let unknown = try await b.api(.put, "/articles/999999/vote", token: token, json: ["value": "agree"])
            #expect(put.status == .ok)
            #expect((put.json["tally"] as? [String: Int]) == ["agree": 4, "mixed": 1, "disagree": 2])
            #expect((change.json["tally"] as? [String: Int]) == ["agree": 4, "mixed": 2, "disagree": 1])
            #expect(mine.json["myVote"] as? String == "mixed")
            #expect(bad.status == .unprocessableContent)
            #expect(usefulOnArticle.status == .unprocessableContent)
            #expect(agreeOnArgument.status == .unprocessableContent)
            #expect(useful.status == .ok)
            #expect((useful.json["tally"] as? [String: Int])?["useful"] == usefulBefore + 1)
            #expect(del.status == .noContent)
            #expect(anonymous.status == .unauthorized)
            #expect(unknown.status == .notFound)
            #expect(try await server.store.tallies([.article(article.id)])[.article(article.id)] == Tally(agree: 4, mixed: 1, disagree: 1))
        }
    }

    @Test("fifty concurrent identical votes through the API store exactly one")
    func concurrentVotes() async throws {
        let server = try await TestServer.make()
        let article = try await server.firstArticle()
        try await server.run { b in
            let token = try await b.apiAccount("race@example.fr")
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for _ in 0..<50 {
                    group.addTask {
                        let c = Browser(client: b.client)
                        return try await c.api(.put, "/articles/\(article.id)/vote", token: token, json: ["value": "disagree"]).status
                    }
                }
                var all: [HTTPResponse.Status] = []
                for try await s in group { all.append(s) }
                return all
            }
            #expect(statuses.allSatisfy { $0 == .ok })
            #expect(try await server.store.tallies([.article(article.id)])[.article(article.id)] == Tally(agree: 4, mixed: 1, disagree: 2))
            var events = 0
            for e in try await server.store.voteEvents(after: 0, limit: 10_000) where e.target == .article(article.id) && e.value == .disagree { events += 1 }
            #expect(events == 2, "one demo vote and one of ours")
        }
    }

    @Test("contributions through the API: 201 with id, url and tally; then readable")
    func contributing() async throws {
        let server = try await TestServer.make()
        let article = try await server.firstArticle()
        try await server.run { b in
            let token = try await b.apiAccount("contrib@example.fr", kind: "company", organization: "ACME")
            let amendment = try await b.api(.post, "/articles/\(article.id)/amendments", token: token, json: ["text": "Nouvelle rédaction.", "rationale": "Plus court."])
            let amendmentID = try #require(amendment.json["id"] as? Int)
            let argument = try await b.api(.post, "/contributions/\(amendmentID)/arguments", token: token, json: ["stance": "against", "text": "Trop court."])
            let argOnArticle = try await b.api(.post, "/articles/\(article.id)/arguments", token: token, json: ["stance": "for", "text": "Bien vu."])
            let argumentID = try #require(argument.json["id"] as? Int)
            let argOnArg = try await b.api(.post, "/contributions/\(argumentID)/arguments", token: token, json: ["stance": "for", "text": "Non."])
            let source = try await b.api(.post, "/articles/\(article.id)/sources", token: token, json: ["url": "https://www.insee.fr/", "title": "INSEE", "summary": "Statistiques."])
            let sourceOnAmendment = try await b.api(.post, "/contributions/\(amendmentID)/sources", token: token, json: ["url": "https://www.insee.fr/x", "title": "INSEE 2"])
            let proposal = try await b.api(.post, "/consultations/\(server.demo.id)/proposals", token: token, json: ["title": "Nouvel article", "text": "Texte."])
            let read = try await b.api(.get, "/contributions/\(amendmentID)")
            let badStance = try await b.api(.post, "/articles/\(article.id)/arguments", token: token, json: ["stance": "neutral", "text": "Hmm"])
            #expect(amendment.status == .created)
            #expect(amendment.json["url"] as? String == "/contributions/\(amendmentID)")
            #expect((amendment.json["tally"] as? [String: Int]) == ["agree": 0, "mixed": 0, "disagree": 0])
            #expect((amendment.json["author"] as? [String: Any])?["name"] as? String == "API contrib@example.fr (ACME)")
            #expect(argument.status == .created)
            #expect(argument.json["parentId"] as? Int == amendmentID)
            #expect(argOnArticle.status == .created)
            #expect(argOnArg.status == .unprocessableContent)
            #expect(source.status == .created)
            #expect(source.json["sourceUrl"] as? String == "https://www.insee.fr/")
            #expect(sourceOnAmendment.status == .created)
            #expect(proposal.status == .created)
            #expect(read.json["rationale"] as? String == "Plus court.")
            #expect(badStance.status == .unprocessableContent)
        }
    }

    @Test("a closed consultation refuses votes and contributions with 409 and the reason")
    func closed() async throws {
        let server = try await TestServer.make()
        let article = try await server.firstArticle()
        try await server.run { b in
            _ = try await b.apiAccount("closed@example.fr")
            server.clock.advance(by: 90 * 86_400)
            let session = try await b.api(.post, "/sessions", json: ["email": "closed@example.fr", "password": "cheval agrafe pile"])
            let token = try #require(session.json["token"] as? String)
            let vote = try await b.api(.put, "/articles/\(article.id)/vote", token: token, json: ["value": "agree"])
            let amendment = try await b.api(.post, "/articles/\(article.id)/amendments", token: token, json: ["text": "x", "rationale": "y"])
            let read = try await b.api(.get, "/articles/\(article.id)")
            #expect(vote.status == .conflict)
            #expect(vote.json["type"] as? String == "urn:contribuez:problem:closed")
            #expect((vote.json["detail"] as? String)?.contains("terminée") == true)
            #expect(amendment.status == .conflict)
            #expect(read.status == .ok)
        }
    }

    @Test("a consultation restricted to some kinds refuses others with 403")
    func restrictedKinds() async throws {
        let server = try await TestServer.make()
        let c = try await server.store.createConsultation(NewConsultation(
            slug: "citoyens", title: "Citoyens seulement", summary: "", institution: "Ville", isPublished: true,
            opensAt: TestServer.t0 - 10, closesAt: TestServer.t0 + 86_400, allowedKinds: [.citizen]))
        try await server.run { b in
            let token = try await b.apiAccount("firm@example.fr", kind: "company", organization: "Firme")
            let r = try await b.api(.post, "/consultations/\(c.id)/proposals", token: token, json: ["title": "Une idée", "text": "Texte."])
            #expect(r.status == .forbidden)
            #expect(r.json["type"] as? String == "urn:contribuez:problem:kind_not_allowed")
        }
    }
}

@Suite("OpenAPI document")
struct OpenAPITests {
    @Test("the document is served and lists exactly the API's routes, each of which is routed")
    func noDrift() async throws {
        let server = try await TestServer.make()
        try await server.run { b in
            let doc = try await b.get("/api/v1/openapi.json")
            #expect(doc.status == .ok)
            #expect(doc.json["openapi"] as? String == "3.1.0")
            let paths = try #require(doc.json["paths"] as? [String: [String: Any]])
            var documented = Set<String>()
            for (path, ops) in paths {
                for method in ops.keys where ["get", "put", "post", "delete", "patch"].contains(method) {
                    documented.insert("\(method.uppercased()) \(path)")
                }
            }
            let implemented = Set(APIRouteList.all.map { "\($0.method) \($0.pattern)" })
            #expect(documented == implemented)
            // Each documented route is really routed: the router's own 404 or 405 would say otherwise.
            // NB: first prove that an unrouted path is recognisable, or the loop below could never fail.
            let unrouted = try await b.api(.post, "/no-such-route", json: [:])
            #expect(unrouted.json["type"] as? String == "urn:contribuez:problem:http_404")
            for route in APIRouteList.all {
                let uri = route.pattern.replacingOccurrences(of: "{id}", with: "1")
                let method = HTTPRequest.Method(route.method)!
                let r = try await b.api(method, uri, json: [:])
                #expect(r.json["type"] as? String != "urn:contribuez:problem:http_404", "\(route.method) \(uri)")
                #expect(r.status != .methodNotAllowed, "\(route.method) \(uri)")
            }
        }
    }
}
