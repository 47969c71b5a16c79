import Foundation

// Answer and follow up (issue 9): official answers with deadlines, the commitments ledger, text
// versions traced to contributions, follows and notifications.

/// The institution's answer to a contribution.
public enum AnswerStatus: String, Sendable, Codable, CaseIterable {
    case retenue
    case partiellementRetenue = "partiellement_retenue"
    case nonRetenue = "non_retenue"
    case horsChamp = "hors_champ"
    case aLEtude = "a_l_etude"
}

/// One version of an official answer. A changed answer is a new version; the earlier ones stay visible.
public struct Answer: Sendable, Equatable, Codable {
    public var id: ID
    public var contributionID: ID
    public var status: AnswerStatus
    /// Safe Markdown.
    public var text: String
    public var answererID: ID?
    /// The name of the institution's answerer at the time.
    public var answererName: String
    public var at: Date

    public init(id: ID, contributionID: ID, status: AnswerStatus, text: String, answererID: ID?, answererName: String, at: Date) {
        self.id = id; self.contributionID = contributionID; self.status = status; self.text = text
        self.answererID = answererID; self.answererName = answererName; self.at = at
    }
}

/// A contribution's answers: the current one and the history (newest first, the current one included).
public struct AnswerHistory: Sendable, Equatable {
    public var versions: [Answer]
    public init(versions: [Answer]) { self.versions = versions }
    public var current: Answer? { versions.first }
    /// When the institution first answered: what the deadline is measured against.
    public var firstAnsweredAt: Date? { versions.last?.at }
}

/// A published version of the text after the consulted draft (v0): « v1 — projet de loi déposé », « texte adopté ».
public struct TextVersion: Sendable, Equatable, Codable {
    public var id: ID
    public var consultationID: ID
    /// 1, 2, … in order of publication (0 is the consulted draft, which is not stored here).
    public var position: Int
    public var label: String
    public var publishedAt: Date

    public init(id: ID, consultationID: ID, position: Int, label: String, publishedAt: Date) {
        self.id = id; self.consultationID = consultationID; self.position = position; self.label = label; self.publishedAt = publishedAt
    }
}

/// An article as a version has it.
public struct ArticleVersion: Sendable, Equatable, Codable {
    public var id: ID
    public var versionID: ID
    public var position: Int
    public var number: String
    /// The number it had in the previous version (nil for a new article); equal to `number` unless renumbered.
    public var previousNumber: String?
    /// The consulted article (v0) it descends from, when it does.
    public var originArticleID: ID?
    public var title: String
    public var body: String
    public var explanation: String

    public init(
        id: ID, versionID: ID, position: Int, number: String, previousNumber: String?, originArticleID: ID?,
        title: String, body: String, explanation: String
    ) {
        self.id = id; self.versionID = versionID; self.position = position; self.number = number
        self.previousNumber = previousNumber; self.originArticleID = originArticleID
        self.title = title; self.body = body; self.explanation = explanation
    }
}

/// What became of a contribution in the text.
public enum Uptake: Sendable, Equatable, Codable {
    /// Taken up in article `articleNumber` of the version.
    case takenUp(versionID: ID, articleNumber: String)
    /// Recorded as not taken up, with the institution's reason.
    case notTakenUp(reason: String)
}

public struct UptakeRecord: Sendable, Equatable {
    public var contributionID: ID
    public var uptake: Uptake
    public var at: Date
    public init(contributionID: ID, uptake: Uptake, at: Date) { self.contributionID = contributionID; self.uptake = uptake; self.at = at }
}

/// What a participant can follow.
public enum FollowTarget: Sendable, Hashable, Codable {
    case consultation(ID)
    case article(ID)
    case contribution(ID)

    public var kindName: String {
        switch self {
        case .consultation: return "consultation"
        case .article: return "article"
        case .contribution: return "contribution"
        }
    }

    public var id: ID {
        switch self {
        case .consultation(let id), .article(let id), .contribution(let id): return id
        }
    }

    public init?(kind: String, id: ID) {
        switch kind {
        case "consultation": self = .consultation(id)
        case "article": self = .article(id)
        case "contribution": self = .contribution(id)
        default: return nil
        }
    }
}

/// What a notification is about.
public enum NotificationKind: String, Sendable, Codable, CaseIterable {
    /// An official answer on something followed.
    case answer
    /// A new version of the text of a followed consultation or article.
    case version
    /// A reply (argument, source, amendment) to one's own contribution.
    case reply
    /// A moderation decision on one's own contribution.
    case moderation
}

/// An in-app notification; mailed immediately or in the daily digest, per the participant's choice.
public struct Notification: Sendable, Equatable {
    public var id: ID
    public var participantID: ID
    public var kind: NotificationKind
    public var consultationID: ID?
    /// The page it points at (a path of this site).
    public var path: String
    /// What it is about, as the pages show it: the contribution's or version's title, the new status…
    public var subject: String
    /// A detail: the answer status, the moderation action, the version label.
    public var detail: String
    public var createdAt: Date
    public var readAt: Date?
    public var mailedAt: Date?

    public init(
        id: ID, participantID: ID, kind: NotificationKind, consultationID: ID?, path: String, subject: String, detail: String,
        createdAt: Date, readAt: Date? = nil, mailedAt: Date? = nil
    ) {
        self.id = id; self.participantID = participantID; self.kind = kind; self.consultationID = consultationID
        self.path = path; self.subject = subject; self.detail = detail; self.createdAt = createdAt
        self.readAt = readAt; self.mailedAt = mailedAt
    }
}

public struct NewNotification: Sendable, Equatable {
    public var participantID: ID
    public var kind: NotificationKind
    public var consultationID: ID?
    public var path: String
    public var subject: String
    public var detail: String
    public var createdAt: Date

    public init(participantID: ID, kind: NotificationKind, consultationID: ID?, path: String, subject: String, detail: String, createdAt: Date) {
        self.participantID = participantID; self.kind = kind; self.consultationID = consultationID; self.path = path
        self.subject = subject; self.detail = detail; self.createdAt = createdAt
    }
}

/// How a participant wants mail about what they follow.
public enum MailFrequency: String, Sendable, Codable, CaseIterable {
    case immediate, daily, never
}

public struct MailPreference: Sendable, Equatable {
    public var participantID: ID
    public var frequency: MailFrequency
    /// Language of the mails ("fr" or "en").
    public var lang: String
    /// The random token of the one-click unsubscribe link (RFC 8058).
    public var unsubscribeToken: String
    public var lastDigestAt: Date?

    public init(participantID: ID, frequency: MailFrequency, lang: String, unsubscribeToken: String, lastDigestAt: Date?) {
        self.participantID = participantID; self.frequency = frequency; self.lang = lang
        self.unsubscribeToken = unsubscribeToken; self.lastDigestAt = lastDigestAt
    }
}
