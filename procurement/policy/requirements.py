"""Who may act on the requirements Ukraine's units submit, now.

An end user of Ukraine's armed forces (the role ``end_user``, bound to Ukraine's
member state and to one or more units or commands) submits a requirement for
one of their own units. A procurement officer reviews it: accepts it (it is
open, for a tender to answer), asks the unit a question, or declines it with
the reason. The unit's end users answer a question, and withdraw the unit's
requirement until a tender has taken it up. Every requirement is Ukraine's:
its end users read them all and act on their own units' only.

The moves come from ``REQUIREMENT_TRANSITIONS``; recording a requirement typed
in by the secretariat is ``requirement.record`` (``tenders.py``)."""

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from procurement.models import MilitaryUnit, Requirement, RequirementStatus
from procurement.policy.manufacturers import runs_procurement
from secretariat.kernel.policy import (
    STATE,
    Decision,
    action,
    allow,
    first_refusal,
    queue,
    refuse,
)
from secretariat.kernel.roles import Role, has_role

R = RequirementStatus

# The member state whose armed forces state the requirements.
UKRAINE = "UA"


def is_front_user(user) -> bool:
    """An end user of Ukraine's armed forces (the role, bound to Ukraine)."""
    return bool(
        has_role(user, Role.END_USER)
        and user.member_state_id
        and str(user.member_state.country) == UKRAINE
    )


def unit_ids(user) -> frozenset[int]:
    """The units or commands the person is an end user of, read once per user
    object (one query)."""
    if not is_front_user(user):
        return frozenset()
    cached = getattr(user, "_unit_ids", None)
    if cached is None:
        cached = frozenset(
            MilitaryUnit.objects.filter(
                people=user, member_state_id=user.member_state_id
            ).values_list("pk", flat=True)
        )
        user._unit_ids = cached
    return cached


def _not_from_here(requirement, label) -> Decision:
    """The move does not exist from the requirement's status: left out."""
    reason = _("%(ref)s is %(status)s: “%(action)s” is not possible now.") % {
        "ref": requirement.reference,
        "status": requirement.get_status_display().lower(),
        "action": label,
    }
    return Decision(False, reason, STATE, hidden=True)


def _from(requirement, target, label) -> Decision:
    if Requirement.workflow.allows(requirement.status, target):
        return allow()
    return _not_from_here(requirement, label)


# ---------------------------------------------------------------- submit


@action(
    "requirement.submit",
    label=_l("Submit a requirement"),
    model=MilitaryUnit,
    perm="procurement.submit_requirement",
)
def submit(user, unit=None):
    """For one of the person's own units (with no unit given: for any of
    them)."""
    if not is_front_user(user):
        return refuse(
            _("Requirements are submitted by the end users of Ukraine's units."),
            hidden=True,
        )
    mine = unit_ids(user)
    if unit is None:
        if mine:
            return allow()
        return refuse(_("You are not an end user of any unit or command yet."))
    if unit.member_state_id != user.member_state_id:
        return refuse(_("Requirements are submitted for Ukraine's units only."))
    if unit.pk not in mine:
        return refuse(
            _("You are not one of the end users of %(unit)s.") % {"unit": unit.name}
        )
    return allow()


# ---------------------------------------------------------------- review


def _reviewer(user) -> Decision:
    if runs_procurement(user):
        return allow()
    return refuse(
        _("Submitted requirements are reviewed by a procurement officer."),
        hidden=True,
    )


@action(
    "requirement.review",
    label=_l("Review"),
    model=Requirement,
    work_label=_l("Review the requirement a unit submitted"),
)
def review(user, requirement=None):
    """The task: a submitted requirement awaits the secretariat's decision
    (accept, ask, decline, each its own action below)."""
    if requirement is None:
        return _reviewer(user)
    return first_refusal(
        _reviewer(user),
        lambda: (
            allow()
            if requirement.status == R.SUBMITTED
            else _not_from_here(requirement, _("Review"))
        ),
    )


@queue("requirement.review")
def requirements_to_review(user, requirements: QuerySet) -> QuerySet:
    if not runs_procurement(user):
        return requirements.none()
    return requirements.filter(status=R.SUBMITTED)


def _reviewed(user, requirement, target, label) -> Decision:
    """A decision on a submitted requirement only (a requirement in a tender
    also moves back to open, when its tender is cancelled: not a review)."""
    if requirement is None:
        return _reviewer(user)
    return first_refusal(
        _reviewer(user),
        lambda: (
            _from(requirement, target, label)
            if requirement.status == R.SUBMITTED
            else _not_from_here(requirement, label)
        ),
    )


@action("requirement.accept", label=_l("Accept"), model=Requirement)
def accept(user, requirement=None):
    return _reviewed(user, requirement, R.OPEN, _("Accept"))


@action("requirement.ask", label=_l("Ask for clarification"), model=Requirement)
def ask(user, requirement=None):
    return _reviewed(user, requirement, R.CLARIFY, _("Ask for clarification"))


@action("requirement.decline", label=_l("Decline"), model=Requirement)
def decline(user, requirement=None):
    return _reviewed(user, requirement, R.DECLINED, _("Decline"))


# ---------------------------------------------------------------- the unit


def _of_the_unit(user, requirement) -> Decision:
    """One of the end users of the unit that submitted it."""
    if not is_front_user(user):
        return refuse(
            _("Only the end users of the unit that submitted it act on it."),
            hidden=True,
        )
    if requirement is None:
        return allow()
    if requirement.unit_id is None or requirement.unit_id not in unit_ids(user):
        return refuse(
            _("Only the end users of the unit that submitted it act on it."),
            hidden=True,
        )
    return allow()


@action(
    "requirement.answer",
    label=_l("Answer and resubmit"),
    model=Requirement,
    work_label=_l("Answer the secretariat's question"),
)
def answer(user, requirement=None):
    return first_refusal(
        _of_the_unit(user, requirement),
        lambda: (
            allow()
            if requirement is None
            else _from(requirement, R.SUBMITTED, _("Answer and resubmit"))
        ),
    )


@queue("requirement.answer")
def clarifications_to_answer(user, requirements: QuerySet) -> QuerySet:
    mine = unit_ids(user)
    if not mine:
        return requirements.none()
    return requirements.filter(status=R.CLARIFY, unit_id__in=mine)


def _withdrawable(requirement) -> Decision:
    if Requirement.workflow.allows(requirement.status, R.WITHDRAWN):
        return allow()
    if requirement.status == R.IN_TENDER:
        # Shown disabled: the unit may wonder why it cannot.
        return Decision(
            False,
            _("%(ref)s is in a tender: it is withdrawn only if the tender is "
              "cancelled first.") % {"ref": requirement.reference},
            STATE,
        )  # fmt: skip
    return _not_from_here(requirement, _("Withdraw"))


@action("requirement.withdraw", label=_l("Withdraw"), model=Requirement)
def withdraw(user, requirement=None):
    """The submitting unit, until a tender takes the requirement up."""
    return first_refusal(
        _of_the_unit(user, requirement),
        lambda: allow() if requirement is None else _withdrawable(requirement),
    )
