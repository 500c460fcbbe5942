from django.core.management.base import BaseCommand, CommandError

from secretariat.accounts.integrity import integrity_verify


class Command(BaseCommand):
    help = (
        "Walk the hash chains of the ledger, the case timelines, the bid trails "
        "and the security log, and name the first entry of each that no longer "
        "matches. With --since-head, check that a head kept earlier (from a fund "
        "statement or an OCDS package) is still an entry of today's chain and "
        "that the chain through it is intact. Exits non-zero on any mismatch."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--since-head",
            action="append",
            dest="since_heads",
            metavar="HASH",
            help="A chain head kept earlier; may be given more than once.",
        )
        parser.add_argument(
            "--alert",
            action="store_true",
            help="On a mismatch, also tell the administrators and log it.",
        )

    def handle(self, *args, since_heads=None, alert=False, **options):
        report = integrity_verify(since_heads=since_heads, alert=alert)
        for line in report.extended:
            self.stdout.write(f"Kept head found: {line}")
        if not report.ok:
            raise CommandError(
                "Integrity check failed:\n" + "\n".join(report.problems())
            )
        entries = sum(state.seq for state in report.intact)
        self.stdout.write(f"Intact: {len(report.intact)} chains, {entries} entries.")
        if options["verbosity"] > 1:
            for state in report.intact:
                self.stdout.write(f"{state.chain} #{state.seq} {state.head}")
