"""Web pages for member states and onboarding: parse the form, call the service,
redirect or render."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from members import selectors, services
from members.filters import MEMBER_SORTS, MemberFilter
from members.forms import (
    ConstraintsForm,
    ContributionForm,
    DocumentUploadForm,
    LiaisonInviteForm,
    PledgeForm,
    ReasonForm,
    StepAssignForm,
    StepCompleteForm,
    TransitionForm,
)
from members.models import MemberStatus, OnboardingStep
from members.policy import (
    MOVE_ACTIONS,
    documents_awaited,
    move_names,
    steps_awaiting,
)
from members.tables import MEMBER_TABLE
from secretariat.accounts import audit
from secretariat.kernel import policy
from secretariat.kernel.exceptions import ApplicationError
from secretariat.kernel.forms import (
    CommentForm,
    call_service,
    posted,
    refused_page,
    require_permission,
)
from secretariat.kernel.listing import list_page
from secretariat.kernel.roles import Role


def _member_or_404(request, code):
    return get_object_or_404(
        selectors.member_states_for(request.user), country=code.upper()
    )


def _onboarding_or_404(request, reference):
    return get_object_or_404(
        selectors.onboarding_cases_for(request.user), case__reference=reference
    )


# The moves that end or pause a state's part in the coalition: their buttons
# carry the danger style.
DANGER_MOVES = frozenset(
    {MemberStatus.DECLINED, MemberStatus.SUSPENDED, MemberStatus.WITHDRAWN}
)


def _move_buttons(user, member, onboarding=None):
    """The state's next moves as the policy answers them for ``user``, each
    named by the lifecycle table's verb: (decision, label, url, css), allowed
    or disabled with the reason, the hidden ones left out. The first move
    forward is the primary button, the moves that end or pause a state's part
    are dangers, any other is secondary. From the case page (``onboarding``),
    the move's form comes back to the case."""
    moves = member.allowed_transitions()
    primary = next((s for s in moves if s not in DANGER_MOVES), None)
    back = f"?case={onboarding.case.reference}" if onboarding is not None else ""
    return _shown(
        user,
        member,
        move_names(member),
        labels={MOVE_ACTIONS[status]: label for status, label in moves.items()},
        css={
            MOVE_ACTIONS[status]: (
                "danger"
                if status in DANGER_MOVES
                else ("" if status == primary else "secondary")
            )
            for status in moves
        },
        urls={
            MOVE_ACTIONS[status]: reverse(
                "members:transition", args=[member.country.code, status]
            )
            + back
            for status in moves
        },
    )


def _shown(user, obj, names, labels=None, urls=None, css=None):
    """(decision, label, url, css) of the actions a page shows on ``obj``:
    allowed, or refused with a reason the person may know."""
    labels, urls, css = labels or {}, urls or {}, css or {}
    return [
        (
            decision,
            labels.get(act.name, act.label),
            urls.get(act.name, ""),
            css.get(act.name, ""),
        )
        for act, decision in policy.offered(user, obj, names)
    ]


@login_required
def member_list(request):
    require_permission(request, "members.view_memberstate")
    context = list_page(
        request,
        selectors.member_states_for(request.user),
        filterset_class=MemberFilter,
        sorts=MEMBER_SORTS,
        default_sort="name",
        tiebreak=("name",),
        table=MEMBER_TABLE,
    )
    if download := context.get("download"):
        return download
    return render(request, "members/member_list.html", context)


RECENT_CONTRIBUTIONS = 50


@login_required
def member_detail(request, code):
    member = _member_or_404(request, code)
    user = request.user
    code = member.country.code
    moves = _move_buttons(user, member)
    actions = _shown(
        user,
        member,
        ["memberstate.set_constraints", "memberstate.invite_liaison"],
        css={
            "memberstate.set_constraints": "secondary",
            "memberstate.invite_liaison": "secondary",
        },
        urls={
            "memberstate.set_constraints": reverse("members:constraints", args=[code]),
            "memberstate.invite_liaison": reverse(
                "members:liaison_invite", args=[code]
            ),
        },
    )
    onboarding_cases = list(
        selectors.onboarding_cases_for(user)
        .filter(member_state=member)
        .prefetch_related("steps")
    )
    # The latest only: a state's contributions grow without end (the full list
    # is in the ledger export and the API).
    contributions = list(
        selectors.contributions_for(user).filter(pledge__member_state=member)[
            : RECENT_CONTRIBUTIONS + 1
        ]
    )
    context = {
        "member": member,
        "moves": moves,
        "actions": actions,
        "pledge_record": policy.decide("pledge.record", user, member),
        "allowed_categories": member.allowed_categories.all(),
        "onboarding_cases": onboarding_cases,
        "open_onboarding": next((o for o in onboarding_cases if o.is_open), None),
        "pledges": selectors.pledges_for(user).filter(member_state=member),
        "contributions": contributions[:RECENT_CONTRIBUTIONS],
        "more_contributions": len(contributions) > RECENT_CONTRIBUTIONS,
        "recent_contributions": RECENT_CONTRIBUTIONS,
        "liaisons": member.users.filter(groups__name=Role.MEMBER_LIAISON).order_by(
            "last_name"
        ),
        "timeline": selectors.member_timeline(member)[:50],
    }
    return render(request, "members/member_detail.html", context)


@login_required
def member_transition(request, code, to_status):
    member = _member_or_404(request, code)
    if to_status not in MemberStatus.values:
        raise Http404
    label = member.allowed_transitions().get(to_status)
    # Pressed on the case page: the form goes back there.
    reference = request.GET.get("case")
    onboarding = reference and (
        selectors.onboarding_cases_for(request.user)
        .filter(member_state=member, case__reference=reference)
        .first()
    )
    back = onboarding or member
    refused = refused_page(
        request,
        MOVE_ACTIONS[to_status],
        member,
        back_url=back.get_absolute_url(),
        title=f"{member.name}: {label or MemberStatus(to_status).label}",
    )
    if refused:
        return refused
    opens_case = to_status == MemberStatus.INVITED
    form = TransitionForm(*posted(request), opens_case=opens_case)
    if request.method == "POST" and not form.is_valid():
        # What the state's status stands in the way of, with the form's own
        # errors in the same round (the policy's words).
        decision = policy.decide(MOVE_ACTIONS[to_status], request.user, member)
        if not decision:
            form.add_error(None, decision.reason)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if call_service(
            form,
            lambda: services.member_transition(
                member_state=member,
                to_status=to_status,
                actor=request.user,
                reason=data["reason"],
                evidence_file=data.get("evidence"),
                owner=data.get("owner"),
                due_date=data.get("due_date"),
            ),
        ):
            messages.success(
                request,
                _("%(state)s is now %(status)s.")
                % {"state": member.name, "status": MemberStatus(to_status).label},
            )
            return redirect(back)
    return render(
        request,
        "members/transition_form.html",
        {
            "member": member,
            "back_url": back.get_absolute_url(),
            "form": form,
            "to_status": MemberStatus(to_status),
            "label": label,
            "danger": to_status in DANGER_MOVES,
        },
    )


@login_required
def member_constraints(request, code):
    member = _member_or_404(request, code)
    refused = refused_page(
        request,
        "memberstate.set_constraints",
        member,
        back_url=member.get_absolute_url(),
    )
    if refused:
        return refused
    initial = {
        "scope": member.participation_scope,
        "categories": member.allowed_categories.all(),
        "notes": member.constraint_notes,
    }
    form = ConstraintsForm(posted(request)[0], initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if call_service(
            form,
            lambda: services.member_set_constraints(
                member_state=member,
                actor=request.user,
                scope=data["scope"],
                categories=data["categories"],
                notes=data["notes"],
                reason=data["reason"],
            ),
        ):
            messages.success(request, _("Participation constraints saved."))
            return redirect(member)
    return render(
        request,
        "secretariat/form_page.html",
        {
            "form": form,
            "title": _("Participation constraints of %(state)s") % {"state": member},
            "back_url": member.get_absolute_url(),
            "submit": _("Save constraints"),
        },
    )


@login_required
def liaison_invite(request, code):
    member = _member_or_404(request, code)
    refused = refused_page(
        request,
        "memberstate.invite_liaison",
        member,
        back_url=member.get_absolute_url(),
    )
    if refused:
        return refused
    form = LiaisonInviteForm(posted(request)[0])
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if call_service(
            form,
            lambda: services.liaison_invite(
                member_state=member, actor=request.user, **data
            ),
        ):
            messages.success(
                request,
                _("%(email)s has been sent a link to set a password.")
                % {"email": data["email"]},
            )
            return redirect(member)
    return render(
        request,
        "secretariat/form_page.html",
        {
            "form": form,
            "title": _("Invite a liaison for %(state)s") % {"state": member},
            "back_url": member.get_absolute_url(),
            "submit": _("Send invitation"),
        },
    )


@login_required
@require_POST
def liaison_resend(request, code, user_id):
    member = _member_or_404(request, code)
    liaison = get_object_or_404(member.users, pk=user_id)
    decision = policy.decide(
        "memberstate.resend_liaison_invitation", request.user, liaison
    )
    if not decision and decision.kind == policy.WHO:
        raise PermissionDenied(decision.reason)
    try:
        services.liaison_invitation_resend(user=liaison, actor=request.user)
    except ApplicationError as exc:
        audit.record_refusal(exc.message, request)
        messages.error(request, exc.message)
    else:
        messages.success(
            request, _("A new link was sent to %(email)s.") % {"email": liaison.email}
        )
    return redirect(member)


@login_required
def pledge_create(request, code):
    member = _member_or_404(request, code)
    refused = refused_page(
        request, "pledge.record", member, back_url=member.get_absolute_url()
    )
    if refused:
        return refused
    # The state's own currency: the one of its last pledge (a state records
    # none), else the euro.
    last_currency = (
        selectors.pledges_for(request.user)
        .filter(member_state=member)
        .order_by("-pk")
        .values_list("amount_currency", flat=True)
        .first()
    )
    form = PledgeForm(
        posted(request)[0],
        can_enter_rate=policy.may("pledge.enter_rate", request.user, member),
        member_state=member,
        currency=last_currency or settings.DEFAULT_CURRENCY,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if call_service(
            form,
            lambda: services.pledge_record(
                member_state=member,
                actor=request.user,
                year=data["year"],
                amount=data["amount"],
                currency=data["currency"],
                earmark=data["earmark"],
                earmark_categories=data["earmark_categories"],
                fx_rate=data.get("fx_rate"),
                note=data["note"],
            ),
        ):
            messages.success(request, _("Pledge recorded."))
            return redirect(member)
    return render(
        request,
        "secretariat/form_page.html",
        {
            "form": form,
            "title": _("Record a pledge of %(state)s") % {"state": member},
            "back_url": member.get_absolute_url(),
            "submit": _("Record pledge"),
        },
    )


@login_required
def pledge_cancel(request, pk):
    pledge = get_object_or_404(selectors.pledges_for(request.user), pk=pk)
    refused = refused_page(
        request,
        "pledge.cancel",
        pledge,
        back_url=pledge.member_state.get_absolute_url(),
    )
    if refused:
        return refused
    form = ReasonForm(posted(request)[0])
    if (
        request.method == "POST"
        and form.is_valid()
        and call_service(
            form,
            lambda: services.pledge_cancel(
                pledge=pledge, actor=request.user, reason=form.cleaned_data["reason"]
            ),
        )
    ):
        messages.success(request, _("Pledge cancelled."))
        return redirect(pledge.member_state)
    return render(
        request,
        "secretariat/form_page.html",
        {
            "form": form,
            "title": _("Cancel the pledge %(pledge)s") % {"pledge": pledge},
            "back_url": pledge.member_state.get_absolute_url(),
            "submit": _("Cancel pledge"),
            "danger": True,
        },
    )


@login_required
def contribution_create(request, pk):
    pledge = get_object_or_404(selectors.pledges_for(request.user), pk=pk)
    refused = refused_page(
        request,
        "contribution.record",
        pledge,
        back_url=pledge.member_state.get_absolute_url(),
    )
    if refused:
        return refused
    currency = str(pledge.amount.currency)
    form = ContributionForm(posted(request)[0], currency=currency)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if call_service(
            form,
            lambda: services.contribution_record(
                pledge=pledge,
                actor=request.user,
                amount=data["amount"],
                currency=currency,
                received_on=data["received_on"],
                fx_rate=data["fx_rate"],
                bank_reference=data["bank_reference"],
                note=data["note"],
            ),
        ):
            messages.success(request, _("Contribution recorded."))
            return redirect(pledge.member_state)
    return render(
        request,
        "secretariat/form_page.html",
        {
            "form": form,
            "title": _("Record money received against %(pledge)s") % {"pledge": pledge},
            "back_url": pledge.member_state.get_absolute_url(),
            "submit": _("Record contribution"),
        },
    )


@login_required
def onboarding_detail(request, reference, comment_form=None):
    onboarding = selectors.onboarding_case_detail(
        _onboarding_or_404(request, reference)
    )
    user = request.user
    reference = onboarding.case.reference
    member = onboarding.member_state
    upload = policy.decide("onboardingcase.upload_document", user, onboarding)
    steps = list(onboarding.steps.all())
    progress = onboarding.progress()
    # Each step with its actions (the policy hides them on a completed step
    # and in a closed case).
    checklist = [(step, _row_actions(user, step, reference)) for step in steps]
    mine = set(
        steps_awaiting(user, onboarding.steps.all()).values_list("pk", flat=True)
    )
    to_send = set(
        documents_awaited(user, onboarding.steps.all()).values_list("pk", flat=True)
    )
    upload_url = reverse("members:document_upload", args=[reference])
    context = {
        "onboarding": onboarding,
        "case": onboarding.case,
        "member": member,
        "steps": steps,
        "progress": progress,
        "open_required": progress.required_open,
        "checklist": checklist,
        # What awaits the person, first: the steps that are theirs to
        # complete, and those whose document their state is to send.
        "your_steps": [
            (step, _row_actions(user, step, reference, ["onboardingstep.complete"]))
            for step in steps
            if step.pk in mine
        ],
        "to_send": [
            (step, f"{upload_url}?step={step.pk}")
            for step in steps
            if step.pk in to_send
        ],
        # The state's next moves while the case is open; afterwards they are
        # the state's page's.
        "moves": _move_buttons(user, member, onboarding) if onboarding.is_open else [],
        "upload": upload,
        "upload_form": DocumentUploadForm(onboarding=onboarding) if upload else None,
        "comment_form": comment_form or CommentForm(),
        "comments": onboarding.case.comments.select_related("author"),
        "documents": selectors.case_documents(onboarding.case),
        "timeline": selectors.case_timeline(onboarding.case),
    }
    return render(request, "members/onboarding_detail.html", context)


def _row_actions(user, step, reference, names=None):
    urls = {
        "onboardingstep.complete": reverse(
            "members:step_complete", args=[reference, step.pk]
        ),
        "onboardingstep.assign": reverse(
            "members:step_assign", args=[reference, step.pk]
        ),
    }
    return _shown(user, step, names or list(urls), urls=urls)


def _step_or_404(request, reference, step_pk) -> OnboardingStep:
    onboarding = _onboarding_or_404(request, reference)
    return get_object_or_404(
        OnboardingStep.objects.select_related("onboarding__case", "document"),
        pk=step_pk,
        onboarding=onboarding,
    )


@login_required
def step_complete(request, reference, step_pk):
    step = _step_or_404(request, reference, step_pk)
    refused = refused_page(
        request,
        "onboardingstep.complete",
        step,
        back_url=step.onboarding.get_absolute_url(),
    )
    if refused:
        return refused
    form = StepCompleteForm(*posted(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if call_service(
            form,
            lambda: services.onboarding_step_complete(
                step=step,
                actor=request.user,
                note=data["note"],
                evidence_file=data["evidence"],
            ),
        ):
            messages.success(
                request, _("“%(step)s” completed.") % {"step": step.get_kind_display()}
            )
            return redirect(step.onboarding)
    return render(
        request,
        "members/step_form.html",
        {"form": form, "step": step, "onboarding": step.onboarding},
    )


@login_required
def step_assign(request, reference, step_pk):
    step = _step_or_404(request, reference, step_pk)
    refused = refused_page(
        request,
        "onboardingstep.assign",
        step,
        back_url=step.onboarding.get_absolute_url(),
    )
    if refused:
        return refused
    form = StepAssignForm(
        posted(request)[0], initial={"owner": step.owner, "due_date": step.due_date}
    )
    if (
        request.method == "POST"
        and form.is_valid()
        and call_service(
            form,
            lambda: services.onboarding_step_assign(
                step=step, actor=request.user, **form.cleaned_data
            ),
        )
    ):
        messages.success(request, _("Step assigned."))
        return redirect(step.onboarding)
    return render(
        request,
        "secretariat/form_page.html",
        {
            "form": form,
            "title": _("Assign “%(step)s”") % {"step": step.get_kind_display()},
            "back_url": step.onboarding.get_absolute_url(),
            "submit": _("Save"),
        },
    )


@login_required
def document_upload(request, reference):
    onboarding = _onboarding_or_404(request, reference)
    refused = refused_page(
        request,
        "onboardingcase.upload_document",
        onboarding,
        back_url=onboarding.get_absolute_url(),
    )
    if refused:
        return refused
    form = DocumentUploadForm(
        *posted(request),
        onboarding=onboarding,
        initial={"step": request.GET.get("step")},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if call_service(
            form,
            lambda: services.onboarding_document_upload(
                onboarding=onboarding,
                actor=request.user,
                uploaded_file=data["file"],
                description=data["description"],
                step=data["step"],
            ),
        ):
            messages.success(request, _("Document uploaded."))
            return redirect(onboarding)
    return render(
        request,
        "secretariat/form_page.html",
        {
            "form": form,
            "title": _("Upload a document to %(ref)s")
            % {"ref": onboarding.case.reference},
            "back_url": onboarding.get_absolute_url(),
            "submit": _("Upload"),
        },
    )
