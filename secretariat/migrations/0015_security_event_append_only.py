"""On PostgreSQL the database itself refuses to change or delete a security event,
as it does for the ledger and the timeline (0004, whose trigger function this
reuses). SQLite relies on the application's guard; TRUNCATE stays possible for
test teardown."""

from django.db import migrations

FORBID = """
CREATE TRIGGER secretariat_securityevent_append_only
  BEFORE UPDATE OR DELETE ON secretariat_securityevent
  FOR EACH ROW EXECUTE FUNCTION secretariat_append_only();
"""
ALLOW = """
DROP TRIGGER IF EXISTS secretariat_securityevent_append_only
  ON secretariat_securityevent;
"""


def forbid(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORBID, params=None)


def allow(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(ALLOW, params=None)


class Migration(migrations.Migration):
    dependencies = [("secretariat", "0014_security_events")]

    operations = [migrations.RunPython(forbid, allow)]
