"""Who may act on member states, onboarding, pledges and contributions, now.

The secretariat runs onboarding and keeps the member records (the administrator
may repair them); finance officers record pledges and the money received; a
member liaison acts for their own state only: pledges, documents for its
onboarding case, and its request to accede. Anyone else may not even know of
these actions. The membership lifecycle's moves come from
``MEMBER_TRANSITIONS``; each move is an action of its own (``MOVE_ACTIONS``).
"""

from django.db.models import Q
from django.utils.translation import gettext as _

from members.models import (
    MEMBER_TRANSITIONS,
    MemberState,
    MemberStatus,
    OnboardingCase,
    OnboardingStep,
    Pledge,
    PledgeStatus,
    StepKind,
)
from members.rules import member_state_id_of
from secretariat.kernel.exceptions import ApplicationError
from secretariat.kernel.policy import (
    action,
    allow,
    first_refusal,
    not_now,
    pending,
    queue,
    refuse,
)
from secretariat.kernel.roles import Role, has_role
from secretariat.kernel.services import check_transition

# Statuses in which a state may pledge money or have liaisons.
ENGAGED_STATUSES = frozenset(
    {
        MemberStatus.INVITED,
        MemberStatus.CONSIDERING,
        MemberStatus.ACCESSION_REQUESTED,
        MemberStatus.MEMBER,
    }
)

# Each move of the lifecycle, by the status it leads to.
MOVE_ACTIONS = {
    MemberStatus.INVITED: "memberstate.invite",
    MemberStatus.CONSIDERING: "memberstate.consider",
    MemberStatus.ACCESSION_REQUESTED: "memberstate.request_accession",
    MemberStatus.MEMBER: "memberstate.admit",
    MemberStatus.DECLINED: "memberstate.decline",
    MemberStatus.SUSPENDED: "memberstate.suspend",
    MemberStatus.WITHDRAWN: "memberstate.withdraw",
}
# The moves a liaison makes for their own state (the others are the
# secretariat's).
LIAISON_MOVES = frozenset({MemberStatus.ACCESSION_REQUESTED})


# ---------------------------------------------------------------- who


def _secretariat(user) -> bool:
    return has_role(user, Role.SECRETARIAT_OFFICER, Role.ADMINISTRATOR)


def _finance(user) -> bool:
    return has_role(user, Role.FINANCE_OFFICER, Role.ADMINISTRATOR)


def _own_liaison(user, obj) -> bool:
    return (
        has_role(user, Role.MEMBER_LIAISON)
        and user.member_state_id is not None
        and (obj is None or member_state_id_of(obj) == user.member_state_id)
    )


def _no_role():
    return refuse(_("You hold no role for this."), hidden=True)


def _secretariat_only(user):
    if _secretariat(user):
        return allow()
    return _no_role()


# ---------------------------------------------------------------- membership


def move_decision(user, member_state: MemberState, to_status: str):
    """May ``user`` move ``member_state`` to ``to_status`` now? Who first (the
    secretariat, or the state's own liaison for the moves that are the state's),
    then the lifecycle's table, then what the move needs done first."""
    if to_status in LIAISON_MOVES and _own_liaison(user, member_state):
        who = allow()
    else:
        who = _secretariat_only(user)
    return first_refusal(
        who,
        lambda: _move_in_table(member_state, to_status),
        lambda: _move_prerequisites(member_state, to_status),
    )


def _move_in_table(member_state, to_status):
    """The lifecycle's table. A move it does not list from the state's status
    does not exist there: hidden (pages and the API leave it out), and refused
    with the kernel's words (who moved the state last, when a page was
    stale)."""
    if to_status in member_state.allowed_transitions():
        return allow()
    try:
        check_transition(
            transitions=MEMBER_TRANSITIONS,
            current=member_state.status,
            target=to_status,
            labels=dict(MemberStatus.choices),
            what=member_state.name,
            subject=member_state,
        )
    except ApplicationError as exc:
        return not_now(exc.message, hidden=True)
    return allow()


def _open_case(member_state):
    return (
        OnboardingCase.objects.filter(member_state=member_state, is_open=True)
        .only("pk")
        .first()
    )


def _move_prerequisites(member_state, to_status):
    if to_status not in {MemberStatus.ACCESSION_REQUESTED, MemberStatus.MEMBER}:
        return allow()
    onboarding = _open_case(member_state)
    if onboarding is None:
        return allow()
    if to_status == MemberStatus.ACCESSION_REQUESTED:
        letter = OnboardingStep.objects.filter(
            onboarding=onboarding, kind=StepKind.ACCESSION_LETTER
        ).first()
        if letter is not None and not letter.is_done:
            return not_now(
                _(
                    "%(state)s cannot request accession before the step "
                    "“%(step)s” is completed."
                )
                % {"state": member_state.name, "step": StepKind.ACCESSION_LETTER.label}
            )
        return allow()
    open_steps = list(
        OnboardingStep.objects.filter(
            onboarding=onboarding, required=True, completed_at__isnull=True
        ).order_by("position")
    )
    if open_steps:
        return not_now(
            _(
                "%(state)s cannot become a member while required checklist steps "
                "are open: %(steps)s."
            )
            % {
                "state": member_state.name,
                "steps": ", ".join(step.get_kind_display() for step in open_steps),
            }
        )
    return allow()


def _declare_move(to_status, name):
    def check(user, member_state):
        return move_decision(user, member_state, to_status)

    check.__name__ = name.replace(".", "_")
    action(name, label=MemberStatus(to_status).label, model=MemberState)(check)


for _status, _name in MOVE_ACTIONS.items():
    _declare_move(_status, _name)
del _status, _name


def move_names(member_state) -> list[str]:
    """The actions of the moves the table allows from the state's status, in
    the table's order: what a page or the API asks the policy about. The
    policy hides every other move (it does not exist from here), so asking
    only these gives the same answer without building the hidden refusals'
    reasons (each reads the state's timeline)."""
    return [MOVE_ACTIONS[status] for status in member_state.allowed_transitions()]


@action("memberstate.register", label=_("Register a state"), model=MemberState)
def register(user, obj=None):
    return _secretariat_only(user)


@action(
    "memberstate.set_constraints",
    label=_("Set the participation constraints"),
    model=MemberState,
    perm="members.change_constraints",
)
def set_constraints(user, member_state):
    return _secretariat_only(user)


def _engaged(member_state, doing):
    if member_state is None or member_state.status in ENGAGED_STATUSES:
        return allow()
    return not_now(
        _("%(state)s is %(status)s: %(doing)s")
        % {
            "state": member_state.name,
            "status": member_state.get_status_display().lower(),
            "doing": doing,
        }
    )


@action(
    "memberstate.invite_liaison",
    label=_("Invite a liaison"),
    model=MemberState,
    perm="members.invite_liaison",
)
def invite_liaison(user, member_state):
    return first_refusal(
        _secretariat_only(user),
        lambda: _engaged(
            member_state, _("invite the state before appointing liaisons.")
        ),
    )


@action("memberstate.resend_liaison_invitation", label=_("Send the link again"))
def resend_liaison_invitation(user, liaison):
    """``liaison`` is the liaison's user account."""
    if not _secretariat(user):
        return _no_role()
    if liaison is not None and (liaison.has_usable_password() or not liaison.is_active):
        return not_now(_("%(name)s has already set a password.") % {"name": liaison})
    return allow()


# ---------------------------------------------------------------- onboarding


def _case_open(onboarding):
    if onboarding is None or onboarding.is_open:
        return allow()
    return not_now(
        _("Onboarding case %(ref)s is closed.") % {"ref": onboarding.case.reference}
    )


def _step_open(step):
    """A step's actions exist while it is open in an open case: on a completed
    step, or any step of a closed case, they are hidden (the page says the
    step is done, or the case closed)."""
    onboarding = step.onboarding
    if not onboarding.is_open:
        return not_now(
            _("Onboarding case %(ref)s is closed.")
            % {"ref": onboarding.case.reference},
            hidden=True,
        )
    if step.is_done:
        return not_now(
            _("“%(step)s” is already completed.") % {"step": step.get_kind_display()},
            hidden=True,
        )
    return allow()


def _step_decision(user, step):
    if not _secretariat(user):
        return _no_role()
    return allow() if step is None else _step_open(step)


@action("onboardingstep.assign", label=_("Assign"), model=OnboardingStep)
def step_assign(user, step):
    return _step_decision(user, step)


@action("onboardingstep.complete", label=_("Complete"), model=OnboardingStep)
def step_complete(user, step):
    return _step_decision(user, step)


@queue("onboardingstep.complete")
def steps_to_complete(user, queryset):
    """Every open step of an open case, for the secretariat."""
    if not _secretariat(user):
        return queryset.none()
    return queryset.filter(completed_at__isnull=True, onboarding__is_open=True)


@action(
    "onboardingstep.provide",
    label=_("Upload the document"),
    model=OnboardingStep,
    work_label=lambda step: (
        _("Send the document for “%(step)s”") % {"step": step.get_kind_display()}
    ),
)
def step_provide(user, step):
    """The state's liaison sends the document an open step of its onboarding
    needs, until one is there (the secretariat then completes the step). Its
    queue is ``documents_awaited``."""
    if not _own_liaison(user, step):
        return _no_role()
    if step is None:
        return allow()
    if not step.needs_document or step.kind == StepKind.INVITATION_SENT:
        # The invitation's letter is the secretariat's own, not the state's.
        return refuse(_("The state sends no document for this step."), hidden=True)
    return first_refusal(
        lambda: _step_open(step),
        lambda: (
            not_now(
                _("The document for “%(step)s” was sent.")
                % {"step": step.get_kind_display()}
            )
            if step.document_id
            else allow()
        ),
    )


@queue("onboardingstep.provide")
def steps_to_provide(user, queryset):
    return documents_awaited(user, queryset)


def steps_awaiting(user, queryset):
    """The open steps that are the person's own to complete: assigned to them,
    or unassigned in a case they own. "My work" lists these (a subset of the
    ``onboardingstep.complete`` queue: any officer may cover for another)."""
    return pending("onboardingstep.complete", user, queryset).filter(
        Q(owner=user) | Q(owner__isnull=True, onboarding__case__owner=user)
    )


def documents_awaited(user, queryset):
    """The open steps of an open case that need a document nobody has uploaded
    yet, for the state's own liaison: what the state is to send (the
    secretariat completes the step with it)."""
    if not _own_liaison(user, None):
        return queryset.none()
    # The invitation's letter is the secretariat's own: not the state's to send.
    return queryset.filter(
        onboarding__member_state_id=user.member_state_id,
        onboarding__is_open=True,
        needs_document=True,
        document__isnull=True,
        completed_at__isnull=True,
    ).exclude(kind=StepKind.INVITATION_SENT)


@action(
    "onboardingcase.upload_document",
    label=_("Upload a document"),
    model=OnboardingCase,
    perm="members.upload_onboarding_document",
)
def upload_document(user, onboarding):
    if not (_secretariat(user) or _own_liaison(user, onboarding)):
        return _no_role()
    return _case_open(onboarding)


# ---------------------------------------------------------------- money


@action(
    "pledge.record",
    label=_("Record a pledge"),
    model=MemberState,
    perm="members.add_pledge",
)
def pledge_record(user, member_state):
    """``member_state`` is the state that pledges."""
    if not (_secretariat(user) or _finance(user) or _own_liaison(user, member_state)):
        return _no_role()
    return _engaged(member_state, _("it cannot pledge."))


@action("pledge.enter_rate", label=_("Enter an exchange rate"), model=MemberState)
def pledge_enter_rate(user, member_state):
    """The recorded rate decides the EUR equivalent of a liaison's pledge."""
    if _secretariat(user) or _finance(user):
        return allow()
    return refuse(
        _(
            "Only secretariat and finance officers enter exchange rates; leave "
            "it empty to use the recorded rate."
        ),
        hidden=True,
    )


@action(
    "pledge.cancel",
    label=_("Cancel"),
    model=Pledge,
    perm="members.cancel_pledge",
)
def pledge_cancel(user, pledge):
    if not (_secretariat(user) or _finance(user)):
        return _no_role()
    if pledge is None:
        return allow()
    if Pledge.workflow.allows(pledge.status, PledgeStatus.CANCELLED):
        return allow()
    if pledge.status == PledgeStatus.CANCELLED:
        return not_now(_("The pledge is already cancelled."), hidden=True)
    # Money has been received (the table cancels only a pledge still without
    # any). Received in full, the pledge is settled: there is nothing to
    # cancel. Partly received, it could be once the money is reversed.
    return not_now(
        _("Money has been received against this pledge; it cannot be cancelled."),
        hidden=pledge.status == PledgeStatus.RECEIVED,
    )


@action(
    "contribution.record",
    label=_("Record money received"),
    model=Pledge,
    perm="members.add_contribution",
)
def contribution_record(user, pledge):
    """``pledge`` is the pledge the money is received against."""
    if not _finance(user):
        return _no_role()
    if pledge is None:
        return allow()
    # Money received moves a pledge towards "received": one that can no longer
    # get there, cancelled or settled, takes no more money (the action does
    # not exist there).
    if Pledge.workflow.allows(pledge.status, PledgeStatus.RECEIVED):
        return allow()
    if pledge.status == PledgeStatus.CANCELLED:
        return not_now(
            _("The pledge is cancelled; nothing can be received."), hidden=True
        )
    return not_now(
        _("The pledge is received in full; record a new pledge for more."),
        hidden=True,
    )
