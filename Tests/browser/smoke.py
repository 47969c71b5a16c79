#!/usr/bin/env python3
"""Real-browser smoke test: headless Chromium (Debian's chromium + chromium-driver) driven by Selenium.

Starts `contribuez serve --demo` on a fresh database, then, as a person would: signs up, votes on an
article, proposes an amendment and sees it listed, with JavaScript disabled (the product works without it).
Prints the plain closing line 'N passed, N failed'.

    python3 Tests/browser/smoke.py .build/debug/contribuez
"""
import os, subprocess, sys, tempfile, traceback

from selenium.webdriver.common.by import By
from common import driver, finish, free_port, run_steps, Steps, wait_up
from selenium.webdriver.support.ui import WebDriverWait

binary = sys.argv[1] if len(sys.argv) > 1 else ".build/debug/contribuez"
shots = os.environ.get("CONTRIBUEZ_SCREENSHOTS")


def main():
    port = free_port()
    base = f"http://127.0.0.1:{port}/"
    db = os.path.join(tempfile.mkdtemp(), "smoke.sqlite")
    server = subprocess.Popen([binary, "serve", "--demo", "--database", db, "--port", str(port), "--bcrypt-cost", "4", "--form-min-seconds", "0"],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    passed, failed = 0, 0
    d = None
    try:
        wait_up(base)
        d = driver()
        d.implicitly_wait(5)

        def see(text, seconds=15):
            """Waits for the text to be on the page (a form post navigates asynchronously)."""
            try:
                WebDriverWait(d, seconds).until(lambda drv: text in drv.page_source)
            except Exception:
                raise AssertionError(f"not on the page after {seconds}s: {text!r}")
        steps = Steps()
        step = steps

        @step("home lists the demo consultation")
        def _():
            d.get(base)
            see("Pour une République numérique (démonstration)")

        @step("sign up")
        def _():
            d.get(base + "signup")
            d.find_element(By.ID, "email").send_keys("navigateur@example.fr")
            d.find_element(By.ID, "password").send_keys("un cheval de navigateur")
            d.find_element(By.ID, "displayName").send_keys("Navigatrice")
            d.find_element(By.CSS_SELECTOR, "input[name=kind][value=citizen]").click()
            d.find_element(By.CSS_SELECTOR, "form.narrow button[type=submit]").click()
            see("Navigatrice")

        @step("vote on the first article")
        def _():
            d.get(base)
            d.find_element(By.CSS_SELECTOR, "article.card h2 a").click()
            d.find_element(By.CSS_SELECTOR, "ol.articles h4 a").click()
            d.find_element(By.CSS_SELECTOR, "form.vote input[value=disagree]").click()
            d.find_element(By.CSS_SELECTOR, "form.vote button[type=submit]").click()
            see("Votre vote est enregistré.")
            see("Votre vote actuel : Pas d’accord")

        @step("propose an amendment and see it listed with its diff")
        def _():
            d.find_element(By.CSS_SELECTOR, "#modifications ~ details.form-box summary, details.form-box summary").click()
            text = d.find_element(By.ID, "amendment-text")
            current = text.get_attribute("value")
            text.clear()
            text.send_keys(current.replace("diffusent publiquement", "publient sans délai", 1))
            d.find_element(By.ID, "amendment-rationale").send_keys("Une rédaction plus directe.")
            text.find_element(By.XPATH, "./ancestor::form").find_element(By.CSS_SELECTOR, "button[type=submit]").click()
            see("Votre contribution est publiée.")
            see("Une rédaction plus directe.")
            d.find_element(By.PARTIAL_LINK_TEXT, "Retour à l’article").click()
            see("Modification proposée par Navigatrice")
            assert d.find_elements(By.CSS_SELECTOR, ".diff ins"), "no <ins> in the diff"
            if shots:
                d.save_screenshot(os.path.join(shots, "article.png"))

        passed, failed = run_steps(steps, d)
    except Exception:
        traceback.print_exc()
        failed += 1
    finally:
        finish(server, d, passed, failed)


if __name__ == "__main__":
    main()
