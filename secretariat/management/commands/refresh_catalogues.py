"""``manage.py refresh_catalogues`` (``make messages``): after strings change in
the code or templates, bring every translation catalogue up to date (Django's
makemessages, which needs GNU gettext: ``apt-get install gettext``), compile
them, and list what is left to translate."""

from django.core.management.base import BaseCommand

from secretariat.catalogues import (
    catalogues,
    compile_catalogue,
    extract,
    untranslated,
)


class Command(BaseCommand):
    help = (
        "Refresh the translation catalogues from the code and templates, "
        "compile them and list the entries left to translate."
    )
    requires_system_checks = []

    def handle(self, *args, **options):
        extract(verbosity=max(options["verbosity"] - 1, 0))
        for po in catalogues():
            compile_catalogue(po)
            missing = untranslated(po)
            self.stdout.write(
                f"{po}: {len(missing)} entries to translate"
                + (" (untranslated, or marked fuzzy):" if missing else ".")
            )
            for msgid in missing:
                self.stdout.write(f"  {msgid!r}")
