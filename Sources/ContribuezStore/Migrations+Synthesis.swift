extension Migrations {
    /// Synthesis: analysis runs and their stored results (issue 3). Numbered 0002-….
    static let synthesis: [Migration] = []
}
