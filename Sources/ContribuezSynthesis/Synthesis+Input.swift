import ContribuezAnalysis
import ContribuezCore
import Foundation

extension Synthesis {
    /// What a run holds in memory, filled chunk by chunk from a scan (issue 14): votes as three
    /// parallel compact columns (participant and target indexes, value), texts with their metadata.
    /// About 9 bytes per vote, so 10 M votes take ~90 MB instead of a few hundred as structs.
    final class Input: SynthesisSink, @unchecked Sendable {
        private(set) var frame: SynthesisFrame?
        var targetIndex: [Target: Int32] = [:]
        var participantIndex: [ID: Int32] = [:]
        /// Index into `frame.participants` of each vote.
        var voteParticipant: [Int32] = []
        var voteTarget: [Int32] = []
        /// 1 agree, 0 mixed, −1 disagree.
        var voteValue: [Int8] = []
        var texts = Texts()
        var changes: [SynthesisVoteChange] = []
        /// Rows read so far (votes, texts), for progress.
        private(set) var votesRead = 0, textsRead = 0
        let onProgress: (Input) -> Void

        struct Texts {
            var ids: [ID] = []
            var kinds: [ContributionKind] = []
            var authors: [ID?] = []
            var bodies: [String] = []
            var createdAt: [Date] = []
            var articleIDs: [ID?] = []
            var parentIDs: [ID?] = []
            var count: Int { ids.count }
        }

        init(onProgress: @escaping (Input) -> Void = { _ in }) { self.onProgress = onProgress }

        func frame(_ frame: SynthesisFrame) throws {
            self.frame = frame
            targetIndex.reserveCapacity(frame.targets.count)
            for (i, t) in frame.targets.enumerated() { targetIndex[t.target] = Int32(i) }
            participantIndex.reserveCapacity(frame.participants.count)
            for (i, p) in frame.participants.enumerated() { participantIndex[p.id] = Int32(i) }
            voteParticipant.reserveCapacity(frame.voteCount)
            voteTarget.reserveCapacity(frame.voteCount)
            voteValue.reserveCapacity(frame.voteCount)
            onProgress(self)
        }

        func votes(_ chunk: [SynthesisSnapshot.VoteItem]) throws {
            for v in chunk {
                guard v.value != .useful, let t = targetIndex[v.target], let p = participantIndex[v.participantID] else { continue }
                voteParticipant.append(p)
                voteTarget.append(t)
                voteValue.append(v.value == .agree ? 1 : (v.value == .disagree ? -1 : 0))
            }
            votesRead += chunk.count
            onProgress(self)
        }

        func texts(_ chunk: [SynthesisSnapshot.TextItem]) throws {
            for t in chunk {
                texts.ids.append(t.contributionID); texts.kinds.append(t.kind); texts.authors.append(t.authorID)
                texts.bodies.append(t.text); texts.createdAt.append(t.createdAt); texts.articleIDs.append(t.articleID)
                texts.parentIDs.append(t.parentID)
            }
            textsRead += chunk.count
            onProgress(self)
        }

        func changes(_ chunk: [SynthesisVoteChange]) throws { changes.append(contentsOf: chunk) }

        /// Fills the input from a snapshot already in memory (the pure `compute`).
        static func from(_ s: SynthesisSnapshot) -> Input {
            let input = Input()
            let participants = s.participants.values.sorted { $0.id < $1.id }
            try? input.frame(SynthesisFrame(
                consultation: s.consultation, targets: s.targets, participants: participants, voteCount: s.votes.count,
                textCount: s.texts.count, watermark: .init(voteSequence: 0, texts: "")))
            // NB: a vote by someone missing from `participants` still counts (as a citizen), as it always did.
            for v in s.votes where input.participantIndex[v.participantID] == nil && input.targetIndex[v.target] != nil && v.value != .useful {
                input.addParticipant(.init(id: v.participantID, kind: .citizen, createdAt: .distantPast))
            }
            try? input.votes(s.votes)
            try? input.texts(s.texts)
            return input
        }

        /// Appends a participant unknown to the frame (ids stay ascending only if it is the largest).
        private func addParticipant(_ p: SynthesisSnapshot.ParticipantItem) {
            guard var f = frame else { return }
            participantIndex[p.id] = Int32(f.participants.count)
            f.participants.append(p)
            // Keep ascending order for the matrix rows: re-sort and re-index (rare, small snapshots only).
            f.participants.sort { $0.id < $1.id }
            for (i, q) in f.participants.enumerated() { participantIndex[q.id] = Int32(i) }
            frame = f
        }

        /// Frees the texts once the duplicate stage has read them.
        func dropTexts() { texts = Texts() }
        /// Frees the votes once tallies and groups have read them.
        func dropVotes() { voteParticipant = []; voteTarget = []; voteValue = [] }
    }
}

/// Reads the resident and peak memory of this process (Linux `/proc/self/status`), in bytes; nil elsewhere.
public enum ProcessMemory {
    public static func current() -> (resident: Int, peak: Int)? {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        var rss = 0, hwm = 0
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: " ", omittingEmptySubsequences: true)
            guard parts.count >= 2, let kb = Int(parts[1]) else { continue }
            if line.hasPrefix("VmRSS:") { rss = kb * 1024 } else if line.hasPrefix("VmHWM:") { hwm = kb * 1024 }
        }
        return (rss, hwm)
    }
}
