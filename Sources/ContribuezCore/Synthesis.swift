import Foundation

/// The compact data a synthesis reads from the store, taken in one read transaction.
public struct SynthesisSnapshot: Sendable {
    /// What opinions are cast on.
    public enum TargetKind: String, Sendable, Codable, CaseIterable {
        case article, proposal, amendment
    }

    /// An article, proposal or amendment (hidden ones are left out).
    public struct TargetItem: Sendable, Equatable {
        public var target: Target
        public var kind: TargetKind
        /// "Article 3 — Titre", or the contribution's title or the start of its text.
        public var label: String
        public var text: String
        public var importedTally: Tally?
        /// The article it belongs to: its own id for an article, the amended article for an amendment, nil for a proposal.
        public var articleID: ID?
        public init(target: Target, kind: TargetKind, label: String, text: String, importedTally: Tally? = nil, articleID: ID? = nil) {
            self.target = target; self.kind = kind; self.label = label; self.text = text; self.importedTally = importedTally
            self.articleID = articleID
        }
    }

    /// A live opinion vote (agree / mixed / disagree) on one of `targets`.
    public struct VoteItem: Sendable, Equatable {
        public var participantID: ID
        public var target: Target
        public var value: VoteValue
        public init(participantID: ID, target: Target, value: VoteValue) {
            self.participantID = participantID; self.target = target; self.value = value
        }
    }

    /// A voter or author, as much as the synthesis needs: no name, no e-mail.
    public struct ParticipantItem: Sendable, Equatable {
        public var id: ID
        public var kind: ParticipantKind
        public var createdAt: Date
        public init(id: ID, kind: ParticipantKind, createdAt: Date) { self.id = id; self.kind = kind; self.createdAt = createdAt }
    }

    /// The text of a visible contribution, for duplicate and campaign detection.
    public struct TextItem: Sendable, Equatable {
        public var contributionID: ID
        public var kind: ContributionKind
        public var authorID: ID?
        public var text: String
        public var createdAt: Date
        /// The article the contribution is about, directly or through the amendment it hangs on; nil otherwise.
        public var articleID: ID?
        /// The contribution it hangs on (an argument or source on a proposal or amendment).
        public var parentID: ID?
        public init(
            contributionID: ID, kind: ContributionKind, authorID: ID?, text: String, createdAt: Date, articleID: ID? = nil, parentID: ID? = nil
        ) {
            self.contributionID = contributionID; self.kind = kind; self.authorID = authorID; self.text = text; self.createdAt = createdAt
            self.articleID = articleID; self.parentID = parentID
        }
    }

    public var consultation: Consultation
    public var targets: [TargetItem]
    public var votes: [VoteItem]
    public var participants: [ID: ParticipantItem]
    public var texts: [TextItem]

    public init(consultation: Consultation, targets: [TargetItem], votes: [VoteItem], participants: [ID: ParticipantItem], texts: [TextItem]) {
        self.consultation = consultation; self.targets = targets; self.votes = votes
        self.participants = participants; self.texts = texts
    }
}

/// The state of one analysis run.
public enum SynthesisRunStatus: String, Sendable, Codable, CaseIterable {
    case running, succeeded, failed
}

/// One analysis run of a consultation, as stored.
public struct SynthesisRun: Sendable, Equatable, Codable {
    public var id: ID
    public var consultationID: ID
    public var status: SynthesisRunStatus
    /// The step under way or last done ("snapshot", "tallies", "groups", "duplicates", "saving", "done").
    public var stage: String
    /// 0…1.
    public var progress: Double
    public var startedAt: Date
    public var updatedAt: Date
    public var finishedAt: Date?
    public var failure: String?

    public init(
        id: ID, consultationID: ID, status: SynthesisRunStatus, stage: String, progress: Double, startedAt: Date,
        updatedAt: Date, finishedAt: Date? = nil, failure: String? = nil
    ) {
        self.id = id; self.consultationID = consultationID; self.status = status; self.stage = stage
        self.progress = progress; self.startedAt = startedAt; self.updatedAt = updatedAt
        self.finishedAt = finishedAt; self.failure = failure
    }
}


// MARK: - Streaming input (issue 14)

/// What a synthesis reads before the votes and texts: the consultation, its targets and the people
/// who voted or wrote, with the sizes to come (for progress) and the watermark of the read.
public struct SynthesisFrame: Sendable {
    public var consultation: Consultation
    public var targets: [SynthesisSnapshot.TargetItem]
    /// Voters and authors, ascending id. Empty when the scan did not ask for them.
    public var participants: [SynthesisSnapshot.ParticipantItem]
    /// Live opinion votes on `targets`, from the counters (a progress estimate; the scan streams the rows).
    public var voteCount: Int
    /// Visible texts to come.
    public var textCount: Int
    public var watermark: SynthesisWatermark
    public init(
        consultation: Consultation, targets: [SynthesisSnapshot.TargetItem], participants: [SynthesisSnapshot.ParticipantItem],
        voteCount: Int, textCount: Int, watermark: SynthesisWatermark
    ) {
        self.consultation = consultation; self.targets = targets; self.participants = participants
        self.voteCount = voteCount; self.textCount = textCount; self.watermark = watermark
    }
}

/// Where a read stood in the consultation's logs: the last vote event, and a fingerprint of the
/// visible texts (count, id sums, last moderation event). An incremental run replays the vote events
/// after `voteSequence`; any change of the fingerprint sends it back to a full run.
public struct SynthesisWatermark: Sendable, Equatable, Codable {
    public var voteSequence: Int64
    public var texts: String
    public init(voteSequence: Int64, texts: String) { self.voteSequence = voteSequence; self.texts = texts }
}

/// The net change of one (participant, target) opinion vote between two watermarks: `old` as it was
/// at the earlier one, `new` as it is now (nil: no live opinion vote).
public struct SynthesisVoteChange: Sendable, Equatable {
    public var participantID: ID
    public var kind: ParticipantKind
    public var target: Target
    public var old: VoteValue?
    public var new: VoteValue?
    public init(participantID: ID, kind: ParticipantKind, target: Target, old: VoteValue?, new: VoteValue?) {
        self.participantID = participantID; self.kind = kind; self.target = target; self.old = old; self.new = new
    }
}

/// What a scan streams, besides the frame.
public struct SynthesisScanParts: OptionSet, Sendable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }
    /// Voters and authors in the frame.
    public static let participants = SynthesisScanParts(rawValue: 1)
    /// Every live opinion vote.
    public static let votes = SynthesisScanParts(rawValue: 2)
    /// Every visible text.
    public static let texts = SynthesisScanParts(rawValue: 4)
    public static let all: SynthesisScanParts = [.participants, .votes, .texts]
}

/// Receives a scan in order: the frame, then vote chunks, then text chunks, then changes. Called
/// sequentially from inside the store's read transaction (hence `@unchecked Sendable` adopters).
public protocol SynthesisSink: AnyObject, Sendable {
    func frame(_ frame: SynthesisFrame) throws
    func votes(_ chunk: [SynthesisSnapshot.VoteItem]) throws
    func texts(_ chunk: [SynthesisSnapshot.TextItem]) throws
    func changes(_ chunk: [SynthesisVoteChange]) throws
}

/// The persisted state of a consultation's last synthesis, from which the next run can start
/// instead of reading everything again. `payload` is the runner's own encoding.
public struct SynthesisState: Sendable, Equatable {
    public var consultationID: ID
    public var runID: ID
    public var watermark: SynthesisWatermark
    public var payload: Data
    public init(consultationID: ID, runID: ID, watermark: SynthesisWatermark, payload: Data) {
        self.consultationID = consultationID; self.runID = runID; self.watermark = watermark; self.payload = payload
    }
}

/// Collects a whole scan into a `SynthesisSnapshot` (small consultations, tests).
final class SynthesisSnapshotCollector: SynthesisSink, @unchecked Sendable {
    var frame: SynthesisFrame?
    var votes: [SynthesisSnapshot.VoteItem] = []
    var texts: [SynthesisSnapshot.TextItem] = []
    func frame(_ frame: SynthesisFrame) throws { self.frame = frame }
    func votes(_ chunk: [SynthesisSnapshot.VoteItem]) throws { votes.append(contentsOf: chunk) }
    func texts(_ chunk: [SynthesisSnapshot.TextItem]) throws { texts.append(contentsOf: chunk) }
    func changes(_ chunk: [SynthesisVoteChange]) throws {}
}

extension SynthesisStore {
    /// The whole scan in memory, votes ordered by participant then target as they always were.
    public func synthesisSnapshot(consultationID: ID) async throws -> SynthesisSnapshot? {
        let collector = SynthesisSnapshotCollector()
        guard try await scanSynthesis(consultationID: consultationID, parts: .all, changesAfter: nil, chunkSize: 10_000, into: collector),
              let frame = collector.frame else { return nil }
        func order(_ t: Target) -> (Int, ID) {
            switch t {
            case .article(let id): return (0, id)
            case .contribution(let id): return (1, id)
            }
        }
        let votes = collector.votes.sorted {
            $0.participantID != $1.participantID ? $0.participantID < $1.participantID : order($0.target) < order($1.target)
        }
        var participants: [ID: SynthesisSnapshot.ParticipantItem] = [:]
        for p in frame.participants { participants[p.id] = p }
        return SynthesisSnapshot(consultation: frame.consultation, targets: frame.targets, votes: votes, participants: participants, texts: collector.texts)
    }
}
