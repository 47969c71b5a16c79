#!/usr/bin/env python3
"""Real-browser test of issue 12's personal data: headless Chromium, JavaScript disabled.

Starts `contribuez serve --demo` on a fresh database, then through the pages: a participant signs up,
argues on the first article and votes on it; from /compte downloads the ZIP of their data (with
Chromium's download, and once more with the browser's cookies to read it) and checks its files; asks for
the link by mail; deletes the account choosing to erase the contributions, and sees « Contribution
supprimée par son auteur » where the argument stood.
Prints the closing line 'browser: N passed, M failed'.

    python3 Tests/browser/account_data.py .build/debug/contribuez
"""
import io, json, os, subprocess, sys, tempfile, time, urllib.error, urllib.request, zipfile

from selenium.webdriver.common.by import By
from common import driver, finish, free_port, run_steps, Steps, wait_up
from selenium.webdriver.support.ui import WebDriverWait

binary = sys.argv[1] if len(sys.argv) > 1 else ".build/debug/contribuez"
PASSWORD = "un cheval de navigateur"
EMAIL = "camille.donnees@example.fr"
NAME = "Camille Données"
ARGUMENT = "Mon argument personnel, que je retirerai avec mon compte."
FILES = ["README.md", "account.json", "questionnaire.json", "sessions.csv", "contributions.csv", "votes.csv",
         "vote_history.csv", "follows.csv", "notifications.csv", "reports.csv", "staff_actions.csv",
         "debate_registrations.csv"]


def main():
    port = free_port()
    base = f"http://127.0.0.1:{port}/"
    db = os.path.join(tempfile.mkdtemp(), "account_data.sqlite")
    downloads = tempfile.mkdtemp()
    server = subprocess.Popen([binary, "serve", "--database", db, "--port", str(port), "--bcrypt-cost", "4", "--form-min-seconds", "0", "--synthesis-every", "0", "--demo"],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    passed, failed = 0, 0
    d = None
    state = {}
    try:
        wait_up(base)
        d = driver()
        d.implicitly_wait(5)
        # Headless Chromium downloads only where it is told to.
        d.execute_cdp_cmd("Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": downloads})

        def see(text, seconds=15):
            try:
                WebDriverWait(d, seconds).until(lambda drv: text in drv.page_source)
            except Exception:
                raise AssertionError(f"not on the page after {seconds}s: {text!r}")

        def submit(form_css):
            d.find_element(By.CSS_SELECTOR, form_css + " button[type=submit]").click()

        def fetch(path):
            """GET with the browser's cookies (its session), as the browser would."""
            cookie = "; ".join(f"{c['name']}={c['value']}" for c in d.get_cookies())
            req = urllib.request.Request(base + path.lstrip("/"), headers={"Cookie": cookie})
            with urllib.request.urlopen(req, timeout=30) as r:
                return r.status, dict(r.headers), r.read()

        steps = Steps()
        step = steps

        @step("a participant signs up through /signup")
        def _():
            d.get(base + "signup")
            d.find_element(By.ID, "email").send_keys(EMAIL)
            d.find_element(By.ID, "password").send_keys(PASSWORD)
            d.find_element(By.ID, "displayName").send_keys(NAME)
            d.find_element(By.CSS_SELECTOR, "input[name=kind][value=citizen]").click()
            submit("form.narrow")
            see("Se déconnecter")

        @step("they argue on the first article of the demo consultation and vote on it")
        def _():
            d.get(base)
            d.find_element(By.CSS_SELECTOR, "a[href^='/consultations/']").click()
            d.find_element(By.CSS_SELECTOR, "ol.articles .article-heading a").click()
            state["article"] = d.current_url.split("?")[0]
            d.find_element(By.XPATH, "//summary[normalize-space()='Ajouter un argument']").click()
            d.find_element(By.CSS_SELECTOR, "input[name=stance][value=for]").click()
            d.find_element(By.ID, "argument-text").send_keys(ARGUMENT)
            d.find_element(By.ID, "argument-text").find_element(By.XPATH, "./ancestor::form").find_element(By.CSS_SELECTOR, "button[type=submit]").click()
            see("Votre contribution est publiée.")
            see(ARGUMENT)
            d.get(state["article"])
            d.find_element(By.CSS_SELECTOR, "form.vote input[name=value][value=agree]").click()
            submit("form.vote")
            see("Votre vote est enregistré.")

        @step("/compte explains the download and Chromium downloads the ZIP from its link")
        def _():
            d.get(base + "compte")
            see("Mes données")
            see("Recevoir le lien par courriel")
            d.find_element(By.CSS_SELECTOR, "a[href='/compte/donnees.zip']").click()
            deadline = time.time() + 20
            done = []
            while time.time() < deadline:
                done = [f for f in os.listdir(downloads) if f.endswith(".zip")]
                if done:
                    break
                time.sleep(0.3)
            assert done, f"no ZIP downloaded into {downloads}: {os.listdir(downloads)}"
            assert done[0].startswith("contribuez-mes-donnees-"), done[0]
            with zipfile.ZipFile(os.path.join(downloads, done[0])) as z:
                assert z.namelist() == FILES, z.namelist()

        @step("the ZIP holds their account, argument and vote, and the README in French then English")
        def _():
            status, headers, body = fetch("/compte/donnees.zip")
            assert status == 200, status
            assert headers.get("Content-Disposition", "").startswith("attachment;"), headers
            assert headers.get("Cache-Control") == "no-store", headers
            z = zipfile.ZipFile(io.BytesIO(body))
            assert z.namelist() == FILES, z.namelist()
            account = json.loads(z.read("account.json"))
            assert account["email"] == EMAIL and account["display_name"] == NAME, account
            assert ARGUMENT in z.read("contributions.csv").decode(), "the argument is missing"
            votes = z.read("votes.csv").decode()
            assert ",agree," in votes, votes
            readme = z.read("README.md").decode()
            assert readme.index("Ce qui n'est pas inclus") < readme.index("What is not included"), "README: French first, then English"
            everything = b"".join(z.read(n) for n in FILES).decode()
            session = next(c["value"] for c in d.get_cookies() if c["name"] == "cz_session")
            assert session not in everything, "the session token is in the export"

        @step("they ask for the link by mail and are told it was sent")
        def _():
            d.get(base + "compte")
            d.find_element(By.XPATH, "//button[normalize-space()='Recevoir le lien par courriel']").click()
            see("Le lien vous a été envoyé par courriel.")

        @step("they delete the account, choosing to erase their contributions")
        def _():
            d.get(base + "compte")
            d.find_element(By.CSS_SELECTOR, "input[name=contributions][value=erase]").click()
            d.find_element(By.ID, "password").send_keys(PASSWORD)
            d.find_element(By.CSS_SELECTOR, "button.danger").click()
            see("Votre compte a été supprimé.")
            see("vos contributions effacées")

        @step("the article shows « Contribution supprimée par son auteur » where the argument stood")
        def _():
            d.delete_all_cookies()
            d.get(state["article"])
            see("Contribution supprimée par son auteur")
            assert ARGUMENT not in d.page_source, "the erased argument is still shown"
            req = urllib.request.Request(base + "compte/donnees.zip")
            opener = urllib.request.build_opener(NoRedirect())
            try:
                opener.open(req, timeout=10)
                raise AssertionError("the download answered without a session")
            except urllib.error.HTTPError as e:
                assert e.code == 303 and e.headers.get("Location") == "/signin", (e.code, e.headers.get("Location"))

        passed, failed = run_steps(steps, d)
    except Exception:
        import traceback
        traceback.print_exc()
        failed = max(failed, 1)
    finish(server, d, passed, failed)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


if __name__ == "__main__":
    main()
