"""Policies of the fund: disbursement requests.

Finance officers (and the administrator) prepare, check, pay and reconcile;
co-lead approvers of the co-lead states (Latvia, the United Kingdom) approve.
Separation of duties: whoever prepared a request neither checks, approves nor
pays it; its checker neither approves nor pays it; nobody approves twice, and
a second approval comes from the other co-lead state. A superuser holds the
Administrator role only (``secretariat.kernel.roles.role_names``): never a co-lead
approver unless given that role.

Which moves exist is ``DISBURSEMENT_TRANSITIONS``; the state part of each rule
reads it. The queue filters below are the same rules as querysets: "My work",
the landing pages and the notifications ask them.
"""

from django.contrib.contenttypes.models import ContentType
from django.db.models import Exists, OuterRef, Q
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from secretariat.fund.models import (
    DISBURSEMENT_TRANSITIONS,
    Commitment,
    CommitmentStatus,
    DisbursementApproval,
    DisbursementRequest,
    DisbursementStatus,
)
from secretariat.kernel.exceptions import ApplicationError
from secretariat.kernel.models import TimelineEvent
from secretariat.kernel.policy import (
    STATE,
    Decision,
    action,
    allow,
    first_refusal,
    not_now,
    queue,
    refuse,
)
from secretariat.kernel.roles import Role, has_role, role_names
from secretariat.kernel.rules import is_co_lead_state_approver
from secretariat.kernel.services import check_transition, last_move_to

S = DisbursementStatus
FINANCE = (Role.FINANCE_OFFICER, Role.ADMINISTRATOR)
# Supporting documents are added before approval: nothing changes under an
# approver's signature.
DOCUMENT_STATUSES = frozenset({S.DRAFT, S.SUBMITTED, S.CHECKED})
PAID_STATUSES = frozenset({S.PAID, S.RECONCILED})


def _ref(request) -> str:
    return request.case.reference


def _status_label(request) -> str:
    # The choice's label, as ``get_status_display`` gives it, without Django
    # hashing every choice's lazy label on each call (a list asks per row).
    return str(S(request.status).label)


def is_finance(user) -> bool:
    return has_role(user, *FINANCE)


def is_co_lead_approver(user) -> bool:
    """A co-lead approver of a co-lead state: the only people who approve."""
    return bool(is_co_lead_state_approver(user))


def _finance_only(user, reason) -> Decision:
    # Nobody but the finance officers handles requests: the others are not
    # offered these actions at all.
    return allow() if is_finance(user) else refuse(reason, hidden=True)


def _approver_only(user) -> Decision:
    if is_co_lead_approver(user):
        return allow()
    # A co-lead approver of another state knows approvals exist; nobody else
    # is offered the action.
    return refuse(
        _("Only co-lead approvers of Latvia or the United Kingdom approve."),
        hidden=Role.CO_LEAD_APPROVER not in role_names(user),
    )


LAST_MOVES = "_policy_last_moves"


def _last_move(request):
    """The timeline event that moved ``request`` into its current status, read
    once per row (``remember_last_moves`` reads them for a whole page)."""
    moves = request.__dict__.setdefault(LAST_MOVES, {})
    if request.status not in moves:
        moves[request.status] = last_move_to(request, request.status)
    return moves[request.status]


def remember_last_moves(requests) -> None:
    """Read, in one query, the event that moved each of ``requests`` into its
    current status: what a refused move says (who moved it there, and when),
    for a list that asks the policy about every row."""
    requests = [r for r in requests if LAST_MOVES not in r.__dict__]
    if not requests:
        return
    by_pk = {r.pk: r for r in requests}
    for request in requests:
        request.__dict__[LAST_MOVES] = {request.status: None}
    events = (
        TimelineEvent.objects.filter(
            subject_type=ContentType.objects.get_for_model(DisbursementRequest),
            subject_id__in=list(by_pk),
        )
        .exclude(to_status="")
        .select_related("actor")
        .order_by("occurred_at", "id")
    )
    for event in events:
        request = by_pk[event.subject_id]
        if event.to_status == request.status:
            request.__dict__[LAST_MOVES][request.status] = event


def forget_last_moves(request) -> None:
    """After a move: the row's status changed under what it remembers."""
    request.__dict__.pop(LAST_MOVES, None)


def _move(request, target) -> Decision:
    """The transition table's answer: may ``request`` move to ``target`` now? A
    move the table does not offer from here is hidden (pages and the API leave
    it out); a service refuses it saying who moved the request on, and when
    (the kernel's words, for whoever acted on a stale page)."""
    if target in DISBURSEMENT_TRANSITIONS[request.status]:
        return allow()
    return _MoveRefused(request, target)


class _MoveRefused(Decision):
    """A move the table does not offer, hidden: its reason (which reads the
    timeline and formats a date) is written when first read, as a list asks
    about every move of every row and shows no hidden refusal."""

    def __init__(self, request, target):
        super().__init__(False, "", STATE, hidden=True)
        self.__dict__["_move"] = (request, target)
        del self.__dict__["reason"]

    @cached_property
    def reason(self) -> str:
        request, target = self.__dict__["_move"]
        try:
            check_transition(
                transitions=DISBURSEMENT_TRANSITIONS,
                current=request.status,
                target=target,
                labels=dict(DisbursementStatus.choices),
                what=_ref(request),
                subject=None,
                field=None,
                last_move=_last_move(request),
            )
        except ApplicationError as exc:
            return str(exc.message)
        return ""


def _not_held(request) -> Decision:
    """A request on hold (a receipt discrepancy of the delivery it pays for)
    moves no further towards payment until the hold is released; it may still
    be returned, rejected or cancelled."""
    if request.hold:
        return not_now(_("Payment on hold: %(why)s") % {"why": request.hold})
    return allow()


def _preparer(user, request, reason) -> Decision:
    if request.prepared_by_id != user.pk:
        return refuse(reason)
    return allow()


def _not_preparer(user, request, reason) -> Decision:
    if request.prepared_by_id == user.pk:
        return refuse(reason % {"ref": _ref(request)})
    return allow()


def _approver_duties(user, request) -> Decision:
    """Separation of duties for an approver of ``request``: neither its
    preparer nor its checker, and not the approval of a state twice."""
    ref = _ref(request)
    if request.prepared_by_id == user.pk:
        return refuse(_("You prepared %(ref)s; you cannot approve it.") % {"ref": ref})
    if request.checked_by_id == user.pk:
        return refuse(_("You checked %(ref)s; you cannot approve it.") % {"ref": ref})
    # ``approvals`` is prefetched by the pages and the API.
    approvals = list(request.approvals.all())
    if any(a.approver_id == user.pk for a in approvals):
        return refuse(_("You have already approved %(ref)s.") % {"ref": ref})
    if any(a.member_state_id == user.member_state_id for a in approvals):
        return refuse(
            _(
                "%(ref)s already has the approval of %(state)s; the second approval "
                "must come from the other co-lead state."
            )
            % {"ref": ref, "state": user.member_state.name}
        )
    return allow()


# ---------------------------------------------------------------- preparing


@action(
    "disbursement.prepare",
    label=gettext_lazy("Prepare a request"),
    model=DisbursementRequest,
    perm="secretariat.prepare_disbursement",
)
def disbursement_prepare(user, commitment=None):
    """Draft a request, against ``commitment`` if given."""
    who = _finance_only(
        user, gettext_lazy("Only a finance officer prepares disbursements.")
    )
    if not who or not isinstance(commitment, Commitment):
        return who
    if commitment.status != CommitmentStatus.OPEN:
        return not_now(
            _("Commitment %(ref)s is closed.") % {"ref": commitment.reference}
        )
    return allow()


@action(
    "disbursement.adopt",
    label=gettext_lazy("Take over the draft"),
    model=DisbursementRequest,
    work_label=gettext_lazy("Prepare the payment for an accepted delivery"),
)
def disbursement_adopt(user, request):
    """A finance officer takes over a draft made for them (by an accepted
    delivery) and becomes its preparer; a colleague's draft is not taken."""
    return first_refusal(
        _finance_only(
            user, gettext_lazy("Only a finance officer prepares disbursements.")
        ),
        lambda: (
            allow()
            if request.status == S.DRAFT
            else not_now(_("Only a draft can be taken over."), hidden=True)
        ),
        lambda: (
            not_now(_("You already prepare this request."), hidden=True)
            if request.prepared_by_id == user.pk
            else allow()
        ),
        lambda: (
            not_now(
                _("%(who)s prepares this request; a colleague's draft stays theirs.")
                % {"who": request.prepared_by},
                hidden=True,
            )
            if is_finance(request.prepared_by)
            else allow()
        ),
    )


@queue("disbursement.adopt")
def drafts_to_adopt(user, queryset):
    """Drafts nobody in finance prepares yet: an accepted delivery's, drafted
    by the procurement officer who accepted it."""
    if not is_finance(user):
        return queryset.none()
    return queryset.filter(status=S.DRAFT).exclude(
        Q(prepared_by__groups__name__in=FINANCE) | Q(prepared_by__is_superuser=True)
    )


@action(
    "disbursement.edit",
    label=gettext_lazy("Edit"),
    model=DisbursementRequest,
    work_label=gettext_lazy("Revise and submit"),
)
def disbursement_edit(user, request):
    return first_refusal(
        _finance_only(
            user, gettext_lazy("Only a finance officer prepares disbursements.")
        ),
        lambda: (
            allow()
            if request.status == S.DRAFT
            else not_now(
                _("Only a draft can be changed; %(ref)s is %(status)s.")
                % {"ref": _ref(request), "status": _status_label(request)},
                hidden=True,
            )
        ),
        lambda: _preparer(
            user, request, _("Only the person who prepared it can change it.")
        ),
    )


@queue("disbursement.edit")
def drafts_to_revise(user, queryset):
    if not is_finance(user):
        return queryset.none()
    return queryset.filter(status=S.DRAFT, prepared_by=user)


@action(
    "disbursement.submit",
    label=gettext_lazy("Submit for checking"),
    model=DisbursementRequest,
)
def disbursement_submit(user, request):
    return first_refusal(
        _finance_only(
            user, gettext_lazy("Only a finance officer prepares disbursements.")
        ),
        lambda: _move(request, S.SUBMITTED),
        lambda: _not_held(request),
        lambda: _preparer(
            user,
            request,
            _("Only the person who prepared %(ref)s can submit it.")
            % {"ref": _ref(request)},
        ),
    )


@action(
    "disbursement.cancel",
    label=gettext_lazy("Cancel the request"),
    model=DisbursementRequest,
)
def disbursement_cancel(user, request):
    return first_refusal(
        _finance_only(user, gettext_lazy("Only a finance officer cancels a request.")),
        lambda: _move(request, S.CANCELLED),
    )


@action(
    "disbursement.add_document",
    label=gettext_lazy("Add a document"),
    model=DisbursementRequest,
)
def disbursement_add_document(user, request):
    who = _finance_only(user, gettext_lazy("Only a finance officer adds documents."))
    if not who or request is None:
        return who
    if request.status not in DOCUMENT_STATUSES:
        return not_now(
            _("%(ref)s is %(status)s; documents are added before approval.")
            % {"ref": _ref(request), "status": _status_label(request)}
        )
    return allow()


# ---------------------------------------------------------------- deciding


@action(
    "disbursement.check",
    label=gettext_lazy("Mark checked"),
    model=DisbursementRequest,
    perm="secretariat.check_disbursement",
    work_label=gettext_lazy("Check the payment request against its documents"),
)
def disbursement_check(user, request):
    who = _finance_only(
        user, gettext_lazy("Only a finance officer checks disbursements.")
    )
    if not who or request is None:
        return who
    return first_refusal(
        _move(request, S.CHECKED),
        lambda: _not_held(request),
        lambda: _not_preparer(
            user, request, _("You prepared %(ref)s; someone else must check it.")
        ),
    )


@queue("disbursement.check")
def disbursements_to_check(user, queryset):
    if not is_finance(user):
        return queryset.none()
    return queryset.filter(status=S.SUBMITTED, hold="").exclude(prepared_by=user)


@action(
    "disbursement.approve",
    label=gettext_lazy("Approve"),
    model=DisbursementRequest,
    perm="secretariat.approve_disbursement",
    work_label=gettext_lazy("Approve the payment"),
)
def disbursement_approve(user, request):
    who = _approver_only(user)
    if not who or request is None:
        return who
    return first_refusal(
        _move(request, S.APPROVED),
        lambda: _not_held(request),
        lambda: _approver_duties(user, request),
    )


@queue("disbursement.approve")
def disbursements_to_approve(user, queryset):
    if not is_co_lead_approver(user):
        return queryset.none()
    approved_by_them = DisbursementApproval.objects.filter(
        Q(member_state_id=user.member_state_id) | Q(approver=user),
        request_id=OuterRef("pk"),
    )
    return (
        queryset.filter(status=S.CHECKED, hold="")
        .exclude(prepared_by=user)
        .exclude(checked_by=user)
        .exclude(Exists(approved_by_them))
    )


def _decider(user, request) -> Decision:
    """Who decides a request now (returns or rejects it): a finance officer other
    than its preparer while it is submitted, a co-lead approver who may still
    approve it once it is checked."""
    if not (is_finance(user) or Role.CO_LEAD_APPROVER in role_names(user)):
        return refuse(
            _("Finance officers and co-lead approvers decide requests."), hidden=True
        )
    if request.status == S.SUBMITTED:
        if not is_finance(user):
            return refuse(
                _("A finance officer other than its preparer decides %(ref)s.")
                % {"ref": _ref(request)}
            )
        return _not_preparer(user, request, _("You prepared this request."))
    if request.status == S.CHECKED:
        if not is_co_lead_approver(user):
            return refuse(
                _(
                    "Only co-lead approvers of Latvia or the United Kingdom return "
                    "or reject %(ref)s now that it is checked."
                )
                % {"ref": _ref(request)}
            )
        return _approver_duties(user, request)
    return allow()


@action(
    "disbursement.return",
    label=gettext_lazy("Return for changes"),
    model=DisbursementRequest,
)
def disbursement_return(user, request):
    return first_refusal(
        _decider(user, request),
        lambda: _move(request, S.DRAFT),
    )


@action(
    "disbursement.reject",
    label=gettext_lazy("Reject"),
    model=DisbursementRequest,
)
def disbursement_reject(user, request):
    return first_refusal(
        _decider(user, request),
        lambda: _move(request, S.REJECTED),
    )


# ---------------------------------------------------------------- paying


def _payer_duties(user, request) -> Decision:
    """A third finance officer records the payment: neither its preparer nor its
    checker."""
    for person, text in (
        (
            request.prepared_by_id,
            _(
                "You prepared %(ref)s; a finance officer who neither prepared nor "
                "checked it records its payment."
            ),
        ),
        (
            request.checked_by_id,
            _(
                "You checked %(ref)s; a finance officer who neither prepared nor "
                "checked it records its payment."
            ),
        ),
    ):
        if person == user.pk:
            return refuse(text % {"ref": _ref(request)})
    return allow()


@action(
    "disbursement.pay",
    label=gettext_lazy("Mark paid"),
    model=DisbursementRequest,
    perm="secretariat.pay_disbursement",
    work_label=gettext_lazy("Pay the approved request"),
)
def disbursement_pay(user, request):
    who = _finance_only(user, gettext_lazy("Only a finance officer records payments."))
    if not who or request is None:
        return who
    if request.status in PAID_STATUSES:
        return not_now(
            _("%(ref)s has already been paid (bank reference %(bank)s).")
            % {"ref": _ref(request), "bank": request.bank_reference},
            hidden=True,
        )
    return first_refusal(
        _move(request, S.PAID),
        lambda: _not_held(request),
        lambda: _payer_duties(user, request),
    )


@queue("disbursement.pay")
def disbursements_to_pay(user, queryset):
    if not is_finance(user):
        return queryset.none()
    return (
        queryset.filter(status=S.APPROVED, hold="")
        .exclude(prepared_by=user)
        .exclude(checked_by=user)
    )


@action(
    "disbursement.reconcile",
    label=gettext_lazy("Reconcile"),
    model=DisbursementRequest,
    perm="secretariat.reconcile_disbursement",
)
def disbursement_reconcile(user, request=None):
    """Reconcile a paid request against the bank statement that shows it."""
    who = _finance_only(
        user, gettext_lazy("Only a finance officer reconciles payments.")
    )
    if not who or request is None:
        return who
    return _move(request, S.RECONCILED)
