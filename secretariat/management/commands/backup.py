from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from secretariat import backups


class Command(BaseCommand):
    help = (
        "Write a consistent backup of the database and the documents (MEDIA_ROOT) "
        "into a new directory, with a manifest of versions, row counts, ledger "
        "totals and checksums."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", type=Path)
        parser.add_argument("--database", default="default")

    def handle(self, *args, directory, database, **options):
        try:
            manifest = backups.backup(directory, alias=database)
        except backups.BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Backup written to {directory}: {len(manifest['tables'])} tables, "
            f"{sum(manifest['tables'].values())} rows, {len(manifest['media'])} files."
        )
