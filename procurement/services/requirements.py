"""Writes of the requirements Ukraine's units submit: the submission, the
secretariat's review (accept, ask, decline), the unit's answer and its
withdrawal. Who may do each, now, is ``procurement.policy.requirements``."""

from collections.abc import Iterable
from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from procurement import notifications
from procurement.models import (
    MilitaryUnit,
    Requirement,
    RequirementPriority,
    RequirementStatus,
)
from secretariat.accounts.models import User
from secretariat.kernel import policy
from secretariat.kernel.exceptions import ApplicationError
from secretariat.kernel.models import CapabilityCategory
from secretariat.kernel.services import (
    attachment_store,
    require_reason,
    required_text,
    timeline_record,
    transition,
)

R = RequirementStatus


def requirement_problems(
    *, actor: User, unit: MilitaryUnit | None, quantity, needed_by: date | None
) -> dict[str, str]:
    """The business rules of a submission, each by its field: the unit must be
    one of the person's own, Ukraine's; at least one unit; needed in the future.
    The form asks too, so that these come with its own errors in one round."""
    problems = {}
    if unit is not None:
        decision = policy.decide("requirement.submit", actor, unit)
        if not decision:
            problems["unit"] = decision.reason
    if quantity is not None and int(quantity) <= 0:
        problems["quantity"] = _("The quantity must be at least 1.")
    if needed_by is not None and needed_by < timezone.localdate():
        problems["needed_by"] = _("The date it is needed by cannot be in the past.")
    return problems


def _locked(requirement: Requirement) -> Requirement:
    return (
        Requirement.objects.select_for_update(of=("self",))
        .select_related("unit", "capability")
        .get(pk=requirement.pk)
    )


def requirement_submit(
    *,
    actor: User,
    unit: MilitaryUnit,
    title: str,
    capability: CapabilityCategory,
    quantity: int,
    specification: str,
    priority: str,
    needed_by: date,
    source_reference: str = "",
    documents: Iterable = (),
) -> Requirement:
    """An end user states a requirement of one of their units; it waits for the
    secretariat's review. Another's unit is refused as the policy says (who the
    person is); the form shows it next to its field with the others."""
    policy.require("requirement.submit", actor)
    with transaction.atomic():
        # Whoever belongs to the unit is read under its lock.
        unit = MilitaryUnit.objects.select_for_update().get(pk=unit.pk)
        policy.require("requirement.submit", actor, unit)
        title = required_text(
            title, field="title", message=_("Give the requirement a title.")
        )
        specification = required_text(
            specification,
            field="specification",
            message=_("Describe the technical specification."),
        )
        if priority not in RequirementPriority.values:
            raise ApplicationError(_("Choose a priority."), field="priority")
        for field, message in requirement_problems(
            actor=actor, unit=None, quantity=quantity, needed_by=needed_by
        ).items():
            raise ApplicationError(message, field=field)
        requirement = Requirement.objects.create(
            title=title,
            source_reference=source_reference.strip(),
            capability=capability,
            quantity=quantity,
            specification=specification,
            priority=priority,
            needed_by=needed_by,
            recorded_by=actor,
            unit=unit,
            status=R.SUBMITTED,
        )
        for uploaded in documents:
            attachment_store(
                subject=requirement,
                uploaded_file=uploaded,
                actor=actor,
                description=_("Submitted with %(ref)s")
                % {"ref": requirement.reference},
            )
        timeline_record(
            subject=requirement,
            actor=actor,
            action="submitted",
            description=_("%(ref)s submitted by %(unit)s: %(quantity)s of "
                          "%(capability)s")
            % {
                "ref": requirement.reference,
                "unit": unit.name,
                "quantity": quantity,
                "capability": capability.name,
            },
        )  # fmt: skip
        notifications.tell_requirement_to_review(requirement)
    return requirement


def requirement_accept(
    *, requirement: Requirement, actor: User, note: str = ""
) -> Requirement:
    """The secretariat takes the requirement up: it is open for a tender."""
    with transaction.atomic():
        requirement = _locked(requirement)
        policy.require("requirement.accept", actor, requirement)
        requirement.review_note = note.strip()
        transition(
            requirement,
            to=R.OPEN,
            actor=actor,
            reason=requirement.review_note,
            also=("review_note",),
            description=_("%(ref)s accepted: open for a tender to answer it")
            % {"ref": requirement.reference},
        )
        notifications.tell_requirement_reviewed(requirement)
    return requirement


def requirement_ask(
    *, requirement: Requirement, actor: User, question: str
) -> Requirement:
    """The secretariat sends the requirement back to its unit with a question."""
    question = required_text(
        question,
        field="question",
        message=_("Write the question the unit should answer."),
    )
    with transaction.atomic():
        requirement = _locked(requirement)
        policy.require("requirement.ask", actor, requirement)
        requirement.review_note = question
        transition(
            requirement,
            to=R.CLARIFY,
            actor=actor,
            reason=question,
            also=("review_note",),
            description=_("%(ref)s: clarification asked of %(unit)s")
            % {"ref": requirement.reference, "unit": requirement.unit},
        )
        notifications.tell_requirement_reviewed(requirement)
    return requirement


def requirement_decline(
    *, requirement: Requirement, actor: User, reason: str
) -> Requirement:
    """The secretariat declines the requirement, with the reason."""
    reason = require_reason(reason)
    with transaction.atomic():
        requirement = _locked(requirement)
        policy.require("requirement.decline", actor, requirement)
        requirement.review_note = reason
        transition(
            requirement,
            to=R.DECLINED,
            actor=actor,
            reason=reason,
            also=("review_note",),
            description=_("%(ref)s declined") % {"ref": requirement.reference},
        )
        notifications.tell_requirement_reviewed(requirement)
    return requirement


def requirement_answer(
    *, requirement: Requirement, actor: User, answer: str
) -> Requirement:
    """The unit answers the secretariat's question; the requirement is
    submitted for review again."""
    answer = required_text(
        answer, field="answer", message=_("Write your answer to the question.")
    )
    with transaction.atomic():
        requirement = _locked(requirement)
        policy.require("requirement.answer", actor, requirement)
        requirement.submitter_answer = answer
        transition(
            requirement,
            to=R.SUBMITTED,
            actor=actor,
            reason=answer,
            also=("submitter_answer",),
            description=_("%(ref)s: %(unit)s answered; submitted again")
            % {"ref": requirement.reference, "unit": requirement.unit},
        )
        notifications.tell_requirement_to_review(requirement, answered=True)
    return requirement


def requirement_withdraw(
    *, requirement: Requirement, actor: User, reason: str = ""
) -> Requirement:
    """The unit withdraws its requirement before a tender takes it up."""
    with transaction.atomic():
        requirement = _locked(requirement)
        policy.require("requirement.withdraw", actor, requirement)
        transition(
            requirement,
            to=R.WITHDRAWN,
            actor=actor,
            reason=reason.strip(),
            description=_("%(ref)s withdrawn by %(unit)s")
            % {"ref": requirement.reference, "unit": requirement.unit},
        )
    return requirement
