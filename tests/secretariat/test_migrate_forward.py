"""A database at the last released migration head, holding the demo data,
migrates to today's head with every row intact.

It runs as an operator would, with ``manage.py`` against a database of its own
(a new PostgreSQL database beside the test database, or a new SQLite file),
so that nothing it migrates back and forth touches the other tests. The
released database is made the only way the test can make it without the
released code: the demo is loaded at today's head and the schema migrated back
to the released head (every migration since is reversible), which leaves the
demo's rows in the released schema. Then it migrates forward, and every row of
every table of our apps must still be there with the same values in every
column the released schema had.
"""

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.db import connection

# The migration heads of the last release (main at 0bd53c9, before the
# workflows declared their policies and were laid out as sub-packages).
RELEASED = [
    ("secretariat", "0021_ledger_value_date"),
    ("members", "0005_contribution_bank_transfer_once"),
    ("procurement", "0012_bid_public_id"),
]

# Run by ``manage.py shell``: every row of every table of our apps, as JSON.
SNAPSHOT = """
import json
from django.apps import apps
from django.db import connection
tables = sorted({m._meta.db_table for m in apps.get_models(include_auto_created=True)
                 if m._meta.app_label in {"secretariat", "members", "procurement"}})
existing = set(connection.introspection.table_names())
found = {}
with connection.cursor() as cursor:
    for table in tables:
        if table not in existing:
            continue
        described = connection.introspection.get_table_description(cursor, table)
        names = [c.name for c in described]
        cols = ", ".join(connection.ops.quote_name(n) for n in names)
        cursor.execute(f"SELECT {cols} FROM {connection.ops.quote_name(table)}")
        rows = sorted([str(v) for v in row] for row in cursor.fetchall())
        found[table] = {"columns": names, "rows": rows}
print("SNAPSHOT" + json.dumps(found))
"""


@pytest.fixture
def own_database(tmp_path):
    """The URL of a new, empty database of the same engine as the tests'."""
    db = settings.DATABASES["default"]
    if connection.vendor == "sqlite":
        yield f"sqlite:///{tmp_path / 'released.sqlite3'}"
        return
    name = f"migrate_forward_{uuid.uuid4().hex[:12]}"
    params = {
        "host": db.get("HOST") or "127.0.0.1",
        "port": db.get("PORT") or 5432,
        "user": db.get("USER") or "postgres",
        "password": db.get("PASSWORD") or None,
        "dbname": "postgres",
        "autocommit": True,
    }
    with psycopg.connect(**params) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        password = f":{params['password']}" if params["password"] else ""
        yield (
            f"postgres://{params['user']}{password}@{params['host']}:{params['port']}"
            f"/{name}"
        )
    finally:
        with psycopg.connect(**params) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _manage(database_url: str, *args: str) -> str:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"REDIS_URL", "CELERY_BROKER_URL", "DJANGO_SETTINGS_MODULE"}
    }
    env.update(DATABASE_URL=database_url, DEBUG="on")
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=Path(settings.BASE_DIR),
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, f"manage.py {' '.join(args)}:\n{done.stderr[-3000:]}"
    return done.stdout


def _snapshot(database_url: str) -> dict:
    out = _manage(database_url, "shell", "-c", SNAPSHOT)
    return json.loads(out.split("SNAPSHOT", 1)[1])


def test_the_released_database_with_the_demo_migrates_forward_intact(own_database):
    _manage(own_database, "migrate", "--noinput")
    _manage(own_database, "seed_demo", "--verbosity", "0")
    for app, migration in RELEASED:
        _manage(own_database, "migrate", app, migration, "--noinput")
    released = _snapshot(own_database)
    assert sum(len(table["rows"]) for table in released.values()) > 500

    _manage(own_database, "migrate", "--noinput")
    migrated = _snapshot(own_database)

    assert set(released) <= set(migrated)
    for table, before in released.items():
        after = migrated[table]
        kept = [after["columns"].index(name) for name in before["columns"]]
        rows = sorted([row[i] for i in kept] for row in after["rows"])
        assert rows == before["rows"], f"rows of {table} changed"
