"""Reminders of onboarding steps: due soon, and overdue."""

from datetime import timedelta
from functools import partial

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from members.models import OnboardingStep
from secretariat.kernel.formatting import day_text
from secretariat.notifications.models import NotificationKind
from secretariat.notifications.services import notify


def _names(step: OnboardingStep) -> dict:
    return {
        "ref": step.onboarding.case.reference,
        "step": step.get_kind_display(),
        "due": day_text(step.due_date),
    }


def _overdue(step: OnboardingStep) -> str:
    return _("%(ref)s: “%(step)s” was due on %(due)s") % _names(step)


def _due_soon(step: OnboardingStep) -> str:
    return _("%(ref)s: “%(step)s” is due on %(due)s") % _names(step)


def step_reminders(*, today=None) -> int:
    """Tell each open step's owner when its due date comes near (at the
    configured offsets) and when it has passed; each once per due date, so that
    a step given a new due date is reminded again."""
    today = today or timezone.localdate()
    offsets = sorted(settings.NOTIFICATION_REMINDER_DAYS)
    horizon = today + timedelta(days=max(offsets, default=0))
    steps = (
        OnboardingStep.objects.filter(
            completed_at__isnull=True,
            owner__isnull=False,
            due_date__isnull=False,
            due_date__lte=horizon,
            onboarding__is_open=True,
        )
        .select_related("owner", "onboarding__case", "onboarding__member_state")
        .order_by("due_date", "pk")
    )
    told = 0
    for step in steps:
        onboarding = step.onboarding
        if step.due_date < today:
            kind, key = (
                NotificationKind.STEP_OVERDUE,
                f"step-overdue:{step.pk}:{step.due_date:%Y%m%d}",
            )
            title = partial(_overdue, step)
        else:
            days = (step.due_date - today).days
            offset = (
                min(d for d in offsets if d >= days) if days <= offsets[-1] else None
            )
            if offset is None:
                continue
            kind, key = (
                NotificationKind.DEADLINE_APPROACHING,
                f"step-due:{step.pk}:{step.due_date:%Y%m%d}:{offset}",
            )
            title = partial(_due_soon, step)
        with transaction.atomic():
            told += len(
                notify(
                    recipients=[step.owner],
                    kind=kind,
                    title=title,
                    body=onboarding.member_state.name,
                    url=onboarding.get_absolute_url(),
                    key=key,
                )
            )
    return told
