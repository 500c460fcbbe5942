"""Backups that restore: ``manage.py backup``, ``restore`` and ``verify_backup``.

A backup is a directory:
- ``database.dump``: ``pg_dump --format=custom`` (PostgreSQL), or ``database.json``
  (``dumpdata``, SQLite: development only);
- ``media.tar.gz``: every file under ``MEDIA_ROOT`` (the documents);
- ``manifest.json``: when, the versions (Python, Django, the database server, each
  app's last migration), every table's row count, the ledger's totals per pool
  and the SHA-256 of every file.

On PostgreSQL the counts and totals are read in the very snapshot ``pg_dump``
writes (a REPEATABLE READ transaction whose snapshot pg_dump is given), so the
manifest describes exactly what the dump holds, however busy the system is.

``restore`` loads a backup into an empty database and an empty ``MEDIA_ROOT``,
then verifies it. ``verify`` checks the database and the media as they are now
against a manifest: row counts, the ledger's totals per pool, each pool's
balances recomputed from its ledger, every file's checksum, every document's
own recorded checksum, and each bid's sealed offer against its receipt (the
digest in its last event). It returns the problems found, each naming what is wrong.
"""

import datetime as dt
import hashlib
import json
import os
import platform
import subprocess
import tarfile
from decimal import Decimal
from pathlib import Path

import django
from django.conf import settings
from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.db.models import Sum

MANIFEST = "manifest.json"
DUMP = "database.dump"
JSON_DUMP = "database.json"
MEDIA = "media.tar.gz"
FORMAT = 1


class BackupError(Exception):
    """A backup that cannot be made or restored, with the reason."""


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _media_root() -> Path:
    return Path(settings.MEDIA_ROOT)


def _media_files(root: Path) -> dict[str, str]:
    if not root.exists():
        return {}
    return {
        str(path.relative_to(root)): _sha256(path)
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def _pg_env_and_args(alias: str) -> tuple[dict, list[str]]:
    conf = connections[alias].settings_dict
    env = dict(os.environ)
    if conf.get("PASSWORD"):
        env["PGPASSWORD"] = conf["PASSWORD"]
    args = []
    if conf.get("HOST"):
        args += ["--host", conf["HOST"]]
    if conf.get("PORT"):
        args += ["--port", str(conf["PORT"])]
    if conf.get("USER"):
        args += ["--username", conf["USER"]]
    return env, args


def _run(command: list[str], env: dict) -> None:
    result = subprocess.run(  # noqa: S603 - our own command line
        command, env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed: {result.stderr.strip()}")


def _tables(alias: str) -> list[str]:
    return sorted(connections[alias].introspection.table_names())


def _counts(alias: str) -> dict[str, int]:
    connection = connections[alias]
    counts = {}
    with connection.cursor() as cursor:
        for table in _tables(alias):
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608
            counts[table] = cursor.fetchone()[0]
    return counts


def ledger_totals(alias: str = DEFAULT_DB_ALIAS) -> dict[str, dict[str, str]]:
    """{pool code: {ledger kind: total, and the pool's received, committed and
    disbursed as recorded}} as strings."""
    from secretariat.fund.models import LedgerEntry, Pool

    totals = {}
    for pool in Pool.objects.using(alias).order_by("code"):
        row = {"received": str(pool.received), "committed": str(pool.committed),
               "disbursed": str(pool.disbursed)}  # fmt: skip
        sums = (
            LedgerEntry.objects.using(alias)
            .filter(pool=pool)
            .values("kind")
            .annotate(total=Sum("amount_eur"))
        )
        for each in sums:
            row[f"ledger_{each['kind']}"] = str(each["total"])
        totals[pool.code] = row
    return totals


def _versions(alias: str) -> dict:
    connection = connections[alias]
    recorder = MigrationRecorder(connection)
    last = {}
    for app, name in recorder.applied_migrations():
        last[app] = max(last.get(app, ""), name)
    with connection.cursor() as cursor:
        server = connection.pg_version if connection.vendor == "postgresql" else None
        if connection.vendor == "sqlite":
            cursor.execute("SELECT sqlite_version()")
            server = cursor.fetchone()[0]
    return {
        "format": FORMAT,
        "python": platform.python_version(),
        "django": django.get_version(),
        "database": f"{connection.vendor} {server}",
        "migrations": dict(sorted(last.items())),
    }


def snapshot(alias: str = DEFAULT_DB_ALIAS) -> dict:
    """What a manifest records of the database and MEDIA_ROOT now (its
    ``tables``, ``ledger`` and ``media``): what ``verify`` compares with."""
    return {
        "versions": _versions(alias),
        "tables": _counts(alias),
        "ledger": ledger_totals(alias),
        "media": _media_files(_media_root()),
    }


def backup(target: Path, *, alias: str = DEFAULT_DB_ALIAS) -> dict:
    """Write a backup into ``target`` (a new or empty directory); the manifest."""
    target = Path(target)
    if target.exists() and any(target.iterdir()):
        raise BackupError(f"{target} is not empty.")
    target.mkdir(parents=True, exist_ok=True)
    connection = connections[alias]
    manifest = {"created_at": dt.datetime.now(dt.UTC).isoformat()}
    if connection.vendor == "postgresql":
        with transaction.atomic(using=alias), connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            env, args = _pg_env_and_args(alias)
            _run(
                ["pg_dump", *args, "--format=custom", "--no-owner", "--no-privileges",
                 f"--snapshot={snapshot}", f"--file={target / DUMP}",
                 connection.settings_dict["NAME"]],
                env,
            )  # fmt: skip
            manifest["versions"] = _versions(alias)
            manifest["tables"] = _counts(alias)
            manifest["ledger"] = ledger_totals(alias)
        manifest["database_file"] = DUMP
    else:
        with transaction.atomic(using=alias):
            with (target / JSON_DUMP).open("w") as out:
                call_command(
                    "dumpdata", database=alias, natural_foreign=False,
                    exclude=["contenttypes", "auth.permission"], stdout=out,
                )  # fmt: skip
            manifest["versions"] = _versions(alias)
            manifest["tables"] = _counts(alias)
            manifest["ledger"] = ledger_totals(alias)
        manifest["database_file"] = JSON_DUMP
    root = _media_root()
    manifest["media"] = _media_files(root)
    with tarfile.open(target / MEDIA, "w:gz") as tar:
        for name in manifest["media"]:
            tar.add(root / name, arcname=name)
    manifest["files"] = {
        name: _sha256(target / name) for name in (manifest["database_file"], MEDIA)
    }
    (target / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True))
    return manifest


def read_manifest(source: Path) -> dict:
    path = Path(source) / MANIFEST
    if not path.exists():
        raise BackupError(f"No {MANIFEST} in {source}.")
    manifest = json.loads(path.read_text())
    for name, digest in manifest.get("files", {}).items():
        if _sha256(Path(source) / name) != digest:
            raise BackupError(f"{name} does not match its checksum in the manifest.")
    return manifest


def restore(source: Path, *, alias: str = DEFAULT_DB_ALIAS) -> list[str]:
    """Load ``source`` into the (empty) database and the (empty) MEDIA_ROOT,
    then verify; the problems found (none: a good restore)."""
    source = Path(source)
    manifest = read_manifest(source)
    connection = connections[alias]
    if _tables(alias):
        raise BackupError(
            f"The database {connection.settings_dict['NAME']} is not empty; "
            "restore into a new, empty database."
        )
    root = _media_root()
    if root.exists() and any(root.iterdir()):
        raise BackupError(f"MEDIA_ROOT ({root}) is not empty.")
    if manifest["database_file"] == DUMP:
        if connection.vendor != "postgresql":
            raise BackupError("This backup is of PostgreSQL; restore it into one.")
        env, args = _pg_env_and_args(alias)
        _run(
            ["pg_restore", *args, "--no-owner", "--no-privileges", "--exit-on-error",
             f"--dbname={connection.settings_dict['NAME']}", str(source / DUMP)],
            env,
        )  # fmt: skip
    else:
        call_command("migrate", database=alias, verbosity=0)
        call_command("loaddata", str(source / JSON_DUMP), database=alias, verbosity=0)
    root.mkdir(parents=True, exist_ok=True)
    with tarfile.open(source / MEDIA, "r:gz") as tar:
        tar.extractall(root, filter="data")
    return verify(manifest, alias=alias)


def _recomputed(totals: dict[str, str]) -> dict[str, Decimal]:
    def kind(name):
        return Decimal(totals.get(f"ledger_{name}", "0"))

    return {
        "received": kind("contribution") + kind("adjustment"),
        "committed": kind("commitment")
        - kind("commitment_release")
        - kind("disbursement"),
        "disbursed": kind("disbursement"),
    }


def verify(manifest: dict, *, alias: str = DEFAULT_DB_ALIAS) -> list[str]:
    """The differences between the database and media now and ``manifest``."""
    from secretariat.kernel.models import Attachment

    problems = []
    counts = _counts(alias)
    for table, expected in sorted(manifest["tables"].items()):
        found = counts.get(table)
        if found != expected:
            problems.append(f"table {table}: {found} rows, the backup has {expected}")
    ledger = ledger_totals(alias)
    for pool, expected in sorted(manifest["ledger"].items()):
        if ledger.get(pool) != expected:
            problems.append(
                f"pool {pool}: ledger totals {ledger.get(pool)}, "
                f"the backup has {expected}"
            )
    for pool, totals in sorted(ledger.items()):
        for name, value in _recomputed(totals).items():
            if Decimal(totals[name]) != value:
                problems.append(
                    f"pool {pool}: {name} is {totals[name]}, "
                    f"but its ledger gives {value}"
                )
    root = _media_root()
    for name, digest in sorted(manifest["media"].items()):
        path = root / name
        if not path.is_file():
            problems.append(f"file {name}: missing")
        elif _sha256(path) != digest:
            problems.append(f"file {name}: checksum differs")
    for attachment in Attachment.objects.using(alias).order_by("pk"):
        path = root / attachment.file.name
        if not path.is_file():
            problems.append(
                f"document {attachment.pk} ({attachment.file.name}): file missing"
            )
        elif _sha256(path) != attachment.sha256:
            problems.append(
                f"document {attachment.pk} ({attachment.file.name}): checksum differs"
            )
    problems += _bid_receipts(alias)
    return problems


def _bid_receipts(alias: str) -> list[str]:
    """The tamper-evident trail of bids: each bid's sealed offer as restored
    has the SHA-256 its last event gave the bidder as a receipt (for a bid an
    opening committee opened, the token the bidder sealed, kept in
    ``committee_sealed``)."""
    from django.apps import apps
    from django.db.models import OuterRef, Subquery

    if not apps.is_installed("procurement"):
        return []
    bid_model = apps.get_model("procurement", "Bid")
    event_model = apps.get_model("procurement", "BidEvent")
    last = event_model.objects.using(alias).filter(bid=OuterRef("pk"))
    bids = (
        bid_model.objects.using(alias)
        .annotate(
            receipt=Subquery(last.order_by("-at", "-id").values("sealed_digest")[:1])
        )
        .order_by("pk")
        .values_list("public_id", "sealed", "committee_sealed", "receipt")
        .iterator()
    )
    return [
        f"bid {public_id}: its sealed offer does not match its receipt"
        for public_id, sealed, committee_sealed, receipt in bids
        if receipt is not None
        and hashlib.sha256(bytes(committee_sealed or sealed)).hexdigest() != receipt
    ]
