import Foundation

/// Storage of the opt-in profile questionnaire and organisers' margins (issue 4). `Store` inherits it.
///
/// NB: profiles live in their own table, keyed by participant id and holding no identity data;
/// only the analysis (`opinionVotes` + `profiles(consultationID:)`) brings votes and answers together.
public protocol ProfileStore: Sendable {
    func profile(participantID: ID) async throws -> ProfileAnswers?
    /// Inserts or replaces the participant's answers; keeps the first consent date.
    func saveProfile(participantID: ID, answers: [ProfileQuestion: String], at: Date) async throws -> ProfileAnswers
    /// Deletes the answers. False when there were none.
    func eraseProfile(participantID: ID) async throws -> Bool
    /// Deletes an account in one transaction: withdraws its live votes (appending withdrawal events
    /// and updating tallies), deletes its sessions and profile, detaches its contributions (author
    /// name `anonymisedName`, no author id) and, with `.erase`, empties their texts and sets `erased_at`;
    /// appends `audit`; then deletes the participant row. False when there was none.
    func deleteAccount(
        participantID: ID, anonymisedName: String, contributions: ContributionsOnDeletion, audit: AuditEntry, at: Date
    ) async throws -> Bool

    /// Live opinion votes (agree / mixed / disagree) on the consultation's articles, and on its
    /// visible amendments and proposals.
    func opinionVotes(consultationID: ID) async throws -> [Vote]
    /// The votes of `opinionVotes` on the given targets only (one page of the dashboard), in the same order.
    func opinionVotes(consultationID: ID, targets: [Target]) async throws -> [Vote]
    /// The participants behind `opinionVotes`, each once, ascending: what the representativeness summary
    /// needs without reading every vote (issue 14: ten million of them at national scale).
    func opinionVoters(consultationID: ID) async throws -> [ID]
    /// Profiles of the participants who cast an opinion vote in the consultation, by participant id.
    func profiles(consultationID: ID) async throws -> [ID: ProfileAnswers]
    /// Articles, visible amendments and proposals of the consultation, with their live tallies.
    func reweightingTargets(consultationID: ID) async throws -> [ReweightingTarget]

    func uploadedMargins(consultationID: ID) async throws -> UploadedMargins?
    /// Replaces the consultation's uploaded margins (all rows at once).
    func saveUploadedMargins(_ margins: UploadedMargins) async throws
    func deleteUploadedMargins(consultationID: ID) async throws
}
