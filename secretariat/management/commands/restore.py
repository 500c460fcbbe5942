from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from secretariat import backups


class Command(BaseCommand):
    help = (
        "Restore a backup into an empty database and an empty MEDIA_ROOT, then "
        "verify it against its manifest (fails, naming each difference)."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", type=Path)
        parser.add_argument("--database", default="default")

    def handle(self, *args, directory, database, **options):
        try:
            problems = backups.restore(directory, alias=database)
        except backups.BackupError as exc:
            raise CommandError(str(exc)) from exc
        if problems:
            raise CommandError(
                "Restored, but it does not match the backup:\n" + "\n".join(problems)
            )
        self.stdout.write(f"Restored {directory} and verified it.")
