"""API tokens moved from DRF's authtoken (plain, never expiring) to
django-rest-knox (hashed, expiring): the old tokens end here, and their table,
which held them in plain text, goes with them. Going back leaves no table: DRF's
authtoken migrations recreate it if that app is installed again."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("secretariat", "0019_append_only_no_truncate"),
        ("knox", "0009_extend_authtoken_field"),
    ]

    operations = [
        migrations.RunSQL(
            "DROP TABLE IF EXISTS authtoken_token",
            reverse_sql=migrations.RunSQL.noop,
        ),
    ]
