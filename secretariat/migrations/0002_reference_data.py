from django.db import migrations


def create_reference_data(apps, schema_editor):
    from secretariat.kernel.reference_data import ensure_reference_data

    ensure_reference_data(
        apps.get_model("auth", "Group"), apps.get_model("secretariat", "CapabilityCategory")
    )


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("secretariat", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_reference_data, migrations.RunPython.noop)]
