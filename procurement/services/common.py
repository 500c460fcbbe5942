"""Helpers the stages of procurement's writes share."""

from procurement.models import (
    Manufacturer,
    Tender,
)
from secretariat.accounts.models import User
from secretariat.kernel import policy


def _lock_tender(tender: Tender) -> Tender:
    return (
        Tender.objects.select_for_update(of=("self",))
        .select_related("case", "pool")
        .get(pk=tender.pk)
    )


def _bidder(actor: User) -> Manufacturer:
    """The company a representative acts for (the policy ``bid.submit`` says
    who bids at all)."""
    policy.require("bid.submit", actor)
    return Manufacturer.objects.select_related("member_state").get(
        pk=actor.manufacturer_id
    )
