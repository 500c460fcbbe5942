"""Writes of the secretariat's shared mechanisms: cases, timelines, comments,
documents. Workflow services call these inside their own transactions."""

import logging
from collections.abc import Mapping
from datetime import date, datetime

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from secretariat.kernel import signals
from secretariat.kernel.exceptions import ApplicationError, ConflictError
from secretariat.kernel.formatting import when_text
from secretariat.kernel.models import (
    CASE_PREFIXES,
    Attachment,
    Case,
    CaseSequence,
    Comment,
    TimelineEvent,
)
from secretariat.kernel.uploads import inspect_upload

logger = logging.getLogger(__name__)
# ``case_set_status``'s default: the case keeps its due date.
KEEP = object()


def require_perm(actor, perm: str, obj=None) -> None:
    """Refuse an actor without the permission (403 on the web and the API)."""
    if not actor.has_perm(perm, obj):
        raise PermissionDenied(_("You are not allowed to do this."))


def required_text(value: str, *, field: str, message: str) -> str:
    """The stripped text, or a refusal with ``message`` next to ``field``."""
    value = (value or "").strip()
    if not value:
        raise ApplicationError(message, field=field)
    return value


def require_reason(reason: str) -> str:
    return required_text(
        reason, field="reason", message=_("Give a reason for this change.")
    )


def enqueue_after_commit(task, *args) -> None:
    """Queue a Celery task once the transaction commits. A broker that cannot be
    reached costs the request a short, fixed wait, once, and a line in the log,
    never a failed request: the change is saved and the periodic tasks do the
    work later (``secretariat.kernel.queueing.hand_off``)."""
    from secretariat.kernel.queueing import hand_off
    from secretariat.kernel.request_log import task_headers

    headers = task_headers()  # of the request that queued it, not of the commit

    def publish():
        try:
            hand_off(task, *args, headers=headers)
        except Exception:
            # An eager task (no broker configured) that failed.
            logger.exception("Could not run %s%r", task.name, args)

    transaction.on_commit(publish)


def next_case_reference(*, kind: str, year: int) -> str:
    """Hand out the next reference for a kind and year, e.g. ``ONB-2025-0001``.

    The sequence row is locked so that two cases opened at once never share a
    number.
    """
    prefix = CASE_PREFIXES[kind]
    with transaction.atomic():
        sequence, _created = CaseSequence.objects.select_for_update().get_or_create(
            prefix=prefix, year=year
        )
        sequence.last_number += 1
        sequence.save(update_fields=["last_number"])
    return f"{prefix}-{year}-{sequence.last_number:04d}"


def case_open(
    *,
    kind: str,
    title: str,
    status: str,
    actor,
    owner=None,
    due_date: date | None = None,
    opened_at: datetime | None = None,
) -> Case:
    opened_at = opened_at or timezone.now()
    return Case.objects.create(
        reference=next_case_reference(
            kind=kind, year=timezone.localdate(opened_at).year
        ),
        kind=kind,
        title=title,
        status=status,
        owner=owner or actor,
        due_date=due_date,
        opened_at=opened_at,
    )


def case_set_status(
    *, case: Case, status: str, closed: bool = False, due_date=KEEP
) -> None:
    case.status = status
    case.closed_at = (case.closed_at or timezone.now()) if closed else None
    fields = ["status", "closed_at", "updated_at"]
    if due_date is not KEEP:
        case.due_date = due_date
        fields.append("due_date")
    case.save(update_fields=fields)


def check_transition(
    *,
    transitions: Mapping[str, Mapping[str, object]],
    current: str,
    target: str,
    labels: Mapping[str, str],
    what: str,
    subject=None,
    field: str | None = "to_status",
    last_move=None,
) -> None:
    """Refuse a move that the workflow's transition table does not allow.

    ``subject`` is the object whose timeline records its moves: a caller who
    acted on a stale page (two approvers at once; a request someone else has
    since moved on) is told who moved it, and when. ``last_move``, if given, is
    that event already read (``last_move_to``), so that nothing is asked again.
    ``field`` is the request's field that named the target, ``None`` when the
    action itself implies it.
    """
    if target not in labels:
        raise ApplicationError(
            _("“%(target)s” is not a status of %(what)s.")
            % {"target": target, "what": what},
            field=field,
        )
    allowed = transitions.get(current, {})
    if target in allowed:
        return
    moved = last_move
    if moved is None and subject is not None:
        moved = last_move_to(subject, current)
    if moved is not None and current == target:
        # Not the caller's mistake: someone else got there first.
        raise ConflictError(
            _("%(what)s was already moved to “%(target)s” by %(who)s at %(when)s.")
            % {
                "what": what,
                "target": labels[target],
                "who": moved.actor or _("the system"),
                "when": when_text(moved.occurred_at),
            }
        )
    possible = ", ".join(str(labels[s]) for s in allowed) or _("none")
    values = {
        "what": what,
        "current": labels[current],
        "target": labels[target],
        "possible": possible,
    }
    if moved is not None:
        raise ConflictError(
            _(
                "%(what)s cannot move from “%(current)s” to “%(target)s”. "
                "%(who)s moved it to “%(current)s” at %(when)s. "
                "Possible next steps: %(possible)s."
            )
            % {
                **values,
                "who": moved.actor or _("the system"),
                "when": when_text(moved.occurred_at),
            },
            field=field if current != target else None,
        )
    raise ConflictError(
        _(
            "%(what)s cannot move from “%(current)s” to “%(target)s”. "
            "Possible next steps: %(possible)s."
        )
        % values,
        field=field if current != target else None,
    )


def transition(
    obj,
    *,
    to: str,
    actor,
    reason: str = "",
    description: str | None = None,
    case: Case | None = None,
    occurred_at: datetime | None = None,
    evidence: Attachment | None = None,
    also: tuple[str, ...] = (),
    field: str | None = None,
    last_move=None,
) -> TimelineEvent | None:
    """Move ``obj`` to ``to`` along its model's ``workflow``: the one routine
    every lifecycle's moves go through.

    In the caller's transaction it locks the row (and reads the status the
    database holds, so that a move made meanwhile by someone else is seen),
    checks the move against the table, changes the status (saving ``also``,
    fields the caller set for this move, with it), mirrors it on the case where
    the case follows the object, and writes the timeline event: who, when,
    from, to, why. Notifications the caller writes in the same transaction go
    out after commit (``notify`` is an outbox). Whether ``actor`` may make the
    move is the policy's question, asked before.

    ``case`` overrides the workflow's own (an onboarding case is the member
    state's only while it is open). ``field`` names the request's field that
    chose the target, for the refusal; ``last_move``, if given, is the event
    that moved the object into its status, already read. Returns the timeline
    event, or None for a workflow that keeps its own trail.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("transition() runs inside the caller's transaction")
    workflow = type(obj).workflow
    status_field = workflow.status_field
    locked = (
        type(obj)
        ._default_manager.select_for_update()
        .values_list(status_field, flat=True)
        .get(pk=obj.pk)
    )
    setattr(obj, status_field, locked)
    current = locked
    check_transition(
        transitions=workflow.moves,
        current=current,
        target=to,
        labels=workflow.labels,
        what=workflow.name_of(obj),
        subject=obj if workflow.timeline else None,
        field=field,
        last_move=last_move,
    )
    occurred_at = occurred_at or timezone.now()
    setattr(obj, status_field, to)
    fields = [status_field, *also]
    if workflow.stamp:
        setattr(obj, workflow.stamp, occurred_at)
        fields.append(workflow.stamp)
    obj.save(update_fields=list(dict.fromkeys(fields)))
    if case is None:
        case = workflow.case_of(obj)
    if case is not None and workflow.mirrored:
        case_set_status(
            case=case,
            status=to,
            closed=to in workflow.closes,
            due_date=workflow.due_date(obj) if workflow.due else KEEP,
        )
    if not workflow.timeline:
        return None
    return timeline_record(
        subject=obj,
        case=case,
        actor=actor,
        action="status_changed",
        description=description
        or _("%(what)s: %(from)s → %(to)s")
        % {
            "what": workflow.name_of(obj),
            "from": workflow.labels[current],
            "to": workflow.labels[to],
        },
        from_status=current,
        to_status=to,
        reason=reason,
        evidence=evidence,
        occurred_at=occurred_at,
    )


def last_move_to(subject, status: str) -> TimelineEvent | None:
    """The timeline event that moved ``subject`` into ``status`` last."""
    return (
        TimelineEvent.objects.filter(
            subject_type=ContentType.objects.get_for_model(subject),
            subject_id=subject.pk,
            to_status=status,
        )
        .select_related("actor")
        .order_by("-occurred_at", "-id")
        .first()
    )


def timeline_record(
    *,
    subject,
    actor,
    action: str,
    description: str,
    case: Case | None = None,
    from_status: str = "",
    to_status: str = "",
    reason: str = "",
    evidence: Attachment | None = None,
    occurred_at: datetime | None = None,
) -> TimelineEvent:
    now = timezone.now()
    event = TimelineEvent.objects.create(
        case=case,
        subject_type=ContentType.objects.get_for_model(subject),
        subject_id=subject.pk,
        action=action,
        description=description[:300],
        from_status=from_status,
        to_status=to_status,
        reason=reason,
        actor=actor,
        occurred_at=occurred_at or now,
        recorded_at=now,
        evidence=evidence,
    )
    # Something happened to the case: once committed, the tasks about it that
    # are no longer their recipients' to do are settled.
    signals.timeline_recorded.send(sender=TimelineEvent, case=case, subject=subject)
    return event


def case_comment_add(*, case: Case, actor, body: str) -> Comment:
    from secretariat.kernel import policy

    policy.require("case.comment", actor, case)
    body = (body or "").strip()
    if not body:
        raise ApplicationError(_("Write a comment before sending it."), field="body")
    with transaction.atomic():
        comment = Comment.objects.create(case=case, author=actor, body=body)
        timeline_record(
            subject=case.subject or case,
            case=case,
            actor=actor,
            action="commented",
            description=_("Comment by %(who)s") % {"who": actor},
        )
    return comment


def attachment_store(
    *, subject, uploaded_file, actor, case: Case | None = None, description: str = ""
) -> Attachment:
    """Check and store an uploaded document for a subject.

    Must run inside the caller's transaction; the caller records the timeline
    event that says what the document is for.
    """
    try:
        checked = inspect_upload(uploaded_file)
    except ValidationError as exc:
        raise ApplicationError(" ".join(exc.messages), field="file") from exc
    attachment = Attachment(
        case=case,
        subject_type=ContentType.objects.get_for_model(subject),
        subject_id=subject.pk,
        original_name=checked["name"],
        content_type=checked["content_type"],
        size=checked["size"],
        sha256=checked["sha256"],
        description=description[:200],
        uploaded_by=actor,
    )
    # Callers check every business rule before calling this, so the file is written
    # only once nothing else can refuse the upload.
    attachment.file.save(checked["name"], uploaded_file, save=False)
    attachment.save()
    return attachment
