"""Writes of the receiving end: Ukraine's receipt of an accepted batch, the
discrepancy case a receipt that does not match opens (with a hold on the
milestone's unpaid money), its resolution, and field reports."""

from collections.abc import Iterable
from datetime import date

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from procurement import notifications as tell
from procurement.models import (
    CRITERIA,
    PRICE,
    Delivery,
    Discrepancy,
    DiscrepancyStatus,
    FieldReport,
    MilitaryUnit,
    Receipt,
    ReceiptCondition,
)
from procurement.policy.receipts import end_user_units
from secretariat.accounts.models import User
from secretariat.fund.models import DisbursementRequest, DisbursementStatus
from secretariat.kernel import policy
from secretariat.kernel.exceptions import ApplicationError
from secretariat.kernel.formatting import day_text
from secretariat.kernel.models import CaseKind
from secretariat.kernel.rules import is_procurement_officer
from secretariat.kernel.services import (
    attachment_store,
    case_open,
    required_text,
    timeline_record,
    transition,
)

# A payment is held while it has not left the fund.
UNPAID = frozenset(
    {
        DisbursementStatus.DRAFT,
        DisbursementStatus.SUBMITTED,
        DisbursementStatus.CHECKED,
        DisbursementStatus.APPROVED,
    }
)
# Field ratings: on the tender's own criteria, price aside (the field says
# nothing of it), from 1 (poor) to 5 (excellent).
FIELD_CRITERIA = [c for c in CRITERIA if c != PRICE]
RATING_RANGE = range(1, 6)


def _unit_of(actor: User, unit) -> MilitaryUnit:
    if unit is None or unit.pk not in end_user_units(actor):
        raise ApplicationError(_("Choose one of your units."), field="unit")
    return unit


# ------------------------------------------------------------------ receipt


def receipt_errors(
    delivery: Delivery,
    *,
    quantity_received: int | None,
    quantity_damaged: int | None,
    received_on: date | None,
    condition: str | None,
) -> dict[str, str]:
    """Every reason the figures of a receipt cannot be recorded, by field: the
    rule of ``receipt_confirm``, which the form asks too so as to report them
    all in one round."""
    errors = {}
    accepted = delivery.quantity_accepted
    if quantity_received is not None and not 0 <= quantity_received <= accepted:
        errors["quantity_received"] = _(
            "%(accepted)d units of this batch were accepted (of %(delivered)d "
            "delivered): no more can be received."
        ) % {"accepted": accepted, "delivered": delivery.quantity}
    damaged = quantity_damaged or 0
    if quantity_received is not None and damaged > quantity_received:
        errors["quantity_damaged"] = _(
            "No more units can be damaged than were received (%(n)d)."
        ) % {"n": quantity_received}
    elif condition == ReceiptCondition.DAMAGED and not damaged:
        errors["quantity_damaged"] = _("Say how many of the units are damaged.")
    if condition == ReceiptCondition.GOOD and damaged:
        errors["condition"] = _(
            "You counted damaged units: choose “Some units damaged” or “Unusable”."
        )
    if received_on is not None:
        reported_on = timezone.localdate(delivery.reported_at)
        if received_on > timezone.localdate():
            errors["received_on"] = _("The handover date cannot be in the future.")
        elif received_on < reported_on:
            errors["received_on"] = _(
                "The batch was reported delivered on %(day)s; it was handed over on "
                "or after that day."
            ) % {"day": day_text(reported_on)}
    return errors


def _refuse_first(errors: dict[str, str]) -> None:
    for field, message in errors.items():
        raise ApplicationError(message, field=field)


def receipt_confirm(
    *,
    delivery: Delivery,
    actor: User,
    unit: MilitaryUnit,
    quantity_received: int,
    quantity_damaged: int = 0,
    received_on: date,
    place: str,
    serials: str,
    condition: str,
    note: str = "",
    documents: Iterable = (),
) -> Receipt:
    """An end user of Ukraine confirms, for one of their units, that an accepted
    batch arrived (the policy ``receipt.confirm``). Fewer units than accepted,
    or damaged ones, open a discrepancy case for the procurement officer and
    hold the milestone's unpaid money until it is resolved."""
    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update(of=("self",))
            .select_related(
                "contract__manufacturer",
                "contract__award__lot__tender__case__owner",
                "milestone",
            )
            .get(pk=delivery.pk)
        )
        policy.require("receipt.confirm", actor, delivery)
        unit = _unit_of(actor, unit)
        if condition not in ReceiptCondition.values:
            raise ApplicationError(_("Choose the condition."), field="condition")
        _refuse_first(
            receipt_errors(
                delivery,
                quantity_received=int(quantity_received),
                quantity_damaged=int(quantity_damaged or 0),
                received_on=received_on,
                condition=condition,
            )
        )
        place = required_text(
            place, field="place", message=_("Name the place of handover.")
        )
        serials = required_text(
            serials,
            field="serials",
            message=_("Give the serial ranges or lot numbers received."),
        )
        receipt = Receipt.objects.create(
            delivery=delivery,
            unit=unit,
            quantity_received=int(quantity_received),
            quantity_damaged=int(quantity_damaged or 0),
            received_on=received_on,
            place=place,
            serials=serials,
            condition=condition,
            note=(note or "").strip(),
            received_by=actor,
        )
        contract = delivery.contract
        tender = contract.award.lot.tender
        timeline_record(
            subject=delivery,
            case=tender.case,
            actor=actor,
            action="receipt_confirmed",
            description=_(
                "%(ref)s milestone %(n)d: receipt confirmed, %(received)d of "
                "%(accepted)d units received"
            )
            % {
                "ref": contract.reference,
                "n": delivery.milestone.number,
                "received": receipt.quantity_received,
                "accepted": delivery.quantity_accepted,
            },
        )
        discrepancy = _discrepancy_open(receipt, actor=actor)
        for uploaded in documents:
            attachment_store(
                subject=receipt,
                case=discrepancy.case if discrepancy else None,
                uploaded_file=uploaded,
                actor=actor,
                description=_("Receipt of %(ref)s milestone %(n)d")
                % {"ref": contract.reference, "n": delivery.milestone.number},
            )
    return receipt


def _discrepancy_open(receipt: Receipt, *, actor: User) -> Discrepancy | None:
    # The case, its timeline and the fund's hold are the secretariat's records,
    # read by staff in any language: written in the product's language, not in
    # that of the end user who confirmed receipt (notifications are written in
    # each recipient's own).
    with translation.override(settings.LANGUAGE_CODE):
        return _discrepancy_record(receipt, actor=actor)


def _discrepancy_record(receipt: Receipt, *, actor: User) -> Discrepancy | None:
    delivery = receipt.delivery
    missing = delivery.quantity_accepted - receipt.quantity_received
    damaged = (
        receipt.quantity_received
        if receipt.condition == ReceiptCondition.UNUSABLE
        else receipt.quantity_damaged
    )
    if not missing and not damaged:
        return None
    contract = delivery.contract
    tender_case = contract.award.lot.tender.case
    # The tender's procurement officer owns it; if none is known, every
    # procurement officer's queue holds it until one takes it.
    owner = tender_case.owner
    if owner is not None and not (owner.is_active and is_procurement_officer(owner)):
        owner = None
    figures = {
        "ref": contract.reference,
        "n": delivery.milestone.number,
        "missing": missing,
        "damaged": damaged,
    }
    case = case_open(
        kind=CaseKind.DISCREPANCY,
        title=_(
            "Receipt of %(ref)s milestone %(n)d: %(missing)d units missing, "
            "%(damaged)d damaged"
        )
        % figures,
        status=DiscrepancyStatus.OPEN,
        actor=actor,
        owner=owner,
    )
    if owner is None:
        case.owner = None
        case.save(update_fields=["owner"])
    discrepancy = Discrepancy.objects.create(
        case=case, receipt=receipt, units_missing=missing, units_damaged=damaged
    )
    timeline_record(
        subject=discrepancy,
        case=case,
        actor=actor,
        action="discrepancy_opened",
        to_status=DiscrepancyStatus.OPEN,
        description=_(
            "%(ref)s milestone %(n)d received with %(missing)d units missing and "
            "%(damaged)d damaged"
        )
        % figures,
        reason=receipt.note,
    )
    request = _unpaid_request(delivery)
    if request is not None:
        request.hold = _(
            "receipt discrepancy %(case)s (%(missing)d units missing, "
            "%(damaged)d damaged) is open; the payment waits until it is "
            "resolved."
        ) % {**figures, "case": case.reference}
        held = _("Payment held by receipt discrepancy %(case)s") % {
            "case": case.reference
        }
        request.hold = request.hold[:300]
        request.save(update_fields=["hold"])
        timeline_record(
            subject=request,
            case=request.case,
            actor=actor,
            action="payment_held",
            description=held,
        )
        # The receiving side reads this case: it is told of the hold, not of
        # the fund's request.
        timeline_record(
            subject=discrepancy,
            case=case,
            actor=actor,
            action="payment_held",
            description=_("The unpaid money of the milestone is held"),
        )
    tell.tell_discrepancy_opened(discrepancy)
    return discrepancy


def _unpaid_request(delivery: Delivery) -> DisbursementRequest | None:
    """The delivery's disbursement request, locked, if its money has not left
    the fund."""
    if delivery.disbursement_id is None:
        return None
    return (
        DisbursementRequest.objects.select_for_update(of=("self",))
        .select_related("case")
        .filter(pk=delivery.disbursement_id, status__in=UNPAID)
        .first()
    )


# ------------------------------------------------------------------ resolve


def discrepancy_resolve(
    *, discrepancy: Discrepancy, actor: User, resolution: str
) -> Discrepancy:
    """A procurement officer records how a receipt discrepancy was settled
    (replacement, credit, units found...); the payment it held may go on (the
    policy ``discrepancy.resolve``)."""
    with transaction.atomic():
        discrepancy = (
            Discrepancy.objects.select_for_update(of=("self",))
            .select_related(
                "case", "receipt__unit", "receipt__delivery__contract", "receipt"
            )
            .get(pk=discrepancy.pk)
        )
        policy.require("discrepancy.resolve", actor, discrepancy)
        resolution = required_text(
            resolution,
            field="resolution",
            message=_("Say how the discrepancy was resolved."),
        )
        discrepancy.resolution = resolution
        discrepancy.resolved_by = actor
        transition(
            discrepancy,
            to=DiscrepancyStatus.RESOLVED,
            actor=actor,
            reason=resolution,
            also=("resolution", "resolved_by"),
        )
        request = _unpaid_request(discrepancy.receipt.delivery)
        if request is not None and request.hold:
            request.hold = ""
            request.save(update_fields=["hold"])
            timeline_record(
                subject=request,
                case=request.case,
                actor=actor,
                action="payment_hold_released",
                description=_(
                    "Payment hold released: receipt discrepancy %(case)s resolved"
                )
                % {"case": discrepancy.case.reference},
            )
            timeline_record(
                subject=discrepancy,
                case=discrepancy.case,
                actor=actor,
                action="payment_hold_released",
                description=_("The hold on the milestone's unpaid money is released"),
            )
        tell.tell_discrepancy_resolved(discrepancy)
    return discrepancy


# ------------------------------------------------------------------ field reports


def field_report_errors(
    receipt: Receipt | None,
    *,
    ratings: dict,
    units_failed: int | None,
    units_lost: int | None,
) -> dict[str, str]:
    """Every reason a field report's figures cannot be recorded, by field
    (``rating_<criterion>``, ``units_failed``, ``units_lost``): the rule of
    ``field_report_file``, which the form asks too."""
    errors = {}
    for criterion in FIELD_CRITERIA:
        value = (ratings or {}).get(criterion)
        try:
            valid = value is not None and int(value) in RATING_RANGE
        except (TypeError, ValueError):
            valid = False
        if not valid:
            errors[f"rating_{criterion}"] = _("Rate it from 1 (poor) to 5 (excellent).")
    unknown = set(ratings or {}) - set(FIELD_CRITERIA)
    if unknown:
        errors["ratings"] = _("Rate only the tender's criteria: %(list)s.") % {
            "list": ", ".join(FIELD_CRITERIA)
        }
    if receipt is not None:
        received = receipt.quantity_received
        for field, value in (
            ("units_failed", units_failed),
            ("units_lost", units_lost),
        ):
            if value is not None and not 0 <= int(value) <= received:
                errors[field] = _("Between 0 and the %(n)d units received.") % {
                    "n": received
                }
    return errors


def field_report_file(
    *,
    delivery: Delivery,
    actor: User,
    unit: MilitaryUnit,
    ratings: dict,
    units_failed: int = 0,
    units_lost: int = 0,
    failures: str = "",
    lessons: str,
    sensitive_detail: str = "",
    documents: Iterable = (),
) -> FieldReport:
    """An end user of Ukraine reports how a received batch performed in the
    field (the policy ``field_report.file``)."""
    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update(of=("self",))
            .select_related("contract__award__lot__tender__case", "milestone")
            .get(pk=delivery.pk)
        )
        policy.require("field_report.file", actor, delivery)
        receipt = delivery.receipt
        unit = _unit_of(actor, unit)
        _refuse_first(
            field_report_errors(
                receipt,
                ratings=ratings,
                units_failed=units_failed,
                units_lost=units_lost,
            )
        )
        lessons = required_text(
            lessons, field="lessons", message=_("Write the lessons learned.")
        )
        report = FieldReport.objects.create(
            receipt=receipt,
            unit=unit,
            ratings={c: int(ratings[c]) for c in FIELD_CRITERIA},
            units_failed=int(units_failed or 0),
            units_lost=int(units_lost or 0),
            failures=(failures or "").strip(),
            lessons=lessons,
            sensitive_detail=(sensitive_detail or "").strip(),
            filed_by=actor,
        )
        contract = delivery.contract
        tender = contract.award.lot.tender
        timeline_record(
            subject=delivery,
            case=tender.case,
            actor=actor,
            action="field_report_filed",
            description=_("%(ref)s milestone %(n)d: a field report was filed")
            % {"ref": contract.reference, "n": delivery.milestone.number},
        )
        for uploaded in documents:
            attachment_store(
                subject=report,
                uploaded_file=uploaded,
                actor=actor,
                description=_("Field report on %(ref)s milestone %(n)d")
                % {"ref": contract.reference, "n": delivery.milestone.number},
            )
    return report
