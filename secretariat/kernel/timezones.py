"""The time zones people may choose, and showing times in theirs.

Times are stored in UTC; each signed-in person sees them in the zone they chose
on their account settings page (``User.time_zone``)."""

import zoneinfo
from functools import cache

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.utils import timezone

# Regions of the IANA database that name places (not the legacy aliases such as
# "GB" or "Etc/GMT+3"), so that the list reads as cities.
_REGIONS = (
    "Africa/",
    "America/",
    "Antarctica/",
    "Asia/",
    "Atlantic/",
    "Australia/",
    "Europe/",
    "Indian/",
    "Pacific/",
)


@cache
def time_zone_choices() -> list[tuple[str, str]]:
    """IANA time zones as (name, label): ("Europe/Riga", "Europe/Riga").

    A callable, so that the migration names this function instead of copying a
    list that changes with each release of the time zone database."""
    names = {
        name for name in zoneinfo.available_timezones() if name.startswith(_REGIONS)
    }
    names |= {"UTC", settings.TIME_ZONE}
    return [(name, name.replace("_", " ")) for name in sorted(names)]


class TimeZoneMiddleware:
    """Shows times in the signed-in person's own time zone."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        name = ""
        # Only a request with a signed-in session loads its user here: others
        # (health checks, API tokens, anonymous pages) cost no query.
        session = getattr(request, "session", None)
        if session is not None and session.get(SESSION_KEY) is not None:
            user = request.user
            if user.is_authenticated:
                name = user.time_zone
        if name:
            try:
                timezone.activate(zoneinfo.ZoneInfo(name))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                timezone.deactivate()
        else:
            timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
