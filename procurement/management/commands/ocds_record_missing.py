"""Publish a first OCDS release for each published tender that has none: the
tenders published before releases were kept (procurement 0014), or written
other than by the services (the scale seed). Safe to run twice."""

from django.core.management.base import BaseCommand
from django.db import transaction

from procurement.models import Tender
from procurement.ocds import release_for
from procurement.services import ocds_release_record


class Command(BaseCommand):
    help = "Publish the current OCDS release of published tenders that have none."

    def handle(self, *args, **options):
        written = 0
        missing = Tender.objects.exclude(published_at=None).filter(
            ocds_releases__isnull=True
        )
        for pk in list(missing.values_list("pk", flat=True)):
            with transaction.atomic():
                tender = Tender.objects.select_related("case").get(pk=pk)
                # The stage it has reached: tender, award, contract,
                # implementation or tenderCancellation.
                tag = release_for(tender)["tag"][-1]
                if ocds_release_record(tender=tender, tag=tag) is not None:
                    written += 1
        self.stdout.write(f"{written} tender(s) given their first OCDS release.")
