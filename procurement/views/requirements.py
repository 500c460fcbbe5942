"""Pages of the requirements Ukraine's units submit: the submission, and each
move of the review (accept, ask, decline), the unit's answer and withdrawal,
each on its own page reached from the requirement's buttons."""

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from procurement import forms as procurement_forms
from procurement import services
from procurement.forms import RequirementSubmitForm
from procurement.views.common import _action_refusal, _form_page, _unless_refused
from procurement.views.manufacturers import _requirement_or_404
from secretariat.kernel.formatting import day_text
from secretariat.kernel.forms import call_service, posted


@login_required
def requirement_submit(request):
    _action_refusal(request, "requirement.submit", None)
    data, files = posted(request)
    form = RequirementSubmitForm(data, files, user=request.user)
    if request.method == "POST" and form.is_valid():
        fields = {k: v for k, v in form.cleaned_data.items() if "document" not in k}
        created = call_service(
            form,
            lambda: services.requirement_submit(
                actor=request.user, documents=form.documents(), **fields
            ),
        )
        if created:
            messages.success(
                request,
                _("%(ref)s is submitted; the secretariat reviews it next.")
                % {"ref": created.reference},
            )
            return redirect("procurement:requirement", created.reference)
    return _form_page(
        request,
        form,
        title=_("Submit a requirement"),
        intro=_(
            "State what your unit needs. The secretariat reviews it, may ask you "
            "a question, and once accepted answers it with a tender; you follow "
            "it here through to delivery."
        ),
        submit=_("Submit for review"),
        back_url=reverse("procurement:requirement_list"),
    )


@dataclass(frozen=True)
class RequirementMove:
    """One move of a requirement on its own page: the policy, the form, the
    service and what the page and its message say."""

    policy: str
    form: str
    service: str
    title: Promise
    submit: Promise
    done: Promise
    danger: bool = False


REQUIREMENT_MOVES = {
    "accept": RequirementMove(
        "requirement.accept",
        "RequirementAcceptForm",
        "requirement_accept",
        gettext_lazy("Accept the requirement"),
        gettext_lazy("Accept"),
        gettext_lazy("%(ref)s is accepted: a tender can now answer it."),
    ),
    "ask": RequirementMove(
        "requirement.ask",
        "RequirementQuestionForm",
        "requirement_ask",
        gettext_lazy("Ask the unit for clarification"),
        gettext_lazy("Send the question"),
        gettext_lazy("%(ref)s is sent back to the unit with your question."),
    ),
    "decline": RequirementMove(
        "requirement.decline",
        "RequirementDeclineForm",
        "requirement_decline",
        gettext_lazy("Decline the requirement"),
        gettext_lazy("Decline"),
        gettext_lazy("%(ref)s is declined; the unit is told why."),
        danger=True,
    ),
    "answer": RequirementMove(
        "requirement.answer",
        "RequirementAnswerForm",
        "requirement_answer",
        gettext_lazy("Answer the secretariat's question"),
        gettext_lazy("Answer and resubmit"),
        gettext_lazy("%(ref)s is submitted again with your answer."),
    ),
    "withdraw": RequirementMove(
        "requirement.withdraw",
        "RequirementWithdrawForm",
        "requirement_withdraw",
        gettext_lazy("Withdraw the requirement"),
        gettext_lazy("Withdraw"),
        gettext_lazy("%(ref)s is withdrawn."),
        danger=True,
    ),
}


@login_required
def requirement_move(request, reference, move):
    step = REQUIREMENT_MOVES.get(move)
    if step is None:
        raise Http404
    requirement = _requirement_or_404(request, reference)
    refused = _action_refusal(request, step.policy, requirement)
    form = getattr(procurement_forms, step.form)(posted(request)[0])
    if request.method == "POST" and form.is_valid():
        done = call_service(
            form,
            lambda: getattr(services, step.service)(
                requirement=requirement, actor=request.user, **form.cleaned_data
            ),
        )
        if done:
            messages.success(request, step.done % {"ref": requirement.reference})
            return redirect("procurement:requirement", requirement.reference)
    facts = [
        (_("Requirement"), f"{requirement.reference}: {requirement.title}"),
        (_("Unit or command"), requirement.unit or _("Recorded by the secretariat")),
        (_("Quantity"), requirement.quantity),
        (_("Needed by"), day_text(requirement.needed_by)),
    ]
    if requirement.review_note:
        facts.append((_("The secretariat's note"), requirement.review_note))
    return _form_page(
        request,
        _unless_refused(request, form, refused),
        title=step.title,
        facts=facts,
        notice=refused,
        submit=step.submit,
        danger=step.danger,
        back_url=requirement.get_absolute_url(),
    )
