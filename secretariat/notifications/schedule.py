"""When beat runs the notifications' periodic tasks.

Read by the settings, so it imports nothing of Django's models."""

from celery.schedules import crontab

PERIODIC = {
    "resend-notifications": {
        "task": "secretariat.notifications.tasks.resend_notifications",
        "schedule": 60.0,
    },
    "send-digests": {
        "task": "secretariat.notifications.tasks.send_digests",
        "schedule": crontab(hour=7, minute=0),
    },
}
