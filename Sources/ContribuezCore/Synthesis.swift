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

