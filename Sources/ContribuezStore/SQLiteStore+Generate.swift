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
    /// Planted truth (issue 14): the opinion group of each participant (in id order), and the theme of
    /// each contribution (in id order; −1 for a campaign copy, `-2 - c` would be ambiguous so campaigns
    /// are listed apart in `contributionCampaigns`).
    public var participantGroups: [UInt8] = []
    public var contributionThemes: [Int8] = []
    /// The campaign letter of each contribution (in id order), −1 when it is not a campaign copy.
    public var contributionCampaigns: [Int8] = []
    /// Id of the first contribution (ids are consecutive).
    public var firstContributionID: ID = 0
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
            var plantedGroups: [UInt8] = []
            plantedGroups.reserveCapacity(participants)
            let kinds: [ParticipantKind] = [.citizen, .citizen, .citizen, .citizen, .citizen, .citizen, .citizen, .association, .company, .publicBody]
            for i in 0..<participants {
                let kind = kinds[Int(rng.next() % 10)]
                let email = "p\(i)@\(slug).invalid"
                try insertP.execute(arguments: [keys.seal(email, .participantEmail), keys.emailIndex(email), passwordHash, "Participant \(i)", kind.rawValue,
                                                kind.isOrganisation ? "Organisation \(i)" : nil, ms])
                participantIDs.append(db.lastInsertedRowID)
                plantedGroups.append(UInt8(GeneratedPlan.group(Double(rng.next() % 1_000_000) / 1_000_000)))
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
            var themes: [Int8] = [], campaigns: [Int8] = []
            themes.reserveCapacity(contributions)
            campaigns.reserveCapacity(contributions)
            var firstContribution: ID = 0
            var usefulTargets: [Target] = []
            for i in 0..<contributions {
                let r = rng.next() % 10
                let kind: ContributionKind = r == 0 ? .proposal : r < 3 ? .amendment : r < 9 ? .argument : .source
                // Skew: the square of a uniform number favours low indices, as real attention does.
                let u = Double(rng.next() % 1_000_000) / 1_000_000
                let article = articleIDs[min(articleIDs.count - 1, Int(u * u * Double(articleIDs.count)))]
                let author = participantIDs.isEmpty ? nil : participantIDs[Int(rng.next() % UInt64(participantIDs.count))]
                let at = ms - Int64(rng.next() % 86_400_000)
                // Texts (issue 14): 4 % are copies of a campaign letter (arguments), the rest are written on one
                // of the planted themes.
                var title = "", body = "", rationale = "", stance: Stance?, url: String?, articleID: ID? = article
                var campaign = -1
                if kind == .argument && GeneratedPlan.chance(0.067, &rng) { campaign = Int(rng.next() % UInt64(GeneratedPlan.campaigns.count)) }
                let theme = Int(rng.next() % UInt64(GeneratedPlan.themes.count))
                themes.append(campaign >= 0 ? -1 : Int8(theme))
                campaigns.append(Int8(campaign))
                let sentences = 2 + Int(rng.next() % 3)
                switch kind {
                case .proposal:
                    title = GeneratedPlan.sentence(theme: theme, &rng); body = GeneratedPlan.text(theme: theme, sentences: sentences, &rng); articleID = nil
                case .amendment:
                    body = GeneratedPlan.text(theme: theme, sentences: sentences, &rng); rationale = GeneratedPlan.sentence(theme: theme, &rng)
                case .argument:
                    body = campaign >= 0 ? GeneratedPlan.campaignCopy(campaign, &rng) : GeneratedPlan.text(theme: theme, sentences: sentences, &rng)
                    stance = rng.next() % 2 == 0 ? .for : .against
                case .source:
                    title = GeneratedPlan.sentence(theme: theme, &rng); body = GeneratedPlan.sentence(theme: theme, &rng); url = "https://example.org/source/\(i)"
                }
                try insertC.execute(arguments: [c.id, kind.rawValue, articleID, author, "Participant", title, body, rationale, stance?.rawValue, url, at])
                let id = db.lastInsertedRowID
                if i == 0 { firstContribution = id }
                try insertCE.execute(arguments: [id, at])
                try chain.contribution(Contribution(
                    id: id, consultationID: c.id, kind: kind, articleID: articleID, parentID: nil, authorID: author, authorName: "",
                    title: title, body: body, rationale: rationale, stance: stance, url: url, createdAt: SQL.date(at)))
                if kind.votingScale == .opinion { opinionTargets.append(.contribution(id)) } else { usefulTargets.append(.contribution(id)) }
                if (i + 1) % 100_000 == 0 && i + 1 < contributions { progress("\(i + 1) contributions") }
            }
            try db.execute(sql: "UPDATE contributions SET author_name = (SELECT display_name FROM participants p WHERE p.id = contributions.author_id) WHERE consultation_id = ?",
                           arguments: [c.id])
            progress("\(contributions) contributions")
            // Votes: distinct (participant, target) pairs, skewed towards popular targets. Opinion votes follow
            // the voter's planted group (issue 14): its stance three times in four, mixed one in ten, else the opposite.
            let insertV = try db.makeStatement(sql: "INSERT INTO votes (participant_id, target_kind, target_id, value, cast_at) VALUES (?, ?, ?, ?, ?)")
            let insertVE = try db.makeStatement(sql: "INSERT INTO vote_events (participant_id, target_kind, target_id, value, at) VALUES (?, ?, ?, ?, ?)")
            // NB: a pair is packed in 64 bits (participant position, pool, target position): 10 M pairs take ~150 MB, not ~500.
            var seen = Set<UInt64>(minimumCapacity: votes)
            var tallies: [Target: Tally] = [:]
            var written = 0, attempts = 0
            while written < votes && attempts < votes * 4 && !participantIDs.isEmpty {
                attempts += 1
                let pi = Int(rng.next() % UInt64(participantIDs.count))
                let p = participantIDs[pi]
                let useful = !usefulTargets.isEmpty && rng.next() % 5 == 0
                let pool = useful ? usefulTargets : opinionTargets
                let u = Double(rng.next() % 1_000_000) / 1_000_000
                let ti = min(pool.count - 1, Int(u * u * u * Double(pool.count)))
                let t = pool[ti]
                guard seen.insert(UInt64(pi) << 33 | (useful ? 1 << 32 : 0) | UInt64(ti)).inserted else { continue }
                let v: VoteValue
                if useful { v = .useful } else {
                    let lean = GeneratedPlan.stance(group: Int(plantedGroups[pi]), target: ti)
                    let r = rng.next() % 20
                    v = r < 15 ? (lean > 0 ? .agree : .disagree) : r < 17 ? .mixed : (lean > 0 ? .disagree : .agree)
                }
                let at = ms - Int64(rng.next() % 86_400_000)
                try insertV.execute(arguments: [p, t.kindName, t.id, v.rawValue, at])
                try insertVE.execute(arguments: [p, t.kindName, t.id, v.rawValue, at])
                try chain.vote(p, t, v, atMilliseconds: at)
                tallies[t, default: .zero].add(v)
                written += 1
                if written % 500_000 == 0 { progress("\(written) votes") }
            }
            seen = []
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
                consultation: c, articles: articleIDs.count, participants: participants, contributions: contributions, votes: written, tokens: tokens,
                participantGroups: plantedGroups, contributionThemes: themes, contributionCampaigns: campaigns, firstContributionID: firstContribution)
        }
    }
}

/// Planted structure of generated consultations (issue 14), so that a synthesis at scale has
/// something true to find: free texts written from a handful of themes (each its own vocabulary),
/// near-identical campaign texts, and voters in opinion groups that vote alike.
public enum GeneratedPlan {
    /// The themes, by name, and their distinctive words.
    public static let themes: [(name: String, words: [String])] = [
        ("transports", "transports en commun|train|bus|tramway|vélo|pistes cyclables|covoiturage|gare|ligne ferroviaire|tarif|billet|voiture|autoroute|péage|mobilité|trajet|horaires|métro|carburant|permis de conduire|routes départementales|petites lignes|navettes|stationnement|embouteillages|fret|camions|trottinettes|abonnement|TER|zones rurales|limitation de vitesse|radars|parkings relais|vélos électriques"),
        ("santé", "hôpital|médecins|urgences|soins|déserts médicaux|infirmières|pharmacie|patients|remboursement|sécurité sociale|prévention|maisons de santé|généralistes|spécialistes|délais de rendez-vous|mutuelle|dépassements d'honoraires|EHPAD|personnes âgées|aides-soignants|maternités|vaccination|santé mentale|psychiatrie|médicaments|numerus clausus|télémédecine|dentistes|ophtalmologistes|lits|ambulances|handicap|dépendance|auxiliaires de vie"),
        ("éducation", "école|enseignants|élèves|classes|collège|lycée|université|formation|apprentissage|programmes scolaires|bourses|maternelle|rythmes scolaires|devoirs|redoublement|orientation|baccalauréat|Parcoursup|étudiants|professeurs|remplacements|cantine|harcèlement|numérique éducatif|langues étrangères|lecture|mathématiques|internat|filières professionnelles|alternance|recherche|laboratoires|salaires des enseignants|effectifs"),
        ("environnement", "climat|énergies renouvelables|éoliennes|panneaux solaires|nucléaire|pollution|biodiversité|carbone|isolation|rénovation thermique|déchets|recyclage|plastique|pesticides|agriculture biologique|forêts|rivières|eau potable|sécheresse|inondations|artificialisation des sols|compost|emballages|chauffage|passoires thermiques|circuits courts|glyphosate|qualité de l'air|gaspillage alimentaire|abeilles|littoral|centrales à charbon|sobriété|haies"),
        ("fiscalité", "impôts|taxe|fiscalité|revenus|TVA|niches fiscales|impôt sur la fortune|cotisations|dépenses publiques|dette|budget|contribuables|évasion fiscale|paradis fiscaux|taxe d'habitation|taxe foncière|prélèvement à la source|héritage|droits de succession|CSG|retraites|pensions|salaires|smic|allocations|aides sociales|fraude|multinationales|dividendes|tranches|quotient familial|exonérations|crédit d'impôt"),
        ("démocratie", "référendum|élus|assemblée nationale|sénat|vote blanc|proportionnelle|citoyens|participation|mandat|transparence|lobbying|initiative citoyenne|non-cumul|députés|sénateurs|maires|conseils municipaux|tirage au sort|conventions citoyennes|abstention|vote obligatoire|décentralisation|préfets|services publics|laïcité|justice|intercommunalités|indemnités|conflits d'intérêts|Conseil constitutionnel|pétitions|débats publics|régions"),
    ].map { ($0.0, $0.1.split(separator: "|").map(String.init)) }

    /// Form letters, each posted many times with small changes (salutation, punctuation, signature).
    public static let campaigns = [
        "Nous demandons la suppression de la hausse de la taxe sur les carburants qui pénalise les ménages modestes des zones rurales, qui n'ont pas d'autre choix que la voiture pour aller travailler chaque jour",
        "Je soutiens le rétablissement de l'impôt sur la fortune afin que les plus riches participent enfin à l'effort commun et que les services publics de proximité soient financés dans tous les territoires",
        "Nous voulons le référendum d'initiative citoyenne en toutes matières pour que les citoyens puissent proposer, abroger ou modifier une loi sans attendre la prochaine élection présidentielle",
        "Je demande la réouverture de la maternité et des urgences de notre hôpital de proximité, fermées malgré la mobilisation des habitants et des élus de tout le bassin de vie",
    ]

    /// Opinion groups of voters: shares of the participants.
    public static let groupShares = [0.5, 0.3, 0.2]

    static let verbs = "améliorer|développer|réduire|financer|renforcer|simplifier|garantir|supprimer|augmenter|encadrer|soutenir|rendre gratuits|rapprocher|contrôler|moderniser|évaluer|protéger|généraliser|limiter|relancer|réformer|rouvrir|mutualiser|taxer|accompagner|décentraliser|planifier|harmoniser|interdire|valoriser|récompenser|adapter|démocratiser|automatiser|ouvrir|fermer|regrouper|relocaliser|rééquilibrer|repenser|réorganiser|inventorier|subventionner|plafonner|indexer|sanctuariser|multiplier|diviser".split(separator: "|").map(String.init)
    static let openers = ["Il faut", "Je propose de", "Nous demandons de", "Il serait juste de", "L'État doit", "Il est urgent de", "Pourquoi ne pas", "Je souhaite qu'on puisse", "Les collectivités devraient", "Il est temps de", "On pourrait", "Le gouvernement devrait", "Je suggère de", "Il me semble indispensable de", "Selon moi il faut", "À mon avis on doit", "Franchement il faudrait", "Ma proposition est de", "Notre association propose de", "En tant que parent je demande de", "Comme salarié je voudrais", "Nous voulons", "Le mieux serait de", "Il conviendrait de", "Il ne faut plus hésiter à", "Arrêtons de repousser le moment de", "Il devient nécessaire de"]
    static let links = ["afin de", "pour", "tout en cherchant à", "avant de", "sans oublier de", "et surtout", "puis", "en même temps que l'on va"]
    static let determiners = ["les", "des", "nos", "ces", "leurs", "plus de", "moins de", "davantage de", "certains", "tous les", "de nouveaux", "de meilleurs"]
    static let adjectives = "publics|locaux|gratuits|accessibles|durables|modernes|efficaces|équitables|solidaires|rapides|fiables|abordables|nationaux|régionaux|européens|indépendants|transparents|simples|sûrs|nombreux|rares|coûteux|justes|partagés".split(separator: "|").map(String.init)
    static let cities = "Paris|Lyon|Marseille|Lille|Rennes|Nantes|Toulouse|Bordeaux|Strasbourg|Dijon|Limoges|Clermont-Ferrand|Brest|Amiens|Rouen|Metz|Nancy|Besançon|Poitiers|Tours|Orléans|Caen|Perpignan|Montpellier|Nice|Grenoble|Saint-Étienne|Le Mans|Angers|Reims|Pau|Bayonne|Ajaccio|Guéret|Mende|Auch|Cahors|Vesoul|Chaumont|Aurillac".split(separator: "|").map(String.init)
    static let tails = ["dans ma commune", "dans les villes moyennes", "dans les campagnes", "près de @c", "autour de @c", "comme à @c", "d'ici @y", "avant @y", "de @p %", "pour @p % des ménages", "dès @y", "dans notre département", "partout en France", "en outre-mer", "pour les jeunes", "pour les familles", "pour les plus modestes", "pour les retraités", "pour les indépendants", "pour les agriculteurs"]
    static let signatures = ["Marie", "Jean", "Nadia", "Karim", "Sophie", "Luc", "Inès", "Paul"]

    static func pick<T>(_ a: [T], _ rng: inout SQLiteStore.SplitMix) -> T { a[Int(rng.next() % UInt64(a.count))] }
    static func chance(_ p: Double, _ rng: inout SQLiteStore.SplitMix) -> Bool { Double(rng.next() % 1_000_000) < p * 1_000_000 }

    /// One sentence about `theme`.
    static func sentence(theme: Int, _ rng: inout SQLiteStore.SplitMix) -> String {
        let words = themes[theme].words
        func phrase() -> String {
            pick(determiners, &rng) + " " + pick(words, &rng) + (chance(0.5, &rng) ? " " + pick(adjectives, &rng) : "")
        }
        var s = pick(openers, &rng) + " " + pick(verbs, &rng) + " " + phrase()
        if chance(0.5, &rng) { s += " et " + phrase() }
        if chance(0.6, &rng) { s += " " + pick(links, &rng) + " " + pick(verbs, &rng) + " " + phrase() }
        if chance(0.7, &rng) {
            s += " " + pick(tails, &rng)
                .replacingOccurrences(of: "@c", with: pick(cities, &rng))
                .replacingOccurrences(of: "@y", with: String(2026 + Int(rng.next() % 15)))
                .replacingOccurrences(of: "@p", with: String(2 + Int(rng.next() % 59)))
        }
        return s + "."
    }

    /// A text of `sentences` sentences about `theme`.
    static func text(theme: Int, sentences: Int, _ rng: inout SQLiteStore.SplitMix) -> String {
        (0..<max(1, sentences)).map { _ in sentence(theme: theme, &rng) }.joined(separator: " ")
    }

    /// One copy of campaign letter `c`, lightly varied.
    static func campaignCopy(_ c: Int, _ rng: inout SQLiteStore.SplitMix) -> String {
        let r = rng.next() % 12
        return (r % 3 == 0 ? "Bonjour, " : "") + campaigns[c] + (r % 2 == 0 ? "." : " !") + (r % 4 == 1 ? " Cordialement, " + pick(signatures, &rng) : "")
    }

    /// The planted opinion group of participant number `i` (0-based), by the shares.
    static func group(_ u: Double) -> Int {
        var acc = 0.0
        for (g, s) in groupShares.enumerated() { acc += s; if u < acc { return g } }
        return groupShares.count - 1
    }

    /// How group `g` leans on the opinion target at position `t`: +1 agree, −1 disagree. One target
    /// in ten is a consensus (every group agrees); elsewhere the groups' stances come from the target.
    static func stance(group g: Int, target t: Int) -> Int {
        var h = SQLiteStore.SplitMix(state: UInt64(t) &* 0x9E37_79B9 &+ 17)
        if h.next() % 10 == 0 { return 1 }
        let bits = h.next()
        return (bits >> UInt64(g)) & 1 == 0 ? 1 : -1
    }
}

extension SQLiteStore {
    /// Casts `count` opinion votes on a generated consultation through the ordinary path (counters,
    /// logs, event chain), as new activity after a synthesis (issue 14: incremental runs). Voters are
    /// drawn among the consultation's participants, targets among its articles, proposals and
    /// amendments; a pair already voted gets its value changed. Deterministic for a seed.
    @discardableResult
    public func addGeneratedVotes(consultationID: ID, count: Int, seed: UInt64 = 2, now: Date) async throws -> Int {
        let (people, targets): ([ID], [Target]) = try await pool.read { db in
            let people = try ID.fetchAll(db, sql: """
                SELECT DISTINCT author_id FROM contributions WHERE consultation_id = ? AND author_id IS NOT NULL ORDER BY author_id LIMIT 100000
                """, arguments: [consultationID])
            var targets: [Target] = try ID.fetchAll(db, sql: "SELECT id FROM articles WHERE consultation_id = ? ORDER BY id", arguments: [consultationID]).map { .article($0) }
            targets += try ID.fetchAll(db, sql: """
                SELECT id FROM contributions WHERE consultation_id = ? AND kind IN ('proposal', 'amendment') AND is_hidden = 0 AND erased_at IS NULL ORDER BY id LIMIT 100000
                """, arguments: [consultationID]).map { .contribution($0) }
            return (people, targets)
        }
        guard !people.isEmpty, !targets.isEmpty else { return 0 }
        var rng = SplitMix(state: seed)
        let values: [VoteValue] = [.agree, .agree, .mixed, .disagree]
        for _ in 0..<count {
            let p = people[Int(rng.next() % UInt64(people.count))]
            let t = targets[Int(rng.next() % UInt64(targets.count))]
            _ = try await castVote(participantID: p, target: t, value: values[Int(rng.next() % 4)], at: now)
        }
        return count
    }
}
