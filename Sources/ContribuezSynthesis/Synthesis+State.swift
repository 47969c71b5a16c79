import ContribuezAnalysis
import ContribuezCore
import Foundation

extension Synthesis {
    /// What a run keeps for the next one (issue 14): live opinion counts per target and participant
    /// kind, each participant's number of opinion votes, kind and opinion group, and the report's
    /// groups and clusters. An incremental run replays the vote changes since the watermark on the
    /// counts (exact), updates the groups' per-target counts, and reuses the groups and clusters.
    ///
    /// NB: participants appear here by account id next to a group, never next to a vote: the
    /// state holds counts, not ballots.
    struct State: Equatable {
        static let kinds = ParticipantKind.allCases
        var targets: [Target] = []
        /// `targets.count × kinds.count × 3` counts: agree, mixed, disagree.
        var counts: [Int32] = []
        var participantIDs: [ID] = []
        var participantKinds: [UInt8] = []
        var participantVotes: [Int32] = []
        /// Opinion group of each participant at the last group computation (−1: none).
        var participantGroups: [Int8] = []
        /// Live opinion votes when the groups were last computed, and net vote changes applied since.
        var groupVotes: Int = 0
        var changesSinceGroups: Int = 0
        var groups: SynthesisReport.Groups
        var clusters: [SynthesisReport.Cluster]
        /// The themes of the texts (their members do not change while the texts do not).
        var themes: [SynthesisReport.Theme]? = nil

        @inline(__always) static func slot(_ target: Int, _ kind: Int, _ choice: Int) -> Int { (target * kinds.count + kind) * 3 + choice }

        static func kindIndex(_ k: ParticipantKind) -> Int { kinds.firstIndex(of: k) ?? 0 }

        /// 0 agree, 1 mixed, 2 disagree; nil for useful.
        static func choiceIndex(_ v: VoteValue) -> Int? {
            switch v {
            case .agree: return 0
            case .mixed: return 1
            case .disagree: return 2
            case .useful: return nil
            }
        }

        var totalVotes: Int { counts.reduce(0) { $0 + Int($1) } }

        // MARK: Encoding

        func encoded() throws -> Data {
            var w = Writer()
            w.data.append(contentsOf: Array("CZS1".utf8))
            w.int(targets.count)
            for t in targets {
                switch t {
                case .article(let id): w.byte(0); w.int(Int(id))
                case .contribution(let id): w.byte(1); w.int(Int(id))
                }
            }
            w.int32s(counts)
            w.int(participantIDs.count)
            for id in participantIDs { w.int(Int(id)) }
            w.bytes(participantKinds)
            w.int32s(participantVotes)
            w.bytes(participantGroups.map { UInt8(bitPattern: $0) })
            w.int(groupVotes)
            w.int(changesSinceGroups)
            let json = try groups.storageJSON(in: { Reused(groups: $0, clusters: clusters, themes: themes) })
            w.int(json.count)
            w.data.append(json)
            return w.data
        }

        static func decode(_ data: Data) -> State? {
            var r = Reader(buffer: [UInt8](data))
            guard r.take(4) == Array("CZS1".utf8) else { return nil }
            var s = State(groups: .init(voters: 0, clustered: 0, groups: [], points: [], consensus: [], divisive: []), clusters: [])
            guard let n = r.int(), n >= 0 else { return nil }
            s.targets.reserveCapacity(n)
            for _ in 0..<n {
                guard let tag = r.byte(), let id = r.int() else { return nil }
                s.targets.append(tag == 0 ? .article(ID(id)) : .contribution(ID(id)))
            }
            guard let counts = r.int32s(), counts.count == n * kinds.count * 3 else { return nil }
            s.counts = counts
            guard let p = r.int(), p >= 0 else { return nil }
            s.participantIDs.reserveCapacity(p)
            for _ in 0..<p { guard let id = r.int() else { return nil }; s.participantIDs.append(ID(id)) }
            guard let pk = r.bytes(), let pv = r.int32s(), let pg = r.bytes(), pk.count == p, pv.count == p, pg.count == p,
                  let gv = r.int(), let cs = r.int(), let jn = r.int(), let json = r.take(jn),
                  let reused = try? SynthesisReport.decoder.decode(Reused.self, from: Data(json))
            else { return nil }
            s.participantKinds = pk; s.participantVotes = pv; s.participantGroups = pg.map { Int8(bitPattern: $0) }
            s.groupVotes = gv; s.changesSinceGroups = cs
            s.groups = reused.groups; s.clusters = reused.clusters; s.themes = reused.themes
            return s
        }

        struct Reused: Codable {
            var groups: SynthesisReport.Groups
            var clusters: [SynthesisReport.Cluster]
            var themes: [SynthesisReport.Theme]?
        }

        struct Writer {
            var data = Data()
            mutating func byte(_ b: UInt8) { data.append(b) }
            mutating func int(_ v: Int) { withUnsafeBytes(of: Int64(v).littleEndian) { data.append(contentsOf: $0) } }
            mutating func int32s(_ a: [Int32]) {
                int(a.count)
                a.withUnsafeBufferPointer { p in
                    let le = p.map { $0.littleEndian }
                    le.withUnsafeBytes { data.append(contentsOf: $0) }
                }
            }
            mutating func bytes(_ a: [UInt8]) { int(a.count); data.append(contentsOf: a) }
        }

        struct Reader {
            let buffer: [UInt8]
            var at = 0
            mutating func take(_ n: Int) -> [UInt8]? {
                guard n >= 0, at + n <= buffer.count else { return nil }
                defer { at += n }
                return Array(buffer[at..<(at + n)])
            }
            mutating func byte() -> UInt8? { take(1)?.first }
            mutating func int() -> Int? {
                guard at + 8 <= buffer.count else { return nil }
                var v: UInt64 = 0
                for i in 0..<8 { v |= UInt64(buffer[at + i]) << (8 * UInt64(i)) }
                at += 8
                return Int(Int64(bitPattern: v))
            }
            mutating func int32s() -> [Int32]? {
                guard let n = int(), n >= 0, at + 4 * n <= buffer.count else { return nil }
                var out = [Int32](repeating: 0, count: n)
                for i in 0..<n {
                    let b = at + 4 * i
                    out[i] = Int32(bitPattern: UInt32(buffer[b]) | UInt32(buffer[b + 1]) << 8 | UInt32(buffer[b + 2]) << 16 | UInt32(buffer[b + 3]) << 24)
                }
                at += 4 * n
                return out
            }
            mutating func bytes() -> [UInt8]? { guard let n = int() else { return nil }; return take(n) }
        }
    }
}
