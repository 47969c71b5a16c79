import ContribuezAnalysis
import ContribuezCore
import Foundation

/// Writes a consultation in the layout of Polis's openData exports (compdemocracy/openData), which
/// `contribuez import polis` and Polis's own tools read: `comments.csv`, `votes.csv`,
/// `participants-votes.csv`, `summary.csv`, and a `README.md` that states the conventions below.
///
/// - Vote sign: **agree = 1, disagree = −1, pass = 0**, the sign of Polis's openData files. (Polis's
///   database and its API use the opposite sign, agree = −1: a reader must know which it has.)
/// - Our three-value scale maps as agree → 1, disagree → −1, mixed (« mitigé ») → 0 (pass, the only
///   third value Polis has). `useful` votes are left out: they say an argument or a source helps,
///   not that one agrees with a statement, and Polis has nothing like them.
/// - Statements (« comments ») are the consulted articles, then the proposals and amendments that
///   are public or hidden by moderation (hidden ones have `moderated` = −1, the others 1); held,
///   rejected and erased contributions are left out, and so are arguments and sources (they answer
///   statements, they are not statements). `comment-id` is the statement's position, from 0.
/// - Participants are numbered from 0 in the order of the open data's participants, among those who
///   cast an exported vote or wrote an exported statement; `xid` holds their open-data pseudonym, so
///   the files join with the open-data package. No name, no e-mail, no internal id.
/// - `votes.csv` holds the live votes (the last value of each voter on each statement), ordered by
///   voter then statement; `participants-votes.csv` is the same final matrix. `group-id` is empty:
///   Polis's groups are Polis's computation, ours are in the synthesis.
/// - Cells are written as Polis writes them (RFC 4180 quoting, LF line ends), without the open-data
///   package's spreadsheet neutralisation, so that Polis tools read the text unchanged: open these
///   files in a spreadsheet through its import dialog, not by double-clicking.
public enum PolisExport {
    public struct Summary: Sendable, Equatable {
        public var statements: Int
        public var hiddenStatements: Int
        public var votes: Int
        public var participants: Int
        /// Live `useful` votes left out.
        public var usefulLeftOut: Int
    }

    public static let files = ["comments.csv", "votes.csv", "participants-votes.csv", "summary.csv", "README.md"]

    public static let signConvention =
        "Vote sign: agree = 1, disagree = -1, pass = 0 (the sign of Polis's openData files; Polis's database and API use agree = -1). Our « mitigé » (mixed) is written 0; useful votes are left out."

    /// One statement of `comments.csv`.
    struct Statement {
        var target: Target
        var body: String
        var author: String?
        var createdAt: Date
        var hidden: Bool
        var agrees = 0
        var disagrees = 0
    }

    /// Writes the files into `directory` (created if needed), reading everything through `reader`
    /// (one snapshot). Memory holds the statements and one participant's votes at a time.
    public static func write(consultation: Consultation, reader: any OpenDataReader, to directory: URL, pageSize: Int = 5_000) async throws -> Summary {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let cid = consultation.id

        // Statements: articles, then public or hidden proposals and amendments, each by id.
        var statements: [Statement] = []
        var after: ID = 0
        while true {
            let page = try await reader.articles(consultationID: cid, after: after, limit: pageSize)
            for a in page {
                let heading = a.title.isEmpty ? "Article \(a.number)" : "Article \(a.number) : \(a.title)"
                statements.append(Statement(target: .article(a.id), body: heading + "\n\n" + a.body, author: nil, createdAt: consultation.opensAt, hidden: false))
            }
            guard page.count == pageSize, let last = page.last else { break }
            after = last.id
        }
        after = 0
        while true {
            let page = try await reader.contributions(consultationID: cid, after: after, limit: pageSize)
            for c in page where (c.kind == .proposal || c.kind == .amendment) && (c.state == .published || c.state == .hidden) {
                let body = c.title.isEmpty ? c.body : c.title + "\n\n" + c.body
                statements.append(Statement(target: .contribution(c.id), body: body, author: c.author, createdAt: c.createdAt, hidden: c.state == .hidden))
            }
            guard page.count == pageSize, let last = page.last else { break }
            after = last.id
        }
        var statementIndex: [Target: Int] = [:]
        for (i, s) in statements.enumerated() { statementIndex[s.target] = i }
        var authored: [String: Int] = [:]
        for s in statements { if let a = s.author { authored[a, default: 0] += 1 } }

        let dates = PolisDates()
        var votesFile = try BufferedFile(directory.appendingPathComponent("votes.csv"))
        var matrixFile = try BufferedFile(directory.appendingPathComponent("participants-votes.csv"))
        votesFile.line(["timestamp", "datetime", "comment-id", "voter-id", "vote"])
        matrixFile.line(["participant", "xid", "group-id", "n-comments", "n-votes", "n-agree", "n-disagree"] + statements.indices.map(String.init))

        // Participants and votes are both in participant-id order: walk them side by side.
        var number: [String: Int] = [:]
        var next = 0, voteCount = 0, voters = 0, useful = 0
        var pendingVotes: [OpenDataVote] = []
        var voteCursor = OpenDataVoteKey.start
        var votesDone = false
        func votes(of participant: ID) async throws -> [OpenDataVote] {
            var mine: [OpenDataVote] = []
            while true {
                if pendingVotes.isEmpty {
                    if votesDone { return mine }
                    pendingVotes = try await reader.votes(consultationID: cid, after: voteCursor, limit: pageSize)
                    if pendingVotes.count < pageSize { votesDone = true }
                    guard let last = pendingVotes.last else { return mine }
                    voteCursor = last.key
                    pendingVotes.reverse()
                }
                guard let v = pendingVotes.last, v.key.participantID <= participant else { return mine }
                pendingVotes.removeLast()
                if v.key.participantID == participant { mine.append(v) }
            }
        }
        after = 0
        while true {
            let page = try await reader.participants(consultationID: cid, after: after, limit: pageSize)
            for p in page {
                var row: [Int: Int8] = [:]
                for v in try await votes(of: p.key) {
                    guard let s = statementIndex[v.target] else {
                        if v.value == .useful { useful += 1 }
                        continue
                    }
                    let sign: Int8
                    switch v.value {
                    case .agree: sign = 1; statements[s].agrees += 1
                    case .disagree: sign = -1; statements[s].disagrees += 1
                    case .mixed: sign = 0
                    case .useful: useful += 1; continue
                    }
                    row[s] = sign
                    let ms = Int64((v.castAt.timeIntervalSince1970 * 1000).rounded())
                    // NB: the voter's number is known only once they are kept, which this vote decides.
                    if number[p.pseudonym] == nil { number[p.pseudonym] = next; next += 1 }
                    votesFile.line([String(ms), dates.text(v.castAt), String(s), String(number[p.pseudonym]!), String(sign)])
                    voteCount += 1
                }
                let wrote = authored[p.pseudonym] ?? 0
                guard !row.isEmpty || wrote > 0 else { continue }
                if number[p.pseudonym] == nil { number[p.pseudonym] = next; next += 1 }
                if !row.isEmpty { voters += 1 }
                var cells = [String(number[p.pseudonym]!), p.pseudonym, "", String(wrote), String(row.count),
                             String(row.values.filter { $0 == 1 }.count), String(row.values.filter { $0 == -1 }.count)]
                cells.reserveCapacity(cells.count + statements.count)
                for i in statements.indices { cells.append(row[i].map { String($0) } ?? "") }
                matrixFile.line(cells)
                try votesFile.flushIfFull(); try matrixFile.flushIfFull()
            }
            guard page.count == pageSize, let last = page.last else { break }
            after = last.key
        }
        try votesFile.close(); try matrixFile.close()

        var commentsFile = try BufferedFile(directory.appendingPathComponent("comments.csv"))
        commentsFile.line(["timestamp", "datetime", "comment-id", "author-id", "agrees", "disagrees", "moderated", "comment-body"])
        for (i, s) in statements.enumerated() {
            let ms = Int64((s.createdAt.timeIntervalSince1970 * 1000).rounded())
            commentsFile.line([String(ms), dates.text(s.createdAt), String(i), s.author.flatMap { number[$0] }.map(String.init) ?? "",
                               String(s.agrees), String(s.disagrees), s.hidden ? "-1" : "1", Neutralisation.neutralise(s.body)])
            try commentsFile.flushIfFull()
        }
        try commentsFile.close()

        var summaryFile = try BufferedFile(directory.appendingPathComponent("summary.csv"))
        let commenters = Set(statements.compactMap { $0.author.flatMap { number[$0] } }).count
        summaryFile.line(["topic", Neutralisation.neutralise(consultation.title)])
        summaryFile.line(["url", ""])
        summaryFile.line(["views", ""])
        summaryFile.line(["voters", String(voters)])
        summaryFile.line(["voters-in-conv", String(voters)])
        summaryFile.line(["commenters", String(commenters)])
        summaryFile.line(["comments", String(statements.count)])
        summaryFile.line(["groups", ""])
        summaryFile.line(["conversation-description", Neutralisation.neutralise(consultation.summary)])
        try summaryFile.close()

        let summary = Summary(
            statements: statements.count, hiddenStatements: statements.filter(\.hidden).count, votes: voteCount,
            participants: next, usefulLeftOut: useful)
        try Data(readme(consultation, summary).utf8).write(to: directory.appendingPathComponent("README.md"))
        return summary
    }

    static func readme(_ c: Consultation, _ s: Summary) -> String {
        """
        # « \(c.title) » — format Polis openData / Polis openData format

        Exporté de Contribuez (consultation \(c.id), « \(c.slug) ») au format des données ouvertes de Polis
        (github.com/compdemocracy/openData) : \(s.statements) propositions (« comments »), \(s.votes) votes,
        \(s.participants) participant·es.

        ## Signe des votes / Vote sign

        **d'accord = 1, pas d'accord = -1, passe = 0** — le signe des fichiers openData de Polis (la base
        de données et l'API de Polis utilisent le signe inverse, d'accord = -1). Notre échelle à trois
        valeurs devient : d'accord → 1, pas d'accord → -1, mitigé → 0 (« passe », la seule troisième
        valeur de Polis). Les votes « utile » (sur les arguments et les sources) ne sont pas exportés
        (\(s.usefulLeftOut) laissés de côté) : ils disent qu'un argument aide, pas qu'on l'approuve.

        **agree = 1, disagree = -1, pass = 0** — the sign of Polis's openData files (Polis's database and
        API use the opposite sign, agree = -1). Our three-value scale maps agree → 1, disagree → -1,
        mixed → 0 (pass). Useful votes (on arguments and sources) are not exported.

        ## Fichiers / Files

        - `comments.csv` : timestamp (ms), datetime, comment-id, author-id, agrees, disagrees, moderated,
          comment-body. Les articles du texte (sans auteur), puis les propositions et amendements
          publiés (moderated = 1) ou masqués par la modération (moderated = -1). comment-id = rang, depuis 0.
          The draft's articles (no author), then published (1) or moderated-out (-1) proposals and amendments.
        - `votes.csv` : timestamp (ms), datetime, comment-id, voter-id, vote — le dernier vote de chaque
          participant·e sur chaque proposition (votes en cours), par votant puis proposition.
          The live (last) vote of each voter on each statement, by voter then statement.
        - `participants-votes.csv` : participant, xid, group-id, n-comments, n-votes, n-agree,
          n-disagree, puis une colonne par comment-id (1, -1, 0, vide = pas de vote). `xid` est le
          pseudonyme de la personne dans les données ouvertes de la consultation (`participants.csv`),
          `group-id` est vide (nos groupes d'opinion sont dans la synthèse).
          One row per participant; `xid` is the open-data pseudonym; `group-id` is empty.
        - `summary.csv` : topic, url, views, voters, voters-in-conv, commenters, comments, groups,
          conversation-description (clé, valeur ; sans en-tête / key, value; no header).

        Les participant·es sont numérotés depuis 0 ; aucun nom, aucune adresse, aucun identifiant
        interne. Un texte qui commence par `=`, `+`, `-`, `@`, une tabulation ou un retour chariot
        (comment-body, topic, conversation-description) est précédé d'une apostrophe, pour qu'aucun
        tableur ne l'exécute comme une formule ; `contribuez import polis` la retire. / Participants are
        numbered from 0; no name, e-mail or internal id. A text cell starting with `=`, `+`, `-`, `@`,
        a tab or a carriage return gets one leading apostrophe so that no spreadsheet runs it as a
        formula (a text already starting with apostrophes before such a character gets one more);
        `contribuez import polis` removes it. Numbers (votes -1) are never touched.

        Relire / read back: `contribuez import polis DOSSIER`.
        """
    }
}

/// `Wed Jul 27 15:09:49 UTC 2022`, the `datetime` column of Polis's files, in UTC.
struct PolisDates {
    let formatter: DateFormatter

    init() {
        formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(secondsFromGMT: 0)
        formatter.dateFormat = "EEE MMM dd HH:mm:ss 'UTC' yyyy"
    }

    func text(_ date: Date) -> String { formatter.string(from: date) }
}

/// A CSV file written through a buffer: RFC 4180 quoting, LF line ends; callers neutralise text cells.
struct BufferedFile {
    let handle: FileHandle
    var buffer: [UInt8] = []

    init(_ url: URL) throws {
        guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: url.path])
        }
        handle = try FileHandle(forWritingTo: url)
        buffer.reserveCapacity(1 << 16)
    }

    mutating func line(_ cells: [String]) {
        for (i, cell) in cells.enumerated() {
            if i > 0 { buffer.append(UInt8(ascii: ",")) }
            let needsQuotes = cell.utf8.contains { $0 == 0x2C || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D }
            if needsQuotes {
                buffer.append(0x22)
                for b in cell.utf8 {
                    buffer.append(b)
                    if b == 0x22 { buffer.append(0x22) }
                }
                buffer.append(0x22)
            } else {
                buffer.append(contentsOf: cell.utf8)
            }
        }
        buffer.append(0x0A)
    }

    mutating func flushIfFull() throws {
        if buffer.count >= 1 << 16 { try flush() }
    }

    mutating func flush() throws {
        try handle.write(contentsOf: buffer)
        buffer.removeAll(keepingCapacity: true)
    }

    mutating func close() throws {
        try flush()
        try handle.close()
    }
}
