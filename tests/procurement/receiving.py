"""Helpers for the tests of the receiving end: an accepted batch, a receipt
through the service, and the receipt form as a browser sends it."""

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from procurement import services
from procurement.models import Delivery
from secretariat.fund.services import disbursements as dsb
from tests.factories import UserFactory


def accepted_batch(people, contract, rep, *, milestone=1, quantity=150, accepted=None):
    """A batch reported under the milestone and accepted by the secretariat's
    tests (all of it unless ``accepted`` says how many)."""
    delivery = services.delivery_report(
        contract=contract,
        milestone=contract.milestones.get(number=milestone),
        actor=rep,
        quantity=quantity,
    )
    return services.delivery_decide(
        delivery=delivery,
        actor=people.procurement,
        quantity_accepted=quantity if accepted is None else accepted,
        test_site="Sēlia military training ground",
        tested_on=timezone.localdate(),
    )


def reported_batch(contract, rep, *, milestone=2, quantity=100) -> Delivery:
    return services.delivery_report(
        contract=contract,
        milestone=contract.milestones.get(number=milestone),
        actor=rep,
        quantity=quantity,
    )


def receive(front, delivery, *, who=None, unit=None, **figures):
    """Confirm receipt through the service: everything as accepted, in good
    condition, unless ``figures`` say otherwise."""
    values = {
        "quantity_received": delivery.quantity_accepted,
        "quantity_damaged": 0,
        "received_on": timezone.localdate(),
        "place": "Kramatorsk logistics hub",
        "serials": "SN-1001 to SN-1150",
        "condition": "good",
        "note": "",
        **figures,
    }
    return services.receipt_confirm(
        delivery=delivery,
        actor=who or front.enduser,
        unit=unit or front.unit,
        **values,
    )


def receipt_form(front, delivery, **over):
    return {
        "unit": front.unit.pk,
        "quantity_received": delivery.quantity_accepted,
        "quantity_damaged": 0,
        "received_on": timezone.localdate().isoformat(),
        "place": "Kramatorsk logistics hub",
        "serials": "SN-1001 to SN-1150",
        "condition": "good",
        "note": "",
        **over,
    }


def confirm_url(delivery) -> str:
    return reverse("procurement:receipt_confirm", args=[delivery.pk])


def finance_team():
    """A checker and a payer beside ``people.finance``, the preparer: three
    finance officers, for the separation of duties."""
    return (
        UserFactory(username="checker", roles=["finance_officer"]),
        UserFactory(username="payer", roles=["finance_officer"]),
    )


def to_status(request, people, checker, status):
    """Move an accepted delivery's drafted request on to ``status``: submitted,
    checked or approved."""
    dsb.disbursement_adopt(request=request, actor=people.finance)
    dsb.disbursement_submit(request=request, actor=people.finance)
    if status == "submitted":
        return request
    dsb.disbursement_check(request=request, actor=checker)
    if status == "checked":
        return request
    dsb.disbursement_approve(request=request, actor=people.approver_lv)
    return request


YESTERDAY = timezone.localdate() - dt.timedelta(days=1)
TOMORROW = timezone.localdate() + dt.timedelta(days=1)
