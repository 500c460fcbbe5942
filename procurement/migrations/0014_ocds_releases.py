"""The OCDS releases of tenders, kept as they were published. On PostgreSQL the
database refuses to change, delete or TRUNCATE them, with the append-only
trigger function of the secretariat's ledger (as for bids' trails, 0009 and
0011)."""

import django.db.models.deletion
from django.db import migrations, models

FORBID = """
CREATE TRIGGER procurement_ocdsrelease_append_only
  BEFORE UPDATE OR DELETE ON procurement_ocdsrelease
  FOR EACH ROW EXECUTE FUNCTION secretariat_append_only();
CREATE TRIGGER procurement_ocdsrelease_no_truncate
  BEFORE TRUNCATE ON procurement_ocdsrelease
  FOR EACH STATEMENT EXECUTE FUNCTION secretariat_append_only();
"""
ALLOW = """
DROP TRIGGER IF EXISTS procurement_ocdsrelease_no_truncate ON procurement_ocdsrelease;
DROP TRIGGER IF EXISTS procurement_ocdsrelease_append_only ON procurement_ocdsrelease;
"""


def forbid(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORBID, params=None)


def allow(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(ALLOW, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("procurement", "0013_tender_price_formula"),
        ("secretariat", "0004_ledger_append_only"),
    ]

    operations = [
        migrations.CreateModel(
            name="OcdsRelease",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True,
                        primary_key=True,
                        serialize=False,
                        verbose_name="ID",
                    ),
                ),
                ("sequence", models.PositiveIntegerField()),
                ("ocid", models.CharField(max_length=100)),
                ("release_id", models.CharField(max_length=120, unique=True)),
                ("date", models.DateTimeField()),
                ("tag", models.JSONField(default=list)),
                ("body", models.TextField()),
                (
                    "tender",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="ocds_releases",
                        to="procurement.tender",
                    ),
                ),
            ],
            options={
                "ordering": ["tender", "sequence"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("tender", "sequence"),
                        name="ocds_release_sequence_once",
                    )
                ],
            },
        ),
        migrations.RunPython(forbid, allow),
    ]
