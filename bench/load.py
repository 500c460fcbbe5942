# ruff: noqa: E501, S603 - a benchmark script: long table lines, our own commands
"""The load test of ``make bench`` (issue 21): how many people at once the product
serves, each walking their role's journey with think time (``bench/locustfile.py``).

``measure(bench, logins)``, called by ``bench/run.py`` once gunicorn is serving the
scale database with production settings: signs in up to ``BENCH_LOAD_PEOPLE``
seeded people of each role (reusing the sign-ins the run already has), opens each
path once (a path one of them may not open is dropped and logged, so that the steps
count the server's failures, not the test's), then runs Locust headless, in one
process, in steps of concurrent users (``BENCH_LOAD_STEPS``, doubling): each step
ramps up over ``BENCH_LOAD_RAMP`` seconds, its statistics are reset, then it runs
``BENCH_LOAD_SECONDS`` more. The search stops at the first step with a p95 over
300 ms or any failure, or when the next step would end after ``BENCH_LOAD_BUDGET``
seconds. The result is the largest step served (p95 at most 300 ms, no failure),
with its throughput, the machine's load average and CPU, the CPU Locust itself
took on the same cores, and what the next step measured.

Alone, ``python bench/load.py`` starts gunicorn itself (``BENCH_PORT``), runs the
steps and prints the rows.
"""

import csv
import json
import os
import resource
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCUST = str(ROOT / ".venv" / "bin" / "locust")
OUT = ROOT / "bench" / ".load"
STEPS = [
    int(n) for n in os.environ.get("BENCH_LOAD_STEPS", "10,20,40,80,160,320").split(",")
]
RAMP_SECONDS = float(os.environ.get("BENCH_LOAD_RAMP", "10"))
STEP_SECONDS = float(os.environ.get("BENCH_LOAD_SECONDS", "40"))
BUDGET_SECONDS = float(os.environ.get("BENCH_LOAD_BUDGET", "360"))
PER_ROLE = int(os.environ.get("BENCH_LOAD_PEOPLE", "10"))
P95_MS = 300
SHORT = {"officer": "off", "procurement": "proc", "finance": "fin",
         "approver": "appr", "liaison": "liai", "manufacturer": "manu",
         "evaluator": "eval"}  # fmt: skip


def log(message):
    print(message, file=sys.stderr, flush=True)


def user_counts(total, head_counts):
    """``total`` users shared among the roles in proportion to their head counts
    (largest remainders), at least one each while there are enough users."""
    roles = sorted(head_counts, key=lambda r: -head_counts[r])
    if total < len(roles):
        return {role: int(i < total) for i, role in enumerate(roles)}
    counts = dict.fromkeys(roles, 1)
    rest = total - len(roles)
    people = sum(head_counts.values())
    shares = {r: rest * head_counts[r] / people for r in roles}
    for role in roles:
        counts[role] += int(shares[role])
    left = total - sum(counts.values())
    for role in sorted(roles, key=lambda r: -(shares[r] - int(shares[r])))[:left]:
        counts[role] += 1
    return counts


# ------------------------------------------------------------------ sessions


def sign_in(bench, logins, load):
    """Everyone's session cookies, each account signed in once (a TOTP step is
    accepted once per account), four at a time as a morning's logins are."""
    from django.db import connection

    def one(username):
        try:
            return username, logins.get(username) or bench.login(username)
        finally:
            connection.close()

    wanted = [p["user"] for entry in load.values() for p in entry["people"]]
    started = time.monotonic()
    with ThreadPoolExecutor(4) as pool:
        jars = dict(pool.map(one, wanted))
    logins.update(jars)
    for entry in load.values():
        for person in entry["people"]:
            person["cookies"] = jars[person["user"]]
    log(f"load: {len(wanted)} people signed in in {time.monotonic() - started:.0f} s")


def preflight(bench, load):
    """Each person opens each of their paths once (also warming every worker):
    a path someone may not open is dropped and said, not counted as a failure."""
    checks = []
    for role, entry in load.items():
        for person in entry["people"]:
            for step, paths in person["paths"].items():
                checks += [(role, person, step, path) for path in paths]
    seen = {}

    def check(item):
        role, person, step, path = item
        # The staff of one role share their paths: one person's answer serves.
        key = (role, step, path) if role in SHARED else (person["user"], path)
        if key in seen:
            return item, seen[key]
        status, _body, _r = bench.request("GET", path, cookies=person["cookies"])
        seen[key] = status
        return item, status

    started = time.monotonic()
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(check, checks))
    refused = 0
    for (_role, person, step, path), status in results:
        if status != 200:
            refused += 1
            if refused <= 10:
                log(f"load: {person['user']} {path} answered {status}; dropped")
            person["paths"][step] = [p for p in person["paths"][step] if p != path]
    # A step nobody of the role may open is left out of their journey; a person
    # left with no step at all, out of the test.
    for entry in load.values():
        for person in entry["people"]:
            person["paths"] = {k: v for k, v in person["paths"].items() if v}
        entry["people"] = [p for p in entry["people"] if p["paths"]]
    log(f"load: {len(results)} paths checked in {time.monotonic() - started:.0f} s, "
        f"{refused} dropped")  # fmt: skip


SHARED = {"officer", "procurement", "finance", "approver"}


# ------------------------------------------------------------------ steps


def cpu_busy():
    """The machine's busy and total CPU time so far (``/proc/stat``), in ticks."""
    fields = [
        int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    ]
    idle = fields[3] + fields[4]
    return sum(fields) - idle, sum(fields)


def _read_stats(prefix):
    path = Path(f"{prefix}_stats.csv")
    if not path.exists():
        return None
    with path.open() as f:
        stats = list(csv.DictReader(f))
    whole = next((r for r in stats if r["Name"] == "Aggregated"), None)
    if whole is None or not int(whole["Request Count"]):
        return None

    def ms(row, column):
        value = row.get(column, "N/A")
        return float(value) if value not in ("", "N/A") else float("nan")

    pages = sorted(
        ((r["Name"], ms(r, "95%"), int(r["Request Count"])) for r in stats
         if r["Name"] != "Aggregated"),
        key=lambda x: -x[1],
    )  # fmt: skip
    return {
        "requests": int(whole["Request Count"]),
        "failures": int(whole["Failure Count"]),
        "rps": float(whole["Requests/s"]),
        "p50": ms(whole, "50%"),
        "p95": ms(whole, "95%"),
        "worst": pages[0] if pages else ("", float("nan"), 0),
    }


def run_step(bench, users, sessions, counts):
    OUT.mkdir(exist_ok=True)
    prefix = OUT / f"step-{users}"
    for old in OUT.glob(f"step-{users}_*.csv"):
        old.unlink()
    rate = max(1.0, users / RAMP_SECONDS)
    env = {**os.environ, "BENCH_LOAD_SESSIONS": str(sessions),
           "BENCH_LOAD_USERS": str(users)}  # fmt: skip
    env.pop("DJANGO_SETTINGS_MODULE", None)
    command = [
        LOCUST, "-f", str(ROOT / "bench" / "locustfile.py"), "--headless",
        "--host", f"http://{bench.HOST}:{bench.PORT}", "-u", str(users),
        "-r", f"{rate:g}", "-t", f"{RAMP_SECONDS + STEP_SECONDS:.0f}s",
        "--reset-stats", "--csv", str(prefix), "--only-summary",
        "--loglevel", "WARNING",
    ]  # fmt: skip
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    window = {}

    def sample():
        # The measured window starts once every user is spawned (stats reset).
        time.sleep(RAMP_SECONDS)
        window["cpu"] = cpu_busy()
        window["load"] = [os.getloadavg()[0]]
        while not done.wait(5):
            window["load"].append(os.getloadavg()[0])
        window["cpu_end"] = cpu_busy()

    done = threading.Event()
    sampler = threading.Thread(target=sample)
    started = time.monotonic()
    sampler.start()
    out = subprocess.run(command, cwd=ROOT, env=env, text=True, capture_output=True,
                         check=False)  # fmt: skip
    done.set()
    sampler.join()
    elapsed = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    stats = _read_stats(prefix)
    if stats is None:
        log(f"load: locust at {users} users left no statistics:\n{out.stderr[-2000:]}")
        return None
    busy0, total0 = window.get("cpu", (0, 0))
    busy1, total1 = window.get("cpu_end", (0, 1))
    locust_cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    stats.update(
        users=users,
        counts=counts,
        load=window["load"][-1] if window.get("load") else float("nan"),
        cpu=(busy1 - busy0) / max(1, total1 - total0),
        locust_core=locust_cpu / elapsed,
        served=stats["p95"] <= P95_MS and not stats["failures"],
    )
    log(f"load: {users} users ({mix(counts)}): {stats['rps']:.1f} req/s, "
        f"p50 {stats['p50']:.0f} ms, p95 {stats['p95']:.0f} ms, "
        f"{stats['failures']}/{stats['requests']} failed, load {stats['load']:.1f}, "
        f"CPU {stats['cpu']:.0%}, locust {stats['locust_core']:.0%} of a core; "
        f"worst {stats['worst'][0]} p95 {stats['worst'][1]:.0f} ms")  # fmt: skip
    return stats


def mix(counts):
    return ", ".join(f"{SHORT.get(r, r)} {n}" for r, n in counts.items() if n)


def search(bench, sessions, head_counts):
    served, broke, results = None, None, []
    started = time.monotonic()
    for users in STEPS:
        if (
            time.monotonic() - started + RAMP_SECONDS + STEP_SECONDS + 5
            > BUDGET_SECONDS
        ):
            log(f"load: stopped before {users} users (budget {BUDGET_SECONDS:.0f} s)")
            break
        stats = run_step(bench, users, sessions, user_counts(users, head_counts))
        if stats is None:
            break
        results.append(stats)
        if not stats["served"]:
            broke = stats
            break
        served = stats
    return served, broke, results, time.monotonic() - started


def measure(bench, logins, rows=None):
    """The load test's rows, added to ``rows`` (``bench/run.py``'s table)."""
    from bench.targets import discover_load

    rows = bench.rows if rows is None else rows
    load = discover_load(PER_ROLE)
    sign_in(bench, logins, load)
    preflight(bench, load)
    head_counts = {r: e["people_in_role"] for r, e in load.items() if e["people"]}
    OUT.mkdir(exist_ok=True)
    sessions = OUT / "sessions.json"
    sessions.write_text(json.dumps(load))
    sessions.chmod(0o600)
    served, broke, results, took = search(bench, sessions, head_counts)
    for s in results:
        rows.append(
            ("load", f"{s['users']} users ({mix(s['counts'])})",
             f"{s['requests']:,} requests, {s['failures']} failed",
             f"{s['rps']:.1f} req/s", f"p50 {s['p50']:.0f} ms",
             f"p95 {s['p95']:.0f} ms",
             f"load {s['load']:.1f}, CPU {s['cpu']:.0%} (Locust {s['locust_core']:.0%} of a core)",
             "served" if s["served"] else "over")
        )  # fmt: skip
    if served:
        what = f"{served['users']} users at once"
        figures = (f"{served['rps']:.1f} req/s", f"p95 {served['p95']:.0f} ms",
                   f"load {served['load']:.1f}")  # fmt: skip
    else:
        what = f"fewer than {STEPS[0]} users" if broke else "not measured"
        figures = ("", "", "")
    if broke:
        name, p95, _n = broke["worst"]
        beyond = (f"next {broke['users']} users: p95 {broke['p95']:.0f} ms, "
                  f"{broke['failures']} failed; worst {name} p95 {p95:.0f} ms")  # fmt: skip
    elif results:
        beyond = f"no step over the target up to {results[-1]['users']} users"
    else:
        beyond = "Locust did not run"
    rows.append(
        ("load", f"Locust: concurrent users served at p95 <= {P95_MS} ms, no failure",
         what, *figures, beyond, "measured" if results else "not measured")
    )  # fmt: skip
    log(f"load: {what}; {beyond}; the search took {took:.0f} s")
    return served, broke


def main():
    sys.path.insert(0, str(ROOT))
    from bench import run as bench

    bench.django_setup()
    master = bench.start_gunicorn()
    try:
        bench.enrol_authenticators()
        measure(bench, {})
    finally:
        bench.stop(master)
    print(bench.table())


if __name__ == "__main__":
    main()
