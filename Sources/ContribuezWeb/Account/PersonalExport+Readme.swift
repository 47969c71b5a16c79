extension PersonalExport {
    /// README.md of the personal download: French, then English. What each file holds, what is not
    /// included and why.
    static let readme = """
        # Mes données — Contribuez

        Cette archive contient tout ce que la plateforme conserve sur vous, au moment du téléchargement
        (`exported_at` dans `account.json`). Les dates sont en UTC, au format ISO 8601. Les fichiers CSV
        sont en UTF-8, séparés par des virgules, avec une ligne d'en-tête ; une cellule de texte qui
        commencerait par `=`, `+`, `-`, `@`, une tabulation ou un retour chariot est précédée d'une
        apostrophe `'` pour qu'un tableur ne l'exécute pas comme une formule.

        | Fichier | Contenu |
        |---|---|
        | `account.json` | votre compte : identifiant, adresse électronique, nom affiché, type de profil, organisation, date de création, rôles (sur l'instance et par consultation), préférences de courriel |
        | `questionnaire.json` | vos réponses au questionnaire de profil facultatif, avec la date de votre consentement (`answered: false` si vous n'y avez pas répondu) |
        | `sessions.csv` | vos sessions ouvertes : date de connexion et d'expiration (jamais le jeton de session) |
        | `contributions.csv` | vos contributions de tous les états (publiées, masquées avec leur motif, en attente de modération, refusées), avec leur texte |
        | `votes.csv` | vos votes en cours : sur quel article ou quelle contribution, quelle position, quand |
        | `vote_history.csv` | l'historique de vos votes tiré du journal des votes : chaque vote, changement et retrait (`withdrawn`) |
        | `follows.csv` | ce que vous suivez (consultations, articles, contributions) |
        | `notifications.csv` | vos notifications, lues ou non, envoyées par courriel ou non |
        | `reports.csv` | vos signalements et leur motif |
        | `staff_actions.csv` | ce que vous avez fait au nom de l'institution (organisation, modération, réponses), tel que le journal d'audit l'a enregistré |
        | `debate_registrations.csv` | vos inscriptions aux débats locaux : débat, inscrit·e ou en liste d'attente, date |

        ## Ce qui n'est pas inclus, et pourquoi

        - **Les données des autres** : les réponses, arguments et votes d'autres personnes sur vos
          contributions, et les réponses officielles de l'institution, restent consultables sur le site
          (colonne `page`) mais ne sont pas à vous.
        - **Les données ouvertes pseudonymisées** : chaque consultation publie ses votes et contributions
          sous un pseudonyme par consultation, calculé avec un sel secret. Cette archive ne donne pas vos
          pseudonymes : si elle fuitait, elle permettrait de vous retrouver dans les données publiques.
        - **Les secrets** : l'empreinte de votre mot de passe, les jetons de session, de protection CSRF,
          de lien de téléchargement ou de désabonnement ne sont jamais exportés.
        - **Ce qui a été supprimé** : un vote retiré n'est plus dans `votes.csv` mais reste dans
          `vote_history.csv`, comme dans le journal qui permet de recompter les résultats.

        Pour supprimer votre compte, rendez-vous sur la page « Mon compte » : vous choisirez si vos
        contributions restent publiées sous « Compte supprimé » ou si elles sont effacées.

        ---

        # My data — Contribuez

        This archive holds everything the platform keeps about you, as of the download (`exported_at` in
        `account.json`). Dates are UTC, ISO 8601. CSV files are UTF-8, comma-separated, with a header row;
        a text cell that would start with `=`, `+`, `-`, `@`, a tab or a carriage return is written with a
        leading apostrophe `'` so that spreadsheets do not run it as a formula.

        | File | What it holds |
        |---|---|
        | `account.json` | your account: id, e-mail address, display name, profile kind, organisation, creation date, roles (instance-wide and per consultation), mail preferences |
        | `questionnaire.json` | your answers to the optional profile questionnaire, with the date of your consent (`answered: false` if you did not answer it) |
        | `sessions.csv` | your open sessions: sign-in and expiry dates (never the session token) |
        | `contributions.csv` | your contributions in every state (published, hidden with the reason, held for moderation, rejected), with their text |
        | `votes.csv` | your current votes: on which article or contribution, which position, when |
        | `vote_history.csv` | the history of your votes from the vote log: every vote, change and withdrawal (`withdrawn`) |
        | `follows.csv` | what you follow (consultations, articles, contributions) |
        | `notifications.csv` | your notifications, read or not, mailed or not |
        | `reports.csv` | your reports and their reason |
        | `staff_actions.csv` | what you did for the institution (organising, moderating, answering), as the audit trail recorded it |
        | `debate_registrations.csv` | your registrations for local debates: debate, registered or waiting, date |

        ## What is not included, and why

        - **Other people's data**: replies, arguments and votes of others on your contributions, and the
          institution's official answers, can be read on the site (the `page` column) but are not yours.
        - **The pseudonymous open data**: each consultation publishes its votes and contributions under a
          per-consultation pseudonym computed with a secret salt. This archive does not give your
          pseudonyms: if it leaked, it would let anyone find you in the public data.
        - **Secrets**: your password hash and the session, CSRF, download-link and unsubscribe tokens are
          never exported.
        - **What was removed**: a withdrawn vote is no longer in `votes.csv` but stays in
          `vote_history.csv`, as in the log from which results can be recounted.

        To delete your account, go to the "My account" page: you will choose whether your contributions
        stay published under "Compte supprimé" (deleted account) or are erased.

        """
}
