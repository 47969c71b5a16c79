import Foundation
import Testing

@testable import ContribuezWeb

@Suite("Safe Markdown rendering")
struct SafeMarkdownTests {
    // MARK: - Safety oracle

    /// Every tag SafeMarkdown may write. Anything else shaped like markup in the
    /// output must have come from the input, which means an escaping bug.
    static let allowedTag = try! NSRegularExpression(
        pattern:
            #"</?(p|br|h3|h4|h5|ul|li|strong|em|code|blockquote)>|<ol( start="[0-9]+")?>|</ol>|<a href="([^"<>]*)" rel="nofollow ugc noopener">|</a>"#
    )

    /// Checks the safety invariants of rendered HTML: once the allowed tags are
    /// removed, no `<`, `>`, `"` or `'` remains, every `&` starts one of our
    /// five entities, and every href uses http, https or mailto.
    static func checkSafe(_ html: String, input: String) {
        let ns = html as NSString
        let matches = allowedTag.matches(in: html, range: NSRange(location: 0, length: ns.length))
        var text = ""
        var cursor = 0
        for match in matches {
            text += ns.substring(with: NSRange(location: cursor, length: match.range.location - cursor))
            cursor = match.range.location + match.range.length
            let href = match.range(at: 3)
            if href.location != NSNotFound {
                let url = ns.substring(with: href).lowercased()
                #expect(
                    url.hasPrefix("http://") || url.hasPrefix("https://") || url.hasPrefix("mailto:"),
                    "unsafe href \(url) for input \(input.debugDescription)")
            }
        }
        text += ns.substring(from: cursor)
        for forbidden in ["<", ">", "\"", "'"] {
            #expect(!text.contains(forbidden), "raw \(forbidden) in \(html.debugDescription) for input \(input.debugDescription)")
        }
        let entity = try! NSRegularExpression(pattern: "&(?!(amp|lt|gt|quot|#39);)")
        let stray = entity.numberOfMatches(in: text, range: NSRange(location: 0, length: (text as NSString).length))
        #expect(stray == 0, "bare & in \(html.debugDescription) for input \(input.debugDescription)")
    }

    static let payloads: [String] = [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "<IMG SRC=\"javascript:alert('XSS')\">",
        "[clic](javascript:alert(1))",
        "[clic](JaVaScRiPt:alert(1))",
        "[clic]( javascript:alert(1))",
        "[clic](java\tscript:alert(1))",
        "[clic](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        "[clic](vbscript:msgbox(1))",
        "[clic](//evil.example/x)",
        "[clic](/relative)",
        "[x](https://ok.example/\" onmouseover=\"alert(1))",
        "[x](https://ok.example/'onmouseover='alert(1))",
        "[\" onmouseover=\"alert(1)](https://ok.example)",
        "[<img src=x onerror=alert(1)>](https://ok.example)",
        "[[nested](javascript:alert(1))](https://ok.example)",
        "[a](https://ok.example)[b](javascript:x)",
        "[unclosed](https://ok.example",
        "**unclosed bold *unclosed em _unclosed `unclosed code",
        "&lt;script&gt;alert(1)&lt;/script&gt;",
        "&#60;script&#62;",
        "&amp;lt;",
        "`<script>`",
        "**<b>bold</b>**",
        "*<i onmouseover=alert(1)>*",
        "# <h1>title</h1>",
        "> <blockquote onclick=x>",
        "- <li>item",
        "1. <ol start=\"x\">",
        "0. item\n5. item",
        "\\<script>",
        "<!-- comment -->",
        "<a href=\"javascript:alert(1)\">x</a>",
        "[x](mailto:a@b.example?subject=<script>)",
        "[x](https://ok.example/<script>)",
        "[x](https://ok.example/a\"b)",
        "<svg/onload=alert(1)>",
        "\"><script>alert(1)</script>",
        "'><script>alert(1)</script>",
        "[x](https:)",
        String(repeating: ">", count: 50) + " deep <script>",
        String(repeating: "*", count: 40) + "x" + String(repeating: "*", count: 40),
        String(repeating: "[", count: 30) + "x](https://ok.example)" + String(repeating: "]", count: 30),
        "\0<script>",
        "<\u{338}script>alert(1)</script>",
        "[x\u{301}](https://ok.example/\"\u{301} onmouseover=x)",
        "\u{FEFF}<script>",
        "line\r\n<script>\rmore",
    ]

    @Test("known XSS payloads never yield raw markup or an unsafe href", arguments: payloads)
    func xssPayloads(payload: String) {
        // act
        let html = SafeMarkdown.html(payload)
        // check
        Self.checkSafe(html, input: payload)
        #expect(!html.lowercased().contains("javascript:\""))
        #expect(!html.contains("<script"))
        #expect(!html.contains("<img"))
    }

    @Test("escaped entities in the input are escaped once more, so they display as typed")
    func entitiesStayText() {
        // act
        let html = SafeMarkdown.html("&lt;script&gt;")
        // check
        #expect(html == "<p>&amp;lt;script&amp;gt;</p>\n")
    }

    @Test("random mixtures of Markdown and HTML syntax stay safe (5,000 seeded inputs)")
    func fuzz() {
        // setup
        // SplitMix64, so every run checks the same inputs.
        var state: UInt64 = 0x5AFE
        func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        let pieces = [
            "<", ">", "\"", "'", "&", "[", "]", "(", ")", "*", "**", "_", "`", "#", "# ", "- ", "1. ", "> ",
            "\n", "\n\n", " ", "\\", "a", "é", "https://x.example", "javascript:", "mailto:m@x.example",
            "data:", "script", "onerror=", "&lt;", "&#x3C;", "](", "](https://x.example)", "\t", "  ",
        ]
        for _ in 0..<5_000 {
            let length = Int(next() % 30)
            var input = ""
            for _ in 0..<length { input += pieces[Int(next() % UInt64(pieces.count))] }
            // act
            let html = SafeMarkdown.html(input)
            // check
            Self.checkSafe(html, input: input)
        }
    }

    @Test("hostile, very long input renders in linear-ish time without exhausting the stack")
    func hostileLongInput() {
        // setup
        let inputs = [
            String(repeating: "*a ", count: 20_000),
            String(repeating: "[", count: 20_000),
            String(repeating: "[](x", count: 10_000),
            String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000),
            String(repeating: "> ", count: 20_000) + "x",
            String(repeating: "**_`", count: 10_000),
        ]
        for input in inputs {
            // act
            let start = ContinuousClock.now
            let html = SafeMarkdown.html(input)
            let elapsed = ContinuousClock.now - start
            // check
            Self.checkSafe(html, input: String(input.prefix(20)))
            #expect(elapsed < .seconds(5), "input starting \(input.prefix(8).debugDescription)")
        }
    }

    // MARK: - Constructs

    @Test("escape replaces the five HTML-significant characters")
    func escapeFunction() {
        // act / check
        #expect(SafeMarkdown.escape(#"<a href="x" title='y'>&</a>"#) == "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;")
        #expect(SafeMarkdown.escape("Œuvre — déjà") == "Œuvre — déjà")
    }

    @Test("each supported construct renders to its element", arguments: [
        ("Un paragraphe.\n\nUn autre.", "<p>Un paragraphe.</p>\n<p>Un autre.</p>\n"),
        ("ligne une\nligne deux", "<p>ligne une<br>\nligne deux</p>\n"),
        ("# Titre", "<h3>Titre</h3>\n"),
        ("## Chapitre", "<h4>Chapitre</h4>\n"),
        ("### Section", "<h5>Section</h5>\n"),
        ("#### Trop profond", "<p>#### Trop profond</p>\n"),
        ("#sans espace", "<p>#sans espace</p>\n"),
        ("- un\n- deux", "<ul>\n<li>un</li>\n<li>deux</li>\n</ul>\n"),
        ("* un\n* deux", "<ul>\n<li>un</li>\n<li>deux</li>\n</ul>\n"),
        ("1. un\n2. deux", "<ol>\n<li>un</li>\n<li>deux</li>\n</ol>\n"),
        ("3. trois\n4. quatre", "<ol start=\"3\">\n<li>trois</li>\n<li>quatre</li>\n</ol>\n"),
        ("- un\nsuite", "<ul>\n<li>un<br>\nsuite</li>\n</ul>\n"),
        ("**gras**", "<p><strong>gras</strong></p>\n"),
        ("*italique* et _aussi_", "<p><em>italique</em> et <em>aussi</em></p>\n"),
        ("snake_case_name", "<p>snake_case_name</p>\n"),
        ("2 * 3 * 4", "<p>2 * 3 * 4</p>\n"),
        ("**gras *et italique***", "<p><strong>gras <em>et italique</em></strong></p>\n"),
        ("`a < b`", "<p><code>a &lt; b</code></p>\n"),
        ("`**pas gras**`", "<p><code>**pas gras**</code></p>\n"),
        ("> citation\n> suite", "<blockquote>\n<p>citation<br>\nsuite</p>\n</blockquote>\n"),
        ("> # Titre cité", "<blockquote>\n<h3>Titre cité</h3>\n</blockquote>\n"),
        (
            "[la loi](https://www.legifrance.gouv.fr/)",
            "<p><a href=\"https://www.legifrance.gouv.fr/\" rel=\"nofollow ugc noopener\">la loi</a></p>\n"
        ),
        (
            "[écrire](mailto:contact@example.fr)",
            "<p><a href=\"mailto:contact@example.fr\" rel=\"nofollow ugc noopener\">écrire</a></p>\n"
        ),
        (
            "[**lien** gras](http://a.example/?x=1&y=2)",
            "<p><a href=\"http://a.example/?x=1&amp;y=2\" rel=\"nofollow ugc noopener\"><strong>lien</strong> gras</a></p>\n"
        ),
        ("[mal](javascript:alert(1))", "<p>[mal](javascript:alert(1))</p>\n"),
        ("\\*pas italique\\*", "<p>*pas italique*</p>\n"),
        ("", ""),
        ("\n\n  \n", ""),
    ])
    func constructs(markdown: String, expected: String) {
        // act
        let html = SafeMarkdown.html(markdown)
        // check
        #expect(html == expected)
        Self.checkSafe(html, input: markdown)
    }
}
