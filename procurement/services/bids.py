"""Writes of bids: sealed submission, change and withdrawal, and reading an offer."""

import hashlib
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from procurement.models import (
    Bid,
    BidEvent,
    BidEventAction,
    BidStatus,
    Lot,
    Tender,
)
from procurement.opening_keys import is_committee_token
from procurement.opening_keys import seal as committee_seal
from procurement.sealing import encode_document, seal, unseal
from procurement.services.common import _lock_tender
from procurement.services.opening import sealing_key_of
from secretariat.accounts.models import User
from secretariat.kernel import policy
from secretariat.kernel.exceptions import ApplicationError
from secretariat.kernel.formatting import eur
from secretariat.kernel.services import (
    required_text,
    transition,
)
from secretariat.kernel.uploads import inspect_upload


def price_error(lot: Lot, unit_price: Decimal) -> str | None:
    """Why ``unit_price`` cannot be offered for the lot, or None. The rule of
    ``bid_submit`` and ``bid_change``; the bid form asks it too, to report it
    together with the form's own errors."""
    if unit_price > lot.max_unit_price:
        return _("The unit price is above the lot's maximum of %(max)s.") % {
            "max": eur(lot.max_unit_price)
        }
    return None


def quantity_error(lot: Lot, quantity: int) -> str | None:
    """Why ``quantity`` units cannot be offered for the lot, or None."""
    if not 0 < int(quantity) <= lot.quantity:
        return _("Offer between 1 and %(n)d units.") % {"n": lot.quantity}
    return None


def _offer(lot: Lot, *, unit_price, quantity, delivery_schedule, compliance,
           documents) -> dict:  # fmt: skip
    try:
        unit_price = Decimal(unit_price)
    except (InvalidOperation, TypeError) as exc:
        raise ApplicationError(_("Enter the unit price."), field="unit_price") from exc
    if unit_price <= 0 or unit_price != unit_price.quantize(Decimal("0.01")):
        raise ApplicationError(
            _("The unit price must be a positive EUR amount with at most 2 decimals."),
            field="unit_price",
        )
    if message := price_error(lot, unit_price):
        raise ApplicationError(message, field="unit_price")
    if message := quantity_error(lot, quantity):
        raise ApplicationError(message, field="quantity")
    delivery_schedule = required_text(
        delivery_schedule,
        field="delivery_schedule",
        message=_("Give the delivery schedule."),
    )
    sealed_documents = []
    for uploaded in documents:
        try:
            checked = inspect_upload(uploaded)
        except ValidationError as exc:
            raise ApplicationError(" ".join(exc.messages), field="documents") from exc
        uploaded.seek(0)
        sealed_documents.append(
            encode_document(checked["name"], checked["content_type"], uploaded.read())
        )
    return {
        "unit_price": str(unit_price),
        "quantity": int(quantity),
        "delivery_schedule": delivery_schedule,
        "compliance": dict(compliance or {}),
        "documents": sealed_documents,
    }


def _seal_for(tender: Tender, offer: dict) -> bytes:
    """Sealed to the tender's opening committee if it has one (the servers
    cannot open it), else with the bid keys."""
    public_key = sealing_key_of(tender)
    if public_key is not None:
        return committee_seal(public_key, offer)
    return seal(offer)


def _own_copy(bid: Bid, offer: dict) -> dict | None:
    """What the bidder is handed back of an offer sealed to the opening
    committee, which nobody can read back before the opening (kept in memory
    for the response only, never stored); ``None`` for the bid keys' seal."""
    return offer if is_committee_token(bid.sealed) else None


def _lock_for_bidding(lot: Lot) -> Tender:
    """Lock the lot's tender and read it again: the policy decides on the
    locked row."""
    lot.tender = _lock_tender(lot.tender)
    return lot.tender


def bid_submit(*, lot: Lot, actor: User, unit_price, quantity, delivery_schedule,
               compliance=None, documents=()) -> Bid:  # fmt: skip
    """Submit a sealed bid for a lot. Only its bidder can read it until opening."""
    with transaction.atomic():
        _lock_for_bidding(lot)
        policy.require("bid.submit", actor, lot)
        offer = _offer(
            lot, unit_price=unit_price, quantity=quantity,
            delivery_schedule=delivery_schedule, compliance=compliance,
            documents=documents,
        )  # fmt: skip
        bid = Bid.objects.create(
            lot=lot,
            manufacturer_id=actor.manufacturer_id,
            sealed=_seal_for(lot.tender, offer),
            submitted_by=actor,
        )
        _bid_event(bid, BidEventAction.SUBMITTED, actor)
        bid.own_copy = _own_copy(bid, offer)
        return bid


def _bid_event(bid: Bid, action: str, actor: User) -> None:
    """The bid's own audit trail; never the case timeline, which would tell
    everyone on the case how many bids there are."""
    BidEvent.objects.create(
        bid=bid,
        action=action,
        actor=actor,
        at=bid.changed_at,
        sealed_digest=hashlib.sha256(bytes(bid.sealed)).hexdigest(),
    )


def _lock_bid(bid: Bid) -> Bid:
    """Lock the bid's tender, then the bid, and read both again."""
    tender = _lock_tender(bid.lot.tender)
    bid = (
        Bid.objects.select_for_update(of=("self",))
        .select_related("lot", "manufacturer")
        .get(pk=bid.pk)
    )
    bid.lot.tender = tender
    return bid


def bid_change(*, bid: Bid, actor: User, unit_price, quantity, delivery_schedule,
               compliance=None, documents=(), keep_documents=False) -> Bid:  # fmt: skip
    """Replace the sealed offer. With ``keep_documents`` the documents already
    sealed in it stay, and ``documents`` are added to them."""
    with transaction.atomic():
        bid = _lock_bid(bid)
        policy.require("bid.change", actor, bid)
        offer = _offer(
            bid.lot, unit_price=unit_price, quantity=quantity,
            delivery_schedule=delivery_schedule, compliance=compliance,
            documents=documents,
        )  # fmt: skip
        if keep_documents:
            if is_committee_token(bid.sealed):
                raise ApplicationError(
                    _("This bid is sealed to the opening committee: nobody can "
                      "read its documents before the opening, so they cannot be "
                      "kept. A change replaces the whole offer: upload the "
                      "documents again."),
                    field="keep_documents",
                )  # fmt: skip
            offer["documents"] = unseal(bid.sealed)["documents"] + offer["documents"]
        bid.sealed = _seal_for(bid.lot.tender, offer)
        bid.changed_at = timezone.now()
        bid.save(update_fields=["sealed", "changed_at"])
        _bid_event(bid, BidEventAction.CHANGED, actor)
    bid.own_copy = _own_copy(bid, offer)
    return bid


def bid_withdraw(*, bid: Bid, actor: User) -> Bid:
    with transaction.atomic():
        bid = _lock_bid(bid)
        policy.require("bid.withdraw", actor, bid)
        # The bid's own trail records the move (``BidEvent``); its workflow
        # writes no timeline event (see ``Bid.workflow``).
        transition(bid, to=BidStatus.WITHDRAWN, actor=actor)
        _bid_event(bid, BidEventAction.WITHDRAWN, actor)
    return bid


def bid_offer(bid: Bid, *, user: User) -> dict:
    """The content of a bid, for those the policy ``bid.read_offer`` lets read
    it; for anyone else, nothing."""
    policy.require("bid.read_offer", user, bid)
    return unseal(bid.sealed)


def opened_bid_offer(bid: Bid) -> dict:
    """The content of a bid of an opened tender, for what is published about
    its award (the OCDS release); refused while the tender is sealed, as a
    tender cancelled before its opening stays."""
    if bid.lot.tender.is_sealed or is_committee_token(bid.sealed):
        raise PermissionDenied(_("This bid is sealed until the tender is opened."))
    return unseal(bid.sealed)
