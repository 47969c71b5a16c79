import Foundation
import Testing

@testable import ContribuezAnalysis

@Suite("Polis openData folders")
struct OpinionGroupsPolisOpenDataTests {
    /// Writes a small conversation folder (planted two camps, ids as Polis exports them) and
    /// returns it; `moderatedOut` comment ids get `moderated` = -1.
    static func writeFolder(moderatedOut: Set<String> = [], comments: Bool = true) throws -> URL {
        let dir = FileManager.default.temporaryDirectory
            .appendingPathComponent("contribuez-polis-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let m = try PlantedOpinionMatrix.make()
        let commentIDs = (0..<m.targetCount).map { String(100 + $0) }
        var csv = "participant,group-id,n-comments,n-votes,n-agree,n-disagree," + commentIDs.joined(separator: ",") + "\n"
        for r in 0..<m.participantCount {
            let cells = (0..<m.targetCount).map { t in m.value(participant: r, target: t).map { String($0) } ?? "" }
            csv += "\(500 + r),\(r < 20 ? "0" : "1"),0,\(m.voteCount(ofParticipant: r)),0,0," + cells.joined(separator: ",") + "\n"
        }
        try csv.write(to: dir.appendingPathComponent("participants-votes.csv"), atomically: true, encoding: .utf8)
        if comments {
            var text = "timestamp,datetime,comment-id,author-id,agrees,disagrees,moderated,comment-body\n"
            for id in commentIDs {
                text += "1472552518501,x,\(id),7,0,0,\(moderatedOut.contains(id) ? -1 : 1),\"Statement \(id), with a comma\"\n"
            }
            try text.write(to: dir.appendingPathComponent("comments.csv"), atomically: true, encoding: .utf8)
        }
        return dir
    }

    @Test("a folder is read into the matrix, Polis's groups and the comments")
    func readsFolder() throws {
        // setup
        let dir = try Self.writeFolder(moderatedOut: ["103"])
        defer { try? FileManager.default.removeItem(at: dir) }

        // act
        let conversation = try PolisOpenData.read(directory: dir)

        // check
        #expect(conversation.matrix.participantCount == 40)
        #expect(conversation.matrix.targetIDs.first == "100")
        #expect(conversation.polisGroups[0] == 0 && conversation.polisGroups[39] == 1)
        #expect(conversation.comments.count == 11)
        #expect(conversation.comments[0].body == "Statement 100, with a comma")
        #expect(conversation.comments[0].timestamp == 1_472_552_518_501)
        #expect(conversation.moderatedOutTargets == [3])
    }

    @Test("the groups JSON is stable, keyed by file ids, and leaves moderated-out comments out")
    func groupsJSON() throws {
        // setup: the consensus statement (110) is moderated out.
        let dir = try Self.writeFolder(moderatedOut: ["110"])
        defer { try? FileManager.default.removeItem(at: dir) }

        // act
        let first = try PolisOpenData.polisGroupsJSON(directory: dir)
        let second = try PolisOpenData.polisGroupsJSON(directory: dir)
        let report = try JSONDecoder().decode(PolisOpenData.GroupsReport.self, from: first)

        // check
        #expect(first == second)
        let text = String(decoding: first, as: UTF8.self)
        #expect(text.hasPrefix("{\"consensus\":"))  // sorted keys
        #expect(report.groups.count == 40)
        #expect(report.groups["500"] != report.groups["539"])
        #expect(Set(report.representative.keys) == ["0", "1"])
        let listed = report.consensus + report.divisive + report.representative.values.flatMap { $0 }
        #expect(!listed.isEmpty)
        #expect(!listed.contains("110"))
        #expect(listed.allSatisfy { Int($0).map { (100...109).contains($0) } ?? false })
    }

    @Test("a folder without participants-votes.csv is a typed error naming the file")
    func missingFile() throws {
        // setup
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("contribuez-empty-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }

        // act
        let error = #expect(throws: PolisOpenData.ReadError.self) { try PolisOpenData.polisGroupsJSON(directory: dir) }

        // check
        guard case .missingFile(let path) = error else { Issue.record("got \(String(describing: error))"); return }
        #expect(path.hasSuffix("participants-votes.csv"))
        #expect(error?.description.contains("not found") == true)
    }

    @Test("a malformed CSV or an unknown vote value is a typed error, not a crash")
    func malformed() throws {
        // setup
        let dir = try Self.writeFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let votes = dir.appendingPathComponent("participants-votes.csv")
        let good = try String(contentsOf: votes, encoding: .utf8)

        // act, check: an unterminated quote
        try (good + "\"600,0,0,0,0,0\n").write(to: votes, atomically: true, encoding: .utf8)
        let quote = #expect(throws: PolisOpenData.ReadError.self) { try PolisOpenData.read(directory: dir) }
        guard case .malformedCSV = quote else { Issue.record("got \(String(describing: quote))"); return }

        // act, check: a vote of 2
        try (good + "600,,0,1,0,0,2\n").write(to: votes, atomically: true, encoding: .utf8)
        let value = #expect(throws: PolisOpenData.ReadError.self) { try PolisOpenData.read(directory: dir) }
        #expect(value == .invalidValue(path: votes.path, row: 41, column: "100", value: "2"))

        // act, check: no group-id column
        try "participant,n-disagree,100\n1,0,1\n".write(to: votes, atomically: true, encoding: .utf8)
        let column = #expect(throws: PolisOpenData.ReadError.self) { try PolisOpenData.read(directory: dir) }
        #expect(column == .missingColumn(path: votes.path, column: "group-id"))
    }

    @Test("without comments.csv every comment takes part")
    func withoutComments() throws {
        // setup
        let dir = try Self.writeFolder(comments: false)
        defer { try? FileManager.default.removeItem(at: dir) }

        // act
        let conversation = try PolisOpenData.read(directory: dir)

        // check
        #expect(conversation.comments.isEmpty)
        #expect(conversation.moderatedOutTargets.isEmpty)
        #expect(conversation.matrix.voteCount > 0)
    }
}
