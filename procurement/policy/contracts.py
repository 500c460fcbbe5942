"""Policies of procurement: contracts and deliveries.

A procurement officer signs the contract of an approved award once its
standstill is over and no complaint is pending; the contractor's
representatives report the batches delivered; a procurement officer records
their acceptance tests."""

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from procurement.models import (
    Award,
    AwardStatus,
    ComplaintStatus,
    Contract,
    ContractStatus,
    Delivery,
    DeliveryStatus,
)
from secretariat.kernel.formatting import when_text
from secretariat.kernel.policy import action, allow, not_now, queue, refuse
from secretariat.kernel.roles import Role, has_role
from secretariat.kernel.rules import is_procurement_officer


def _contract_of(award: Award) -> Contract | None:
    try:
        return award.contract
    except Contract.DoesNotExist:
        return None


def award_contract_blocker(award: Award, *, now=None) -> str | None:
    """Why a contract cannot yet be signed for this award, or ``None``. Reads
    the award's complaints through ``award.complaints.all()``, so a page that
    prefetched them asks no more queries."""
    now = now or timezone.now()
    if award.status != AwardStatus.APPROVED:
        return _("The award is not approved.")
    if now < award.standstill_until:
        return _("The standstill period runs until %(until)s.") % {
            "until": when_text(award.standstill_until)
        }
    if any(c.status == ComplaintStatus.PENDING for c in award.complaints.all()):
        return _("A complaint against the award is pending.")
    return None


# ------------------------------------------------------------------ sign


@action(
    "contract.sign",
    label=gettext_lazy("Sign the contract"),
    model=Award,
    work_label=gettext_lazy("Sign the contract for the approved award"),
)
def contract_sign(user, award):
    if not is_procurement_officer(user):
        return refuse(_("Only a procurement officer signs contracts."), hidden=True)
    if award is None:
        return allow()
    # Signing is a move from an approved award without a contract only: not
    # offered otherwise. The standstill and a pending complaint only delay it.
    if _contract_of(award) is not None:
        return not_now(_("This award already has a contract."), hidden=True)
    if award.status != AwardStatus.APPROVED:
        return not_now(_("The award is not approved."), hidden=True)
    blocker = award_contract_blocker(award)
    if blocker:
        return not_now(blocker)
    return allow()


@queue("contract.sign")
def awards_to_contract(user, awards):
    if not is_procurement_officer(user):
        return awards.none()
    return awards.filter(
        status=AwardStatus.APPROVED,
        standstill_until__lte=timezone.now(),
        contract__isnull=True,
    ).exclude(complaints__status=ComplaintStatus.PENDING)


# ------------------------------------------------------------------ deliveries


def _represents(user, manufacturer_id) -> bool:
    return bool(
        has_role(user, Role.MANUFACTURER_REPRESENTATIVE)
        and user.manufacturer_id
        and (manufacturer_id is None or user.manufacturer_id == manufacturer_id)
    )


@action(
    "delivery.report",
    label=gettext_lazy("Report a delivery"),
    model=Contract,
    perm="procurement.report_delivery",
)
def delivery_report(user, contract):
    manufacturer_id = contract.manufacturer_id if contract is not None else None
    if not _represents(user, manufacturer_id):
        # Another company's contract is not even known to exist.
        return refuse(
            _("Only the contractor's representatives report its deliveries."),
            hidden=True,
        )
    if contract is None:
        return allow()
    if contract.status != ContractStatus.SIGNED:
        return not_now(
            _("%(ref)s is %(status)s: no more deliveries are reported under it.")
            % {"ref": contract.reference, "status": contract.get_status_display()}
        )
    return allow()


# A contractor delivers on its own schedule (the contract page says what is
# due): not a task My work waits on.
@queue("delivery.report", my_work=False)
def contracts_to_deliver(user, contracts):
    if not _represents(user, None):
        return contracts.none()
    return contracts.filter(
        manufacturer_id=user.manufacturer_id, status=ContractStatus.SIGNED
    )


# Recording a delivery's tests is its move to accepted or to rejected.
DECIDABLE = Delivery.workflow.sources(DeliveryStatus.ACCEPTED) | (
    Delivery.workflow.sources(DeliveryStatus.REJECTED)
)


@action(
    "delivery.decide",
    label=gettext_lazy("Record the tests"),
    model=Delivery,
    perm="procurement.decide_delivery",
    work_label=gettext_lazy("Test and accept the delivery"),
)
def delivery_decide(user, delivery):
    if not is_procurement_officer(user):
        return refuse(
            _("Only a procurement officer records a delivery's acceptance tests."),
            hidden=True,
        )
    if delivery is None:
        return allow()
    if delivery.status not in DECIDABLE:
        # A delivery is tested once: not offered again.
        return not_now(_("This delivery has already been decided."), hidden=True)
    return allow()


@queue("delivery.decide")
def deliveries_to_decide(user, deliveries):
    if not is_procurement_officer(user):
        return deliveries.none()
    return deliveries.filter(status__in=DECIDABLE)
