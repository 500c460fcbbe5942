"""On PostgreSQL the database itself refuses to change or delete a ledger entry.
(SQLite relies on the application's guard; TRUNCATE stays possible for test
teardown.)"""

from django.db import migrations

FORBID = """
CREATE OR REPLACE FUNCTION secretariat_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION '% rows are append-only: % refused', TG_TABLE_NAME, TG_OP
    USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER secretariat_ledgerentry_append_only
  BEFORE UPDATE OR DELETE ON secretariat_ledgerentry
  FOR EACH ROW EXECUTE FUNCTION secretariat_append_only();
"""
ALLOW = """
DROP TRIGGER IF EXISTS secretariat_ledgerentry_append_only ON secretariat_ledgerentry;
"""


def forbid(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORBID, params=None)


def allow(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(ALLOW, params=None)


class Migration(migrations.Migration):
    dependencies = [("secretariat", "0003_fund")]

    operations = [migrations.RunPython(forbid, allow)]
