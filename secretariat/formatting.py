"""Moments written for people, the same in pages, messages and notifications."""

from datetime import datetime

from django.utils import timezone
from django.utils.formats import date_format


def when_text(moment: datetime) -> str:
    """A moment in the current time zone: 21 Nov 2026, 14:00."""
    return date_format(timezone.localtime(moment), "j M Y, H:i")
