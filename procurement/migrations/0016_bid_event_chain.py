"""Hash chains over the bid trails (``secretariat.kernel.chain``), one per lot."""

from django.db import migrations, models

from secretariat.kernel import chain


def chain_existing_rows(apps, schema_editor):
    """Chain the bid events written before the chains existed, in id order,
    one chain per lot."""
    connection = schema_editor.connection
    BidEvent = apps.get_model("procurement", "BidEvent")
    lots = dict(
        apps.get_model("procurement", "Bid").objects.values_list("id", "lot_id")
    )
    table = BidEvent._meta.db_table
    chain.triggers_off(connection, table)
    chain.backfill(
        BidEvent,
        apps.get_model("secretariat", "ChainHead"),
        lambda row: f"bids/lot-{lots[row.bid_id]}",
        using=connection.alias,
    )
    chain.triggers_on(connection, table)


def unchain(apps, schema_editor):
    apps.get_model("secretariat", "ChainHead").objects.filter(
        chain__startswith="bids/"
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("procurement", "0015_requirements_from_the_front_receipts_field_reports"),
        ("secretariat", "0026_hash_chains_and_role_grants"),
    ]

    operations = [
        migrations.AddField(
            model_name="bidevent",
            name="chain",
            field=models.CharField(db_default="", blank=True, editable=False, max_length=80),
        ),
        migrations.AddField(
            model_name="bidevent",
            name="chain_seq",
            field=models.PositiveBigIntegerField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="bidevent",
            name="entry_hash",
            field=models.CharField(db_default="", 
                blank=True, db_index=True, editable=False, max_length=64
            ),
        ),
        migrations.AddField(
            model_name="bidevent",
            name="prev_hash",
            field=models.CharField(db_default="", blank=True, editable=False, max_length=64),
        ),
        migrations.RunPython(chain_existing_rows, unchain),
        migrations.AddConstraint(
            model_name="bidevent",
            constraint=models.UniqueConstraint(
                fields=("chain", "chain_seq"), name="bid_event_chain_seq"
            ),
        ),
    ]
