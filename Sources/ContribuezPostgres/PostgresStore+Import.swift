import ContribuezCore
import Foundation
import PostgresNIO

/// Writes an import bundle inside the caller's transaction (the twin of `SQLImport`).
enum PGImport {
    enum Failure: Error, CustomStringConvertible {
        case unknownKey(String)
        case duplicateSlug(String)
        var description: String {
            switch self {
            case .unknownKey(let k): return "the bundle refers to \"\(k)\", which it does not define"
            case .duplicateSlug(let s): return "a consultation with the slug \"\(s)\" already exists"
            }
        }
    }

    static func run(_ c: PostgresConnection, _ bundle: ImportBundle) async throws -> Consultation {
        if try await c.count("SELECT COUNT(*) FROM consultations WHERE slug = \(bundle.consultation.slug)") > 0 {
            throw Failure.duplicateSlug(bundle.consultation.slug)
        }
        let consultation = try await PostgresStore.insertConsultation(c, bundle.consultation)
        var articleIDs: [String: ID] = [:]
        var position = 0
        for (i, section) in bundle.sections.enumerated() {
            guard let sectionID = try await c.scalar(
                "INSERT INTO sections (consultation_id, position, title, subtitle, level) VALUES (\(consultation.id), \(i + 1), \(section.title), \(section.subtitle), 1) RETURNING id",
                as: ID.self) else { throw Failure.unknownKey(section.title) }
            for a in section.articles {
                position += 1
                let article = try await PostgresStore.insertArticle(c, NewArticle(
                    consultationID: consultation.id, sectionID: sectionID, position: position, number: a.number, title: a.title,
                    body: a.body, explanation: a.explanation, currentLaw: a.currentLaw, importedTally: a.importedTally))
                articleIDs[a.key] = article.id
            }
        }
        // NB: a large import (a Polis export has 225k votes) goes in batches of rows bound as arrays and
        // unnested, in order: one round trip per batch instead of one per row.
        var participantIDs: [String: ID] = [:]
        for chunk in chunks(bundle.participants, 5_000) {
            var text = SQLText()
            let names = try text.bindArray(chunk.map(\.displayName)), kinds = try text.bindArray(chunk.map(\.kind.rawValue))
            let created = try text.bindArray(chunk.map { PG.ms($0.createdAt) })
            text.sql = """
                INSERT INTO participants (email, password_hash, display_name, kind, organization, role, created_at)
                SELECT NULL, NULL, n, k, NULL, 'participant', t FROM UNNEST(\(names)::text[], \(kinds)::text[], \(created)::bigint[])
                    WITH ORDINALITY AS x(n, k, t, i) ORDER BY i
                RETURNING id
                """
            let ids = try await c.rows(text.query).map { try $0[0] as ID }.sorted()
            for (p, id) in zip(chunk, ids) { participantIDs[p.key] = id }
        }
        var contributionIDs: [String: ID] = [:]
        var articleOf: [String: ID] = [:]
        for item in bundle.contributions {
            var articleID = try item.articleKey.map { k -> ID in
                guard let id = articleIDs[k] else { throw Failure.unknownKey(k) }
                return id
            }
            let parentID = try item.parentKey.map { k -> ID in
                guard let id = contributionIDs[k] else { throw Failure.unknownKey(k) }
                return id
            }
            if articleID == nil, let pk = item.parentKey { articleID = articleOf[pk] }
            let authorID = try item.authorKey.map { k -> ID in
                guard let id = participantIDs[k] else { throw Failure.unknownKey(k) }
                return id
            }
            let new = NewContribution(
                consultationID: consultation.id, kind: item.kind, articleID: articleID, parentID: parentID, authorID: authorID,
                authorName: item.authorName, title: item.title, body: item.body, rationale: "", stance: item.stance, url: item.url,
                createdAt: item.createdAt, importedTally: item.importedTally)
            let stored = try await PostgresStore.insertContribution(c, new, hidden: item.isHidden)
            contributionIDs[item.key] = stored.id
            if let articleID { articleOf[item.key] = articleID }
        }
        // The consultation is new, so its votes live only in this bundle: the last vote of a participant on
        // a target wins, as in a live consultation; every vote is an event of the log, in the bundle's order.
        struct Key: Hashable { let participant: ID; let target: Target }
        var current: [Key: (VoteValue, Date)] = [:]
        var order: [Key] = []
        var events: [(ID, Target, VoteValue, Date)] = []
        events.reserveCapacity(bundle.votes.count)
        for v in bundle.votes {
            guard let pid = participantIDs[v.participantKey] else { throw Failure.unknownKey(v.participantKey) }
            let target: Target
            if let id = articleIDs[v.targetKey] { target = .article(id) } else if let id = contributionIDs[v.targetKey] {
                target = .contribution(id)
            } else { throw Failure.unknownKey(v.targetKey) }
            let key = Key(participant: pid, target: target)
            if current[key] == nil { order.append(key) }
            current[key] = (v.value, v.at)
            events.append((pid, target, v.value, v.at))
        }
        for chunk in chunks(order, 10_000) {
            var text = SQLText()
            let p = try text.bindArray(chunk.map(\.participant)), k = try text.bindArray(chunk.map(\.target.kindName))
            let t = try text.bindArray(chunk.map(\.target.id))
            let v = try text.bindArray(chunk.map { current[$0]!.0.rawValue }), at = try text.bindArray(chunk.map { PG.ms(current[$0]!.1) })
            text.sql = """
                INSERT INTO votes (participant_id, target_kind, target_id, value, cast_at)
                SELECT * FROM UNNEST(\(p)::bigint[], \(k)::text[], \(t)::bigint[], \(v)::text[], \(at)::bigint[])
                """
            try await c.run(text.query)
        }
        for chunk in chunks(events, 10_000) {
            var text = SQLText()
            let p = try text.bindArray(chunk.map(\.0)), k = try text.bindArray(chunk.map(\.1.kindName)), t = try text.bindArray(chunk.map(\.1.id))
            let v = try text.bindArray(chunk.map(\.2.rawValue)), at = try text.bindArray(chunk.map { PG.ms($0.3) })
            text.sql = """
                INSERT INTO vote_events (participant_id, target_kind, target_id, value, at)
                SELECT p, k, t, v, a FROM UNNEST(\(p)::bigint[], \(k)::text[], \(t)::bigint[], \(v)::text[], \(at)::bigint[])
                    WITH ORDINALITY AS x(p, k, t, v, a, i) ORDER BY i
                """
            try await c.run(text.query)
        }
        // The chain: the bundle's contributions (appended as they were stored), then its votes in bundle order.
        try await PGChain.appendVotes(c, consultation.id, events.map { ($0.0, $0.1, $0.2, $0.3) })
        var live: [Target: Tally] = [:]
        for key in order { live[key.target, default: .zero].add(current[key]!.0) }
        for (target, delta) in live.sorted(by: { ($0.key.kindName, $0.key.id) < ($1.key.kindName, $1.key.id) }) {
            try await PostgresStore.bumpTally(c, target, delta)
        }
        return consultation
    }

    static func chunks<T>(_ items: [T], _ size: Int) -> [ArraySlice<T>] {
        stride(from: 0, to: items.count, by: size).map { items[$0..<min($0 + size, items.count)] }
    }
}
