"""On PostgreSQL the database refuses to TRUNCATE the append-only tables too
(ledger, timeline, security events; the bid events in procurement's 0011): the
row triggers of 0004, 0013 and 0015 refuse UPDATE and DELETE, but TRUNCATE fires
no row trigger. These statement-level triggers reuse the same function.

The test suite's flush between transactional tests runs with
``session_replication_role = replica`` (tests/conftest.py), which only a
superuser may set; the application's role cannot."""

from django.db import migrations

TABLES = [
    "secretariat_ledgerentry",
    "secretariat_timelineevent",
    "secretariat_securityevent",
]

FORBID = """
CREATE TRIGGER {table}_no_truncate
  BEFORE TRUNCATE ON {table}
  FOR EACH STATEMENT EXECUTE FUNCTION secretariat_append_only();
"""
ALLOW = "DROP TRIGGER IF EXISTS {table}_no_truncate ON {table};"


def forbid(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for table in TABLES:
            schema_editor.execute(FORBID.format(table=table), params=None)


def allow(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for table in TABLES:
            schema_editor.execute(ALLOW.format(table=table), params=None)


class Migration(migrations.Migration):
    dependencies = [("secretariat", "0018_notification_fan_out")]

    operations = [migrations.RunPython(forbid, allow)]
