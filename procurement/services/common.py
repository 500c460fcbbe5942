"""Helpers the stages of procurement's writes share."""

from django.utils.translation import gettext as _

from procurement.models import (
    TENDER_TRANSITIONS,
    Manufacturer,
    Tender,
    TenderStatus,
)
from secretariat.accounts.models import User
from secretariat.kernel import policy
from secretariat.kernel.services import (
    case_set_status,
    check_transition,
    timeline_record,
)

TENDER_LABELS = dict(TenderStatus.choices)


def _lock_tender(tender: Tender) -> Tender:
    return (
        Tender.objects.select_for_update(of=("self",))
        .select_related("case", "pool")
        .get(pk=tender.pk)
    )


def _tender_move(tender: Tender, *, to_status: str, actor, reason: str = "") -> None:
    current = tender.status
    check_transition(
        transitions=TENDER_TRANSITIONS,
        current=current,
        target=to_status,
        labels=TENDER_LABELS,
        what=tender.case.reference,
        subject=tender,
        field=None,
    )
    tender.status = to_status
    tender.save(update_fields=["status"])
    case_set_status(
        case=tender.case,
        status=to_status,
        closed=to_status
        in {TenderStatus.CONTRACTED, TenderStatus.CANCELLED, TenderStatus.UNSUCCESSFUL},
    )
    timeline_record(
        subject=tender,
        case=tender.case,
        actor=actor,
        action="status_changed",
        description=_("%(ref)s: %(from)s → %(to)s")
        % {
            "ref": tender.case.reference,
            "from": TENDER_LABELS[current],
            "to": TENDER_LABELS[to_status],
        },
        from_status=current,
        to_status=to_status,
        reason=reason,
    )


def _bidder(actor: User) -> Manufacturer:
    """The company a representative acts for (the policy ``bid.submit`` says
    who bids at all)."""
    policy.require("bid.submit", actor)
    return Manufacturer.objects.select_related("member_state").get(
        pk=actor.manufacturer_id
    )
