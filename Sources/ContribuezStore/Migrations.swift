import Foundation

/// Numbered migrations. NB: a migration never changes once it has landed; add a new one instead.
/// The SQL is kept portable between SQLite and PostgreSQL (BIGINT milliseconds for instants,
/// TEXT enums guarded by CHECK, ON CONFLICT upserts), so the PostgreSQL adapter reads alike.
public enum Migrations {
    public struct Migration: Sendable {
        public let id: String
        public let statements: [String]
    }

    /// Every migration in order: the participation core, then each feature's own (numbered 0002…, 0003…).
    public static var all: [Migration] { core + synthesis + profiles + institution + followUp + mail + rendered + nodes + ranking + chain + openData + personalData + rateLimits + mailAbandon + securityAudit + sessionSecurity + sealedData + abuse + synthesisState + localDebates + debateReports + currentLaw + debateProfiles }

    /// `AUTOINCREMENT_PK` is replaced per backend: SQLite `INTEGER PRIMARY KEY`, PostgreSQL `BIGSERIAL PRIMARY KEY`.
    static let core: [Migration] = [
        Migration(id: "0001-participation-core", statements: [
            """
            CREATE TABLE consultations (
                id AUTOINCREMENT_PK,
                slug TEXT NOT NULL UNIQUE,
                title TEXT NOT NULL,
                summary TEXT NOT NULL,
                institution TEXT NOT NULL,
                is_published INTEGER NOT NULL CHECK (is_published IN (0, 1)),
                opens_at BIGINT NOT NULL,
                closes_at BIGINT NOT NULL,
                allowed_kinds TEXT NOT NULL DEFAULT '',
                provenance TEXT,
                CHECK (closes_at > opens_at)
            )
            """,
            """
            CREATE TABLE sections (
                id AUTOINCREMENT_PK,
                consultation_id BIGINT NOT NULL REFERENCES consultations(id) ON DELETE CASCADE,
                position INTEGER NOT NULL,
                title TEXT NOT NULL,
                subtitle TEXT NOT NULL
            )
            """,
            "CREATE INDEX sections_by_consultation ON sections(consultation_id, position)",
            """
            CREATE TABLE articles (
                id AUTOINCREMENT_PK,
                consultation_id BIGINT NOT NULL REFERENCES consultations(id) ON DELETE CASCADE,
                section_id BIGINT NOT NULL REFERENCES sections(id) ON DELETE CASCADE,
                position INTEGER NOT NULL,
                number TEXT NOT NULL,
                title TEXT NOT NULL,
                body TEXT NOT NULL,
                explanation TEXT NOT NULL
            )
            """,
            "CREATE INDEX articles_by_consultation ON articles(consultation_id, position)",
            """
            CREATE TABLE participants (
                id AUTOINCREMENT_PK,
                email TEXT UNIQUE,
                password_hash TEXT,
                display_name TEXT NOT NULL,
                kind TEXT NOT NULL CHECK (kind IN ('citizen', 'company', 'association', 'public_body')),
                organization TEXT,
                role TEXT NOT NULL DEFAULT 'participant' CHECK (role IN ('participant', 'moderator', 'organiser')),
                created_at BIGINT NOT NULL,
                CHECK ((email IS NULL) = (password_hash IS NULL))
            )
            """,
            """
            CREATE TABLE sessions (
                token_hash TEXT PRIMARY KEY,
                participant_id BIGINT NOT NULL REFERENCES participants(id) ON DELETE CASCADE,
                csrf_token TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                expires_at BIGINT NOT NULL
            )
            """,
            "CREATE INDEX sessions_by_participant ON sessions(participant_id)",
            """
            CREATE TABLE contributions (
                id AUTOINCREMENT_PK,
                consultation_id BIGINT NOT NULL REFERENCES consultations(id) ON DELETE CASCADE,
                kind TEXT NOT NULL CHECK (kind IN ('amendment', 'proposal', 'argument', 'source')),
                article_id BIGINT REFERENCES articles(id) ON DELETE CASCADE,
                parent_id BIGINT REFERENCES contributions(id) ON DELETE CASCADE,
                author_id BIGINT REFERENCES participants(id) ON DELETE SET NULL,
                author_name TEXT NOT NULL,
                title TEXT NOT NULL,
                body TEXT NOT NULL,
                rationale TEXT NOT NULL,
                stance TEXT CHECK (stance IN ('for', 'against')),
                url TEXT,
                created_at BIGINT NOT NULL,
                is_hidden INTEGER NOT NULL DEFAULT 0 CHECK (is_hidden IN (0, 1)),
                CHECK ((kind = 'argument') = (stance IS NOT NULL)),
                CHECK ((kind = 'source') = (url IS NOT NULL)),
                CHECK (kind <> 'amendment' OR (article_id IS NOT NULL AND parent_id IS NULL)),
                CHECK (kind <> 'proposal' OR (article_id IS NULL AND parent_id IS NULL))
            )
            """,
            "CREATE INDEX contributions_by_article ON contributions(article_id, kind, parent_id)",
            "CREATE INDEX contributions_by_parent ON contributions(parent_id, kind)",
            "CREATE INDEX contributions_by_consultation ON contributions(consultation_id, kind)",
            "CREATE INDEX contributions_by_author ON contributions(author_id)",
            """
            CREATE TABLE contribution_events (
                seq AUTOINCREMENT_PK,
                contribution_id BIGINT NOT NULL,
                event TEXT NOT NULL CHECK (event IN ('created', 'hidden', 'restored')),
                at BIGINT NOT NULL
            )
            """,
            // Invariant 1: one live vote per (participant, target).
            """
            CREATE TABLE votes (
                participant_id BIGINT NOT NULL REFERENCES participants(id) ON DELETE CASCADE,
                target_kind TEXT NOT NULL CHECK (target_kind IN ('article', 'contribution')),
                target_id BIGINT NOT NULL,
                value TEXT NOT NULL CHECK (value IN ('agree', 'mixed', 'disagree', 'useful')),
                cast_at BIGINT NOT NULL,
                PRIMARY KEY (participant_id, target_kind, target_id)
            )
            """,
            "CREATE INDEX votes_by_target ON votes(target_kind, target_id, value)",
            // Invariant 3: the append-only log every tally can be recomputed from.
            """
            CREATE TABLE vote_events (
                seq AUTOINCREMENT_PK,
                participant_id BIGINT NOT NULL,
                target_kind TEXT NOT NULL CHECK (target_kind IN ('article', 'contribution')),
                target_id BIGINT NOT NULL,
                value TEXT CHECK (value IN ('agree', 'mixed', 'disagree', 'useful')),
                at BIGINT NOT NULL
            )
            """,
            // Counters kept in the vote's own transaction; `base_*` are imported totals, never mixed with live ones.
            """
            CREATE TABLE tallies (
                target_kind TEXT NOT NULL CHECK (target_kind IN ('article', 'contribution')),
                target_id BIGINT NOT NULL,
                agree INTEGER NOT NULL DEFAULT 0 CHECK (agree >= 0),
                mixed INTEGER NOT NULL DEFAULT 0 CHECK (mixed >= 0),
                disagree INTEGER NOT NULL DEFAULT 0 CHECK (disagree >= 0),
                useful INTEGER NOT NULL DEFAULT 0 CHECK (useful >= 0),
                base_agree INTEGER,
                base_mixed INTEGER,
                base_disagree INTEGER,
                base_useful INTEGER,
                score DOUBLE PRECISION NOT NULL DEFAULT 0,
                PRIMARY KEY (target_kind, target_id)
            )
            """,
        ]),
    ]

    /// SQLite: forbid rewriting history in the logs (PostgreSQL uses rules of its own).
    public static let sqliteTriggers: [String] = [
        "CREATE TRIGGER vote_events_no_update BEFORE UPDATE ON vote_events BEGIN SELECT RAISE(ABORT, 'vote_events is append-only'); END",
        "CREATE TRIGGER vote_events_no_delete BEFORE DELETE ON vote_events BEGIN SELECT RAISE(ABORT, 'vote_events is append-only'); END",
        "CREATE TRIGGER contribution_events_no_update BEFORE UPDATE ON contribution_events BEGIN SELECT RAISE(ABORT, 'contribution_events is append-only'); END",
        "CREATE TRIGGER contribution_events_no_delete BEFORE DELETE ON contribution_events BEGIN SELECT RAISE(ABORT, 'contribution_events is append-only'); END",
    ]
}
