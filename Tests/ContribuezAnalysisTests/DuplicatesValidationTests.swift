import ContribuezTestSupport
import Foundation
import Testing

@testable import ContribuezAnalysis

/// Locates /work/shared/data (or `CONTRIBUEZ_SHARED_DATA`), and builds the planted-campaign corpus.
enum DuplicatesValidationData {
    struct Missing: Error, CustomStringConvertible {
        let description: String
    }

    static func sharedData() throws -> URL {
        SharedData.root
    }

    static func table(_ relative: String) throws -> CSVTable {
        let url = try sharedData().appendingPathComponent(relative)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw Missing(description: "shared data file missing: \(url.path)")
        }
        return try CSVTable(contentsOf: url)
    }

    /// The complete FCC 17-108 form letters (fragments excluded: they are pieces of letters),
    /// without exact repeats across the three files.
    static func fccTemplates() throws -> [String] {
        var seen = Set<String>()
        var templates: [String] = []
        let snippets = try table("form-letters-fcc-17-108/fcc_17-108_campaign_snippets.csv")
        let kind = try snippets.column("snippet_kind"), text = try snippets.column("text")
        for row in snippets.rows where CSVTable.value(row, kind) == "full_text" {
            templates.append(CSVTable.value(row, text))
        }
        for file in ["fcc_17-108_form_letters_by_source.csv", "fcc_17-108_top_duplicates.csv"] {
            let t = try table("form-letters-fcc-17-108/" + file)
            let c = try t.column("text")
            for row in t.rows { templates.append(CSVTable.value(row, c)) }
        }
        return templates.filter { seen.insert($0).inserted }
    }

    /// Organic texts: République numérique arguments (French) and Decide Madrid comments (Spanish).
    static func organic(arguments: Int, comments: Int) throws -> [(id: String, text: String)] {
        var out: [(id: String, text: String)] = []
        let args = try table("republique-numerique-2015/arguments.csv")
        let (aid, abody) = (try args.column("argument_id"), try args.column("body"))
        for row in args.rows.prefix(arguments) { out.append(("rn-" + CSVTable.value(row, aid), CSVTable.value(row, abody))) }
        let madrid = try table("decide-madrid-consul/comments.csv")
        let (mid, mtext) = (try madrid.column("id"), try madrid.column("text"))
        for row in madrid.rows.prefix(comments) { out.append(("ma-" + CSVTable.value(row, mid), CSVTable.value(row, mtext))) }
        return out
    }

    static let salutations = [
        "Dear FCC,", "Dear Commissioners:", "To whom it may concern,", "Hello,", "Dear Chairman Pai,",
        "Dear Senator Smith,", "Hi,",
    ]
    static let closings = [
        "Sincerely,\nJohn Smith", "Thank you,\nMary Jones", "Regards, Bob", "\n\nAlex Turner", "Best regards,\nPat O'Neil",
        "Respectfully,\nDr. Lee Chen",
    ]
    static let insertions = ["really", "strongly", "also", "very", "truly", "still", "simply"]

    /// A copy of `template` with small edits, as a campaign participant or bot would make:
    /// salutation and signature added or changed, punctuation and case touched, and — for
    /// templates of 15 words or more — one content edit (two from 40 words): a word
    /// inserted, removed or replaced.
    static func variant(of template: String, using rng: inout DuplicatesTestRNG) -> String {
        var words = template.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
        let wordCount = words.count
        let contentEdits = wordCount >= 40 ? Int.random(in: 1...2, using: &rng) : wordCount >= 15 ? 1 : 0
        for _ in 0..<contentEdits {
            let i = Int.random(in: 1..<(words.count - 1), using: &rng)
            switch Int.random(in: 0..<3, using: &rng) {
            case 0: words.insert(insertions.randomElement(using: &rng)!, at: i)
            case 1: words.remove(at: i)
            default: words[i] = insertions.randomElement(using: &rng)!
            }
        }
        var text = words.joined(separator: " ")
        switch Int.random(in: 0..<4, using: &rng) {
        case 0: text = text.replacingOccurrences(of: ",", with: "")
        case 1: text = text.replacingOccurrences(of: ". ", with: "! ")
        case 2: text = text.replacingOccurrences(of: " ", with: "  ")
        default: text = text.lowercased()
        }
        if Bool.random(using: &rng) { text = salutations.randomElement(using: &rng)! + "\n\n" + text }
        if Bool.random(using: &rng) { text += "\n\n" + closings.randomElement(using: &rng)! }
        return text
    }
}

@Suite("Near-duplicate detection on real data")
struct DuplicatesValidationTests {
    @Test("planted FCC form letters are found among organic contributions with precision and recall ≥ 0.95")
    func plantedCampaigns() throws {
        // setup: 8 edited copies of each FCC letter shuffled among 4,000 organic texts.
        var rng = DuplicatesTestRNG(seed: 2017)
        let templates = try DuplicatesValidationData.fccTemplates()
        #expect(templates.count >= 40)
        var corpus = try DuplicatesValidationData.organic(arguments: 2_500, comments: 1_500)
        #expect(corpus.count == 4_000)
        var planted = Set<String>()
        var templateOf: [String: Int] = [:]
        for (t, template) in templates.enumerated() {
            for copy in 0..<8 {
                let id = "fcc-\(t)-\(copy)"
                planted.insert(id)
                templateOf[id] = t
                corpus.append((id, copy == 0 ? template : DuplicatesValidationData.variant(of: template, using: &rng)))
            }
        }
        corpus.shuffle(using: &rng)

        // act
        let clusters = try DuplicateDetector().clusters(texts: corpus)

        // check
        // A text is predicted "campaign" when its cluster holds at least one planted letter.
        // Organic texts that only duplicate each other (people pasting their argument under
        // several articles) are genuine duplicates: they are neither right nor wrong here,
        // and are checked separately below.
        var predicted = Set<String>()
        var recalled = Set<String>()
        var organicOnly: [[String]] = []
        for cluster in clusters {
            let plantedMembers = cluster.filter(planted.contains)
            if plantedMembers.isEmpty { organicOnly.append(cluster); continue }
            predicted.formUnion(cluster)
            // A planted letter counts as found when its cluster holds another planted letter.
            if plantedMembers.count >= 2 { recalled.formUnion(plantedMembers) }
        }
        let recall = Double(recalled.count) / Double(planted.count)
        let precision = Double(predicted.intersection(planted).count) / Double(predicted.count)
        // Whole campaigns: templates whose 8 copies all landed in one cluster.
        var clusterOf: [String: Int] = [:]
        for (c, cluster) in clusters.enumerated() { for id in cluster { clusterOf[id] = c } }
        let whole = templates.indices.filter { t in
            Set((0..<8).map { clusterOf["fcc-\(t)-\($0)"] ?? -1 - $0 }).count == 1
        }.count
        let organicClustered = organicOnly.map(\.count).reduce(0, +)
        print(
            "duplicates validation: \(templates.count) templates × 8 copies among \(corpus.count - planted.count) organic;",
            "recall \(recall), precision \(precision), whole campaigns \(whole)/\(templates.count),",
            "\(clusters.count) clusters, \(organicOnly.count) organic-only clusters holding \(organicClustered) texts")
        #expect(recall >= 0.95)
        #expect(precision >= 0.95)
        #expect(Double(whole) >= 0.9 * Double(templates.count))
        // Organic-only clusters must be real duplicates, checked with another measure
        // (word sets, not 5-grams): every member shares ≥ 60% of its words with the first one.
        #expect(organicClustered < 400)
        let texts = Dictionary(corpus.map { ($0.id, $0.text) }, uniquingKeysWith: { a, _ in a })
        func words(_ id: String) -> Set<Substring> {
            Set(TextNormalization.normalize(texts[id]!).split(separator: " "))
        }
        for cluster in organicOnly {
            let first = words(cluster[0])
            for id in cluster.dropFirst() {
                let w = words(id)
                let j = Double(first.intersection(w).count) / Double(max(1, first.union(w).count))
                #expect(j >= 0.6, "organic cluster \(cluster) member \(id): word Jaccard \(j)")
            }
        }
    }
}
