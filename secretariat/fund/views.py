"""The fund's pages: disbursement requests and their actions, commitments,
adjustments, the ledger, the fund statement and bank statements."""

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, ngettext_lazy

from secretariat.accounts import audit, twofactor
from secretariat.fund import selectors as fund_selectors
from secretariat.fund.filters import (
    ADJUSTMENT_SORTS,
    BANK_STATEMENT_SORTS,
    COMMITMENT_SORTS,
    DISBURSEMENT_SORTS,
    AdjustmentFilter,
    BankStatementFilter,
    CommitmentFilter,
    DisbursementFilter,
    LedgerFilter,
)
from secretariat.fund.forms import (
    AdjustmentDecisionForm,
    AdjustmentForm,
    ApprovalWithCodeForm,
    CommitmentForm,
    DisbursementDocumentForm,
    DisbursementForm,
    LineResolveForm,
    MarkPaidForm,
    StatementImportForm,
)
from secretariat.fund.models import (
    Adjustment,
    BankStatement,
    CommitmentStatus,
    DisbursementStatus,
    LineStatus,
    StatementLine,
)
from secretariat.fund.policy.disbursements import remember_last_moves
from secretariat.fund.services import disbursements as dsb
from secretariat.fund.services import ledger as fund
from secretariat.fund.tables import (
    ADJUSTMENT_TABLE,
    COMMITMENT_TABLE,
    DISBURSEMENT_TABLE,
    LEDGER_TABLE,
)
from secretariat.kernel import policy
from secretariat.kernel import selectors as kernel_selectors
from secretariat.kernel.bulk import BulkAction, bulk_apply, bulk_offer
from secretariat.kernel.formatting import day_text, eur, money
from secretariat.kernel.forms import (
    ActionReasonForm,
    CommentedActionForm,
    CommentForm,
    ConfirmForm,
    call_service,
    posted,
    refused_page,
    require_permission,
)
from secretariat.kernel.listing import list_page
from secretariat.kernel.models import Attachment
from secretariat.kernel.roles import is_staff_reader


def _disbursement_or_404(request, reference):
    return get_object_or_404(
        fund_selectors.disbursements_for(request.user), case__reference=reference
    )


# What a finance officer does to many requests at once from the list: each
# ticked request goes through the service, which asks the policy.
DISBURSEMENT_BULK = (
    BulkAction(
        "disbursement.submit",
        lambda obj, actor: dsb.disbursement_submit(request=obj, actor=actor),
        ngettext_lazy(
            "%(count)s request is submitted: a second finance officer checks it.",
            "%(count)s requests are submitted: a second finance officer checks them.",
            "n",
        ),
    ),
)


@login_required
def disbursement_list(request):
    require_permission(request, "secretariat.view_disbursementrequest")
    # Only what the list shows: each joined table multiplies the plans
    # PostgreSQL weighs (planning the page with all three people joined took
    # 8 ms, 2 ms with the preparer only).
    requests = (
        fund_selectors.disbursements_for(request.user)
        .select_related(None)
        .select_related("case", "commitment__pool", "prepared_by")
    )
    if request.method == "POST":
        return bulk_apply(request, requests, DISBURSEMENT_BULK)
    context = list_page(
        request,
        requests,
        filterset_class=DisbursementFilter,
        sorts=DISBURSEMENT_SORTS,
        default_sort="-opened",
        table=DISBURSEMENT_TABLE,
    )
    if download := context.get("download"):
        return download
    rows = list(context["page"].object_list)
    # What a refused move would say, read for the whole page in one query.
    remember_last_moves(rows)
    return render(
        request,
        "secretariat/disbursement_list.html",
        {
            **context,
            "prepare": policy.decide("disbursement.prepare", request.user),
            "bulk_actions": bulk_offer(request.user, rows, DISBURSEMENT_BULK),
        },
    )


def _open_commitments(user):
    return fund_selectors.commitments_for(user).filter(status=CommitmentStatus.OPEN)


def _account_on_record(commitment):
    """The payee a contract's commitment pays: the manufacturer's name, country
    and bank account on record (``contract`` is procurement's reverse link to the
    commitment it draws on; the fund does not import procurement). ``None`` for a
    commitment that is no contract's."""
    contract = getattr(commitment, "contract", None) if commitment else None
    if contract is None:
        return None
    maker = contract.manufacturer
    return {
        "contract": contract,
        "manufacturer": maker,
        "payee_name": maker.name,
        "payee_country": str(maker.member_state.country),
        "payee_iban": maker.iban,
        "payee_bic": maker.bic,
    }


def _compact(value) -> str:
    """An IBAN or BIC as compared: no spaces, upper case, a BIC's XXX branch
    code the same as none."""
    value = "".join(str(value or "").split()).upper()
    return value[:8] if len(value) == 11 and value.endswith("XXX") else value


def _refused(request, name, obj=None):
    """The policy's answer to the person asking for an action's page: 403 for
    whoever may not even know of the action; the decision otherwise (the page
    then shows the reason instead of the form when it is refused, a move the
    request has gone past included: whoever acted on a stale page is told who
    moved it on, and when)."""
    decision = policy.decide(name, request.user, obj)
    if decision.hidden and decision.kind == policy.WHO:
        raise PermissionDenied(decision.reason)
    return decision


def _call(form, call):
    """The service, for a form sent while its page was open: a refusal for who
    the person is (the policy decided again, under the lock) shows on the page
    like any other refusal."""
    try:
        return call_service(form, call)
    except PermissionDenied as exc:
        audit.record_refusal(str(exc))
        form.add_error(None, str(exc))
        return None


@login_required
def disbursement_prepare(request):
    decision = _refused(request, "disbursement.prepare")
    commitments = _open_commitments(request.user)
    initial = {"currency": "EUR", "commitment": request.GET.get("commitment")}
    # A contract's commitment pays the manufacturer: the form starts with its
    # name, country and bank account on record.
    chosen = (
        commitments.filter(pk=initial["commitment"]).first()
        if str(initial["commitment"] or "").isdigit()
        else None
    )
    on_record = _account_on_record(chosen)
    if on_record:
        initial.update(
            {k: v for k, v in on_record.items() if k.startswith("payee_") and v}
        )
    form = DisbursementForm(
        posted(request)[0],
        commitments=commitments,
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        created = _call(
            form,
            lambda: dsb.disbursement_prepare(
                actor=request.user,
                commitment=data["commitment"],
                payee_name=data["payee_name"],
                payee_country=data["payee_country"],
                payee_iban=data["payee_iban"],
                payee_bic=data["payee_bic"],
                amount=data["amount"],
                currency=data["currency"],
                purpose=data["purpose"],
                categories=data["categories"],
                due_date=data["due_date"],
            ),
        )
        if created:
            messages.success(
                request,
                _("%(ref)s is drafted. Check it, then submit it for checking.")
                % {"ref": created.case.reference},
            )
            return redirect(created)
    return render(
        request,
        "secretariat/disbursement_form.html",
        {
            "form": form,
            "decision": decision,
            "title": _("Prepare a disbursement request"),
            "on_record": on_record,
        },
    )


@login_required
def disbursement_edit(request, reference):
    obj = fund_selectors.disbursement_detail(_disbursement_or_404(request, reference))
    decision = _refused(request, "disbursement.edit", obj)
    initial = {
        "commitment": obj.commitment,
        "payee_name": obj.payee_name,
        "payee_country": str(obj.payee_country),
        "payee_iban": obj.payee_iban,
        "payee_bic": obj.payee_bic,
        "amount": obj.amount.amount,
        "currency": str(obj.amount.currency),
        "purpose": obj.purpose,
        "categories": list(obj.categories.all()),
    }
    commitments = fund_selectors.commitments_for(request.user).filter(
        Q(status=CommitmentStatus.OPEN) | Q(pk=obj.commitment_id)
    )
    form = DisbursementForm(
        posted(request)[0],
        commitments=commitments,
        initial=initial,
        with_due_date=False,
    )
    if request.method == "POST" and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        if decision and not changes:
            messages.info(request, _("Nothing was changed."))
            return redirect(obj)
        if _call(
            form,
            lambda: dsb.disbursement_update(request=obj, actor=request.user, **changes),
        ):
            messages.success(request, _("The draft is saved."))
            return redirect(obj)
    return render(
        request,
        "secretariat/disbursement_form.html",
        {
            "form": form,
            "decision": decision,
            "title": _("Change %(ref)s") % {"ref": obj.case.reference},
            "disbursement": obj,
        },
    )


@dataclass(frozen=True)
class DisbursementAction:
    """An action's confirmation page: its form and what it says. Who may take
    it, now, is the policy's (``disbursement.<name>``)."""

    form: type
    done: str
    explanation: str
    danger: bool = False
    secondary: bool = False

    def policy_name(self, name) -> str:
        return f"disbursement.{name}"


DISBURSEMENT_ACTIONS = {
    "adopt": DisbursementAction(
        form=ConfirmForm,
        done=gettext_lazy(
            "You now prepare %(ref)s: complete it and submit it for checking."
        ),
        explanation=gettext_lazy(
            "The draft was made when the delivery was accepted. Taking it over "
            "makes you its preparer: you complete and submit it, and you cannot "
            "check, approve or pay it afterwards."
        ),
    ),
    "submit": DisbursementAction(
        form=ConfirmForm,
        done=gettext_lazy(
            "%(ref)s is submitted: a second finance officer checks it next."
        ),
        explanation=gettext_lazy(
            "The funds of the commitment are checked now, and the approval policy in "
            "force today decides how many co-lead approvers it needs."
        ),
    ),
    "check": DisbursementAction(
        form=CommentedActionForm,
        done=gettext_lazy("%(ref)s is checked: it now awaits the co-lead approvers."),
        explanation=gettext_lazy(
            "Confirm that the payee, bank details, amount and purpose match the "
            "contract and the supporting documents. You cannot approve it afterwards."
        ),
    ),
    "approve": DisbursementAction(
        form=CommentedActionForm,
        done=gettext_lazy("Your approval of %(ref)s is recorded."),
        explanation=gettext_lazy(
            "You approve on behalf of your co-lead state. Above the threshold a "
            "second approval must come from the other co-lead state."
        ),
    ),
    "return": DisbursementAction(
        form=ActionReasonForm,
        done=gettext_lazy("%(ref)s is returned to its preparer as a draft."),
        explanation=gettext_lazy(
            "The request goes back to its preparer as a draft; the check and any "
            "approvals given so far are cleared."
        ),
        secondary=True,
    ),
    "reject": DisbursementAction(
        form=ActionReasonForm,
        done=gettext_lazy("%(ref)s is rejected and closed."),
        explanation=gettext_lazy(
            "A rejected request is closed for good; it cannot be reopened."
        ),
        danger=True,
    ),
    "cancel": DisbursementAction(
        form=ActionReasonForm,
        done=gettext_lazy("%(ref)s is cancelled and closed."),
        explanation=gettext_lazy(
            "A cancelled request is closed for good; nothing is paid."
        ),
        danger=True,
    ),
    "pay": DisbursementAction(
        form=MarkPaidForm,
        done=gettext_lazy("The payment of %(ref)s is recorded."),
        explanation=gettext_lazy(
            "Record the payment once the bank has sent it. It is recorded exactly "
            "once and moves the money from committed to disbursed."
        ),
    ),
}


# The buttons of a request's page, in this order: "edit" has a page of its own.
PAGE_ACTIONS = ("adopt", "edit", "submit", "check", "approve", "return", "reject",
                "pay", "cancel")  # fmt: skip


SECONDARY_ACTIONS = {"edit", "cancel", "return"}


def _call_disbursement_action(action, obj, actor, data, *, second_factor=None):
    if action == "adopt":
        return dsb.disbursement_adopt(request=obj, actor=actor)
    if action == "submit":
        return dsb.disbursement_submit(request=obj, actor=actor)
    if action == "check":
        return dsb.disbursement_check(request=obj, actor=actor, comment=data["comment"])
    if action == "approve":
        return dsb.disbursement_approve(
            request=obj,
            actor=actor,
            comment=data["comment"],
            second_factor=second_factor,
        )
    if action == "pay":
        return dsb.disbursement_mark_paid(request=obj, actor=actor, **data)
    service = {
        "return": dsb.disbursement_return,
        "reject": dsb.disbursement_reject,
        "cancel": dsb.disbursement_cancel,
    }[action]
    return service(request=obj, actor=actor, reason=data["reason"])


def disbursement_buttons(obj, user) -> list[dict]:
    """The request page's buttons: each action enabled or disabled with the
    policy's reason; left out where the policy hides it (a move the transition
    table does not offer from here, a role the person does not hold)."""
    buttons = []
    names = [f"disbursement.{name}" for name in PAGE_ACTIONS]
    for act, decision in policy.offered(user, obj, names):
        spec = DISBURSEMENT_ACTIONS.get(act.verb)
        buttons.append(
            {
                "name": act.verb,
                "label": act.label,
                "url": reverse(f"disbursement_{act.verb}", args=[obj.case.reference]),
                "decision": decision,
                "css": "danger"
                if spec and spec.danger
                else "secondary"
                if act.verb in SECONDARY_ACTIONS
                else "",
            }
        )
    return buttons


def _next_step(obj, approvals):
    """What happens next and who must act."""
    S = DisbursementStatus
    if obj.status == S.DRAFT:
        if not policy.may("disbursement.edit", obj.prepared_by, obj):
            # An accepted delivery's draft: nobody in finance prepares it yet.
            return _(
                "A finance officer takes the draft over, completes it and submits "
                "it for checking."
            )
        return _("%(who)s completes the draft and submits it for checking.") % {
            "who": obj.prepared_by
        }
    if obj.status == S.SUBMITTED:
        return _("A finance officer other than %(who)s checks it.") % {
            "who": obj.prepared_by
        }
    if obj.status == S.CHECKED:
        given = len(approvals)
        if not given:
            return ngettext(
                "A co-lead approver of Latvia or the United Kingdom approves it "
                "(%(needed)d approval needed).",
                "A co-lead approver of Latvia or the United Kingdom approves it "
                "(%(needed)d approvals needed).",
                obj.approvals_needed,
            ) % {"needed": obj.approvals_needed}
        return _(
            "A co-lead approver of the other co-lead state than %(states)s approves "
            "it (%(given)d of %(needed)d approvals given)."
        ) % {
            "states": ", ".join(a.member_state.name for a in approvals),
            "given": given,
            "needed": obj.approvals_needed,
        }
    if obj.status == S.APPROVED:
        return _(
            "A finance officer other than %(preparer)s and %(checker)s sends the "
            "payment and records it."
        ) % {"preparer": obj.prepared_by, "checker": obj.checked_by}
    if obj.status == S.PAID:
        return _(
            "A finance officer imports the bank statement that shows the payment; "
            "it is then reconciled."
        )
    return _("Nothing: the case is closed.")


@login_required
def disbursement_detail(request, reference, comment_form=None):
    obj = fund_selectors.disbursement_detail(_disbursement_or_404(request, reference))
    user = request.user
    approvals = list(obj.approvals.all())
    buttons = disbursement_buttons(obj, user)
    upload = policy.decide("disbursement.add_document", user, obj)
    context = {
        "disbursement": obj,
        "case": obj.case,
        "approvals": approvals,
        "categories": list(obj.categories.all()),
        "next_step": _next_step(obj, approvals),
        "buttons": buttons,
        # What the person may do now.
        "actions": [b["name"] for b in buttons if b["decision"].allowed],
        "upload_form": DisbursementDocumentForm() if upload else None,
        "comment_form": comment_form or CommentForm(),
        "comments": obj.case.comments.select_related("author"),
        "documents": Attachment.objects.filter(case=obj.case).select_related(
            "uploaded_by"
        ),
        "timeline": kernel_selectors.case_timeline(obj.case),
        "statement_lines": obj.statement_lines.select_related("statement"),
    }
    return render(request, "secretariat/disbursement_detail.html", context)


@login_required
def disbursement_action(request, reference, action):
    obj = fund_selectors.disbursement_detail(_disbursement_or_404(request, reference))
    spec = DISBURSEMENT_ACTIONS[action]
    decision = _refused(request, spec.policy_name(action), obj)
    ask_code = action == "approve" and twofactor.approval_needs_code(obj)
    form = (ApprovalWithCodeForm if ask_code else spec.form)(posted(request)[0])
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        # The approval service checks the code itself; the page passes it on.
        proof = twofactor.FreshCode(data["otp_token"], request) if ask_code else None
        done = _call(
            form,
            lambda: _call_disbursement_action(
                action, obj, request.user, data, second_factor=proof
            ),
        )
        if done:
            message = spec.done % {"ref": obj.case.reference}
            if action == "approve" and done.status != DisbursementStatus.APPROVED:
                message += " " + _(
                    "A second approval, from the other co-lead state, is needed."
                )
            messages.success(request, message)
            return redirect(obj)
    context = {
        "disbursement": obj,
        "form": form,
        "spec": spec,
        "label": policy.ACTIONS[spec.policy_name(action)].label,
        "decision": decision,
    }
    if action in ("check", "approve"):
        # What the checker and the approvers judge: the documents the payment
        # rests on, and the account it goes to against the one on record.
        on_record = _account_on_record(obj.commitment)
        context["documents"] = Attachment.objects.filter(case=obj.case)
        context["show_evidence"] = True
        context["on_record"] = on_record
        context["account_mismatch"] = bool(on_record and on_record["payee_iban"]) and (
            _compact(on_record["payee_iban"]) != _compact(obj.payee_iban)
            or _compact(on_record["payee_bic"]) != _compact(obj.payee_bic)
        )
    return render(request, "secretariat/disbursement_action.html", context)


@login_required
def disbursement_document_add(request, reference):
    obj = _disbursement_or_404(request, reference)
    decision = _refused(request, "disbursement.add_document", obj)
    form = DisbursementDocumentForm(*posted(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if _call(
            form,
            lambda: dsb.disbursement_document_add(
                request=obj,
                actor=request.user,
                uploaded_file=data["file"],
                description=data["description"],
            ),
        ):
            messages.success(request, _("Document added."))
            return redirect(obj)
    title = _("Add a document to %(ref)s") % {"ref": obj.case.reference}
    if not decision and request.method == "GET":
        return render(
            request,
            "secretariat/fund/action_refused.html",
            {
                "title": title,
                "reason": decision.reason,
                "back_url": obj.get_absolute_url(),
            },
        )
    return render(
        request,
        "secretariat/form_page.html",
        {
            "form": form,
            "title": title,
            "back_url": obj.get_absolute_url(),
            "submit": _("Upload"),
        },
    )


def _row_actions(user, obj, names):
    """The actions a list's row offers: those allowed, and those refused for
    who the person is, with the reason (once, when several share it). A refusal
    for the object's state is left out: the row's status already says it."""
    shown, reasons = [], set()
    for act, decision in policy.offered(user, obj, names):
        if decision.allowed:
            shown.append((act, decision))
        elif decision.kind == policy.WHO and decision.reason not in reasons:
            reasons.add(decision.reason)
            shown.append((act, decision))
    return shown


@login_required
def fund_statement(request):
    require_permission(request, "secretariat.view_fund_statement")
    return render(
        request,
        "secretariat/fund/statement.html",
        {
            "statement": fund_selectors.fund_statement(request.user),
            "is_staff": is_staff_reader(request.user),
        },
    )


@login_required
def commitment_list(request):
    require_permission(request, "secretariat.view_commitment")
    context = list_page(
        request,
        fund_selectors.commitments_for(request.user),
        filterset_class=CommitmentFilter,
        sorts=COMMITMENT_SORTS,
        default_sort="status",
        tiebreak=("-created_at", "-id"),
        table=COMMITMENT_TABLE,
    )
    if download := context.get("download"):
        return download
    user = request.user
    for commitment in context["page"].object_list:
        commitment.actions = _row_actions(user, commitment, ["commitment.release"])
    return render(
        request,
        "secretariat/fund/commitment_list.html",
        {
            **context,
            "create": policy.decide("commitment.create", user),
            "can_prepare": user.has_perm("secretariat.prepare_disbursement"),
        },
    )


@login_required
def commitment_create(request):
    refused = refused_page(
        request, "commitment.create", back_url=reverse("commitment_list")
    )
    if refused:
        return refused
    form = CommitmentForm(
        posted(request)[0], pools=fund_selectors.pools_for(request.user)
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        created = call_service(
            form,
            lambda: fund.commitment_create(
                pool=data["pool"],
                amount_eur=data["amount_eur"],
                purpose=data["purpose"],
                categories=data["categories"],
                approval_reference=data["approval_reference"],
                actor=request.user,
            ),
        )
        if created:
            messages.success(
                request,
                _("Commitment %(ref)s recorded.") % {"ref": created.reference},
            )
            return redirect("commitment_list")
    return render(
        request,
        "secretariat/form_page.html",
        {
            "form": form,
            "title": _("Commit money of a pool"),
            "back_url": reverse("commitment_list"),
            "submit": _("Record commitment"),
        },
    )


@login_required
def commitment_release(request, pk):
    commitment = get_object_or_404(fund_selectors.commitments_for(request.user), pk=pk)
    refused = refused_page(
        request,
        "commitment.release",
        commitment,
        back_url=reverse("commitment_list"),
        title=_("Release %(commitment)s") % {"commitment": commitment},
    )
    if refused:
        return refused
    form = ActionReasonForm(posted(request)[0])
    if request.method == "POST" and form.is_valid():
        released = call_service(
            form,
            lambda: fund.commitment_release(
                commitment=commitment,
                actor=request.user,
                reason=form.cleaned_data["reason"],
            ),
        )
        if released:
            messages.success(
                request,
                _("What %(ref)s will not pay is back in its pool.")
                % {"ref": released.reference},
            )
            return redirect("commitment_list")
    return render(
        request,
        "secretariat/form_page.html",
        {
            "form": form,
            "title": _("Release %(commitment)s") % {"commitment": commitment},
            "intro": _(
                "The remaining money, less what requests in progress draw on, "
                "returns to the pool: %(remaining)s remains now."
            )
            % {"remaining": eur(commitment.remaining_eur)},
            "back_url": reverse("commitment_list"),
            "submit": _("Release"),
            "danger": True,
        },
    )


def _adjustments():
    return Adjustment.objects.select_related(
        "pool", "requested_by", "decided_by", "reverses"
    )


@login_required
def adjustment_list(request):
    require_permission(request, "secretariat.view_adjustment")
    user = request.user
    context = list_page(
        request,
        _adjustments(),
        filterset_class=AdjustmentFilter,
        sorts=ADJUSTMENT_SORTS,
        default_sort="-proposed",
        table=ADJUSTMENT_TABLE,
    )
    if download := context.get("download"):
        return download
    for adjustment in context["page"].object_list:
        adjustment.actions = _row_actions(
            user, adjustment, ["adjustment.approve", "adjustment.reject"]
        )
    return render(
        request,
        "secretariat/fund/adjustment_list.html",
        {**context, "propose": policy.decide("adjustment.request", user)},
    )


@login_required
def adjustment_create(request):
    refused = refused_page(
        request, "adjustment.request", back_url=reverse("adjustment_list")
    )
    if refused:
        return refused
    form = AdjustmentForm(
        posted(request)[0], pools=fund_selectors.pools_for(request.user)
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if call_service(
            form,
            lambda: fund.adjustment_request(
                pool=data["pool"],
                amount_eur=data["amount_eur"],
                reason=data["reason"],
                actor=request.user,
            ),
        ):
            messages.success(
                request,
                _("The adjustment awaits the decision of another person."),
            )
            return redirect("adjustment_list")
    return render(
        request,
        "secretariat/form_page.html",
        {
            "form": form,
            "title": _("Propose an adjustment"),
            "intro": _(
                "An adjustment corrects a pool's money in. Someone other than you "
                "approves or rejects it."
            ),
            "back_url": reverse("adjustment_list"),
            "submit": _("Propose adjustment"),
        },
    )


@login_required
def adjustment_decide(request, pk):
    require_permission(request, "secretariat.view_adjustment")
    adjustment = get_object_or_404(_adjustments(), pk=pk)
    title = _("Decide the adjustment of %(amount)s to %(pool)s") % {
        "amount": eur(adjustment.amount_eur),
        "pool": adjustment.pool,
    }
    refused = refused_page(
        request,
        "adjustment.approve",
        adjustment,
        back_url=reverse("adjustment_list"),
        title=title,
    )
    if refused:
        return refused
    form = AdjustmentDecisionForm(
        posted(request)[0], initial={"decision": request.GET.get("decision")}
    )
    if request.method == "POST" and form.is_valid():
        approve = form.cleaned_data["decision"] == "approve"
        if call_service(
            form,
            lambda: fund.adjustment_decide(
                adjustment=adjustment, actor=request.user, approve=approve
            ),
        ):
            messages.success(
                request,
                _("The adjustment is approved and posted to the ledger.")
                if approve
                else _("The adjustment is rejected."),
            )
            return redirect("adjustment_list")
    return render(
        request,
        "secretariat/form_page.html",
        {
            "form": form,
            "title": title,
            "intro": _("Proposed by %(who)s: %(reason)s")
            % {"who": adjustment.requested_by, "reason": adjustment.reason},
            "back_url": reverse("adjustment_list"),
            "submit": _("Record decision"),
        },
    )


@login_required
def ledger_list(request):
    require_permission(request, "secretariat.view_ledgerentry")
    context = list_page(
        request,
        fund_selectors.ledger_entries_for(request.user).order_by("-created_at", "-id"),
        filterset_class=LedgerFilter,
        table=LEDGER_TABLE,
    )
    if download := context.get("download"):
        return download
    return render(request, "secretariat/fund/ledger.html", context)


@login_required
def bank_statements(request):
    require_permission(request, "secretariat.view_ledgerentry")
    can_import = policy.may("statement.import", request.user)
    form = StatementImportForm(*posted(request))
    if request.method == "POST":
        if not can_import:
            raise PermissionDenied
        if form.is_valid():
            uploaded = form.cleaned_data["file"]
            statement = call_service(
                form,
                lambda: dsb.statement_import(
                    actor=request.user, file_name=uploaded.name, content=uploaded.read()
                ),
            )
            if statement:
                counts = {
                    status: statement.lines.filter(status=status).count()
                    for status in LineStatus.values
                }
                messages.success(
                    request,
                    ngettext(
                        "Statement imported: %(matched)d line reconciled, "
                        "%(open)d to resolve.",
                        "Statement imported: %(matched)d lines reconciled, "
                        "%(open)d to resolve.",
                        counts[LineStatus.MATCHED],
                    )
                    % {
                        "matched": counts[LineStatus.MATCHED],
                        "open": counts[LineStatus.MISMATCHED]
                        + counts[LineStatus.UNMATCHED],
                    },
                )
                return redirect(statement)
    statements = BankStatement.objects.select_related("imported_by").annotate(
        line_count=Count("lines"),
        open_count=Count(
            "lines",
            filter=Q(lines__status__in=[LineStatus.MISMATCHED, LineStatus.UNMATCHED]),
        ),
    )
    context = list_page(
        request,
        statements,
        filterset_class=BankStatementFilter,
        sorts=BANK_STATEMENT_SORTS,
        default_sort="-imported",
    )
    return render(
        request,
        "secretariat/fund/bank_statements.html",
        {**context, "form": form if can_import else None},
    )


def _line_form(line, user, data=None):
    return LineResolveForm(
        data,
        prefix=f"line-{line.pk}",
        requests=fund_selectors.disbursements_for(user),
    )


@login_required
def bank_statement(request, pk):
    require_permission(request, "secretariat.view_ledgerentry")
    statement = get_object_or_404(
        BankStatement.objects.select_related("imported_by"), pk=pk
    )
    lines = list(
        statement.lines.select_related("request__case", "resolved_by").order_by(
            "line_number"
        )
    )
    for line in lines:
        may_resolve = policy.may("statementline.resolve", request.user, line)
        line.form = _line_form(line, request.user) if may_resolve else None
    return render(
        request,
        "secretariat/fund/bank_statement.html",
        {"statement": statement, "lines": lines},
    )


@login_required
def statement_line_resolve(request, pk, line_pk):
    require_permission(request, "secretariat.view_ledgerentry")
    line = get_object_or_404(
        StatementLine.objects.select_related("statement"), pk=line_pk, statement_id=pk
    )
    refused = refused_page(
        request,
        "statementline.resolve",
        line,
        back_url=line.statement.get_absolute_url(),
        title=_("Resolve line %(n)d of %(file)s")
        % {"n": line.line_number, "file": line.statement.file_name},
    )
    if refused:
        return refused
    form = _line_form(line, request.user, posted(request)[0])
    if (
        request.method == "POST"
        and form.is_valid()
        and call_service(
            form,
            lambda: dsb.statement_line_resolve(
                line=line,
                actor=request.user,
                note=form.cleaned_data["note"],
                request=form.disbursement,
            ),
        )
    ):
        messages.success(
            request,
            _("Line %(n)d is resolved.") % {"n": line.line_number},
        )
        return redirect(line.statement)
    return render(
        request,
        "secretariat/form_page.html",
        {
            "form": form,
            "title": _("Resolve line %(n)d of %(file)s")
            % {"n": line.line_number, "file": line.statement.file_name},
            "intro": _("%(date)s · %(amount)s · reference %(ref)s")
            % {
                "date": day_text(line.booked_on),
                "amount": money(line.amount, line.currency),
                "ref": line.reference,
            },
            "note": line.note,
            "back_url": line.statement.get_absolute_url(),
            "submit": _("Resolve"),
        },
    )
