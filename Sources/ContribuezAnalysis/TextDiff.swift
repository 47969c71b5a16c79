import Foundation

/// Word-level differences between two texts, used to display an amendment
/// against the article it rewrites.
///
/// The texts are cut into tokens — words (letters and digits, accented letters
/// included, with inner apostrophes such as « l'article » or « aujourd’hui »),
/// runs of whitespace, and single punctuation characters — and the token
/// sequences are compared with Myers' O(ND) algorithm in its linear-space form
/// (the "middle snake" bisection), after trimming the common prefix and suffix.
///
/// Guarantees:
/// - concatenating the `.same` and `.removed` segments gives `old` exactly,
///   and concatenating the `.same` and `.added` segments gives `new` exactly;
/// - no two adjacent segments have the same kind, and no segment is empty;
/// - the reproduction is byte for byte (not merely canonically equivalent);
/// - memory is linear in the number of tokens, and the work is bounded by a
///   budget: when two very different long texts would need too much work, the
///   parts not yet aligned are compared sentence by sentence and line by line,
///   and past a second budget shown as one removal followed by one addition —
///   a coarser but still exact diff, rather than quadratic time.
public enum TextDiff {
    /// One piece of the diff, in reading order.
    public enum Segment: Sendable, Hashable {
        /// Text present in both versions.
        case same(String)
        /// Text only in the old version.
        case removed(String)
        /// Text only in the new version.
        case added(String)

        /// The text carried by the segment, whatever its kind.
        public var text: String {
            switch self {
            case .same(let s), .removed(let s), .added(let s): return s
            }
        }
    }

    /// The default work budget, in elementary steps of the Myers search
    /// (frontier points visited plus tokens matched along diagonals).
    ///
    /// NB: a 2,000-word article (≈ 4,300 tokens) with half its words edited
    /// needs ≈ 2·10⁶ steps; two unrelated 2,000-word texts need ≈ 1.1·10⁷.
    /// 4·10⁶ steps cost roughly 15–30 ms of CPU in a release build, so every
    /// realistic amendment gets an exact word diff and the worst case stays
    /// bounded.
    public static let defaultBudget = 4_000_000

    /// The budget of the fallback that aligns sentences and lines once the
    /// word-level budget is spent; past it, the rest is one removal and one
    /// addition.
    static let coarseBudget = 1_000_000

    /// The word-level diff turning `old` into `new`.
    ///
    /// - Parameters:
    ///   - old: the text before (e.g. the article as consulted).
    ///   - new: the text after (e.g. the amended wording).
    ///   - budget: the maximum number of elementary word-level search steps;
    ///     past it the unaligned remainder is compared by sentences and lines.
    /// - Returns: segments in reading order, adjacent segments of the same kind
    ///   merged, removals placed before additions within a change.
    public static func words(from old: String, to new: String, budget: Int = defaultBudget) -> [Segment] {
        // NB: `==` on String is canonical equivalence ("é" == "e\u{301}"); the
        // byte comparison keeps the reproduction guarantee exact.
        if old.utf8.elementsEqual(new.utf8) { return old.isEmpty ? [] : [.same(old)] }
        return cleanUp(tokenDiff(from: old, to: new, budget: budget))
    }

    /// The diff as found on tokens, before the presentation clean-up (exposed
    /// to tests, which check it is minimal).
    static func tokenDiff(from old: String, to new: String, budget: Int = defaultBudget) -> [Segment] {
        var old = old
        var new = new
        // NB: bridged or lazily stored strings may not expose contiguous UTF-8;
        // after this the closures below always run.
        old.makeContiguousUTF8()
        new.makeContiguousUTF8()
        let raw =
            old.utf8.withContiguousStorageIfAvailable { oldBytes in
                new.utf8.withContiguousStorageIfAvailable { newBytes in
                    diffBytes(oldBytes, newBytes, budget: budget)
                }
            } ?? nil
        guard let raw else { preconditionFailure("native strings are contiguous after makeContiguousUTF8()") }
        return raw
    }

    /// The raw token-level diff of two UTF-8 texts, before presentation clean-up.
    private static func diffBytes(
        _ oldBytes: UnsafeBufferPointer<UInt8>, _ newBytes: UnsafeBufferPointer<UInt8>, budget: Int
    ) -> [Segment] {
        let oldBounds = tokenBoundaries(oldBytes)
        let newBounds = tokenBoundaries(newBytes)

        // Interning turns token comparison into an Int comparison. Keys point
        // into the two buffers, which outlive the table.
        var ids: [ByteSlice: Int] = [:]
        ids.reserveCapacity(oldBounds.count / 2 + 16)
        func intern(_ bytes: UnsafeBufferPointer<UInt8>, _ bounds: [Int]) -> [Int] {
            var result: [Int] = []
            result.reserveCapacity(bounds.count - 1)
            for t in 0..<(bounds.count - 1) {
                let key = ByteSlice(bytes: UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: bytes[bounds[t]..<bounds[t + 1]])))
                if let id = ids[key] {
                    result.append(id)
                } else {
                    let id = ids.count
                    ids[key] = id
                    result.append(id)
                }
            }
            return result
        }
        let a = intern(oldBytes, oldBounds)
        let b = intern(newBytes, newBounds)

        let ops = a.withUnsafeBufferPointer { ap in
            b.withUnsafeBufferPointer { bp in
                let scratch = UnsafeMutableBufferPointer<Int>.allocate(capacity: 2 * (a.count + b.count) + 8)
                defer { scratch.deallocate() }
                var myers = Myers(a: ap, b: bp, scratch: scratch, budget: budget)
                myers.aBreaks = sentenceBreaks(oldBytes, oldBounds)
                myers.bBreaks = sentenceBreaks(newBytes, newBounds)
                myers.diff(0, a.count, 0, b.count)
                return myers.ops
            }
        }

        // Each operation covers consecutive tokens, hence one byte range.
        var raw: [Segment] = []
        raw.reserveCapacity(ops.count)
        var ai = 0
        var bi = 0
        func text(_ bytes: UnsafeBufferPointer<UInt8>, _ bounds: [Int], _ from: Int, _ count: Int) -> String {
            // Token bounds fall on scalar boundaries, so decoding is exact.
            String(decoding: UnsafeBufferPointer(rebasing: bytes[bounds[from]..<bounds[from + count]]), as: UTF8.self)
        }
        for op in ops {
            switch op.kind {
            case .same:
                raw.append(.same(text(oldBytes, oldBounds, ai, op.count)))
                ai += op.count
                bi += op.count
            case .removed:
                raw.append(.removed(text(oldBytes, oldBounds, ai, op.count)))
                ai += op.count
            case .added:
                raw.append(.added(text(newBytes, newBounds, bi, op.count)))
                bi += op.count
            }
        }
        return raw
    }

    /// Whether each token ends a line or a sentence: a whitespace token that
    /// holds a newline or follows `.`, `!`, `?`, `;` or `:`.
    private static func sentenceBreaks(_ bytes: UnsafeBufferPointer<UInt8>, _ bounds: [Int]) -> [Bool] {
        var breaks = [Bool](repeating: false, count: bounds.count - 1)
        for t in 0..<(bounds.count - 1) {
            // NB: a byte 0x0A only ever encodes U+000A, and only whitespace tokens
            // hold it; a run may start with another space, e.g. U+00A0.
            if bytes[bounds[t]..<bounds[t + 1]].contains(0x0A) {
                breaks[t] = true
            } else if t > 0, bounds[t] - bounds[t - 1] == 1,
                [0x2E, 0x21, 0x3F, 0x3B, 0x3A].contains(bytes[bounds[t - 1]])
            {
                breaks[t] = classify(scalar(bytes, bounds[t]).0) == .space
            }
        }
        return breaks
    }

    /// A run of bytes compared by content; only valid while its buffer lives.
    private struct ByteSlice: Hashable {
        let bytes: UnsafeRawBufferPointer

        func hash(into hasher: inout Hasher) {
            hasher.combine(bytes: bytes)
        }

        static func == (l: ByteSlice, r: ByteSlice) -> Bool {
            l.bytes.count == r.bytes.count && l.bytes.elementsEqual(r.bytes)
        }
    }

    // MARK: - Tokens

    private enum ScalarClass { case word, space, apostrophe, extend, other }

    private static func classify(_ u: Unicode.Scalar) -> ScalarClass {
        let v = u.value
        if v < 0x80 {
            // ASCII fast path: most of a French text.
            switch v {
            case 0x30...0x39, 0x41...0x5A, 0x61...0x7A: return .word
            case 0x20, 0x09...0x0D: return .space
            case 0x27: return .apostrophe
            default: return .other
            }
        }
        if v == 0x2019 { return .apostrophe }
        if v == 0x200D { return .extend }
        let properties = u.properties
        if properties.isWhitespace { return .space }
        switch properties.generalCategory {
        case .nonspacingMark, .spacingMark, .enclosingMark, .format: return .extend
        default: break
        }
        if properties.isAlphabetic || properties.numericType != nil { return .word }
        if properties.isVariationSelector || properties.isEmojiModifier { return .extend }
        return .other
    }

    /// Decodes the scalar starting at byte `i` of valid UTF-8.
    @inline(__always)
    private static func scalar(_ p: UnsafeBufferPointer<UInt8>, _ i: Int) -> (Unicode.Scalar, Int) {
        let b0 = UInt32(p[i])
        if b0 < 0x80 { return (Unicode.Scalar(b0)!, 1) }
        if b0 < 0xE0 {
            return (Unicode.Scalar((b0 & 0x1F) << 6 | UInt32(p[i + 1] & 0x3F))!, 2)
        }
        if b0 < 0xF0 {
            let v = (b0 & 0x0F) << 12 | UInt32(p[i + 1] & 0x3F) << 6 | UInt32(p[i + 2] & 0x3F)
            return (Unicode.Scalar(v)!, 3)
        }
        let v =
            (b0 & 0x07) << 18 | UInt32(p[i + 1] & 0x3F) << 12 | UInt32(p[i + 2] & 0x3F) << 6
            | UInt32(p[i + 3] & 0x3F)
        return (Unicode.Scalar(v)!, 4)
    }

    /// Byte offsets where tokens start, followed by the buffer's length.
    ///
    /// Tokens are words (letters and digits, with an inner apostrophe when a
    /// letter follows it: « l'article », « aujourd’hui »), runs of whitespace,
    /// and single other characters. Combining marks, joiners and variation
    /// selectors stick to the token before them, so « é » written as e + U+0301
    /// stays inside its word and emoji sequences stay whole.
    ///
    /// NB: works on UTF-8 bytes; iterating `Character`s was the main cost of a
    /// diff of two near-identical articles.
    private static func tokenBoundaries(_ p: UnsafeBufferPointer<UInt8>) -> [Int] {
        var bounds: [Int] = []
        bounds.reserveCapacity(p.count / 3 + 2)
        let end = p.count
        var i = 0
        // Swallows the combining marks and joiners that follow position `j`.
        func skipExtends(_ j: inout Int) {
            while j < end, p[j] >= 0x80 {
                let (u, length) = scalar(p, j)
                guard classify(u) == .extend else { break }
                j += length
                // A joiner also glues the next scalar (emoji ZWJ sequences).
                if u.value == 0x200D, j < end { j += scalar(p, j).1 }
            }
        }
        while i < end {
            bounds.append(i)
            let (u, length) = scalar(p, i)
            let first = classify(u)
            var next = i + length
            skipExtends(&next)
            switch first {
            case .word:
                scan: while next < end {
                    let (v, vLength) = scalar(p, next)
                    switch classify(v) {
                    case .word:
                        next += vLength
                        skipExtends(&next)
                    case .apostrophe where next + vLength < end && classify(scalar(p, next + vLength).0) == .word:
                        // An apostrophe belongs to the word only when a letter follows,
                        // not when it closes a quote.
                        next += vLength
                    default:
                        break scan
                    }
                }
            case .space:
                while next < end {
                    let (v, vLength) = scalar(p, next)
                    guard classify(v) == .space else { break }
                    next += vLength
                }
            default:
                break
            }
            i = next
        }
        bounds.append(end)
        return bounds
    }

    /// The tokens of `text`, whose concatenation is `text` itself.
    static func tokenize(_ text: String) -> [Substring] {
        var text = text
        text.makeContiguousUTF8()
        let bounds = text.utf8.withContiguousStorageIfAvailable(tokenBoundaries)!
        let utf8 = text.utf8
        return zip(bounds, bounds.dropFirst()).map { start, end in
            Substring(utf8[utf8.index(utf8.startIndex, offsetBy: start)..<utf8.index(utf8.startIndex, offsetBy: end)])
        }
    }

    private static func isWordCharacter(_ c: Character) -> Bool {
        c.isLetter || c.isNumber
    }

    // MARK: - Myers

    private enum OpKind { case same, removed, added }

    private struct Op {
        var kind: OpKind
        var count: Int
    }

    /// The two token sequences and one scratch buffer shared by every step of
    /// the recursion, so the search allocates once.
    private struct Myers {
        let a: UnsafeBufferPointer<Int>
        let b: UnsafeBufferPointer<Int>
        /// Room for the forward and backward frontiers of the largest range.
        let scratch: UnsafeMutableBufferPointer<Int>
        var budget: Int
        /// Tokens that end a sentence or a line, for the coarse fallback; nil
        /// when this search is itself the coarse one.
        var aBreaks: [Bool]? = nil
        var bBreaks: [Bool]? = nil
        /// Shared by every coarse fallback of this search, so many small
        /// fallbacks cannot add up to unbounded work.
        var coarseBudget = TextDiff.coarseBudget
        var ops: [Op] = []

        mutating func append(_ kind: OpKind, _ count: Int) {
            guard count > 0 else { return }
            if let last = ops.last, last.kind == kind {
                ops[ops.count - 1].count += count
            } else {
                ops.append(Op(kind: kind, count: count))
            }
        }

        /// Appends the operations turning `a[aLo..<aHi]` into `b[bLo..<bHi]`.
        mutating func diff(_ aLo: Int, _ aHi: Int, _ bLo: Int, _ bHi: Int) {
            var aLo = aLo, aHi = aHi, bLo = bLo, bHi = bHi
            var prefix = 0
            while aLo < aHi, bLo < bHi, a[aLo] == b[bLo] { aLo += 1; bLo += 1; prefix += 1 }
            var suffix = 0
            while aLo < aHi, bLo < bHi, a[aHi - 1] == b[bHi - 1] { aHi -= 1; bHi -= 1; suffix += 1 }
            append(.same, prefix)
            if aLo == aHi || bLo == bHi {
                append(.removed, aHi - aLo)
                append(.added, bHi - bLo)
            } else if budget > 0, let (x, y) = middleSnake(aLo, aHi, bLo, bHi) {
                diff(aLo, x, bLo, y)
                diff(x, aHi, y, bHi)
            } else if budget <= 0 {
                coarse(aLo, aHi, bLo, bHi)
            } else {
                append(.removed, aHi - aLo)
                append(.added, bHi - bLo)
            }
            append(.same, suffix)
        }

        /// Once the budget is spent, aligns whole sentences and lines instead of
        /// words: far fewer units, so the same search is cheap, and unchanged
        /// paragraphs of a heavily rewritten text still show as unchanged.
        mutating func coarse(_ aLo: Int, _ aHi: Int, _ bLo: Int, _ bHi: Int) {
            guard let aBreaks, let bBreaks else {
                append(.removed, aHi - aLo)
                append(.added, bHi - bLo)
                return
            }
            func units(_ tokens: UnsafeBufferPointer<Int>, _ breaks: [Bool], _ lo: Int, _ hi: Int) -> [Range<Int>] {
                var result: [Range<Int>] = []
                var start = lo
                for t in lo..<hi where breaks[t] {
                    result.append(start..<(t + 1))
                    start = t + 1
                }
                if start < hi { result.append(start..<hi) }
                return result
            }
            let aUnits = units(a, aBreaks, aLo, aHi)
            let bUnits = units(b, bBreaks, bLo, bHi)
            var ids: [[Int]: Int] = [:]
            func id(_ tokens: UnsafeBufferPointer<Int>, _ range: Range<Int>) -> Int {
                let key = Array(tokens[range])
                if let id = ids[key] { return id }
                ids[key] = ids.count
                return ids.count - 1
            }
            let ua = aUnits.map { id(a, $0) }
            let ub = bUnits.map { id(b, $0) }
            let unitOps = ua.withUnsafeBufferPointer { ap in
                ub.withUnsafeBufferPointer { bp in
                    let scratch = UnsafeMutableBufferPointer<Int>.allocate(capacity: 2 * (ua.count + ub.count) + 8)
                    defer { scratch.deallocate() }
                    var units = Myers(a: ap, b: bp, scratch: scratch, budget: coarseBudget)
                    units.diff(0, ua.count, 0, ub.count)
                    coarseBudget = max(0, units.budget)
                    return units.ops
                }
            }
            var ai = 0
            var bi = 0
            for op in unitOps {
                switch op.kind {
                case .same:
                    // Equal units have equal tokens, so one side's count serves both.
                    append(.same, (ai..<(ai + op.count)).reduce(0) { $0 + aUnits[$1].count })
                    ai += op.count
                    bi += op.count
                case .removed:
                    append(.removed, (ai..<(ai + op.count)).reduce(0) { $0 + aUnits[$1].count })
                    ai += op.count
                case .added:
                    append(.added, (bi..<(bi + op.count)).reduce(0) { $0 + bUnits[$1].count })
                    bi += op.count
                }
            }
        }

        /// Finds a point on an optimal edit path by running the forward and
        /// backward searches until they meet (Myers 1986, §4b), as in
        /// diff-match-patch's `diff_bisect`.
        ///
        /// Returns absolute split indices, or nil when the ranges share nothing
        /// or the budget ran out.
        mutating func middleSnake(_ aLo: Int, _ aHi: Int, _ bLo: Int, _ bHi: Int) -> (Int, Int)? {
            let n = aHi - aLo
            let m = bHi - bLo
            let maxD = (n + m + 1) / 2
            let offset = maxD
            let length = 2 * maxD + 2
            let v1 = UnsafeMutableBufferPointer(rebasing: scratch[0..<length])
            let v2 = UnsafeMutableBufferPointer(rebasing: scratch[length..<(2 * length)])
            // NB: only the window offset-r...offset+r is initialised, and it grows
            // with d; clearing whole frontiers on every call made deep
            // recursions O(N·D) before any search step.
            var r = 1
            for i in (offset - 1)...(offset + 1) {
                v1[i] = -1
                v2[i] = -1
            }
            v1[offset + 1] = 0
            v2[offset + 1] = 0
            let delta = n - m
            // When delta is odd the forward search detects the overlap, else the backward one.
            let front = delta & 1 != 0
            var k1Start = 0, k1End = 0, k2Start = 0, k2End = 0
            var steps = 0
            defer { budget -= steps }
            for d in 0..<maxD {
                if r < d + 1 {
                    r = d + 1
                    v1[offset - r] = -1
                    v1[offset + r] = -1
                    v2[offset - r] = -1
                    v2[offset + r] = -1
                }
                var k1 = -d + k1Start
                while k1 <= d - k1End {
                    let k1Offset = offset + k1
                    var x1: Int
                    if k1 == -d || (k1 != d && v1[k1Offset - 1] < v1[k1Offset + 1]) {
                        x1 = v1[k1Offset + 1]
                    } else {
                        x1 = v1[k1Offset - 1] + 1
                    }
                    var y1 = x1 - k1
                    let x1Start = x1
                    while x1 < n, y1 < m, a[aLo + x1] == b[bLo + y1] { x1 += 1; y1 += 1 }
                    steps += 1 + x1 - x1Start
                    v1[k1Offset] = x1
                    if x1 > n {
                        k1End += 2  // ran off the right of the grid
                    } else if y1 > m {
                        k1Start += 2  // ran off the bottom of the grid
                    } else if front {
                        let k2Offset = offset + delta - k1
                        if k2Offset >= offset - r, k2Offset <= offset + r, v2[k2Offset] != -1 {
                            if x1 >= n - v2[k2Offset] { return (aLo + x1, bLo + y1) }
                        }
                    }
                    k1 += 2
                }
                var k2 = -d + k2Start
                while k2 <= d - k2End {
                    let k2Offset = offset + k2
                    var x2: Int
                    if k2 == -d || (k2 != d && v2[k2Offset - 1] < v2[k2Offset + 1]) {
                        x2 = v2[k2Offset + 1]
                    } else {
                        x2 = v2[k2Offset - 1] + 1
                    }
                    var y2 = x2 - k2
                    let x2Start = x2
                    while x2 < n, y2 < m, a[aLo + n - x2 - 1] == b[bLo + m - y2 - 1] { x2 += 1; y2 += 1 }
                    steps += 1 + x2 - x2Start
                    v2[k2Offset] = x2
                    if x2 > n {
                        k2End += 2
                    } else if y2 > m {
                        k2Start += 2
                    } else if !front {
                        let k1Offset = offset + delta - k2
                        if k1Offset >= offset - r, k1Offset <= offset + r, v1[k1Offset] != -1 {
                            let x1 = v1[k1Offset]
                            let y1 = offset + x1 - k1Offset
                            if x1 >= n - x2 { return (aLo + x1, bLo + y1) }
                        }
                    }
                    k2 += 2
                }
                // Steps = frontier points visited + tokens matched along snakes.
                if steps >= budget { return nil }
            }
            return nil
        }
    }

    // MARK: - Presentation

    /// Makes the diff readable: an unchanged run made only of spaces (or of
    /// one or two punctuation marks) between two changes is folded into the
    /// change, and each change is shown as one removal then one addition.
    /// Line breaks are never folded, so paragraphs stay apart.
    ///
    /// NB: without this, replacing « le conseil municipal » by « la commission
    /// régionale » would read as three interleaved word swaps glued by the
    /// shared spaces.
    private static func cleanUp(_ raw: [Segment]) -> [Segment] {
        var result: [Segment] = []
        var removed = ""
        var added = ""
        func flushChange() {
            if !removed.isEmpty { result.append(.removed(removed)) }
            if !added.isEmpty { result.append(.added(added)) }
            removed = ""
            added = ""
        }
        func appendSame(_ s: String) {
            if case .same(let previous)? = result.last {
                result[result.count - 1] = .same(previous + s)
            } else {
                result.append(.same(s))
            }
        }
        for (i, segment) in raw.enumerated() {
            switch segment {
            case .removed(let s): removed += s
            case .added(let s): added += s
            case .same(let s):
                let inChange = !removed.isEmpty || !added.isEmpty
                let changeFollows = i + 1 < raw.count
                if inChange, changeFollows, isGlue(s) {
                    removed += s
                    added += s
                } else {
                    flushChange()
                    appendSame(s)
                }
            }
        }
        flushChange()
        return result
    }

    private static func isGlue(_ s: String) -> Bool {
        var punctuation = 0
        for c in s {
            if c.isNewline { return false }
            if c.isWhitespace { continue }
            if isWordCharacter(c) { return false }
            punctuation += 1
            if punctuation > 2 { return false }
        }
        return true
    }
}
