"""The clock the demo's history is told under.

The services stamp the present: ``timezone.now()``, the ``default`` of the
models' time fields, and the time step of a second-factor code. None of them
takes an arbitrary date, and the records they write (the ledger, the
timelines, the bid and security events) are append-only. So the demo does not
rewrite history after the fact: while ``seed_demo`` tells it, the clock reads
the moment of each step, and every record, timeline event, ledger entry and
second-factor check carries the day it happened, as if the system had been in
use since the coalition's founding.

Installed by ``seed_demo`` for the length of the command only, never by the
application.
"""

import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from types import SimpleNamespace

from django.apps import apps
from django.utils import timezone

_real_now = timezone.now


class DemoClock:
    """The present moved by an offset: time goes on at its pace from the moment
    the clock was last set to."""

    def __init__(self):
        self._offset = timedelta(0)

    def now(self) -> datetime:
        return _real_now() + self._offset

    def epoch(self) -> float:
        """Seconds since 1970, as ``time.time()`` would say them now."""
        return time.time() + self._offset.total_seconds()

    def travel_to(self, moment: datetime) -> None:
        if timezone.is_naive(moment):
            raise ValueError("The demo clock is set to aware datetimes only.")
        self._offset = moment - _real_now()

    def back_to_present(self) -> None:
        self._offset = timedelta(0)


def _time_fields():
    """The fields whose default is the present (``default=timezone.now``)."""
    return [
        field
        for model in apps.get_models(include_auto_created=True)
        for field in model._meta.concrete_fields
        if field.default is _real_now
    ]


def _set_default(field, default) -> None:
    field.default = default
    # Django keeps the default's callable once asked for it.
    field.__dict__.pop("_get_default", None)


@contextmanager
def installed(clock: DemoClock) -> Iterator[DemoClock]:
    """Let ``clock`` be the present for Django, the models and the
    authenticator codes until the block ends."""
    from django_otp.plugins.otp_totp import models as totp_models

    fields = _time_fields()
    otp_time = totp_models.time
    timezone.now = clock.now
    for field in fields:
        _set_default(field, clock.now)
    totp_models.time = SimpleNamespace(time=clock.epoch)
    try:
        yield clock
    finally:
        totp_models.time = otp_time
        for field in fields:
            _set_default(field, _real_now)
        timezone.now = _real_now
