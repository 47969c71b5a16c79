import ContribuezTestSupport
import Foundation
import Testing

@testable import ContribuezAnalysis

/// Our opinion groups against the groups Polis itself computed, on the real openData
/// conversations (CC BY 4.0, The Computational Democracy Project, compdemocracy.org/polis).
@Suite("Opinion groups agree with Polis on its open data")
struct PolisValidationTests {
    /// `CONTRIBUEZ_SHARED_DATA`, else `../shared/data` beside the package root.
    static func polisDataDirectory() throws -> URL {
        SharedData.url("polis-opendata")
    }

    struct PolisDataMissing: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }

    /// Every conversation folder that has the vote matrix with Polis's groups.
    static func conversationFolders() throws -> [URL] {
        let root = try polisDataDirectory()
        let names = try FileManager.default.contentsOfDirectory(atPath: root.path).sorted()
        return names.map { root.appendingPathComponent($0) }.filter {
            FileManager.default.fileExists(atPath: $0.appendingPathComponent("participants-votes.csv").path)
        }
    }

    struct Row {
        var name: String
        var participants: Int
        var ourK: Int
        var polisK: Int
        var ari: Double
    }

    /// Our groups vs Polis's `group-id` over the participants both placed in a group.
    static func compare(_ folder: URL) throws -> Row {
        let conversation = try PolisOpenData.read(directory: folder)
        let result = OpinionGroups.analyze(conversation.matrix, options: conversation.analysisOptions())
        var ours: [Int] = [], theirs: [Int] = []
        for (r, polis) in conversation.polisGroups.enumerated() {
            if let polis, let mine = result.participantGroups[r] {
                ours.append(mine)
                theirs.append(polis)
            }
        }
        return Row(
            name: folder.lastPathComponent, participants: conversation.matrix.participantCount,
            ourK: result.groups.count, polisK: Set(conversation.polisGroups.compactMap { $0 }).count,
            ari: AdjustedRandIndex.compute(ours, theirs))
    }

    /// red-dwarf 0.4.0 reaches a mean ARI of 0.46 on these 13 conversations; we measured 0.550
    /// (Polis's start with the inertia guard). The floor sits just under it so a regression fails.
    static let meanARIFloor = 0.52

    @Test("the mean adjusted Rand index against Polis's groups stays above our measured floor (red-dwarf: 0.46)")
    func meanARIAgainstPolis() throws {
        // setup
        let folders = try Self.conversationFolders()
        #expect(folders.count == 13, "expected the 13 conversations with participants-votes.csv")

        // act
        let rows = try folders.map(Self.compare)

        // check
        var table = "conversation | participants | our k | Polis k | ARI\n"
        for r in rows {
            table += "\(r.name) | \(r.participants) | \(r.ourK) | \(r.polisK) | \(String(format: "%.3f", r.ari))\n"
        }
        let mean = rows.map(\.ari).reduce(0, +) / Double(max(rows.count, 1))
        table += "mean ARI | | | | \(String(format: "%.3f", mean))"
        print(table)
        #expect(!rows.isEmpty)
        #expect(mean >= Self.meanARIFloor, "mean ARI \(mean) fell below \(Self.meanARIFloor) (red-dwarf 0.4.0: 0.46)")
    }
}
