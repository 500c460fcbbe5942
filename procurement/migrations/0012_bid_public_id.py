"""Bids get a random public id: the integer pk is one global sequence, which told
a bidder how many bids came in between two of theirs. Existing bids get one
each; then the column becomes unique and required."""

import uuid

from django.db import migrations, models


def fill_public_ids(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        # One statement for any number of bids; gen_random_uuid() (PostgreSQL
        # 13+) draws from a cryptographically strong source, like uuid4().
        schema_editor.execute(
            "UPDATE procurement_bid SET public_id = gen_random_uuid() "
            "WHERE public_id IS NULL",
            params=None,
        )
        return
    Bid = apps.get_model("procurement", "Bid")
    batch = []
    for bid in Bid.objects.filter(public_id__isnull=True).only("pk").iterator():
        bid.public_id = uuid.uuid4()
        batch.append(bid)
        if len(batch) >= 1000:
            Bid.objects.bulk_update(batch, ["public_id"])
            batch = []
    Bid.objects.bulk_update(batch, ["public_id"])


class Migration(migrations.Migration):
    dependencies = [
        ("procurement", "0011_bid_events_no_truncate"),
    ]

    operations = [
        migrations.AddField(
            model_name="bid",
            name="public_id",
            field=models.UUIDField(editable=False, null=True, verbose_name="bid id"),
        ),
        migrations.RunPython(fill_public_ids, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="bid",
            name="public_id",
            field=models.UUIDField(
                default=uuid.uuid4, editable=False, unique=True, verbose_name="bid id"
            ),
        ),
    ]
