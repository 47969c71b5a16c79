import Foundation

/// The Snowball Spanish stemmer. Positions follow Snowball: `pV` starts RV, `p1` R1, `p2` R2.
struct SpanishStemmer {
    var w: [Unicode.Scalar]
    private var pV = 0, p1 = 0, p2 = 0

    init(_ w: [Unicode.Scalar]) { self.w = w }

    private static let vowels: Set<Unicode.Scalar> = ["a", "e", "i", "o", "u", "á", "é", "í", "ó", "ú", "ü"]
    @inline(__always) private func isV(_ c: Unicode.Scalar) -> Bool { Self.vowels.contains(c) }

    mutating func run() {
        markRegions()
        attachedPronoun()
        _ = standardSuffix() || yVerbSuffix() || verbSuffix()
        residualSuffix()
        for i in w.indices {
            switch w[i] {
            case "á": w[i] = "a"
            case "é": w[i] = "e"
            case "í": w[i] = "i"
            case "ó": w[i] = "o"
            case "ú": w[i] = "u"
            default: break
            }
        }
    }

    private func firstVowel(from i: Int) -> Int? { (i..<max(i, w.count)).first { isV(w[$0]) } }
    private func firstConsonant(from i: Int) -> Int? { (i..<max(i, w.count)).first { !isV(w[$0]) } }

    private mutating func markRegions() {
        let n = w.count
        pV = n; p1 = n; p2 = n
        if n >= 2 {
            if isV(w[0]) {
                if !isV(w[1]), let j = firstVowel(from: 2) {
                    pV = j + 1
                } else if isV(w[1]), let j = firstConsonant(from: 2) {
                    pV = j + 1
                }
            } else {
                if !isV(w[1]), let j = firstVowel(from: 2) {
                    pV = j + 1
                } else if isV(w[1]), n >= 3 {
                    pV = 3
                }
            }
        }
        if let v = firstVowel(from: 0), let c = firstConsonant(from: v + 1) {
            p1 = c + 1
            if let v2 = firstVowel(from: p1), let c2 = firstConsonant(from: v2 + 1) { p2 = c2 + 1 }
        }
    }

    private mutating func del(_ s: Int) { w.removeSubrange(s...) }

    private static let pronouns = SuffixTable(
        ["la", "sela", "le", "me", "se", "lo", "selo", "las", "selas", "les", "los", "selos", "nos"].map { ($0, 1) })
    private static let beforePronoun = SuffixTable([
        ("ando", 6), ("iendo", 6), ("yendo", 7), ("ándo", 2), ("iéndo", 1), ("ar", 6), ("er", 6), ("ir", 6),
        ("ár", 3), ("ér", 4), ("ír", 5),
    ])

    /// Step 0: a pronoun attached to a gerund or infinitive (`dándole` → `dando`).
    private mutating func attachedPronoun() {
        guard let (s, _) = Self.pronouns.match(w, end: w.count),
            let (t, action) = Self.beforePronoun.match(w, end: s), t >= pV
        else { return }
        switch action {
        case 1: w.replaceTail(from: t, with: "iendo")
        case 2: w.replaceTail(from: t, with: "ando")
        case 3: w.replaceTail(from: t, with: "ar")
        case 4: w.replaceTail(from: t, with: "er")
        case 5: w.replaceTail(from: t, with: "ir")
        case 6: del(s)
        default: if t > 0, w[t - 1] == "u" { del(s) }
        }
    }

    private static let standard = SuffixTable([
        ("ica", 1), ("ancia", 2), ("encia", 5), ("adora", 2), ("osa", 1), ("ista", 1), ("iva", 9), ("anza", 1),
        ("logía", 3), ("idad", 8), ("able", 1), ("ible", 1), ("ante", 2), ("mente", 7), ("amente", 6),
        ("acion", 2), ("ucion", 4), ("ación", 2), ("ución", 4), ("ico", 1), ("ismo", 1), ("oso", 1),
        ("amiento", 1), ("imiento", 1), ("ivo", 9), ("ador", 2), ("icas", 1), ("ancias", 2), ("encias", 5),
        ("adoras", 2), ("osas", 1), ("istas", 1), ("ivas", 9), ("anzas", 1), ("logías", 3), ("idades", 8),
        ("ables", 1), ("ibles", 1), ("aciones", 2), ("uciones", 4), ("adores", 2), ("antes", 2), ("icos", 1),
        ("ismos", 1), ("osos", 1), ("amientos", 1), ("imientos", 1), ("ivos", 9),
    ])
    private static let afterAmente = SuffixTable([("ic", -1), ("ad", -1), ("os", -1), ("iv", 1)])
    private static let afterMente = SuffixTable([("able", 1), ("ible", 1), ("ante", 1)])
    private static let afterIdad = SuffixTable([("ic", 1), ("abil", 1), ("iv", 1)])

    private mutating func standardSuffix() -> Bool {
        guard let (s, action) = Self.standard.match(w, end: w.count) else { return false }
        switch action {
        case 1:
            guard s >= p2 else { return false }
            del(s)
        case 2:
            guard s >= p2 else { return false }
            del(s)
            if w.hasSuffix("ic"), w.count - 2 >= p2 { del(w.count - 2) }
        case 3:
            guard s >= p2 else { return false }
            w.replaceTail(from: s, with: "log")
        case 4:
            guard s >= p2 else { return false }
            w.replaceTail(from: s, with: "u")
        case 5:
            guard s >= p2 else { return false }
            w.replaceTail(from: s, with: "ente")
        case 6:
            guard s >= p1 else { return false }
            del(s)
            if let (t, a) = Self.afterAmente.match(w, end: w.count), t >= p2 {
                del(t)
                if a == 1, w.hasSuffix("at"), w.count - 2 >= p2 { del(w.count - 2) }
            }
        case 7:
            guard s >= p2 else { return false }
            del(s)
            if let (t, _) = Self.afterMente.match(w, end: w.count), t >= p2 { del(t) }
        case 8:
            guard s >= p2 else { return false }
            del(s)
            if let (t, _) = Self.afterIdad.match(w, end: w.count), t >= p2 { del(t) }
        default:
            guard s >= p2 else { return false }
            del(s)
            if w.hasSuffix("at"), w.count - 2 >= p2 { del(w.count - 2) }
        }
        return true
    }

    private static let yVerb = SuffixTable(
        ["ya", "ye", "yan", "yen", "yeron", "yendo", "yo", "yas", "yes", "yais", "yamos", "yó"].map { ($0, 1) })

    /// Step 2a: verb endings beginning with y, after u.
    private mutating func yVerbSuffix() -> Bool {
        guard w.count >= pV, let (s, _) = Self.yVerb.match(w, end: w.count, limit: pV), s > 0, w[s - 1] == "u"
        else { return false }
        del(s)
        return true
    }

    private static let verb = SuffixTable(
        [("en", 1), ("es", 1), ("éis", 1), ("emos", 1)]
            + ["aba", "ada", "ida", "ara", "iera", "ía", "aría", "ería", "iría", "ad", "ed", "id", "ase", "iese",
               "aste", "iste", "an", "aban", "aran", "ieran", "ían", "arían", "erían", "irían", "asen", "iesen",
               "aron", "ieron", "arán", "erán", "irán", "ado", "ido", "ando", "iendo", "ar", "er", "ir", "as",
               "abas", "adas", "idas", "aras", "ieras", "ías", "arías", "erías", "irías", "ases", "ieses",
               "abais", "arais", "ierais", "íais", "aríais", "eríais", "iríais", "aseis", "ieseis", "asteis",
               "isteis", "áis", "aréis", "eréis", "iréis", "ados", "idos", "amos", "ábamos", "áramos",
               "iéramos", "íamos", "aríamos", "eríamos", "iríamos", "aremos", "eremos", "iremos", "ásemos",
               "iésemos", "imos", "arás", "erás", "irás", "ís", "ará", "erá", "irá", "aré", "eré", "iré", "ió"]
            .map { ($0, 2) })

    /// Step 2b: other verb endings inside RV.
    private mutating func verbSuffix() -> Bool {
        guard w.count >= pV, let (s, action) = Self.verb.match(w, end: w.count, limit: pV) else { return false }
        if action == 1, s >= 2, w[s - 1] == "u", w[s - 2] == "g" { del(s - 1) } else { del(s) }
        return true
    }

    private static let residual = SuffixTable([("a", 1), ("e", 2), ("o", 1), ("os", 1), ("á", 1), ("é", 2), ("í", 1), ("ó", 1)])

    private mutating func residualSuffix() {
        guard let (s, action) = Self.residual.match(w, end: w.count), s >= pV else { return }
        del(s)
        let n = w.count
        if action == 2, n >= 2, w[n - 1] == "u", w[n - 2] == "g", n - 1 >= pV { del(n - 1) }
    }
}
