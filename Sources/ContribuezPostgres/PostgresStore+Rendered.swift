import ContribuezCore
import Foundation
import PostgresNIO

/// Derived HTML rendered once (issue 10): table `rendered_html` (migration 0007).
extension PostgresStore: RenderedStore {
    public func renderedHTML(_ keys: [RenderedKey]) async throws -> [RenderedKey: RenderedHTML] {
        guard !keys.isEmpty else { return [:] }
        return try await read { c in
            var result: [RenderedKey: RenderedHTML] = [:]
            for (kind, ids) in PG.group(Array(Set(keys.map(\.target)))) {
                for row in try await c.rows(
                    """
                    SELECT target_id, field, renderer_version, source_hash, html FROM rendered_html
                    WHERE target_kind = \(kind) AND target_id = ANY(\(ids))
                    """) {
                    guard let field = RenderedField(rawValue: try row["field"]) else { continue }
                    let key = RenderedKey(PG.target(kind, try row["target_id"]), field)
                    result[key] = try RenderedHTML(key: key, version: row["renderer_version"], sourceHash: row["source_hash"], html: row["html"])
                }
            }
            // NB: the query reads every field of each target; keep only what was asked.
            let asked = Set(keys)
            return result.filter { asked.contains($0.key) }
        }
    }

    public func putRenderedHTML(_ rows: [RenderedHTML]) async throws {
        guard !rows.isEmpty else { return }
        // NB: rows in key order, so two nodes storing overlapping batches lock them in the same order.
        let sorted = rows.sorted { ($0.key.target.kindName, $0.key.target.id, $0.key.field.rawValue) < ($1.key.target.kindName, $1.key.target.id, $1.key.field.rawValue) }
        try await write { c in
            for r in sorted {
                try await c.run(
                    """
                    INSERT INTO rendered_html (target_kind, target_id, field, renderer_version, source_hash, html)
                    VALUES (\(r.key.target.kindName), \(r.key.target.id), \(r.key.field.rawValue), \(r.version), \(r.sourceHash), \(r.html))
                    ON CONFLICT (target_kind, target_id, field) DO UPDATE SET
                        renderer_version = excluded.renderer_version, source_hash = excluded.source_hash, html = excluded.html
                    """)
            }
        }
    }

    public func staleRenderSources(version: Int, after: Target?, limit: Int) async throws -> [RenderSource] {
        guard limit > 0 else { return [] }
        return try await read { c in
            var out: [RenderSource] = []
            var contributionsAfter: ID = 0
            switch after {
            case .contribution(let id): contributionsAfter = id
            case .article, nil:
                out = try await Self.staleArticleSources(c, version: version, after: after?.id ?? 0, limit: limit)
                if Set(out.map(\.key.target)).count >= limit { return out }
            }
            return out + (try await Self.staleContributionSources(c, version: version, after: contributionsAfter, limit: limit))
        }
    }

    /// Keyset scan of articles with a missing or older rendering of their body or explanation.
    static func staleArticleSources(_ c: PostgresConnection, version: Int, after: ID, limit: Int) async throws -> [RenderSource] {
        var out: [RenderSource] = []
        for row in try await c.rows(
            """
            SELECT a.id, a.body, a.explanation, rb.renderer_version AS vb, re.renderer_version AS ve FROM articles a
            LEFT JOIN rendered_html rb ON rb.target_kind = 'article' AND rb.target_id = a.id AND rb.field = 'body'
            LEFT JOIN rendered_html re ON re.target_kind = 'article' AND re.target_id = a.id AND re.field = 'explanation'
            WHERE a.id > \(after) AND (rb.renderer_version IS NULL OR rb.renderer_version < \(version)
                OR re.renderer_version IS NULL OR re.renderer_version < \(version))
            ORDER BY a.id LIMIT \(limit)
            """) {
            let target = Target.article(try row["id"])
            if stale(try row["vb"], version) { out.append(RenderSource(key: RenderedKey(target, .body), text: try row["body"])) }
            if stale(try row["ve"], version) { out.append(RenderSource(key: RenderedKey(target, .explanation), text: try row["explanation"])) }
        }
        return out
    }

    /// Keyset scan of contributions: the body of non-amendments, the rationale and diff of amendments.
    static func staleContributionSources(_ c: PostgresConnection, version: Int, after: ID, limit: Int) async throws -> [RenderSource] {
        var out: [RenderSource] = []
        for row in try await c.rows(
            """
            SELECT c.id, c.kind, c.body, c.rationale, a.body AS base,
                   rb.renderer_version AS vb, rr.renderer_version AS vr, rd.renderer_version AS vd
            FROM contributions c
            LEFT JOIN articles a ON c.kind = 'amendment' AND a.id = c.article_id
            LEFT JOIN rendered_html rb ON rb.target_kind = 'contribution' AND rb.target_id = c.id AND rb.field = 'body'
            LEFT JOIN rendered_html rr ON rr.target_kind = 'contribution' AND rr.target_id = c.id AND rr.field = 'rationale'
            LEFT JOIN rendered_html rd ON rd.target_kind = 'contribution' AND rd.target_id = c.id AND rd.field = 'diff'
            WHERE c.id > \(after) AND (
                (c.kind <> 'amendment' AND (rb.renderer_version IS NULL OR rb.renderer_version < \(version)))
                OR (c.kind = 'amendment' AND (rr.renderer_version IS NULL OR rr.renderer_version < \(version)
                                              OR rd.renderer_version IS NULL OR rd.renderer_version < \(version))))
            ORDER BY c.id LIMIT \(limit)
            """) {
            let target = Target.contribution(try row["id"])
            if (try row["kind"] as String) != "amendment" {
                out.append(RenderSource(key: RenderedKey(target, .body), text: try row["body"]))
                continue
            }
            if stale(try row["vr"], version) { out.append(RenderSource(key: RenderedKey(target, .rationale), text: try row["rationale"])) }
            if stale(try row["vd"], version) {
                out.append(RenderSource(key: RenderedKey(target, .diff), text: try row["body"], base: (try row["base"] as String?) ?? ""))
            }
        }
        return out
    }

    private static func stale(_ stored: Int?, _ version: Int) -> Bool { stored.map { $0 < version } ?? true }

    /// Drops the renderings derived from an article's text (its body, explanation and its amendments' diffs),
    /// in the transaction that changes the text; the warm-up or the next page view renders them again.
    static func dropRenderedHTML(_ c: PostgresConnection, articleID: ID) async throws {
        try await c.run("DELETE FROM rendered_html WHERE target_kind = 'article' AND target_id = \(articleID)")
        try await c.run(
            """
            DELETE FROM rendered_html WHERE target_kind = 'contribution' AND field = 'diff'
              AND target_id IN (SELECT id FROM contributions WHERE article_id = \(articleID) AND kind = 'amendment')
            """)
    }

    static func dropRenderedHTML(_ c: PostgresConnection, articlesOf consultationID: ID) async throws {
        try await c.run("DELETE FROM rendered_html WHERE target_kind = 'article' AND target_id IN (SELECT id FROM articles WHERE consultation_id = \(consultationID))")
        try await c.run(
            """
            DELETE FROM rendered_html WHERE target_kind = 'contribution' AND field = 'diff'
              AND target_id IN (SELECT id FROM contributions WHERE consultation_id = \(consultationID) AND kind = 'amendment')
            """)
    }
}
