#!/usr/bin/env python3
"""Crash test of votes (issue 10): under vote load, SIGKILL the server at random moments, restart it,
and check that every vote a client saw acknowledged is stored, that the counters equal a recount from
the votes table and a replay of the append-only log, and that `PRAGMA integrity_check` is ok.

With `--database postgres://…` (issue 11; an admin URL, CONTRIBUEZ_TEST_POSTGRES_URL in scripts/test) the
node runs on a fresh database created there (dropped at the end) and the checks read it with `psql -At`.
With `--crash-postgres` too (and the cluster's data folder: --postgres-data or CONTRIBUEZ_TEST_POSTGRES_DATA,
exported by scripts/with-postgres with CONTRIBUEZ_TEST_POSTGRES_BIN and _OWNER), PostgreSQL itself is stopped once
under vote load with `pg_ctl stop -m immediate` (a crash: no checkpoint) and restarted; /health must
answer 503 while it is down and 200 again once the node has reconnected.

Each (participant, target) is voted on by one client thread at a time, so at most one request per key
is in flight when the server dies: the stored value must be the last acknowledged one, or the one in
flight (which the server may have committed without answering). Loopback only; bounded in time.

    python3 Tests/crash/votes_crash.py .build/debug/contribuez [--kills 10] [--participants 40] [--database postgres://…]

Prints 'crash: N passed, M failed'.
"""
import argparse, glob, json, os, random, secrets, shutil, signal, socket, sqlite3, subprocess, sys, tempfile, threading, time, urllib.error, urllib.parse, urllib.request

p = argparse.ArgumentParser()
p.add_argument("binary")
p.add_argument("--kills", type=int, default=10)
p.add_argument("--participants", type=int, default=40)
p.add_argument("--seed", type=int, default=int(time.time()))
p.add_argument("--database", help="PostgreSQL admin URL: run on a fresh database created there (default: a SQLite file)")
p.add_argument("--crash-postgres", action="store_true",
               help="with --database: also stop PostgreSQL once under vote load (pg_ctl stop -m immediate), and restart it")
p.add_argument("--postgres-data", default=os.environ.get("CONTRIBUEZ_TEST_POSTGRES_DATA"),
               help="data folder of that PostgreSQL cluster (for --crash-postgres)")
args = p.parse_args()
rng = random.Random(args.seed)
postgres = args.database is not None
# NB: one request per key in flight at a time holds only if a client waits for its answer: while PostgreSQL
# restarts, requests wait in the node's pool, so the client waits longer than that.
client_timeout = 30 if postgres else 5


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


work = tempfile.mkdtemp()
db = os.path.join(work, "crash.sqlite")
# Personal data are sealed (issue 13): every restart of the server opens them with the same keys file.
keys_file = os.path.join(work, "crash.keys")
subprocess.run([args.binary, "keys", "generate", "--out", keys_file], check=True, stdout=subprocess.DEVNULL)
pg_bin = os.environ.get("CONTRIBUEZ_TEST_POSTGRES_BIN") or (sorted(glob.glob("/usr/lib/postgresql/*/bin")) or [""])[-1]
psql_bin = shutil.which("psql") or os.path.join(pg_bin, "psql")


def psql(url, sql):
    """Rows of the query, as lists of strings (None for NULL)."""
    out = subprocess.run([psql_bin, "-X", "-At", "-F", "\t", "-P", "null=\\N", "-v", "ON_ERROR_STOP=1", "-d", url, "-c", sql],
                         capture_output=True, text=True, timeout=120)
    if out.returncode != 0:
        raise RuntimeError(f"psql failed: {out.stderr.strip()}")
    return [[None if v == "\\N" else v for v in line.split("\t")] for line in out.stdout.splitlines() if line]


def pg_ctl(*argv):
    """pg_ctl as the cluster's owner (scripts/with-postgres runs it as `postgres` when we are root)."""
    owner = os.environ.get("CONTRIBUEZ_TEST_POSTGRES_OWNER", "")
    prefix = ["runuser", "-u", owner, "--"] if owner and os.geteuid() == 0 else []
    return subprocess.run(prefix + [os.path.join(pg_bin, "pg_ctl"), "-D", args.postgres_data, *argv],
                          capture_output=True, text=True, timeout=120)


if postgres:
    pg_name = "contribuez_crash_" + secrets.token_hex(6)
    parts = urllib.parse.urlsplit(args.database)
    db = urllib.parse.urlunsplit((parts.scheme, parts.netloc, "/" + pg_name, parts.query, parts.fragment))
    psql(args.database, f"CREATE DATABASE {pg_name}")
port = free_port()
base = f"http://127.0.0.1:{port}"


def start():
    # NB: the crash test casts thousands of votes from a few accounts: rate limits (issue 13) off, explicitly.
    proc = subprocess.Popen([args.binary, "serve", "--demo", "--database", db, "--keys-file", keys_file, "--port", str(port), "--bcrypt-cost", "4", "--synthesis-every", "0",
                             "--no-rate-limits"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            urllib.request.urlopen(base + "/health", timeout=1)
            return proc
        except Exception:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("server did not start")


def call(method, path, body=None, token=None, timeout=client_timeout):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + "/api/v1" + path, data=data, method=method)
    req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", "Bearer " + token)
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return r.status, json.loads(r.read() or b"{}")


passed, failed = 0, 0


def check(name, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
        print("ok  ", name)
    else:
        failed += 1
        print("FAIL", name, detail)


server = start()
try:
    consultation = call("GET", "/consultations")[1]["items"][0]["id"]
    sections = call("GET", f"/consultations/{consultation}")[1]["sections"]
    articles = [a["id"] for s in sections for a in s["articles"]]
    tokens = {}
    for i in range(args.participants):
        email = f"crash{i}@example.org"
        _, created = call("POST", "/accounts", {"email": email, "password": "cheval agrafe pile", "displayName": f"C{i}", "kind": "citizen"})
        _, session = call("POST", "/sessions", {"email": email, "password": "cheval agrafe pile"})
        tokens[created["id"]] = session["token"]
finally:
    pass

# Per key (participant, article): the last acknowledged value, and the values sent since then (not answered).
acked, inflight = {}, {}
lock = threading.Lock()
stop = threading.Event()
counts = {"acked": 0, "errors": 0}


def worker(pid, token, keys):
    r = random.Random(pid * 7919 + args.seed)
    while not stop.is_set():
        article = r.choice(keys)
        withdraw = r.random() < 0.1
        value = None if withdraw else r.choice(["agree", "mixed", "disagree"])
        key = (pid, article)
        with lock:
            # NB: every value sent since the last acknowledged one may be stored: a request cut by a kill, then
            # one refused before the loop saw the stop, must not hide the first (PostgreSQL may commit it
            # after the node died, when its COMMIT was already sent).
            inflight.setdefault(key, set()).add("withdrawn" if withdraw else value)
        try:
            if withdraw:
                req = urllib.request.Request(f"{base}/api/v1/articles/{article}/vote", method="DELETE")
                req.add_header("Authorization", "Bearer " + token)
                with urllib.request.urlopen(req, timeout=client_timeout) as resp:
                    ok = resp.status in (204, 200)
            else:
                status, _ = call("PUT", f"/articles/{article}/vote", {"value": value}, token=token)
                ok = status == 200
            with lock:
                if ok:
                    acked[key] = "withdrawn" if withdraw else value
                    counts["acked"] += 1
                    inflight.pop(key, None)
        except Exception:
            # The server died mid-request: the value stays "in flight" for this key until the next success.
            with lock:
                counts["errors"] += 1
            time.sleep(0.05)


for kill in range(args.kills):
    stop.clear()
    threads = [threading.Thread(target=worker, args=(pid, tok, articles), daemon=True) for pid, tok in tokens.items()]
    for t in threads:
        t.start()
    time.sleep(rng.uniform(0.3, 1.2))
    server.send_signal(signal.SIGKILL)
    server.wait()
    stop.set()
    for t in threads:
        t.join(timeout=client_timeout + 10)
    server = start()


def health():
    try:
        with urllib.request.urlopen(base + "/health", timeout=10) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code
    except Exception:
        return None


if postgres and args.crash_postgres:
    # PostgreSQL itself crashes under vote load (immediate shutdown: no checkpoint, recovery from the WAL).
    stop.clear()
    threads = [threading.Thread(target=worker, args=(pid, tok, articles), daemon=True) for pid, tok in tokens.items()]
    for t in threads:
        t.start()
    time.sleep(rng.uniform(0.5, 1.2))
    stopped = pg_ctl("-m", "immediate", "-w", "stop")
    down_health = health()
    time.sleep(1)
    # NB: `restart` starts the server with the options it last ran with (postmaster.opts: port, socket folder…).
    restarted = pg_ctl("-w", "-t", "180", "-l", os.path.join(os.path.dirname(args.postgres_data), "server.log"), "restart")
    # NB: on a loaded machine pg_ctl's own wait may give up while recovery goes on: accepting queries is what counts.
    deadline, answering = time.time() + 120, False
    while time.time() < deadline and not answering:
        try:
            answering = psql(args.database, "SELECT 1") == [["1"]]
        except Exception:
            time.sleep(0.5)
    check("PostgreSQL stopped (immediate) under vote load and restarted",
          stopped.returncode == 0 and answering, (stopped.stderr + restarted.stderr).strip())
    check("/health answers 503 while PostgreSQL is down", down_health == 503, str(down_health))
    deadline, up = time.time() + 60, None
    while time.time() < deadline:
        up = health()
        if up == 200:
            break
        time.sleep(0.2)
    check("the node reconnects by itself: /health 200 again", up == 200, str(up))
    time.sleep(1)  # votes go on after the restart
    stop.set()
    for t in threads:
        t.join(timeout=client_timeout + 10)
server.send_signal(signal.SIGTERM)
try:
    server.wait(timeout=30)
    check("the node stops on SIGTERM", True)
except subprocess.TimeoutExpired:
    # NB: seen after a PostgreSQL crash under load before PG.send refused closed connections: requests stayed
    # suspended on connections PostgreSQL had closed (PostgresNIO 1.33), and the graceful shutdown waited for them.
    server.kill()
    server.wait()
    check("the node stops on SIGTERM", False, "still running 30 s after SIGTERM: killed")


class PG:
    """The few calls of sqlite3's connection the checks use, through psql."""
    def execute(self, sql):
        return [tuple(int(v) if v is not None and v.lstrip("-").isdigit() else v for v in row) for row in psql(db, sql)]

    def close(self):
        pass


con = PG() if postgres else sqlite3.connect(db)
stored = {(p, t): v for p, t, v in con.execute("SELECT participant_id, target_id, value FROM votes WHERE target_kind = 'article'")}
lost = []
for key, value in acked.items():
    have = stored.get(key, "withdrawn")
    allowed = {value}
    allowed |= inflight.get(key, set())
    if have not in allowed:
        lost.append((key, value, have))
check(f"every acknowledged vote is stored ({counts['acked']} acknowledged, {counts['errors']} cut by kills, {args.kills} kills{' and a PostgreSQL crash' if postgres and args.crash_postgres else ''}, {'PostgreSQL' if postgres else 'SQLite'})", not lost and counts["acked"] > 0, str(lost[:5]))

recount = {}
for (p_, t), v in stored.items():
    recount.setdefault(t, {"agree": 0, "mixed": 0, "disagree": 0})[v] += 1
bad = []
for t, agree, mixed, disagree in con.execute("SELECT target_id, agree, mixed, disagree FROM tallies WHERE target_kind = 'article'"):
    want = recount.get(t, {"agree": 0, "mixed": 0, "disagree": 0})
    if (agree, mixed, disagree) != (want["agree"], want["mixed"], want["disagree"]):
        bad.append((t, (agree, mixed, disagree), want))
check("the counters equal a recount from the votes table", not bad, str(bad[:5]))

replay = {}
for p_, t, v in con.execute("SELECT participant_id, target_id, value FROM vote_events WHERE target_kind = 'article' ORDER BY seq"):
    replay[(p_, t)] = v
replayed = {k: v for k, v in replay.items() if v is not None}
demo_voters = {k for k in stored if k[0] not in tokens}
check("the live votes equal a replay of the append-only log", {k: v for k, v in stored.items() if k not in demo_voters} == {k: v for k, v in replayed.items() if k not in demo_voters})
if postgres:
    psql(args.database, f"DROP DATABASE IF EXISTS {pg_name} WITH (FORCE)")
else:
    check("PRAGMA integrity_check is ok", con.execute("PRAGMA integrity_check").fetchone()[0] == "ok")
con.close()
print(f"crash: {passed} passed, {failed} failed (seed {args.seed})")
sys.exit(1 if failed else 0)
