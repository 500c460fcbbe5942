"""Pages of requirements and manufacturers: nomination, vetting, supply chains,
tests, representatives, bank accounts."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from procurement import selectors, services, track_record
from procurement.filters import (
    MANUFACTURER_SORTS,
    REQUIREMENT_SORTS,
    ManufacturerFilter,
    RequirementFilter,
)
from procurement.forms import (
    BankAccountForm,
    NominateForm,
    RequirementForm,
    SupplyChainForm,
    TestResultForm,
    VettingForm,
)
from procurement.models import (
    Component,
    Requirement,
    VettingStatus,
)
from procurement.policy.manufacturers import nomination_state
from procurement.policy.requirements import is_front_user, unit_ids
from procurement.views.common import (
    _action_refusal,
    _form_page,
    _pointing,
    _unless_refused,
)
from secretariat.kernel import policy
from secretariat.kernel.forms import (
    ConfirmForm,
    InvitationForm,
    call_service,
    posted,
    require_permission,
)
from secretariat.kernel.listing import list_page
from secretariat.kernel.models import Attachment

# The moves of a requirement its page offers, in this order.
REVIEW_MOVES = (
    "requirement.accept",
    "requirement.ask",
    "requirement.decline",
    "requirement.answer",
    "requirement.withdraw",
)


def _manufacturer_or_404(request, pk):
    return get_object_or_404(selectors.manufacturers_for(request.user), pk=pk)


@login_required
def requirement_list(request):
    require_permission(request, "procurement.view_requirement")
    user = request.user
    requirements = selectors.requirements_for(user)
    front = is_front_user(user)
    if front:
        # Their units' first, the soonest needed first; no other order.
        context = list_page(
            request,
            requirements.order_by("-mine", "needed_by", "id"),
            filterset_class=RequirementFilter,
        )
    else:
        context = list_page(
            request,
            requirements,
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
            "front": front,
            "record": policy.decide("requirement.record", user),
            "submit": policy.decide("requirement.submit", user),
            "can_tender": policy.may("tender.create", user),
        },
    )


def _requirement_or_404(request, reference) -> Requirement:
    """A requirement by its reference (REQ-00012) or its number; whoever may not
    read requirements at all is refused (403), one they may not see or that
    does not exist is 404."""
    require_permission(request, "procurement.view_requirement")
    number = reference.upper().removeprefix("REQ-")
    # Digits only, and few enough for the database's integer.
    if not (number.isascii() and number.isdigit() and len(number) <= 9):
        raise Http404
    requirement = get_object_or_404(
        selectors.requirements_for(request.user), pk=int(number)
    )
    require_permission(request, "procurement.view_requirement", requirement)
    return requirement


@login_required
def requirement_detail(request, reference):
    requirement = _requirement_or_404(request, reference)
    user = request.user
    if reference != requirement.reference:
        return redirect("procurement:requirement", requirement.reference)
    follow = selectors.requirement_follow_through(requirement, user)
    return render(
        request,
        "procurement/requirement_detail.html",
        {
            "requirement": requirement,
            "follow": follow,
            "tenders": follow.tenders,
            "moves": [
                (
                    act,
                    decision,
                    reverse(
                        "procurement:requirement_move",
                        args=[requirement.reference, act.verb],
                    ),
                )
                for act, decision in policy.offered(user, requirement, REVIEW_MOVES)
            ],
            "mine": requirement.unit_id is not None
            and requirement.unit_id in unit_ids(user),
            "may_open_tenders": user.has_perm("procurement.view_tender"),
            "may_open_contracts": user.has_perm("procurement.view_contract"),
            # Who may draft tenders; the page offers it for an open requirement
            # only (the tender form lists open ones).
            "draft_tender": policy.decide("tender.create", user),
            "draft_tender_url": reverse("procurement:tender_create")
            + "?"
            + urlencode({"requirement": requirement.pk}),
            "documents": Attachment.objects.filter(
                subject_type=ContentType.objects.get_for_model(Requirement),
                subject_id=requirement.pk,
            ).select_related("uploaded_by"),
            "events": selectors.requirement_timeline(requirement)[:50],
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
            return redirect("procurement:requirement", created.reference)
    return _form_page(
        request,
        form,
        title=_("Record a requirement of Ukraine's Armed Forces"),
        submit=_("Record requirement"),
        back_url=reverse("procurement:requirement_list"),
    )


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
        # None for whoever may not see it (the policy decides).
        "track_record": track_record.track_record_for(user, manufacturer),
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
