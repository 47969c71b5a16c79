import ContribuezCore
import GRDB

/// Derived HTML rendered once (issue 10): table `rendered_html` (migration 0007).
extension SQLiteStore: RenderedStore {
    public func renderedHTML(_ keys: [RenderedKey]) async throws -> [RenderedKey: RenderedHTML] {
        guard !keys.isEmpty else { return [:] }
        return try await pool.read { db in
            var result: [RenderedKey: RenderedHTML] = [:]
            for (kind, ids) in SQL.group(Array(Set(keys.map(\.target)))) {
                let marks = Array(repeating: "?", count: ids.count).joined(separator: ",")
                var args: [any DatabaseValueConvertible] = [kind]
                args.append(contentsOf: ids)
                let rows = try Row.fetchCursor(
                    db, sql: "SELECT target_id, field, renderer_version, source_hash, html FROM rendered_html WHERE target_kind = ? AND target_id IN (\(marks))",
                    arguments: StatementArguments(args))
                while let row = try rows.next() {
                    guard let field = RenderedField(rawValue: row["field"]) else { continue }
                    let key = RenderedKey(SQL.target(kind, row["target_id"]), field)
                    result[key] = RenderedHTML(key: key, version: row["renderer_version"], sourceHash: row["source_hash"], html: row["html"])
                }
            }
            // NB: the query reads every field of each target; keep only what was asked.
            let asked = Set(keys)
            return result.filter { asked.contains($0.key) }
        }
    }

    public func putRenderedHTML(_ rows: [RenderedHTML]) async throws {
        guard !rows.isEmpty else { return }
        try await pool.write { db in
            let statement = try db.cachedStatement(sql: """
                INSERT INTO rendered_html (target_kind, target_id, field, renderer_version, source_hash, html) VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT (target_kind, target_id, field) DO UPDATE SET
                    renderer_version = excluded.renderer_version, source_hash = excluded.source_hash, html = excluded.html
                """)
            for r in rows {
                try statement.execute(arguments: [r.key.target.kindName, r.key.target.id, r.key.field.rawValue, r.version, r.sourceHash, r.html])
            }
        }
    }

    public func staleRenderSources(version: Int, after: Target?, limit: Int) async throws -> [RenderSource] {
        guard limit > 0 else { return [] }
        return try await pool.read { db in
            var out: [RenderSource] = []
            var contributionsAfter: ID = 0
            switch after {
            case .contribution(let id): contributionsAfter = id
            case .article, nil:
                out = try Self.staleArticleSources(db, version: version, after: after?.id ?? 0, limit: limit)
                if Set(out.map(\.key.target)).count >= limit { return out }
            }
            return out + (try Self.staleContributionSources(db, version: version, after: contributionsAfter, limit: limit))
        }
    }

    /// Keyset scan of articles with a missing or older rendering of their body or explanation.
    static func staleArticleSources(_ db: Database, version: Int, after: ID, limit: Int) throws -> [RenderSource] {
        let rows = try Row.fetchAll(db, cachedSQL: """
            SELECT a.id, a.body, a.explanation, rb.renderer_version AS vb, re.renderer_version AS ve FROM articles a
            LEFT JOIN rendered_html rb ON rb.target_kind = 'article' AND rb.target_id = a.id AND rb.field = 'body'
            LEFT JOIN rendered_html re ON re.target_kind = 'article' AND re.target_id = a.id AND re.field = 'explanation'
            WHERE a.id > ? AND (rb.renderer_version IS NULL OR rb.renderer_version < ? OR re.renderer_version IS NULL OR re.renderer_version < ?)
            ORDER BY a.id LIMIT ?
            """, arguments: [after, version, version, limit])
        var out: [RenderSource] = []
        for row in rows {
            let target = Target.article(row["id"])
            if stale(row["vb"], version) { out.append(RenderSource(key: RenderedKey(target, .body), text: row["body"])) }
            if stale(row["ve"], version) { out.append(RenderSource(key: RenderedKey(target, .explanation), text: row["explanation"])) }
        }
        return out
    }

    /// Keyset scan of contributions: the body of non-amendments, the rationale and diff of amendments.
    static func staleContributionSources(_ db: Database, version: Int, after: ID, limit: Int) throws -> [RenderSource] {
        let rows = try Row.fetchAll(db, cachedSQL: """
            SELECT c.id, c.kind, c.body, c.rationale, a.body AS base,
                   rb.renderer_version AS vb, rr.renderer_version AS vr, rd.renderer_version AS vd
            FROM contributions c
            LEFT JOIN articles a ON c.kind = 'amendment' AND a.id = c.article_id
            LEFT JOIN rendered_html rb ON rb.target_kind = 'contribution' AND rb.target_id = c.id AND rb.field = 'body'
            LEFT JOIN rendered_html rr ON rr.target_kind = 'contribution' AND rr.target_id = c.id AND rr.field = 'rationale'
            LEFT JOIN rendered_html rd ON rd.target_kind = 'contribution' AND rd.target_id = c.id AND rd.field = 'diff'
            WHERE c.id > ? AND (
                (c.kind <> 'amendment' AND (rb.renderer_version IS NULL OR rb.renderer_version < ?))
                OR (c.kind = 'amendment' AND (rr.renderer_version IS NULL OR rr.renderer_version < ?
                                              OR rd.renderer_version IS NULL OR rd.renderer_version < ?)))
            ORDER BY c.id LIMIT ?
            """, arguments: [after, version, version, version, limit])
        var out: [RenderSource] = []
        for row in rows {
            let target = Target.contribution(row["id"])
            if (row["kind"] as String) != "amendment" {
                out.append(RenderSource(key: RenderedKey(target, .body), text: row["body"]))
                continue
            }
            if stale(row["vr"], version) { out.append(RenderSource(key: RenderedKey(target, .rationale), text: row["rationale"])) }
            if stale(row["vd"], version) {
                out.append(RenderSource(key: RenderedKey(target, .diff), text: row["body"], base: (row["base"] as String?) ?? ""))
            }
        }
        return out
    }

    private static func stale(_ stored: Int?, _ version: Int) -> Bool { stored.map { $0 < version } ?? true }

    /// Drops the renderings derived from an article's text (its body, explanation and its amendments' diffs),
    /// in the transaction that changes the text; the warm-up or the next page view renders them again.
    static func dropRenderedHTML(_ db: Database, articleID: ID) throws {
        try db.execute(sql: "DELETE FROM rendered_html WHERE target_kind = 'article' AND target_id = ?", arguments: [articleID])
        try db.execute(sql: """
            DELETE FROM rendered_html WHERE target_kind = 'contribution' AND field = 'diff'
              AND target_id IN (SELECT id FROM contributions WHERE article_id = ? AND kind = 'amendment')
            """, arguments: [articleID])
    }

    static func dropRenderedHTML(_ db: Database, articlesOf consultationID: ID) throws {
        for id in try ID.fetchAll(db, cachedSQL: "SELECT id FROM articles WHERE consultation_id = ?", arguments: [consultationID]) {
            try dropRenderedHTML(db, articleID: id)
        }
    }
}
