from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from secretariat import backups


class Command(BaseCommand):
    help = (
        "Check the database and MEDIA_ROOT against a backup's manifest: row counts, "
        "ledger totals per pool and pool balances, every document's checksum."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", type=Path)
        parser.add_argument("--database", default="default")

    def handle(self, *args, directory, database, **options):
        try:
            problems = backups.verify(backups.read_manifest(directory), alias=database)
        except backups.BackupError as exc:
            raise CommandError(str(exc)) from exc
        if problems:
            raise CommandError("Verification failed:\n" + "\n".join(problems))
        self.stdout.write("Verified: the database and the documents match the backup.")
