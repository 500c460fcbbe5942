"""Reads of the secretariat's shared records."""

from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.db.models import Q

from secretariat.roles import is_staff_reader


def broker_state() -> str:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return "eager (no broker configured)"
    import redis

    try:
        client = redis.Redis.from_url(
            settings.CELERY_BROKER_URL, socket_connect_timeout=1, socket_timeout=1
        )
        client.ping()
    except Exception as exc:  # noqa: BLE001 - reported, never fatal
        return f"unavailable: {exc.__class__.__name__}"
    return "ok"


@dataclass(frozen=True)
class WorkItem:
    reference: str
    title: str
    what: str
    due_date: date | None
    url: str


def work_items_for(user) -> list[WorkItem]:
    """Everything awaiting the user's action, overdue first, then by due date.

    Onboarding: open checklist steps the user owns. Later workflows add theirs.
    """
    from members.models import OnboardingStep

    if not is_staff_reader(user):
        return []
    items = []
    steps = (
        OnboardingStep.objects.filter(
            Q(owner=user) | Q(owner__isnull=True, onboarding__case__owner=user),
            completed_at__isnull=True,
            onboarding__is_open=True,
        )
        .select_related("onboarding__case", "onboarding__member_state")
        .order_by("due_date", "position")[:200]
    )
    for step in steps:
        case = step.onboarding.case
        items.append(
            WorkItem(
                reference=case.reference,
                title=case.title,
                what=step.get_kind_display(),
                due_date=step.due_date,
                url=step.onboarding.get_absolute_url(),
            )
        )
    items.sort(key=lambda item: (item.due_date is None, item.due_date or date.max))
    return items
