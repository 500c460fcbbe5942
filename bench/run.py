# ruff: noqa: E501, S105, S603 - a benchmark script: long table lines, a fixed password, our own commands
"""``make bench``: the system at scale, served as in production, measured.

Seeds (or reuses) the scale database, migrates, starts gunicorn with production
settings (DEBUG off, generated secrets kept in ``bench/.secrets.env``), logs in as
seeded people of each role and measures pages and endpoints, throughput, the
ledger export, the fund statement, a tender publication's fan-out, racing
disbursement approvals and the ledger's write rate with and without the hash
chain (``bench/chain_rate.py``, which also runs alone), then runs the Locust load
test (``bench/load.py``, which also runs alone). Prints one table and writes ``BENCHMARKS.md``.

Environment: ``BENCH_DATABASE_URL`` (default the local ``secretariat_bench``),
``BENCH_REDIS_URL`` (default Redis db 9), ``BENCH_SCALE`` (default 100),
``BENCH_PORT`` (8765), ``BENCH_WORKERS`` (gunicorn processes, default 2 x cores + 1),
``BENCH_LOAD=off`` to skip the load test (its own settings: ``bench/load.py``).
``--notes-only`` puts ``bench/notes.md`` in ``BENCHMARKS.md`` without measuring.
"""

import http.client
import json
import multiprocessing
import os
import platform
import re
import secrets
import signal
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
PYTHON = str(BIN / "python")
SECRETS = ROOT / "bench" / ".secrets.env"
HOST = "127.0.0.1"
PORT = int(os.environ.get("BENCH_PORT", "8765"))
SCALE = os.environ.get("BENCH_SCALE", "100")
DATABASE_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/secretariat_bench"
)
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/9")
WORKERS = int(os.environ.get("BENCH_WORKERS", str(2 * (os.cpu_count() or 1) + 1)))
PASSWORD = "scale-bench-2026"
SAMPLES = int(os.environ.get("BENCH_SAMPLES", "30"))
CLIENTS = 20
WARM_UPS = 6 * WORKERS
THROUGHPUT_SECONDS = float(os.environ.get("BENCH_THROUGHPUT_SECONDS", "8"))
# Issue 21's targets, measured beside issue 7's (the verdict says when a row meets
# the old one only).
PAGE_P95_MS, OLD_PAGE_P95_MS = 50, 100
QUERY_BUDGET = 20
SIGNED_IN_SHARE = 0.70  # of the anonymous bare view's throughput
SIGNED_IN_QUERIES = 1  # per signed-in request on a warm cache
HEAVY_SHARE = 0.10  # of the bare view's throughput
CSV_COPY_RATIO, OLD_CSV_COPY_RATIO = 2, 5
FAN_OUT_MS, OLD_FAN_OUT_MS = 100, 200

rows = []  # the table: (section, what, figures..., target, verdict)


def log(message):
    print(message, file=sys.stderr, flush=True)


# ------------------------------------------------------------------ set-up


def secrets_env():
    if not SECRETS.exists():
        from cryptography.fernet import Fernet

        SECRETS.write_text(
            f"SECRET_KEY={secrets.token_urlsafe(50)}\n"
            f"BID_ENCRYPTION_KEYS={Fernet.generate_key().decode()}\n"
        )
    values = {}
    for line in SECRETS.read_text().splitlines():
        if "=" in line:
            name, value = line.split("=", 1)
            values[name.strip()] = value.strip()
    return values


def production_env():
    env = {k: v for k, v in os.environ.items() if k != "DEBUG"}
    env.update(secrets_env())
    env.update(
        DEBUG="off",
        ALLOWED_HOSTS=f"{HOST},localhost",
        DATABASE_URL=DATABASE_URL,
        REDIS_URL=REDIS_URL,
        CELERY_BROKER_URL=REDIS_URL,
        CELERY_TASK_ALWAYS_EAGER="off",
        # Plain HTTP on localhost: no TLS terminator in front of gunicorn here.
        SECURE_SSL_REDIRECT="off",
        SESSION_COOKIE_SECURE="off",
        CSRF_COOKIE_SECURE="off",
        SECURE_HSTS_SECONDS="0",
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        BENCH_INSTRUMENTS="on",
        LOG_LEVEL="WARNING",
        # The seeded tenders (and the fan-out's) have no opening committee; its
        # cost is measured apart (``measure_opening_rate``).
        OPENING_COMMITTEE="off",
    )
    return env


ENV = production_env()


def manage(*args, check=True, capture=False):
    return subprocess.run(
        [PYTHON, "manage.py", *args],
        cwd=ROOT,
        env=ENV,
        check=check,
        text=True,
        capture_output=capture,
    )


def django_setup():
    os.environ.update(ENV)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "secretariat.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def prepare_database():
    parsed = urllib.parse.urlsplit(DATABASE_URL)
    name = parsed.path.lstrip("/")
    admin = DATABASE_URL.rsplit("/", 1)[0] + "/postgres"
    import psycopg

    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if not exists:
            log(f"creating database {name}")
            conn.execute(f'CREATE DATABASE "{name}"')
    log("migrating")
    manage("migrate", "--noinput", "-v0")
    with psycopg.connect(DATABASE_URL) as conn:
        seeded = conn.execute(
            "SELECT 1 FROM secretariat_user WHERE username = 'scale-officer'"
        ).fetchone()
    if seeded:
        log("reusing the seeded scale database")
        return None
    log(f"seeding at scale {SCALE} (minutes)")
    started = time.monotonic()
    manage("seed_scale", "--scale", SCALE)
    return time.monotonic() - started


def start_gunicorn():
    manage("collectstatic", "--noinput", "-v0")
    process = subprocess.Popen(
        [str(BIN / "gunicorn"), "secretariat.wsgi", "--bind", f"{HOST}:{PORT}",
         "--workers", str(WORKERS), "--worker-class", "sync", "--timeout", "300",
         "--log-level", "warning"],
        cwd=ROOT, env=ENV, start_new_session=True,
    )  # fmt: skip
    for _ in range(100):
        try:
            status, _body, _h = request("GET", "/healthz")
            if status == 200:
                return process
        except OSError:
            pass
        time.sleep(0.2)
    process.terminate()
    raise SystemExit("gunicorn did not start")


def start_worker(wait_ready=False):
    """One Celery worker (concurrency 1). With ``wait_ready``, returns once it
    says it is ready, as a deployed worker is before the request that feeds it
    (its start-up would otherwise share the 2 cores with that request)."""
    log_file = ROOT / "bench" / ".worker.log"
    with open(log_file, "w") as out:
        process = subprocess.Popen(
            [str(BIN / "celery"), "-A", "secretariat", "worker", "--concurrency", "1",
             "--loglevel", "INFO" if wait_ready else "WARNING", "--without-heartbeat",
             "--without-gossip", "--without-mingle"],
            cwd=ROOT, env=ENV, start_new_session=True, stdout=out,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
    if wait_ready:
        for _ in range(300):
            if " ready." in log_file.read_text() or process.poll() is not None:
                break
            time.sleep(0.1)
    return process


def stop(process):
    if process and process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


# ------------------------------------------------------------------ HTTP


def request(method, path, cookies=None, body=None, headers=None, stream_to=None):
    conn = http.client.HTTPConnection(HOST, PORT, timeout=600)
    head = {"Host": f"{HOST}:{PORT}"}
    if cookies:
        head["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    head.update(headers or {})
    conn.request(method, path, body=body, headers=head)
    response = conn.getresponse()
    if stream_to is not None:
        while chunk := response.read(1 << 16):
            stream_to(chunk)
        data = b""
    else:
        data = response.read()
    result = response.status, data, response
    conn.close()
    return result


def _cookies(response, jar):
    for value in response.msg.get_all("Set-Cookie") or []:
        name, rest = value.split("=", 1)
        jar[name.strip()] = rest.split(";", 1)[0]


def login(username):
    jar = {}
    status, body, response = request("GET", "/accounts/login/")
    _cookies(response, jar)
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1)
    form = urllib.parse.urlencode(
        {"username": username, "password": PASSWORD,
         "csrfmiddlewaretoken": token.decode()}
    )  # fmt: skip
    status, body, response = request(
        "POST", "/accounts/login/", cookies=jar, body=form,
        headers={"Content-Type": "application/x-www-form-urlencoded",
                 "Referer": f"http://{HOST}:{PORT}/accounts/login/"},
    )  # fmt: skip
    _cookies(response, jar)
    if status != 302 or "sessionid" not in jar:
        raise SystemExit(f"login as {username} failed ({status})")
    # Staff then give the code of their authenticator (the bench's own key).
    status, body, response = request("GET", "/", cookies=jar)
    location = response.getheader("Location") or ""
    if status == 302 and "/accounts/two-factor/verify/" in location:
        path = urllib.parse.urlsplit(location)
        path = f"{path.path}?{path.query}"
        status, body, response = request("GET", path, cookies=jar)
        _cookies(response, jar)
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
        form = urllib.parse.urlencode(
            {"otp_token": otp_code(username),
             "csrfmiddlewaretoken": token.group(1).decode()}
        )  # fmt: skip
        status, body, response = request(
            "POST", path, cookies=jar, body=form,
            headers={"Content-Type": "application/x-www-form-urlencoded",
                     "Referer": f"http://{HOST}:{PORT}{path}"},
        )  # fmt: skip
        _cookies(response, jar)
        if status != 302:
            raise SystemExit(f"second factor for {username} failed ({status})")
    return jar


# The bench's staff sign in with a second factor like everyone else: a confirmed
# authenticator with this key each (reset before each run), and codes computed
# here, each time step used once per account.
BENCH_TOTP_KEY = b"drone-coalition-bench".hex()
ENROL = """
from django_otp.plugins.otp_totp.models import TOTPDevice
from secretariat.accounts.models import User
from secretariat.accounts.twofactor import REQUIRED_ROLES
staff = User.objects.filter(username__startswith="scale-", groups__name__in=REQUIRED_ROLES)
# Only the bench's authenticator: the code page asks for the first device's code.
TOTPDevice.objects.filter(user__in=staff).exclude(name="Bench authenticator").delete()
for user in staff.distinct():
    TOTPDevice.objects.update_or_create(
        user=user, name="Bench authenticator",
        defaults={"key": "BENCH_TOTP_KEY", "confirmed": True, "last_t": -1, "drift": 0},
    )
""".replace("BENCH_TOTP_KEY", BENCH_TOTP_KEY)
_used_steps = {}


def enrol_authenticators():
    manage("shell", "-c", ENROL)


def otp_code(username):
    from django_otp.oath import hotp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    # A step the server has already accepted (by an earlier process) is refused.
    last_t = (
        TOTPDevice.objects.filter(user__username=username, confirmed=True)
        .order_by("pk")
        .values_list("last_t", flat=True)
        .first()
    )
    if last_t is not None:
        _used_steps[username] = max(_used_steps.get(username, -1), last_t)
    while True:
        now = int(time.time() // 30)
        step = max(now - 1, _used_steps.get(username, now - 2) + 1)
        if step <= now + 1:
            break
        time.sleep(30 - time.time() % 30 + 0.1)
    _used_steps[username] = step
    return str(hotp(bytes.fromhex(BENCH_TOTP_KEY), step)).zfill(6)


def api_token(username):
    body = json.dumps(
        {"username": username, "password": PASSWORD, "otp_token": otp_code(username)}
    )
    status, data, _r = request(
        "POST", "/api/auth/token/", body=body,
        headers={"Content-Type": "application/json"},
    )  # fmt: skip
    if status != 200:
        raise SystemExit(f"token for {username} failed ({status}): {data[:200]}")
    return json.loads(data)["token"]


def verdict(ok, old_ok=None):
    """``met``; or ``MISSED``, saying when issue 7's looser target is still met."""
    if ok:
        return "met"
    return "MISSED (issue 7's met)" if old_ok else "MISSED"


def pct(values, p):
    values = sorted(values)
    if not values:
        return float("nan")
    k = (len(values) - 1) * p / 100
    lower = int(k)
    upper = min(lower + 1, len(values) - 1)
    return values[lower] + (values[upper] - values[lower]) * (k - lower)


# ------------------------------------------------------------------ measures


def measure_pages(pages, logins):
    planned, failed = {}, {}  # label: samples to take; label: HTTP status
    for label, user, path in pages:
        cookies = logins[user]
        warm = time.monotonic()
        # Each gunicorn worker compiles a page's templates and fills its caches
        # on its first request for it. Which worker answers is the kernel's
        # choice: with 2 warm-ups per worker, one of the five was often left
        # cold (a chance of about one in two), and its first request landed in
        # the sample's top 5%; with 6, about one in 150.
        for _ in range(WARM_UPS):
            status, _body, response = request("GET", path, cookies=cookies)
        if status != 200:
            log(f"{label}: {path} answered {status}")
            failed[label] = status
            continue
        # A page that takes seconds is sampled less, so the run still ends.
        planned[label] = SAMPLES if time.monotonic() - warm < WARM_UPS else 5
    # The samples are taken in rounds, one request per page each round: a few
    # seconds when the machine is busy elsewhere (a checkpoint, a neighbour on
    # the host) then touch one or two samples of every page, not the whole
    # sample of the page measured at that moment.
    taken = {label: ([], [], set()) for label in planned}
    for round_ in range(max(planned.values(), default=0)):
        for label, user, path in pages:
            if round_ >= planned.get(label, 0):
                continue
            _status, _body, response = request("GET", path, cookies=logins[user])
            server, sql, queries = taken[label]
            server.append(float(response.getheader("X-Bench-Server-ms")))
            sql.append(float(response.getheader("X-Bench-SQL-ms")))
            queries.add(int(response.getheader("X-Bench-Queries")))
    for label, _user, path in pages:
        if label in failed:
            rows.append(("page", label, path, f"HTTP {failed[label]}", "", "", "",
                         "MISSED"))  # fmt: skip
            continue
        server, sql, queries = taken[label]
        p95 = pct(server, 95)
        n_queries = max(queries)
        share = sum(sql) / sum(server) * 100
        ok = n_queries <= QUERY_BUDGET and p95 <= PAGE_P95_MS
        old_ok = n_queries <= QUERY_BUDGET and p95 <= OLD_PAGE_P95_MS
        rows.append(
            ("page", label, path, str(n_queries), f"{pct(server, 50):.1f}",
             f"{p95:.1f}", f"{share:.0f}%", verdict(ok, old_ok))
        )  # fmt: skip
        log(f"{label}: {n_queries} queries, p50 {pct(server, 50):.1f} ms, "
            f"p95 {p95:.1f} ms, SQL {share:.0f}%")  # fmt: skip


def _hammer(path, cookies, deadline, queue):
    done, errors, times = 0, 0, []
    while time.monotonic() < deadline:
        started = time.monotonic()
        try:
            status, _b, _r = request("GET", path, cookies=cookies)
        except OSError:
            status = 0
        times.append(time.monotonic() - started)
        if status == 200:
            done += 1
        else:
            errors += 1
    queue.put((done, errors, times))


def throughput(label, path, cookies):
    queue = multiprocessing.Queue()
    deadline = time.monotonic() + THROUGHPUT_SECONDS
    workers = [
        multiprocessing.Process(target=_hammer, args=(path, cookies, deadline, queue))
        for _ in range(CLIENTS)
    ]
    started = time.monotonic()
    for w in workers:
        w.start()
    results = [queue.get() for _ in workers]
    for w in workers:
        w.join()
    elapsed = time.monotonic() - started
    done = sum(r[0] for r in results)
    errors = sum(r[1] for r in results)
    latencies = [t for r in results for t in r[2]]
    rps = done / elapsed
    log(f"throughput {label}: {rps:.0f} req/s, p95 {pct(latencies, 95) * 1000:.0f} ms, "
        f"{errors} errors")  # fmt: skip
    return rps, pct(latencies, 95) * 1000, errors


def bare_queries(cookies):
    """The signed-in bare view's queries on a warm cache: the most any worker
    runs for it, after the throughput run has warmed every one."""
    counts = []
    for _ in range(2 * WORKERS):
        _s, _b, response = request("GET", "/bench/bare/", cookies=cookies)
        counts.append(int(response.getheader("X-Bench-Queries") or -1))
    return max(counts)


def measure_throughput(targets, logins):
    bare_rps, bare_p95, _e = throughput("bare view", "/bench/bare/", {})
    rows.append(
        ("throughput", "bare Django view", "/bench/bare/", "", "", f"{bare_p95:.0f}",
         f"{bare_rps:.0f} req/s", "yardstick")
    )  # fmt: skip
    # The same view signed in as staff (a secretariat officer, second factor
    # verified): what every signed-in request costs before the view runs.
    staff = logins["scale-officer"]
    rps, p95, errors = throughput("bare view, signed in", "/bench/bare/", staff)
    queries = bare_queries(staff)
    share = rps / bare_rps
    ok = not errors and share >= SIGNED_IN_SHARE and 0 <= queries <= SIGNED_IN_QUERIES
    rows.append(
        ("throughput", "bare Django view, signed in (staff)", "/bench/bare/",
         f"{queries} {'query' if queries == 1 else 'queries'} (warm)", "", f"{p95:.0f}",
         f"{rps:.0f} req/s ({share:.0%} of anonymous)", verdict(ok))
    )  # fmt: skip
    log(f"signed-in bare view: {share:.0%} of anonymous, {queries} queries")
    for label, user, path, target in targets:
        rps, p95, errors = throughput(label, path, logins[user])
        share = rps / bare_rps
        if target:
            state = verdict(not errors and share >= HEAVY_SHARE)
        else:
            state = "errors" if errors else "measured"
        rows.append(
            ("throughput", label, path, "", "", f"{p95:.0f}",
             f"{rps:.0f} req/s ({share:.0%} of bare)", state)
        )  # fmt: skip


def gunicorn_workers(master):
    try:
        children = Path(f"/proc/{master.pid}/task/{master.pid}/children").read_text()
    except OSError:
        return []
    return [int(pid) for pid in children.split()]


def rss_mb(pid):
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return 0.0
    return 0.0


def measure_ledger_export(master, cookies):
    import threading

    import psycopg

    pids = gunicorn_workers(master)
    baseline = {pid: rss_mb(pid) for pid in pids}
    peak = dict(baseline)
    stop_sampling = threading.Event()

    def sample():
        while not stop_sampling.is_set():
            for pid in pids:
                peak[pid] = max(peak[pid], rss_mb(pid))
            time.sleep(0.05)

    sampler = threading.Thread(target=sample)
    sampler.start()
    counted = {"bytes": 0, "lines": 0}

    def count(chunk):
        counted["bytes"] += len(chunk)
        counted["lines"] += chunk.count(b"\n")

    started = time.monotonic()
    status, _b, _r = request(
        "GET", "/reports/ledger.csv", cookies=cookies, stream_to=count
    )
    elapsed = time.monotonic() - started
    stop_sampling.set()
    sampler.join()
    growth = max(peak[pid] - baseline[pid] for pid in pids) if pids else 0.0
    peak_rss = max(peak.values()) if pids else 0.0
    data_rows = max(0, counted["lines"] - 1)
    with psycopg.connect(DATABASE_URL) as conn, conn.cursor() as cursor:
        copy_started = time.monotonic()
        copied = 0
        with cursor.copy(
            "COPY (SELECT * FROM secretariat_ledgerentry ORDER BY created_at, id) "
            "TO STDOUT WITH CSV HEADER"
        ) as copy:
            for chunk in copy:
                copied += bytes(chunk).count(b"\n")
        copy_elapsed = time.monotonic() - copy_started
    per_second = data_rows / elapsed if elapsed else 0
    ratio = elapsed / copy_elapsed if copy_elapsed else float("inf")
    rest = status == 200 and per_second >= 100_000 and peak_rss < 200
    rows.append(
        ("export", "ledger CSV (/reports/ledger.csv)", f"{data_rows:,} rows",
         f"{elapsed:.1f} s", f"{per_second:,.0f} rows/s",
         f"peak RSS {peak_rss:.0f} MB (+{growth:.0f})",
         f"COPY {copy_elapsed:.1f} s, x{ratio:.1f}",
         verdict(rest and ratio <= CSV_COPY_RATIO, rest and ratio <= OLD_CSV_COPY_RATIO))
    )  # fmt: skip
    log(f"ledger export: {data_rows:,} rows in {elapsed:.1f}s, {per_second:,.0f}/s, "
        f"peak {peak_rss:.0f} MB; COPY {copied:,} rows in {copy_elapsed:.1f}s")  # fmt: skip


FUND_STATEMENT = """
import resource, time
from secretariat.reports.models import Report
from secretariat.accounts.models import User
from secretariat.reports.services import report_build
finance = User.objects.get(username="scale-finance")
report = Report.objects.create(kind="fund_statement", format="{fmt}", requested_by=finance)
started = time.monotonic()
report = report_build(report.pk)
print("RESULT", time.monotonic() - started, report.status, report.row_count,
      report.size or 0, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
      repr(report.error[:200]))
"""


def measure_fund_statement():
    for fmt in ("pdf", "xlsx"):
        out = manage("shell", "-c", FUND_STATEMENT.replace("{fmt}", fmt), capture=True,
                     check=False)  # fmt: skip
        line = next((x for x in out.stdout.splitlines() if x.startswith("RESULT")), "")
        if not line:
            rows.append(("report", f"fund statement {fmt.upper()}", "failed", "", "", "",
                         "", "MISSED"))  # fmt: skip
            log(out.stderr[-2000:])
            continue
        _, seconds, status, count, size, rss, error = line.split(" ", 6)
        seconds = float(seconds)
        ok = status == "done" and (fmt != "pdf" or seconds < 20)
        rows.append(
            ("report", f"fund statement {fmt.upper()}", f"{count} rows",
             f"{seconds:.1f} s", f"{int(size) / 1024:.0f} KiB",
             f"peak RSS {float(rss):.0f} MB", status,
             ("met" if ok else "MISSED") if fmt == "pdf" else "measured")
        )  # fmt: skip
        log(f"fund statement {fmt}: {seconds:.1f}s {status} {error}")


FAN_OUT_SETUP = """
import datetime as dt
from decimal import Decimal
from django.utils import timezone
from procurement.models import Lot, Requirement, Tender
from secretariat.kernel.models import Case
from secretariat.fund.models import Pool
from secretariat.accounts.models import User
from secretariat.kernel.services import case_open
officer = User.objects.get(username="scale-procurement")
# A tender answers an open requirement with a lot of its capability (publication
# refuses one that answers none).
requirement = Requirement.objects.filter(
    status="open", capability__lethality="non_lethal").order_by("pk").first()
category = requirement.capability
now = timezone.now()
case = case_open(kind="tender", title="Bench fan-out tender", owner=officer,
                 status="draft", actor=officer)
tender = Tender.objects.create(
    case=case, title="Bench fan-out tender", description="Fan-out benchmark.",
    pool=Pool.objects.get(code="unrestricted"),
    clarification_deadline=now + dt.timedelta(days=10),
    submission_deadline=now + dt.timedelta(days=30),
)
tender.requirements.add(requirement)
Lot.objects.create(tender=tender, number=1, title="Interceptors", capability=category,
                   quantity=500, max_unit_price=Decimal("3000"),
                   delivery_from=(now + dt.timedelta(days=60)).date(),
                   delivery_to=(now + dt.timedelta(days=200)).date())
print("RESULT", case.reference)
"""


def _result(out):
    line = next((x for x in out.stdout.splitlines() if x.startswith("RESULT")), None)
    if line is None:
        log(out.stdout[-2000:] + out.stderr[-3000:])
        return None
    return line.split()[1:]


def measure_fan_out(token):
    import psycopg

    out = manage("shell", "-c", FAN_OUT_SETUP, capture=True, check=False)
    result = _result(out)
    if not result:
        rows.append(("fan-out", "tender publication", "set-up failed", "", "", "", "",
                     "not measured"))  # fmt: skip
        return
    reference = result[0]
    with psycopg.connect(DATABASE_URL) as conn:
        before = conn.execute(
            "SELECT COALESCE(MAX(id), 0) FROM secretariat_notification"
        ).fetchone()[0]
    worker = start_worker(wait_ready=True)
    try:
        started = time.monotonic()
        status, data, response = request(
            "POST", f"/api/tenders/{reference}/publish/", body="{}",
            headers={"Authorization": f"Token {token}",
                     "Content-Type": "application/json"},
        )  # fmt: skip
        web = (time.monotonic() - started) * 1000
        server = float(response.getheader("X-Bench-Server-ms") or "nan")
        if status != 200:
            log(f"publish answered {status}: {data[:300]}")
        with psycopg.connect(DATABASE_URL, autocommit=True) as conn:
            # The notifications are written by the worker after the request's
            # commit (one fan-out row in the request): counted once delivered.
            emails = 0
            while time.monotonic() - started < 300:
                emails, pending = conn.execute(
                    "SELECT COUNT(*), COUNT(*) FILTER (WHERE d.status = 'pending') "
                    "FROM secretariat_notificationdelivery d JOIN "
                    "secretariat_notification n ON n.id = d.notification_id "
                    "WHERE n.id > %s AND d.channel = 'email'", [before],
                ).fetchone()  # fmt: skip
                if emails and not pending:
                    break
                time.sleep(0.5)
            delivered = time.monotonic() - started
            total = conn.execute(
                "SELECT COUNT(*) FROM secretariat_notification WHERE id > %s", [before]
            ).fetchone()[0]
    finally:
        stop(worker)
    ok = web < FAN_OUT_MS and delivered < 60
    old_ok = web < OLD_FAN_OUT_MS and delivered < 60
    rows.append(
        ("fan-out", "tender publication", f"{total:,} notified, {emails:,} emails",
         f"request {web:.0f} ms", f"all delivered {delivered:.1f} s",
         f"server {server:.0f} ms", "", verdict(ok, old_ok))
    )  # fmt: skip
    log(
        f"fan-out: {total} notifications, request {web:.0f} ms (server {server:.0f} ms), "
        f"delivered in {delivered:.1f}s"
    )


RACE_SETUP = """
import datetime as dt
from decimal import Decimal
from django.db import transaction
from django.utils import timezone
from secretariat.fund.models import (
    ApprovalPolicy,
    Commitment,
    DisbursementRequest,
    Pool,
)
from secretariat.kernel.models import CapabilityCategory
from secretariat.accounts.models import User
from secretariat.kernel.services import case_open
finance, checker = (User.objects.get(username=u) for u in ("scale-finance", "scale-finance-2"))
# Segregation of duties: the payer (scale-finance) neither prepared nor checked.
# (Not a "scale-" name: the load test signs in the seeded people, and this one has
# no password.)
from django.contrib.auth.models import Group
preparer, created = User.objects.get_or_create(
    username="bench-race-preparer",
    defaults={"email": "bench-race-preparer@bench.invalid"})
if created:
    preparer.set_unusable_password()
    preparer.save()
    preparer.groups.add(Group.objects.get(name="finance_officer"))
pool = Pool.objects.get(code="unrestricted")
policy = ApprovalPolicy.objects.order_by("-version").first()
category = CapabilityCategory.objects.first()
with transaction.atomic():
    pool = Pool.objects.select_for_update().get(pk=pool.pk)
    from secretariat.fund.services.ledger import _post
    commitment = Commitment.objects.create(pool=pool, amount_eur=Decimal("{total}"),
        purpose="Bench race", created_by=finance)
    commitment.categories.add(category)
    _post(pool=pool, kind="commitment", amount_eur=commitment.amount_eur, actor=finance,
          memo="Bench race", commitment=commitment)
    refs = []
    for i in range({count}):
        case = case_open(kind="disbursement", title=f"Bench race {i}", owner=finance,
                         status="checked", actor=finance)
        request = DisbursementRequest.objects.create(
            case=case, commitment=commitment, status="checked", payee_name="Bench",
            payee_country="LV", payee_iban="LV80BANK0000435195001", payee_bic="HABALV22",
            amount=Decimal("{each}"), amount_currency="EUR", eur_amount=Decimal("{each}"),
            fx_rate=1, fx_date=timezone.localdate(), purpose="Bench race",
            prepared_by=preparer, submitted_at=timezone.now(), policy=policy,
            approvals_needed=1, checked_by=checker, checked_at=timezone.now())
        request.categories.add(category)
        refs.append(case.reference)
print("RESULT", pool.pk, ",".join(refs))
"""


def _race(method_path_body, token, queue):
    times, errors = [], 0
    for method, path, body in method_path_body:
        started = time.monotonic()
        status, data, _r = request(
            method, path, body=body,
            headers={"Authorization": f"Token {token}",
                     "Content-Type": "application/json"},
        )  # fmt: skip
        times.append(time.monotonic() - started)
        if status != 200:
            errors += 1
            if errors < 3:
                print(f"race {path}: {status} {data[:200]}", file=sys.stderr)
    queue.put((times, errors))


def race(label, calls, tokens):
    queue = multiprocessing.Queue()
    shares = [calls[i::CLIENTS] for i in range(CLIENTS)]
    workers = [
        multiprocessing.Process(
            target=_race, args=(share, tokens[i % len(tokens)], queue)
        )
        for i, share in enumerate(shares)
    ]
    started = time.monotonic()
    for w in workers:
        w.start()
    results = [queue.get() for _ in workers]
    for w in workers:
        w.join()
    elapsed = time.monotonic() - started
    times = [t for r in results for t in r[0]]
    errors = sum(r[1] for r in results)
    return len(calls) / elapsed, pct(times, 95) * 1000, errors


def local_today():
    """Today in the application's time zone: a payment dated by the machine's UTC
    day would be before its approval in the hours after midnight in Riga."""
    import datetime as dt
    from zoneinfo import ZoneInfo

    return dt.datetime.now(ZoneInfo("Europe/Riga")).date().isoformat()


def measure_race():
    import psycopg

    count, each = 200, "1000.00"
    setup = RACE_SETUP.replace("{count}", str(count)).replace("{each}", each)
    setup = setup.replace("{total}", str(count * 1000))
    out = manage("shell", "-c", setup, capture=True, check=False)
    result = _result(out)
    if not result:
        rows.append(("race", "disbursement approvals", "set-up failed", "", "", "", "",
                     "not measured"))  # fmt: skip
        return
    pool_id, refs = int(result[0]), result[1].split(",")
    approvers = [api_token(u) for u in ("scale-approver-lv", "scale-approver-lv-2",
                                        "scale-approver-uk", "scale-approver-uk-2")]  # fmt: skip
    payer = [api_token("scale-finance")]
    calls = [("POST", f"/api/disbursements/{ref}/approve/", "{}") for ref in refs]
    rps, p95, errors = race("approve", calls, approvers)
    pay_calls = [
        ("POST", f"/api/disbursements/{ref}/pay/",
         json.dumps({"bank_reference": f"BENCH-{ref}-{secrets.token_hex(3)}",
                     "payment_order": f"PO-{ref}",
                     "paid_on": local_today()}))
        for ref in refs
    ]  # fmt: skip
    pay_rps, pay_p95, pay_errors = race("pay", pay_calls, payer)
    with psycopg.connect(DATABASE_URL) as conn:
        pool = conn.execute(
            "SELECT received, committed, disbursed FROM secretariat_pool WHERE id = %s",
            [pool_id],
        ).fetchone()
        ledger = conn.execute(
            "SELECT "
            "COALESCE(SUM(amount_eur) FILTER (WHERE kind IN ('contribution','adjustment')), 0),"
            "COALESCE(SUM(CASE kind WHEN 'commitment' THEN amount_eur "
            "WHEN 'commitment_release' THEN -amount_eur "
            "WHEN 'disbursement' THEN -amount_eur END), 0),"
            "COALESCE(SUM(amount_eur) FILTER (WHERE kind = 'disbursement'), 0) "
            "FROM secretariat_ledgerentry WHERE pool_id = %s",
            [pool_id],
        ).fetchone()  # fmt: skip
        paid = conn.execute(
            "SELECT COUNT(*) FROM secretariat_disbursementrequest r JOIN secretariat_case c "
            "ON c.id = r.case_id WHERE c.reference = ANY(%s) AND r.status = 'paid'",
            [refs],
        ).fetchone()[0]  # fmt: skip
    exact = tuple(pool) == tuple(ledger) and paid == count
    rows.append(
        ("race", f"{count} approvals on one pool, {CLIENTS} clients", f"{rps:.0f} req/s",
         f"p95 {p95:.0f} ms", f"{errors} errors", "", "", "measured")
    )  # fmt: skip
    rows.append(
        ("race", f"{count} payments on one pool, {CLIENTS} clients",
         f"{pay_rps:.0f} req/s", f"p95 {pay_p95:.0f} ms", f"{pay_errors} errors",
         f"{paid}/{count} paid", "balances exact" if exact else "BALANCES DIFFER",
         "met" if exact else "MISSED")
    )  # fmt: skip
    log(f"race: approve {rps:.0f}/s p95 {p95:.0f} ms ({errors} errors); pay "
        f"{pay_rps:.0f}/s p95 {pay_p95:.0f} ms ({pay_errors} errors); pool {pool} "
        f"ledger {ledger}")  # fmt: skip


SMALL_POOL = """
from decimal import Decimal
from django.db import transaction
from secretariat.fund.models import LedgerEntry, Pool
from secretariat.accounts.models import User
from secretariat.fund.services.ledger import _post
finance = User.objects.get(username="scale-finance")
pool, created = Pool.objects.get_or_create(
    code="bench-balance", defaults={"name": "Bench balance pool", "kind": "categories"})
missing = 2000 - LedgerEntry.objects.filter(pool=pool).count()
with transaction.atomic():
    pool = Pool.objects.select_for_update().get(pk=pool.pk)
    for i in range(max(0, missing)):
        _post(pool=pool, kind="adjustment", amount_eur=Decimal("10.00"), actor=finance,
              memo=f"Bench balance {i}")
print("RESULT", pool.code, LedgerEntry.objects.filter(pool=pool).count())
"""


def measure_pool_balance(cookies_or_token):
    """A pool's balance read through the API at 2,000 entries and at the largest
    pool's size: the same queries and the same time (running totals)."""
    import psycopg

    out = manage("shell", "-c", SMALL_POOL, capture=True, check=False)
    result = _result(out)
    if not result:
        rows.append(("balance", "pool balance read", "set-up failed", "", "", "", "",
                     "not measured"))  # fmt: skip
        return
    small_code, small_n = result[0], int(result[1])
    with psycopg.connect(DATABASE_URL) as conn:
        big_code, big_n = conn.execute(
            "SELECT p.code, COUNT(*) FROM secretariat_ledgerentry e JOIN "
            "secretariat_pool p ON p.id = e.pool_id GROUP BY p.code "
            "ORDER BY 2 DESC LIMIT 1"
        ).fetchone()
    figures = []
    for code, n in ((small_code, small_n), (big_code, big_n)):
        path = f"/api/pools/{code}/"
        for _ in range(WARM_UPS):  # every worker, as for the pages
            request("GET", path, cookies=cookies_or_token)
        server, queries = [], set()
        for _ in range(SAMPLES):
            _s, _b, response = request("GET", path, cookies=cookies_or_token)
            server.append(float(response.getheader("X-Bench-Server-ms")))
            queries.add(int(response.getheader("X-Bench-Queries")))
        figures.append((code, n, max(queries), pct(server, 50), pct(server, 95)))
    (_c1, n1, q1, p50_1, _p95), (_c2, n2, q2, p50_2, _p95) = figures
    # The same queries, and no more than noise between the two (2 ms or 50%).
    flat = q1 == q2 and p50_2 <= max(p50_1 * 1.5, p50_1 + 2)
    for code, n, q, p50, p95 in figures:
        rows.append(
            ("balance", f"pool balance at {n:,} entries", f"/api/pools/{code}/",
             str(q), f"{p50:.1f}", f"{p95:.1f}", "",
             verdict(flat and p95 <= PAGE_P95_MS, flat and p95 <= OLD_PAGE_P95_MS))
        )  # fmt: skip
    log(f"pool balance: {n1} entries {q1} queries p50 {p50_1:.1f} ms; "
        f"{n2} entries {q2} queries p50 {p50_2:.1f} ms")  # fmt: skip


def measure_chain_rate():
    """The ledger's write rate with the hash chain (issue 19) and without it,
    side by side in the same run (``bench/chain_rate.py``, rolled back)."""
    out = subprocess.run(
        [PYTHON, str(ROOT / "bench" / "chain_rate.py"), "250"],
        cwd=ROOT, env=ENV, text=True, capture_output=True, check=False,
    )  # fmt: skip
    result = _result(out)
    if not result:
        rows.append(("ledger", "write rate with the hash chain", "failed", "", "", "",
                     "", "not measured"))  # fmt: skip
        return
    with_chain, without_chain, total = float(result[0]), float(result[1]), result[2]
    slower = 100 * (1 - with_chain / without_chain)
    rows.append(("ledger", "writes with the hash chain", f"{total} entries",
                 f"{with_chain:.0f}/s", "", "", "", "measured"))  # fmt: skip
    rows.append(("ledger", "writes without the chain (before)", f"{total} entries",
                 f"{without_chain:.0f}/s", f"chain costs {slower:.0f}%", "", "",
                 "measured"))  # fmt: skip
    log(f"ledger writes: {with_chain:.0f}/s chained, {without_chain:.0f}/s not")


def measure_opening_rate():
    """Sealing and opening 400 bids with the opening committee (issue 19) and
    with the servers' bid keys, side by side (``bench/opening_rate.py``)."""
    out = subprocess.run(
        [PYTHON, str(ROOT / "bench" / "opening_rate.py"), "400"],
        cwd=ROOT, env=ENV, text=True, capture_output=True, check=False,
    )  # fmt: skip
    result = _result(out)
    if not result:
        rows.append(("bids", "sealing and opening with the committee", "failed", "",
                     "", "", "", "not measured"))  # fmt: skip
        return
    c_seal, c_open, s_seal, s_open, kdf = (float(x) for x in result[:4] + result[5:])
    bids = result[4]
    rows.append(("bids", "seal with the committee's key", f"{bids} bids",
                 f"{c_seal:.0f} ms", "", "", "", "measured"))  # fmt: skip
    rows.append(("bids", "seal with the server key (before)", f"{bids} bids",
                 f"{s_seal:.0f} ms", "", "", "", "measured"))  # fmt: skip
    rows.append(("bids", "open with 2 of 3 members' passphrases", f"{bids} bids",
                 f"{c_open:.0f} ms", f"Argon2id {kdf:.0f} ms per member", "", "",
                 "measured"))  # fmt: skip
    rows.append(("bids", "open with the server key (before)", f"{bids} bids",
                 f"{s_open:.0f} ms", "", "", "", "measured"))  # fmt: skip
    log(f"{bids} bids: committee seal {c_seal:.0f} ms open {c_open:.0f} ms; "
        f"server key seal {s_seal:.0f} ms open {s_open:.0f} ms")  # fmt: skip


def measure_load(logins):
    """The Locust load test (``bench/load.py``): its steps and the number of
    people served at once, on the gunicorn this run started."""
    from bench import load

    try:
        load.measure(sys.modules[__name__], logins, rows)
    except Exception as exc:  # noqa: BLE001 - the rest of the run is kept
        log(f"load test failed: {exc!r}")
        rows.append(("load", "Locust: concurrent users served", "failed", "", "",
                     "", "", "not measured"))  # fmt: skip


# ------------------------------------------------------------------ report


def machine():
    import psycopg

    mem = 0
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            mem = int(line.split()[1]) / 1024 / 1024
    cpu = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    with psycopg.connect(DATABASE_URL) as conn:
        version = conn.execute("SHOW server_version").fetchone()[0]
        counts = {
            table: conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]  # noqa: S608
            for table in ("members_memberstate", "procurement_manufacturer",
                          "procurement_tender", "procurement_lot", "procurement_bid",
                          "procurement_score", "procurement_contract",
                          "procurement_delivery", "secretariat_disbursementrequest",
                          "secretariat_disbursementapproval", "secretariat_ledgerentry",
                          "secretariat_timelineevent", "secretariat_notification")
        }  # fmt: skip
    return (
        f"{os.cpu_count()} cores ({cpu}), {mem:.0f} GiB RAM, "
        f"{platform.system()} {platform.release()}, Python {platform.python_version()}, "
        f"PostgreSQL {version}; gunicorn {WORKERS} sync workers",
        counts,
    )


HEADER = ("section", "what", "detail", "queries / figure", "p50 ms / figure",
          "p95 ms / figure", "SQL share / figure", "target")  # fmt: skip


def table():
    widths = [max(len(str(r[i])) for r in [HEADER, *rows]) for i in range(len(HEADER))]
    lines = [
        "| "
        + " | ".join(str(c).ljust(w) for c, w in zip(HEADER, widths, strict=True))
        + " |"
    ]
    lines.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for r in rows:
        lines.append(
            "| "
            + " | ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True))
            + " |"
        )
    return "\n".join(lines)


NOTES_HEADING = "## Where a target is missed, why, and what would fix it\n\n"
NOTES_END = "\n\n## Not yet measured"


def rewrite_notes():
    """``bench/run.py --notes-only``: put ``bench/notes.md``, written by hand after
    a run, in place of the notes of ``BENCHMARKS.md``, without measuring again."""
    path = ROOT / "BENCHMARKS.md"
    text = path.read_text()
    start = text.index(NOTES_HEADING) + len(NOTES_HEADING)
    end = text.index(NOTES_END, start)
    notes = (ROOT / "bench" / "notes.md").read_text().rstrip("\n")
    path.write_text(text[:start] + notes + text[end:])
    log("rewrote the notes of BENCHMARKS.md")


def main():
    if "--notes-only" in sys.argv[1:]:
        rewrite_notes()
        return
    seeded_in = prepare_database()
    django_setup()
    from bench.targets import discover

    targets = discover()
    master = start_gunicorn()
    try:
        users = {user for _l, user, _p in targets["pages"]}
        enrol_authenticators()
        logins = {user: login(user) for user in users}
        measure_pages(targets["pages"], logins)
        measure_throughput(targets["throughput"], logins)
        measure_ledger_export(master, logins["scale-finance"])
        measure_fund_statement()
        measure_fan_out(api_token("scale-procurement"))
        measure_race()
        measure_pool_balance(logins["scale-finance"])
        measure_chain_rate()
        measure_opening_rate()
        if os.environ.get("BENCH_LOAD", "on") != "off":
            measure_load(logins)
    finally:
        stop(master)
    if os.environ.get("BENCH_SCALE_OUT", "on") != "off":
        from bench.scale_out import measure as measure_scale_out

        try:
            measure_scale_out(rows)
        except Exception as exc:  # noqa: BLE001 - the rest of the run is kept
            log(f"scale-out failed: {exc!r}")
            rows.append(("scale-out", "several web processes and workers", "failed",
                         "", "", "", "", "MISSED"))  # fmt: skip
    description, counts = machine()
    text = table()
    print(text)
    write_markdown(description, counts, text, seeded_in)


def write_markdown(description, counts, text, seeded_in):
    sizes = ", ".join(f"{t.split('_', 1)[1]} {n:,}" for t, n in counts.items())
    seeded = (
        f"seeded in {seeded_in:.0f} s by `manage.py seed_scale --scale {SCALE}`"
        if seeded_in
        else "reused from an earlier `seed_scale` run"
    )
    template = (ROOT / "bench" / "BENCHMARKS.template.md").read_text()
    notes_file = ROOT / "bench" / "notes.md"
    notes = notes_file.read_text() if notes_file.exists() else "(none written yet)"
    template = template.replace("{notes}", notes)
    (ROOT / "BENCHMARKS.md").write_text(
        template.replace("{machine}", description)
        .replace("{sizes}", sizes)
        .replace("{seeded}", seeded)
        .replace("{date}", time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()))
        .replace("{table}", text)
    )
    log("wrote BENCHMARKS.md")


if __name__ == "__main__":
    main()
