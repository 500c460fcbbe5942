"""On PostgreSQL the database itself refuses to change or delete a timeline event,
as it does for the ledger (0004, whose trigger function this reuses). SQLite relies
on the application's guard; TRUNCATE stays possible for test teardown."""

from django.db import migrations

FORBID = """
CREATE TRIGGER secretariat_timelineevent_append_only
  BEFORE UPDATE OR DELETE ON secretariat_timelineevent
  FOR EACH ROW EXECUTE FUNCTION secretariat_append_only();
"""
ALLOW = """
DROP TRIGGER IF EXISTS secretariat_timelineevent_append_only
  ON secretariat_timelineevent;
"""


def forbid(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORBID, params=None)


def allow(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(ALLOW, params=None)


class Migration(migrations.Migration):
    dependencies = [("secretariat", "0012_list_order_indexes")]

    operations = [migrations.RunPython(forbid, allow)]
