import ContribuezAnalysis
import ContribuezCore
import ContribuezImport
import ContribuezStore
import Foundation
import Testing

/// The fixtures follow Decidim 0.27's open-data columns: `ProposalSerializer` (`title/fr`, `body/fr`,
/// `supports`, `endorsements/total_count`, withdrawn as `state` = `withdrawn`, no author) written with
/// `,` as this installation set it, and `CommentSerializer` (`body/fr`, `author/id`, `alignment`,
/// `depth`, `commentable_id`, `commentable_type`) with Decidim's default `;`. Cells hold commas,
/// semicolons, doubled quotes, newlines and HTML; proposal 104 exists only in English; 103 is withdrawn;
/// comments 1003-1005 are neutral (1003 and 1004 are replies).
/// A second fixture, written by the test, has the 0.28 shape (`votes`, `withdrawn`, `body` + `locale`).
@Suite("Import: Decidim open-data proposals and comments")
struct DecidimImportTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/decidim")
    static let proposals = fixtures.appendingPathComponent("proposals.csv")
    static let comments = fixtures.appendingPathComponent("proposal_comments.csv")
    static let options = DecidimImport.Options(title: "Budget participatif 2023", institution: "Ville d'Exemple")

    static func freshStore() throws -> SQLiteStore {
        try SQLiteStore(path: FileManager.default.temporaryDirectory.appendingPathComponent("decidim-\(UUID().uuidString).sqlite").path)
    }

    static func all(_ store: SQLiteStore, _ consultationID: ID) async throws -> [ContributionRow] {
        try await store.contributions(
            ContributionQuery(consultationID: consultationID, directOnly: false, includeHidden: true, order: .recent),
            page: PageRequest(page: 1, perPage: 100)
        ).items.sorted { $0.contribution.id < $1.contribution.id }
    }

    static func temporaryFolder() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("decidim-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test("proposals become proposals with their supports as imported agreement, comments become arguments")
    func imports() async throws {
        // setup
        let store = try Self.freshStore()
        // act
        let read = try DecidimImport.read(proposals: Self.proposals, comments: Self.comments, options: Self.options)
        let c = try await store.importConsultation(read.bundle)
        let rows = try await Self.all(store, c.id)
        // check
        let proposals = rows.filter { $0.contribution.kind == .proposal }.map(\.contribution)
        let arguments = rows.filter { $0.contribution.kind == .argument }.map(\.contribution)
        #expect(read.summary == DecidimImport.Summary(
            proposals: 5, withdrawn: 1, supports: 66, argumentsFor: 2, argumentsAgainst: 2, replies: 0, neutralLeftOut: 3, participants: 3))
        #expect(proposals.count == 5)
        #expect(arguments.count == 4)
        #expect(proposals.map(\.importedTally) == [42, 17, 2, 0, 5].map { Tally(agree: $0) })
        #expect(proposals.map(\.isHidden) == [false, false, true, false, false])
        #expect(c.title == "Budget participatif 2023")
        #expect(c.slug == "decidim-budget-participatif-2023")
        #expect(c.institution == "Ville d'Exemple")
        #expect(c.phase(at: Date()) == .closed)
        #expect(c.provenance?.contains("Decidim") == true)
    }

    @Test("cells with commas, quotes and newlines are read whole, HTML becomes text, a missing locale falls back")
    func texts() async throws {
        // setup
        let store = try Self.freshStore()
        // act
        let c = try await store.importConsultation(try DecidimImport.bundle(proposals: Self.proposals, comments: Self.comments, options: Self.options))
        let proposals = try await Self.all(store, c.id).map(\.contribution).filter { $0.kind == .proposal }
        // check
        #expect(proposals[0].title == "Des pistes cyclables continues, de la gare au centre")
        #expect(proposals[0].body == "Relier la gare au centre : 1,2 km sans coupure.\n\n- séparées de la chaussée\n- éclairées la nuit")
        #expect(proposals[1].title == "Ouvrir la médiathèque le dimanche, \"comme à Lyon\"")
        #expect(proposals[1].body == "Le dimanche est le seul jour libre de beaucoup de familles.\n\nHoraires proposés : 14 h – 18 h & animations.")
        #expect(proposals[3].title == "More benches in the parks")
        #expect(proposals[3].body == "A bench every 200 m along the paths.")
        #expect(proposals[4].title == "=Un festival gratuit chaque été")
        #expect(proposals.allSatisfy { !$0.body.contains("<") })
    }

    @Test("alignment 1 and -1 give arguments for and against; neutral comments and replies are left out")
    func comments() async throws {
        // setup
        let store = try Self.freshStore()
        // act
        let c = try await store.importConsultation(try DecidimImport.bundle(proposals: Self.proposals, comments: Self.comments, options: Self.options))
        let rows = try await Self.all(store, c.id).map(\.contribution)
        let proposals = rows.filter { $0.kind == .proposal }
        let arguments = rows.filter { $0.kind == .argument }
        // check
        #expect(arguments.map(\.stance) == [.for, .against, .for, .against])
        #expect(arguments.map(\.parentID) == [0, 0, 2, 3].map { proposals[$0].id })
        #expect(arguments[1].body == "Trop cher ; et les commerçants \"perdront\" des places.\nMieux vaut d'abord réparer les trottoirs.")
        #expect(arguments[3].body == "Un banc coûte 500 € < le prix d'un arbre : plantons d'abord.")
        #expect(!arguments.contains { $0.body.contains("Source ?") || $0.body.contains("samedi") })
        #expect(arguments.map(\.authorName).allSatisfy { $0.hasPrefix("Participant·e Decidim ") })
        #expect(!rows.contains { $0.authorName.contains("Camille") || $0.body.contains("Bernard L.") })
        #expect(Set(arguments.compactMap(\.authorID)).count == 3)
    }

    @Test("the proposals file alone is enough")
    func proposalsOnly() async throws {
        // setup
        let store = try Self.freshStore()
        // act
        let read = try DecidimImport.read(proposals: Self.proposals, comments: nil, options: Self.options)
        let c = try await store.importConsultation(read.bundle)
        // check
        #expect(read.summary.proposals == 5)
        #expect(read.summary.participants == 0)
        #expect(try await Self.all(store, c.id).count == 5)
    }

    @Test("Decidim 0.28 columns: votes, withdrawn, author ids, body and locale; an aligned reply says whom it answers")
    func laterColumns() async throws {
        // setup
        let dir = try Self.temporaryFolder()
        let proposals = dir.appendingPathComponent("proposals.csv"), comments = dir.appendingPathComponent("comments.csv")
        try """
            id;author/id;author/name;author/url;title/fr;title/machine_translations/en;body/fr;state;state_published_at;votes;likes/total_count;comments;published_at;withdrawn;withdrawn_at
            7;12, 14;Ana, Léo;;Des fontaines à eau;Water fountains;<p>Trois fontaines.</p>;accepted;2024-05-01 10:00:00 +0200;9;2;1;2024-04-02T08:00:00.000+02:00;false;
            8;14;Léo;;;Shade on the playground;<p>Des voiles d'ombrage.</p>;;;;0;0;2024-04-03 09:00:00 +0200;true;2024-04-10 09:00:00 +0200

            """.write(to: proposals, atomically: true, encoding: .utf8)
        try """
            id;created_at;body;locale;author/id;author/name;alignment;depth;commentable_id;commentable_type;root_commentable_url
            90;2024-04-05 10:00:00 +0200;Oui, près de l'école.;fr;12;Ana;1;0;7;Decidim::Proposals::Proposal;https://x/p/7
            91;2024-04-05 11:00:00 +0200;Non : la cour est trop petite.;fr;15;Zoé;-1;1;90;Decidim::Comments::Comment;https://x/p/7
            92;2024-04-05 12:00:00 +0200;Il faut voir.;fr;16;Yann;0;2;91;Decidim::Comments::Comment;https://x/p/7

            """.write(to: comments, atomically: true, encoding: .utf8)
        let store = try Self.freshStore()
        // act
        let read = try DecidimImport.read(proposals: proposals, comments: comments, options: Self.options)
        let c = try await store.importConsultation(read.bundle)
        let rows = try await Self.all(store, c.id).map(\.contribution)
        // check
        #expect(rows.map(\.kind) == [.proposal, .proposal, .argument, .argument])
        #expect(rows[0].importedTally == Tally(agree: 9))
        #expect(rows[1].importedTally == nil)
        #expect(rows[1].title == "Shade on the playground")
        #expect(rows[1].isHidden)
        #expect(rows[0].authorName == "Participant·e Decidim 12")
        #expect(rows[0].authorID == rows[2].authorID)
        #expect(rows[2].stance == .for)
        #expect(rows[2].body == "Oui, près de l'école.")
        #expect(rows[3].stance == .against)
        #expect(rows[3].parentID == rows[0].id)
        #expect(rows[3].body == "En réponse à Participant·e Decidim 12 : Non : la cour est trop petite.")
        #expect(read.summary.replies == 1)
        #expect(read.summary.neutralLeftOut == 1)
        #expect(read.summary.participants == 3)
    }

    @Test("a missing column is named and a bad row numbered, before anything is stored")
    func badInput() async throws {
        // setup
        let dir = try Self.temporaryFolder()
        let noSupports = dir.appendingPathComponent("no-title.csv")
        try "id,body/fr,published_at\n1,Texte,2023-01-01 10:00:00 UTC\n".write(to: noSupports, atomically: true, encoding: .utf8)
        let badDate = dir.appendingPathComponent("bad-date.csv")
        try "id,title/fr,body/fr,published_at\n1,Un,Texte,2023-01-01 10:00:00 UTC\n2,Deux,Texte,hier\n".write(to: badDate, atomically: true, encoding: .utf8)
        let badComments = dir.appendingPathComponent("comments.csv")
        try "id;created_at;body/fr;alignment;depth;commentable_id;commentable_type\n1;2023-01-01 10:00:00 UTC;Oui;1;0;101;Decidim::Proposals::Proposal\n2;2023-01-01 10:00:00 UTC;Non;2;0;101;Decidim::Proposals::Proposal\n"
            .write(to: badComments, atomically: true, encoding: .utf8)
        let orphan = dir.appendingPathComponent("orphan.csv")
        try "id;created_at;body/fr;alignment;depth;commentable_id;commentable_type\n1;2023-01-01 10:00:00 UTC;Oui;1;0;999;Decidim::Proposals::Proposal\n"
            .write(to: orphan, atomically: true, encoding: .utf8)
        // act
        let missing = #expect(throws: DecidimImport.Failure.self) { try DecidimImport.bundle(proposals: noSupports, comments: nil, options: Self.options) }
        let date = #expect(throws: DecidimImport.Failure.self) { try DecidimImport.bundle(proposals: badDate, comments: nil, options: Self.options) }
        let alignment = #expect(throws: DecidimImport.Failure.self) {
            try DecidimImport.bundle(proposals: Self.proposals, comments: badComments, options: Self.options)
        }
        let unknown = #expect(throws: DecidimImport.Failure.self) { try DecidimImport.bundle(proposals: Self.proposals, comments: orphan, options: Self.options) }
        let absent = #expect(throws: DecidimImport.Failure.self) {
            try DecidimImport.bundle(proposals: dir.appendingPathComponent("nope.csv"), comments: nil, options: Self.options)
        }
        // check
        #expect(missing == .missingColumn(file: "no-title.csv", column: "title/fr"))
        #expect(date == .badRow(file: "bad-date.csv", row: 2, reason: "published_at \"hier\" is not a date"))
        #expect(alignment == .badRow(file: "comments.csv", row: 2, reason: "alignment \"2\" is not 1, -1 or 0"))
        #expect(unknown?.description == "orphan.csv, data row 1: comments on proposal 999, which proposals.csv does not list")
        #expect(absent?.description.contains("nope.csv") == true)
    }

    @Test("HTML to text: blocks become paragraphs, entities are decoded, a lone < stays")
    func html() throws {
        // setup
        let dir = try Self.temporaryFolder()
        let file = dir.appendingPathComponent("p.csv")
        try "id,title/fr,body/fr,published_at\n1,T &amp; U,\"<h2>Titre</h2><p>a&lt;b &#233;t&#xE9; 3 < 4</p><p><br></p><p>fin</p>\",2023-01-01 10:00:00 UTC\n"
            .write(to: file, atomically: true, encoding: .utf8)
        // act
        let bundle = try DecidimImport.bundle(proposals: file, comments: nil, options: Self.options)
        // check
        #expect(bundle.contributions[0].title == "T & U")
        #expect(bundle.contributions[0].body == "Titre\n\na<b été 3 < 4\n\nfin")
    }
}
