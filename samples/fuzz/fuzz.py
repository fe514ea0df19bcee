#!/usr/bin/env python3
"""`make fuzz`: feeds generated malformed inputs to the built `baton` and checks that each one is refused well.

For every case: the exit status is 1 or 64 (never 0, never a signal), the run ends within 10 s, the message on
standard error starts with `Error:` and names the file (for file inputs) and, for row-level mistakes, the line;
and the store is byte-identical afterwards (the SHA-256 of `sqlite3 .dump`). Inputs are mutations of valid files
that are invalid by construction (a bad kind, an impossible date, a cut-off file, a wrong type, an unknown key…),
seeded, so a run is reproducible: `python3 samples/fuzz/fuzz.py BATON [--cases N] [--seed S]`.
Prints a table per family and exits 1 when any case fails, listing the first failures with a command to replay.
"""
import argparse, gzip, hashlib, json, os, random, shutil, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

HEADER = "ticket_id,service,step,team,event,at,actor"
GOOD_ROWS = [
    "F-1,onboarding,,,opened,2026-03-02T09:00:00Z,ana",
    "F-1,onboarding,hr-review,hr,started,2026-03-02T10:00:00Z,bo",
    "F-1,onboarding,hr-review,hr,completed,2026-03-03T08:00:00Z,bo",
    "F-2,onboarding,,,opened,2026-03-02T11:00:00Z,cy",
]
BAD_TIMES = ["2026-02-30T10:00:00Z", "2026-13-01T00:00:00Z", "2026-03-02T25:00:00Z", "2026-03-02T10:61:00Z",
             "yesterday", "", "2026-03-02", "1e9", "2026-03-02T10:00:00+25:00", "0000-00-00T00:00:00Z"]
BAD_KINDS = ["open", "complete", "Started", "done", "", "closed!", "task-done", "ready ", "💥", "DROP TABLE events"]
HOSTILE = ["=cmd|' /C calc'!A0", "<script>alert(1)</script>", "\x1b[2J", "a\rb", "'; DROP TABLE events; --"]


def dump_hash(db):
    out = subprocess.run(["sqlite3", db, ".dump"], capture_output=True, check=True).stdout
    return hashlib.sha256(out).hexdigest()


class Case:
    def __init__(self, family, name, args, files, expect_line=False, names_file=True):
        self.family, self.name, self.args, self.files = family, name, args, files
        self.expect_line, self.names_file = expect_line, names_file


def csv_cases(rng, n):
    cases = []
    for i in range(n):
        rows = list(GOOD_ROWS)
        k = rng.randrange(len(rows))
        fields = rows[k].split(",")
        kind = rng.choice(["time", "kind", "quote", "nul", "utf8", "extra", "ticket", "service", "before-open", "header", "empty"])
        line = k + 2
        data = None
        if kind == "time":
            fields[5] = rng.choice(BAD_TIMES)
        elif kind == "kind":
            fields[4] = rng.choice(BAD_KINDS)
            if fields[4] in ("opened", "completed", "started"):
                fields[4] = "bogus"
        elif kind == "quote":
            fields[6] = rng.choice(['b"o', '"bo"x', '"unterminated'])
        elif kind == "nul":
            fields[0] = fields[0] + "\x00"
        elif kind == "utf8":
            data = (HEADER + "\n" + "\n".join(rows[:k])).encode() + ("\n" if k else "").encode() + \
                   b"F-9,onboarding,,,opened,2026-03-02T09:00:00Z,\xff\xfe\n"
            line = k + 2
        elif kind == "extra":
            fields.append("surplus")
        elif kind == "ticket":
            fields[0] = ""
        elif kind == "service":
            rows[k] = "F-7,no-such service!,,,opened,2026-03-02T09:00:00Z,ana"
            fields = rows[k].split(",")
        elif kind == "before-open":
            rows = [r for r in rows if not r.startswith("F-2")] + ["F-3,onboarding,hr-review,hr,started,2026-03-02T10:00:00Z,bo"]
            k, fields, line = len(rows) - 1, rows[-1].split(","), len(rows) + 1
        elif kind == "header":
            data = ("ticket,service,step,team,event,at,actor\n" + "\n".join(rows) + "\n").encode()
            line = 1
        elif kind == "empty":
            data = rng.choice([b"", b"\n", b"\xef\xbb\xbf"])
            line = None
        if data is None:
            rows[k] = ",".join(fields)
            data = (HEADER + "\n" + "\n".join(rows) + "\n").encode()
        gz = rng.random() < 0.2
        name = f"log{i}.csv" + (".gz" if gz else "")
        if gz:
            data = gzip.compress(data)
        cases.append(Case("canonical CSV", f"{kind} #{i}", ["import", name], {name: data}, expect_line=line is not None))
    return cases


def jsonl_cases(rng, n):
    cases = []
    base = [{"ticket_id": "J-1", "service": "onboarding", "event": "opened", "at": "2026-03-02T09:00:00Z"},
            {"ticket_id": "J-1", "service": "onboarding", "step": "hr-review", "team": "hr", "event": "started", "at": "2026-03-02T10:00:00Z"}]
    for i in range(n):
        rows = [json.dumps(r) for r in base]
        k = rng.randrange(len(rows))
        kind = rng.choice(["json", "type", "time", "kind", "missing", "array"])
        obj = dict(base[k])
        if kind == "json":
            rows[k] = rows[k][: rng.randrange(1, len(rows[k]) - 1)]
        elif kind == "type":
            obj["ticket_id"] = rng.choice([[1], {"a": 1}, True])
            rows[k] = json.dumps(obj)
        elif kind == "time":
            obj["at"] = rng.choice(BAD_TIMES)
            rows[k] = json.dumps(obj)
        elif kind == "kind":
            obj["event"] = "bogus" + str(i)
            rows[k] = json.dumps(obj)
        elif kind == "missing":
            obj.pop(rng.choice(["ticket_id", "event", "at"]))
            rows[k] = json.dumps(obj)
        elif kind == "array":
            rows[k] = json.dumps([obj])
        cases.append(Case("JSON Lines", f"{kind} #{i}", ["import", f"log{i}.jsonl"], {f"log{i}.jsonl": ("\n".join(rows) + "\n").encode()},
                          expect_line=True))
    return cases


XES = """<?xml version="1.0" encoding="UTF-8"?>
<log xes.version="1.0" xmlns="http://www.xes-standard.org/">
  <string key="concept:name" value="fuzz"/>
  <trace><string key="concept:name" value="X-1"/>
    <event><string key="concept:name" value="Check"/><string key="lifecycle:transition" value="start"/><date key="time:timestamp" value="2026-03-02T09:00:00Z"/></event>
    <event><string key="concept:name" value="Check"/><string key="lifecycle:transition" value="complete"/><date key="time:timestamp" value="2026-03-02T10:00:00Z"/></event>
  </trace>
  <trace><string key="concept:name" value="X-2"/>
    <event><string key="concept:name" value="Check"/><string key="lifecycle:transition" value="start"/><date key="time:timestamp" value="2026-03-03T09:00:00Z"/></event>
    <event><string key="concept:name" value="Check"/><string key="lifecycle:transition" value="complete"/><date key="time:timestamp" value="2026-03-03T10:00:00Z"/></event>
  </trace>
</log>
"""


def xes_cases(rng, n):
    cases = []
    for i in range(n):
        kind = rng.choice(["truncate", "time", "transition", "noname", "junk"])
        text = XES
        if kind == "truncate":
            cut = rng.randrange(len(XES) // 3, len(XES) - 8)
            text = XES[:cut]
        elif kind == "time":
            text = XES.replace("2026-03-03T10:00:00Z", rng.choice(BAD_TIMES[:6]) or "x", 1)
        elif kind == "transition":
            text = XES.replace('value="complete"', 'value="finished"', 1)
        elif kind == "noname":
            text = XES.replace('<string key="concept:name" value="X-2"/>', "", 1)
        elif kind == "junk":
            text = XES.replace("<trace>", "<trace><<>", 1)
        name = f"log{i}.xes"
        cases.append(Case("XES", f"{kind} #{i}", ["import", name], {name: text.encode()}, expect_line=kind != "truncate" or True))
    return cases


SERVICE = {"key": "fuzzsvc", "name": "Fuzz", "enforce_order": True,
           "intake": [{"key": "who", "label": "Who", "type": "text", "required": True}],
           "steps": [{"key": "a", "name": "A", "team": "hr", "kind": "task", "target": "4h"},
                     {"key": "b", "name": "B", "team": "it", "kind": "approval"}]}


def mutate_json(rng, base, unknown_ok=False):
    obj = json.loads(json.dumps(base))
    kind = rng.choice(["drop", "type", "unknown", "badvalue", "syntax"])
    if kind == "drop":
        obj.pop(rng.choice([k for k in obj if k in ("key", "steps", "service", "ticket", "time", "team", "status", "statuses", "sections", "title")] or list(obj)))
        return kind, json.dumps(obj)
    if kind == "type":
        key = rng.choice(list(obj))
        obj[key] = rng.choice([12345, [1, 2], {"x": {}}, None]) if not isinstance(obj[key], (int, float)) else "not a number"
        return kind, json.dumps(obj)
    if kind == "unknown":
        key = rng.choice(list(obj))
        obj[key[:-1] + "x" + key[-1:] if len(key) > 2 else key + "x"] = obj.pop(key)
        return kind, json.dumps(obj)
    if kind == "badvalue":
        return kind, None
    text = json.dumps(obj)
    return kind, text[: rng.randrange(1, len(text) - 1)]


def service_cases(rng, n):
    cases = []
    for i in range(n):
        kind, text = mutate_json(rng, SERVICE)
        if text is None:
            obj = json.loads(json.dumps(SERVICE))
            which = rng.choice(["target", "kind", "key", "type", "team", "dupstep"])
            if which == "target": obj["steps"][0]["target"] = rng.choice(["4x", "-2h", "h", "1e9d"])
            elif which == "kind": obj["steps"][1]["kind"] = "judgement"
            elif which == "key": obj["key"] = rng.choice(["with space", "", "a/b", "a\u00a0b"])   # letters of any script are keys
            elif which == "type": obj["intake"][0]["type"] = "integer"
            elif which == "team": obj["steps"][0]["team"] = "bad team!"
            elif which == "dupstep": obj["steps"][1]["key"] = "a"
            kind, text = "value:" + which, json.dumps(obj)
        name = f"svc{i}.json"
        cases.append(Case("service definition", f"{kind} #{i}", ["service", "apply", name], {name: text.encode()}))
    return cases


PROFILE = {"service": "desk", "ticket": "id", "time": "when", "team": "group", "status": "state",
           "statuses": {"New": "waiting", "Work": "active", "Done": "closed"}}


def profile_cases(rng, n):
    cases = []
    log = b"id,state,when,group\nA,New,2026-03-02T00:00:00Z,L1\nA,Done,2026-03-02T01:00:00Z,L1\n"
    for i in range(n):
        kind, text = mutate_json(rng, PROFILE)
        if text is None:
            obj = json.loads(json.dumps(PROFILE))
            which = rng.choice(["class", "format", "zone", "tformat", "missing"])
            if which == "class": obj["statuses"]["Done"] = "finished"
            elif which == "format": obj["format"] = "xlsx"
            elif which == "zone": obj["timezone"] = "Mars/Olympus"
            elif which == "tformat": obj["time_format"] = "HH:mm"
            elif which == "missing": obj["missing"] = [None]
            kind, text = "value:" + which, json.dumps(obj)
        name = f"profile{i}.json"
        cases.append(Case("import profile", f"{kind} #{i}", ["import", f"h{i}.csv", "--profile", name],
                          {name: text.encode(), f"h{i}.csv": log}))
    return cases


REPORT = {"name": "fuzz", "title": "Fuzz", "formats": ["csv"], "schedule": "0 6 * * MON",
          "sections": [{"key": "throughput", "title": "Throughput", "query": "throughput"}]}
BAD_CRON = ["61 * * * *", "* 24 * * *", "* * 32 * *", "* * * 13 *", "* * * * 8", "0 9 * * Mon-Fru", "@weekley",
            "*/0 * * * *", "0 4/6 * * *", "1-2-3 * * * *", "* * * *", "0 0 * * * *", "0 0 30 Feb *x", "Nov-Mar * * * *"]


def report_cases(rng, n):
    cases = []
    for i in range(n):
        folder = f"reports{i}"
        which = rng.choice(["cron", "json", "alerts"])
        if which == "cron":
            obj = dict(REPORT, schedule=rng.choice(BAD_CRON))
            text, kind = json.dumps(obj), "cron"
        elif which == "json":
            kind, text = mutate_json(rng, REPORT)
            if text is None:
                obj = dict(REPORT, formats=["pdf"])
                kind, text = "value:format", json.dumps(obj)
        else:
            obj = {"kind": "alerts", "schedule": "*/5 * * * *", "out": "a.json"}
            bad = rng.choice([("percentile", 5), ("unwatched_days", "x"), ("default_hours", -5), ("teams", "it"),
                              ("window_days", 0), ("min_runs", -1), ("format", "xml"), ("handoff_hours", "soon")])
            obj[bad[0]] = bad[1]
            kind, text = "alerts:" + bad[0], json.dumps(obj)
        cases.append(Case("report/alert/schedule definition", f"{kind} #{i}",
                          ["schedule", "list", "--reports", folder],
                          {f"{folder}/fuzz.json": text.encode()}))
    return cases


def cli_cases(rng, n):
    cases = []
    bad = [
        ["report", "weekly", "--as-of", "2026-02-30"], ["report", "weekly", "--from", "x"], ["report", "nosuchreport"],
        ["report", "weekly", "--format", "pdf"], ["query", "stalled", "--param", "stall_min_runs=abc"],
        ["query", "stalled", "--param", "stall_defualt_hours=4"], ["query", "nosuchquery"], ["alerts", "--percentile", "5"],
        ["alerts", "--unwatched-days", "-1"], ["alerts", "--format", "xml"], ["alerts", "--as-of", "soon"],
        ["imports", "--limit", "-3"], ["imports", "--limit", "x"], ["queue", "nosuchteam"], ["ticket", "show", "NOPE"],
        ["step", "start", "W-1", "nosuchstep"], ["export", "--format", "pdf"], ["generate", "--tickets", "-5"],
        ["schedule", "history", "--limit", "0x"], ["frobnicate"], ["import"], ["import", "missing-file.csv"],
        ["report", "weekly", "--param", "=4"], ["ticket", "open", "nosuchservice", "--title", "x"],
    ]
    for i in range(n):
        args = list(rng.choice(bad))
        cases.append(Case("CLI values", " ".join(args) + f" #{i}", args, {}, names_file=False))
    return cases


def run_case(baton, base_db, case, work):
    d = tempfile.mkdtemp(dir=work)
    db = os.path.join(d, "baton.db")
    shutil.copy(base_db, db)
    before = dump_hash(db)
    for name, data in case.files.items():
        path = os.path.join(d, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)
    env = dict(os.environ, BATON_DB=db, BATON_QUERIES=os.path.join(ROOT, "queries"), BATON_REPORTS=os.path.join(ROOT, "reports"))
    started = time.monotonic()
    problems = []
    try:
        p = subprocess.run([baton] + case.args, cwd=d, env=env, capture_output=True, timeout=10, stdin=subprocess.DEVNULL)
        code, err = p.returncode, p.stderr.decode("utf-8", "replace")
    except subprocess.TimeoutExpired:
        code, err = None, ""
        problems.append("took more than 10 s")
    seconds = time.monotonic() - started
    if code is not None:
        if code < 0:
            problems.append(f"killed by signal {-code}")
        elif code == 0:
            problems.append("exit 0 (accepted)")
        elif code not in (1, 64):
            problems.append(f"exit {code}")
        if code > 0 and not err.startswith("Error:"):
            problems.append("stderr does not start with 'Error:'")
        if code and code > 0 and case.names_file and case.files:
            if not any(os.path.basename(n) in err for n in case.files):
                problems.append("message names no file")
            elif case.expect_line and not any(f"{os.path.basename(n)}:" in err for n in case.files):
                problems.append("message names no line")
    if dump_hash(db) != before:
        problems.append("store changed")
    shutil.rmtree(d, ignore_errors=True)
    return problems, seconds, err.strip().splitlines()[0][:160] if err.strip() else ""


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("baton")
    ap.add_argument("--cases", type=int, default=1200, help="about this many cases in all (default 1200)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--show", type=int, default=15, help="failures to list")
    a = ap.parse_args()
    baton = os.path.abspath(a.baton)
    rng = random.Random(a.seed)
    work = tempfile.mkdtemp(prefix="baton-fuzz-")
    base = os.path.join(work, "base.db")
    env = dict(os.environ, BATON_DB=base)
    subprocess.run([baton, "init"], env=env, check=True, capture_output=True)
    subprocess.run([baton, "service", "apply"] + [os.path.join(ROOT, "samples/services", f) for f in sorted(os.listdir(os.path.join(ROOT, "samples/services")))],
                   env=env, check=True, capture_output=True)
    subprocess.run([baton, "import", os.path.join(ROOT, "samples/walkthrough.csv")], env=env, check=True, capture_output=True)
    subprocess.run(["sqlite3", base, "PRAGMA wal_checkpoint(TRUNCATE)"], check=True, capture_output=True)
    per = max(1, a.cases // 8)
    cases = (csv_cases(rng, per * 2) + jsonl_cases(rng, per) + xes_cases(rng, per) + service_cases(rng, per)
             + profile_cases(rng, per) + report_cases(rng, per) + cli_cases(rng, per))
    stats, failures, slowest = {}, [], 0.0
    started = time.monotonic()
    for k, case in enumerate(cases):
        problems, seconds, message = run_case(baton, base, case, work)
        slowest = max(slowest, seconds)
        s = stats.setdefault(case.family, [0, 0])
        s[0] += 1
        if problems:
            s[1] += 1
            failures.append((case, problems, message))
        if sys.stderr.isatty() and k % 20 == 0:
            sys.stderr.write(f"\r{k + 1}/{len(cases)} cases, {len(failures)} failing")
    if sys.stderr.isatty():
        sys.stderr.write("\r\033[K")
    print(f"{'family':<36} {'cases':>6} {'failing':>8}")
    for family, (n, bad) in stats.items():
        print(f"{family:<36} {n:>6} {bad:>8}")
    print(f"{'all':<36} {len(cases):>6} {len(failures):>8}   ({time.monotonic() - started:.0f} s, slowest case {slowest:.1f} s, seed {a.seed})")
    for case, problems, message in failures[: a.show]:
        print(f"- {case.family} / {case.name}: {', '.join(problems)}; args: {' '.join(case.args)}; said: {message!r}")
    shutil.rmtree(work, ignore_errors=True)
    print(f"{len(cases) - len(failures)} passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
