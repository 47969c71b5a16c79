#!/usr/bin/env python3
"""Issue 13: a corpus of cross-site scripting payloads written through the real product into every field a
person writes, then every page that shows them rendered in headless Chromium WITH JavaScript on: nothing may run.

Starts `contribuez serve --demo` on a fresh database (rate limits off: it writes a lot). Seeds through the JSON
API (fast) and through the real forms in Chromium (sign-up with a payload name and a rejected payload e-mail,
a proposal, an argument): display names and organisations, proposals (title, text), amendments (text,
rationale), arguments, sources (URL, title, summary), report texts, moderator notes, official answers, and as an
organiser consultation titles, institutions and summaries, article titles, bodies and explanations, the closing
reason and text-version labels. Then visits every page showing them — public, participant and staff pages —
as the public and as the admin.

Every payload, if it ran, would call `__xss(n)`, `alert(n)` or change `document.title`. Before any page script,
a hook installed through the DevTools protocol (`Page.addScriptToEvaluateOnNewDocument`, which runs whatever the
page's CSP says) defines `__xss`, replaces alert/confirm/prompt, and listens to `securitypolicyviolation`: a
violation means markup got past the escaping and only the Content-Security-Policy stopped it, so it fails too.
Each page's DOM is also checked for what could run on a click: an `on…` or `style` attribute, a `javascript:`,
`vbscript:` or `data:` URL, a script, iframe, object, embed, base or frame element.
Prints the closing line 'browser: N passed, M failed'.

    python3 Tests/browser/xss.py .build/debug/contribuez
"""
import json, os, subprocess, sys, tempfile, time, urllib.parse

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait
from common import api, driver, finish, free_port, run_steps, SecondFactors, Steps, wait_up

binary = sys.argv[1] if len(sys.argv) > 1 else ".build/debug/contribuez"
PASSWORD = "un cheval de navigateur"
RLO, LRI, PDI, ZWJ = "\u202e", "\u2066", "\u2069", "\u200d"

# Each payload, if it ever ran, calls __xss(n) (or alert(n), or sets document.title), n being its number.
PAYLOADS = [
    "<script>__xss(0)</script>",
    "<img src=x onerror=__xss(1)>",
    "<svg onload=__xss(2)>",
    "<svg><script>__xss(3)</script></svg>",
    "\"><script>__xss(4)</script>",
    "'><img src=x onerror=__xss(5)>",
    "\" autofocus onfocus=\"__xss(6)\" x=\"",
    "' autofocus onfocus='__xss(7)' x='",
    "</textarea><script>__xss(8)</script>",
    "</title><script>__xss(9)</script>",
    "</script><script>__xss(10)</script>",
    "[clic](javascript:__xss(11))",
    "[clic](JaVaScRiPt:__xss(12))",
    "[clic](javascript&#58;__xss(13))",
    "[clic](  javascript:__xss(14))",
    "![image](x\" onerror=\"__xss(15))",
    "![image](javascript:__xss(16))",
    "[données](data:text/html;base64,PHNjcmlwdD5wYXJlbnQuX194c3MoMTcpPC9zY3JpcHQ+)",
    "<a href=\"javascript:__xss(18)\">lien</a>",
    "<iframe src=\"javascript:parent.__xss(19)\"></iframe>",
    "<iframe srcdoc=\"<script>parent.__xss(20)</script>\"></iframe>",
    "<object data=\"javascript:__xss(21)\"></object>",
    "<embed src=\"javascript:__xss(22)\">",
    "<div style=\"background:url(javascript:__xss(23))\">fond</div>",
    "<div style=\"width:expression(__xss(24))\">expression</div>",
    "<style>@import 'javascript:__xss(25)';</style>",
    "<body onload=__xss(26)>",
    "<details open ontoggle=__xss(27)>",
    "<input autofocus onfocus=__xss(28)>",
    "<marquee onstart=__xss(29)>défile</marquee>",
    "<video><source onerror=__xss(30)></video>",
    "<audio src=x onerror=__xss(31)>",
    "{{#x}}<script>__xss(32)</script>{{/x}} {{{raw}}} {{& raw}}",
    "{{constructor.constructor('__xss(33)')()}}",
    RLO + "<script>__xss(34)</script>" + RLO + "gnp.exe",
    LRI + "<img src=x onerror=__xss(35)>" + PDI + ZWJ,
    "&lt;script&gt;__xss(36)&lt;/script&gt;",
    "&#60;img src=x onerror=__xss(37)&#62;",
    "<scr<script>ipt>__xss(38)</scr</script>ipt>",
    "<a href=\"&#106;avascript:__xss(39)\">entité</a>",
    "<base href=\"javascript:__xss(40)//\">",
    "<form action=\"javascript:__xss(41)\"><button>envoyer</button></form>",
    "<math><mtext><table><mglyph><style><img src=x onerror=__xss(42)>",
    "<noscript><p title=\"</noscript><img src=x onerror=__xss(43)>\">",
    "<meta http-equiv=\"refresh\" content=\"0;url=javascript:__xss(44)\">",
    "javascript:__xss(45)",
    "data:text/html,<script>parent.__xss(46)</script>",
    "[x](https://example.org/\" onclick=\"__xss(47))",
    "<https://example.org/\"onmouseover=\"__xss(48)\">",
    "`<script>__xss(49)</script>` et ```<img src=x onerror=__xss(49)>```",
    "<svg><animate onbegin=__xss(50) attributeName=x dur=1s>",
    "<img src=\"x` `<script>__xss(51)</script>\"` `>",
    "\\\"-__xss(52)-\\\" ';__xss(52);//",
    "</style><script>__xss(53)</script>",
    "<!--<img src=\"--><img src=x onerror=__xss(54)//\">",
    "[réf][a]\n\n[a]: javascript:__xss(55)",
    "<svg><a xlink:href=\"javascript:__xss(56)\"><text x=\"20\" y=\"20\">svg</text></a></svg>",
    "<x onclick=__xss(57)>cliquez</x>",
    "<img src=x:alert(alt) onerror=eval(src) alt=58>",
    "<script>document.title=String.fromCharCode(80,87,78,69,68)</script>",
    "<a href=\"vbscript:__xss(60)\">vb</a>",
    "<img src=\"https://example.org/a.png\" onload=\"__xss(61)\">",
    "%3Cscript%3E__xss(62)%3C/script%3E",
    "<p onpointerenter=__xss(63) style=position:fixed;inset:0>plein écran</p>",
    "<template><script>__xss(64)</script></template><select><template><img src=x onerror=__xss(64)></template></select>",
]

HOOK = r"""
(() => {
  const key = '__xss_log';
  const record = (kind, detail) => {
    const entry = {kind: String(kind), detail: String(detail).slice(0, 300), url: String(location.href)};
    try { (window.top.__xssCalls = window.top.__xssCalls || []).push(entry); } catch (e) {}
    try { const l = JSON.parse(sessionStorage.getItem(key) || '[]'); l.push(entry); sessionStorage.setItem(key, JSON.stringify(l)); } catch (e) {}
  };
  window.__xss = (n) => record('xss', n);
  window.alert = (m) => record('alert', m);
  window.confirm = (m) => { record('confirm', m); return false; };
  window.prompt = (m) => { record('prompt', m); return null; };
  document.addEventListener('securitypolicyviolation',
    (e) => record('csp', e.violatedDirective + ' ' + e.blockedURI + ' ' + (e.sample || '')), true);
})();
"""

# Run in the page after it loaded: what could still run on a click, or is there when it should not be.
DOM_CHECK = r"""
const bad = [];
const urlAttrs = ['href', 'src', 'action', 'formaction', 'xlink:href', 'data', 'poster', 'background', 'srcdoc', 'codebase', 'lowsrc', 'dynsrc'];
for (const el of document.querySelectorAll('*')) {
  const tag = el.tagName.toLowerCase();
  if (['script', 'iframe', 'object', 'embed', 'base', 'frame', 'frameset', 'applet'].includes(tag)) bad.push('element <' + tag + '>');
  if (tag === 'meta' && (el.getAttribute('http-equiv') || '').toLowerCase() === 'refresh') bad.push('meta refresh');
  if (tag === 'style' || (tag === 'link' && !/^\/static\//.test(el.getAttribute('href') || ''))) bad.push('element <' + tag + '> ' + (el.getAttribute('href') || ''));
  for (const a of el.attributes) {
    const n = a.name.toLowerCase(), v = a.value;
    if (n.startsWith('on')) bad.push('<' + tag + ' ' + n + '="' + v.slice(0, 60) + '">');
    if (n === 'style') bad.push('<' + tag + ' style="' + v.slice(0, 60) + '">');
    if (urlAttrs.includes(n) && /^[\s\u0000-\u001f]*(javascript|vbscript|data|livescript)\s*:/i.test(v)) {
      if (!(tag === 'img' && n === 'src' && /^data:image\/(png|gif|jpeg|webp);/i.test(v))) bad.push('<' + tag + ' ' + n + '="' + v.slice(0, 60) + '">');
    }
  }
}
if (/PWNED/.test(document.title)) bad.push('document.title = ' + document.title);
return bad;
"""


def main():
    port = free_port()
    base = f"http://127.0.0.1:{port}/"
    db = os.path.join(tempfile.mkdtemp(), "xss.sqlite")
    server = subprocess.Popen([binary, "serve", "--database", db, "--port", str(port), "--bcrypt-cost", "4", "--form-min-seconds", "0", "--synthesis-every", "0",
                               "--demo", "--no-rate-limits"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    passed, failed = 0, 0
    d = None
    state = {"pages": [], "staff_pages": [], "refused": [], "contributions": [], "participants": []}
    try:
        wait_up(base)
        d = driver(javascript=True)
        d.implicitly_wait(2)
        d.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": HOOK})
        factors = SecondFactors(d, base)

        steps = Steps()
        step = steps

        def call(method, path, token=None, body=None, expect=(200, 201, 204), what=""):
            status, data = api(base, method, path, token=token, json_body=body)
            if status not in expect:
                state["refused"].append(f"{method} {path} {what} → {status}: {str(data)[:200]}")
            return status, data

        def pad(p, n=3):
            return p if len(p.strip()) >= n else p + " ···"

        def visit(path):
            """Loads one page; returns what ran there and what the DOM holds that could run."""
            d.get(base + path.lstrip("/"))
            time.sleep(0.05)
            calls = d.execute_script("return window.__xssCalls || []")
            bad = d.execute_script(DOM_CHECK)
            return calls, bad

        def visit_all(paths, who):
            problems = []
            for path in paths:
                calls, bad = visit(path)
                for c in calls:
                    problems.append(f"{who} {path}: ran {c['kind']} {c['detail']}")
                for b in bad:
                    problems.append(f"{who} {path}: {b}")
            late = d.execute_script("return JSON.parse(sessionStorage.getItem('__xss_log') || '[]')")
            for c in late:
                problems.append(f"{who} {c['url']}: ran {c['kind']} {c['detail']} (recorded across navigations)")
            d.execute_script("sessionStorage.removeItem('__xss_log')")
            print(f"   {len(paths)} pages rendered as {who}")
            assert not problems, f"{len(problems)} problem(s):\n" + "\n".join(sorted(set(problems))[:80])

        @step(f"the corpus has at least 50 payloads ({len(PAYLOADS)}) and the hook reports a deliberate call (the detector works)")
        def _():
            assert len(PAYLOADS) >= 50
            d.get(base)
            d.execute_script("__xss('selftest')")
            calls = d.execute_script("return window.__xssCalls || []")
            assert [c["kind"] for c in calls] == ["xss"], calls
            d.execute_script("sessionStorage.removeItem('__xss_log')")

        @step("the detector catches a planted injection: the corpus unescaped runs without the product's CSP, is blocked and reported with it")
        def _():
            import http.server, threading, urllib.request
            with urllib.request.urlopen(base, timeout=10) as r:
                csp = r.headers["Content-Security-Policy"]
            assert csp, "the product sends a CSP"
            planted = ("<!doctype html><html><head><title>planted</title></head><body>" + "\n".join(PAYLOADS) + "</body></html>").encode()

            class Planted(http.server.BaseHTTPRequestHandler):
                def do_GET(self):
                    self.send_response(200)
                    self.send_header("Content-Type", "text/html; charset=utf-8")
                    if self.path.startswith("/csp"):
                        self.send_header("Content-Security-Policy", csp)
                    self.end_headers()
                    self.wfile.write(planted)

                def log_message(self, *args):
                    pass

            httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Planted)
            threading.Thread(target=httpd.serve_forever, daemon=True).start()
            try:
                other = f"http://127.0.0.1:{httpd.server_address[1]}/"
                d.get(other + "open")
                time.sleep(0.5)
                ran = d.execute_script("return window.__xssCalls || []")
                d.get(other + "csp")
                time.sleep(0.5)
                blocked = d.execute_script("return window.__xssCalls || []")
                bad = d.execute_script(DOM_CHECK)
            finally:
                httpd.shutdown()
            assert len([c for c in ran if c["kind"] in ("xss", "alert")]) >= 5, ran
            assert not [c for c in blocked if c["kind"] in ("xss", "alert")], f"the product's CSP lets planted markup run: {blocked}"
            assert len([c for c in blocked if c["kind"] == "csp"]) >= 5, blocked
            assert len(bad) >= 10, bad

        @step("through the forms: a rejected sign-up echoes payloads into its fields, a sign-up with a payload name, a proposal and an argument")
        def _():
            d.get(base + "signup")
            d.find_element(By.ID, "email").send_keys("\"><svg onload=__xss(900)>@x")
            d.find_element(By.ID, "password").send_keys("court")
            d.execute_script("arguments[0].value = arguments[1]", d.find_element(By.ID, "displayName"), PAYLOADS[4][:80])
            d.find_element(By.CSS_SELECTOR, "input[name=kind][value=association]").click()
            d.execute_script("arguments[0].value = arguments[1]", d.find_element(By.ID, "organization"), PAYLOADS[8])
            d.execute_script("arguments[0].removeAttribute('minlength'); arguments[0].form.noValidate = true", d.find_element(By.ID, "password"))
            time.sleep(3)  # NB: public forms may ask for a minimum fill time (issue 13's abuse resistance).
            d.find_element(By.CSS_SELECTOR, "form.narrow button[type=submit]").click()
            calls = d.execute_script("return window.__xssCalls || []")
            bad = d.execute_script(DOM_CHECK)
            assert "signup" in d.current_url, d.current_url
            assert not calls and not bad, (calls, bad)
            d.get(base + "signup")
            d.find_element(By.ID, "email").send_keys("formulaire-xss@example.fr")
            d.find_element(By.ID, "password").send_keys(PASSWORD)
            d.execute_script("arguments[0].value = arguments[1]", d.find_element(By.ID, "displayName"), PAYLOADS[1][:80])
            d.find_element(By.CSS_SELECTOR, "input[name=kind][value=association]").click()
            d.execute_script("arguments[0].value = arguments[1]", d.find_element(By.ID, "organization"), PAYLOADS[2])
            time.sleep(3)
            d.find_element(By.CSS_SELECTOR, "form.narrow button[type=submit]").click()
            WebDriverWait(d, 15).until(lambda drv: "Se déconnecter" in drv.page_source)
            status, consultations = api(base, "GET", "/consultations")
            demo = consultations["items"][0]["id"] if isinstance(consultations, dict) and "items" in consultations else consultations[0]["id"]
            state["demo"] = demo
            d.get(base + f"consultations/{demo}/proposals")
            d.execute_script("arguments[0].value = arguments[1]", d.find_element(By.ID, "proposal-title"), "Par formulaire " + PAYLOADS[9])
            d.execute_script("arguments[0].value = arguments[1]", d.find_element(By.ID, "proposal-text"), "\n\n".join(PAYLOADS))
            d.find_element(By.ID, "proposal-text").find_element(By.XPATH, "./ancestor::form").submit()
            WebDriverWait(d, 15).until(lambda drv: "/contributions/" in drv.current_url)
            state["form_proposal"] = d.current_url.split("?")[0].replace(base, "/")
            d.get(base + state["form_proposal"].lstrip("/"))
            form = d.find_element(By.ID, "argument-text").find_element(By.XPATH, "./ancestor::form")
            d.execute_script("arguments[0].open = true", form.find_element(By.XPATH, "./ancestor::details"))
            form.find_element(By.CSS_SELECTOR, "input[name=stance][value=against]").click()
            d.execute_script("arguments[0].value = arguments[1]", d.find_element(By.ID, "argument-text"), "\n".join(PAYLOADS)[:2000])
            form.submit()
            WebDriverWait(d, 15).until(lambda drv: "publiée" in drv.page_source or "publié" in drv.page_source)

        @step("through the API: one account per payload (name, organisation), each writing a proposal, an amendment, an argument and a source")
        def _():
            demo = state["demo"]
            status, c = api(base, "GET", f"/consultations/{demo}")
            articles = [a for s in c.get("sections", []) for a in s.get("articles", [])] or c.get("articles", [])
            if not articles:
                # NB: the consultation document may list sections without their articles; read them from the page's links.
                d.get(base + f"consultations/{demo}")
                links = [e.get_attribute("href") for e in d.find_elements(By.CSS_SELECTOR, "a[href*='/articles/']")]
                ids = sorted({int(h.split("/articles/")[1].split("/")[0].split("?")[0].split("#")[0]) for h in links if h.split("/articles/")[1][:1].isdigit()})
                articles = [{"id": i} for i in ids]
            assert articles, c
            state["articles"] = [a["id"] for a in articles]
            for i, p in enumerate(PAYLOADS):
                email = f"xss{i}@example.fr"
                body = {"email": email, "password": PASSWORD, "displayName": p[:80] if p.strip() else f"vide {i}",
                        "kind": "association" if i % 2 == 0 else "citizen"}
                if i % 2 == 0:
                    body["organization"] = p[:160]
                status, created = call("POST", "/accounts", body=body, expect=(201,), what=f"payload {i}")
                if status != 201:
                    body["displayName"] = f"Participant {i}"
                    body.pop("organization", None)
                    body["kind"] = "citizen"
                    status, created = call("POST", "/accounts", body=body, expect=(201,))
                    assert status == 201, created
                status, session = call("POST", "/sessions", body={"email": email, "password": PASSWORD}, expect=(201,))
                token = session["token"]
                state["participants"].append((created["id"], token))
                article = state["articles"][i % len(state["articles"])]
                status, proposal = call("POST", f"/consultations/{demo}/proposals", token, {"title": pad(p[:250]), "text": p}, expect=(201,), what=f"proposal {i}")
                if status == 201:
                    state["contributions"].append(proposal["id"])
                status, a = api(base, "GET", f"/articles/{article}")
                status, amendment = call("POST", f"/articles/{article}/amendments", token,
                                         {"text": (a.get("body", "") if isinstance(a, dict) else "") + "\n\n" + p, "rationale": p}, expect=(201,), what=f"amendment {i}")
                if status == 201:
                    state["contributions"].append(amendment["id"])
                status, argument = call("POST", f"/articles/{article}/arguments", token, {"stance": "for", "text": pad(p)}, expect=(201,), what=f"argument {i}")
                if status == 201:
                    state["contributions"].append(argument["id"])
                url = p if p.startswith(("javascript:", "data:")) else "https://example.org/?q=" + urllib.parse.quote(p)
                status, source = call("POST", f"/articles/{article}/sources", token, {"url": url, "title": pad(p[:250]), "summary": p}, expect=(201,), what=f"source {i}")
                if status != 201:
                    status, source = call("POST", f"/articles/{article}/sources", token, {"url": "https://example.org/" + str(i), "title": pad(p[:250]), "summary": p}, expect=(201,))
                if status == 201:
                    state["contributions"].append(source["id"])
            assert len(state["contributions"]) >= 3 * len(PAYLOADS), (len(state["contributions"]), state["refused"][:10])
            print(f"   {len(state['contributions'])} contributions; {len(state['refused'])} writes refused by validation (fine): "
                  + "; ".join(r[:90] for r in state["refused"][:6]))

        @step("as staff: report texts, moderator notes, official answers; as an organiser: consultation title, institution, summary, article titles and texts, closing reason, version labels")
        def _():
            state["refused"].clear()
            status, _ = call("POST", "/accounts", body={"email": "staff-xss@example.fr", "password": PASSWORD, "displayName": "Équipe", "kind": "citizen"}, expect=(201,))
            done = subprocess.run([binary, "grant", "staff-xss@example.fr", "admin", "--database", db], capture_output=True, text=True, timeout=60)
            assert done.returncode == 0, done.stderr
            # staff act as staff only after two-factor authentication (issue 13): enrol through the pages first
            d.delete_all_cookies()
            d.get(base + "signin")
            d.find_element(By.ID, "email").send_keys("staff-xss@example.fr")
            d.find_element(By.ID, "password").send_keys(PASSWORD)
            d.find_element(By.CSS_SELECTOR, "form[action='/signin'] button[type=submit]").click()
            factors.after_password("staff-xss@example.fr")
            assert "staff-xss@example.fr" in factors.accounts, "the admin was not asked to enrol"
            d.delete_all_cookies()
            status, session = call("POST", "/sessions", body={"email": "staff-xss@example.fr", "password": PASSWORD,
                                                              "code": factors.code("staff-xss@example.fr")}, expect=(201,))
            staff = session["token"]
            state["staff"] = staff
            tokens = [t for _, t in state["participants"]]
            contributions = state["contributions"]
            for i, p in enumerate(PAYLOADS):
                target = contributions[(4 * i + 5) % len(contributions)]
                call("POST", f"/contributions/{target}/reports", tokens[i], {"reason": "other", "text": pad(p)}, expect=(201, 409), what=f"report {i}")
            for i, p in enumerate(PAYLOADS):
                target = contributions[4 * i]
                call("PUT", f"/contributions/{target}/answer", staff, {"status": "retenue", "text": pad(p)}, what=f"answer {i}")
            for i, p in enumerate(PAYLOADS[:30]):
                target = contributions[4 * i + 2]
                call("POST", f"/contributions/{target}/moderation", staff, {"action": "hide", "reason": "spam", "note": pad(p)}, what=f"hide {i}")
            for i, p in enumerate(PAYLOADS[:10]):
                target = contributions[4 * i + 2]
                call("POST", f"/contributions/{target}/moderation", staff, {"action": "restore", "reason": "spam", "note": pad(p)}, what=f"restore {i}")
            # the organiser's side: a consultation made of payloads, published, then closed with a payload reason
            def text(labels):
                lines = ["# Titre " + PAYLOADS[0], ""]
                for n, p in enumerate(labels, start=1):
                    lines += [f"### Article {n} — {p.splitlines()[0][:200]}", "", p, "", "Exposé des motifs : " + p, ""]
                return "\n".join(lines)
            state["consultations"] = []
            for i, p in enumerate(PAYLOADS):
                status, c = call("POST", "/consultations", staff, {
                    "title": pad(p[:250]), "institution": pad(p[:160], 2), "summary": "\n\n".join(PAYLOADS) if i == 0 else p,
                    "opensAt": "2025-10-01T09:00:00Z", "closesAt": "2027-12-01T18:00:00Z"}, expect=(201,), what=f"consultation {i}")
                if status != 201:
                    status, c = call("POST", "/consultations", staff, {"title": f"Consultation {i}", "institution": "Ville", "summary": p,
                                                                      "opensAt": "2025-10-01T09:00:00Z", "closesAt": "2027-12-01T18:00:00Z"}, expect=(201,))
                cid = c["id"]
                state["consultations"].append(cid)
                status, _ = api(base, "PUT", f"/consultations/{cid}/text", token=staff, body=text(PAYLOADS if i == 0 else [p]), content_type="text/markdown")
                if status != 200:
                    state["refused"].append(f"text {i} → {status}")
                    api(base, "PUT", f"/consultations/{cid}/text", token=staff, body="### Article 1 — Un\n\nTexte.\n", content_type="text/markdown")
                if i % 3 != 2:
                    call("POST", f"/consultations/{cid}/publish", staff, {}, what=f"publish {i}")
            main = state["consultations"][0]
            status, c = api(base, "GET", f"/consultations/{main}", token=staff)
            call("POST", f"/consultations/{main}/close", staff, {"reason": pad(PAYLOADS[4])}, what="close")
            for i, p in enumerate(PAYLOADS[:20]):
                label = urllib.parse.quote(pad(p[:120], 2))
                status, v = api(base, "POST", f"/consultations/{main}/versions?label={label}", token=staff, body=text(PAYLOADS[:5]), content_type="text/markdown")
                if status != 201:
                    state["refused"].append(f"version {i} → {status}: {str(v)[:120]}")
            # followers get notifications whose text quotes the payloads
            for cid in state["contributions"][:8]:
                api(base, "PUT", f"/follows/contribution/{cid}", token=tokens[0])
            for i, cid in enumerate(state["contributions"][:8]):
                api(base, "PUT", f"/contributions/{cid}/answer", token=staff, json_body={"status": "a_l_etude", "text": pad(PAYLOADS[-1 - i])})
            print(f"   {len(state['refused'])} staff writes refused (fine): " + "; ".join(r[:90] for r in state["refused"][:6]))

        def public_paths():
            demo = state["demo"]
            paths = ["/", f"/consultations/{demo}", f"/consultations/{demo}/moderation", f"/consultations/{demo}/suivi",
                     f"/consultations/{demo}/engagements", f"/consultations/{demo}/synthese", "/signin", "/signup",
                     "/nulle-part/" + urllib.parse.quote(PAYLOADS[4]), f"/consultations/{demo}/proposals?page=" + urllib.parse.quote(PAYLOADS[6])]
            for page in range(1, 2 + (len(PAYLOADS) + 1) // 20 + 1):
                paths.append(f"/consultations/{demo}/proposals?page={page}")
            paths += [f"/articles/{a}" for a in state["articles"]]
            paths += [f"/articles/{a}/versions" for a in state["articles"][:3]]
            for cid in state["consultations"]:
                paths += [f"/consultations/{cid}"]
            main = state["consultations"][0]
            paths += [f"/consultations/{main}/proposals", f"/consultations/{main}/suivi", f"/consultations/{main}/engagements"]
            return paths

        @step("every public page showing the payloads, as the public: nothing runs, no CSP violation, nothing clickable that would run")
        def _():
            d.delete_all_cookies()
            visit_all(public_paths(), "public")

        @step("every contribution page and every author's page, as the public")
        def _():
            paths = [f"/contributions/{c}" for c in state["contributions"]] + [state["form_proposal"]]
            paths += [f"/participants/{p}" for p, _ in state["participants"]]
            visit_all(paths, "public")

        @step("signed in through the form as the admin: the same pages plus moderation queue, audit journal, roles, organiser, answer and version pages")
        def _():
            d.get(base + "signin")
            d.find_element(By.ID, "email").send_keys("staff-xss@example.fr")
            d.find_element(By.ID, "password").send_keys(PASSWORD)
            d.find_element(By.CSS_SELECTOR, "form[action='/signin'] button[type=submit]").click()
            factors.after_password("staff-xss@example.fr")
            WebDriverWait(d, 15).until(lambda drv: "Se déconnecter" in drv.page_source)
            demo, main = state["demo"], state["consultations"][0]
            paths = public_paths() + ["/admin", "/admin/journal", f"/consultations/{demo}/moderation/file", f"/consultations/{demo}/roles",
                                      f"/consultations/{demo}/organiser", f"/consultations/{main}/organiser", f"/consultations/{main}/roles",
                                      f"/consultations/{main}/versions/nouvelle", f"/consultations/{demo}/representativite",
                                      "/consultations/nouvelle", "/profil", "/compte", "/notifications"]
            paths += [f"/consultations/{c}/organiser" for c in state["consultations"][1:]]
            status, versions = api(base, "GET", f"/consultations/{main}/versions", token=state["staff"])
            items = versions.get("items", versions.get("versions", [])) if isinstance(versions, dict) else (versions or [])
            paths += [f"/versions/{v['id']}/reprises" for v in items if isinstance(v, dict) and "id" in v]
            status, c = api(base, "GET", f"/consultations/{main}", token=state["staff"])
            paths += [f"/articles/{a}/modifier" for a in state["articles"][:2]]
            visit_all(paths, "admin")

        @step("as the admin: every contribution page (with the answer and moderation forms) and every author's page")
        def _():
            paths = [f"/contributions/{c}" for c in state["contributions"]] + [f"/participants/{p}" for p, _ in state["participants"]]
            visit_all(paths, "admin")

        @step("as the first payload-named participant: their notifications, profile and account pages")
        def _():
            d.delete_all_cookies()
            d.get(base + "signin")
            d.find_element(By.ID, "email").send_keys("xss0@example.fr")
            d.find_element(By.ID, "password").send_keys(PASSWORD)
            d.find_element(By.CSS_SELECTOR, "form[action='/signin'] button[type=submit]").click()
            WebDriverWait(d, 15).until(lambda drv: "Se déconnecter" in drv.page_source)
            visit_all(["/notifications", "/notifications/preferences", "/profil", "/profil?etape=questionnaire", "/compte", "/"], "participant")

        passed, failed = run_steps(steps, d)
    except Exception:
        import traceback
        traceback.print_exc()
        failed += 1
    finish(server, d, passed, failed)


if __name__ == "__main__":
    main()
