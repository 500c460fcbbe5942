"""Reads of the kernel's shared records."""

from django.db.models import QuerySet

from secretariat.kernel.models import TimelineEvent


def case_timeline(case) -> QuerySet[TimelineEvent]:
    """A case's timeline, newest first, as its page and the API show it. Bids
    write nothing to a tender's case, so it tells no one how many there are
    before opening."""
    return (
        TimelineEvent.objects.filter(case=case)
        .select_related("actor", "evidence")
        .order_by("-occurred_at", "-id")
    )
