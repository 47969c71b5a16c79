extension Migrations {
    /// Opt-in profile questionnaire and organisers' margins (issue 4). Numbered 0003-….
    ///
    /// NB: `profiles` holds no identity data (no name, no e-mail) and is joined to votes only by the
    /// analysis; it goes with the account (ON DELETE CASCADE, and `deleteAccount` deletes it first).
    static let profiles: [Migration] = [
        Migration(id: "0003-profiles", statements: [
            """
            CREATE TABLE profiles (
                participant_id BIGINT PRIMARY KEY REFERENCES participants(id) ON DELETE CASCADE,
                consented_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL
            )
            """,
            """
            CREATE TABLE profile_answers (
                participant_id BIGINT NOT NULL REFERENCES profiles(participant_id) ON DELETE CASCADE,
                question TEXT NOT NULL CHECK (question IN ('sex', 'age', 'departement', 'commune_size', 'diploma', 'pcs', 'votes_every_election')),
                answer TEXT NOT NULL,
                PRIMARY KEY (participant_id, question)
            )
            """,
            """
            CREATE TABLE consultation_margins (
                consultation_id BIGINT PRIMARY KEY REFERENCES consultations(id) ON DELETE CASCADE,
                source TEXT NOT NULL,
                year INTEGER NOT NULL,
                uploaded_at BIGINT NOT NULL
            )
            """,
            """
            CREATE TABLE consultation_margin_rows (
                consultation_id BIGINT NOT NULL REFERENCES consultation_margins(consultation_id) ON DELETE CASCADE,
                position INTEGER NOT NULL,
                dimension TEXT NOT NULL,
                category TEXT NOT NULL,
                share DOUBLE PRECISION NOT NULL CHECK (share >= 0 AND share <= 1),
                PRIMARY KEY (consultation_id, dimension, category)
            )
            """,
        ]),
    ]
}
