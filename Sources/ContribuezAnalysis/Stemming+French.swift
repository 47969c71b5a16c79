import Foundation

/// The Snowball French stemmer (Snowball 3: elisions, `He`/`Hi` markers for ë and ï,
/// `-oux`, and the `-ais` exceptions). Positions follow Snowball: `pV` starts RV, `p1` R1, `p2` R2.
struct FrenchStemmer {
    var w: [Unicode.Scalar]
    private var pV = 0, p1 = 0, p2 = 0

    init(_ w: [Unicode.Scalar]) { self.w = w }

    private static let vowels: Set<Unicode.Scalar> = ["a", "e", "i", "o", "u", "y", "à", "â", "è", "é", "ê", "ë", "î", "ï", "ô", "ù", "û"]
    private static let elisionChars: Set<Unicode.Scalar> = ["c", "d", "j", "l", "m", "n", "s", "t"]
    private static let keepWithS: Set<Unicode.Scalar> = ["a", "i", "o", "s", "u", "è"]
    private static let ouxEnding: Set<Unicode.Scalar> = ["b", "h", "j", "l", "n", "p"]

    @inline(__always) private func isV(_ c: Unicode.Scalar) -> Bool { Self.vowels.contains(c) }

    mutating func run() {
        elisions()
        prelude()
        markRegions()
        if standardSuffix() || iVerbSuffix() || verbSuffix() {
            if w.last == "Y" { w[w.count - 1] = "i" } else if w.last == "ç" { w[w.count - 1] = "c" }
        } else {
            residualSuffix()
        }
        unDouble()
        unAccent()
        postlude()
    }

    private mutating func elisions() {
        if w.count >= 3, Self.elisionChars.contains(w[0]), w[1] == "'" {
            w.removeFirst(2)
        } else if w.count >= 4, w[0] == "q", w[1] == "u", w[2] == "'" {
            w.removeFirst(3)
        }
    }

    /// Marks u, i and y that act as consonants (upper case) and ë, ï as He, Hi.
    /// NB: Snowball's `goto` leaves the cursor where the match began, so after a change the scan
    /// resumes at the same place: in "jouaient" the a after the marked U still counts as the vowel before i.
    private mutating func prelude() {
        var c = 0
        scan: while c < w.count {
            var p = c
            while p < w.count {
                if let next = tryPrelude(at: p) { c = next; continue scan }
                p += 1
            }
            break
        }
    }

    private mutating func tryPrelude(at p: Int) -> Int? {
        let n = w.count
        if isV(w[p]), p + 1 < n {
            let q = p + 1
            if (w[q] == "u" || w[q] == "i"), q + 1 < n, isV(w[q + 1]) {
                w[q] = w[q] == "u" ? "U" : "I"
                return p
            }
            if w[q] == "y" { w[q] = "Y"; return p }
        }
        if w[p] == "ë" { w.replaceSubrange(p...p, with: ["H", "e"]); return p }
        if w[p] == "ï" { w.replaceSubrange(p...p, with: ["H", "i"]); return p }
        if w[p] == "y", p + 1 < n, isV(w[p + 1]) { w[p] = "Y"; return p }
        if w[p] == "q", p + 1 < n, w[p + 1] == "u" { w[p + 1] = "U"; return p }
        return nil
    }

    private mutating func markRegions() {
        let n = w.count
        pV = n; p1 = n; p2 = n
        if n >= 3, isV(w[0]), isV(w[1]) {
            pV = 3
        } else if let prefix = Self.rvPrefixes.first(where: { startsWith($0) }),
            prefix != ["n", "i"] || (n > 2 && isV(w[2]))
        {
            pV = prefix.count + (prefix == ["n", "i"] ? 1 : 0)
        } else if n >= 2, let j = (1..<n).first(where: { isV(w[$0]) }) {
            pV = j + 1
        }
        if let a = afterVowelThenConsonant(from: 0) {
            p1 = a
            if let b = afterVowelThenConsonant(from: a) { p2 = b }
        }
    }

    private static let rvPrefixes: [[Unicode.Scalar]] = [["c", "o", "l"], ["p", "a", "r"], ["t", "a", "p"], ["n", "i"]]

    private func startsWith(_ prefix: [Unicode.Scalar]) -> Bool {
        w.count >= prefix.count && w[..<prefix.count].elementsEqual(prefix)
    }

    private func afterVowelThenConsonant(from start: Int) -> Int? {
        var i = start
        while i < w.count && !isV(w[i]) { i += 1 }
        guard i < w.count else { return nil }
        i += 1
        while i < w.count && isV(w[i]) { i += 1 }
        guard i < w.count else { return nil }
        return i + 1
    }

    private static let standard = SuffixTable([
        ("iqUe", 1), ("atrice", 2), ("ance", 1), ("ence", 5), ("logie", 3), ("able", 1), ("isme", 1),
        ("euse", 12), ("iste", 1), ("ive", 8), ("if", 8), ("usion", 4), ("ation", 2), ("ution", 4),
        ("ateur", 2), ("iqUes", 1), ("atrices", 2), ("ances", 1), ("ences", 5), ("logies", 3),
        ("ables", 1), ("ismes", 1), ("euses", 12), ("istes", 1), ("ives", 8), ("ifs", 8),
        ("usions", 4), ("ations", 2), ("utions", 4), ("ateurs", 2), ("ments", 16), ("ements", 6),
        ("issements", 13), ("ités", 7), ("ment", 16), ("ement", 6), ("issement", 13), ("amment", 14),
        ("emment", 15), ("aux", 10), ("eaux", 9), ("eux", 1), ("oux", 11), ("ité", 7),
    ])
    private static let afterEment = SuffixTable([("iqU", 3), ("abl", 3), ("Ièr", 4), ("ièr", 4), ("eus", 2), ("iv", 1)])
    private static let afterIte = SuffixTable([("ic", 2), ("abil", 1), ("iv", 3)])

    private mutating func del(_ s: Int) { w.removeSubrange(s...) }

    /// Step 1. Returns false when nothing was removed or when the ending was -ment/-amment/-emment
    /// (Snowball's `fail`, so that the verb steps still run).
    private mutating func standardSuffix() -> Bool {
        guard let (s, action) = Self.standard.match(w, end: w.count) else { return false }
        switch action {
        case 1:
            guard s >= p2 else { return false }
            del(s)
        case 2:
            guard s >= p2 else { return false }
            del(s)
            if w.hasSuffix("ic") { let t = w.count - 2; if t >= p2 { del(t) } else { w.replaceTail(from: t, with: "iqU") } }
        case 3:
            guard s >= p2 else { return false }
            w.replaceTail(from: s, with: "log")
        case 4:
            guard s >= p2 else { return false }
            w.replaceTail(from: s, with: "u")
        case 5:
            guard s >= p2 else { return false }
            w.replaceTail(from: s, with: "ent")
        case 6:
            guard s >= pV else { return false }
            del(s)
            if let (t, a) = Self.afterEment.match(w, end: w.count) {
                switch a {
                case 1:
                    if t >= p2 {
                        del(t)
                        if w.hasSuffix("at"), w.count - 2 >= p2 { del(w.count - 2) }
                    }
                case 2:
                    if t >= p2 { del(t) } else if t >= p1 { w.replaceTail(from: t, with: "eux") }
                case 3:
                    if t >= p2 { del(t) }
                default:
                    if t >= pV { w.replaceTail(from: t, with: "i") }
                }
            }
        case 7:
            guard s >= p2 else { return false }
            del(s)
            if let (t, a) = Self.afterIte.match(w, end: w.count) {
                switch a {
                case 1: if t >= p2 { del(t) } else { w.replaceTail(from: t, with: "abl") }
                case 2: if t >= p2 { del(t) } else { w.replaceTail(from: t, with: "iqU") }
                default: if t >= p2 { del(t) }
                }
            }
        case 8:
            guard s >= p2 else { return false }
            del(s)
            if w.hasSuffix("at"), w.count - 2 >= p2 {
                del(w.count - 2)
                if w.hasSuffix("ic") { let t = w.count - 2; if t >= p2 { del(t) } else { w.replaceTail(from: t, with: "iqU") } }
            }
        case 9:
            w.replaceTail(from: s, with: "eau")
        case 10:
            guard s >= p1 else { return false }
            w.replaceTail(from: s, with: "al")
        case 11:
            guard s > 0, Self.ouxEnding.contains(w[s - 1]) else { return false }
            w.replaceTail(from: s, with: "ou")
        case 12:
            if s >= p2 { del(s) } else if s >= p1 { w.replaceTail(from: s, with: "eux") } else { return false }
        case 13:
            guard s >= p1, s > 0, !isV(w[s - 1]) else { return false }
            del(s)
        case 14:
            if s >= pV { w.replaceTail(from: s, with: "ant") }
            return false
        case 15:
            if s >= pV { w.replaceTail(from: s, with: "ent") }
            return false
        default:  // -ment, -ments after a vowel in RV
            if s > 0, isV(w[s - 1]), s - 1 >= pV { del(s) }
            return false
        }
        return true
    }

    private static let iVerb = SuffixTable(
        ["ira", "ie", "isse", "issante", "i", "irai", "ir", "iras", "ies", "îmes", "isses", "issantes", "îtes",
         "is", "irais", "issais", "irions", "issions", "irons", "issons", "issants", "it", "irait", "issait",
         "issant", "iraIent", "issaIent", "irent", "issent", "iront", "ît", "iriez", "issiez", "irez", "issez"]
            .map { ($0, 1) })

    /// Step 2a: -ir verb endings after a consonant, inside RV.
    private mutating func iVerbSuffix() -> Bool {
        guard w.count >= pV, let (s, _) = Self.iVerb.match(w, end: w.count, limit: pV) else { return false }
        guard s > pV, w[s - 1] != "H", !isV(w[s - 1]) else { return false }
        del(s)
        return true
    }

    private static let verb = SuffixTable([
        ("a", 3), ("era", 2), ("aise", 4), ("asse", 3), ("ante", 3), ("ée", 2), ("ai", 3), ("erai", 2),
        ("er", 2), ("as", 3), ("eras", 2), ("âmes", 3), ("aises", 4), ("asses", 3), ("antes", 3),
        ("âtes", 3), ("ées", 2), ("ais", 4), ("eais", 2), ("erais", 2), ("ions", 1), ("erions", 2),
        ("assions", 3), ("erons", 2), ("ants", 3), ("és", 2), ("ait", 3), ("erait", 2), ("ant", 3),
        ("aIent", 3), ("eraIent", 2), ("èrent", 2), ("assent", 3), ("eront", 2), ("ât", 3), ("ez", 2),
        ("iez", 2), ("eriez", 2), ("assiez", 3), ("erez", 2), ("é", 2),
    ])
    private static let aisExceptions = SuffixTable([("al", 1), ("épl", -1), ("auv", -1)])

    /// Step 2b: other verb endings inside RV.
    private mutating func verbSuffix() -> Bool {
        guard w.count >= pV, let (s, action) = Self.verb.match(w, end: w.count, limit: pV) else { return false }
        switch action {
        case 1:
            guard s >= p2 else { return false }
            del(s)
        case 2:
            del(s)
        case 3:
            if s > 0, w[s - 1] == "e", s - 1 >= pV { del(s - 1) } else { del(s) }
        default:  // -ais, -aise(s): kept after "épl", "auv" and a one-letter "?al"
            if let (t, a) = Self.aisExceptions.match(w, end: s) {
                if a == -1 || t == 1 { return false }
            }
            del(s)
        }
        return true
    }

    private static let residual = SuffixTable([("e", 3), ("Ière", 2), ("ière", 2), ("ion", 1), ("Ier", 2), ("ier", 2)])

    /// Step 4, when steps 1 and 2 removed nothing.
    private mutating func residualSuffix() {
        let n = w.count
        if n > 0, w[n - 1] == "s" {
            let s = n - 1
            if (s >= 2 && w[s - 2] == "H" && w[s - 1] == "i") || (s > 0 && !Self.keepWithS.contains(w[s - 1])) {
                del(s)
            }
        }
        guard w.count >= pV, let (s, action) = Self.residual.match(w, end: w.count, limit: pV) else { return }
        switch action {
        case 1:
            if s >= p2, s > pV, w[s - 1] == "s" || w[s - 1] == "t" { del(s) }
        case 2:
            w.replaceTail(from: s, with: "i")
        default:
            del(s)
        }
    }

    private static let doubles = SuffixTable([("ell", 1), ("eill", 1), ("enn", 1), ("onn", 1), ("ett", 1)])

    private mutating func unDouble() {
        if Self.doubles.match(w, end: w.count) != nil { w.removeLast() }
    }

    private mutating func unAccent() {
        var i = w.count
        while i > 0 && !isV(w[i - 1]) { i -= 1 }
        guard i < w.count, i > 0, w[i - 1] == "é" || w[i - 1] == "è" else { return }
        w[i - 1] = "e"
    }

    private mutating func postlude() {
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(w.count)
        var i = 0
        while i < w.count {
            let c = w[i]
            switch c {
            case "I": out.append("i")
            case "U": out.append("u")
            case "Y": out.append("y")
            case "H":
                if i + 1 < w.count, w[i + 1] == "e" { out.append("ë"); i += 1 }
                else if i + 1 < w.count, w[i + 1] == "i" { out.append("ï"); i += 1 }
            default: out.append(c)
            }
            i += 1
        }
        w = out
    }
}
