extension Migrations {
    /// Abuse resistance (issue 13): password reset links, the freeze of accounts (« ce n'était pas moi »), sign-up bursts. Numbered 0018.
    static let abuse: [Migration] = []
}
