extension Migrations {
    /// Opt-in profile questionnaire and organisers' margins (issue 4). Numbered 0003-….
    static let profiles: [Migration] = []
}
