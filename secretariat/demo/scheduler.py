"""The periodic tasks, run in-process when there is no broker.

In production one ``celery beat`` sends the tasks of
``settings.CELERY_BEAT_SCHEDULE`` to the workers. ``make run`` on a machine
without Redis has neither, and tenders would never move on at their deadlines.
This runs the same schedule in the process that serves the demo: every
``TICK_SECONDS`` it runs, here and now, each task whose time has come (an
interval task when its interval has passed since it last ran, a crontab one
at its times), each in its own transaction as a worker would.
"""

import logging
import threading
from datetime import datetime, timedelta

from celery.schedules import crontab
from django.conf import settings
from django.db import close_old_connections, connection
from django.utils import timezone

logger = logging.getLogger(__name__)

# The shortest interval of the schedule is a minute: a tick every half minute
# runs it at most ninety seconds after the deadline that makes it due.
TICK_SECONDS = 30


class InProcessBeat:
    def __init__(self, schedule: dict | None = None, *, now: datetime | None = None):
        from secretariat.celery import app

        self.app = app
        self.app.loader.import_default_modules()
        self.schedule = settings.CELERY_BEAT_SCHEDULE if schedule is None else schedule
        started = now or timezone.now()
        # Interval tasks are due at once (a deadline may have passed while the
        # demo was stopped); crontab tasks wait for their next time.
        self.last_run = {
            name: started if isinstance(entry["schedule"], crontab) else None
            for name, entry in self.schedule.items()
        }

    def due(self, now: datetime) -> list[str]:
        names = []
        for name, entry in self.schedule.items():
            every, last = entry["schedule"], self.last_run[name]
            if isinstance(every, crontab):
                if every.remaining_estimate(last) <= timedelta(0):
                    names.append(name)
            elif last is None or now - last >= _interval(every):
                names.append(name)
        return names

    def tick(self, now: datetime | None = None) -> list[str]:
        """Run the tasks due now; their names."""
        now = now or timezone.now()
        ran = []
        for name in self.due(now):
            entry = self.schedule[name]
            self.last_run[name] = now
            try:
                self.app.tasks[entry["task"]].apply(
                    args=entry.get("args", ()), kwargs=entry.get("kwargs", {})
                )
            except Exception:
                logger.exception("The periodic task %s failed", name)
            ran.append(name)
        return ran

    def run(self, stop: threading.Event, every: float = TICK_SECONDS) -> None:
        """Tick until ``stop`` is set (a thread's target)."""
        try:
            while not stop.is_set():
                close_old_connections()
                self.tick()
                stop.wait(every)
        finally:
            connection.close()

    def start(self, every: float = TICK_SECONDS) -> threading.Event:
        """Tick in a daemon thread; set the returned event to stop it."""
        stop = threading.Event()
        threading.Thread(
            target=self.run, args=(stop, every), name="in-process-beat", daemon=True
        ).start()
        return stop


def _interval(every) -> timedelta:
    if isinstance(every, timedelta):
        return every
    if isinstance(every, int | float):
        return timedelta(seconds=every)
    return every.run_every  # celery.schedules.schedule
