#!/usr/bin/env python3
"""Real-browser test of local debates (issue 15): headless Chromium, JavaScript disabled.

Starts `contribuez serve --demo` on a fresh database. An organiser signs up and declares a debate on the demo
consultation through the form; a second person registers; the organiser sees the registration; then the debate
kit is opened from the debates' list and printed to PDF by Chromium (Selenium's `print_page`, A4): the PDF is read
back and must have the cover, the guide, the text, one vote-sheet page per article of the consultation and the
report, with no navigation printed. Prints the closing line 'browser: N passed, M failed'.

    python3 Tests/browser/debates.py .build/debug/contribuez
"""
import base64, datetime, io, os, re, subprocess, sys, tempfile, unicodedata

from pypdf import PdfReader
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.common.print_page_options import PrintOptions
import common
from common import driver, finish, free_port, run_steps, serve, wait_up

binary = sys.argv[1] if len(sys.argv) > 1 else ".build/debug/contribuez"
shots = os.environ.get("CONTRIBUEZ_SCREENSHOTS")
PASSWORD = "un cheval de navigateur"
TITLE = "Débat du quartier des Pentes"


def main():
    port = free_port()
    base = f"http://127.0.0.1:{port}/"
    db = os.path.join(tempfile.mkdtemp(), "debates.sqlite")
    server = serve(binary, db, port, "--demo", "--synthesis-every", "0")
    passed, failed = 0, 0
    d = None
    state = {}
    try:
        wait_up(base)
        d = driver()
        d.implicitly_wait(5)

        def see(text, seconds=15):
            common.see(d, text, seconds)

        def shot(name):
            if shots:
                d.save_screenshot(os.path.join(shots, name))

        def sign_up(email, name):
            common.sign_up(d, base, email, name, PASSWORD)

        def consultation():
            d.get(base)
            link = d.find_element(By.CSS_SELECTOR, "a[href^='/consultations/']")
            m = re.search(r"/consultations/(\d+)", link.get_attribute("href"))
            assert m, link.get_attribute("href")
            state["c"] = m.group(1)

        def set_datetime(element_id, when):
            """Types a date and time into a datetime-local field as a person does: date, Tab, time. Chromium orders
            the date's fields by its locale (mm/dd here, dd/mm in some): the value read back says which one took."""
            el = d.find_element(By.ID, element_id)
            wanted = when.strftime("%Y-%m-%dT%H:%M")
            for order in ["%m%d%Y", "%d%m%Y"]:
                el.clear()
                d.find_element(By.ID, "title").click()
                el.send_keys(when.strftime(order))
                el.send_keys(Keys.TAB)
                el.send_keys(when.strftime("%H%M"))
                if el.get_attribute("value") == wanted:
                    return
            # NB: headless Chromium sometimes leaves the second datetime-local field's segments half-filled whatever the
            # keys; the value is then set the way the date picker would, so the test goes on to what it is about.
            d.execute_script("arguments[0].value = arguments[1]", el, wanted)
            assert el.get_attribute("value") == wanted, el.get_attribute("value")

        def declare():
            sign_up("orga-debat@example.fr", "Camille Anime")
            d.get(base + f"consultations/{state['c']}/debats")
            d.find_element(By.CSS_SELECTOR, f"a[href='/consultations/{state['c']}/debats/nouveau']").click()
            d.find_element(By.ID, "title").send_keys(TITLE)
            start = (datetime.datetime.now() + datetime.timedelta(days=10)).replace(hour=18, minute=30, second=0, microsecond=0)
            set_datetime("startsAt", start)
            set_datetime("endsAt", start + datetime.timedelta(hours=2))
            d.find_element(By.CSS_SELECTOR, "input[name=mode][value=venue]").click()
            d.find_element(By.ID, "venueName").send_keys("Maison des associations")
            d.find_element(By.ID, "address").send_keys("3 place Colbert")
            d.find_element(By.ID, "postcode").send_keys("69001")
            d.find_element(By.ID, "commune").send_keys("Lyon")
            d.find_element(By.CSS_SELECTOR, "input[name=stepFree][value=yes]").click()
            capacity = d.find_element(By.ID, "capacity")
            capacity.clear()
            capacity.send_keys("2")
            shot("debate-form.png")
            d.find_element(By.CSS_SELECTOR, "form.debate-form button[type=submit]").click()
            see(TITLE)
            see("Maison des associations")
            m = re.search(r"/debats/(\d+)", d.current_url)
            assert m, d.current_url
            state["debate"] = m.group(1)

        def register():
            sign_up("participe-debat@example.fr", "Dominique Vient")
            d.get(base + f"debats/{state['debate']}")
            d.find_element(By.CSS_SELECTOR, f"form[action='/debats/{state['debate']}/inscription'] button[type=submit]").click()
            see(f"/debats/{state['debate']}/desinscription")

        def organiser_sees_registration():
            d.delete_all_cookies()
            d.get(base + "signin")
            d.find_element(By.ID, "email").send_keys("orga-debat@example.fr")
            d.find_element(By.ID, "password").send_keys(PASSWORD)
            d.find_element(By.CSS_SELECTOR, "form.narrow button[type=submit]").click()
            see("Camille Anime")
            d.get(base + f"debats/{state['debate']}/inscrits")
            see("Dominique Vient")

        def kit_prints():
            d.get(base + f"consultations/{state['c']}/debats")
            d.find_element(By.CSS_SELECTOR, "a.kit-link").click()
            see("CC BY-SA 4.0")
            sheets = d.find_elements(By.CSS_SELECTOR, "section.vote-sheet")
            labels = [s.find_element(By.TAG_NAME, "h2").text for s in sheets]
            assert len(labels) >= 2, labels
            shot("debate-kit.png")
            options = PrintOptions()
            options.page_width = 21.0
            options.page_height = 29.7
            options.background = False
            pdf = base64.b64decode(d.print_page(options))
            assert pdf.startswith(b"%PDF"), pdf[:8]
            reader = PdfReader(io.BytesIO(pdf))
            pages = [(p.extract_text() or "") for p in reader.pages]
            # A4: 595 × 842 points.
            box = reader.pages[0].mediabox
            assert abs(float(box.width) - 595) < 3 and abs(float(box.height) - 842) < 3, (box.width, box.height)
            def norm(t):
                """What a reader sees: ligatures undone (NFKC: "ﬀ" → "ff"), one space, one case (the kickers are in capitals)."""
                return " ".join(unicodedata.normalize("NFKC", t).split()).casefold()
            flat = [norm(p) for p in pages]
            # Each article has its own vote-sheet page: the sheet's kicker, the article's heading, the show-of-hands table.
            for label in labels:
                key = norm(label)
                hits = [i for i, p in enumerate(flat) if p.startswith(norm("Fiche de vote ·")) and key in p and norm("Votes à main levée") in p]
                assert hits, f"no vote-sheet page for {key!r}; pages: " + repr([p[:120] for p in flat])
            sheet_pages = [i for i, p in enumerate(flat) if p.startswith(norm("Fiche de vote ·"))]
            assert len(sheet_pages) == len(labels), (len(sheet_pages), len(labels))
            assert any(p.startswith(norm("Guide d'animation")) for p in flat), "no guide page"
            assert any(p.startswith(norm("Compte rendu du débat")) for p in flat), "no report page"
            # Nothing of the screen's toolbar on paper.
            assert not any(norm("commande d'impression") in p for p in flat), "the toolbar was printed"
            assert len(pages) >= 3 + len(labels), len(pages)
            print(f"kit: {len(pages)} A4 pages, {len(labels)} vote sheets")

        steps = [
            ("the demo consultation is listed", consultation),
            ("an organiser declares a debate through the form", declare),
            ("a participant registers for it", register),
            ("the organiser sees the registration", organiser_sees_registration),
            ("the kit prints to an A4 PDF with a vote sheet per article, no navigation", kit_prints),
        ]
        passed, failed = run_steps(steps, d)
    except Exception:
        import traceback
        traceback.print_exc()
        failed += 1
    finish(server, d, passed, failed)


if __name__ == "__main__":
    main()
