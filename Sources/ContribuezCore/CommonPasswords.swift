import Foundation

/// The most used passwords (global and French leak lists), 8 characters or more since shorter ones
/// are refused anyway. Compared case-insensitively. NB: NIST SP 800-63B asks to refuse known-breached
/// and common passwords instead of imposing composition rules; this list is that check, kept small
/// enough to ship in the binary.
public enum CommonPasswords {
    public static func contains(_ password: String) -> Bool {
        let p = password.lowercased()
        if list.contains(p) || leaked.contains(Substring(p)) { return true }
        if isContextWord(p) { return true }
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

    /// Words of this platform and of public consultation that people reach for first (ASVS 5.0 6.1.2 and
    /// 6.2.11): a password that is one of them — whatever its case, accents, spaces, digits and punctuation
    /// around it ("Contribuez2026!", "Démocratie 1") — is refused. The list is documented in SECURITY.md.
    public static let contextWords: Set<String> = [
        "contribuez", "contribution", "contributions", "consultation", "consultations", "concertation",
        "participation", "participer", "republique", "republiquenumerique", "numerique", "democratie",
        "democratieparticipative", "citoyen", "citoyenne", "citoyens", "citoyennete", "gouvernement",
        "parlement", "assemblee", "assembleenationale", "senat", "ministere", "mairie", "prefecture",
        "projetdeloi", "granddebat", "debatpublic", "debat", "marianne", "liberte", "egalite",
        "liberteegalitefraternite", "fraternite", "amendement", "amendements", "cnnum", "decidim",
    ]

    /// True when the password, once accents are folded and everything but letters is dropped, is a context
    /// word, or such a word repeated ("consultationconsultation").
    static func isContextWord(_ lowercased: String) -> Bool {
        let folded = lowercased.folding(options: [.diacriticInsensitive, .caseInsensitive], locale: Locale(identifier: "fr_FR"))
        let letters = String(folded.unicodeScalars.filter { CharacterSet.letters.contains($0) }.map(Character.init))
        guard !letters.isEmpty else { return false }
        if contextWords.contains(letters) { return true }
        for word in contextWords where letters.count % word.count == 0 && letters.count > word.count {
            if String(repeating: word, count: letters.count / word.count) == letters { return true }
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
