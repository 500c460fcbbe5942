# ruff: noqa: E501, S603 - a benchmark script: long table lines, our own commands
"""Scale-out on one machine: two web instances (gunicorn), two Celery workers and
one ``celery beat``, all sharing one PostgreSQL and one Redis, as in a deployment
with several hosts. Run alone (``.venv/bin/python bench/scale_out.py``) or as the
last part of ``make bench``; uses the bench database and settings of ``run.py``.

What it shows:
- a session signed in on one web instance is valid on the other (sessions live in
  the shared database/cache, not in a process), and both serve the load;
- the periodic tasks are sent once per tick by the single beat and each sent task
  runs exactly once, on one of the two workers (counted from the beat's and the
  workers' logs by task id); beat's interval is shortened to ``TICK`` seconds here
  so that a run sees several ticks;
- static files are served by whitenoise from the compressed manifest storage:
  hashed names, compressed bodies, cached for a year.
"""

import http.client
import json
import multiprocessing
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.run import BIN, ENV, HOST, PORT, PYTHON, ROOT, log, login, manage, pct, stop

PORTS = (PORT + 1, PORT + 2)
TICK = float(os.environ.get("BENCH_SCALE_OUT_TICK", "5"))
SECONDS = float(os.environ.get("BENCH_SCALE_OUT_SECONDS", "40"))
CLIENTS = 4
PERIODIC = ("advance-tenders-by-deadlines", "resend-notifications")

# Beat with the deployment's schedule, the one-minute entries every TICK seconds.
BEAT = """
import sys
from secretariat.celery import app
schedule = dict(app.conf.beat_schedule)
for name in {periodic!r}:
    schedule[name] = {{**schedule[name], "schedule": {tick}}}
app.conf.beat_schedule = schedule
app.start(["beat", "--loglevel", "INFO", "--logfile", sys.argv[1],
           "--schedule", sys.argv[2]])
"""


def _request(port, path, cookies=None, headers=None):
    conn = http.client.HTTPConnection(HOST, port, timeout=60)
    head = {"Host": f"{HOST}:{port}", **(headers or {})}
    if cookies:
        head["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    conn.request("GET", path, headers=head)
    response = conn.getresponse()
    body = response.read()
    conn.close()
    return response.status, body, response


def _start_web(port, workdir):
    process = subprocess.Popen(
        [str(BIN / "gunicorn"), "secretariat.wsgi", "--bind", f"{HOST}:{port}",
         "--workers", "2", "--worker-class", "sync", "--timeout", "120",
         "--log-level", "warning"],
        cwd=ROOT, env=ENV, start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    for _ in range(150):
        try:
            if _request(port, "/healthz")[0] == 200:
                return process
        except OSError:
            pass
        time.sleep(0.2)
    stop(process)
    raise SystemExit(f"gunicorn on {port} did not start")


def _wait_ready(port, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if _request(port, "/readyz")[0] == 200:
            return
        time.sleep(0.5)
    raise SystemExit(
        f"gunicorn on {port} was not ready: {_request(port, '/readyz')[1]}"
    )


def _start_worker(name, workdir):
    return subprocess.Popen(
        [str(BIN / "celery"), "-A", "secretariat", "worker", "-n", f"{name}@%h",
         "--concurrency", "1", "--loglevel", "INFO",
         "--logfile", str(workdir / f"{name}.log"),
         "--without-heartbeat", "--without-gossip", "--without-mingle"],
        cwd=ROOT, env=ENV, start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip


def _start_beat(workdir):
    code = BEAT.format(periodic=PERIODIC, tick=TICK)
    return subprocess.Popen(
        [PYTHON, "-c", code, str(workdir / "beat.log"), str(workdir / "beat-schedule")],
        cwd=ROOT, env=ENV, start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip


def _drive(paths, cookies, deadline, queue):
    counts, errors, times = {p: 0 for p in PORTS}, 0, []
    n = 0
    while time.monotonic() < deadline:
        port = PORTS[n % 2]
        path = paths[n % len(paths)]
        n += 1
        started = time.monotonic()
        try:
            status = _request(port, path, cookies=cookies)[0]
        except OSError:
            status = 0
        times.append(time.monotonic() - started)
        if status == 200:
            counts[port] += 1
        else:
            errors += 1
    queue.put((counts, errors, times))


def _static_check(port):
    manifest = json.loads((ROOT / "staticfiles" / "staticfiles.json").read_text())
    name, hashed = next(
        (k, v) for k, v in manifest["paths"].items() if k.endswith(".css")
    )
    status, body, response = _request(
        port, f"/static/{hashed}", headers={"Accept-Encoding": "br, gzip"}
    )
    return {
        "name": name,
        "status": status,
        "encoding": response.getheader("Content-Encoding") or "none",
        "cache": response.getheader("Cache-Control") or "",
        "bytes": len(body),
    }


def _task_runs(logs):
    """{periodic task name: [task ids run]} from the workers' logs."""
    runs = {}
    pattern = re.compile(r"Task ([\w.]+)\[([0-9a-f-]+)\] succeeded")
    for text in logs:
        for task, task_id in pattern.findall(text):
            runs.setdefault(task, []).append(task_id)
    return runs


def measure(rows=None):
    """Start it all, drive it, stop it; returns (and appends to ``rows``) the
    table lines of the run (Django set up by the caller)."""
    from django.conf import settings

    rows = rows if rows is not None else []
    workdir = Path(tempfile.mkdtemp(prefix="scale-out-"))
    manage("collectstatic", "--noinput", "-v0")
    subprocess.run(
        [str(BIN / "celery"), "-A", "secretariat", "purge", "-f"],
        cwd=ROOT, env=ENV, capture_output=True, check=False,
    )  # fmt: skip
    processes = []
    try:
        webs = [_start_web(port, workdir) for port in PORTS]
        processes += webs
        workers = [_start_worker(name, workdir) for name in ("w1", "w2")]
        processes += workers
        # Ready as a load balancer sees it: database, migrations, Redis and a
        # worker's heartbeat (/readyz).
        for port in PORTS:
            _wait_ready(port)
        beat_started = time.monotonic()
        beat = _start_beat(workdir)
        processes.append(beat)
        # Signed in on the first instance, served by both.
        from bench import run

        saved = run.PORT
        run.PORT = PORTS[0]
        try:
            cookies = login("scale-officer")
        finally:
            run.PORT = saved
        shared = _request(PORTS[1], "/dashboard/", cookies=cookies)[0]
        queue = multiprocessing.Queue()
        deadline = time.monotonic() + SECONDS
        paths = ["/dashboard/", "/api/pools/", "/notifications/"]
        clients = [
            multiprocessing.Process(
                target=_drive, args=(paths, cookies, deadline, queue)
            )
            for _ in range(CLIENTS)
        ]
        started = time.monotonic()
        for c in clients:
            c.start()
        results = [queue.get() for _ in clients]
        for c in clients:
            c.join()
        elapsed = time.monotonic() - started
        static = _static_check(PORTS[1])
        # The last tick's tasks finish before the workers stop.
        stop(beat)
        ran_for = time.monotonic() - beat_started
        time.sleep(max(5.0, TICK))
        for w in workers:
            stop(w)
    finally:
        for process in processes:
            stop(process)
    served = {p: sum(r[0][p] for r in results) for p in PORTS}
    errors = sum(r[1] for r in results)
    latencies = [t for r in results for t in r[2]]
    beat_log = (workdir / "beat.log").read_text()
    worker_logs = {n: (workdir / f"{n}.log").read_text() for n in ("w1", "w2")}
    runs_by_worker = {n: _task_runs([text]) for n, text in worker_logs.items()}
    all_runs = _task_runs(worker_logs.values())
    rows.append(
        ("scale-out", "2 gunicorn x 2 workers, one DB, one Redis",
         f"{served[PORTS[0]]} + {served[PORTS[1]]} requests",
         f"{sum(served.values()) / elapsed:.0f} req/s", f"p95 {pct(latencies, 95) * 1000:.0f} ms",
         f"{errors} errors", f"session shared: HTTP {shared}",
         "met" if errors == 0 and shared == 200 and all(served.values()) else "MISSED")
    )  # fmt: skip
    log(f"scale-out web: {served} in {elapsed:.0f}s, {errors} errors, "
        f"session from :{PORTS[0]} on :{PORTS[1]} -> {shared}")  # fmt: skip
    for name in PERIODIC:
        sent = beat_log.count(f"Sending due task {name} ")
        task = settings.CELERY_BEAT_SCHEDULE[name]["task"]
        ids = all_runs.get(task, [])
        per_worker = {n: len(r.get(task, [])) for n, r in runs_by_worker.items()}
        once = len(ids) == len(set(ids)) == sent
        rows.append(
            ("scale-out", f"periodic {name} (beat x1, every {TICK:g} s)",
             f"{sent} ticks in {ran_for:.0f} s", f"{len(ids)} runs",
             " ".join(f"{n}: {c}" for n, c in per_worker.items()),
             f"{len(ids) - len(set(ids))} duplicates", "once per tick" if once else "NOT ONCE",
             "met" if once and sent else "MISSED")
        )  # fmt: skip
        log(f"scale-out periodic {name}: {sent} sent, {len(ids)} runs {per_worker}")
    compressed = static["encoding"] in {"br", "gzip"}
    immutable = "max-age=315360000" in static["cache"] or "immutable" in static["cache"]
    rows.append(
        ("scale-out", "static file (whitenoise, manifest)", static["name"],
         f"HTTP {static['status']}", f"{static['encoding']}, {static['bytes']:,} B",
         static["cache"][:40], "", "met" if compressed and immutable else "MISSED")
    )  # fmt: skip
    log(f"scale-out static: {static}")
    return rows


if __name__ == "__main__":
    from bench import run
    from bench.run import django_setup, table

    django_setup()
    run.rows.extend(measure())
    print(table())
