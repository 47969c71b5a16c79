"""What the browser tests share: a free port, the wait for the server, headless Chromium without
JavaScript (Debian's chromium + chromium-driver), and running named steps to a closing line."""
import os, socket, sys, time, traceback, urllib.error, urllib.request

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
