import Foundation

/// The draft text of a law or regulation, imported by an organiser from Markdown.
///
/// Headings make the structure: a heading reading `Article <number>` (any level) starts an article;
/// any other heading of level 1 to 3 starts a section (title, chapter, section); headings of level 4
/// to 6 stay in the article body as Markdown. A heading reading "Article" without a number this
/// grammar knows ("Article L. 121-1", "Article 1.2") is not an article heading: at level 1 to 3 it
/// starts a section, deeper it is body text.
///
/// Number grammar: digits with an optional "er" (`1er` → "1"), or `premier` (→ "1"), then an optional
/// Latin adverb (`bis` … `decies`, stored lowercase) and an optional capital letter (`3 A`, `2 bis A`);
/// or `unique`. An optional separator (—, –, -, :, .) then introduces the title.
public enum DraftText {
    /// The largest text accepted, in bytes of UTF-8.
    public static let maxBytes = 2 * 1024 * 1024

    /// Parses an uploaded file: refuses more than `maxBytes` before decoding, then anything not UTF-8.
    public static func parse<Bytes: Collection>(data: Bytes) -> DraftTextParse where Bytes.Element == UInt8 {
        guard data.count <= maxBytes else { return .invalid([DraftTextProblem(code: .tooLarge)]) }
        if let offset = firstInvalidUTF8Offset(data) {
            // NB: the line is counted in bytes before the fault; \r\n and lone \r count as one break each.
            let line = lineCount(data.prefix(offset))
            return .invalid([DraftTextProblem(code: .invalidEncoding, line: line)])
        }
        return parse(String(decoding: data, as: UTF8.self))
    }

    /// Parses Markdown text into sections and articles, or lists every problem that prevents it.
    public static func parse(_ markdown: String) -> DraftTextParse {
        guard markdown.utf8.count <= maxBytes else { return .invalid([DraftTextProblem(code: .tooLarge)]) }
        var builder = Builder()
        for (index, text) in lines(of: markdown).enumerated() {
            builder.feed(text, number: index + 1)
        }
        return builder.finish()
    }
}

/// Either the parsed text or the problems that make it unusable (sorted by line, warnings included).
public enum DraftTextParse: Sendable, Equatable {
    case parsed(ParsedDraftText)
    case invalid([DraftTextProblem])
}

public struct ParsedDraftText: Sendable, Equatable, Codable {
    public var sections: [ParsedSection]
    /// Problems that do not prevent the import, such as text ignored before the first heading.
    public var warnings: [DraftTextProblem]
    public var articleCount: Int { sections.reduce(0) { $0 + $1.articles.count } }

    public init(sections: [ParsedSection], warnings: [DraftTextProblem] = []) {
        self.sections = sections; self.warnings = warnings
    }
}

public struct ParsedSection: Sendable, Equatable, Codable {
    /// 1 for `#`, 2 for `##`, 3 for `###`; 0 for the implicit section of articles before any heading.
    public var level: Int
    /// The heading text as written, trimmed; "" for the implicit section.
    public var title: String
    /// The 1-based line of the heading; 0 for the implicit section.
    public var line: Int
    public var articles: [ParsedArticle]

    public init(level: Int, title: String, line: Int, articles: [ParsedArticle] = []) {
        self.level = level; self.title = title; self.line = line; self.articles = articles
    }
}

public struct ParsedArticle: Sendable, Equatable, Codable {
    /// Normalised number: "1", "2 bis", "12 ter", "3 A", "unique".
    public var number: String
    /// The text after the number and its separator; may be "".
    public var title: String
    /// Markdown of the article, trimmed, one blank line between blocks.
    public var body: String
    /// The « exposé des motifs », trimmed Markdown; may be "".
    public var explanation: String
    /// The law in force that the article changes (« droit en vigueur »), trimmed; may be "".
    public var currentLaw: String
    /// The 1-based line of the article heading.
    public var line: Int

    public init(number: String, title: String = "", body: String, explanation: String = "", currentLaw: String = "", line: Int) {
        self.number = number; self.title = title; self.body = body; self.explanation = explanation
        self.currentLaw = currentLaw; self.line = line
    }
}

public struct DraftTextProblem: Sendable, Equatable, Codable {
    public enum Code: String, Sendable, Codable {
        case noArticle = "no_article", duplicateNumber = "duplicate_number", tooLarge = "too_large"
        case emptyArticle = "empty_article", ignoredText = "ignored_text", invalidEncoding = "invalid_encoding"
    }
    public var code: Code
    /// The 1-based line the problem is on.
    public var line: Int?
    /// For `duplicateNumber`: the line of the first article with that number.
    public var otherLine: Int?
    /// The article number concerned, when there is one.
    public var number: String?

    public init(code: Code, line: Int? = nil, otherLine: Int? = nil, number: String? = nil) {
        self.code = code; self.line = line; self.otherLine = otherLine; self.number = number
    }

    /// Only `ignoredText` lets the import go on.
    public var isWarning: Bool { code == .ignoredText }
}

// MARK: - Lines

extension DraftText {
    /// Splits on \n, \r\n and lone \r. Works on bytes because "\r\n" is one Character in Swift.
    static func lines(of text: String) -> [String] {
        var lines: [String] = []
        let bytes = Array(text.utf8)
        var start = 0, i = 0
        while i < bytes.count {
            let byte = bytes[i]
            if byte == 0x0A || byte == 0x0D {
                lines.append(String(decoding: bytes[start..<i], as: UTF8.self))
                if byte == 0x0D, i + 1 < bytes.count, bytes[i + 1] == 0x0A { i += 1 }
                start = i + 1
            }
            i += 1
        }
        lines.append(String(decoding: bytes[start...], as: UTF8.self))
        // NB: a byte-order mark from a Windows editor would hide a heading on line 1.
        if let first = lines.first, first.hasPrefix("\u{FEFF}") { lines[0] = String(first.dropFirst()) }
        return lines
    }

    static func firstInvalidUTF8Offset<Bytes: Collection>(_ bytes: Bytes) -> Int? where Bytes.Element == UInt8 {
        var iterator = bytes.makeIterator()
        var parser = Unicode.UTF8.ForwardParser()
        var offset = 0
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let encoded): offset += encoded.count
            case .error: return offset
            case .emptyInput: return nil
            }
        }
    }

    static func lineCount<Bytes: Collection>(_ bytes: Bytes) -> Int where Bytes.Element == UInt8 {
        var line = 1
        var previous: UInt8 = 0
        for byte in bytes {
            if byte == 0x0A, previous != 0x0D { line += 1 }
            if byte == 0x0D { line += 1 }
            previous = byte
        }
        return line
    }
}

// MARK: - Structure

extension DraftText {
    /// A line of an article, and whether it belongs to a fenced code block (delimiters included).
    struct Line {
        var text: String
        var inFence: Bool
    }

    struct Fence {
        var marker: Character
        var length: Int
    }

    struct PendingArticle {
        var number: String
        var title: String
        var line: Int
        var content: [Line] = []
    }

    /// Reads lines one by one and builds sections, articles and warnings.
    struct Builder {
        var sections: [ParsedSection] = []
        var warnings: [DraftTextProblem] = []
        var article: PendingArticle?
        var fence: Fence?
        /// Whether the current run of ignored text already has its warning.
        var warnedInThisRun = false

        mutating func feed(_ text: String, number: Int) {
            if let open = fence {
                if DraftText.closesFence(text, open) { fence = nil }
                addContent(Line(text: text, inFence: true), number: number)
                return
            }
            if let opening = DraftText.opensFence(text) {
                fence = opening
                addContent(Line(text: text, inFence: true), number: number)
                return
            }
            guard let heading = DraftText.heading(text) else {
                addContent(Line(text: text, inFence: false), number: number)
                return
            }
            if let found = DraftText.articleHeading(heading.text) {
                closeArticle()
                if sections.isEmpty { sections.append(ParsedSection(level: 0, title: "", line: 0)) }
                article = PendingArticle(number: found.number, title: found.title, line: number)
            } else if heading.level <= 3 {
                closeArticle()
                sections.append(ParsedSection(level: heading.level, title: heading.text, line: number))
                warnedInThisRun = false
            } else {
                addContent(Line(text: text, inFence: false), number: number)
            }
        }

        mutating func addContent(_ line: Line, number: Int) {
            if article != nil {
                article!.content.append(line)
            } else if !DraftText.isBlank(line.text), !warnedInThisRun {
                warnings.append(DraftTextProblem(code: .ignoredText, line: number))
                warnedInThisRun = true
            }
        }

        mutating func closeArticle() {
            guard let pending = article else { return }
            article = nil
            let parts = DraftText.split(pending.content)
            sections[sections.count - 1].articles.append(ParsedArticle(
                number: pending.number, title: pending.title, body: parts.body, explanation: parts.explanation,
                currentLaw: parts.currentLaw, line: pending.line))
        }

        mutating func finish() -> DraftTextParse {
            closeArticle()
            var problems: [DraftTextProblem] = []
            var firstLine: [String: Int] = [:]
            for article in sections.flatMap(\.articles) {
                if article.body.isEmpty {
                    problems.append(DraftTextProblem(code: .emptyArticle, line: article.line, number: article.number))
                }
                if let other = firstLine[article.number] {
                    problems.append(DraftTextProblem(code: .duplicateNumber, line: article.line, otherLine: other, number: article.number))
                } else {
                    firstLine[article.number] = article.line
                }
            }
            if firstLine.isEmpty { problems.append(DraftTextProblem(code: .noArticle)) }
            guard problems.isEmpty else {
                // NB: warnings ride along so the organiser sees every line to fix at once.
                let all = (problems + warnings).enumerated().sorted {
                    ($0.element.line ?? 0, $0.offset) < ($1.element.line ?? 0, $1.offset)
                }
                return .invalid(all.map(\.element))
            }
            return .parsed(ParsedDraftText(sections: sections, warnings: warnings))
        }
    }
}

// MARK: - Article content

extension DraftText {
    /// The trailing parts of an article, each opened by its lead phrase.
    enum Trailing {
        case explanation, currentLaw
    }

    /// Separates an article's body from its « exposé des motifs » and its « droit en vigueur »: blockquotes
    /// anywhere before them are part of the exposé; a paragraph (or level 4+ heading) starting with "Exposé des
    /// motifs" or "Droit en vigueur" (or "Droit existant") opens that part, which runs to the other lead or the end.
    static func split(_ lines: [Line]) -> (body: String, explanation: String, currentLaw: String) {
        var body: [Line] = []
        var explanation: [[Line]] = []
        var currentLaw: [[Line]] = []
        var quote: [Line]?
        var trailing: (kind: Trailing, lines: [Line])?
        var atBlockStart = true

        func flushQuote() {
            guard var block = quote else { return }
            quote = nil
            if let first = block.firstIndex(where: { !isBlank($0.text) }), let rest = explanationLead(block[first].text) {
                block[first].text = rest
            }
            explanation.append(block)
        }
        func flushTrailing() {
            guard let part = trailing else { return }
            trailing = nil
            switch part.kind {
            case .explanation: explanation.append(part.lines)
            case .currentLaw: currentLaw.append(part.lines)
            }
        }
        /// The part a line opens, and the line's rest after the lead phrase.
        func lead(_ text: String, atBlockStart: Bool) -> (Trailing, String)? {
            if atBlockStart, !isBlank(text) {
                if let rest = explanationLead(text) { return (.explanation, rest) }
                if let rest = currentLawLead(text) { return (.currentLaw, rest) }
            }
            if let heading = heading(text) {
                if let rest = explanationLead(heading.text) { return (.explanation, rest) }
                if let rest = currentLawLead(heading.text) { return (.currentLaw, rest) }
            }
            return nil
        }

        for line in lines {
            if trailing != nil {
                if !line.inFence, let (kind, rest) = lead(line.text, atBlockStart: atBlockStart) {
                    flushTrailing()
                    trailing = (kind, [Line(text: rest, inFence: false)])
                    atBlockStart = false
                    continue
                }
                trailing!.lines.append(line)
                atBlockStart = line.inFence || isBlank(line.text) || heading(line.text) != nil
                continue
            }
            if !line.inFence {
                let blank = isBlank(line.text)
                if let content = quoteContent(line.text) {
                    quote = (quote ?? []) + [Line(text: content, inFence: false)]
                    atBlockStart = false
                    continue
                }
                if quote != nil, !blank, heading(line.text) == nil {
                    quote!.append(line)  // lazy continuation, as in CommonMark
                    continue
                }
                flushQuote()
                if let (kind, rest) = lead(line.text, atBlockStart: atBlockStart) {
                    trailing = (kind, [Line(text: rest, inFence: false)])
                    atBlockStart = false
                    continue
                }
                atBlockStart = blank || heading(line.text) != nil
            } else {
                flushQuote()
                atBlockStart = true  // the line after a closing fence starts a block
            }
            body.append(line)
        }
        flushQuote()
        flushTrailing()
        func joined(_ blocks: [[Line]]) -> String { blocks.map(render).filter { !$0.isEmpty }.joined(separator: "\n\n") }
        return (render(body), joined(explanation), joined(currentLaw))
    }

    /// Joins lines, dropping blank lines at the ends and collapsing runs of blank lines to one,
    /// except inside fenced code where every line is kept.
    static func render(_ lines: [Line]) -> String {
        var out: [String] = []
        var pendingBlank = false
        for line in lines {
            if !line.inFence, isBlank(line.text) {
                pendingBlank = !out.isEmpty
                continue
            }
            if pendingBlank { out.append("") }
            pendingBlank = false
            out.append(line.text)
        }
        return out.joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The rest of a line that starts with "Exposé des motifs" (any case, accent optional, optionally
    /// in `*`/`_` emphasis), without the phrase and the punctuation after it; nil if it does not.
    static func explanationLead(_ text: String) -> String? { leadRest(text, phrases: ["expose des motifs"]) }

    /// The rest of a line that starts with "Droit en vigueur" or "Droit existant", as `explanationLead` reads it.
    static func currentLawLead(_ text: String) -> String? { leadRest(text, phrases: ["droit en vigueur", "droit existant"]) }

    static func leadRest(_ text: String, phrases: [String]) -> String? {
        var s = Substring(text).drop(while: \.isWhitespace)
        let emphasis = String(s.prefix(while: { $0 == "*" || $0 == "_" }).prefix(3))
        s = s.dropFirst(emphasis.count)
        guard let phrase = phrases.first(where: { phrase in
            s.count >= phrase.count
                && s.prefix(phrase.count).folding(options: [.caseInsensitive, .diacriticInsensitive], locale: nil) == phrase
        }) else { return nil }
        s = s.dropFirst(phrase.count)
        if let next = s.first, next.isLetter || next.isNumber { return nil }
        let punctuation: (Character) -> Bool = { $0.isWhitespace || ":.—–".contains($0) }
        s = s.drop(while: punctuation)
        if !emphasis.isEmpty, s.hasPrefix(emphasis) { s = s.dropFirst(emphasis.count).drop(while: punctuation) }
        return String(s)
    }

    /// The text of a blockquote line without its `>` marker and one following space; nil otherwise.
    static func quoteContent(_ text: String) -> String? {
        let indent = text.prefix(while: { $0 == " " })
        guard indent.count <= 3 else { return nil }
        var s = text.dropFirst(indent.count)
        guard s.first == ">" else { return nil }
        s = s.dropFirst()
        if s.first == " " || s.first == "\t" { s = s.dropFirst() }
        return String(s)
    }

    static func isBlank(_ text: String) -> Bool { text.allSatisfy(\.isWhitespace) }
}

// MARK: - Headings and fences

extension DraftText {
    /// An ATX heading: up to 3 spaces, 1 to 6 `#`, then a space, a tab or the end of the line.
    /// The text is trimmed and loses an optional closing run of `#`.
    static func heading(_ line: String) -> (level: Int, text: String)? {
        let indent = line.prefix(while: { $0 == " " })
        guard indent.count <= 3 else { return nil }
        var s = line.dropFirst(indent.count)
        let level = s.prefix(while: { $0 == "#" }).count
        guard (1...6).contains(level) else { return nil }
        s = s.dropFirst(level)
        guard s.isEmpty || s.first == " " || s.first == "\t" else { return nil }
        var text = s.trimmingCharacters(in: .whitespaces)
        let withoutClosing = text.reversed().drop(while: { $0 == "#" })
        if withoutClosing.isEmpty || withoutClosing.first == " " || withoutClosing.first == "\t" {
            text = String(withoutClosing.reversed()).trimmingCharacters(in: .whitespaces)
        }
        return (level, text)
    }

    /// An opening fence: three or more backticks or tildes, at any indentation (lists indent them).
    static func opensFence(_ line: String) -> Fence? {
        let s = line.drop(while: { $0 == " " || $0 == "\t" })
        guard let marker = s.first, marker == "`" || marker == "~" else { return nil }
        let length = s.prefix(while: { $0 == marker }).count
        guard length >= 3 else { return nil }
        if marker == "`", s.dropFirst(length).contains("`") { return nil }
        return Fence(marker: marker, length: length)
    }

    /// NB: as in CommonMark, an unclosed fence runs to the end of the text.
    static func closesFence(_ line: String, _ fence: Fence) -> Bool {
        let s = line.drop(while: { $0 == " " || $0 == "\t" })
        let length = s.prefix(while: { $0 == fence.marker }).count
        return length >= fence.length && s.dropFirst(length).allSatisfy(\.isWhitespace)
    }

    static let adverbs: Set<String> = ["bis", "ter", "quater", "quinquies", "sexies", "septies", "octies", "nonies", "decies"]
    static let separators: Set<Character> = ["—", "–", "-", ":", "."]

    /// The normalised number and title of an article heading's text; nil when it is not one.
    static func articleHeading(_ text: String) -> (number: String, title: String)? {
        let chars = Array(text)
        var i = 0
        func skipSpaces() { while i < chars.count, chars[i].isWhitespace { i += 1 } }
        func word(at start: Int) -> String {
            var end = start
            while end < chars.count, chars[end].isLetter { end += 1 }
            return String(chars[start..<end])
        }
        func isASCIIDigit(_ c: Character) -> Bool { c.isASCII && c.isNumber }

        guard chars.count > 8, String(chars[0..<7]).lowercased() == "article", chars[7].isWhitespace else { return nil }
        i = 7
        skipSpaces()
        var parts: [String] = []
        let first = word(at: i).lowercased()
        if first == "unique" {
            i += first.count
            parts = ["unique"]
        } else {
            if first == "premier" {
                i += first.count
                parts = ["1"]
            } else {
                let start = i
                while i < chars.count, isASCIIDigit(chars[i]) { i += 1 }
                guard i > start else { return nil }
                parts = [String(chars[start..<i])]
                if word(at: i).lowercased() == "er" { i += 2 }
            }
            // Latin adverb: "bis", "ter"… with or without a space before it.
            var j = i
            while j < chars.count, chars[j].isWhitespace { j += 1 }
            let adverb = word(at: j).lowercased()
            if adverbs.contains(adverb) {
                parts.append(adverb)
                i = j + adverb.count
            }
            // Capital letter: only when the number ends there, so "Article 3 A propos" keeps "A propos" as title.
            j = i
            while j < chars.count, chars[j].isWhitespace { j += 1 }
            if j < chars.count, chars[j].isASCII, chars[j].isUppercase {
                var k = j + 1
                while k < chars.count, chars[k].isWhitespace { k += 1 }
                if k == chars.count || separators.contains(chars[k]) {
                    parts.append(String(chars[j]))
                    i = j + 1
                }
            }
        }
        let number = parts.joined(separator: " ")
        // What follows the number: nothing, a separator then the title, or spaces then the title.
        guard i < chars.count else { return (number, "") }
        let c = chars[i]
        if separators.contains(c) {
            // "1.2" and "12-1" are numbers this grammar does not know, not "1" titled ".2".
            if c == "." || c == "-", i + 1 < chars.count, !chars[i + 1].isWhitespace { return nil }
            i += 1
        } else if c.isWhitespace {
            skipSpaces()
            if i < chars.count, separators.contains(chars[i]) { i += 1 }
        } else {
            return nil
        }
        return (number, String(chars[i...]).trimmingCharacters(in: .whitespaces))
    }
}
