import Foundation

/// A contribution that may be owed an answer: its votes when the consultation closed, and its answers.
public struct EngagementCandidate: Sendable, Equatable {
    public var contribution: Contribution
    /// Votes (every value, imported totals included) it held at the consultation's closing instant.
    public var votes: Int
    public var firstAnsweredAt: Date?
    public var currentStatus: AnswerStatus?

    public init(contribution: Contribution, votes: Int, firstAnsweredAt: Date?, currentStatus: AnswerStatus?) {
        self.contribution = contribution; self.votes = votes; self.firstAnsweredAt = firstAnsweredAt; self.currentStatus = currentStatus
    }
}

/// Where an owed answer stands.
public enum EngagementState: String, Sendable, Codable, CaseIterable {
    case answeredOnTime = "answered_on_time"
    case answeredLate = "answered_late"
    case overdue
    case notYetDue = "not_yet_due"
}

public struct Engagement: Sendable, Equatable {
    public var candidate: EngagementCandidate
    public var dueAt: Date
    public var state: EngagementState
    /// Whole days past the due date: now for an overdue item, at answering time for a late one; 0 otherwise.
    public var daysLate: Int
}

/// The public commitments ledger of one consultation (« Engagements »).
public struct EngagementLedger: Sendable, Equatable {
    public var consultationID: ID
    public var threshold: Int
    /// Closing + answer deadline.
    public var dueAt: Date
    /// False before closing: nothing is due yet, and `provisional` counts what would be.
    public var isClosed: Bool
    /// Overdue first (oldest first, most days overdue first), then not yet due, late, on time; by votes within each.
    public var items: [Engagement]
    public var provisional: Int

    public var due: Int { items.count }
    public func count(_ state: EngagementState) -> Int { items.filter { $0.state == state }.count }

    static let day: TimeInterval = 86_400

    /// Computes the ledger at `now`. Answers given before closing count as on time.
    public static func compute(consultation: Consultation, candidates: [EngagementCandidate], now: Date) -> EngagementLedger {
        let s = consultation.settings
        let dueAt = consultation.closesAt.addingTimeInterval(Double(s.answerDeadlineDays) * day)
        let over = candidates.filter { $0.votes >= s.answerThreshold }
        let isClosed = consultation.isPublished && now >= consultation.closesAt
        guard isClosed else {
            return EngagementLedger(consultationID: consultation.id, threshold: s.answerThreshold, dueAt: dueAt, isClosed: false, items: [], provisional: over.count)
        }
        func days(_ from: Date, _ to: Date) -> Int { max(0, Int((to.timeIntervalSince(from) / day).rounded(.down))) }
        let items = over.map { c -> Engagement in
            if let answered = c.firstAnsweredAt {
                return answered <= dueAt
                    ? Engagement(candidate: c, dueAt: dueAt, state: .answeredOnTime, daysLate: 0)
                    : Engagement(candidate: c, dueAt: dueAt, state: .answeredLate, daysLate: max(1, days(dueAt, answered)))
            }
            return now > dueAt
                ? Engagement(candidate: c, dueAt: dueAt, state: .overdue, daysLate: days(dueAt, now))
                : Engagement(candidate: c, dueAt: dueAt, state: .notYetDue, daysLate: 0)
        }
        let rank: [EngagementState: Int] = [.overdue: 0, .notYetDue: 1, .answeredLate: 2, .answeredOnTime: 3]
        let sorted = items.sorted { a, b in
            if a.state != b.state { return rank[a.state]! < rank[b.state]! }
            if a.state == .overdue, a.candidate.contribution.createdAt != b.candidate.contribution.createdAt {
                return a.candidate.contribution.createdAt < b.candidate.contribution.createdAt
            }
            if a.candidate.votes != b.candidate.votes { return a.candidate.votes > b.candidate.votes }
            return a.candidate.contribution.id < b.candidate.contribution.id
        }
        return EngagementLedger(consultationID: consultation.id, threshold: s.answerThreshold, dueAt: dueAt, isClosed: true, items: sorted, provisional: 0)
    }
}
