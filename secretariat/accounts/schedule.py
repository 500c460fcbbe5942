"""When beat runs the accounts' periodic tasks.

Read by the settings, so it imports nothing of Django's models."""

from celery.schedules import crontab

PERIODIC = {
    # Every night: records that no longer match their hashes raise the alarm.
    "verify-integrity": {
        "task": "secretariat.accounts.tasks.verify_integrity",
        "schedule": crontab(hour=3, minute=17),
    },
}
