#!/usr/bin/env python3
"""Crash test of votes (issue 10): under vote load, SIGKILL the server at random moments, restart it,
and check that every vote a client saw acknowledged is stored, that the counters equal a recount from
the votes table and a replay of the append-only log, and that `PRAGMA integrity_check` is ok.

Each (participant, target) is voted on by one client thread at a time, so at most one request per key
is in flight when the server dies: the stored value must be the last acknowledged one, or the one in
flight (which the server may have committed without answering). Loopback only; bounded in time.

    python3 Tests/crash/votes_crash.py .build/debug/contribuez [--kills 10] [--participants 40]

Prints 'crash: N passed, M failed'.
"""
import argparse, json, os, random, signal, socket, sqlite3, subprocess, sys, tempfile, threading, time, urllib.error, urllib.request

p = argparse.ArgumentParser()
p.add_argument("binary")
p.add_argument("--kills", type=int, default=10)
p.add_argument("--participants", type=int, default=40)
p.add_argument("--seed", type=int, default=int(time.time()))
args = p.parse_args()
rng = random.Random(args.seed)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


work = tempfile.mkdtemp()
db = os.path.join(work, "crash.sqlite")
port = free_port()
base = f"http://127.0.0.1:{port}"


def start():
    proc = subprocess.Popen([args.binary, "serve", "--demo", "--database", db, "--port", str(port), "--bcrypt-cost", "4", "--synthesis-every", "0"],
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


def call(method, path, body=None, token=None, timeout=5):
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

# Per key (participant, article): the last acknowledged value, and the value in flight (sent, not answered).
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
            inflight[key] = ("withdrawn" if withdraw else value)
        try:
            if withdraw:
                req = urllib.request.Request(f"{base}/api/v1/articles/{article}/vote", method="DELETE")
                req.add_header("Authorization", "Bearer " + token)
                with urllib.request.urlopen(req, timeout=5) as resp:
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
        t.join(timeout=10)
    server = start()
server.send_signal(signal.SIGTERM)
server.wait(timeout=30)

con = sqlite3.connect(db)
stored = {(p, t): v for p, t, v in con.execute("SELECT participant_id, target_id, value FROM votes WHERE target_kind = 'article'")}
lost = []
for key, value in acked.items():
    have = stored.get(key, "withdrawn")
    allowed = {value}
    if key in inflight:
        allowed.add(inflight[key])
    if have not in allowed:
        lost.append((key, value, have))
check(f"every acknowledged vote is stored ({counts['acked']} acknowledged, {counts['errors']} cut by kills, {args.kills} kills)", not lost and counts["acked"] > 0, str(lost[:5]))

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
check("PRAGMA integrity_check is ok", con.execute("PRAGMA integrity_check").fetchone()[0] == "ok")
con.close()
print(f"crash: {passed} passed, {failed} failed (seed {args.seed})")
sys.exit(1 if failed else 0)
