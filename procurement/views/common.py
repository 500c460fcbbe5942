"""Helpers the stages' pages share."""

from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _

from procurement import selectors, services
from procurement.models import (
    Tender,
    TenderStatus,
)
from secretariat.fund.services.ledger import eur
from secretariat.kernel import policy
from secretariat.kernel.exceptions import ApplicationError, ConflictError
from secretariat.kernel.formatting import when_text

T = TenderStatus


def _pointing(call, **aliases):
    """Run a service; a refusal about a group of inputs (the weights, the
    component origins) is shown next to the form field named in ``aliases``."""
    try:
        return call()
    except ApplicationError as exc:
        exc.field = aliases.get(exc.field, exc.field)
        raise


def _is_bidder(user) -> bool:
    """A manufacturer's representative, acting for their company (the policy
    ``bid.submit``: a superuser bids for nobody)."""
    return policy.may("bid.submit", user)


def _tender_or_404(request, reference) -> Tender:
    return get_object_or_404(
        # The owner and who opened the bids are shown on the tender's page; the
        # opening committee (if any) is asked by its actions' policies.
        selectors.tenders_for(request.user).select_related(
            "case__owner", "opened_by", "opening_committee"
        ),
        case__reference=reference,
    )


def _form_page(request, form, *, title, submit, back_url, **context):
    """One form on its own page: ``intro``, ``facts`` (label, value pairs),
    ``notice`` (why it cannot be done now: with no ``form``, the page shows
    only the reason), ``danger``, ``tender``."""
    return render(
        request,
        "procurement/form.html",
        {
            "form": form,
            "title": title,
            "submit": submit,
            "back_url": back_url,
            **context,
        },
    )


def _refused_form(request, form, refusal):
    """The form and notice of an action's page: on a GET, an action refused
    for the object's state now shows its reason instead of the form; a POST
    goes to the service, which refuses with the same reason next to the form."""
    if refusal and request.method == "GET":
        return None, refusal
    return form, None


def _action_refusal(request, name, obj) -> str | None:
    """The policy's answer on an action's own page: a refusal for who the
    person is answers 403 with its reason; one for the object's state now is
    returned on a GET, to be shown instead of the form (a form sent anyway goes
    to the service, which refuses it with the same reason as a form error)."""
    decision = policy.decide(name, request.user, obj)
    if decision.allowed:
        return None
    if decision.kind == policy.WHO:
        raise PermissionDenied(decision.reason)
    return decision.reason if request.method == "GET" else None


def _unless_refused(request, form, refused):
    """The form, except on a GET the policy refuses now (the page shows the
    reason instead); a POST still reaches the service, whose refusal (the same
    reason, or a newer one) shows in the form."""
    return None if refused and request.method == "GET" else form


def _tender_url(tender) -> str:
    return reverse("procurement:tender", args=[tender.case.reference])


@dataclass(frozen=True)
class Offer:
    unit_price: Decimal
    quantity: int
    total: Decimal
    delivery_schedule: str
    compliance: dict
    documents: list


def _offer(bid, user) -> Offer:
    """The content of a bid as ``services.bid_offer`` releases it to ``user``
    (it refuses anyone the seal still excludes)."""
    content = services.bid_offer(bid, user=user)
    unit_price = Decimal(content["unit_price"])
    quantity = int(content["quantity"])
    return Offer(
        unit_price=unit_price,
        quantity=quantity,
        total=(unit_price * quantity).quantize(Decimal("0.01")),
        delivery_schedule=content["delivery_schedule"],
        compliance=content.get("compliance") or {},
        documents=[
            {"index": index, "name": doc["name"], "content_type": doc["content_type"]}
            for index, doc in enumerate(content.get("documents") or [])
        ],
    )


def _offer_unless_committee_sealed(bid, user) -> Offer | None:
    """The offer, or ``None`` for a bid sealed to the tender's opening
    committee, which nobody reads before the opening (the policy
    ``bid.read_offer`` says so; its pages show that reason instead)."""
    try:
        return _offer(bid, user)
    except ConflictError:
        return None


def _lot_or_404(tender, number):
    return get_object_or_404(
        tender.lots.select_related("capability", "tender__case"), number=number
    )


def _award_or_404(request, pk):
    return get_object_or_404(selectors.awards_for(request.user), pk=pk)


def _award_facts(award, user):
    offer = _offer(award.bid, user)
    return [
        (_("Lot"), f"{award.lot.number}: {award.lot.title}"),
        (_("Manufacturer"), award.bid.manufacturer.name),
        (_("Offer"), _("%(units)d units at %(price)s, %(total)s in all")
         % {"units": offer.quantity, "price": eur(offer.unit_price),
            "total": eur(offer.total)}),
        (_("Status"), award.state_label),
        (_("Recommended by"),
         f"{award.recommended_by}, {when_text(award.recommended_at)}"),
        (_("Justification"), award.justification),
    ]  # fmt: skip
