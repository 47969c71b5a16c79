#!/usr/bin/env python3
"""Browser test of a local debate's report (issue 15, items 3–5), headless Chromium without JavaScript.

Starts `contribuez serve --demo`, signs up, declares a debate that starts a minute or two later (the server's clock
is the real one: the report is refused before the start), waits for it, then files the report through the form
with a photo of a sheet, and checks the article page: the room's counts in their own « Débats locaux » box, the
argument marked « issu du débat local », and the photo offered as a download. A second debate's report is filed by
uploading the kit's CSV template, filled in.

    python3 Tests/browser/debate_report.py .build/debug/contribuez
"""
import datetime, os, re, subprocess, sys, tempfile, time, traceback, urllib.parse, urllib.request
from zoneinfo import ZoneInfo

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select
import common
from common import driver, finish, free_port, run_steps, serve, Steps, wait_up

binary = sys.argv[1] if len(sys.argv) > 1 else ".build/debug/contribuez"
PNG = bytes([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) + bytes(200)


def main():
    port = free_port()
    base = f"http://127.0.0.1:{port}/"
    tmp = tempfile.mkdtemp()
    db = os.path.join(tmp, "debate.sqlite")
    server = serve(binary, db, port, "--demo")
    passed, failed = 0, 0
    d = None
    state = {}
    try:
        wait_up(base)
        d = driver()
        d.implicitly_wait(5)

        def see(text, seconds=15):
            common.see(d, text, seconds)

        def http(method, path, fields=None):
            """A request with the browser's cookies (to declare the debate: typing in datetime-local fields is locale-bound)."""
            cookie = "; ".join(f"{c['name']}={c['value']}" for c in d.get_cookies())
            data = urllib.parse.urlencode(fields).encode() if fields is not None else None
            headers = {"Cookie": cookie, "Origin": base.rstrip("/")}
            if data is not None:
                headers["Content-Type"] = "application/x-www-form-urlencoded"
            req = urllib.request.Request(base.rstrip("/") + path, data=data, method=method, headers=headers)

            class NoRedirect(urllib.request.HTTPRedirectHandler):
                def redirect_request(self, *a, **k):
                    return None
            try:
                with urllib.request.build_opener(NoRedirect).open(req, timeout=30) as r:
                    return r.status, r.headers, r.read().decode(errors="replace")
            except urllib.error.HTTPError as e:
                return e.code, e.headers, e.read().decode(errors="replace")

        steps = Steps()
        step = steps

        @step("sign up")
        def _():
            common.sign_up(d, base, "debat@example.fr", "Organisatrice", "un cheval de navigateur")

        @step("declare a debate starting within two minutes")
        def _():
            d.get(base)
            d.find_element(By.CSS_SELECTOR, "article.card h2 a").click()
            state["consultation"] = re.search(r"/consultations/(\d+)", d.current_url).group(1)
            status, _, page = http("GET", f"/consultations/{state['consultation']}/debats/nouveau")
            assert status == 200, status
            csrf = re.search(r'name="_csrf" value="([^"]+)"', page).group(1)
            paris = datetime.datetime.now(ZoneInfo("Europe/Paris"))
            start = (paris + datetime.timedelta(minutes=2)).replace(second=0, microsecond=0)
            state["start"] = start
            fields = {"_csrf": csrf, "title": "Débat du quartier", "description": "", "startsAt": start.strftime("%Y-%m-%dT%H:%M"),
                      "endsAt": (start + datetime.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"), "mode": "venue", "venueName": "Salle Voltaire",
                      "address": "1 place Voltaire", "postcode": "69003", "commune": "Lyon", "stepFree": "yes", "accessibilityNotes": "",
                      "capacity": "30", "organiserKind": "person", "organisationName": ""}
            stamp = re.search(r'name="_ts" value="([^"]+)"', page)
            if stamp:
                fields["_ts"] = stamp.group(1)
            status, headers, body = http("POST", f"/consultations/{state['consultation']}/debats", fields)
            assert status == 303, (status, body[:800])
            state["debate"] = re.search(r"/debats/(\d+)", headers["Location"]).group(1)
            # A second debate at the same time, whose report comes back as the kit's filled CSV template.
            fields["title"] = "Débat de la Croix-Rousse"
            fields["venueName"] = "Salle de la Croix-Rousse"
            status, headers, body = http("POST", f"/consultations/{state['consultation']}/debats", fields)
            assert status == 303, (status, body[:800])
            state["second"] = re.search(r"/debats/(\d+)", headers["Location"]).group(1)

        @step("the report is refused before the debate, then its form opens once it has started")
        def _():
            d.get(base + f"debats/{state['debate']}/compte-rendu")
            see("pas encore eu lieu")
            wait = (state["start"] - datetime.datetime.now(ZoneInfo("Europe/Paris"))).total_seconds() + 2
            if wait > 0:
                time.sleep(wait)
            d.get(base + f"debats/{state['debate']}")
            d.find_element(By.PARTIAL_LINK_TEXT, "Déposer le compte rendu").click()
            see("Compte rendu du débat")

        @step("file the report through the form, with a photo of a sheet")
        def _():
            form = d.find_element(By.CSS_SELECTOR, "form.debate-report")
            form.find_element(By.ID, "attendance").send_keys("24")
            first = form.find_elements(By.CSS_SELECTOR, "table.debate-report-votes tbody tr")[0]
            inputs = first.find_elements(By.TAG_NAME, "input")
            for value, box in zip(["14", "6", "3"], inputs):
                box.send_keys(value)
            Select(form.find_element(By.ID, "argument-1-article")).select_by_index(1)
            form.find_element(By.CSS_SELECTOR, "input[name=argument_1_stance][value=against]").click()
            form.find_element(By.ID, "argument-1-text").send_keys("La salle craint que le texte oublie les petites communes.")
            form.find_element(By.ID, "synthesis").send_keys("Deux heures d'échanges nourris.")
            # the room's profile, in aggregate: folded until asked for
            form.find_element(By.CSS_SELECTOR, "details.debate-report-profile summary").click()
            form.find_element(By.NAME, "profile_sex_F").send_keys("13")
            form.find_element(By.NAME, "profile_sex_M").send_keys("10")
            photo = os.path.join(tmp, "feuille.png")
            with open(photo, "wb") as f:
                f.write(PNG)
            form.find_element(By.ID, "photos").send_keys(photo)
            form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
            see("Le compte rendu est déposé.")
            see("24 participant·es")
            see("Profil de la salle")
            see("Sans réponse : 1")
            table = d.find_element(By.CSS_SELECTOR, "table.debate-report-profile")
            assert "Femme" in table.text and "13" in table.text, table.text
            link = d.find_element(By.PARTIAL_LINK_TEXT, "feuille.png").get_attribute("href")
            status, headers, _ = http("GET", urllib.parse.urlparse(link).path)
            assert status == 200 and headers["Content-Disposition"].startswith("attachment"), (status, headers)
            assert headers["X-Content-Type-Options"] == "nosniff"

        @step("the article page shows the room's counts apart and the argument attributed to the debate")
        def _():
            d.find_element(By.CSS_SELECTOR, "table.debate-report-votes tbody a").click()
            see("Débats locaux")
            see("23 mains levées dans 1 débat(s)")
            see("Issu du débat local de Organisatrice")
            see("Votes sur Contribuez")
            see("La salle craint que le texte oublie les petites communes.")

        @step("the other debate's report is filed by uploading the kit's CSV template, filled in")
        def _():
            status, _, template = http("GET", f"/consultations/{state['consultation']}/kit/compte-rendu.csv")
            assert status == 200, status
            lines = [l for l in template.split("\r\n") if l]
            c = state["consultation"]
            lines[1] = f"attendance,{c},,,12,,,,,"
            vote = next(i for i, l in enumerate(lines) if l.startswith("vote,"))
            article = lines[vote].split(",")[2]
            lines[vote] = f"vote,{c},{article},,,7,3,2,,"
            lines.insert(len(lines) - 1, f'argument,{c},{article},,,,,,for,"Pour la salle, les communes rurales y gagnent aussi."')
            cadres = next(i for i, l in enumerate(lines) if l.startswith("profile,") and l.endswith(",pcs:cadres"))
            lines[cadres] = f"profile,{c},,Cadres,5,,,,,pcs:cadres"
            path = os.path.join(tmp, "compte-rendu.csv")
            with open(path, "w", encoding="utf-8", newline="") as f:
                f.write("\r\n".join(lines) + "\r\n")
            d.get(base + f"debats/{state['second']}/compte-rendu")
            form = d.find_element(By.CSS_SELECTOR, "form.debate-report-template")
            form.find_element(By.ID, "template").send_keys(path)
            form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
            see("Le compte rendu est déposé.")
            see("12 participant·es")
            see("Catégorie socioprofessionnelle")
            see("Sans réponse : 7")
            # Both debates' hands on the article, still apart from the online votes.
            d.get(base + f"articles/{article}")
            see("Débats locaux")
            see("dans 2 débat(s)")
            see("Pour la salle, les communes rurales y gagnent aussi.")

        @step("a second report is refused")
        def _():
            d.get(base + f"debats/{state['debate']}/compte-rendu")
            assert "/debats/" in d.current_url and "compte-rendu" not in d.current_url.split("#")[0], d.current_url

        passed, failed = run_steps(steps, d)
    except Exception:
        traceback.print_exc()
        failed += 1
    finally:
        finish(server, d, passed, failed)


if __name__ == "__main__":
    main()
