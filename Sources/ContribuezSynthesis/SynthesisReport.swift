import Foundation
import ContribuezCore

/// The stored result of a synthesis run (JSON). Participants appear only as pseudonyms drawn
/// afresh for each run ("P0001"…), never as account ids: the map and the group table show
/// positions derived from votes, which are political opinions.
public struct SynthesisReport: Sendable, Codable, Equatable {
    /// A target as the report names it.
    public struct TargetRef: Sendable, Codable, Equatable {
        /// "article:12" or "contribution:34".
        public var key: String
        public var kind: SynthesisSnapshot.TargetKind
        public var id: ID
        public var label: String
        public var text: String
        /// The article it belongs to (itself for an article, the amended one for an amendment). Absent in
        /// reports stored before per-article syntheses existed, and for proposals.
        public var articleID: ID?
        public init(key: String, kind: SynthesisSnapshot.TargetKind, id: ID, label: String, text: String, articleID: ID? = nil) {
            self.key = key; self.kind = kind; self.id = id; self.label = label; self.text = text; self.articleID = articleID
        }
    }

    public struct Counts: Sendable, Codable, Equatable {
        public var agree: Int
        public var mixed: Int
        public var disagree: Int
        public init(agree: Int = 0, mixed: Int = 0, disagree: Int = 0) { self.agree = agree; self.mixed = mixed; self.disagree = disagree }
        public init(_ t: Tally) { self.init(agree: t.agree, mixed: t.mixed, disagree: t.disagree) }
        public var tally: Tally { Tally(agree: agree, mixed: mixed, disagree: disagree) }
        public var total: Int { agree + mixed + disagree }
    }

    /// One ranked target: live votes, imported counters (kept apart), and the Wilson lower bound of
    /// agreement over both, by which the list is ranked.
    public struct TallyRow: Sendable, Codable, Equatable {
        public var rank: Int
        public var target: TargetRef
        public var live: Counts
        public var imported: Counts?
        public var wilson: Double
        /// Live votes per participant kind (raw values of `ParticipantKind`).
        public var byKind: [String: Counts]
    }

    /// All live opinion votes of one participant kind.
    public struct KindRow: Sendable, Codable, Equatable {
        public var kind: String
        public var voters: Int
        public var counts: Counts
    }

    public struct Representative: Sendable, Codable, Equatable {
        public var target: TargetRef
        /// "agree" or "disagree".
        public var stance: String
        /// Votes of the group in that stance, and votes seen by the group.
        public var successes: Int
        public var trials: Int
        public var probability: Double
    }

    public struct Group: Sendable, Codable, Equatable {
        public var index: Int
        public var size: Int
        public var representative: [Representative]
    }

    public struct Point: Sendable, Codable, Equatable {
        public var participant: String
        public var x: Double
        public var y: Double
        /// Nil when the participant voted too little to be placed in a group.
        public var group: Int?
    }

    public struct Scored: Sendable, Codable, Equatable {
        public var target: TargetRef
        public var score: Double
    }

    public struct Groups: Sendable, Codable, Equatable {
        /// Participants with at least one opinion vote.
        public var voters: Int
        public var clustered: Int
        public var groups: [Group]
        public var points: [Point]
        public var consensus: [Scored]
        public var divisive: [Scored]
        /// Per target key, the votes of each group on it (index = group index). Absent in older reports.
        public var byGroup: [String: [Counts]]? = nil
        /// Participants placed on the map when `points` holds only a sample of them (issue 14: at most
        /// `Synthesis.Options.mapPoints`); absent when every placed participant is in `points`.
        public var placed: Int? = nil
    }

    public struct ClusterMember: Sendable, Codable, Equatable {
        public var contributionID: ID
        public var kind: ContributionKind
        public var excerpt: String
        /// The article the contribution is about, directly or through its amendment (absent in older reports).
        public var articleID: ID?
        /// The contribution it hangs on, if any (absent in older reports).
        public var parentID: ID?
    }

    /// Near-identical contributions, shown once; nothing is deleted.
    public struct Cluster: Sendable, Codable, Equatable {
        public var index: Int
        public var size: Int
        public var distinctAuthors: Int
        public var isBurst: Bool
        /// Why it is flagged as a campaign (empty: an unremarkable cluster).
        public var reasons: [String]
        public var members: [ClusterMember]
    }

    /// A theme of the free text (issue 14): proposals, amendments and arguments grouped by what they talk about.
    public struct Theme: Sendable, Codable, Equatable {
        public var index: Int
        /// Distinctive words, joined for reading ("données personnelles · consentement · vie privée").
        public var label: String
        public var terms: [String]
        public var size: Int
        /// Contributions of each kind in it (raw values of `ContributionKind`).
        public var contributionKinds: [String: Int]
        /// Up to three contributions most typical of the theme.
        public var representative: [ClusterMember]
        /// Live opinion votes on its proposals and amendments (arguments take "useful" votes, not opinions).
        public var support: Counts
        /// Imported counters of its proposals and amendments, kept apart.
        public var imported: Counts?
        /// Votes of each opinion group on its proposals and amendments (index = group index); absent without groups.
        public var byGroup: [Counts]?
        /// Votes by participant kind on its proposals and amendments.
        public var byKind: [String: Counts]
        /// Authors of its contributions, by participant kind.
        public var authorsByKind: [String: Int]
        /// Every contribution in it, by id, most typical first (the theme page pages through them).
        public var members: [ID]
    }

    /// Who answered the questionnaire against the census margins, as of the run (issue 5, summarised for the first screen).
    public struct Representativeness: Sendable, Codable, Equatable {
        public struct Gap: Sendable, Codable, Equatable {
            public var dimension: String
            public var category: String
            public var label: String
            public var participantShare: Double
            public var populationShare: Double
        }
        public var participants: Int
        public var respondents: Int
        /// Largest gap between participants and population, in share points (0…1); nil when nothing is measurable.
        public var maxDeviation: Double?
        /// The categories flagged as over- or under-represented.
        public var gaps: [Gap]
        /// Dimensions the reweighted results are raked on.
        public var rakedDimensions: [String]
    }

    public var consultationID: ID
    public var computedAt: Date
    public var duplicateThreshold: Double
    public var tallies: [TallyRow]
    public var kinds: [KindRow]
    public var groups: Groups
    public var clusters: [Cluster]
    /// Absent in reports stored before themes existed.
    public var themes: [Theme]? = nil
    /// Absent in reports stored before it was summarised, or when the run could not read it.
    public var representativeness: Representativeness? = nil

    public init(
        consultationID: ID, computedAt: Date, duplicateThreshold: Double, tallies: [TallyRow], kinds: [KindRow], groups: Groups,
        clusters: [Cluster]
    ) {
        self.consultationID = consultationID; self.computedAt = computedAt; self.duplicateThreshold = duplicateThreshold
        self.tallies = tallies; self.kinds = kinds; self.groups = groups; self.clusters = clusters
    }

    /// Sorted keys, ISO 8601 dates: byte-stable for the same report.
    public static var encoder: JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        e.dateEncodingStrategy = .iso8601
        return e
    }

    public static var decoder: JSONDecoder {
        let d = JSONDecoder()
        d.dateDecodingStrategy = .iso8601
        return d
    }
}

extension SynthesisReport {
    /// The report as JSON for storage, the same document as `encoder` writes (same keys, same values), but
    /// built in pieces: the ranked tallies and the per-group counts — hundreds of thousands of rows at national
    /// scale — are encoded a few thousand at a time and spliced in, so the encoder never holds the whole
    /// document as a tree (issue 14: the one-piece encoding of a 300 MB report peaked past 5 GB).
    public func storageJSON(rowsPerPiece: Int = 4_000) throws -> Data {
        var head = self
        head.tallies = []
        if head.groups.byGroup != nil { head.groups.byGroup = [:] }
        let encoder = Self.encoder
        var splices = [PieceJSON.Splice(marker: "\"tallies\":[]", pieces: PieceJSON.arrayPieces(tallies, rowsPerPiece, encoder))]
        if let byGroup = groups.byGroup {
            splices.append(.init(marker: "\"byGroup\":{}", pieces: PieceJSON.objectPieces(byGroup, rowsPerPiece, encoder)))
        }
        return try PieceJSON.fill(try encoder.encode(head), splices) ?? encoder.encode(self)
    }
}

extension SynthesisReport.Groups {
    /// The groups as JSON, their per-target counts encoded in pieces (see `SynthesisReport.storageJSON`).
    func storageJSON<Wrapper: Encodable>(
        in wrap: (SynthesisReport.Groups) -> Wrapper, rowsPerPiece: Int = 4_000
    ) throws -> Data {
        let encoder = SynthesisReport.encoder
        guard let byGroup else { return try encoder.encode(wrap(self)) }
        var head = self
        head.byGroup = [:]
        let splice = PieceJSON.Splice(marker: "\"byGroup\":{}", pieces: PieceJSON.objectPieces(byGroup, rowsPerPiece, encoder))
        return try PieceJSON.fill(try encoder.encode(wrap(head)), [splice]) ?? encoder.encode(wrap(self))
    }
}

/// Splices JSON encoded in pieces into a document whose large collections were left empty.
///
/// NB: a marker such as `"tallies":[]` cannot occur inside a JSON string (every quote in a string is escaped,
/// so a quote there follows a backslash, not a letter): found once, it is the key itself. Found any other
/// number of times, `fill` gives up (nil) and the caller encodes in one piece.
enum PieceJSON {
    struct Splice {
        /// The key and its empty collection, as the encoder writes them (no spaces: compact output).
        var marker: String
        /// Each piece encodes some elements as a whole collection (`[a,b]` or `{"k":v}`); they are taken in order.
        var pieces: [() throws -> Data]
    }

    static func arrayPieces<T: Encodable>(_ rows: [T], _ size: Int, _ encoder: JSONEncoder) -> [() throws -> Data] {
        stride(from: 0, to: rows.count, by: max(1, size)).map { start in
            { try encoder.encode(Array(rows[start..<min(rows.count, start + max(1, size))])) }
        }
    }

    static func objectPieces<V: Encodable>(_ object: [String: V], _ size: Int, _ encoder: JSONEncoder) -> [() throws -> Data] {
        let keys = object.keys.sorted()
        return stride(from: 0, to: keys.count, by: max(1, size)).map { start in
            {
                var part: [String: V] = [:]
                for key in keys[start..<min(keys.count, start + max(1, size))] { part[key] = object[key] }
                return try encoder.encode(part)
            }
        }
    }

    static func fill(_ head: Data, _ splices: [Splice]) throws -> Data? {
        var places: [(at: Int, splice: Splice)] = []
        for splice in splices {
            let marker = Data(splice.marker.utf8)
            guard let found = head.range(of: marker), head.range(of: marker, in: found.upperBound..<head.endIndex) == nil
            else { return nil }
            // Insert just before the closing bracket of the empty collection.
            places.append((found.upperBound - 1, splice))
        }
        places.sort { $0.at < $1.at }
        var out = Data()
        out.reserveCapacity(head.count)
        var from = head.startIndex
        for place in places {
            out.append(head[from..<place.at])
            var first = true
            for piece in place.splice.pieces {
                let data = try piece()
                // Strip the piece's own brackets; an empty piece adds nothing.
                guard data.count > 2 else { continue }
                if !first { out.append(UInt8(ascii: ",")) }
                out.append(data.dropFirst().dropLast())
                first = false
            }
            from = place.at
        }
        out.append(head[from...])
        return out
    }
}
