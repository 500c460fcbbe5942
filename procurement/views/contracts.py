"""Pages of contracts and deliveries: signature, milestones, delivery reports and
their acceptance."""

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from procurement import selectors, services
from procurement.filters import (
    CONTRACT_SORTS,
    ContractFilter,
)
from procurement.forms import (
    ContractSignForm,
    DeliveryDecisionForm,
    DeliveryReportForm,
)
from procurement.models import (
    ContractStatus,
    DeliveryStatus,
)
from procurement.tables import CONTRACT_TABLE
from procurement.views.common import (
    _action_refusal,
    _award_facts,
    _award_or_404,
    _form_page,
    _offer,
    _tender_url,
)
from secretariat.fund.services.ledger import eur
from secretariat.kernel import policy
from secretariat.kernel.formatting import day_text, when_text
from secretariat.kernel.forms import (
    call_service,
    posted,
    require_permission,
)
from secretariat.kernel.listing import list_page
from secretariat.kernel.roles import is_staff_reader


@login_required
def contract_sign(request, pk):
    award = _award_or_404(request, pk)
    tender = award.lot.tender
    refused = _action_refusal(request, "contract.sign", award)
    offer = _offer(award.bid, request.user)
    form = ContractSignForm(
        posted(request)[0],
        initial={"milestones": f"{award.lot.delivery_to.isoformat()} {offer.quantity}"},
    )
    if not refused and request.method == "POST" and form.is_valid():
        created = call_service(
            form,
            lambda: services.contract_sign(
                award=award,
                actor=request.user,
                milestones=form.cleaned_data["milestones"],
            ),
        )
        if created:
            messages.success(
                request,
                _("%(ref)s is signed; %(value)s is committed from %(pool)s.")
                % {
                    "ref": created.reference,
                    "value": eur(created.value_eur),
                    "pool": tender.pool.name,
                },
            )
            return redirect("procurement:contract", created.pk)
    return _form_page(
        request,
        None if refused else form,
        title=_("Sign the contract for lot %(n)d of %(ref)s")
        % {"n": award.lot.number, "ref": tender.case.reference},
        tender=tender,
        facts=_award_facts(award, request.user),
        intro=_(
            "Signing commits the contract's value in the tender's pool (%(pool)s); "
            "it is refused if the pool cannot cover it."
        )
        % {"pool": tender.pool.name},
        notice=refused,
        submit=_("Sign contract"),
        back_url=_tender_url(tender),
    )


@login_required
def contract_list(request):
    require_permission(request, "procurement.view_contract")
    context = list_page(
        request,
        selectors.contracts_for(request.user),
        filterset_class=ContractFilter,
        sorts=CONTRACT_SORTS,
        default_sort="-signed",
        table=CONTRACT_TABLE,
    )
    if download := context.get("download"):
        return download
    return render(request, "procurement/contract_list.html", context)


@dataclass
class ContractStep:
    """What happens next on a contract, and who must act."""

    text: str
    who: str = ""
    overdue: bool = False


def _milestone_progress(milestones, deliveries) -> None:
    """Each milestone's units accepted and awaiting tests, from the deliveries
    already read (no query per milestone)."""
    today = timezone.localdate()
    for milestone in milestones:
        mine = [d for d in deliveries if d.milestone_id == milestone.pk]
        milestone.accepted = sum(
            d.quantity_accepted for d in mine if d.status == DeliveryStatus.ACCEPTED
        )
        milestone.awaiting = sum(
            d.quantity for d in mine if d.status == DeliveryStatus.REPORTED
        )
        milestone.outstanding = max(milestone.quantity - milestone.accepted, 0)
        milestone.is_done = milestone.outstanding == 0
        milestone.is_overdue = not milestone.is_done and milestone.due_on < today


def _contract_next_step(contract, milestones, deliveries) -> ContractStep:
    if contract.status == ContractStatus.TERMINATED:
        return ContractStep(_("Nothing: the contract is terminated."))
    if contract.status == ContractStatus.COMPLETED:
        return ContractStep(_("Nothing: the contract is completed."))
    waiting = [d for d in deliveries if d.status == DeliveryStatus.REPORTED]
    if waiting:
        oldest = min(waiting, key=lambda d: d.reported_at)
        return ContractStep(
            _(
                "Test the delivery reported on %(when)s (%(units)s units) and "
                "record how many units are accepted."
            )
            % {"when": when_text(oldest.reported_at), "units": f"{oldest.quantity:,}"},
            who=_("The secretariat's procurement officers"),
        )
    open_milestones = [m for m in milestones if not m.is_done]
    if not open_milestones:
        return ContractStep(
            _("Nothing to deliver: every milestone's units are accepted.")
        )
    milestone = open_milestones[0]
    return ContractStep(
        _("Deliver %(units)s units for milestone %(n)s, due on %(due)s.")
        % {
            "units": f"{milestone.outstanding:,}",
            "n": milestone.number,
            "due": day_text(milestone.due_on),
        },
        who=contract.manufacturer.name,
        overdue=milestone.is_overdue,
    )


@login_required
def contract_detail(request, pk):
    contract = get_object_or_404(selectors.contracts_for(request.user), pk=pk)
    user = request.user
    tender = contract.award.lot.tender
    milestones = list(contract.milestones.order_by("number"))
    deliveries = list(
        selectors.deliveries_for(user)
        .filter(contract=contract)
        .select_related("receipt")
        .order_by("-reported_at", "-id")
    )
    _milestone_progress(milestones, deliveries)
    staff = is_staff_reader(user)
    return render(
        request,
        "procurement/contract_detail.html",
        {
            "contract": contract,
            "tender": tender,
            "milestones": milestones,
            "deliveries": deliveries,
            "accepted_units": sum(m.accepted for m in milestones),
            "next_step": _contract_next_step(contract, milestones, deliveries),
            # The acceptance reports are filed on the tender's case, for staff.
            "documents": [d for d in deliveries if d.report_id] if staff else [],
            "report": policy.decide("delivery.report", user, contract),
            "staff": staff,
        },
    )


@login_required
def delivery_report(request, pk):
    contract = get_object_or_404(selectors.contracts_for(request.user), pk=pk)
    refused = _action_refusal(request, "delivery.report", contract)
    # Only the milestones with units still to deliver are offered.
    milestones = contract.milestones.with_units_left().filter(left__gt=0)
    form = DeliveryReportForm(posted(request)[0], milestones=milestones)
    if not refused and request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if call_service(
            form,
            lambda: services.delivery_report(
                contract=contract,
                milestone=data["milestone"],
                actor=request.user,
                quantity=data["quantity"],
                note=data["note"],
            ),
        ):
            messages.success(
                request,
                _("The delivery is reported; the secretariat tests it and records "
                  "what is accepted."),
            )  # fmt: skip
            return redirect("procurement:contract", contract.pk)
    return _form_page(
        request,
        None if refused else form,
        notice=refused,
        title=_("Report a delivery under %(ref)s") % {"ref": contract.reference},
        submit=_("Report delivery"),
        back_url=reverse("procurement:contract", args=[contract.pk]),
    )


@login_required
def delivery_decide(request, pk):
    delivery = get_object_or_404(selectors.deliveries_for(request.user), pk=pk)
    contract = delivery.contract
    refused = _action_refusal(request, "delivery.decide", delivery)
    form = DeliveryDecisionForm(
        *posted(request),
        initial={
            "quantity_accepted": delivery.quantity,
            "tested_on": timezone.localdate(),
        },
    )
    if not refused and request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        report = data.pop("report")
        decided = call_service(
            form,
            lambda: services.delivery_decide(
                delivery=delivery, actor=request.user, report_file=report, **data
            ),
        )
        if decided:
            if decided.disbursement_id:
                message = _(
                    "%(units)d units are accepted; disbursement request %(ref)s of "
                    "%(amount)s is drafted for a finance officer."
                ) % {
                    "units": decided.quantity_accepted,
                    "ref": decided.disbursement.case.reference,
                    "amount": eur(decided.disbursement.eur_amount),
                }
            else:
                message = _("The delivery is rejected; nothing is payable.")
            messages.success(request, message)
            return redirect("procurement:contract", contract.pk)
    return _form_page(
        request,
        None if refused else form,
        title=_("Record the acceptance tests of a delivery under %(ref)s")
        % {"ref": contract.reference},
        facts=[
            (_("Manufacturer"), contract.manufacturer.name),
            (_("Milestone"), delivery.milestone.number),
            (_("Units delivered"), delivery.quantity),
            (_("Reported"), when_text(delivery.reported_at)),
            (_("Note"), delivery.note or "—"),
        ],
        notice=refused,
        submit=_("Record decision"),
        back_url=reverse("procurement:contract", args=[contract.pk]),
    )
