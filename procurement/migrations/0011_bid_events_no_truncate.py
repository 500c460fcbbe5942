"""On PostgreSQL the database refuses to TRUNCATE a bid's trail, as it refuses
to change or delete it (0009): a statement-level trigger with the append-only
function of the secretariat's ledger (see secretariat's 0019)."""

from django.db import migrations

FORBID = """
CREATE TRIGGER procurement_bidevent_no_truncate
  BEFORE TRUNCATE ON procurement_bidevent
  FOR EACH STATEMENT EXECUTE FUNCTION secretariat_append_only();
"""
ALLOW = """
DROP TRIGGER IF EXISTS procurement_bidevent_no_truncate ON procurement_bidevent;
"""


def forbid(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORBID, params=None)


def allow(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(ALLOW, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("procurement", "0010_delivery_months"),
        ("secretariat", "0004_ledger_append_only"),
    ]

    operations = [migrations.RunPython(forbid, allow)]
