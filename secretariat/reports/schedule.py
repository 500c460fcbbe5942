"""When beat runs the reports' periodic tasks.

Read by the settings, so it imports nothing of Django's models."""

from celery.schedules import crontab

PERIODIC = {
    "build-monthly-statements": {
        "task": "secretariat.reports.tasks.build_monthly_statements",
        "schedule": crontab(day_of_month=1, hour=6, minute=0),
    },
    "requeue-stale-reports": {
        "task": "secretariat.reports.tasks.requeue_stale_reports",
        "schedule": 600.0,
    },
}
