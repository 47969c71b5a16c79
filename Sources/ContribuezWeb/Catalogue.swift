import ContribuezCore
import Foundation

/// Interface languages: French first, English too.
public enum Lang: String, Sendable, CaseIterable {
    case fr, en

    public var other: Lang { self == .fr ? .en : .fr }

    /// Picks from an `Accept-Language` header by quality; French when nothing matches.
    public static func negotiate(_ header: String?) -> Lang {
        guard let header, !header.isEmpty else { return .fr }
        var best: (Lang, Double)? = nil
        for part in header.split(separator: ",") {
            let pieces = part.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard let tag = pieces.first?.lowercased() else { continue }
            var q = 1.0
            for p in pieces.dropFirst() where p.hasPrefix("q=") { q = Double(p.dropFirst(2)) ?? 0 }
            let primary = tag.split(separator: "-").first.map(String.init) ?? tag
            guard let lang = Lang(rawValue: primary), q > 0 else { continue }
            if best == nil || q > best!.1 { best = (lang, q) }
        }
        return best?.0 ?? .fr
    }
}

public enum CatalogueError: Error, Equatable {
    case duplicateKey(String, String)
}

/// The single message catalogue (Resources/catalogue.json): every text of the interface, in French and English.
public struct Catalogue: Sendable {
    let messages: [String: [String: String]]
    /// Per-language tables, built once: every page hands one to its templates.
    let tables: [Lang: [String: String]]

    public init(data: Data) throws {
        self.init(messages: try JSONDecoder().decode([String: [String: String]].self, from: data))
    }

    /// Merges `Resources/catalogue/*.json` (one file per feature) into the one catalogue; a key defined twice is an error.
    public static func bundled() throws -> Catalogue {
        guard let dir = Bundle.module.url(forResource: "catalogue", withExtension: nil, subdirectory: "Resources") else {
            throw CocoaError(.fileNoSuchFile)
        }
        var merged: [String: [String: String]] = [:]
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".json") }.sorted()
        for file in files {
            let part = try JSONDecoder().decode([String: [String: String]].self, from: Data(contentsOf: dir.appendingPathComponent(file)))
            for (k, v) in part {
                if merged[k] != nil { throw CatalogueError.duplicateKey(k, file) }
                merged[k] = v
            }
        }
        return Catalogue(messages: merged)
    }

    init(messages: [String: [String: String]]) {
        self.messages = messages
        var tables: [Lang: [String: String]] = [:]
        for lang in Lang.allCases {
            var out: [String: String] = [:]
            for (k, v) in messages { out[k] = v[lang.rawValue] ?? v["fr"] ?? k }
            tables[lang] = out
        }
        self.tables = tables
    }

    /// The message for `key`, with `{name}` placeholders filled. A missing key shows itself, so it is noticed.
    public func text(_ key: String, _ lang: Lang, _ params: [String: String] = [:]) -> String {
        let s = tables[lang]?[key] ?? messages[key]?["fr"] ?? key
        return params.isEmpty ? s : Self.fill(s, params)
    }

    /// All messages of a language, for templates (`{{t.key}}`).
    public func table(_ lang: Lang) -> [String: String] { tables[lang] ?? [:] }

    public var keys: Set<String> { Set(messages.keys) }

    /// Replaces `{name}` placeholders in one pass (pages call this hundreds of times; Foundation's
    /// `replacingOccurrences` showed up at 6 % of a page's CPU time).
    static func fill(_ template: String, _ params: [String: String]) -> String {
        var out = ""
        out.reserveCapacity(template.utf8.count + 16)
        var rest = template[...]
        while let open = rest.firstIndex(of: "{") {
            out += rest[..<open]
            let after = rest[rest.index(after: open)...]
            if let close = after.firstIndex(of: "}"), let value = params[String(after[..<close])] {
                out += value
                rest = after[after.index(after: close)...]
            } else {
                out += "{"
                rest = after
            }
        }
        out += rest
        return out
    }

    /// Keys missing a language.
    public var incomplete: [String] { messages.filter { $0.value["fr"] == nil || $0.value["en"] == nil }.map(\.key).sorted() }
}

extension Catalogue {
    func message(for error: FieldError, _ lang: Lang) -> String {
        // NB: an unknown field sent to the API has no catalogue name: it is named as sent.
        let field = messages["field_\(error.field)"] != nil ? text("field_\(error.field)", lang) : error.field
        if error.field == "password" && error.rule == .tooShort { return text("err_password_too_short", lang) }
        if error.field == "password" && error.rule == .tooLong { return text("err_password_too_long", lang) }
        if error.field == "text" && error.rule == .tooLong && error.limit == DraftText.maxBytes { return text("err_text_too_large", lang) }
        if error.field == "text" && error.rule == .tooLong, let line = error.line {
            return text("err_text_too_long_line", lang, ["line": "\(line)", "value": error.value ?? "", "limit": error.limit.map(String.init) ?? ""])
        }
        if error.field == "text" && error.rule == .invalid && error.line == nil { return text("err_text_invalid_encoding", lang) }
        return text("err_\(error.rule.rawValue)", lang, [
            "field": field, "limit": error.limit.map(String.init) ?? "", "line": error.line.map(String.init) ?? "",
            "otherLine": error.otherLine.map(String.init) ?? "", "value": error.value ?? "",
        ])
    }

    func message(for reason: RefusalReason, _ lang: Lang) -> String { text("refused_\(reason.rawValue)", lang) }

    func date(_ d: Date, _ lang: Lang) -> String {
        d.formatted(Date.FormatStyle(date: .long, time: .omitted, locale: Locale(identifier: lang == .fr ? "fr_FR" : "en_GB"), timeZone: Catalogue.paris))
    }

    static let paris = TimeZone(identifier: "Europe/Paris") ?? .gmt
}
