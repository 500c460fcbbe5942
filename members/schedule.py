"""When beat runs the onboarding's periodic tasks.

Read by the settings, so it imports nothing of Django's models."""

from celery.schedules import crontab

PERIODIC = {
    "send-onboarding-reminders": {
        "task": "members.tasks.send_reminders",
        "schedule": crontab(minute=5),
    },
}
