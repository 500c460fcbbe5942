from decimal import Decimal

from django.db import migrations


def create(apps, schema_editor):
    Pool = apps.get_model("secretariat", "Pool")
    ApprovalPolicy = apps.get_model("secretariat", "ApprovalPolicy")
    Pool.objects.get_or_create(
        code="unrestricted", defaults={"name": "Unrestricted", "kind": "unrestricted"}
    )
    Pool.objects.get_or_create(
        code="non-lethal", defaults={"name": "Non-lethal only", "kind": "non_lethal"}
    )
    if not ApprovalPolicy.objects.exists():
        ApprovalPolicy.objects.create(
            version=1,
            single_approver_limit_eur=Decimal("1000000.00"),
            currencies="EUR,GBP,USD,PLN,CZK,SEK,NOK,DKK,UAH",
            note="Initial policy: one co-lead approver up to EUR 1 million.",
        )


class Migration(migrations.Migration):
    dependencies = [("secretariat", "0004_ledger_append_only")]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
