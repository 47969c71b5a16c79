import Foundation
import Testing

/// SECURITY.md's ASVS 5.0 level 2 checklist holds: every level 1 and 2 requirement of the chapters that apply
/// has a row, every row says what shows it, and every test it names exists (and every script it names is run
/// by scripts/test).
@Suite("Security checklist")
struct SecurityChecklistTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// ASVS 5.0.0's level 1 and 2 requirements, chapter by chapter (V9 Self-contained Tokens, V10 OAuth and
    /// OIDC and V17 WebRTC do not apply and are stated so as whole chapters).
    static let required: [String] = {
        func run(_ section: String, _ range: ClosedRange<Int>) -> [String] { range.map { "\(section).\($0)" } }
        return [
            run("1.1", 1...2), run("1.2", 1...9), run("1.3", 1...11), run("1.4", 1...3), run("1.5", 1...2),
            run("2.1", 1...3), run("2.2", 1...3), run("2.3", 1...4), run("2.4", 1...1),
            run("3.2", 1...2), run("3.3", 1...4), run("3.4", 1...6), run("3.5", 1...5), run("3.7", 1...2),
            run("4.1", 1...3), run("4.2", 1...1), run("4.3", 1...2), run("4.4", 1...4),
            run("5.1", 1...1), run("5.2", 1...3), run("5.3", 1...2), run("5.4", 1...3),
            run("6.1", 1...3), run("6.2", 1...11), run("6.3", 1...3), run("6.4", 1...4), run("6.5", 1...5), run("6.6", 1...3), run("6.8", 1...3),
            run("7.1", 1...3), run("7.2", 1...4), run("7.3", 1...2), run("7.4", 1...5), run("7.5", 1...2), run("7.6", 1...2),
            run("8.1", 1...2), run("8.2", 1...3), run("8.3", 1...1), run("8.4", 1...1),
            run("11.1", 1...2), run("11.2", 1...3), run("11.3", 1...3), run("11.4", 1...3), run("11.5", 1...1), run("11.6", 1...1),
            run("12.1", 1...3), run("12.2", 1...2), run("12.3", 1...4),
            run("13.1", 1...1), run("13.2", 1...5), run("13.3", 1...2), run("13.4", 1...5),
            run("14.1", 1...2), run("14.2", 1...4), run("14.3", 1...3),
            run("15.1", 1...3), run("15.2", 1...3), run("15.3", 1...7),
            run("16.1", 1...1), run("16.2", 1...5), run("16.3", 1...4), run("16.4", 1...3), run("16.5", 1...3),
        ].flatMap { $0 }
    }()

    struct Row: CustomStringConvertible {
        var ids: [String]
        var how: String
        var shownBy: String
        var description: String { ids.joined(separator: ",") }
    }

    /// The checklist's rows: a first cell like `6.2.1` or `4.4.1–4.4.4`.
    static func rows() throws -> [Row] {
        let text = try String(contentsOf: root.appendingPathComponent("SECURITY.md"), encoding: .utf8)
        var rows: [Row] = []
        for line in text.split(separator: "\n") where line.hasPrefix("| ") {
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count >= 5 else { continue }
            let first = cells[1]
            guard first.first?.isNumber == true, first.allSatisfy({ $0.isNumber || $0 == "." || $0 == "–" }) else { continue }
            var ids: [String] = []
            let ends = first.split(separator: "–").map(String.init)
            if ends.count == 2, let a = Int(ends[0].split(separator: ".").last!), let b = Int(ends[1].split(separator: ".").last!) {
                let section = ends[0].split(separator: ".").dropLast().joined(separator: ".")
                ids = (a...b).map { "\(section).\($0)" }
            } else {
                ids = [first]
            }
            rows.append(Row(ids: ids, how: cells[3], shownBy: cells[cells.count - 2]))
        }
        return rows
    }

    /// `Suite/function` references and `Tests/…` paths in backticks.
    static func references(_ cell: String) -> [String] {
        cell.split(separator: "`", omittingEmptySubsequences: false).enumerated().filter { $0.offset % 2 == 1 }.map { String($0.element) }
    }

    static func swiftTestSources() throws -> [String] {
        let tests = root.appendingPathComponent("Tests")
        guard let walker = FileManager.default.enumerator(at: tests, includingPropertiesForKeys: nil) else { return [] }
        var sources: [String] = []
        for case let url as URL in walker where url.pathExtension == "swift" {
            sources.append(try String(contentsOf: url, encoding: .utf8))
        }
        return sources
    }

    @Test("every level 1 and 2 requirement of the applicable chapters has exactly one row")
    func everyRequirementListed() throws {
        let rows = try Self.rows()
        let listed = rows.flatMap(\.ids)
        let missing = Self.required.filter { !listed.contains($0) }
        #expect(missing.isEmpty, "requirements without a row: \(missing)")
        let twice = Dictionary(grouping: listed, by: { $0 }).filter { $0.value.count > 1 }.keys.sorted()
        #expect(twice.isEmpty, "requirements listed twice: \(twice)")
        let unknown = listed.filter { !Self.required.contains($0) }
        #expect(unknown.isEmpty, "rows that are not ASVS 5.0 level 1–2 requirements of an applicable chapter: \(unknown)")
    }

    @Test("every row says what shows it: a test, the documentation, or why it does not apply")
    func everyRowShown() throws {
        let text = try String(contentsOf: Self.root.appendingPathComponent("SECURITY.md"), encoding: .utf8)
        #expect(!text.contains("⟨"), "SECURITY.md still has a placeholder")
        for row in try Self.rows() {
            let refs = Self.references(row.shownBy)
            let documented = row.shownBy.hasPrefix("Doc") || row.shownBy.hasPrefix("N/A")
            #expect(!refs.isEmpty || documented, "\(row) says nothing of what shows it")
            if row.shownBy.hasPrefix("N/A") { #expect(row.how.hasPrefix("N/A"), "\(row): N/A must say why in the middle column") }
        }
    }

    @Test("every test the checklist names exists, and every script it names is run by scripts/test")
    func referencesExist() throws {
        let sources = try Self.swiftTestSources()
        let runner = try String(contentsOf: Self.root.appendingPathComponent("scripts/test"), encoding: .utf8)
        var checked = 0
        for row in try Self.rows() {
            for ref in Self.references(row.shownBy) {
                if ref.hasPrefix("Tests/") {
                    #expect(FileManager.default.fileExists(atPath: Self.root.appendingPathComponent(ref).path), "\(row): no file \(ref)")
                    #expect(runner.contains(ref), "\(row): \(ref) is not run by scripts/test")
                } else {
                    let parts = ref.split(separator: "/").map(String.init)
                    #expect(parts.count == 2, "\(row): \(ref) is neither Suite/function nor a Tests/ path")
                    guard parts.count == 2 else { continue }
                    let found = sources.contains { src in
                        (src.contains("struct \(parts[0]) ") || src.contains("struct \(parts[0]){") || src.contains("extension \(parts[0]) "))
                            && src.contains("func \(parts[1])(")
                    }
                    #expect(found, "\(row): no test \(ref)")
                }
                checked += 1
            }
        }
        #expect(checked > 100)
    }

    @Test("password fields are masked and let password managers fill them (ASVS 6.2.6, 6.2.7)")
    func passwordFields() throws {
        let folder = Self.root.appendingPathComponent("Sources/ContribuezWeb/Resources/templates")
        var fields = 0
        for name in try FileManager.default.contentsOfDirectory(atPath: folder.path) where name.hasSuffix(".mustache") {
            let text = try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
            #expect(!text.contains("onpaste"), "\(name) blocks pasting")
            for input in text.components(separatedBy: "<input").dropFirst() {
                let tag = input.prefix { $0 != ">" }
                guard tag.contains("name=\"password\"") || tag.contains("name=\"newPassword\"") || tag.contains("name=\"currentPassword\"") else { continue }
                fields += 1
                #expect(tag.contains("type=\"password\""), "\(name): a password field is not type=password")
                #expect(!tag.contains("autocomplete=\"off\""), "\(name): a password field turns autocomplete off")
                #expect(tag.contains("autocomplete=\"current-password\"") || tag.contains("autocomplete=\"new-password\""), "\(name): a password field has no autocomplete hint")
            }
        }
        #expect(fields >= 3)
    }
}
