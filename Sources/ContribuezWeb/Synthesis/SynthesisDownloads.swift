import ContribuezAnalysis
import ContribuezCore
import ContribuezOpenData
import ContribuezSynthesis
import Foundation
import HTTPTypes
import Hummingbird

/// Every table of the synthesis, downloadable as CSV. Participants appear only as the run's pseudonyms.
public enum SynthesisTable: String, Sendable, CaseIterable {
    case tallies, talliesByKind = "tallies_by_kind", kinds, groups, representative, points, consensus, divisive, clusters
    case themes, themeMembers = "theme_members", themeLeanings = "theme_leanings"
}

enum SynthesisDownloads {
    static func response(_ data: Data, contentType: String, filename: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = contentType
        headers[.contentDisposition] = "attachment; filename=\"\(filename)\""
        headers[.cacheControl] = "no-store"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// RFC 4180: a field with a comma, a quote or a line break is quoted, quotes doubled. A text that a spreadsheet
    /// would run as a formula (`=`, `+`, `-`, `@`, tab, CR first) gets a leading apostrophe, as in the open data
    /// (`Neutralisation`); numbers (-0.25) are left as they are.
    static func field(_ raw: String) -> String {
        let isNumber = !raw.isEmpty && raw.allSatisfy { "0123456789.-+eE".contains($0) } && Double(raw) != nil
        let s = isNumber ? raw : Neutralisation.neutralise(raw)
        guard s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return s }
        return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    static func number(_ d: Double) -> String { String(format: "%.6f", d) }

    static func csv(_ table: SynthesisTable, _ r: SynthesisReport) -> String {
        var rows: [[String]] = []
        switch table {
        case .tallies:
            rows.append(["rank", "target", "kind", "id", "label", "agree", "mixed", "disagree", "total",
                         "imported_agree", "imported_mixed", "imported_disagree", "wilson_lower_bound"])
            for t in r.tallies {
                rows.append([String(t.rank), t.target.key, t.target.kind.rawValue, String(t.target.id), t.target.label,
                             String(t.live.agree), String(t.live.mixed), String(t.live.disagree), String(t.live.total),
                             t.imported.map { String($0.agree) } ?? "", t.imported.map { String($0.mixed) } ?? "",
                             t.imported.map { String($0.disagree) } ?? "", number(t.wilson)])
            }
        case .talliesByKind:
            rows.append(["target", "participant_kind", "agree", "mixed", "disagree"])
            for t in r.tallies {
                for (k, c) in t.byKind.sorted(by: { $0.key < $1.key }) {
                    rows.append([t.target.key, k, String(c.agree), String(c.mixed), String(c.disagree)])
                }
            }
        case .kinds:
            rows.append(["participant_kind", "voters", "agree", "mixed", "disagree"])
            for k in r.kinds { rows.append([k.kind, String(k.voters), String(k.counts.agree), String(k.counts.mixed), String(k.counts.disagree)]) }
        case .groups:
            rows.append(["group", "size"])
            for g in r.groups.groups { rows.append([String(g.index + 1), String(g.size)]) }
        case .representative:
            rows.append(["group", "target", "label", "stance", "successes", "trials", "probability"])
            for g in r.groups.groups {
                for x in g.representative {
                    rows.append([String(g.index + 1), x.target.key, x.target.label, x.stance, String(x.successes), String(x.trials), number(x.probability)])
                }
            }
        case .points:
            rows.append(["participant", "x", "y", "group"])
            for p in r.groups.points { rows.append([p.participant, number(p.x), number(p.y), p.group.map { String($0 + 1) } ?? ""]) }
        case .consensus, .divisive:
            rows.append(["rank", "target", "label", "score"])
            let list = table == .consensus ? r.groups.consensus : r.groups.divisive
            for (i, x) in list.enumerated() { rows.append([String(i + 1), x.target.key, x.target.label, number(x.score)]) }
        case .clusters:
            rows.append(["cluster", "size", "distinct_authors", "is_burst", "reasons", "contribution_id", "contribution_kind"])
            for c in r.clusters {
                for m in c.members {
                    rows.append([String(c.index + 1), String(c.size), String(c.distinctAuthors), c.isBurst ? "1" : "0",
                                 c.reasons.joined(separator: ";"), String(m.contributionID), m.kind.rawValue])
                }
            }
        case .themes:
            rows.append(["theme", "label", "terms", "size", "proposals", "amendments", "arguments", "agree", "mixed", "disagree",
                         "imported_agree", "imported_mixed", "imported_disagree"])
            for t in r.themes ?? [] {
                rows.append([String(t.index + 1), t.label, t.terms.joined(separator: ";"), String(t.size),
                             String(t.contributionKinds["proposal"] ?? 0), String(t.contributionKinds["amendment"] ?? 0),
                             String(t.contributionKinds["argument"] ?? 0),
                             String(t.support.agree), String(t.support.mixed), String(t.support.disagree),
                             t.imported.map { String($0.agree) } ?? "", t.imported.map { String($0.mixed) } ?? "",
                             t.imported.map { String($0.disagree) } ?? ""])
            }
        case .themeMembers:
            rows.append(["theme", "contribution_id", "representative"])
            for t in r.themes ?? [] {
                let typical = Set(t.representative.map(\.contributionID))
                for id in t.members { rows.append([String(t.index + 1), String(id), typical.contains(id) ? "1" : "0"]) }
            }
        case .themeLeanings:
            // One row per theme and voter slice: each opinion group ("group", 1…) and each participant kind ("kind").
            rows.append(["theme", "slice", "value", "agree", "mixed", "disagree"])
            for t in r.themes ?? [] {
                for (g, c) in (t.byGroup ?? []).enumerated() {
                    rows.append([String(t.index + 1), "group", String(g + 1), String(c.agree), String(c.mixed), String(c.disagree)])
                }
                for (k, c) in t.byKind.sorted(by: { $0.key < $1.key }) {
                    rows.append([String(t.index + 1), "kind", k, String(c.agree), String(c.mixed), String(c.disagree)])
                }
            }
        }
        return rows.map { $0.map(field).joined(separator: ",") }.joined(separator: "\r\n") + "\r\n"
    }
}
