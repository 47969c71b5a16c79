import ContribuezCore
import ContribuezStore
import ContribuezSynthesis
@testable import ContribuezWeb
import Foundation
import Testing

/// Issue 10: derived HTML rendered once and stored; typed HTML for the hot parts, escaped everywhere.
@Suite("Render once and typed views")
struct RenderOnceTests {
    static let hostile = "<script>\"'&"
    static let escaped = "&lt;script&gt;&quot;&#39;&amp;"

    func amendment(_ server: TestServer, _ article: Article, _ body: String) async throws -> Contribution {
        try await server.store.addContribution(.init(
            consultationID: server.demo.id, kind: .amendment, articleID: article.id, parentID: nil, authorID: nil, authorName: "Test",
            body: body, rationale: "Parce que **clair**.", createdAt: server.clock.now()))
    }

    @Test("an article page stores its diffs once; after the article is edited it shows the new diff")
    func editedArticleShowsNewDiff() async throws {
        // setup
        let server = try await TestServer.make()
        let article = try await server.firstArticle()
        let amd = try await amendment(server, article, "Texte entièrement réécrit par l'amendement.")
        let key = RenderedKey(.contribution(amd.id), .diff)
        let rendered = try #require(server.store as? any RenderedStore)
        try await server.run { b in
            let first = try await b.get("/articles/\(article.id)")
            await server.deps.views.rendered.writer.flush()
            let stored = try await rendered.renderedHTML([key])[key]
            // act
            let entry = AuditEntry(consultationID: server.demo.id, actorID: nil, actorName: "test", action: .editArticle,
                                   targetKind: "article", targetID: article.id, at: server.clock.now())
            _ = try await server.store.updateArticle(id: article.id, title: article.title, body: "Ancienne version remplacée zèbre.",
                                                     explanation: article.explanation, currentLaw: article.currentLaw, audit: entry)
            let dropped = try await rendered.renderedHTML([key])[key]
            let second = try await b.get("/articles/\(article.id)")
            await server.deps.views.rendered.writer.flush()
            let restored = try await rendered.renderedHTML([key])[key]
            // check
            #expect(first.status == .ok)
            #expect(stored?.html.contains("<ins>") == true)
            #expect(dropped == nil)
            #expect(second.body.contains("<del>Ancienne version remplacée zèbre</del>"))
            #expect(restored?.html.contains("zèbre") == true)
        }
    }

    @Test("a stored rendering is what pages show; a newer renderer version re-renders it, at view and in the warm-up")
    func rendererVersionBumpReRenders() async throws {
        // setup
        let server = try await TestServer.make()
        let article = try await server.firstArticle()
        let rendered = try #require(server.store as? any RenderedStore)
        let job = RenderJob.body(.article(article.id), article.body)
        try await rendered.putRenderedHTML([RenderedHTML(key: job.key, version: 1, sourceHash: RenderCache.sourceHash(job), html: "<p>RENDU-STOCKÉ</p>")])
        let v1 = server.deps
        var v2 = server.deps
        v2.views = Views(library: v1.views.library, rendered: RenderCache(version: 2))
        // act
        let fromStore = try await v1.views.rendered.html(job, store: server.store)
        let stale = try await rendered.staleRenderSources(version: 2, after: nil, limit: 1_000)
        let warmed = await v2.views.rendered.warmUp(server.store, batch: 3)
        try await rendered.putRenderedHTML([RenderedHTML(key: job.key, version: 1, sourceHash: RenderCache.sourceHash(job), html: "<p>RENDU-STOCKÉ</p>")])
        let atView = try await v2.views.rendered.html(job, store: server.store)
        await v2.views.rendered.writer.flush()
        let after = try await rendered.renderedHTML([job.key])[job.key]
        let staleAfter = try await rendered.staleRenderSources(version: 2, after: nil, limit: 1_000)
        // check
        #expect(fromStore == "<p>RENDU-STOCKÉ</p>")
        #expect(atView == SafeMarkdown.html(article.body))
        #expect(stale.contains { $0.key == job.key })
        #expect(warmed == stale.count)
        #expect(after?.version == 2)
        #expect(after?.html == SafeMarkdown.html(article.body))
        #expect(staleAfter.isEmpty)
    }

    @Test("a hostile string is escaped in every typed view: rows, amendments, tallies, synthesis ranking")
    func hostileStringEscapedEverywhere() async throws {
        // setup
        let server = try await TestServer.make()
        let article = try await server.firstArticle()
        let h = Self.hostile, c = server.demo.id, now = server.clock.now()
        let author = try await server.store.createParticipant(
            .init(email: "h@example.org", displayName: h, kind: .citizen, organization: nil, createdAt: now), passwordHash: "x")
        let amd = try await server.store.addContribution(.init(
            consultationID: c, kind: .amendment, articleID: article.id, parentID: nil, authorID: author.id, authorName: h,
            body: article.body + " " + h, rationale: h, createdAt: now))
        _ = try await server.store.addContribution(.init(
            consultationID: c, kind: .argument, articleID: article.id, parentID: nil, authorID: author.id, authorName: h,
            body: h, stance: .for, createdAt: now))
        _ = try await server.store.addContribution(.init(
            consultationID: c, kind: .source, articleID: article.id, parentID: nil, authorID: author.id, authorName: h,
            title: h, body: h, url: "https://example.org/?a=1&b=\"2\"", createdAt: now))
        let proposal = try await server.store.addContribution(.init(
            consultationID: c, kind: .proposal, articleID: nil, parentID: nil, authorID: author.id, authorName: h,
            title: h, body: h, createdAt: now))
        let run = try #require(try await Synthesis.start(store: server.store, consultationID: c, clock: server.clock))
        _ = await Synthesis.execute(run, store: server.store, clock: server.clock)
        let paths = ["/articles/\(article.id)", "/consultations/\(c)/synthese", "/consultations/\(c)", "/consultations/\(c)/proposals",
                     "/participants/\(author.id)", "/contributions/\(amd.id)", "/contributions/\(proposal.id)"]
        try await server.run { b in
            for path in paths {
                // act
                let body = try await b.get(path).body
                // check
                #expect(!body.contains(h), "raw hostile string on \(path)")
                #expect(!body.contains("<script>"), "raw <script> on \(path)")
                #expect(body.contains(Self.escaped) || body.contains("&lt;script&gt;"), "escaped form missing on \(path)")
                if path.hasPrefix("/articles/") { #expect(body.contains("https://example.org/?a=1&amp;b=&quot;2&quot;")) }
            }
        }
    }
}
