#!/usr/bin/env python3
"""Real-browser test of issue 8's "Done when" path: headless Chromium, JavaScript disabled.

Starts `contribuez serve` on a fresh database (no demo), makes the first admin with `contribuez grant`, then
through the pages: the admin gives the organiser role; the organiser creates a consultation, pastes a Markdown
text of 12 articles, previews it, saves it and publishes; a participant argues; three participants report the
argument, which is hidden with its placeholder; the organiser makes a moderator, who restores it with a reason;
the public moderation page counts the decisions and the admin's journal shows each step. Staff act as staff only
after two-factor authentication (issue 13): each enrols through the pages at their first sign-in with a role, the
code is computed here from the secret the page shows, and the admin resets the moderator's lost factor.
Prints the closing line 'browser: N passed, M failed'.

    python3 Tests/browser/organise.py .build/debug/contribuez
"""
import os, subprocess, sys, tempfile, traceback

from selenium.webdriver.common.by import By
from common import driver, finish, free_port, run_steps, SecondFactors, Steps, wait_up
from selenium.webdriver.support.ui import Select, WebDriverWait

binary = sys.argv[1] if len(sys.argv) > 1 else ".build/debug/contribuez"
shots = os.environ.get("CONTRIBUEZ_SCREENSHOTS")
PASSWORD = "un cheval de navigateur"
ARGUMENT = "Cet argument est vif mais respecte la charte."


LAW_LEAD = "Droit en vigueur : "
LAW = "Art. 12 du règlement de voirie. — Les pistes cyclables sont aménagées à la demande du maire."


def markdown(articles=12):
    """A draft text: a title, two chapters, `articles` articles, an explanation on every third."""
    lines = ["# Titre Ier — Se déplacer à vélo", "", "## Chapitre 1er — Principes", ""]
    for n in range(1, articles + 1):
        if n == articles // 2 + 1:
            lines += ["## Chapitre 2 — Mise en œuvre", ""]
        lines += [f"### Article {n} — Mesure {n}", "", f"La commune met en œuvre la mesure {n} dans un délai d'un an.", ""]
        if n == 1:
            lines += [LAW_LEAD + LAW, ""]
        if n % 3 == 0:
            lines += [f"Exposé des motifs : la mesure {n} répond aux demandes des habitants.", ""]
    return "\n".join(lines)


def main():
    port = free_port()
    base = f"http://127.0.0.1:{port}/"
    db = os.path.join(tempfile.mkdtemp(), "organise.sqlite")
    server = subprocess.Popen([binary, "serve", "--database", db, "--port", str(port), "--bcrypt-cost", "4", "--form-min-seconds", "0", "--synthesis-every", "0"],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    passed, failed = 0, 0
    d = None
    state = {}
    try:
        wait_up(base)
        d = driver()
        d.implicitly_wait(5)
        factors = SecondFactors(d, base)

        def see(text, seconds=15):
            """Waits for the text to be on the page (a form post navigates asynchronously)."""
            try:
                WebDriverWait(d, seconds).until(lambda drv: text in drv.page_source)
            except Exception:
                raise AssertionError(f"not on the page after {seconds}s: {text!r}")

        def shot(name):
            if shots:
                d.save_screenshot(os.path.join(shots, name))

        def submit(form_css):
            d.find_element(By.CSS_SELECTOR, form_css + " button[type=submit]").click()

        def sign_up(email, name):
            d.delete_all_cookies()
            d.get(base + "signup")
            d.find_element(By.ID, "email").send_keys(email)
            d.find_element(By.ID, "password").send_keys(PASSWORD)
            d.find_element(By.ID, "displayName").send_keys(name)
            d.find_element(By.CSS_SELECTOR, "input[name=kind][value=citizen]").click()
            submit("form.narrow")
            see(name)

        def sign_in(email):
            d.delete_all_cookies()
            d.get(base + "signin")
            d.find_element(By.ID, "email").send_keys(email)
            d.find_element(By.ID, "password").send_keys(PASSWORD)
            submit("form.narrow")
            factors.after_password(email)
            see("Se déconnecter")

        steps = Steps()
        step = steps

        @step("accounts are created through /signup, and the first admin with `contribuez grant`")
        def _():
            for email, name in [("admin@example.fr", "Adèle Admin"), ("orga@example.fr", "Odile Organisatrice"),
                                ("autrice@example.fr", "Alice Autrice"), ("modo@example.fr", "Marc Modérateur"),
                                ("r1@example.fr", "Rémi Un"), ("r2@example.fr", "Rita Deux"), ("r3@example.fr", "Raoul Trois")]:
                sign_up(email, name)
            done = subprocess.run([binary, "grant", "admin@example.fr", "admin", "--database", db], capture_output=True, text=True, timeout=60)
            assert done.returncode == 0, done.stdout + done.stderr

        @step("the admin gives the organiser role on /admin")
        def _():
            sign_in("admin@example.fr")
            d.get(base + "admin")
            see("Donner un rôle sur l’instance")
            d.find_element(By.ID, "email").send_keys("orga@example.fr")
            Select(d.find_element(By.ID, "role")).select_by_value("organiser")
            submit("form.grant")
            see("Le rôle est donné.")
            see("Odile Organisatrice")
            shot("admin.png")

        @step("the organiser creates a consultation from the home page link")
        def _():
            sign_in("orga@example.fr")
            d.get(base)
            d.find_element(By.LINK_TEXT, "Nouvelle consultation").click()
            see("La consultation reste invisible du public")
            d.find_element(By.ID, "title").send_keys("Plan vélo de la commune")
            d.find_element(By.ID, "institution").send_keys("Commune de Villeneuve")
            d.find_element(By.ID, "summary").send_keys("Donnez votre avis sur le **plan vélo**, article par article.")
            # Opening now (the form's default, already past when publishing) and closing 30 days later.
            assert d.find_element(By.ID, "opensAt").get_attribute("value"), "no default opening date"
            assert d.find_element(By.ID, "reportThreshold").get_attribute("value") == "3"
            submit("form.settings")
            see("La consultation est créée.")
            state["organiser"] = d.current_url.split("?")[0]
            state["id"] = state["organiser"].rstrip("/").split("/")[-2]

        @step("the organiser pastes a Markdown text of 12 articles and previews its structure")
        def _():
            d.find_element(By.ID, "markdown").send_keys(markdown(12))
            d.find_element(By.ID, "preview").click()
            see("Aperçu de la structure")
            see("12 articles dans 3 titres, chapitres ou sections.")
            items = d.find_elements(By.CSS_SELECTOR, "li.preview-article")
            assert len(items) >= 10, f"only {len(items)} articles in the preview"
            see("Chapitre 2 — Mise en œuvre")
            shot("preview.png")

        @step("the organiser saves the text and publishes the consultation")
        def _():
            d.find_element(By.ID, "confirm-save").click()
            see("Le texte est enregistré.")
            assert len(d.find_elements(By.CSS_SELECTOR, "ul.organise-articles li")) == 12
            submit("form.publish")
            see("La consultation est publiée.")
            d.get(base + f"consultations/{state['id']}")
            see("Plan vélo de la commune")
            see("Ouverte")
            assert d.find_elements(By.CSS_SELECTOR, "h5.article-heading"), "articles not nested under their chapter"

        @step("the first article shows the law in force before it, and the kit sets the two side by side")
        def _():
            d.get(base + f"consultations/{state['id']}")
            d.find_element(By.CSS_SELECTOR, "ol.articles .article-heading a").click()
            d.find_element(By.XPATH, "//details[@class='current-law']/summary").click()
            law = d.find_element(By.CSS_SELECTOR, "details.current-law .law")
            assert law.text.strip() == LAW, f"law in force shown as {law.text!r}"
            assert "La commune met en œuvre la mesure 1 dans" in d.find_element(By.CSS_SELECTOR, ".article-body").text
            d.get(base + f"consultations/{state['id']}/kit")
            pairs = d.find_elements(By.CSS_SELECTOR, ".kit-article .before-after")
            assert len(pairs) == 1, f"{len(pairs)} before/after blocks in the kit"
            assert pairs[0].find_element(By.CSS_SELECTOR, ".before .law").text.strip() == LAW
            assert "mesure 1 dans" in pairs[0].find_element(By.CSS_SELECTOR, ".after").text
            assert len(d.find_elements(By.CSS_SELECTOR, ".kit-article .no-law")) == 11

        @step("a participant argues against the first article")
        def _():
            sign_in("autrice@example.fr")
            d.get(base + f"consultations/{state['id']}")
            d.find_element(By.CSS_SELECTOR, "ol.articles .article-heading a").click()
            state["article"] = d.current_url.split("?")[0]
            d.find_element(By.XPATH, "//summary[normalize-space()='Ajouter un argument']").click()
            d.find_element(By.CSS_SELECTOR, "input[name=stance][value=against]").click()
            d.find_element(By.ID, "argument-text").send_keys(ARGUMENT)
            d.find_element(By.ID, "argument-text").find_element(By.XPATH, "./ancestor::form").find_element(By.CSS_SELECTOR, "button[type=submit]").click()
            see("Votre contribution est publiée.")
            see(ARGUMENT)
            link = d.find_element(By.XPATH, f"//li[contains(@class,'contribution')][.//p[contains(., '{ARGUMENT}')]]//p[@class='byline']/a")
            state["argument"] = link.get_attribute("href")

        @step("three participants report the argument, and it is hidden with its placeholder")
        def _():
            for n, email in enumerate(["r1@example.fr", "r2@example.fr", "r3@example.fr"], start=1):
                sign_in(email)
                d.get(state["argument"])
                d.find_element(By.XPATH, "//summary[normalize-space()='Signaler']").click()
                d.find_element(By.CSS_SELECTOR, "input[name=reason][value=spam]" if n < 3 else "input[name=reason][value=offensive]").click()
                submit("form.report")
                see("Merci, votre signalement a été transmis.")
            d.delete_all_cookies()
            d.get(state["article"])
            see("après plusieurs signalements, en attente de vérification : Spam ou publicité")
            assert ARGUMENT not in d.page_source, "the hidden argument is still shown"
            shot("placeholder.png")

        @step("the organiser makes a moderator on the roles page")
        def _():
            sign_in("orga@example.fr")
            d.get(state["organiser"])
            d.find_element(By.PARTIAL_LINK_TEXT, "Rôles").click()
            d.find_element(By.ID, "email").send_keys("modo@example.fr")
            Select(d.find_element(By.ID, "role")).select_by_value("moderator")
            submit("form.grant")
            see("Le rôle est donné.")
            see("Marc Modérateur")

        @step("the moderator restores the argument from the queue, with a reason")
        def _():
            sign_in("modo@example.fr")
            d.get(base + f"consultations/{state['id']}")
            d.find_element(By.LINK_TEXT, "File de modération").click()
            see(ARGUMENT)
            see("Spam ou publicité : 2")
            shot("queue.png")
            form = d.find_element(By.CSS_SELECTOR, "form.decision.for")
            Select(form.find_element(By.CSS_SELECTOR, "select[name=reason]")).select_by_value("compliant")
            form.find_element(By.CSS_SELECTOR, "textarea[name=note]").send_keys("Critique vive mais conforme à la charte.")
            form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
            see("La décision est enregistrée.")
            see("Rien à modérer.")
            d.delete_all_cookies()
            d.get(state["article"])
            see(ARGUMENT)

        @step("the public moderation page counts the decisions, without naming the moderator")
        def _():
            d.get(base + f"consultations/{state['id']}")
            d.find_element(By.PARTIAL_LINK_TEXT, "Modération : décisions").click()
            see("Masquée après signalements")
            see("Rétablie")
            see("Conforme à la charte")
            assert "Marc Modérateur" not in d.page_source, "the public page names the moderator"
            shot("moderation_public.png")

        @step("the admin resets the moderator's lost second factor, with a reason; the moderator enrols again at the next sign-in")
        def _():
            sign_in("admin@example.fr")
            d.get(base + "admin")
            d.find_element(By.ID, "reset-email").send_keys("modo@example.fr")
            d.find_element(By.ID, "reset-reason").send_keys("Téléphone perdu, identité vérifiée par téléphone.")
            submit("form.reset-second-factor")
            see("La double authentification a été réinitialisée")
            factors.accounts.pop("modo@example.fr")
            sign_in("modo@example.fr")
            assert "modo@example.fr" in factors.accounts, "the moderator was not asked to enrol again"

        @step("the admin's journal shows each step")
        def _():
            sign_in("admin@example.fr")
            d.get(base + "admin/journal")
            for label in ["Rôle sur l’instance donné", "Consultation créée", "Texte importé", "Publication", "Rôle donné",
                          "Masquée après signalements", "Rétablie", "Téléphone perdu, identité vérifiée par téléphone."]:
                see(label)
            see("Critique vive mais conforme à la charte.")
            shot("journal.png")

        @step("the last admin's own lost factor is reset from the command line; a second reset says there is none; a short reason is refused")
        def _():
            short = subprocess.run([binary, "reset-second-factor", "admin@example.fr", "--reason", "x", "--database", db],
                                   capture_output=True, text=True, timeout=60)
            assert short.returncode != 0 and "--reason" in short.stderr, short.stdout + short.stderr
            done = subprocess.run([binary, "reset-second-factor", "admin@example.fr", "--reason", "Téléphone et codes perdus, vu en personne.",
                                   "--database", db], capture_output=True, text=True, timeout=60)
            assert done.returncode == 0, done.stdout + done.stderr
            again = subprocess.run([binary, "reset-second-factor", "admin@example.fr", "--reason", "Encore une fois.", "--database", db],
                                   capture_output=True, text=True, timeout=60)
            assert again.returncode != 0 and "no second factor" in again.stderr, again.stdout + again.stderr
            factors.accounts.pop("admin@example.fr")
            sign_in("admin@example.fr")
            assert "admin@example.fr" in factors.accounts, "the admin was not asked to enrol again"
            d.get(base + "admin/journal")
            see("Téléphone et codes perdus, vu en personne.")

        passed, failed = run_steps(steps, d)
    except Exception:
        traceback.print_exc()
        failed += 1
    finally:
        finish(server, d, passed, failed)


if __name__ == "__main__":
    main()
