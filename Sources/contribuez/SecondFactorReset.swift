import ArgumentParser
import ContribuezCore
import Foundation

/// `contribuez reset-second-factor EMAIL --reason …` (issue 13): the same command as the admin page, with the
/// machine's authority, for the last admin who lost their phone and their recovery codes.
struct ResetSecondFactorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reset-second-factor",
        abstract: "Reset the second factor of an account whose owner lost both phone and recovery codes.",
        discussion: """
            For the last admin, who cannot use the admin page without their own factor; other accounts are reset on /admin.
            Check the person's identity out of band first. The factor and its recovery codes are deleted, every session
            of the account ends, and the reason is written to the audit trail; at the next sign-in they enrol again.
            """)
    @OptionGroup var db: DatabaseOptions
    @Argument(help: "E-mail address of the account.") var email: String
    @Option(help: "Why, and how the person's identity was checked (kept in the audit trail).") var reason: String

    func run() async throws {
        let store = try await db.open()
        guard let found = try await store.participant(email: email.trimmingCharacters(in: .whitespaces).lowercased()), found.email != nil else {
            throw ValidationError("no account with the e-mail \(email)")
        }
        let ctx = CommandContext(store: store, clock: SystemClock(), hasher: NoHasher())
        switch try await ResetSecondFactor(actor: nil, participantID: found.id, reason: reason, fromCommandLine: true).run(ctx) {
        case .done: print("the second factor of \(email) is reset: its sessions ended; it enrols again at the next sign-in")
        case .conflict: throw ValidationError("\(email) has no second factor to reset")
        case .invalid: throw ValidationError("--reason must be \(StaffSecondFactor.reasonLimits.lowerBound) to \(StaffSecondFactor.reasonLimits.upperBound) characters")
        default: throw ValidationError("the second factor of \(email) could not be reset")
        }
    }
}
