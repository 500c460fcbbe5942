"""``manage.py compile_catalogues``: the translation catalogues (locale/*/
LC_MESSAGES/django.po) compiled to the .mo files Django reads, in pure Python:
no GNU gettext needed. ``make run`` and ``make test`` run it when a .po
changed; a production build runs it beside ``collectstatic``."""

from django.core.management.base import BaseCommand

from secretariat.catalogues import catalogues, compile_catalogue


class Command(BaseCommand):
    help = "Compile the translation catalogues (.po to .mo), without GNU gettext."
    requires_system_checks = []

    def handle(self, *args, **options):
        for po in catalogues():
            mo = compile_catalogue(po)
            self.stdout.write(f"Compiled {mo}")
