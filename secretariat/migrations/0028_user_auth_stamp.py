from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("secretariat", "0027_notification_kinds_for_the_front"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="auth_stamp",
            field=models.PositiveBigIntegerField(
                db_default=0, default=0, editable=False
            ),
        ),
    ]
