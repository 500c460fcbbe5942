"""Writes of open data: each public change of a tender publishes an OCDS release,
kept as it was published (``OcdsRelease``).

``ocds_release_record`` is the one function that writes a release. The
services call it inside their own transaction, after the change and under the
tender's row lock, rather than on commit: the release then exists if and only if
the change committed (no published change without its release, none for a
change rolled back, nothing lost if the process dies between commit and a
callback), and the lock numbers a tender's releases in the order of its
changes. Payments are recorded in the fund, below procurement: it says so with
the kernel's ``timeline_recorded`` signal, and the release follows on commit, in
its own transaction, so that a payment never waits for a tender's lock.
"""

import json
from datetime import UTC, timedelta

from django.db import transaction
from django.dispatch import receiver
from django.utils import timezone

from procurement.models import Contract, OcdsRelease, Tender, TenderStatus
from secretariat.kernel import signals

# What a release's tag says of the change that published it (the closed
# releaseTag codelist of OCDS 1.1.5).
RELEASE_TAGS = {
    "tender",
    "tenderAmendment",
    "tenderUpdate",
    "tenderCancellation",
    "award",
    "awardUpdate",
    "awardCancellation",
    "contract",
    "contractUpdate",
    "contractAmendment",
    "implementation",
    "implementationUpdate",
    "contractTermination",
}
# Set per release when it is stored, so not compared to tell a change.
_PER_RELEASE = ("id", "date", "tag")


def _iso_utc(moment) -> str:
    # Always UTC and always with microseconds: the dates of a tender's
    # releases then sort as text in the order they were published, which is
    # how OCDS tools (ocdsmerge) order them.
    return (
        moment.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")
    )


def _content(release: dict) -> dict:
    return {k: v for k, v in release.items() if k not in _PER_RELEASE}


def ocds_release_record(*, tender: Tender, tag: str) -> OcdsRelease | None:
    """Publish the tender's release as it stands now, tagged with the change
    (``tag``, from the releaseTag codelist), and keep it for good.

    Runs inside the caller's transaction and locks the tender. A draft has
    never been published and gets nothing (a tender cancelled as a draft
    neither). A change that leaves the release's content as the last one
    published (everything but its id, date and tag) writes nothing: a
    consumer would see a new release that changes nothing. The release's id is
    ``<ocid>-<n>``, n counting the tender's releases from 1; its date is when it
    was stored, never before the previous one's."""
    from procurement.ocds import release_for  # it reads the opened bids' offers

    if tag not in RELEASE_TAGS:
        raise ValueError(f"{tag!r} is not a release tag")
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("ocds_release_record() runs inside the caller's transaction")
    tender = (
        Tender.objects.select_for_update(of=("self",))
        .select_related("case")
        .get(pk=tender.pk)
    )
    if tender.published_at is None or tender.status == TenderStatus.DRAFT:
        return None
    # Through JSON and back: what is compared is what would be served.
    release = json.loads(json.dumps(release_for(tender), ensure_ascii=False))
    last = tender.ocds_releases.order_by("-sequence").first()
    if last is not None and _content(json.loads(last.body)) == _content(release):
        return None
    sequence = last.sequence + 1 if last else 1
    moment = timezone.now()
    if last is not None and moment <= last.date:
        moment = last.date + timedelta(microseconds=1)
    release["id"] = f"{release['ocid']}-{sequence}"
    release["date"] = _iso_utc(moment)
    release["tag"] = [tag]
    return OcdsRelease.objects.create(
        tender=tender,
        sequence=sequence,
        ocid=release["ocid"],
        release_id=release["id"],
        date=moment,
        tag=release["tag"],
        body=json.dumps(release, ensure_ascii=False),
    )


def _record_after_commit(tender_pk: int, tag: str) -> None:
    with transaction.atomic():
        ocds_release_record(tender=Tender(pk=tender_pk), tag=tag)


@receiver(signals.timeline_recorded, dispatch_uid="ocds_release_on_payment")
def _payment_recorded(sender, case, subject, **kwargs):
    """A payment under a contract is public (the contract's implementation
    transactions): a new release once the payment has committed."""
    from secretariat.fund.models import DisbursementRequest

    if not isinstance(subject, DisbursementRequest) or subject.paid_on is None:
        return
    tender_pk = (
        Contract.objects.filter(commitment_id=subject.commitment_id)
        .values_list("award__lot__tender_id", flat=True)
        .first()
    )
    if tender_pk is None:
        return
    transaction.on_commit(lambda: _record_after_commit(tender_pk, "implementation"))
