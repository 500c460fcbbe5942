"""Web pages of procurement: parse the form, call the service, redirect or render.

Who may see a record is the selectors' business ("not yours" answers 404); who
may act is the rules' and, again, the services'. Bids are read only through
``selectors.bids_for`` (or ``readable_bids_for``, which adds a declared
evaluator's) and ``services.bid_offer``: before a tender is opened no page tells
anyone but the bidder anything about its bids, not even how many there are.
"""

import base64
import binascii
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from procurement import selectors, services
from procurement.filters import (
    BID_SORTS,
    CONTRACT_SORTS,
    EVALUATION_SORTS,
    MANUFACTURER_SORTS,
    REQUIREMENT_SORTS,
    TENDER_SORTS,
    BidFilter,
    ContractFilter,
    EvaluationSeatFilter,
    ManufacturerFilter,
    RequirementFilter,
    TenderFilter,
)
from procurement.forms import (
    CRITERION_LABELS,
    AmendForm,
    AppointForm,
    AwardApproveForm,
    AwardRecommendForm,
    BankAccountForm,
    BidForm,
    CancelForm,
    ClarificationAnswerForm,
    ClarificationAskForm,
    ComplaintDecisionForm,
    ComplaintForm,
    ContractSignForm,
    DeclarationForm,
    DeliveryDecisionForm,
    DeliveryReportForm,
    LotForm,
    NominateForm,
    OpenBidsForm,
    RequirementForm,
    ScoreForm,
    SupplyChainForm,
    TenderForm,
    TestResultForm,
    VettingForm,
    WithdrawForm,
    compliance_text,
)
from procurement.models import (
    CRITERIA,
    AwardStatus,
    BidStatus,
    Component,
    ContractStatus,
    Delivery,
    DeliveryStatus,
    Lot,
    MemberStanding,
    RequirementStatus,
    Tender,
    TenderStatus,
    VettingStatus,
)
from procurement.ocds import release_package_for
from procurement.policy.evaluation import EVALUATION_OVER, LOT_AWARD_FACTS
from procurement.policy.manufacturers import nomination_state
from secretariat.exceptions import ApplicationError
from secretariat.formatting import day_text, when_text
from secretariat.forms import (
    CommentForm,
    ConfirmForm,
    InvitationForm,
    call_service,
    posted,
    require_permission,
)
from secretariat.kernel import policy
from secretariat.listing import list_page
from secretariat.models import Attachment
from secretariat.roles import is_staff_reader
from secretariat.selectors import pools_for
from secretariat.services.fund import eur

T = TenderStatus


@require_GET
def ocds_release_package(request, reference):
    """The OCDS release package of a published tender, open to everyone."""
    tender = get_object_or_404(
        Tender.objects.select_related("case"), case__reference=reference
    )
    if tender.status == TenderStatus.DRAFT:
        raise Http404
    package = release_package_for(tender, uri=request.build_absolute_uri())
    return JsonResponse(package, json_dumps_params={"ensure_ascii": False})


# ==================================================================== helpers


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


def _require_bidder(request, perm="procurement.submit_bid", obj=None) -> None:
    """403 for anyone but a representative acting for their own company."""
    require_permission(request, perm, obj)
    if not _is_bidder(request.user):
        raise PermissionDenied


def _tender_or_404(request, reference) -> Tender:
    return get_object_or_404(
        # The owner and who opened the bids are shown on the tender's page.
        selectors.tenders_for(request.user).select_related("case__owner", "opened_by"),
        case__reference=reference,
    )


def _manufacturer_or_404(request, pk):
    return get_object_or_404(selectors.manufacturers_for(request.user), pk=pk)


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


# ==================================================================== requirements


@login_required
def requirement_list(request):
    require_permission(request, "procurement.view_requirement")
    context = list_page(
        request,
        selectors.requirements_for(request.user),
        filterset_class=RequirementFilter,
        sorts=REQUIREMENT_SORTS,
        default_sort="needed_by",
        tiebreak=("id",),
    )
    return render(
        request,
        "procurement/requirement_list.html",
        {
            **context,
            "record": policy.decide("requirement.record", request.user),
            "can_tender": policy.may("tender.create", request.user),
        },
    )


@login_required
def requirement_create(request):
    _action_refusal(request, "requirement.record", None)
    form = RequirementForm(posted(request)[0])
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        created = call_service(
            form, lambda: services.requirement_record(actor=request.user, **data)
        )
        if created:
            messages.success(
                request,
                _("%(ref)s is recorded; it can now be answered by a tender.")
                % {"ref": created.reference},
            )
            return redirect("procurement:requirement_list")
    return _form_page(
        request,
        form,
        title=_("Record a requirement of Ukraine's Armed Forces"),
        submit=_("Record requirement"),
        back_url=reverse("procurement:requirement_list"),
    )


# ==================================================================== manufacturers


@login_required
def manufacturer_list(request):
    require_permission(request, "procurement.view_manufacturer")
    context = list_page(
        request,
        selectors.manufacturers_for(request.user),
        filterset_class=ManufacturerFilter,
        sorts=MANUFACTURER_SORTS,
        default_sort="name",
        tiebreak=("id",),
    )
    return render(
        request,
        "procurement/manufacturer_list.html",
        {
            **context,
            "nominate": policy.decide("manufacturer.nominate", request.user),
        },
    )


@login_required
def manufacturer_nominate(request):
    _action_refusal(request, "manufacturer.nominate", None)
    user = request.user
    # A liaison nominates for their own state; a procurement officer chooses.
    own_state = nomination_state(user)
    form = NominateForm(posted(request)[0], member_state=own_state)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data.setdefault("member_state", own_state)
        created = call_service(
            form, lambda: services.manufacturer_nominate(actor=user, **data)
        )
        if created:
            messages.success(
                request,
                _("%(name)s is nominated; a procurement officer vets it next.")
                % {"name": created.name},
            )
            return redirect("procurement:manufacturer", created.pk)
    return _form_page(
        request,
        form,
        title=_("Nominate a national manufacturer")
        if own_state is None
        else _("Nominate a manufacturer of %(state)s") % {"state": own_state.name},
        intro=_(
            "The company waits for vetting; once vetted, and with its supply chain "
            "declared, it may bid in tenders."
        ),
        submit=_("Nominate"),
        back_url=reverse("procurement:manufacturer_list"),
    )


@login_required
def manufacturer_detail(request, pk):
    manufacturer = _manufacturer_or_404(request, pk)
    user = request.user
    pk = manufacturer.pk
    context = {
        "manufacturer": manufacturer,
        # The vetting moves of its status (the table), if the policy lets this
        # person vet; then each other action, enabled or with the reason.
        "transitions": manufacturer.allowed_transitions().items()
        if policy.may("manufacturer.vet", user, manufacturer)
        else [],
        "actions": [
            (decision, act.label, reverse(MANUFACTURER_BUTTONS[act.name], args=[pk]))
            for act, decision in policy.offered(
                user, manufacturer, MANUFACTURER_BUTTONS
            )
        ],
        "show_bank_account": user.has_perm(
            "procurement.view_bank_account", manufacturer
        ),
        "supply_chain": manufacturer.supply_chain.all(),
        "test_results": manufacturer.test_results.select_related(
            "capability", "report"
        ),
        # Staff see the company's bids of opened tenders only; its
        # representative, all of their own.
        "bids": selectors.bids_for(user)
        .filter(manufacturer=manufacturer)
        .order_by("-submitted_at", "-id"),
        "contracts": selectors.contracts_for(user).filter(manufacturer=manufacturer),
        "timeline": selectors.manufacturer_timeline(manufacturer, user)[:50],
    }
    if policy.may("manufacturer.manage_representatives", user, manufacturer):
        context["representatives"] = selectors.representatives_for(user, manufacturer)
        context["invite"] = policy.decide(
            "manufacturer.invite_representative", user, manufacturer
        )
        context["invite_form"] = InvitationForm()
    return render(request, "procurement/manufacturer_detail.html", context)


# The buttons of a manufacturer's page besides its vetting moves.
MANUFACTURER_BUTTONS = {
    "manufacturer.declare_supply_chain": "procurement:manufacturer_supply_chain",
    "manufacturer.set_bank_account": "procurement:manufacturer_bank_account",
    "manufacturer.record_test": "procurement:manufacturer_test_record",
}


@login_required
def representative_invite(request, pk):
    manufacturer = _manufacturer_or_404(request, pk)
    refused = _action_refusal(
        request, "manufacturer.invite_representative", manufacturer
    )
    form = InvitationForm(posted(request)[0])
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if call_service(
            form,
            lambda: services.representative_invite(
                manufacturer=manufacturer, actor=request.user, **data
            ),
        ):
            messages.success(
                request,
                _("%(email)s has been sent a link to set a password.")
                % {"email": data["email"]},
            )
            return redirect("procurement:manufacturer", manufacturer.pk)
    return _form_page(
        request,
        _unless_refused(request, form, refused),
        notice=refused,
        title=_("Invite a representative of %(name)s") % {"name": manufacturer},
        intro=_(
            "The representative bids and reports deliveries for the company. They "
            "get an email with a one-time link to set their password."
        ),
        submit=_("Send invitation"),
        back_url=reverse("procurement:manufacturer", args=[manufacturer.pk]),
    )


@login_required
def representative_deactivate(request, pk, user_id):
    manufacturer = _manufacturer_or_404(request, pk)
    _action_refusal(request, "manufacturer.deactivate_representative", manufacturer)
    representative = get_object_or_404(
        selectors.representatives_for(request.user, manufacturer), pk=user_id
    )
    form = ConfirmForm(posted(request)[0])
    if (
        request.method == "POST"
        and form.is_valid()
        and call_service(
            form,
            lambda: services.representative_deactivate(
                manufacturer=manufacturer,
                representative=representative,
                actor=request.user,
            ),
        )
    ):
        messages.success(
            request,
            _("%(user)s can no longer sign in.") % {"user": representative},
        )
        return redirect("procurement:manufacturer", manufacturer.pk)
    return _form_page(
        request,
        form,
        title=_("Deactivate %(user)s") % {"user": representative},
        facts=[
            (_("Company"), manufacturer.name),
            (_("Email"), representative.email),
        ],
        intro=_("They will no longer be able to sign in. Their bids and records stay."),
        notice=None
        if representative.is_active
        else _("%(user)s is already deactivated.") % {"user": representative},
        submit=_("Deactivate"),
        danger=True,
        back_url=reverse("procurement:manufacturer", args=[manufacturer.pk]),
    )


@login_required
def manufacturer_vet(request, pk, to_status):
    manufacturer = _manufacturer_or_404(request, pk)
    _action_refusal(request, "manufacturer.vet", manufacturer)
    if to_status not in VettingStatus.values:
        raise Http404
    label = manufacturer.allowed_transitions().get(to_status)
    form = VettingForm(posted(request)[0])
    if (
        request.method == "POST"
        and form.is_valid()
        and call_service(
            form,
            lambda: services.manufacturer_vet(
                manufacturer=manufacturer,
                actor=request.user,
                to_status=to_status,
                reason=form.cleaned_data["reason"],
            ),
        )
    ):
        messages.success(
            request,
            _("%(name)s is now %(status)s.")
            % {
                "name": manufacturer.name,
                "status": VettingStatus(to_status).label.lower(),
            },
        )
        return redirect("procurement:manufacturer", manufacturer.pk)
    return _form_page(
        request,
        form,
        title=_("%(action)s %(name)s")
        % {"action": label or VettingStatus(to_status).label, "name": manufacturer},
        notice=None
        if label
        else _("%(name)s is %(status)s: this change is not possible now.")
        % {
            "name": manufacturer.name,
            "status": manufacturer.get_vetting_status_display().lower(),
        },
        submit=label or VettingStatus(to_status).label,
        danger=to_status == VettingStatus.SUSPENDED,
        back_url=reverse("procurement:manufacturer", args=[manufacturer.pk]),
    )


@login_required
def manufacturer_supply_chain(request, pk):
    manufacturer = _manufacturer_or_404(request, pk)
    _action_refusal(request, "manufacturer.declare_supply_chain", manufacturer)
    initial = {d.component: d.origin_country for d in manufacturer.supply_chain.all()}
    form = SupplyChainForm(posted(request)[0], initial=initial)
    if (
        request.method == "POST"
        and form.is_valid()
        and call_service(
            form,
            lambda: _pointing(
                lambda: services.supply_chain_declare(
                    manufacturer=manufacturer,
                    actor=request.user,
                    origins=form.origins(),
                ),
                origins=Component.FLIGHT_CONTROLLER.value,
            ),
        )
    ):
        messages.success(request, _("The supply chain is declared."))
        return redirect("procurement:manufacturer", manufacturer.pk)
    return _form_page(
        request,
        form,
        title=_("Supply chain of %(name)s") % {"name": manufacturer},
        intro=_(
            "The country each critical component comes from. Tenders may exclude "
            "components from some countries."
        ),
        submit=_("Declare"),
        back_url=reverse("procurement:manufacturer", args=[manufacturer.pk]),
    )


@login_required
def manufacturer_test_record(request, pk):
    manufacturer = _manufacturer_or_404(request, pk)
    _action_refusal(request, "manufacturer.record_test", manufacturer)
    form = TestResultForm(*posted(request))
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        report = data.pop("report")
        if call_service(
            form,
            lambda: services.manufacturer_test_record(
                manufacturer=manufacturer,
                actor=request.user,
                report_file=report,
                **data,
            ),
        ):
            messages.success(request, _("The test result is recorded."))
            return redirect("procurement:manufacturer", manufacturer.pk)
    return _form_page(
        request,
        form,
        title=_("Record a test of %(name)s's product") % {"name": manufacturer},
        submit=_("Record test result"),
        back_url=reverse("procurement:manufacturer", args=[manufacturer.pk]),
    )


@login_required
def manufacturer_bank_account(request, pk):
    manufacturer = _manufacturer_or_404(request, pk)
    _action_refusal(request, "manufacturer.set_bank_account", manufacturer)
    form = BankAccountForm(
        posted(request)[0],
        initial={"iban": manufacturer.iban, "bic": manufacturer.bic},
    )
    if (
        request.method == "POST"
        and form.is_valid()
        and call_service(
            form,
            lambda: _pointing(
                lambda: services.manufacturer_bank_account_set(
                    manufacturer=manufacturer, actor=request.user, **form.cleaned_data
                ),
                payee_iban="iban",
                payee_bic="bic",
            ),
        )
    ):
        messages.success(request, _("The bank account is saved."))
        return redirect("procurement:manufacturer", manufacturer.pk)
    return _form_page(
        request,
        form,
        title=_("Bank account of %(name)s") % {"name": manufacturer},
        intro=_("Where the Coalition pays for accepted deliveries."),
        submit=_("Save bank account"),
        back_url=reverse("procurement:manufacturer", args=[manufacturer.pk]),
    )


# ==================================================================== tenders


@login_required
def tender_list(request):
    require_permission(request, "procurement.list_tenders")
    # Counted per tender shown (a correlated subquery), not by grouping every
    # tender before the page is cut.
    lot_count = (
        Lot.objects.filter(tender=OuterRef("pk"))
        .order_by()
        .values("tender")
        .annotate(n=Count("id"))
        .values("n")
    )
    tenders = selectors.tenders_for(request.user, kind_hint=False).annotate(
        lot_count=Coalesce(Subquery(lot_count), 0)
    )
    context = list_page(
        request,
        tenders,
        filterset_class=TenderFilter,
        sorts=TENDER_SORTS,
        default_sort="-opened",
        page_hint=selectors.tender_kind_hint,
    )
    return render(
        request,
        "procurement/tender_list.html",
        {
            **context,
            "create": policy.decide("tender.create", request.user),
            "is_bidder": _is_bidder(request.user),
        },
    )


@login_required
def tender_create(request):
    _action_refusal(request, "tender.create", None)
    user = request.user
    form = TenderForm(
        posted(request)[0],
        requirements=selectors.requirements_for(user).filter(
            status=RequirementStatus.OPEN
        ),
        pools=pools_for(user),
        manufacturers=selectors.manufacturers_for(user).filter(
            vetting_status=VettingStatus.VETTED
        ),
        initial={
            "requirements": request.GET.getlist("requirement"),
            "standstill_days": settings.AWARD_STANDSTILL_MIN_DAYS,
        },
    )
    if request.method == "POST" and form.is_valid():
        created = call_service(
            form,
            lambda: _pointing(
                lambda: services.tender_create(actor=user, **form.tender_fields()),
                weights="weight_price",
            ),
        )
        if created:
            messages.success(
                request,
                _("%(ref)s is drafted. Add its lots, then publish it.")
                % {"ref": created.case.reference},
            )
            return redirect(_tender_url(created))
    return _form_page(
        request,
        form,
        title=_("Draft a tender"),
        intro=_(
            "A tender answers open requirements. It stays a draft, visible to the "
            "secretariat only, until it is published."
        ),
        submit=_("Draft tender"),
        back_url=reverse("procurement:tender_list"),
    )


def _tender_initial(tender) -> dict:
    return {
        "title": tender.title,
        "description": tender.description,
        "requirements": list(tender.requirements.values_list("pk", flat=True)),
        "pool": tender.pool_id,
        "procedure": tender.procedure,
        "invited": list(tender.invited.values_list("pk", flat=True)),
        "clarification_deadline": tender.clarification_deadline,
        "submission_deadline": tender.submission_deadline,
        **{f"weight_{name}": weight for name, weight in tender.weights().items()},
        "excluded_origins": ", ".join(tender.excluded_origins),
        "standstill_days": tender.standstill_days,
    }


@login_required
def tender_edit(request, reference):
    """Edit a draft tender (its deadlines too, once they have passed)."""
    tender = _tender_or_404(request, reference)
    refused = _action_refusal(request, "tender.edit", tender)
    user = request.user
    form = TenderForm(
        posted(request)[0],
        requirements=selectors.requirements_for(user)
        .filter(Q(status=RequirementStatus.OPEN) | Q(tenders=tender))
        .distinct(),
        pools=pools_for(user),
        manufacturers=selectors.manufacturers_for(user).filter(
            Q(vetting_status=VettingStatus.VETTED) | Q(pk__in=tender.invited.all())
        ),
        initial=_tender_initial(tender),
    )
    if request.method == "POST" and form.is_valid():
        edited = call_service(
            form,
            lambda: _pointing(
                lambda: services.tender_update(
                    tender=tender, actor=user, **form.tender_fields()
                ),
                weights="weight_price",
            ),
        )
        if edited:
            messages.success(
                request, _("%(ref)s is saved.") % {"ref": tender.case.reference}
            )
            return redirect(_tender_url(tender))
    return _form_page(
        request,
        _unless_refused(request, form, refused),
        title=_("Edit %(ref)s") % {"ref": tender.case.reference},
        tender=tender,
        intro=_(
            "A draft can be changed until it is published. The deadlines may be "
            "set to any dates; publishing checks that they are still ahead."
        ),
        notice=refused if request.method == "GET" else None,
        submit=_("Save the draft"),
        back_url=_tender_url(tender),
    )


def _next_step(tender) -> str:
    """What happens next and who must act."""
    status = tender.status
    if status == T.DRAFT:
        return _("A procurement officer adds the lots and publishes the tender.")
    if status == T.PUBLISHED:
        return _(
            "Manufacturers may ask questions until %(until)s; then bids are "
            "accepted until %(deadline)s."
        ) % {
            "until": when_text(tender.clarification_deadline),
            "deadline": when_text(tender.submission_deadline),
        }
    if status == T.TENDERING:
        return _(
            "Manufacturers submit sealed bids until %(deadline)s. Nobody but the "
            "bidder can read a bid before a procurement officer opens them all "
            "after the deadline."
        ) % {"deadline": when_text(tender.submission_deadline)}
    if status == T.CLOSED:
        return _("A procurement officer opens the bids.")
    if status == T.OPENED:
        return _(
            "The evaluators declare any conflict of interest with the bidders; a "
            "procurement officer then starts the evaluation."
        )
    if status == T.EVALUATION:
        return _(
            "The evaluators score every eligible bid; a procurement officer "
            "recommends an award for each lot, and a co-lead approver who did not "
            "recommend it approves it."
        )
    if status == T.AWARDED:
        return _(
            "Standstill: losing bidders may complain until it ends; then a "
            "procurement officer signs the contracts."
        )
    if status == T.CONTRACTED:
        return _(
            "The manufacturers report their deliveries; a procurement officer "
            "records the acceptance tests, and accepted units become payable."
        )
    return _("Nothing: the case is closed.")


# The buttons of a tender's page, in order: the action, its page and whether
# it is a danger. The policy says whether each is shown, and enabled or
# disabled with the reason; the service asks the same policy.
TENDER_BUTTONS = {
    "tender.edit": ("procurement:tender_edit", False),
    "tender.add_lot": ("procurement:lot_add", False),
    "tender.publish": ("procurement:tender_publish", False),
    "tender.amend": ("procurement:tender_amend", False),
    "tender.open": ("procurement:tender_open", False),
    "committee.appoint": ("procurement:committee_appoint", False),
    "tender.start_evaluation": ("procurement:tender_start_evaluation", False),
    "tender.cancel": ("procurement:tender_cancel", True),
}


def _tender_actions(tender, user) -> list[dict]:
    reference = tender.case.reference
    return [
        {
            "label": act.label,
            "url": reverse(TENDER_BUTTONS[act.name][0], args=[reference]),
            "danger": TENDER_BUTTONS[act.name][1],
            "decision": decision,
        }
        for act, decision in policy.offered(user, tender, TENDER_BUTTONS)
    ]


# The moves an award's card offers in each status (the page's own table);
# the policy says whether this person may take each now, or why not.
AWARD_BUTTONS = {
    AwardStatus.RECOMMENDED: [
        ("award.approve", "procurement:award_approve",
         gettext_lazy("Approve the award"), ""),
    ],
    AwardStatus.APPROVED: [
        ("contract.sign", "procurement:contract_sign",
         gettext_lazy("Sign the contract"), ""),
        ("complaint.file", "procurement:complaint_file",
         gettext_lazy("File a complaint"), "secondary"),
    ],
}  # fmt: skip


def _awards_for_page(tender, user):
    awards = list(
        selectors.awards_for(user)
        .filter(lot__tender=tender)
        .select_related("contract")
        .prefetch_related(
            Prefetch("complaints", queryset=selectors.complaints_for(user))
        )
        .order_by("lot__number", "-recommended_at")
    )
    now = timezone.now()
    for award in awards:
        award.signed = getattr(award, "contract", None)
        buttons = [
            button
            for button in AWARD_BUTTONS.get(award.status, [])
            # A signed award's contract has its own page.
            if not (award.signed and button[0] == "contract.sign")
        ]
        urls = {name: (url, label, css) for name, url, label, css in buttons}
        award.buttons = [
            (decision, urls[act.name][1],
             reverse(urls[act.name][0], args=[award.pk]), urls[act.name][2])
            for act, decision in policy.offered(user, award, list(urls))
        ]  # fmt: skip
        award.in_standstill = (
            award.status == AwardStatus.APPROVED and now < award.standstill_until
        )
    return awards


@login_required
def tender_detail(request, reference, comment_form=None):
    tender = _tender_or_404(request, reference)
    user = request.user
    staff = is_staff_reader(user)
    can_manage = user.has_perm("procurement.manage_tender", tender)
    bidder = _is_bidder(user)
    # What the policy ``award.recommend`` reads of each lot, loaded with it.
    lots = list(tender.lots.select_related("capability").annotate(**LOT_AWARD_FACTS))

    # A bidder's own bids, at any time.
    own_bids = []
    if bidder:
        own_bids = [
            (bid, _offer(bid, user))
            for bid in selectors.bids_for(user)
            .filter(lot__tender=tender)
            .order_by("lot__number", "-submitted_at")
        ]

    context = {
        "tender": tender,
        "case": tender.case,
        "staff": staff,
        "bidder": bidder,
        "can_manage": can_manage,
        "lots": lots,
        "weights": [(CRITERION_LABELS[c], w) for c, w in tender.weights().items()],
        "next_step": _next_step(tender),
        "own_bids": own_bids,
        "ask": policy.decide("clarification.ask", user, tender),
        "clarifications": (
            tender.clarifications.all()
            if staff
            else selectors.clarifications_for(tender)
        ),
        "can_answer": policy.may("clarification.answer", user, tender),
        "awards": _awards_for_page(tender, user),
        "contracts": selectors.contracts_for(user)
        .filter(award__lot__tender=tender)
        .prefetch_related(
            "milestones",
            Prefetch(
                "deliveries",
                queryset=Delivery.objects.select_related(
                    "milestone", "disbursement__case"
                ),
            ),
        ),
    }
    if staff:
        context.update(
            _staff_tender_context(
                request,
                tender,
                can_manage,
                comment_form,
                awards=context["awards"],
            )
        )
    if context.get("ranking"):
        by_number = {lot.number: lot for lot in lots}
        for row in context["ranking"]["lots"]:
            row["recommend"] = policy.decide(
                "award.recommend", user, by_number[row["number"]]
            )
    return render(request, "procurement/tender_detail.html", context)


# The opened bids are shown a page at a time and the ranking by its leaders in
# each lot: a tender may have hundreds of bids, and each shown offer is unsealed.
OPENED_BIDS_PER_PAGE = 25
RANKING_SHOWN_PER_LOT = 5


def _staff_tender_context(request, tender, can_manage, comment_form, *, awards):
    user = request.user
    context = {
        "actions": _tender_actions(tender, user),
        "requirements": tender.requirements.select_related("capability"),
        "committee": tender.committee.select_related("evaluator"),
        # Sealed: no list, no count, nothing about the bids at all.
        "bids": None,
        "ended_unopened": tender.opened_at is None
        and tender.status in {T.CANCELLED, T.UNSUCCESSFUL},
        "ranking": None,
        "comment_form": comment_form or CommentForm(),
        "comments": tender.case.comments.select_related("author"),
        "documents": Attachment.objects.filter(case=tender.case).select_related(
            "uploaded_by"
        ),
        "timeline": selectors.tender_timeline(tender),
    }
    if selectors.bids_are_opened(tender):
        bids = (
            selectors.bids_for(user)
            .filter(lot__tender=tender)
            .order_by("lot__number", "manufacturer__name", "id")
        )
        page = Paginator(bids, OPENED_BIDS_PER_PAGE).get_page(request.GET.get("page"))
        context["bids"] = [(bid, _offer(bid, user)) for bid in page]
        context["bids_page"] = page
    if tender.status in {T.EVALUATION, T.AWARDED, T.CONTRACTED}:
        ranking = selectors.ranking(tender, leaders=RANKING_SHOWN_PER_LOT)
        by_lot = {}
        for row in ranking.ranked:
            by_lot.setdefault(row.bid.lot.number, []).append(
                {
                    "bid": row.bid,
                    "total": row.total,
                    "scores": [row.by_criterion[c] for c in CRITERIA],
                }
            )
        context["ranking"] = {
            "lots": [
                {
                    "number": number,
                    "rows": rows,
                    "more": ranking.per_lot[number] - len(rows),
                }
                for number, rows in sorted(by_lot.items())
            ],
            "ineligible": ranking.ineligible,
            "sheets": ranking.sheets,
            "criteria": [CRITERION_LABELS[c] for c in CRITERIA],
        }
    return context


@dataclass(frozen=True)
class TenderAction:
    label: str
    form: type
    done: str
    explanation: str
    danger: bool = False


TENDER_ACTIONS = {
    "publish": TenderAction(
        label=gettext_lazy("Publish"),
        form=ConfirmForm,
        done=gettext_lazy(
            "%(ref)s is published: manufacturers may ask questions until "
            "%(clarifications)s."
        ),
        explanation=gettext_lazy(
            "Publishing shows the tender to the members' liaisons and to the "
            "manufacturers who may bid, and puts its requirements in the tender. "
            "Lots can no longer be added."
        ),
    ),
    "amend": TenderAction(
        label=gettext_lazy("Amend"),
        form=AmendForm,
        done=gettext_lazy("%(ref)s is amended; bids are accepted until %(deadline)s."),
        explanation=gettext_lazy(
            "If the submission deadline is too close for bidders to take the "
            "change into account, it moves to the minimum notice."
        ),
    ),
    "open": TenderAction(
        label=gettext_lazy("Open the bids"),
        form=OpenBidsForm,
        done=gettext_lazy(
            "The bids of %(ref)s are opened; each has been checked for eligibility."
        ),
        explanation=gettext_lazy(
            "Every bid is opened at once, after the submission deadline, and the "
            "opening is recorded with your name. This cannot be undone: from now "
            "on the secretariat reads the bids."
        ),
        danger=True,
    ),
    "start_evaluation": TenderAction(
        label=gettext_lazy("Start the evaluation"),
        form=ConfirmForm,
        done=gettext_lazy("The evaluation of %(ref)s has started."),
        explanation=gettext_lazy(
            "Evaluators who declared no conflict of interest score the eligible "
            "bids. Evaluators may still declare afterwards."
        ),
    ),
    "cancel": TenderAction(
        label=gettext_lazy("Cancel the tender"),
        form=CancelForm,
        done=gettext_lazy("%(ref)s is cancelled; its requirements are open again."),
        explanation=gettext_lazy(
            "A cancelled tender is closed for good. Its requirements return to the "
            "open requirements."
        ),
        danger=True,
    ),
}


def _call_tender_action(action, tender, actor, data):
    if action == "publish":
        return services.tender_publish(tender=tender, actor=actor)
    if action == "amend":
        return services.tender_amend(
            tender=tender,
            actor=actor,
            reason=data["reason"],
            description=data["description"],
        )
    if action == "open":
        return services.tender_open(tender=tender, actor=actor)
    if action == "start_evaluation":
        return services.tender_start_evaluation(tender=tender, actor=actor)
    return services.tender_cancel(tender=tender, actor=actor, reason=data["reason"])


# The policy of each action with a page of its own under the tender.
TENDER_ACTION_POLICIES = {
    "publish": "tender.publish",
    "amend": "tender.amend",
    "open": "tender.open",
    "start_evaluation": "tender.start_evaluation",
    "cancel": "tender.cancel",
}


def _publication_notice(action, tender) -> str | None:
    """What in a draft's lots publication will refuse (the content of the
    tender, checked by the service), shown above the publish form."""
    if action != "publish":
        return None
    return " ".join(services.tender_publication_errors(tender)) or None


def _tender_facts(tender):
    return [
        (_("Status"), tender.get_status_display()),
        (_("Clarifications until"), when_text(tender.clarification_deadline)),
        (_("Bids until"), when_text(tender.submission_deadline)),
    ]


@login_required
def tender_action(request, reference, action):
    tender = _tender_or_404(request, reference)
    refused = _action_refusal(request, TENDER_ACTION_POLICIES[action], tender)
    spec = TENDER_ACTIONS[action]
    initial = {"description": tender.description} if action == "amend" else None
    form = spec.form(posted(request)[0], initial=initial)
    if request.method == "POST" and form.is_valid():
        done = call_service(
            form,
            lambda: _call_tender_action(
                action, tender, request.user, form.cleaned_data
            ),
        )
        if done:
            messages.success(
                request,
                spec.done
                % {
                    "ref": tender.case.reference,
                    "clarifications": when_text(done.clarification_deadline),
                    "deadline": when_text(done.submission_deadline),
                },
            )
            return redirect(_tender_url(tender))
    return _form_page(
        request,
        _unless_refused(request, form, refused),
        title=_("%(ref)s: %(action)s")
        % {"ref": tender.case.reference, "action": spec.label},
        tender=tender,
        facts=_tender_facts(tender),
        intro=spec.explanation,
        notice=(refused or _publication_notice(action, tender))
        if request.method == "GET"
        else None,
        submit=_("Confirm: %(action)s") % {"action": spec.label},
        danger=spec.danger,
        back_url=_tender_url(tender),
    )


@login_required
def lot_add(request, reference):
    tender = _tender_or_404(request, reference)
    refused = _action_refusal(request, "tender.add_lot", tender)
    form = LotForm(posted(request)[0])
    if request.method == "POST" and form.is_valid():
        created = call_service(
            form,
            lambda: services.lot_add(
                tender=tender, actor=request.user, **form.cleaned_data
            ),
        )
        if created:
            messages.success(request, _("Lot %(n)d is added.") % {"n": created.number})
            return redirect(_tender_url(tender))
    return _form_page(
        request,
        _unless_refused(request, form, refused),
        notice=refused if request.method == "GET" else None,
        title=_("Add a lot to %(ref)s") % {"ref": tender.case.reference},
        tender=tender,
        intro=_(
            "The lot's capability must be one the tender's pool (%(pool)s) may pay for."
        )
        % {"pool": tender.pool.name},
        submit=_("Add lot"),
        back_url=_tender_url(tender),
    )


@login_required
def committee_appoint(request, reference):
    tender = _tender_or_404(request, reference)
    refusal = _action_refusal(request, "committee.appoint", tender)
    form = AppointForm(posted(request)[0])
    shown, notice = _refused_form(request, form, refusal)
    if request.method == "POST" and form.is_valid():
        evaluator = form.cleaned_data["evaluator"]
        if call_service(
            form,
            lambda: services.committee_appoint(
                tender=tender, actor=request.user, evaluator=evaluator
            ),
        ):
            messages.success(
                request,
                _("%(name)s is appointed to the evaluation committee.")
                % {"name": evaluator},
            )
            return redirect(_tender_url(tender))
    return _form_page(
        request,
        shown,
        title=_("Appoint an evaluator to %(ref)s") % {"ref": tender.case.reference},
        tender=tender,
        notice=notice,
        intro=_(
            "Once the bids are opened, the evaluator declares whether they have a "
            "conflict of interest with any bidder; only then are the bids shown "
            "to them."
        ),
        submit=_("Appoint"),
        back_url=_tender_url(tender),
    )


# ---------------------------------------------------------------- clarifications


@login_required
def clarification_ask(request, reference):
    tender = _tender_or_404(request, reference)
    refused = _action_refusal(request, "clarification.ask", tender)
    form = ClarificationAskForm(posted(request)[0])
    if (
        request.method == "POST"
        and form.is_valid()
        and call_service(
            form,
            lambda: services.clarification_ask(
                tender=tender,
                actor=request.user,
                question=form.cleaned_data["question"],
            ),
        )
    ):
        messages.success(
            request,
            _("Your question is sent. The answer is published to every bidder."),
        )
        return redirect(_tender_url(tender))
    return _form_page(
        request,
        _unless_refused(request, form, refused),
        title=_("Ask a question about %(ref)s") % {"ref": tender.case.reference},
        tender=tender,
        facts=_tender_facts(tender),
        notice=refused if request.method == "GET" else None,
        submit=_("Send question"),
        back_url=_tender_url(tender),
    )


@login_required
def clarification_answer(request, reference, pk):
    tender = _tender_or_404(request, reference)
    _action_refusal(request, "clarification.answer", tender)
    clarification = get_object_or_404(tender.clarifications, pk=pk)
    form = ClarificationAnswerForm(
        posted(request)[0], initial={"answer": clarification.answer}
    )
    if (
        request.method == "POST"
        and form.is_valid()
        and call_service(
            form,
            lambda: services.clarification_answer(
                clarification=clarification,
                actor=request.user,
                answer=form.cleaned_data["answer"],
            ),
        )
    ):
        messages.success(request, _("The answer is published to every bidder."))
        return redirect(_tender_url(tender))
    return _form_page(
        request,
        form,
        title=_("Answer a question about %(ref)s") % {"ref": tender.case.reference},
        tender=tender,
        facts=[(_("Question"), clarification.question)],
        submit=_("Publish answer"),
        back_url=_tender_url(tender),
    )


# ---------------------------------------------------------------- sealed bids


@login_required
def bid_list(request):
    """A manufacturer's representative's own bids."""
    _require_bidder(request)
    context = list_page(
        request,
        selectors.bids_for(request.user),
        filterset_class=BidFilter,
        sorts=BID_SORTS,
        default_sort="-submitted",
    )
    return render(request, "procurement/bid_list.html", context)


def _lot_or_404(tender, number):
    return get_object_or_404(
        tender.lots.select_related("capability", "tender__case"), number=number
    )


@login_required
def bid_submit(request, reference, number):
    tender = _tender_or_404(request, reference)
    lot = _lot_or_404(tender, number)
    refusal = _action_refusal(request, "bid.submit", lot)
    form = BidForm(*posted(request))
    shown, notice = _refused_form(request, form, refusal)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        created = call_service(
            form,
            lambda: services.bid_submit(
                lot=lot,
                actor=request.user,
                unit_price=data["unit_price"],
                quantity=data["quantity"],
                delivery_schedule=data["delivery_schedule"],
                compliance=data["compliance"],
                documents=form.documents(),
            ),
        )
        if created:
            messages.success(
                request,
                _("Your bid is sealed. Nobody else can read it before the bids are "
                  "opened after %(deadline)s; you may change or withdraw it until "
                  "then.") % {"deadline": when_text(tender.submission_deadline)},
            )  # fmt: skip
            return redirect(created)
    return _form_page(
        request,
        shown,
        title=_("Bid for lot %(n)d of %(ref)s")
        % {"n": lot.number, "ref": tender.case.reference},
        tender=tender,
        facts=[
            (_("Lot"), f"{lot.number}: {lot.title}"),
            (_("Quantity"), lot.quantity),
            (_("Maximum unit price"), eur(lot.max_unit_price)),
            (
                _("Delivery"),
                f"{date_format(lot.delivery_from, 'j M Y')} to "
                f"{date_format(lot.delivery_to, 'j M Y')}",
            ),
            (_("Bids until"), when_text(tender.submission_deadline)),
        ],
        intro=_(
            "Your bid is encrypted when you submit it; only your company can "
            "read it until the bids are opened."
        ),
        notice=notice,
        submit=_("Submit sealed bid"),
        back_url=_tender_url(tender),
    )


def _readable_bid_or_404(request, public_id):
    """A bid the user may read, and its offer; anyone else, before or after
    opening, is told it does not exist."""
    bid = get_object_or_404(
        selectors.readable_bids_for(request.user), public_id=public_id
    )
    try:
        offer = _offer(bid, request.user)
    except PermissionDenied as exc:
        raise Http404 from exc
    return bid, offer


@login_required
def bid_detail(request, public_id):
    bid, offer = _readable_bid_or_404(request, public_id)
    user = request.user
    tender = bid.lot.tender
    own = _is_bidder(user) and bid.manufacturer_id == user.manufacturer_id
    return render(
        request,
        "procurement/bid_detail.html",
        {
            "bid": bid,
            "tender": tender,
            "offer": offer,
            "own": own,
            "events": selectors.bid_events_for(user).filter(bid=bid),
        },
    )


def _own_bid_or_404(request, public_id, name):
    """A bid the user may read, its offer, and why ``name`` cannot be done to
    it now (403 for anyone but its bidder)."""
    bid, offer = _readable_bid_or_404(request, public_id)
    return bid, offer, _action_refusal(request, name, bid)


@login_required
def bid_change(request, public_id):
    bid, offer, refusal = _own_bid_or_404(request, public_id, "bid.change")
    tender = bid.lot.tender
    initial = {
        "unit_price": offer.unit_price,
        "quantity": offer.quantity,
        "delivery_schedule": offer.delivery_schedule,
        "compliance": compliance_text(offer.compliance),
        "keep_documents": True,
    }
    form = BidForm(*posted(request), initial=initial, changing=True)
    shown, notice = _refused_form(request, form, refusal)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if call_service(
            form,
            lambda: services.bid_change(
                bid=bid,
                actor=request.user,
                unit_price=data["unit_price"],
                quantity=data["quantity"],
                delivery_schedule=data["delivery_schedule"],
                compliance=data["compliance"],
                documents=form.documents(),
                keep_documents=data["keep_documents"],
            ),
        ):
            messages.success(request, _("Your bid is changed and sealed again."))
            return redirect(bid)
    return _form_page(
        request,
        shown,
        title=_("Change your bid for lot %(n)d of %(ref)s")
        % {"n": bid.lot.number, "ref": tender.case.reference},
        tender=tender,
        facts=[
            (_("Maximum unit price"), eur(bid.lot.max_unit_price)),
            (_("Lot quantity"), bid.lot.quantity),
            (
                _("Documents in the bid"),
                ", ".join(d["name"] for d in offer.documents) or "—",
            ),
            (_("Bids until"), when_text(tender.submission_deadline)),
        ],
        notice=notice,
        submit=_("Seal the changed bid"),
        back_url=bid.get_absolute_url(),
    )


@login_required
def bid_withdraw(request, public_id):
    bid, offer, refusal = _own_bid_or_404(request, public_id, "bid.withdraw")
    tender = bid.lot.tender
    form = WithdrawForm(posted(request)[0])
    shown, notice = _refused_form(request, form, refusal)
    if (
        request.method == "POST"
        and form.is_valid()
        and call_service(
            form, lambda: services.bid_withdraw(bid=bid, actor=request.user)
        )
    ):
        messages.success(
            request,
            _("Your bid is withdrawn. You may submit a new one until %(deadline)s.")
            % {"deadline": when_text(tender.submission_deadline)},
        )
        return redirect(_tender_url(tender))
    return _form_page(
        request,
        shown,
        title=_("Withdraw your bid for lot %(n)d of %(ref)s")
        % {"n": bid.lot.number, "ref": tender.case.reference},
        tender=tender,
        facts=[
            (_("Unit price"), eur(offer.unit_price)),
            (_("Quantity"), offer.quantity),
        ],
        notice=notice,
        submit=_("Withdraw bid"),
        danger=True,
        back_url=bid.get_absolute_url(),
    )


@login_required
@never_cache
def bid_document(request, public_id, index):
    bid = get_object_or_404(
        selectors.readable_bids_for(request.user), public_id=public_id
    )
    try:
        documents = services.bid_offer(bid, user=request.user).get("documents") or []
    except PermissionDenied as exc:
        raise Http404 from exc
    if not 0 <= index < len(documents):
        raise Http404
    document = documents[index]
    try:
        content = base64.b64decode(document["content"])
    except (binascii.Error, KeyError) as exc:
        raise Http404 from exc
    response = HttpResponse(content, content_type=document["content_type"])
    response["Content-Disposition"] = content_disposition_header(True, document["name"])
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


# ---------------------------------------------------------------- awards


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
        (_("Status"), award.get_status_display()),
        (_("Recommended by"),
         f"{award.recommended_by}, {when_text(award.recommended_at)}"),
        (_("Justification"), award.justification),
    ]  # fmt: skip


@login_required
def award_recommend(request, reference, number):
    tender = _tender_or_404(request, reference)
    lot = _lot_or_404(tender, number)
    refusal = _action_refusal(request, "award.recommend", lot)
    bids = (
        selectors.bids_for(request.user)
        .filter(lot=lot, status=BidStatus.SUBMITTED, eligible=True)
        .select_related("manufacturer")
    )
    ranked = []
    if selectors.bids_are_opened(tender):
        ranked = selectors.ranking(tender, lot=lot).ranked
    totals = {row.bid.pk: row.total for row in ranked}
    best = max(ranked, key=lambda row: row.total, default=None)
    form = AwardRecommendForm(
        posted(request)[0],
        bids=bids,
        initial={"bid": best.bid.public_id if best else None},
    )
    form.fields["bid"].label_from_instance = lambda bid: (
        _("%(name)s: %(total)s points")
        % {"name": bid.manufacturer.name, "total": totals.get(bid.pk, "—")}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if call_service(
            form,
            lambda: services.award_recommend(
                lot=lot,
                bid=data["bid"],
                actor=request.user,
                justification=data["justification"],
            ),
        ):
            messages.success(
                request,
                _("The award of lot %(n)d is recommended; a co-lead approver "
                  "approves it next.") % {"n": lot.number},
            )  # fmt: skip
            return redirect(_tender_url(tender))
    shown, notice = _refused_form(request, form, refusal)
    return _form_page(
        request,
        shown,
        title=_("Recommend the award of lot %(n)d of %(ref)s")
        % {"n": lot.number, "ref": tender.case.reference},
        tender=tender,
        notice=notice,
        intro=_(
            "The weighted scores of the submitted score sheets are shown with "
            "each bid, best first."
        ),
        submit=_("Recommend award"),
        back_url=_tender_url(tender),
    )


@login_required
def award_approve(request, pk):
    award = _award_or_404(request, pk)
    refused = _action_refusal(request, "award.approve", award)
    tender = award.lot.tender
    form = AwardApproveForm(posted(request)[0])
    if (
        not refused
        and request.method == "POST"
        and form.is_valid()
        and call_service(
            form,
            lambda: services.award_approve(
                award=award,
                actor=request.user,
                comment=form.cleaned_data["comment"],
            ),
        )
    ):
        messages.success(
            request,
            _("The award of lot %(n)d is approved; the standstill period has "
              "started.") % {"n": award.lot.number},
        )  # fmt: skip
        return redirect(_tender_url(tender))
    return _form_page(
        request,
        None if refused else form,
        title=_("Approve the award of lot %(n)d of %(ref)s")
        % {"n": award.lot.number, "ref": tender.case.reference},
        tender=tender,
        facts=_award_facts(award, request.user),
        intro=_(
            "The standstill period of %(days)d days starts with your approval; "
            "losing bidders may complain during it."
        )
        % {"days": tender.standstill_days},
        notice=refused,
        submit=_("Approve award"),
        back_url=_tender_url(tender),
    )


@login_required
def complaint_file(request, pk):
    award = _award_or_404(request, pk)
    refused = _action_refusal(request, "complaint.file", award)
    tender = award.lot.tender
    form = ComplaintForm(posted(request)[0])
    if (
        not refused
        and request.method == "POST"
        and form.is_valid()
        and call_service(
            form,
            lambda: services.complaint_file(
                award=award, actor=request.user, text=form.cleaned_data["text"]
            ),
        )
    ):
        messages.success(
            request,
            _("Your complaint is filed; no contract is signed for this lot until it "
              "is decided."),
        )  # fmt: skip
        return redirect(_tender_url(tender))
    return _form_page(
        request,
        None if refused else form,
        notice=refused,
        title=_("Complain about the award of lot %(n)d of %(ref)s")
        % {"n": award.lot.number, "ref": tender.case.reference},
        tender=tender,
        facts=[
            (_("Awarded to"), award.bid.manufacturer.name),
            (_("Standstill until"), when_text(award.standstill_until)),
        ],
        submit=_("File complaint"),
        back_url=_tender_url(tender),
    )


@login_required
def complaint_decide(request, pk):
    complaint = get_object_or_404(selectors.complaints_for(request.user), pk=pk)
    refused = _action_refusal(request, "complaint.decide", complaint)
    tender = complaint.award.lot.tender
    form = ComplaintDecisionForm(posted(request)[0])
    if not refused and request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if call_service(
            form,
            lambda: services.complaint_decide(
                complaint=complaint,
                actor=request.user,
                uphold=data["uphold"],
                decision=data["decision"],
            ),
        ):
            messages.success(
                request,
                _("The complaint is upheld: the award is cancelled and the lot is "
                  "evaluated again.")
                if data["uphold"]
                else _("The complaint is dismissed."),
            )  # fmt: skip
            return redirect(_tender_url(tender))
    return _form_page(
        request,
        None if refused else form,
        title=_("Decide the complaint of %(name)s")
        % {"name": complaint.manufacturer.name},
        tender=tender,
        facts=[
            (
                _("Against"),
                _("the award of lot %(n)d to %(name)s")
                % {
                    "n": complaint.award.lot.number,
                    "name": complaint.award.bid.manufacturer.name,
                },
            ),
            (_("Filed"), when_text(complaint.filed_at)),
            (_("Complaint"), complaint.text),
        ],
        notice=refused,
        submit=_("Record decision"),
        back_url=_tender_url(tender),
    )


# ---------------------------------------------------------------- contracts


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
    )
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
    form = DeliveryReportForm(posted(request)[0], milestones=contract.milestones.all())
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


# ==================================================================== evaluation


# What the evaluator does next on a seat where the policies let them act now.
SEAT_ACTIONS = {
    "committee.declare": gettext_lazy(
        "Declare whether you have a conflict of interest."
    ),
    "scoresheet.submit": gettext_lazy(
        "Submit your score sheet: every eligible bid is scored."
    ),
    "scoresheet.score": gettext_lazy("Score the bids and submit your score sheet."),
}


def _seat_next_step(seat, actionable) -> str:
    """The first action the evaluator may take on the seat now (the
    policies' answer, ``actionable``), or what they are waiting for."""
    for name, step in SEAT_ACTIONS.items():
        if name in actionable:
            return str(step)
    if seat.standing == MemberStanding.RECUSED:
        return _("Nothing: you recused yourself.")
    if seat.tender.status in EVALUATION_OVER:
        return _("Nothing: the evaluation is over.")
    if not selectors.bids_are_opened(seat.tender):
        return _("Wait: the bids are sealed until they are opened.")
    if seat.scores_submitted_at:
        return _("Nothing: your scores are submitted.")
    if seat.standing == MemberStanding.DECLARED and seat.tender.status == T.EVALUATION:
        return _("Score every eligible bid on every criterion, then submit.")
    return _("Wait for the evaluation to start.")


@login_required
def evaluation_queue(request):
    require_permission(request, "procurement.evaluate")
    seats = selectors.committee_seats_for(request.user)
    context = list_page(
        request,
        seats,
        filterset_class=EvaluationSeatFilter,
        sorts=EVALUATION_SORTS,
        default_sort="-opened",
    )
    shown = seats.filter(pk__in=[seat.pk for seat in context["page"].object_list])
    actionable = selectors.seat_actions_now(request.user, shown)
    for seat in context["page"].object_list:
        seat.actionable = actionable.get(seat.pk, set())
        seat.next_step = _seat_next_step(seat, seat.actionable)
    context["awaiting"] = selectors.seats_awaiting(request.user).count()
    return render(request, "procurement/evaluation_queue.html", context)


def _seat_or_404(request, pk):
    return get_object_or_404(selectors.committee_seats_for(request.user), pk=pk)


def _score_initial(scores, bid):
    initial = {}
    for score in scores:
        if score.bid_id == bid.pk:
            initial[score.criterion] = score.value
            initial["comment"] = score.comment
    return initial


def _committee_scores(scores, seat):
    """The submitted sheets, per bid: one row per evaluator."""
    table = {}
    for score in scores:
        rows = table.setdefault(score.bid_id, {})
        row = rows.setdefault(
            score.member_id,
            {"evaluator": score.member.evaluator, "own": score.member_id == seat.pk,
             "values": {}},
        )  # fmt: skip
        row["values"][score.criterion] = score.value
    return {
        bid_id: [
            {**row, "values": [row["values"].get(c, "—") for c in CRITERIA]}
            for row in rows.values()
        ]
        for bid_id, rows in table.items()
    }


@login_required
def evaluation_detail(
    request, pk, declaration_form=None, score_forms=None, submit_form=None
):
    seat = _seat_or_404(request, pk)
    user = request.user
    tender = seat.tender
    declare = policy.decide("committee.declare", user, seat)
    score = policy.decide("scoresheet.score", user, seat)
    scoring = score.allowed
    submit = policy.decide("scoresheet.submit", user, seat) if scoring else None
    score_forms = score_forms or {}
    bids = selectors.bids_to_score(seat)
    # A page of bids at a time: a tender may have hundreds, and each shown bid
    # is unsealed and has a score form. A refused form is shown on its page.
    refused = next(iter(score_forms), None)
    page = Paginator(bids, BIDS_PER_PAGE).get_page(
        _page_of_bid(bids, refused) if refused else request.GET.get("page")
    )
    # The scores of the bids shown only: the sheets of a tender with hundreds of
    # bids are thousands of scores.
    scores = selectors.scores_visible_to(user, tender)
    visible = list(
        scores.filter(bid__in=[bid.pk for bid in page]).select_related(
            "member__evaluator"
        )
    )
    own_scores = [s for s in visible if s.member_id == seat.pk]
    # The others' scores once one's own are submitted (the selector decides;
    # before that it returns one's own only).
    committee = _committee_scores(visible, seat) if seat.scores_submitted_at else {}
    rows = []
    for bid in page:
        form = score_forms.get(bid.pk)
        if form is None and scoring and bid.eligible:
            form = ScoreForm(
                prefix=f"bid-{bid.public_id}",
                initial=_score_initial(own_scores, bid),
            )
        rows.append(
            {
                "bid": bid,
                "offer": _offer(bid, user),
                "form": form,
                "committee": committee.get(bid.pk, []),
            }
        )
    return render(
        request,
        "procurement/evaluation_detail.html",
        {
            "seat": seat,
            "tender": tender,
            "next_step": _seat_next_step(
                seat,
                {
                    name
                    for name, decision in zip(
                        SEAT_ACTIONS, [declare, submit, score], strict=True
                    )
                    if decision
                },
            ),
            "declare": declare,
            "lots": tender.lots.select_related("capability"),
            "weights": [(CRITERION_LABELS[c], w) for c, w in tender.weights().items()],
            "criteria": [CRITERION_LABELS[c] for c in CRITERIA],
            "bidders": selectors.bidders_to_declare_about(seat)
            if seat.standing == MemberStanding.APPOINTED
            else [],
            # A refused form is shown again, with its error, even if the moment
            # to use it has passed.
            "declaration_form": declaration_form
            or (DeclarationForm() if declare else None),
            "rows": rows,
            "page": page,
            "scoring": scoring,
            "scored": scores.filter(member=seat).values("bid").distinct().count()
            if scoring and rows
            else 0,
            "to_score": bids.filter(eligible=True).count() if rows else 0,
            "submit_form": submit_form or (ConfirmForm() if submit else None),
            "submit": submit,
            "score": score,
        },
    )


BIDS_PER_PAGE = 10


def _page_of_bid(bids, bid_pk) -> int:
    """The page of ``bids`` (ordered by lot, then id) that shows ``bid_pk``."""
    bid = bids.filter(pk=bid_pk).values("lot__number").first()
    if bid is None:
        return 1
    before = bids.filter(
        Q(lot__number__lt=bid["lot__number"])
        | Q(lot__number=bid["lot__number"], pk__lt=bid_pk)
    ).count()
    return before // BIDS_PER_PAGE + 1


def _back_to_seat(seat, anchor="", page=1):
    query = f"?page={page}" if page > 1 else ""
    return redirect(reverse("procurement:evaluation", args=[seat.pk]) + query + anchor)


@login_required
def evaluation_declare(request, pk):
    seat = _seat_or_404(request, pk)
    if request.method != "POST":
        return _back_to_seat(seat)
    form = DeclarationForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        if call_service(
            form,
            lambda: services.committee_declare(
                member=seat,
                actor=request.user,
                conflict=data["conflict"],
                note=data["note"],
            ),
        ):
            messages.success(
                request,
                _("You declared a conflict of interest and are removed from the "
                  "committee.")
                if data["conflict"]
                else _("You declared no conflict of interest; the bids are shown "
                       "to you now."),
            )  # fmt: skip
            return _back_to_seat(seat)
    return evaluation_detail(request, pk, declaration_form=form)


def _record_scores(seat, actor, bid, data):
    # One bid's sheet is saved whole or not at all.
    with transaction.atomic():
        for criterion in CRITERIA:
            services.score_record(
                member=seat,
                actor=actor,
                bid=bid,
                criterion=criterion,
                value=data[criterion],
                comment=data["comment"],
            )


@login_required
def evaluation_score(request, pk, bid_id):
    seat = _seat_or_404(request, pk)
    bid = get_object_or_404(selectors.bids_to_score(seat), public_id=bid_id)
    if request.method != "POST":
        return _back_to_seat(seat)
    form = ScoreForm(request.POST, prefix=f"bid-{bid.public_id}")
    if form.is_valid() and call_service(
        form, lambda: _record_scores(seat, request.user, bid, form.cleaned_data)
    ):
        messages.success(
            request,
            _("Your scores of %(name)s's bid are saved.")
            % {"name": bid.manufacturer.name},
        )
        page = _page_of_bid(selectors.bids_to_score(seat), bid.pk)
        return _back_to_seat(seat, f"#bid-{bid.public_id}", page=page)
    return evaluation_detail(request, pk, score_forms={bid.pk: form})


@login_required
def evaluation_submit(request, pk):
    seat = _seat_or_404(request, pk)
    if request.method != "POST":
        return _back_to_seat(seat)
    form = ConfirmForm(request.POST)
    if form.is_valid() and call_service(
        form, lambda: services.scoresheet_submit(member=seat, actor=request.user)
    ):
        messages.success(
            request,
            _("Your score sheet is submitted; the committee's scores are shown "
              "to you now."),
        )  # fmt: skip
        return _back_to_seat(seat)
    return evaluation_detail(request, pk, submit_form=form)
