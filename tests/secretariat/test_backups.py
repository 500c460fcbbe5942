"""Backups that restore: the demo data backed up, restored into a fresh
database and directory, and verified; a missing ledger entry or document after
restore fails the verification, naming it. Runs the commands as an operator
does, each in its own process, against databases of its own (PostgreSQL)."""

import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.db import connection

BASE_DIR = Path(settings.BASE_DIR)

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="backup and restore are tested on PostgreSQL (pg_dump/pg_restore); "
    "on SQLite the backup is a dumpdata file",
)


def _server():
    conf = connection.settings_dict
    return {
        "host": conf.get("HOST") or "127.0.0.1",
        "port": conf.get("PORT") or 5432,
        "user": conf.get("USER") or "postgres",
        "password": conf.get("PASSWORD") or None,
    }


def _admin(sql: str, dbname="postgres"):
    with psycopg.connect(dbname=dbname, autocommit=True, **_server()) as admin:
        admin.execute(sql)


def _url(name: str) -> str:
    s = _server()
    auth = s["user"] + (f":{s['password']}" if s["password"] else "")
    return f"postgres://{auth}@{s['host']}:{s['port']}/{name}"


@pytest.fixture
def databases():
    names = [f"sec_backup_{kind}_{uuid.uuid4().hex[:10]}" for kind in ("src", "dst")]
    for name in names:
        _admin(f'CREATE DATABASE "{name}"')
    yield names
    for name in names:
        _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def manage(*args, database, media, check=True):
    env = {
        **os.environ,
        "DEBUG": "on",
        "DATABASE_URL": _url(database),
        "MEDIA_ROOT": str(media),
        "REDIS_URL": "",
        "CELERY_BROKER_URL": "",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if check:
        assert result.returncode == 0, result.stdout + result.stderr
    return result


def test_backup_restore_verify_round_trip_and_what_a_bad_restore_shows(
    databases, tmp_path
):
    source, target = databases
    media, restored_media = tmp_path / "media", tmp_path / "restored-media"
    backup = tmp_path / "backup"
    manage("migrate", "-v0", database=source, media=media)
    manage("seed_demo", database=source, media=media)  # documents and a ledger

    done = manage("backup", str(backup), database=source, media=media)
    assert "Backup written" in done.stdout
    manifest = (backup / "manifest.json").read_text()
    assert (
        '"secretariat_ledgerentry"' in manifest and '"ledger_contribution"' in manifest
    )

    # Into a fresh, empty database and directory: restored and verified.
    restored = manage("restore", str(backup), database=target, media=restored_media)
    assert "verified" in restored.stdout
    documents = [p for p in restored_media.rglob("*") if p.is_file()]
    assert documents, "the demo data has documents"

    # A second restore over it is refused: the database is not empty.
    again = manage("restore", str(backup), database=target, media=tmp_path / "x",
                   check=False)  # fmt: skip
    assert again.returncode != 0 and "not empty" in again.stderr

    # A ledger entry and a document lost after the restore: verification fails
    # and names both (the ledger refuses deletes; an operator's mistake or a
    # broken restore would not ask).
    _admin(
        "SET session_replication_role = replica; "
        "DELETE FROM secretariat_ledgerentry "
        "WHERE id = (SELECT max(id) FROM secretariat_ledgerentry)",
        dbname=target,
    )
    lost = documents[0]
    lost.unlink()
    failed = manage("verify_backup", str(backup), database=target,
                    media=restored_media, check=False)  # fmt: skip
    assert failed.returncode != 0
    report = failed.stderr
    assert "table secretariat_ledgerentry:" in report
    assert "pool " in report and "ledger totals" in report
    name = str(lost.relative_to(restored_media))
    assert f"file {name}: missing" in report
    assert f"({name}): file missing" in report  # the document's own row

    # Put the document back: only the ledger entry is still missing.
    shutil.copy(media / name, lost)
    still = manage("verify_backup", str(backup), database=target,
                   media=restored_media, check=False)  # fmt: skip
    assert "secretariat_ledgerentry" in still.stderr and name not in still.stderr
