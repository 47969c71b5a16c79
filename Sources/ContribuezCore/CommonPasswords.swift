import Foundation

/// The most used passwords (global and French leak lists), 8 characters or more since shorter ones
/// are refused anyway. Compared case-insensitively. NB: NIST SP 800-63B asks to refuse known-breached
/// and common passwords instead of imposing composition rules; this list is that check, kept small
/// enough to ship in the binary.
public enum CommonPasswords {
    public static func contains(_ password: String) -> Bool {
        let p = password.lowercased()
        if list.contains(p) { return true }
        // One repeated character ("aaaaaaaa") or a run of digits counting up or down ("123456789").
        let scalars = Array(p.unicodeScalars)
        if Set(scalars).count == 1 { return true }
        let digits = scalars.compactMap { Int(String($0)) }
        if digits.count == scalars.count {
            let up = zip(digits, digits.dropFirst()).allSatisfy { ($0 + 1) % 10 == $1 }
            let down = zip(digits, digits.dropFirst()).allSatisfy { ($1 + 1) % 10 == $0 }
            if up || down { return true }
        }
        return false
    }

    static let list: Set<String> = [
        "00000000", "11111111", "11223344", "12341234", "12344321", "12345678", "123456789", "1234567890",
        "123456789a", "123456789q", "1234qwer", "123soleil", "147258369", "1q2w3e4r", "1qaz2wsx", "741852963",
        "87654321", "88888888", "987654321", "99999999", "a123456789", "a1b2c3d4", "aaaaaaaa", "abcd1234",
        "abcdefgh", "admin123", "allezlom", "apple123", "asdfasdf", "asdfghjk", "azerty123", "azertyui",
        "azertyuiop", "barcelona", "baseball", "bebe1234", "bienvenue", "bienvenue1", "changeme", "changeme1",
        "charlie1", "chocolat", "chocolat1", "chouchou", "computer", "contraseña", "football", "football1",
        "fortnite", "france123", "fraternite", "hello123", "hello1234", "iloveyou", "iloveyou1", "internet",
        "jesus123", "juventus", "liverpool", "lovelove", "mamanpapa", "marseille", "marseille13", "mdp12345",
        "minecraft", "motdepass", "motdepasse", "motdepasse1", "motdepasse123", "olympique", "p@ssw0rd", "p@ssword",
        "papa1234", "paris123", "parisiens", "passw0rd", "password", "password1", "password12", "password123",
        "password1234", "passwort", "passwort1", "poiuytreza", "princess", "princess1", "q1w2e3r4", "qwer1234",
        "qwerty123", "qwertyuiop", "realmadrid", "republique", "secret123", "starwars", "sunshine", "sunshine1",
        "superman", "titi1234", "trustno1", "vacances", "welcome1", "whatever", "wxcvbnml", "zaq12wsx",
        "zxcvbnm1"
    ]
}
