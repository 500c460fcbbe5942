"""Ledger entries carry their value date (the day the money moved: a
contribution's date received, a payment's date paid, otherwise the day recorded
in the fund's time zone), and the monthly sums (``LedgerMonth``) are rebuilt by
it: the dashboard and the monthly reports put money in the month it moved, not
the month it was booked (issue 14, item 11).

The entries are append-only (0004): on PostgreSQL the backfill lifts the row
trigger for its own UPDATE, inside this migration's transaction."""

from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import migrations, models
from django.db.models import Sum
from django.db.models.functions import TruncMonth

TRIGGER = (
    "ALTER TABLE secretariat_ledgerentry {} TRIGGER secretariat_ledgerentry_append_only"
)
BACKFILL = """
UPDATE secretariat_ledgerentry e SET value_date = COALESCE(
  (SELECT c.received_on FROM members_contribution c
    WHERE c.id = e.contribution_id AND e.kind = 'contribution'),
  (SELECT d.paid_on FROM secretariat_disbursementrequest d
    WHERE d.id = e.disbursement_id AND e.kind = 'disbursement'),
  (e.created_at AT TIME ZONE %s)::date
)
"""


def backfill(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(TRIGGER.format("DISABLE"))
            cursor.execute(BACKFILL, [settings.TIME_ZONE])
            cursor.execute(TRIGGER.format("ENABLE"))
        return
    from django.utils import timezone

    LedgerEntry = apps.get_model("secretariat", "LedgerEntry")
    zone = ZoneInfo(settings.TIME_ZONE)
    entries = LedgerEntry.objects.select_related("contribution", "disbursement")
    for entry in entries.iterator():
        if entry.kind == "contribution" and entry.contribution_id:
            day = entry.contribution.received_on
        elif entry.kind == "disbursement" and entry.disbursement_id:
            day = entry.disbursement.paid_on
        else:
            day = None
        day = day or timezone.localdate(entry.created_at, zone)
        LedgerEntry.objects.filter(pk=entry.pk).update(value_date=day)


def _rebuild(apps, month_expression):
    LedgerEntry = apps.get_model("secretariat", "LedgerEntry")
    LedgerMonth = apps.get_model("secretariat", "LedgerMonth")
    LedgerMonth.objects.all().delete()
    sums = {}
    rows = (
        LedgerEntry.objects.annotate(month=month_expression)
        .order_by()
        .values("month", "pool_id", "kind")
        .annotate(total=Sum("amount_eur"))
    )
    for row in rows:
        month = row["month"]
        month = month.date() if hasattr(month, "date") else month
        key = (month.replace(day=1), row["pool_id"], row["kind"])
        sums[key] = sums.get(key, 0) + row["total"]
    LedgerMonth.objects.bulk_create(
        LedgerMonth(month=month, pool_id=pool, kind=kind, total_eur=total)
        for (month, pool, kind), total in sums.items()
    )


def months_by_value_date(apps, schema_editor):
    _rebuild(apps, TruncMonth("value_date"))


def months_by_day_booked(apps, schema_editor):
    # As 0011 first summed them.
    _rebuild(apps, TruncMonth("created_at", tzinfo=ZoneInfo(settings.TIME_ZONE)))


class Migration(migrations.Migration):
    dependencies = [
        ("secretariat", "0020_drop_drf_authtoken_table"),
    ]

    operations = [
        migrations.AddField(
            model_name="ledgerentry",
            name="value_date",
            field=models.DateField(null=True, verbose_name="value date"),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="ledgerentry",
            name="value_date",
            field=models.DateField(verbose_name="value date"),
        ),
        migrations.AddIndex(
            model_name="ledgerentry",
            index=models.Index(fields=["value_date"], name="ledger_value_date"),
        ),
        migrations.RunPython(months_by_value_date, months_by_day_booked),
    ]
