import ContribuezCore
import ContribuezStore
import ContribuezSynthesis
import ContribuezWeb
import Foundation
import HTTPTypes
import Testing

/// The first screen of a synthesis, its long lists, and the pages of each opinion group and theme (issue 14, item 4).
@Suite("Synthesis: first screen, lists, groups and themes")
struct SynthesisThemePagesTests {
    static let energy = ["énergie", "éoliennes", "panneaux solaires", "renouvelable", "électricité", "centrale", "photovoltaïque", "réseau électrique"]
    static let transport = ["vélo", "pistes cyclables", "train", "transports en commun", "autobus", "gare", "covoiturage", "tramway"]
    static let fillers = ["il faut développer", "nous proposons de financer", "la commune devrait soutenir", "il serait utile d'étendre", "chaque région doit planifier"]

    /// Two camps of `perCamp` participants and two vocabularies: camp A agrees with the energy proposals and disagrees
    /// with the transport ones, camp B the reverse. Arguments on each proposal speak its vocabulary.
    static func bundle(perCamp: Int = 20, perTheme: Int = 15) -> ImportBundle {
        let t0 = TestServer.t0
        var items: [ImportBundle.ContributionItem] = []
        // Deterministic draws (a fixed-seed SplitMix64), so the test reads the same every run.
        var state: UInt64 = 0x5EED
        func draw(_ n: Int) -> Int {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return Int((z ^ (z >> 31)) % UInt64(n))
        }
        func sentence(_ words: [String], _ i: Int) -> String {
            let w1 = words[draw(words.count)], w2 = words[draw(words.count)], w3 = words[draw(words.count)]
            return "\(fillers[draw(fillers.count)]) \(w1) et \(w2), avec \(w3) pour tous."
        }
        for (t, words) in [energy, transport].enumerated() {
            for i in 0..<perTheme {
                let key = "p\(t)-\(i)"
                items.append(.init(key: key, kind: .proposal, articleKey: nil, parentKey: nil, authorName: "Auteur \(i)",
                                   title: "\(words[i % words.count].capitalized) : proposition \(i)", body: sentence(words, i), createdAt: t0, importedTally: nil))
                items.append(.init(key: "a\(t)-\(i)", kind: .argument, articleKey: nil, parentKey: key, authorName: "Avis \(i)",
                                   title: "", body: "Pour : " + sentence(words, i + 7), stance: .for, createdAt: t0, importedTally: nil))
            }
        }
        var people: [ImportBundle.ParticipantItem] = []
        var votes: [ImportBundle.VoteItem] = []
        for p in 0..<(2 * perCamp) {
            let camp = p < perCamp ? 0 : 1
            people.append(.init(key: "v\(p)", displayName: "V\(p)", kind: p % 5 == 0 ? .association : .citizen, createdAt: t0))
            for t in 0..<2 {
                for i in 0..<perTheme {
                    votes.append(.init(participantKey: "v\(p)", targetKey: "p\(t)-\(i)", value: t == camp ? .agree : .disagree, at: t0))
                }
            }
        }
        let c = NewConsultation(slug: "deux-themes", title: "Énergie et transports", summary: "s", institution: "Ville", isPublished: true,
                                opensAt: t0.addingTimeInterval(-86_400), closesAt: t0.addingTimeInterval(86_400))
        return ImportBundle(consultation: c, sections: [], contributions: items, participants: people, votes: votes)
    }

    static func run(_ server: TestServer, _ c: Consultation) async throws -> SynthesisReport {
        let run = try #require(try await Synthesis.start(store: server.store, consultationID: c.id, clock: server.clock))
        let done = await Synthesis.execute(run, store: server.store, clock: server.clock)
        #expect(done.status == .succeeded, "\(done.failure ?? "")")
        let stored = try #require(try await server.store.latestSynthesisResult(consultationID: c.id))
        return try SynthesisReport.decoder.decode(SynthesisReport.self, from: stored.json)
    }

    @Test("two vocabularies voted by two camps: two themes, each leaning to one group, on pages linked from the first screen")
    func themesAndGroups() async throws {
        // setup
        let server = try await TestServer.make()
        let c = try await server.store.importConsultation(Self.bundle())
        let report = try await Self.run(server, c)
        let themes = try #require(report.themes)
        let contributions = try await server.store.synthesisSnapshot(consultationID: c.id)?.texts ?? []
        let vocabularyOf: [ID: Int] = Dictionary(uniqueKeysWithValues: contributions.map { t in
            (t.contributionID, Self.energy.contains { t.text.contains($0) } ? 0 : 1)
        })
        try await server.run { browser in
            // act
            let first = try await browser.get(SynthesisRoute.page(c.id).path)
            let ranking = try await browser.get(SynthesisRoute.list(c.id, .ranking, page: 1).path)
            let themePage = try await browser.get(SynthesisRoute.theme(c.id, number: 1, page: 1).path)
            let groupPage = try await browser.get(SynthesisRoute.group(c.id, number: 1).path)
            let themesCSV = try await browser.get(SynthesisRoute.csv(c.id, .themes).path)
            let membersCSV = try await browser.get(SynthesisRoute.csv(c.id, .themeMembers).path)
            let leaningsCSV = try await browser.get(SynthesisRoute.csv(c.id, .themeLeanings).path)
            // check: the themes are the two vocabularies, every member on the side of its theme
            #expect(themes.count == 2)
            for theme in themes {
                let sides = Set(theme.members.compactMap { vocabularyOf[$0] })
                #expect(sides.count == 1, "theme \(theme.label) mixes both vocabularies")
                let words = sides.first == 0 ? Self.energy : Self.transport
                #expect(theme.terms.contains { term in words.contains { $0.contains(term) || term.contains($0) } }, "\(theme.terms)")
                #expect(theme.size == 30)
                #expect(theme.contributionKinds == ["proposal": 15, "argument": 15])
                #expect(theme.representative.count == 3)
                #expect(theme.support.total == 15 * 40)
                // One group agrees with every proposal of the theme, the other with none.
                let byGroup = try #require(theme.byGroup)
                #expect(byGroup.count == 2)
                #expect(Set(byGroup.map { $0.agree == $0.total }) == [true, false])
                #expect(byGroup.allSatisfy { $0.agree == 0 || $0.agree == $0.total })
            }
            // the first screen: overview, who took part, groups with their pages, themes with theirs, heads of the lists
            #expect(first.status == .ok)
            #expect(first.body.contains("Qui a participé"))
            let who = try #require(report.representativeness)
            #expect(who.participants == 40 && who.respondents == 0 && who.maxDeviation == nil)
            #expect(first.body.contains("0 participants sur 40 ont répondu"))
            #expect(first.body.contains("Trop peu de réponses pour comparer avec la population."))
            #expect(first.body.contains("href=\"/consultations/\(c.id)/representativite\""))
            #expect(first.body.contains("Thématiques des contributions"))
            #expect(first.body.contains("href=\"/consultations/\(c.id)/synthese/themes/1\""))
            #expect(first.body.contains("href=\"/consultations/\(c.id)/synthese/themes/2\""))
            #expect(first.body.contains("href=\"/consultations/\(c.id)/synthese/groupes/1\""))
            #expect(first.body.contains("href=\"/consultations/\(c.id)/synthese/classement\""), "30 ranked proposals: the first screen shows 10 and links the rest")
            #expect(first.body.components(separatedBy: "<ol class=\"synthesis-tallies\">")[1].components(separatedBy: "</ol>")[0]
                .components(separatedBy: "<li>").count - 1 == 10)
            #expect(first.body.contains(SafeMarkdown.escape(themes[0].label)))
            // the whole ranking, paginated
            #expect(ranking.status == .ok)
            #expect(ranking.body.components(separatedBy: "<li><h2 class=\"h3\">").count - 1 == 30)
            // a theme's page: its words, its support by group and kind, its contributions
            #expect(themePage.status == .ok)
            #expect(themePage.body.contains(SafeMarkdown.escape(themes[0].label)))
            #expect(themePage.body.contains("Votes de chaque groupe d&#39;opinion"))
            #expect(themePage.body.contains("Votes par type de participant"))
            #expect(themePage.body.contains("Trois contributions typiques"))
            for id in themes[0].members { #expect(themePage.body.contains("href=\"/contributions/\(id)\"")) }
            // a group's page: what sets it apart, and its lean on each theme
            #expect(groupPage.status == .ok)
            #expect(groupPage.body.contains("Ce qui distingue ce groupe"))
            #expect(groupPage.body.contains("100.0 %") && groupPage.body.contains("0.0 %"))
            // downloads
            #expect(themesCSV.status == .ok)
            let rows = themesCSV.body.split(separator: "\r\n")
            #expect(rows.count == 3)
            #expect(rows[0].hasPrefix("theme,label,terms,size"))
            #expect(membersCSV.body.split(separator: "\r\n").count == 1 + 60)
            #expect(leaningsCSV.body.contains(",group,1,"))
            #expect(leaningsCSV.body.contains(",kind,association,"))
        }
    }

    @Test("pages past the end, unknown groups and themes, and malformed numbers are 404, never 500")
    func notFound() async throws {
        // setup
        let server = try await TestServer.make()
        let c = try await server.store.importConsultation(Self.bundle())
        try await server.run { browser in
            let before = try await browser.get(SynthesisRoute.theme(c.id, number: 1, page: 1).path)
            _ = try await Self.run(server, c)
            // act
            let paths = [
                "/consultations/\(c.id)/synthese/themes/0", "/consultations/\(c.id)/synthese/themes/99",
                "/consultations/\(c.id)/synthese/themes/abc", "/consultations/\(c.id)/synthese/groupes/0",
                "/consultations/\(c.id)/synthese/groupes/9", "/consultations/\(c.id)/synthese/classement?page=2",
                "/consultations/\(c.id)/synthese/themes/1?page=9", "/consultations/\(c.id)/synthese/inconnu",
                "/consultations/999999/synthese/themes/1", "/consultations/\(c.id)/synthese/doublons?page=5",
            ]
            var statuses: [String: HTTPResponse.Status] = [:]
            for p in paths { statuses[p] = try await browser.get(p).status }
            let lists = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for list in SynthesisList.allCases { group.addTask { try await browser.get(SynthesisRoute.list(c.id, list, page: 1).path).status } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            // check
            #expect(before.status == .notFound)
            #expect(before.body.contains("Aucune synthèse"))
            for p in paths { #expect(statuses[p] == .notFound, "\(p): \(String(describing: statuses[p]))") }
            #expect(lists.allSatisfy { $0 == .ok }, "\(lists)")
        }
    }
}
