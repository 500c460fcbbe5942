"""The Celery tasks of the secretariat app, kept by each sub-package; Celery's
autodiscovery imports this module."""

from secretariat.accounts import tasks as accounts_tasks  # noqa: F401
from secretariat.notifications import tasks as notifications_tasks  # noqa: F401
from secretariat.reports import tasks as reports_tasks  # noqa: F401
