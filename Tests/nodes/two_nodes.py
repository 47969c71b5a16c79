#!/usr/bin/env python3
"""Two stateless nodes on one PostgreSQL database (issue 11): starts two `contribuez serve` processes on
free loopback ports over a fresh database (created through the admin URL, dropped at the end), loads the
demo through the first, signs up and signs in on node A, votes on node B with the same session token and
sees one tally on both; then sends N concurrent identical votes of one participant, split over both
nodes, and checks exactly one live vote and one log event are stored. Bounded in time; stdlib only; the
database is read with `psql -At`.

    python3 Tests/nodes/two_nodes.py .build/debug/contribuez [--database postgres://…] [--votes 1000]

The admin URL defaults to CONTRIBUEZ_TEST_POSTGRES_URL (scripts/with-postgres sets it).
Prints 'nodes: N passed, M failed'.
"""
import argparse, glob, json, os, secrets, shutil, signal, socket, subprocess, sys, tempfile, threading, time, urllib.error, urllib.parse, urllib.request

p = argparse.ArgumentParser()
p.add_argument("binary")
p.add_argument("--database", default=os.environ.get("CONTRIBUEZ_TEST_POSTGRES_URL"), help="admin URL of the PostgreSQL server")
p.add_argument("--votes", type=int, default=1000)
p.add_argument("--time-limit", type=int, default=300, help="seconds before the test gives up")
args = p.parse_args()
if not args.database:
    print("two_nodes: no --database and CONTRIBUEZ_TEST_POSTGRES_URL is not set")
    print("nodes: 0 passed, 1 failed")
    sys.exit(2)

psql_bin = shutil.which("psql") or (sorted(glob.glob("/usr/lib/postgresql/*/bin/psql")) or [None])[-1]
if not psql_bin:
    print("two_nodes: psql not found")
    print("nodes: 0 passed, 1 failed")
    sys.exit(2)


def psql(url, sql):
    out = subprocess.run([psql_bin, "-X", "-At", "-v", "ON_ERROR_STOP=1", "-d", url, "-c", sql],
                         capture_output=True, text=True, timeout=60)
    if out.returncode != 0:
        raise RuntimeError(f"psql failed: {out.stderr.strip()}")
    return out.stdout.strip()


def with_database(url, name):
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


passed, failed = 0, 0


def check(name, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
        print("ok  ", name)
    else:
        failed += 1
        print("FAIL", name, detail)


class TimeLimit(Exception):
    pass


def on_alarm(signum, frame):
    raise TimeLimit()


signal.signal(signal.SIGALRM, on_alarm)
signal.alarm(args.time_limit)

work = tempfile.mkdtemp(prefix="contribuez-nodes-")
name = "contribuez_nodes_" + secrets.token_hex(6)
url = with_database(args.database, name)
nodes = []
# Personal data are sealed (issue 13): both nodes on one database need the same keys file.
keys_file = os.path.join(work, "nodes.keys")
subprocess.run([args.binary, "keys", "generate", "--out", keys_file], check=True, stdout=subprocess.DEVNULL)


def start(label, demo):
    port = free_port()
    log = open(os.path.join(work, f"{label}.log"), "wb")
    # NB: the burst below is one participant's votes from one address: those two limits are raised, the others
    # stay as in production (and are checked across the nodes).
    cmd = [args.binary, "serve", "--database", url, "--keys-file", keys_file, "--host", "127.0.0.1", "--port", str(port), "--bcrypt-cost", "4", "--synthesis-every", "0",
           "--rate-limit", "vote.account=100000/60", "--rate-limit", "vote.address=100000/60"]
    proc = subprocess.Popen(cmd + (["--demo"] if demo else []), stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    nodes.append(proc)
    deadline = time.time() + 60
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"node {label} exited ({proc.returncode}): see {log.name}")
        try:
            with urllib.request.urlopen(base + "/health", timeout=2) as r:
                if r.status == 200:
                    return base
        except Exception:
            time.sleep(0.1)
    raise RuntimeError(f"node {label} did not start")


def call(base, method, path, body=None, token=None, timeout=30):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + "/api/v1" + path, data=data, method=method)
    req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, json.loads(r.read() or b"{}")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")


def account(base, email):
    status, created = call(base, "POST", "/accounts", {"email": email, "password": "cheval agrafe pile", "displayName": email.split("@")[0], "kind": "citizen"})
    assert status in (200, 201), (status, created)
    status, session = call(base, "POST", "/sessions", {"email": email, "password": "cheval agrafe pile"})
    assert status in (200, 201), (status, session)
    return created["id"], session["token"]


def tally(base, article):
    status, body = call(base, "GET", f"/articles/{article}")
    assert status == 200, (status, body)
    return body["tally"]


status = 1
try:
    psql(args.database, f"CREATE DATABASE {name}")
    a = start("a", demo=True)
    b = start("b", demo=False)
    consultation = call(a, "GET", "/consultations")[1]["items"][0]["id"]
    sections = call(b, "GET", f"/consultations/{consultation}")[1]["sections"]
    articles = [x["id"] for s in sections for x in s["articles"]]
    check("both nodes serve the demo loaded through node A", len(articles) >= 2, str(articles))

    # Signed up and in on A; the session token works on B (sessions live in the database).
    pid, token = account(a, "noeud@example.org")
    before = tally(a, articles[0])
    st, voted = call(b, "PUT", f"/articles/{articles[0]}/vote", {"value": "agree"}, token=token)
    check("a session opened on node A votes on node B", st == 200, f"{st} {voted}")
    ta, tb = tally(a, articles[0]), tally(b, articles[0])
    check("one tally on both nodes, one more agreement", ta == tb == voted.get("tally") and ta.get("agree") == before.get("agree", 0) + 1,
          f"A {ta} B {tb} vote {voted.get('tally')} before {before}")

    # Rate limits live in the database (issue 13): wrong sign-ins through both nodes count against one e-mail.
    wrong = [call(a if i % 2 == 0 else b, "POST", "/sessions", {"email": "noeud@example.org", "password": "pas le bon"})[0] for i in range(12)]
    check("10 wrong sign-ins alternating over the two nodes, then 429 on either", wrong == [401] * 10 + [429, 429], str(wrong))

    # N concurrent identical votes of one participant on one article, half through each node.
    pid2, token2 = account(b, "rafale@example.org")
    target = articles[1]
    before = tally(a, target)
    go = threading.Barrier(args.votes)
    statuses = []
    lock = threading.Lock()

    def one(i):
        try:
            go.wait(timeout=60)
            s, _ = call(a if i % 2 == 0 else b, "PUT", f"/articles/{target}/vote", {"value": "disagree"}, token=token2, timeout=60)
        except Exception as e:
            s = type(e).__name__
        with lock:
            statuses.append(s)

    threads = [threading.Thread(target=one, args=(i,), daemon=True) for i in range(args.votes)]
    started = time.time()
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    elapsed = time.time() - started
    ok = sum(1 for s in statuses if s == 200)
    check(f"{args.votes} concurrent identical votes over two nodes are all answered 200 ({elapsed:.1f} s)", ok == args.votes,
          str({s: statuses.count(s) for s in set(statuses)}))
    live = psql(url, f"SELECT COUNT(*) FROM votes WHERE participant_id = {pid2} AND target_kind = 'article' AND target_id = {target}")
    events = psql(url, f"SELECT COUNT(*) FROM vote_events WHERE participant_id = {pid2} AND target_kind = 'article' AND target_id = {target}")
    check("exactly one live vote and one log event are stored", live == "1" and events == "1", f"votes {live}, events {events}")
    ta, tb = tally(a, target), tally(b, target)
    check("both nodes show the one vote in the tally", ta == tb and ta.get("disagree") == before.get("disagree", 0) + 1, f"A {ta} B {tb} before {before}")
    bad = psql(url, """
        SELECT COUNT(*) FROM tallies t LEFT JOIN (
            SELECT target_kind, target_id, SUM(CASE WHEN value = 'agree' THEN 1 ELSE 0 END) AS agree,
                   SUM(CASE WHEN value = 'mixed' THEN 1 ELSE 0 END) AS mixed, SUM(CASE WHEN value = 'disagree' THEN 1 ELSE 0 END) AS disagree
            FROM votes GROUP BY target_kind, target_id) r ON r.target_kind = t.target_kind AND r.target_id = t.target_id
        WHERE t.target_kind = 'article' AND (t.agree, t.mixed, t.disagree) <> (COALESCE(r.agree, 0), COALESCE(r.mixed, 0), COALESCE(r.disagree, 0))""")
    check("the counters equal a recount from the votes table", bad == "0", f"{bad} tallies differ")
    status = 0 if failed == 0 else 1
except TimeLimit:
    check(f"finished within {args.time_limit} s", False)
except Exception as e:
    check("the test ran to its end", False, repr(e))
finally:
    signal.alarm(0)
    for proc in nodes:
        proc.terminate()
    for proc in nodes:
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    try:
        psql(args.database, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    except Exception as e:
        print("two_nodes: could not drop", name, e)
    if failed:
        for log in sorted(glob.glob(os.path.join(work, "*.log"))):
            print(f"--- {log} (last lines)")
            with open(log, errors="replace") as f:
                print("".join(f.readlines()[-15:]))
    shutil.rmtree(work, ignore_errors=True)
print(f"nodes: {passed} passed, {failed} failed")
sys.exit(1 if failed else status)
