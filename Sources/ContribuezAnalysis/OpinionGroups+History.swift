import Foundation

// Polis computes opinion groups again every time votes arrive, and each update depends on the one
// before: k-means starts from the previous clusters, a participant once clustered stays clustered,
// and the number of groups shown only changes once a new one has won several updates in a row
// (compdemocracy/polis, math/src/polismath/math/conversation.clj, `group-k-smoother`). A single
// snapshot cannot know that history; `KHistory` carries it from one synthesis run to the next.

extension OpinionGroups {
    /// Polis's memory between two updates of a conversation, to be stored by the caller and passed
    /// back through `Options.history` on the next run. An empty history (`KHistory()`) is a
    /// conversation Polis sees for the first time; `Options.history == nil` keeps the one-shot analysis.
    ///
    /// Participants are named by their external id (`VoteMatrix.participantIDs`), so rows may be
    /// added or reordered between runs. The size is O(clustered participants).
    public struct KHistory: Codable, Sendable, Equatable {
        /// The number of groups shown (Polis `smoothed-k`), nil before the first update.
        public var publishedK: Int?
        /// The k with the best silhouette at the last update (Polis `last-k`).
        public var candidateK: Int?
        /// How many updates in a row `candidateK` has had the best silhouette (Polis `last-k-count`).
        public var candidateCount: Int
        /// Updates folded into this history.
        public var updates: Int
        /// Base clusters of the last update, by id. Their members are exactly the participants in
        /// the conversation (Polis `in-conv`): once in, a participant stays in.
        public var baseClusters: [BaseCluster]
        /// The group clustering of every k tried at the last update, the start of the next one.
        public var groupClusterings: [GroupClustering]

        public init() {
            publishedK = nil
            candidateK = nil
            candidateCount = 0
            updates = 0
            baseClusters = []
            groupClusterings = []
        }

        /// The participants clustered at the last update (Polis `in-conv`).
        public var inConversation: Set<String> { Set(baseClusters.lazy.flatMap(\.participants)) }

        /// Polis's `group-k-smoother`: the best k of this update becomes the candidate (or extends
        /// its run), and replaces the published k once it has been the best `buffer` updates in a
        /// row. Before any k is published the best one is taken directly.
        public mutating func advance(bestK: Int, buffer: Int) {
            candidateCount = candidateK == bestK ? candidateCount + 1 : 1
            candidateK = bestK
            if candidateCount >= buffer || publishedK == nil { publishedK = bestK }
            updates += 1
        }
    }

    /// A base cluster kept between updates.
    public struct BaseCluster: Codable, Sendable, Equatable {
        public var id: Int
        /// External ids of its participants.
        public var participants: [String]
        public init(id: Int, participants: [String]) { self.id = id; self.participants = participants }
    }

    /// The clustering of the base clusters into `k` groups kept between updates.
    public struct GroupClustering: Codable, Sendable, Equatable {
        public var k: Int
        /// Each group: its id and the ids of its base clusters.
        public var groups: [GroupCluster]
        public init(k: Int, groups: [GroupCluster]) { self.k = k; self.groups = groups }
    }

    public struct GroupCluster: Codable, Sendable, Equatable {
        public var id: Int
        public var baseClusters: [Int]
        public init(id: Int, baseClusters: [Int]) { self.id = id; self.baseClusters = baseClusters }
    }
}

// MARK: - Polis's k-means, warm-started

extension OpinionGroups {
    /// A clustering whose clusters carry ids that survive from one update to the next.
    struct IdentifiedClustering {
        var ids: [Int]
        var centers: [Point]
        /// Index into `ids`/`centers` of each point.
        var assignment: [Int]
    }

    /// Polis's `kmeans` (clusters.clj): start from the previous clusters when there are any
    /// (`clean-start-clusters`), else from the first `k` distinct points (`init-clusters`); then
    /// assign-and-recentre steps, dropping empty clusters, until the sorted centres move less than
    /// 0.01 or `maxIterations` + 1 steps are done.
    ///
    /// `previous` gives each earlier cluster's id and members as indexes into `points` (members no
    /// longer present already left out).
    static func polisKMeans(
        _ points: [Point], weights: [Double], k: Int, previous: [(id: Int, members: [Int])], maxIterations: Int
    ) -> IdentifiedClustering {
        guard !points.isEmpty, k > 0 else { return IdentifiedClustering(ids: [], centers: [], assignment: []) }
        var ids: [Int]
        var centers: [Point]
        if previous.isEmpty {
            var seen = Set<Point>()
            centers = []
            for p in points where centers.count < k && seen.insert(p).inserted { centers.append(p) }
            ids = Array(0..<centers.count)
        } else {
            (ids, centers) = cleanStart(points, weights: weights, k: k, previous: previous)
        }
        var iterationsLeft = maxIterations
        while true {
            let step = polisStep(points, weights: weights, ids: ids, centers: centers)
            if iterationsLeft == 0 || sameClustering(centers, step.centers) { return step }
            ids = step.ids
            centers = step.centers
            iterationsLeft -= 1
        }
    }

    /// One Polis `cluster-step`: every point to its nearest centre, empty clusters dropped, each
    /// centre moved to the weighted mean of its points. The assignment returned is the one made
    /// against the centres given, as in Polis.
    static func polisStep(_ points: [Point], weights w: [Double], ids: [Int], centers: [Point]) -> IdentifiedClustering {
        let kk = centers.count
        var raw = [Int](repeating: 0, count: points.count)
        var sx = [Double](repeating: 0, count: kk), sy = sx, sw = sx
        var counts = [Int](repeating: 0, count: kk)
        for (i, p) in points.enumerated() {
            var best = 0, bestD = Double.infinity
            for c in 0..<kk {
                let dx = p.x - centers[c].x, dy = p.y - centers[c].y
                let d = dx * dx + dy * dy
                if d < bestD { bestD = d; best = c }
            }
            raw[i] = best
            sx[best] += w[i] * p.x; sy[best] += w[i] * p.y; sw[best] += w[i]; counts[best] += 1
        }
        var remap = [Int](repeating: -1, count: kk)
        var newIDs: [Int] = [], newCenters: [Point] = []
        for c in 0..<kk where counts[c] > 0 {
            remap[c] = newIDs.count
            newIDs.append(ids[c])
            newCenters.append(sw[c] > 0 ? Point(x: sx[c] / sw[c], y: sy[c] / sw[c]) : centers[c])
        }
        return IdentifiedClustering(ids: newIDs, centers: newCenters, assignment: raw.map { remap[$0] })
    }

    /// Polis `same-clustering?`: the centres, sorted, pairwise closer than 0.01.
    static func sameClustering(_ a: [Point], _ b: [Point]) -> Bool {
        let order: (Point, Point) -> Bool = { $0.x != $1.x ? $0.x < $1.x : $0.y < $1.y }
        return zip(a.sorted(by: order), b.sorted(by: order)).allSatisfy { p, q in
            ((p.x - q.x) * (p.x - q.x) + (p.y - q.y) * (p.y - q.y)).squareRoot() < 0.01
        }
    }

    /// Polis `clean-start-clusters`: the previous clusters recentred on their members' current
    /// positions (those without members dropped, identical centres merged), then, while there are
    /// fewer than `min(k, distinct points)`, the point farthest from every centre is split off into
    /// a new cluster. Returns ids and centres.
    static func cleanStart(
        _ points: [Point], weights w: [Double], k: Int, previous: [(id: Int, members: [Int])]
    ) -> ([Int], [Point]) {
        func mean(_ members: [Int]) -> Point? {
            var sx = 0.0, sy = 0.0, sw = 0.0
            for i in members { sx += w[i] * points[i].x; sy += w[i] * points[i].y; sw += w[i] }
            return sw > 0 ? Point(x: sx / sw, y: sy / sw) : nil
        }
        var clusters: [(id: Int, members: [Int], center: Point)] = []
        for c in previous {
            guard let center = mean(c.members) else { continue }
            // Identical centres merge into the earlier cluster, under the id of the larger (uniqify).
            if let j = clusters.firstIndex(where: { $0.center == center }) {
                let id = c.members.count > clusters[j].members.count ? c.id : clusters[j].id
                clusters[j] = (id, clusters[j].members + c.members, center)
            } else {
                clusters.append((c.id, c.members, center))
            }
        }
        if clusters.isEmpty {
            let all = Array(points.indices)
            clusters = [((previous.map(\.id).max() ?? -1) + 1, all, mean(all) ?? points[0])]
        }
        let possible = min(k, Set(points).count)
        while true {
            for j in clusters.indices { if let c = mean(clusters[j].members) { clusters[j].center = c } }
            guard possible > clusters.count else { break }
            // The most distal point (ties: the last one, as Polis's max-key).
            var far = -1, farD = -1.0
            for (i, p) in points.enumerated() {
                var d = Double.infinity
                for c in clusters {
                    let dx = p.x - c.center.x, dy = p.y - c.center.y
                    d = min(d, (dx * dx + dy * dy).squareRoot())
                }
                if d >= farD { farD = d; far = i }
            }
            guard farD > 0 else { break }
            for j in clusters.indices { clusters[j].members.removeAll { $0 == far } }
            clusters.append(((clusters.map(\.id).max() ?? -1) + 1, [far], points[far]))
        }
        return (clusters.map(\.id), clusters.map(\.center))
    }
}

// MARK: - One Polis update

extension OpinionGroups {
    /// One Polis update (conversation.clj, `small-conv-update-graph`) from `history`: participants
    /// already in stay in, the base clusters and the group clustering of each k start from the
    /// previous ones, every k gets its silhouette over the base-cluster centres, and the smoother
    /// decides which k is shown.
    ///
    /// NB: when the published k can no longer be tried (fewer base clusters than before, so a
    /// lower `max-k`), Polis would show no groups; we show and publish the best k instead.
    static func polisUpdateGroups(_ matrix: VoteMatrix, points: [Point], history: KHistory, options: Options) -> Grouping {
        var rowOf: [String: Int] = [:]
        for (r, id) in matrix.participantIDs.enumerated() where rowOf[id] == nil { rowOf[id] = r }
        let alreadyIn = Set(history.baseClusters.lazy.flatMap(\.participants).compactMap { rowOf[$0] })
        let clustered = clusteredParticipants(matrix, options: options, alreadyIn: alreadyIn)
        var positionOf = [Int](repeating: -1, count: matrix.participantCount)
        for (i, r) in clustered.enumerated() { positionOf[r] = i }

        // Base clusters, from the previous ones; Polis keeps them sorted by id.
        let previousBase = history.baseClusters.map { c in
            (id: c.id, members: c.participants.compactMap { rowOf[$0].map { positionOf[$0] } }.filter { $0 >= 0 })
        }
        let unsorted = polisKMeans(
            clustered.map { points[$0] }, weights: [Double](repeating: 1, count: clustered.count),
            k: options.baseClusterCount, previous: previousBase, maxIterations: options.kMeansIterations)
        let order = unsorted.ids.indices.sorted { unsorted.ids[$0] < unsorted.ids[$1] }
        var rank = [Int](repeating: 0, count: order.count)
        for (new, old) in order.enumerated() { rank[old] = new }
        let baseIDs = order.map { unsorted.ids[$0] }
        let baseCenters = order.map { unsorted.centers[$0] }
        let baseOfClustered = unsorted.assignment.map { rank[$0] }
        let baseMembers = memberLists(baseOfClustered, count: baseIDs.count)
        let baseWeights = baseMembers.map { Double($0.count) }
        var baseIndexOf: [Int: Int] = [:]
        for (i, id) in baseIDs.enumerated() { baseIndexOf[id] = i }

        // Group clusterings for every k, each from its own previous clustering.
        var silhouettes: [Int: Double] = [:]
        var clusterings: [Int: IdentifiedClustering] = [:]
        if let ks = groupCounts(baseClusters: baseIDs.count, options: options) {
            for k in ks {
                let previous = (history.groupClusterings.first { $0.k == k }?.groups ?? []).map { g in
                    (id: g.id, members: g.baseClusters.compactMap { baseIndexOf[$0] })
                }
                let c = polisKMeans(
                    baseCenters, weights: baseWeights, k: k, previous: previous, maxIterations: options.groupIterations)
                clusterings[k] = c
                silhouettes[k] = silhouette(baseCenters, assignment: c.assignment)
            }
        }

        var next = history
        var shown: Int? = nil
        if let best = bestGroupCount(silhouettes) {
            next.advance(bestK: best, buffer: options.groupCountBuffer)
            if clusterings[next.publishedK!] == nil { next.publishedK = best }
            shown = next.publishedK
        }
        next.baseClusters = baseIDs.indices.map { i in
            BaseCluster(id: baseIDs[i], participants: baseMembers[i].map { matrix.participantIDs[clustered[$0]] })
        }
        next.groupClusterings = clusterings.keys.sorted().map { k in
            let c = clusterings[k]!
            let lists = memberLists(c.assignment, count: c.ids.count)
            return GroupClustering(
                k: k, groups: c.ids.indices.map { GroupCluster(id: c.ids[$0], baseClusters: lists[$0].map { baseIDs[$0] }) })
        }
        let groupOfBase = shown.flatMap { clusterings[$0]?.assignment } ?? [Int](repeating: 0, count: baseIDs.count)
        return Grouping(
            clustered: clustered, baseOfClustered: baseOfClustered, groupOfBase: groupOfBase,
            silhouettes: silhouettes, history: next)
    }
}
