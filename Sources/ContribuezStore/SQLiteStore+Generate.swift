import ContribuezCore
import Foundation
import GRDB

/// A large synthetic consultation for load benchmarks (issue 10): Grand-Débat-sized data written
/// straight into the tables with prepared statements, in a few transactions, with the same
/// invariants as live data (one vote per participant and target, counters equal to the votes, an
/// event for every vote and contribution). Deterministic for a given seed.
public struct GeneratedConsultation: Sendable {
    public var consultation: Consultation
    public var articles: Int
    public var participants: Int
    public var contributions: Int
    public var votes: Int
    /// Session tokens (raw, to send as Bearer) of the first participants, for signed-in load.
    public var tokens: [String]
}

extension SQLiteStore {
    /// A small, fast, seedable generator (SplitMix64).
    struct SplitMix: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static let words = """
        le la les un une des données publiques accès ouverture administration citoyen numérique loi article droit \
        service public transparence algorithme plateforme neutralité internet recherche savoir libre logiciel format \
        ouvert protection vie privée mineur effacement consentement loyauté portabilité réutilisation licence gratuité \
        collectivité territoire accessibilité handicap couverture réseau fibre mobile école formation emploi entreprise \
        association commune département région état ministère délai décret contrôle sanction commission avis rapport
        """.split(separator: " ").map(String.init)

    static func sentence(_ rng: inout SplitMix, words n: Int) -> String {
        var out: [String] = []
        out.reserveCapacity(n)
        for _ in 0..<n { out.append(words[Int(rng.next() % UInt64(words.count))]) }
        return out.joined(separator: " ").prefix(1).uppercased() + out.joined(separator: " ").dropFirst() + "."
    }

    /// Writes the consultation. `tokenHash` turns a raw session token into what the sessions table stores.
    public func generateLarge(
        participants: Int, contributions: Int, votes: Int, articles: Int = 30, sessions: Int = 2_000, seed: UInt64 = 1,
        now: Date, passwordHash: String, tokenHash: @Sendable (String) -> String, progress: @Sendable (String) -> Void = { _ in }
    ) async throws -> GeneratedConsultation {
        let keys = keyring.current
        return try await pool.write { db in
            var rng = SplitMix(state: seed)
            let slugBase = "generee-\(participants)-\(contributions)-\(votes)"
            var slug = slugBase, n = 1
            while try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM consultations WHERE slug = ?", arguments: [slug]) ?? 0 > 0 { n += 1; slug = "\(slugBase)-\(n)" }
            let day: TimeInterval = 86_400
            let c = try Self.insertConsultation(db, NewConsultation(
                slug: slug, title: "Consultation générée (\(participants) participants, \(contributions) contributions, \(votes) votes)",
                summary: "Données synthétiques pour les bancs d'essai de charge.", institution: "Banc d'essai", isPublished: true,
                opensAt: now - day, closesAt: now + 60 * day, provenance: "Générée par `contribuez demo generate` (seed \(seed))."))
            let ms = SQL.ms(now)
            // NB: secondary indexes of the big tables are dropped for the load and rebuilt once at the end,
            // inside this transaction: building an index over sorted data beats updating seven per row.
            let indexes = try Row.fetchAll(
                db, sql: """
                    SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL
                    AND tbl_name IN ('contributions', 'votes', 'tallies', 'contribution_events', 'vote_events')
                    """
            ).map { (name: $0["name"] as String, sql: $0["sql"] as String) }
            for index in indexes { try db.execute(sql: "DROP INDEX \"\(index.name)\"") }
            // Text
            var articleIDs: [ID] = []
            for s in 0..<max(1, articles / 10) {
                try db.execute(sql: "INSERT INTO sections (consultation_id, position, title, subtitle, level) VALUES (?, ?, ?, '', 1)",
                               arguments: [c.id, s + 1, "Titre \(s + 1)"])
                let section = db.lastInsertedRowID
                for a in 0..<10 where articleIDs.count < articles {
                    try db.execute(
                        sql: "INSERT INTO articles (consultation_id, section_id, position, number, title, body, explanation) VALUES (?, ?, ?, ?, ?, ?, ?)",
                        arguments: [c.id, section, articleIDs.count + 1, "\(articleIDs.count + 1)", Self.sentence(&rng, words: 6),
                                    (0..<4).map { _ in Self.sentence(&rng, words: 40) }.joined(separator: "\n\n"), Self.sentence(&rng, words: 30)])
                    articleIDs.append(db.lastInsertedRowID)
                    _ = a
                }
            }
            progress("\(articleIDs.count) articles")
            // Participants (one shared password hash: signing in is not what is measured)
            let insertP = try db.makeStatement(sql: """
                INSERT INTO participants (email, email_index, password_hash, display_name, kind, organization, role, created_at) VALUES (?, ?, ?, ?, ?, ?, 'participant', ?)
                """)
            var participantIDs: [ID] = []
            participantIDs.reserveCapacity(participants)
            let kinds: [ParticipantKind] = [.citizen, .citizen, .citizen, .citizen, .citizen, .citizen, .citizen, .association, .company, .publicBody]
            for i in 0..<participants {
                let kind = kinds[Int(rng.next() % 10)]
                let email = "p\(i)@\(slug).invalid"
                try insertP.execute(arguments: [keys.seal(email, .participantEmail), keys.emailIndex(email), passwordHash, "Participant \(i)", kind.rawValue,
                                                kind.isOrganisation ? "Organisation \(i)" : nil, ms])
                participantIDs.append(db.lastInsertedRowID)
            }
            progress("\(participants) participants")
            // Contributions: 10 % proposals, 20 % amendments, 60 % arguments, 10 % sources; skewed towards the first articles.
            let insertC = try db.makeStatement(sql: """
                INSERT INTO contributions (consultation_id, kind, article_id, parent_id, author_id, author_name, title, body, rationale, stance, url, created_at)
                VALUES (?, ?, ?, NULL, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
            let insertCE = try db.makeStatement(sql: "INSERT INTO contribution_events (contribution_id, event, at) VALUES (?, 'created', ?)")
            // The event chain (issue 12), kept in memory and written entry by entry like the logs.
            var chain = try SQLChain.Appender(db, consultationID: c.id)
            var opinionTargets: [Target] = articleIDs.map { .article($0) }
            var usefulTargets: [Target] = []
            for i in 0..<contributions {
                let r = rng.next() % 10
                let kind: ContributionKind = r == 0 ? .proposal : r < 3 ? .amendment : r < 9 ? .argument : .source
                // Skew: the square of a uniform number favours low indices, as real attention does.
                let u = Double(rng.next() % 1_000_000) / 1_000_000
                let article = articleIDs[min(articleIDs.count - 1, Int(u * u * Double(articleIDs.count)))]
                let author = participantIDs.isEmpty ? nil : participantIDs[Int(rng.next() % UInt64(participantIDs.count))]
                let at = ms - Int64(rng.next() % 86_400_000)
                // NB: the random draws keep their order, so a seed gives the same data as before the chain.
                var title = "", body = "", rationale = "", stance: Stance?, url: String?, articleID: ID? = article
                switch kind {
                case .proposal:
                    title = Self.sentence(&rng, words: 8); body = Self.sentence(&rng, words: 50); articleID = nil
                case .amendment:
                    body = Self.sentence(&rng, words: 60); rationale = Self.sentence(&rng, words: 20)
                case .argument:
                    body = Self.sentence(&rng, words: 35); stance = rng.next() % 2 == 0 ? .for : .against
                case .source:
                    title = Self.sentence(&rng, words: 6); body = Self.sentence(&rng, words: 20); url = "https://example.org/source/\(i)"
                }
                try insertC.execute(arguments: [c.id, kind.rawValue, articleID, author, "Participant", title, body, rationale, stance?.rawValue, url, at])
                let id = db.lastInsertedRowID
                try insertCE.execute(arguments: [id, at])
                try chain.contribution(Contribution(
                    id: id, consultationID: c.id, kind: kind, articleID: articleID, parentID: nil, authorID: author, authorName: "",
                    title: title, body: body, rationale: rationale, stance: stance, url: url, createdAt: SQL.date(at)))
                if kind.votingScale == .opinion { opinionTargets.append(.contribution(id)) } else { usefulTargets.append(.contribution(id)) }
            }
            try db.execute(sql: "UPDATE contributions SET author_name = (SELECT display_name FROM participants p WHERE p.id = contributions.author_id) WHERE consultation_id = ?",
                           arguments: [c.id])
            progress("\(contributions) contributions")
            // Votes: distinct (participant, target) pairs; values lean towards agreement on popular targets.
            let insertV = try db.makeStatement(sql: "INSERT INTO votes (participant_id, target_kind, target_id, value, cast_at) VALUES (?, ?, ?, ?, ?)")
            let insertVE = try db.makeStatement(sql: "INSERT INTO vote_events (participant_id, target_kind, target_id, value, at) VALUES (?, ?, ?, ?, ?)")
            struct Key: Hashable { let p: ID; let t: Target }
            var seen = Set<Key>(minimumCapacity: votes)
            var tallies: [Target: Tally] = [:]
            var written = 0, attempts = 0
            let opinionValues: [VoteValue] = [.agree, .agree, .agree, .mixed, .disagree, .disagree]
            while written < votes && attempts < votes * 4 && !participantIDs.isEmpty {
                attempts += 1
                let p = participantIDs[Int(rng.next() % UInt64(participantIDs.count))]
                let useful = !usefulTargets.isEmpty && rng.next() % 5 == 0
                let pool = useful ? usefulTargets : opinionTargets
                let u = Double(rng.next() % 1_000_000) / 1_000_000
                let t = pool[min(pool.count - 1, Int(u * u * u * Double(pool.count)))]
                guard seen.insert(Key(p: p, t: t)).inserted else { continue }
                let v: VoteValue = useful ? .useful : opinionValues[Int(rng.next() % UInt64(opinionValues.count))]
                let at = ms - Int64(rng.next() % 86_400_000)
                try insertV.execute(arguments: [p, t.kindName, t.id, v.rawValue, at])
                try insertVE.execute(arguments: [p, t.kindName, t.id, v.rawValue, at])
                try chain.vote(p, t, v, atMilliseconds: at)
                tallies[t, default: .zero].add(v)
                written += 1
                if written % 500_000 == 0 { progress("\(written) votes") }
            }
            try chain.finish(db)
            // The counters and the ranking score, written once per target (the consultation is new: no previous row).
            let insertT = try db.makeStatement(sql: """
                INSERT INTO tallies (target_kind, target_id, agree, mixed, disagree, useful, score) VALUES (?, ?, ?, ?, ?, ?, ?)
                """)
            let scoreC = try db.makeStatement(sql: "UPDATE contributions SET score = ? WHERE id = ?")
            for (t, tally) in tallies {
                let score = SQL.score(live: tally, base: nil)
                try insertT.execute(arguments: [t.kindName, t.id, tally.agree, tally.mixed, tally.disagree, tally.useful, score])
                if case .contribution(let id) = t { try scoreC.execute(arguments: [score, id]) }
            }
            progress("\(written) votes, \(tallies.count) tallies")
            for index in indexes { try db.execute(sql: index.sql) }
            progress("\(indexes.count) indexes rebuilt")
            // Sessions of the first participants, for signed-in load (tokens returned, hashes stored).
            var tokens: [String] = []
            // Load-test tokens: no idle timeout (issue 13), participant privileges, a handle per session.
            let insertS = try db.makeStatement(sql: """
                INSERT INTO sessions (token_hash, participant_id, csrf_token, created_at, expires_at, public_id, last_seen_at, privileges)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """)
            let participantStamp = SessionPrivileges.stamp(role: .participant, consultationRoles: [:])
            for p in participantIDs.prefix(sessions) {
                let token = String(format: "bench%016llx%016llx", rng.next(), rng.next())
                try insertS.execute(arguments: [tokenHash(token), p, "csrf\(p)", ms, ms + 30 * 86_400_000, Self.newSessionHandle(), ms, participantStamp])
                tokens.append(token)
            }
            return GeneratedConsultation(
                consultation: c, articles: articleIDs.count, participants: participants, contributions: contributions, votes: written, tokens: tokens)
        }
    }
}
