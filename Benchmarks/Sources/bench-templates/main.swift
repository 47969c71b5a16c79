// bench-templates: the article page of République numérique article 9 rendered three ways (and a diagnostic fourth) from the same
// precomputed view data: (1) swift-mustache all the way (the product before the typed rows), (2) the current
// product (mustache skeleton + HTMLWriter rows), (3) JohnSundell/Plot typed nodes. Warm-up, then `runs` runs
// of `iterations` renders each; the four are interleaved run by run so that load from other processes falls
// on all of them alike. Checks before timing: same visible text and same elements, a hostile string escaped.
//
//   bench-templates [--iterations N] [--runs R] [--data DIR] [--root REPO] [--out FILE] [--command TEXT]
import ContribuezCore
import Foundation
import Mustache

var iterations = 2_000, runs = 5
var root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()
var dataDir: URL? = nil
var outPath: String? = nil
var command = "Benchmarks/scripts/bench-templates.sh"
var args = CommandLine.arguments.dropFirst().makeIterator()
while let a = args.next() {
    switch a {
    case "--iterations": iterations = Int(args.next()!)!
    case "--runs": runs = Int(args.next()!)!
    case "--data": dataDir = URL(fileURLWithPath: args.next()!)
    case "--root": root = URL(fileURLWithPath: args.next()!)
    case "--out": outPath = args.next()!
    case "--command": command = args.next()!
    default: fatalError("unknown argument \(a)")
    }
}
let data = dataDir ?? root.deletingLastPathComponent().appendingPathComponent("shared/data/republique-numerique-2015")
let web = root.appendingPathComponent("Sources/ContribuezWeb/Resources")
let benchDir = URL(fileURLWithPath: #filePath).deletingLastPathComponent()

func loadAverage() -> String {
    (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").prefix(3).joined(separator: " ") ?? "?"
}
let loadBefore = loadAverage()

// MARK: Setup (not timed)

let texts = try Texts(catalogueDirectory: web.appendingPathComponent("catalogue"))
let page = try PageData.republiqueNumerique(directory: data, ordinal: 9, texts: texts)
let productLibrary = try await MustacheLibrary(directory: web.appendingPathComponent("templates").path)
var oldLibrary = productLibrary
for name in ["article", "arguments_block", "sources_block"] {
    let text = try String(contentsOf: benchDir.appendingPathComponent("all-mustache/\(name).mustache"), encoding: .utf8)
    try oldLibrary.register(text, named: name)
}
let allMustache = AllMustachePage(library: oldLibrary, texts: texts)
let writer = WriterPage(library: productLibrary, texts: texts)
let plot = PlotPage(texts: texts)
var plotBytes = PlotPage(texts: texts); plotBytes.byteEscapedText = true

struct Way {
    let name: String
    let render: (PageData) -> String
}
let ways = [
    Way(name: "swift-mustache only (rows as partials, before 14dbc1e)", render: allMustache.render),
    Way(name: "mustache skeleton + HTMLWriter rows (current product)", render: writer.render),
    Way(name: "Plot typed nodes (0.14.0), Plot's own `.text` escaping", render: plot.render),
    Way(name: "Plot typed nodes, text pre-escaped on bytes by HTMLWriter and passed as `.raw` (diagnostic)", render: plotBytes.render),
]

let visible = page.pro.count + page.con.count + page.src.count
FileHandle.standardError.write(Data("article \(page.number) — \(page.title): for \(page.proTotal), against \(page.conTotal), sources \(page.srcTotal); first page \(page.pro.count)+\(page.con.count)+\(page.src.count) rows (\(page.pro.filter { $0.contribution.isHidden }.count + page.con.filter { $0.contribution.isHidden }.count) hidden placeholders), \(page.amendments.count) amendments\n".utf8))

// MARK: Checks

/// Visible text: tags removed, entities decoded, all whitespace removed (the renderers lay out newlines differently).
func visibleText(_ html: String) -> String {
    var out = "", inTag = false
    for ch in html {
        if ch == "<" { inTag = true; continue }
        if ch == ">" && inTag { inTag = false; continue }
        if !inTag { out.append(ch) }
    }
    var decoded = ""
    var rest = out[...]
    while let amp = rest.firstIndex(of: "&") {
        decoded += rest[..<amp]
        let after = rest[rest.index(after: amp)...]
        if let semi = after.firstIndex(of: ";"), after.distance(from: after.startIndex, to: semi) <= 8 {
            let name = String(after[..<semi])
            let named = ["amp": "&", "lt": "<", "gt": ">", "quot": "\"", "apos": "'", "#39": "'", "#x27": "'", "#34": "\"", "#x2F": "/", "#47": "/"]
            if let v = named[name] { decoded += v; rest = after[after.index(after: semi)...]; continue }
        }
        decoded += "&"; rest = after
    }
    decoded += rest
    return String(decoded.unicodeScalars.filter { !CharacterSet.whitespacesAndNewlines.contains($0) }.map(Character.init))
}

/// Opening tags by name.
func elements(_ html: String) -> [String: Int] {
    var counts: [String: Int] = [:]
    let bytes = Array(html.utf8)
    var i = 0
    while i < bytes.count - 1 {
        if bytes[i] == UInt8(ascii: "<"), (bytes[i + 1] | 0x20) >= UInt8(ascii: "a"), (bytes[i + 1] | 0x20) <= UInt8(ascii: "z") {
            var j = i + 1
            while j < bytes.count, bytes[j] != UInt8(ascii: " "), bytes[j] != UInt8(ascii: ">"), bytes[j] != UInt8(ascii: "/"), bytes[j] != 10 { j += 1 }
            counts[String(decoding: bytes[(i + 1)..<j], as: UTF8.self), default: 0] += 1
            i = j
        } else { i += 1 }
    }
    return counts
}

let outputs = ways.map { $0.render(page) }
let dumpDir = FileManager.default.temporaryDirectory.appendingPathComponent("bench-templates-out")
try? FileManager.default.createDirectory(at: dumpDir, withIntermediateDirectories: true)
for (i, o) in outputs.enumerated() { try o.write(to: dumpDir.appendingPathComponent("way\(i + 1).html"), atomically: true, encoding: .utf8) }
let texts0 = visibleText(outputs[0])
var checks: [String] = []
var sameText = true, sameElements = true
for (i, o) in outputs.enumerated() {
    let v = visibleText(o)
    if v != texts0 {
        sameText = false
        let a = Array(texts0), b = Array(v)
        var k = 0
        while k < min(a.count, b.count), a[k] == b[k] { k += 1 }
        checks.append("visible text of (\(i + 1)) differs from (1) at character \(k): «\(String(a[max(0, k - 40)..<min(a.count, k + 40)]))» vs «\(String(b[max(0, k - 40)..<min(b.count, k + 40)]))»")
    }
    if elements(o) != elements(outputs[0]) {
        sameElements = false
        checks.append("elements of (\(i + 1)) differ from (1): \(elements(o).filter { elements(outputs[0])[$0.key] != $0.value }) vs \(elements(outputs[0]).filter { elements(o)[$0.key] != $0.value })")
    }
}
let elementCount = elements(outputs[0]).values.reduce(0, +)
checks.append(sameText ? "same visible text in all four (tags stripped, entities decoded, whitespace ignored): \(texts0.count) characters" : "VISIBLE TEXT DIFFERS")
checks.append(sameElements ? "same elements in all four: \(elementCount) opening tags, \(elements(outputs[0]).count) kinds" : "ELEMENTS DIFFER")

let evil = "<script>\"'&"
let hostile = page.poisoned(evil)
func escapes(_ html: String) -> Bool { !html.contains("<script") && !html.contains(evil) }
/// A source URL's `"` left raw inside `href="…"` would end the attribute.
func quotesInAttributes(_ html: String) -> Bool {
    html.contains("href=\"https://example.org/?q=<") || html.contains("href=\"https://example.org/?q=&lt;script&gt;\"")
}
var hostileOK = true
for (i, w) in ways.enumerated() {
    let o = w.render(hostile)
    let ok = escapes(o) && !quotesInAttributes(o)
    hostileOK = hostileOK && ok
    let n = o.components(separatedBy: "&lt;script&gt;").count - 1
    checks.append("hostile `<script>\"'&` in every user string, (\(i + 1)): \(ok ? "escaped" : "NOT ESCAPED") (\(n) escaped occurrences)")
}
var rawPlot = PlotPage(texts: texts); rawPlot.escapeAttributes = false
let rawOut = rawPlot.render(hostile)
checks.append("Plot with attribute values as given (no hand escaping): \(escapes(rawOut) && !quotesInAttributes(rawOut) ? "escaped" : "NOT ESCAPED — Plot 0.14.0 prints attribute values raw, e.g. `" + (rawOut.range(of: "href=\"https://example.org/?q=").map { String(rawOut[$0.lowerBound...].prefix(46)) } ?? "?") + "`")")
checks.append("Plot text nodes leave `\"` and `'` unescaped and keep what looks like an entity: `.text(\"&amp;\")` renders `\(PlotPage.Body.text("&amp; \"'").render())`")
for c in checks { FileHandle.standardError.write(Data((c + "\n").utf8)) }
guard sameText, sameElements, hostileOK else {
    FileHandle.standardError.write(Data("checks failed; outputs in \(dumpDir.path)\n".utf8))
    exit(1)
}

// MARK: Timing

/// Diagnostic, not a page: only the parts (2) writes with HTMLWriter (30 rows, 10 amendments, tally bar),
/// to tell them from the mustache skeleton that wraps them.
let parts = Way(name: "(diagnostic) the HTMLWriter parts of (2) alone: rows, amendments, tally, no skeleton") { p in
    writer.rowsHTML(p.pro) + writer.rowsHTML(p.con) + writer.rowsHTML(p.src) + writer.amendmentsHTML(p.amendments, diffs: p.diffs)
        + writer.tallyHTML(live: p.liveTally, imported: p.importedTally)
}
let timed = ways + [parts]
let timedBytes = outputs.map(\.utf8.count) + [parts.render(page).utf8.count]

var sink = 0
@MainActor func timeRun(_ w: Way, _ n: Int) -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    for _ in 0..<n { sink &+= w.render(page).utf8.count }
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1_000 / Double(n)
}
for w in timed { _ = timeRun(w, max(50, iterations / 10)) }  // warm-up
var samples = Array(repeating: [Double](), count: timed.count)
for r in 0..<runs {
    for (i, w) in timed.enumerated() {
        samples[i].append(timeRun(w, iterations))
    }
    FileHandle.standardError.write(Data("run \(r + 1): \(samples.map { String(format: "%.1f", $0.last!) }.joined(separator: " / ")) µs\n".utf8))
}
let loadAfter = loadAverage()
func median(_ a: [Double]) -> Double { let s = a.sorted(); return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2 }
let medians = samples.map(median)
let fastest = ways.indices.min { medians[$0] < medians[$1] }!

var md = """
## Templates: mustache vs HTMLWriter vs Plot, article page (`bench-templates`)

The article page body (the `article` template's content, without the site layout, which is the same
mustache in (1) and (2)) of République numérique article \(page.number) — \(page.title): article text
(SafeMarkdown HTML), imported tally bar, \(page.amendments.count) amendments with word diffs, the first page
of arguments (\(page.pro.count) for of \(page.proTotal), \(page.con.count) against of \(page.conTotal)) and
sources (\(page.src.count) of \(page.srcTotal)), pagers; anonymous visitor on the closed consultation (no
forms), every user string escaped. All four start from the same precomputed view data (rows as the store
returns them, Markdown and diffs rendered once); what is timed is building the page's data plus rendering it
to a String. Release build, warm-up then \(runs) runs × \(iterations) renders each, the four interleaved
run by run; µs per render is the median of the \(runs) runs (min–max in brackets).

| renderer | µs per render (median) | min–max | renders/s | bytes | vs fastest |
|---|---:|---:|---:|---:|---:|

"""
for (i, w) in timed.enumerated() {
    let m = medians[i]
    let label = i < ways.count ? "(\(i + 1)) \(w.name)" : w.name
    md += "| \(label) | \(String(format: "%.1f", m)) | \(String(format: "%.1f–%.1f", samples[i].min()!, samples[i].max()!)) | \(Int(1_000_000 / m)) | \(timedBytes[i]) | \(i == fastest ? "fastest" : String(format: "×%.2f", m / medians[fastest])) |\n"
}
md += "\nChecks (before timing):\n\n" + checks.map { "- " + $0 }.joined(separator: "\n") + "\n"
md += "\nMachine: 2 shared cores (others were building the product at the same time); load average \(loadBefore) before, \(loadAfter) after.\n"
md += "\nReproduce: `\(command)`\n"
if let outPath { try md.write(toFile: outPath, atomically: true, encoding: .utf8) }
print(md)
if sink == 42 { print("") }
