"""On PostgreSQL the database refuses to change or delete a bid's trail, with the
append-only trigger function of the secretariat's ledger."""

from django.db import migrations

FORBID = """
CREATE TRIGGER procurement_bidevent_append_only
  BEFORE UPDATE OR DELETE ON procurement_bidevent
  FOR EACH ROW EXECUTE FUNCTION secretariat_append_only();
"""
ALLOW = """
DROP TRIGGER IF EXISTS procurement_bidevent_append_only ON procurement_bidevent;
"""


def forbid(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORBID, params=None)


def allow(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(ALLOW, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("procurement", "0008_contract_signed_index"),
        ("secretariat", "0004_ledger_append_only"),
    ]

    operations = [migrations.RunPython(forbid, allow)]
