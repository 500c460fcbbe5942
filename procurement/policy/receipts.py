"""Policies of the receiving end: Ukraine's end users confirm receipt of the
batches the secretariat accepted and report how they performed in the field;
a procurement officer resolves a receipt that did not match the delivery.

Who may read receipts, discrepancies and field reports is declared here too
(``rules.add_perm``): the secretariat, the receiving state's end users and,
for receipts and field reports, the representatives of the manufacturer
concerned, who never learn who received or reported (``view_submitter``)."""

import rules
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from procurement.models import (
    Delivery,
    DeliveryStatus,
    Discrepancy,
    DiscrepancyStatus,
    FieldReport,
    Receipt,
)
from procurement.policy.requirements import unit_ids
from secretariat.kernel.formatting import day_text
from secretariat.kernel.policy import action, allow, not_now, queue, refuse
from secretariat.kernel.roles import Role, has_role, is_staff_reader
from secretariat.kernel.rules import is_procurement_officer


def end_user_units(user) -> frozenset[int]:
    """The units (ids) of Ukraine whose end user ``user`` is: every batch the
    Coalition buys is handed over to Ukraine's Armed Forces, and its end users,
    no other state's, confirm and report on them."""
    return unit_ids(user)


def is_receiving_end_user(user) -> bool:
    return bool(end_user_units(user))


def _receipt_of(delivery) -> Receipt | None:
    try:
        return delivery.receipt
    except Receipt.DoesNotExist:
        return None


# ------------------------------------------------------------------ receipt


@action(
    "receipt.confirm",
    label=gettext_lazy("Confirm receipt"),
    model=Delivery,
    perm="procurement.confirm_receipt",
    work_label=gettext_lazy("Confirm receipt of the batch"),
)
def receipt_confirm(user, delivery):
    if not is_receiving_end_user(user):
        # Nobody else is offered the action, nor told which batches await it.
        return refuse(
            _("Only the end users of Ukraine's units confirm receipt of a batch."),
            hidden=True,
        )
    if delivery is None:
        return allow()
    if delivery.status != DeliveryStatus.ACCEPTED:
        return not_now(
            _("This batch has not been accepted by the secretariat's tests; its "
              "receipt is confirmed once it is."),
            hidden=True,
        )  # fmt: skip
    receipt = _receipt_of(delivery)
    if receipt is not None:
        return not_now(
            _("Receipt of this batch was already confirmed on %(day)s.")
            % {"day": day_text(receipt.received_on)},
            hidden=True,
        )
    return allow()


@queue("receipt.confirm")
def deliveries_to_receive(user, deliveries):
    if not is_receiving_end_user(user):
        return deliveries.none()
    return deliveries.filter(status=DeliveryStatus.ACCEPTED, receipt__isnull=True)


# ------------------------------------------------------------------ discrepancy


@action(
    "discrepancy.resolve",
    label=gettext_lazy("Resolve"),
    model=Discrepancy,
    work_label=gettext_lazy("Resolve the receipt discrepancy"),
)
def discrepancy_resolve(user, discrepancy):
    if not is_procurement_officer(user):
        return refuse(
            _("Only a procurement officer resolves a receipt discrepancy."),
            hidden=True,
        )
    if discrepancy is None:
        return allow()
    if discrepancy.status != DiscrepancyStatus.OPEN:
        return not_now(_("This discrepancy is already resolved."), hidden=True)
    return allow()


@queue("discrepancy.resolve")
def discrepancies_to_resolve(user, discrepancies):
    """Every procurement officer may resolve an open discrepancy; it awaits its
    owner, or all of them while nobody owns it."""
    if not is_procurement_officer(user):
        return discrepancies.none()
    return discrepancies.filter(status=DiscrepancyStatus.OPEN).filter(
        Q(case__owner=user) | Q(case__owner__isnull=True)
    )


# ------------------------------------------------------------------ field report


@action(
    "field_report.file",
    label=gettext_lazy("File a field report"),
    model=Delivery,
    perm="procurement.file_field_report",
)
def field_report_file(user, delivery):
    if not is_receiving_end_user(user):
        return refuse(
            _("Only the end users of Ukraine's units file field reports."),
            hidden=True,
        )
    if delivery is None:
        return allow()
    receipt = _receipt_of(delivery)
    if receipt is None:
        return not_now(
            _("This batch has not been received yet: confirm its receipt before "
              "reporting how it performed.")
        )  # fmt: skip
    if receipt.unit.member_state_id != user.member_state_id:
        return refuse(_("Another state received this batch."), hidden=True)
    return allow()


# Reporting from the field is done when there is something to say: not a task
# that awaits anyone.
@queue("field_report.file", my_work=False)
def deliveries_to_report_on(user, deliveries):
    if not is_receiving_end_user(user):
        return deliveries.none()
    return deliveries.filter(receipt__isnull=False)


# ------------------------------------------------------------------ reading


def _manufacturer_of(obj):
    if isinstance(obj, Receipt):
        return obj.delivery.contract.manufacturer_id
    if isinstance(obj, FieldReport):
        return obj.receipt.delivery.contract.manufacturer_id
    return None


def _unit_of(obj):
    if isinstance(obj, Discrepancy):
        return obj.receipt.unit
    return obj.unit


@rules.predicate
def is_staff(user):
    return is_staff_reader(user)


@rules.predicate
def receives_it(user, obj):
    if not is_receiving_end_user(user):
        return False
    return obj is None or _unit_of(obj).member_state_id == user.member_state_id


@rules.predicate
def made_it(user, obj):
    if not has_role(user, Role.MANUFACTURER_REPRESENTATIVE) or not user.manufacturer_id:
        return False
    return obj is None or _manufacturer_of(obj) == user.manufacturer_id


rules.add_perm("procurement.view_receipt", is_staff | receives_it | made_it)
rules.add_perm("procurement.view_discrepancy", is_staff | receives_it)
rules.add_perm("procurement.view_fieldreport", is_staff | receives_it | made_it)
# Who received a batch or reported on it (the person, the unit): never the
# manufacturer concerned.
rules.add_perm("procurement.view_submitter", is_staff | receives_it)


# The pages' lists (and the menu, from the roles alone, at no query).
@rules.predicate
def is_end_user(user):
    return has_role(user, Role.END_USER)


@rules.predicate
def sees_field_summaries(user):
    return bool(
        is_staff_reader(user)
        or has_role(user, Role.END_USER, Role.MEMBER_LIAISON)
        or (has_role(user, Role.MANUFACTURER_REPRESENTATIVE) and user.manufacturer_id)
    )


rules.add_perm("procurement.receive_deliveries", is_end_user)
rules.add_perm("procurement.list_discrepancies", is_staff | is_end_user)
rules.add_perm("procurement.list_field_reports", sees_field_summaries)
