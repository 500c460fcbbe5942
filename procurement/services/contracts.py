"""Writes of contracts and deliveries: signature, delivery reports and their
acceptance."""

from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from procurement import notifications as tell
from procurement.models import (
    Award,
    AwardStatus,
    Contract,
    Delivery,
    DeliveryMonth,
    DeliveryStatus,
    Milestone,
    TenderStatus,
)
from procurement.sealing import unseal
from procurement.services.common import _lock_tender
from procurement.services.ocds import ocds_release_record
from secretariat.accounts.models import User
from secretariat.fund.services.ledger import commitment_reserve
from secretariat.kernel import policy
from secretariat.kernel.exceptions import ApplicationError, ConflictError
from secretariat.kernel.formatting import day_text, eur
from secretariat.kernel.services import (
    attachment_store,
    required_text,
    timeline_record,
    transition,
)


def contract_sign(
    *, award: Award, actor: User, milestones: list[tuple[date, int]]
) -> Contract:
    """Sign the contract of an approved award once the standstill is over and no
    complaint is pending. Signing commits the contract's value in the tender's
    pool, and fails with the reason if the pool cannot cover it (the policy
    ``contract.sign`` decides who signs and when)."""
    if not milestones:
        raise ApplicationError(
            _("Give at least one delivery milestone."), field="milestones"
        )
    with transaction.atomic():
        award = (
            Award.objects.select_for_update(of=("self",))
            .select_related("lot__tender__case", "lot__capability", "bid__manufacturer")
            .get(pk=award.pk)
        )
        tender = _lock_tender(award.lot.tender)
        policy.require("contract.sign", actor, award)
        offer = unseal(award.bid.sealed)
        unit_price = Decimal(offer["unit_price"])
        quantity = int(offer["quantity"])
        if sum(int(q) for _due, q in milestones) != quantity:
            raise ApplicationError(
                _("The milestones must add up to the %(n)d units offered.")
                % {"n": quantity},
                field="milestones",
            )
        value = (unit_price * quantity).quantize(Decimal("0.01"))
        commitment = commitment_reserve(
            pool=tender.pool,
            amount_eur=value,
            purpose=_("Contract for %(tender)s lot %(n)d with %(name)s")
            % {
                "tender": tender.case.reference,
                "n": award.lot.number,
                "name": award.bid.manufacturer.name,
            },
            categories=[award.lot.capability],
            actor=actor,
            approval_reference=tender.case.reference,
        )
        contract = Contract.objects.create(
            award=award, manufacturer=award.bid.manufacturer, quantity=quantity,
            unit_price=unit_price, value_eur=value, commitment=commitment,
            signed_by=actor,
        )  # fmt: skip
        Milestone.objects.bulk_create(
            Milestone(
                contract=contract,
                number=number,
                due_on=due_on,
                quantity=int(units),
                amount_eur=(unit_price * int(units)).quantize(Decimal("0.01")),
            )
            for number, (due_on, units) in enumerate(milestones, 1)
        )
        timeline_record(
            subject=tender,
            case=tender.case,
            actor=actor,
            action="contract_signed",
            description=_("%(ref)s signed with %(name)s: %(value)s committed")
            % {
                "ref": contract.reference,
                "name": contract.manufacturer.name,
                "value": eur(value),
            },
        )
        approved = Award.objects.filter(lot__tender=tender, status=AwardStatus.APPROVED)
        if not approved.filter(contract__isnull=True).exists():
            transition(tender, to=TenderStatus.CONTRACTED, actor=actor)
        ocds_release_record(tender=tender, tag="contract")
    return contract


def delivery_report(
    *, contract: Contract, milestone: Milestone, actor: User, quantity: int,
    note: str = "",
) -> Delivery:  # fmt: skip
    """The contractor's representative reports a batch delivered under a
    milestone (the policy ``delivery.report``)."""
    with transaction.atomic():
        contract = Contract.objects.select_for_update().get(pk=contract.pk)
        policy.require("delivery.report", actor, contract)
        if milestone.contract_id != contract.pk:
            raise ApplicationError(
                _("That milestone is not in this contract."), field="milestone"
            )
        left = Milestone.objects.with_units_left().get(pk=milestone.pk).left
        if not 0 < int(quantity) <= left:
            raise ApplicationError(
                _("Milestone %(n)d has %(left)d units left to deliver.")
                % {"n": milestone.number, "left": left},
                field="quantity",
            )
        delivery = Delivery.objects.create(
            contract=contract, milestone=milestone, quantity=int(quantity),
            note=note.strip(), reported_by=actor,
        )  # fmt: skip
        DeliveryMonth.add(delivery.reported_at, delivered=delivery.quantity)
        tender = contract.award.lot.tender
        timeline_record(
            subject=tender,
            case=tender.case,
            actor=actor,
            action="delivery_reported",
            description=_("%(ref)s: %(n)d units delivered, awaiting acceptance")
            % {"ref": contract.reference, "n": delivery.quantity},
        )
        tell.tell_delivery_reported(delivery)
    return delivery


def delivery_decide(
    *,
    delivery: Delivery,
    actor: User,
    quantity_accepted: int,
    test_site: str,
    tested_on: date,
    note: str = "",
    report_file=None,
) -> Delivery:
    """Record the acceptance tests of a batch. Units that pass make their share of
    the milestone payable: a disbursement request is drafted against the
    contract's commitment, for a finance officer to take over (the policy
    ``delivery.decide``)."""
    from secretariat.fund.services.disbursements import disbursement_draft

    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update(of=("self",))
            .select_related(
                "contract__manufacturer__member_state",
                "contract__commitment",
                "contract__award__lot__tender__case",
                "contract__award__lot__capability",
                "milestone",
            )
            .get(pk=delivery.pk)
        )
        policy.require("delivery.decide", actor, delivery)
        test_site = required_text(
            test_site, field="test_site", message=_("Name the test site.")
        )
        if tested_on > timezone.localdate():
            raise ApplicationError(
                _("The test date cannot be in the future."), field="tested_on"
            )
        reported_on = timezone.localdate(delivery.reported_at)
        if tested_on < reported_on:
            raise ApplicationError(
                _("The batch was reported delivered on %(day)s; it was tested on "
                  "or after that day.")
                % {"day": day_text(reported_on)},
                field="tested_on",
            )  # fmt: skip
        if not 0 <= int(quantity_accepted) <= delivery.quantity:
            raise ApplicationError(
                _("Between 0 and %(n)d units can be accepted.")
                % {"n": delivery.quantity},
                field="quantity_accepted",
            )
        contract = delivery.contract
        maker = contract.manufacturer
        accepted = int(quantity_accepted)
        if accepted and not (maker.iban and maker.bic):
            raise ConflictError(
                _("%(name)s has no bank account on record; it must be set before a "
                  "delivery is accepted for payment.") % {"name": maker.name}
            )  # fmt: skip
        delivery.quantity_accepted = accepted
        delivery.test_site = test_site
        delivery.tested_on = tested_on
        delivery.decided_by = actor
        if report_file is not None:
            delivery.report = attachment_store(
                subject=contract.award.lot.tender,
                case=contract.award.lot.tender.case,
                uploaded_file=report_file,
                actor=actor,
                description=_("Acceptance report, %(ref)s")
                % {"ref": contract.reference},
            )
        if accepted:
            lot = contract.award.lot
            delivery.disbursement = disbursement_draft(
                actor=actor,
                commitment=contract.commitment,
                payee_name=maker.name,
                payee_country=str(maker.member_state.country),
                payee_iban=maker.iban,
                payee_bic=maker.bic,
                amount=(contract.unit_price * accepted).quantize(Decimal("0.01")),
                currency="EUR",
                purpose=_(
                    "%(ref)s milestone %(n)d: %(units)d units accepted at %(site)s "
                    "on %(date)s"
                )
                % {
                    "ref": contract.reference,
                    "n": delivery.milestone.number,
                    "units": accepted,
                    "site": test_site,
                    "date": day_text(tested_on),
                },
                categories=[lot.capability],
            )
        transition(
            delivery,
            to=DeliveryStatus.ACCEPTED if accepted else DeliveryStatus.REJECTED,
            actor=actor,
            reason=note,
            occurred_at=timezone.now(),
            evidence=delivery.report,
            also=(
                "quantity_accepted",
                "test_site",
                "tested_on",
                "decided_by",
                "report",
                "disbursement",
            ),
            description=_("%(ref)s: %(accepted)d of %(n)d units accepted")
            % {"ref": contract.reference, "accepted": accepted, "n": delivery.quantity},
        )
        if accepted:
            DeliveryMonth.add(delivery.decided_at, accepted=accepted)
        else:
            # A rejected batch is delivered again: it no longer counts.
            DeliveryMonth.add(delivery.reported_at, delivered=-delivery.quantity)
        ocds_release_record(tender=contract.award.lot.tender, tag="implementation")
    return delivery
