"""When beat runs procurement's periodic tasks.

Read by the settings, so it imports nothing of Django's models."""

from celery.schedules import crontab

PERIODIC = {
    "advance-tenders-by-deadlines": {
        "task": "procurement.tasks.advance_tenders_by_deadlines",
        "schedule": 60.0,
    },
    "send-tender-reminders": {
        "task": "procurement.tasks.send_tender_reminders",
        "schedule": crontab(minute=5),
    },
}
