"""What the browser tests share: a free port, the wait for the server, headless Chromium without
JavaScript (Debian's chromium + chromium-driver), and running named steps to a closing line."""
import base64, hashlib, hmac, os, socket, struct, subprocess, sys, time, traceback, urllib.error, urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def serve(binary, db, port, *flags):
    """`contribuez serve` on `db` with the tests' settings (bcrypt cost 4, no minimum time on forms) and `flags`."""
    return subprocess.Popen([binary, "serve", "--database", db, "--port", str(port), "--bcrypt-cost", "4", "--form-min-seconds", "0", *flags],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def wait_up(url, seconds=60):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url + "health", timeout=2)
            return
        except Exception:
            time.sleep(0.3)
    raise RuntimeError("server did not start at " + url)


def driver(javascript=False):
    """Headless Chromium; JavaScript off unless `javascript` (xss.py needs it on, to see whether anything runs)."""
    opts = Options()
    for arg in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1280,1600", "--lang=fr-FR"]:
        opts.add_argument(arg)
    prefs = {"intl.accept_languages": "fr-FR,fr"}
    if not javascript:
        prefs["profile.managed_default_content_settings.javascript"] = 2
    opts.add_experimental_option("prefs", prefs)
    for path in ["/usr/bin/chromium", "/usr/bin/chromium-browser"]:
        if os.path.exists(path):
            opts.binary_location = path
    service = Service("/usr/bin/chromedriver") if os.path.exists("/usr/bin/chromedriver") else Service()
    return webdriver.Chrome(service=service, options=opts)


def totp(secret, step):
    """RFC 6238 (SHA-1, 6 digits, 30 s) from the base32 secret the enrolment page shows, spaces allowed."""
    text = secret.replace(" ", "").upper()
    key = base64.b32decode(text + "=" * (-len(text) % 8))
    mac = hmac.new(key, struct.pack(">Q", step), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    return f"{(struct.unpack('>I', mac[offset:offset + 4])[0] & 0x7FFFFFFF) % 1_000_000:06d}"


class SecondFactors:
    """Staff accounts' second factors (issue 13), enrolled through the pages as a person would: the secret is read
    from the page, codes are computed here. The server accepts each time step once and one step of drift, so a
    second sign-in within 30 seconds uses the next step, and after that a recovery code."""

    def __init__(self, d, base):
        self.d, self.base, self.accounts = d, base, {}

    def enrol(self, email):
        d = self.d
        d.get(self.base + "compte/double-authentification")
        d.find_element(By.CSS_SELECTOR, "form[action='/compte/double-authentification/debut'] button[type=submit]").click()
        secret = d.find_element(By.CSS_SELECTOR, "code.secret").text
        step = int(time.time()) // 30
        d.find_element(By.ID, "code").send_keys(totp(secret, step))
        d.find_element(By.CSS_SELECTOR, "form[action='/compte/double-authentification'] button[type=submit]").click()
        codes = [e.text for e in d.find_elements(By.CSS_SELECTOR, "ol.recovery-codes code")]
        assert len(codes) == 10, d.find_element(By.TAG_NAME, "main").text[:500]
        self.accounts[email] = {"secret": secret, "last": step, "codes": codes}

    def code(self, email):
        a = self.accounts[email]
        now = int(time.time()) // 30
        step = max(now, a["last"] + 1)
        if step <= now + 1:
            a["last"] = step
            return totp(a["secret"], step)
        return a["codes"].pop()

    def after_password(self, email):
        """After the password form: gives a code when asked, and enrols when the page says staff roles need it."""
        d = self.d
        deadline = time.time() + 15
        while d.current_url.rstrip("/").endswith("/signin") and time.time() < deadline:
            time.sleep(0.1)
        if d.current_url.endswith("/connexion/code"):
            d.find_element(By.ID, "code").send_keys(self.code(email))
            d.find_element(By.CSS_SELECTOR, "form[action='/connexion/code'] button[type=submit]").click()
        if d.find_elements(By.CSS_SELECTOR, ".staff-notice"):
            self.enrol(email)
            d.get(self.base)
            assert not d.find_elements(By.CSS_SELECTOR, ".staff-notice"), "staff roles still withheld after enrolment"


def see(d, text, seconds=15):
    """Waits for the text to be on the page (a form post navigates asynchronously)."""
    from selenium.webdriver.support.ui import WebDriverWait
    try:
        WebDriverWait(d, seconds).until(lambda drv: text in drv.page_source)
    except Exception:
        raise AssertionError(f"not on the page after {seconds}s: {text!r}")


def sign_up(d, base, email, name, password):
    """Signs up through the form as a citizen, from a blank session, and waits for the name in the header."""
    d.delete_all_cookies()
    d.get(base + "signup")
    d.find_element(By.ID, "email").send_keys(email)
    d.find_element(By.ID, "password").send_keys(password)
    d.find_element(By.ID, "displayName").send_keys(name)
    d.find_element(By.CSS_SELECTOR, "input[name=kind][value=citizen]").click()
    d.find_element(By.CSS_SELECTOR, "form.narrow button[type=submit]").click()
    see(d, name)


class Steps(list):
    """Named steps in order, for `run_steps`: `@steps("name")` above a function adds it under that name."""

    def __call__(self, name):
        def wrap(f):
            self.append((name, f))
            return f
        return wrap


def run_steps(steps, d):
    """Runs (name, function) steps in order, stopping at the first failure; returns (passed, failed)."""
    passed, failed = 0, 0
    for name, f in steps:
        try:
            f()
            passed += 1
            print(f"ok - {name}")
        except Exception:
            failed += 1
            print(f"FAILED - {name}")
            traceback.print_exc()
            print("page:", d.current_url, d.title)
            print(d.find_element(By.TAG_NAME, "main").text[:1500] if d.find_elements(By.TAG_NAME, "main") else d.page_source[:1500])
            break
    return passed, len(steps) - passed


def finish(server, d, passed, failed):
    """Closes the browser and the server, prints the closing line and exits."""
    if d:
        d.quit()
    server.terminate()
    try:
        out, _ = server.communicate(timeout=10)
    except Exception:
        server.kill()
        out = b""
    if failed:
        print(out.decode(errors="replace")[-3000:])
    print(f"browser: {passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


# Bearer tokens replaced by the server (issue 13: a role change gives a new token in Contribuez-Session-Token and the
# old one stops working). Like a well-behaved client, api() sends the latest token for the one the caller holds.
_ROTATED = {}


def current_token(token):
    while token in _ROTATED:
        token = _ROTATED[token]
    return token


def api(base, method, path, token=None, json_body=None, body=None, content_type="application/json"):
    """One call of the JSON API; returns (status, parsed JSON or text). Errors are answers, not exceptions."""
    import json as _json
    token = current_token(token) if token else token
    data = None
    headers = {}
    if json_body is not None:
        data = _json.dumps(json_body).encode()
        headers["Content-Type"] = "application/json"
    elif body is not None:
        data = body.encode() if isinstance(body, str) else body
        headers["Content-Type"] = content_type
    if token:
        headers["Authorization"] = "Bearer " + token
    req = urllib.request.Request(base.rstrip("/") + "/api/v1" + path, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            status, raw, replaced = r.status, r.read(), r.headers.get("Contribuez-Session-Token")
    except urllib.error.HTTPError as e:
        status, raw, replaced = e.code, e.read(), e.headers.get("Contribuez-Session-Token")
    if token and replaced:
        _ROTATED[token] = replaced
    text = raw.decode(errors="replace")
    try:
        return status, _json.loads(text) if text else None
    except ValueError:
        return status, text
