import Foundation

/// Renders the small Markdown subset participants and institutions may use,
/// with every character they typed escaped (DESIGN.md §4, invariant 5).
///
/// Supported: paragraphs (separated by a blank line), line breaks inside a
/// paragraph (`<br>`), headings `#`, `##`, `###` (rendered `<h3>`…`<h5>`
/// because they sit inside an article page), unordered lists (`-`, `*`, `+`),
/// ordered lists (`1.` or `1)`), blockquotes (`>`), `**bold**`, `*italic*` and
/// `_italic_`, `` `code` ``, backslash escapes (`\*`), and links
/// `[text](url)` whose scheme is http, https or mailto.
///
/// Safety rules:
/// - raw HTML is never passed through: `<b>` is shown as the text `<b>`;
/// - the only tags emitted are the ones listed above, written by this code;
/// - a link with any other scheme (`javascript:`, `data:`, relative URLs…) is
///   shown as its escaped source text, not as a link;
/// - links carry `rel="nofollow ugc noopener"` (user-generated content);
/// - NUL characters become U+FFFD, as an HTML parser would do anyway;
/// - nesting of blockquotes and emphasis is bounded, so hostile input cannot
///   exhaust the stack, and delimiter searches are linear overall.
public enum SafeMarkdown {
    /// The HTML for `markdown`.
    public static func html(_ markdown: String) -> String {
        // NB: "\r\n" is a single Character in Swift, so splitting on "\n" alone
        // would miss Windows line ends: CR LF and lone CR become LF first.
        let normalized = markdown.utf8.contains(0x0D) ? normalizeLineEnds(markdown) : markdown
        let lines = normalized.split(separator: "\n", omittingEmptySubsequences: false)
        var out = ""
        renderBlocks(lines[...], depth: 0, into: &out)
        return out
    }

    private static func normalizeLineEnds(_ text: String) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var previousWasCR = false
        for byte in text.utf8 {
            if byte == 0x0A, previousWasCR {
                previousWasCR = false
                continue
            }
            previousWasCR = byte == 0x0D
            bytes.append(previousWasCR ? 0x0A : byte)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Escapes `&`, `<`, `>`, `"` and `'` so `s` is inert both as element
    /// text and inside a double- or single-quoted attribute value.
    public static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for c in s { appendEscaped(c, to: &out) }
        return out
    }

    // MARK: - Blocks

    /// Blockquotes deeper than this are shown as text with their `>` marks.
    static let maxQuoteDepth = 4
    /// Emphasis nested deeper than this is shown as text with its marks.
    static let maxInlineDepth = 8

    private enum LineKind {
        case blank
        case heading(level: Int, text: Substring)
        case bullet(text: Substring)
        case ordered(number: Substring, text: Substring)
        case quote(text: Substring)
        case text(Substring)
    }

    private static func classify(_ line: Substring, depth: Int) -> LineKind {
        let trimmed = line.drop { $0 == " " || $0 == "\t" }
        if trimmed.isEmpty { return .blank }
        // Spaces and tabs are one byte each, so counting bytes avoids a
        // Character walk over the whole line.
        let indent = line.utf8.count - trimmed.utf8.count
        // NB: four spaces of indentation make code blocks in CommonMark; we do
        // not support those, so deeply indented lines are plain text.
        guard indent <= 3 else { return .text(trimmed) }
        let first = trimmed.first!
        if first == "#" {
            let hashes = trimmed.prefix { $0 == "#" }.count
            let rest = trimmed.dropFirst(hashes)
            if hashes <= 3, rest.isEmpty || rest.first == " " {
                return .heading(level: hashes, text: rest.drop { $0 == " " })
            }
        }
        if first == "-" || first == "*" || first == "+" {
            let rest = trimmed.dropFirst()
            if rest.first == " " { return .bullet(text: rest.drop { $0 == " " }) }
        }
        if first.isASCII, first.isNumber {
            let digits = trimmed.prefix { $0.isASCII && $0.isNumber }
            let rest = trimmed.dropFirst(digits.count)
            if digits.count <= 9, let mark = rest.first, mark == "." || mark == ")",
                rest.dropFirst().first == " "
            {
                return .ordered(number: digits, text: rest.dropFirst().drop { $0 == " " })
            }
        }
        if first == ">", depth < maxQuoteDepth {
            let rest = trimmed.dropFirst()
            return .quote(text: rest.first == " " ? rest.dropFirst() : rest)
        }
        return .text(trimmed)
    }

    private static func renderBlocks(_ lines: ArraySlice<Substring>, depth: Int, into out: inout String) {
        var i = lines.startIndex
        while i < lines.endIndex {
            switch classify(lines[i], depth: depth) {
            case .blank:
                i += 1
            case .heading(let level, let text):
                let tag = "h\(level + 2)"
                out += "<\(tag)>"
                renderInline(text, into: &out)
                out += "</\(tag)>\n"
                i += 1
            case .quote:
                var inner: [Substring] = []
                while i < lines.endIndex, case .quote(let text) = classify(lines[i], depth: depth) {
                    inner.append(text)
                    i += 1
                }
                out += "<blockquote>\n"
                renderBlocks(inner[...], depth: depth + 1, into: &out)
                out += "</blockquote>\n"
            case .bullet, .ordered:
                i = renderList(lines, from: i, depth: depth, into: &out)
            case .text:
                var paragraph: [Substring] = []
                while i < lines.endIndex, case .text(let text) = classify(lines[i], depth: depth) {
                    paragraph.append(text)
                    i += 1
                }
                out += "<p>"
                for (n, line) in paragraph.enumerated() {
                    if n > 0 { out += "<br>\n" }
                    renderInline(trimTrailingSpaces(line), into: &out)
                }
                out += "</p>\n"
            }
        }
    }

    /// Renders consecutive items of one list kind; a following text line
    /// (without a blank line) continues the last item after a `<br>`.
    private static func renderList(
        _ lines: ArraySlice<Substring>, from start: Int, depth: Int, into out: inout String
    ) -> Int {
        var items: [[Substring]] = []
        var ordered = false
        var firstNumber: Substring = "1"
        var i = start
        loop: while i < lines.endIndex {
            switch classify(lines[i], depth: depth) {
            case .bullet(let text) where items.isEmpty || !ordered:
                items.append([text])
            case .ordered(let number, let text) where items.isEmpty || ordered:
                if items.isEmpty {
                    ordered = true
                    firstNumber = number
                }
                items.append([text])
            case .text(let text) where !items.isEmpty:
                items[items.count - 1].append(text)
            default:
                break loop
            }
            i += 1
        }
        if ordered {
            // Only ASCII digits reach here, so the attribute needs no escaping.
            let number = firstNumber.drop { $0 == "0" }
            out += number.isEmpty || number == "1" ? "<ol>\n" : "<ol start=\"\(number)\">\n"
        } else {
            out += "<ul>\n"
        }
        for item in items {
            out += "<li>"
            for (n, line) in item.enumerated() {
                if n > 0 { out += "<br>\n" }
                renderInline(trimTrailingSpaces(line), into: &out)
            }
            out += "</li>\n"
        }
        out += ordered ? "</ol>\n" : "</ul>\n"
        return i
    }

    private static func trimTrailingSpaces(_ s: Substring) -> Substring {
        var end = s.endIndex
        while end > s.startIndex {
            let before = s.index(before: end)
            guard s[before] == " " || s[before] == "\t" else { break }
            end = before
        }
        return s[s.startIndex..<end]
    }

    // MARK: - Inline

    private static func renderInline(_ text: Substring, into out: inout String) {
        let chars = Array(text)
        renderInline(chars, 0, chars.count, depth: 0, linksAllowed: true, into: &out)
    }

    /// Remembers, per delimiter, a position from which no closer exists, so
    /// unclosed delimiters cost one scan in total rather than one per opener.
    private struct InlineState {
        var noCloserFrom: [String: Int] = [:]
    }

    private static func renderInline(
        _ chars: [Character], _ lo: Int, _ hi: Int, depth: Int, linksAllowed: Bool,
        into out: inout String
    ) {
        var i = lo
        // Closers must be found inside this span; a cache per span keeps its
        // "no closer from here" facts valid for these bounds.
        var local = InlineState()
        var brackets: [Int: Int]? = nil
        var urlDeadUntil = -1
        while i < hi {
            let c = chars[i]
            switch c {
            case "\\":
                if i + 1 < hi, isASCIIPunctuation(chars[i + 1]) {
                    appendEscaped(chars[i + 1], to: &out)
                    i += 2
                } else {
                    out += "\\"
                    i += 1
                }
                continue
            case "`":
                if let close = findCloser("`", in: chars, from: i + 1, to: hi, state: &local) {
                    out += "<code>"
                    for k in (i + 1)..<close { appendEscaped(chars[k], to: &out) }
                    out += "</code>"
                    i = close + 1
                    continue
                }
            case "*" where i + 1 < hi && chars[i + 1] == "*":
                if depth < maxInlineDepth, i + 2 < hi, !chars[i + 2].isWhitespace,
                    let close = findCloser("**", in: chars, from: i + 3, to: hi, state: &local)
                {
                    out += "<strong>"
                    renderInline(chars, i + 2, close, depth: depth + 1, linksAllowed: linksAllowed, into: &out)
                    out += "</strong>"
                    i = close + 2
                    continue
                }
                out += "**"
                i += 2
                continue
            case "*", "_":
                let openerOK =
                    depth < maxInlineDepth && i + 1 < hi && !chars[i + 1].isWhitespace
                    && (c == "*" || i == lo || !isWordCharacter(chars[i - 1]))
                if openerOK,
                    let close = findCloser(String(c), in: chars, from: i + 2, to: hi, state: &local)
                {
                    out += "<em>"
                    renderInline(chars, i + 1, close, depth: depth + 1, linksAllowed: linksAllowed, into: &out)
                    out += "</em>"
                    i = close + 1
                    continue
                }
            case "[" where linksAllowed:
                if brackets == nil { brackets = matchBrackets(chars, lo, hi) }
                if let link = parseLink(chars, at: i, to: hi, brackets: brackets!, urlDeadUntil: &urlDeadUntil) {
                    if let url = safeURL(link.url) {
                        out += "<a href=\""
                        out += escape(url)
                        out += "\" rel=\"nofollow ugc noopener\">"
                        renderInline(chars, link.textRange.lowerBound, link.textRange.upperBound, depth: depth + 1, linksAllowed: false, into: &out)
                        out += "</a>"
                    } else {
                        // Not a scheme we allow: show exactly what was written.
                        for k in i..<link.end { appendEscaped(chars[k], to: &out) }
                    }
                    i = link.end
                    continue
                }
            default:
                break
            }
            appendEscaped(c, to: &out)
            i += 1
        }
    }

    /// Finds the next closing `delimiter` in `chars[from..<to]`, skipping
    /// backslash-escaped characters; emphasis closers must follow a non-space.
    private static func findCloser(
        _ delimiter: String, in chars: [Character], from: Int, to hi: Int, state: inout InlineState
    ) -> Int? {
        if let dead = state.noCloserFrom[delimiter], from >= dead { return nil }
        let marks = Array(delimiter)
        var k = from
        while k + marks.count <= hi {
            if chars[k] == "\\" { k += 2; continue }
            if chars[k] == marks[0], marks.count == 1 || chars[k + 1] == marks[1] {
                // In a run of three or more stars the strong closer is the last
                // pair, so "**a *b***" closes the emphasis first.
                var k = k
                while marks.count == 2, k + 2 < hi, chars[k + 2] == "*" { k += 1 }
                let isCode = delimiter == "`"
                let afterNonSpace = isCode || !chars[k - 1].isWhitespace
                let notIntraword =
                    delimiter != "_" || k + 1 >= hi || !isWordCharacter(chars[k + 1])
                // A lone `*` must not be half of a `**`.
                let notDouble =
                    delimiter != "*" || ((k + 1 >= hi || chars[k + 1] != "*") && chars[k - 1] != "*")
                if afterNonSpace, notIntraword, notDouble { return k }
            }
            k += 1
        }
        state.noCloserFrom[delimiter] = min(state.noCloserFrom[delimiter] ?? from, from)
        return nil
    }

    private struct Link {
        var textRange: Range<Int>
        var url: String
        /// Index just past the closing parenthesis.
        var end: Int
    }

    /// Pairs each `[` of `chars[lo..<hi]` with its balancing `]`, in one pass,
    /// skipping backslash-escaped characters.
    ///
    /// NB: scanning forward from every `[` instead would be quadratic on a
    /// text made of thousands of `[`.
    private static func matchBrackets(_ chars: [Character], _ lo: Int, _ hi: Int) -> [Int: Int] {
        var pairs: [Int: Int] = [:]
        var open: [Int] = []
        var k = lo
        while k < hi {
            switch chars[k] {
            case "\\": k += 1
            case "[": open.append(k)
            case "]": if let start = open.popLast() { pairs[start] = k }
            default: break
            }
            k += 1
        }
        return pairs
    }

    /// Parses `[text](url)` at `start`; brackets in the text must balance and
    /// the URL may not contain whitespace or angle brackets.
    private static func parseLink(
        _ chars: [Character], at start: Int, to hi: Int, brackets: [Int: Int], urlDeadUntil: inout Int
    ) -> Link? {
        guard let close = brackets[start], close + 1 < hi, chars[close + 1] == "(" else { return nil }
        // NB: a URL scan that failed at position p fails again from any start
        // before p; remembering p keeps "[](x[](x[](x…" linear.
        guard close + 2 >= urlDeadUntil else { return nil }
        var url = ""
        var k = close + 2
        while k < hi, chars[k] != ")" {
            let c = chars[k]
            if c.isWhitespace || c == "<" || c == ">"
                || c.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
            {
                urlDeadUntil = k
                return nil
            }
            url.append(c)
            k += 1
        }
        guard k < hi else {
            urlDeadUntil = hi
            return nil
        }
        return Link(textRange: (start + 1)..<close, url: url, end: k + 1)
    }

    /// The URL if its scheme is http, https or mailto; nil otherwise.
    static func safeURL(_ url: String) -> String? {
        let lower = url.lowercased()
        for scheme in ["http://", "https://", "mailto:"] where lower.hasPrefix(scheme) {
            return url.count > scheme.count ? url : nil
        }
        return nil
    }

    private static func isASCIIPunctuation(_ c: Character) -> Bool {
        guard c.isASCII, let v = c.asciiValue else { return false }
        return (33...47).contains(v) || (58...64).contains(v) || (91...96).contains(v) || (123...126).contains(v)
    }

    private static func isWordCharacter(_ c: Character) -> Bool {
        c.isLetter || c.isNumber
    }

    private static func appendEscaped(_ c: Character, to out: inout String) {
        // NB: checked per scalar, not per Character: "<" followed by a combining
        // mark is one Character that still starts with a raw "<".
        if c.utf8.contains(where: { $0 == 0x26 || $0 == 0x3C || $0 == 0x3E || $0 == 0x22 || $0 == 0x27 || $0 == 0 }) {
            for scalar in c.unicodeScalars { appendEscaped(scalar, to: &out) }
        } else {
            out.append(c)
        }
    }

    private static func appendEscaped(_ c: Unicode.Scalar, to out: inout String) {
        switch c {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&#39;"
        case "\0": out += "\u{FFFD}"
        default: out.unicodeScalars.append(c)
        }
    }
}
