"""Celery tasks of procurement: thin wrappers around the services."""

from celery import shared_task

from procurement import services


@shared_task(time_limit=120, soft_time_limit=100)
def advance_tenders_by_deadlines() -> int:
    """Run every minute by beat: clarification and submission deadlines move
    tenders on by themselves. Safe to run twice or late; each move re-checks."""
    return services.tenders_advance_by_deadlines()


@shared_task(time_limit=600, soft_time_limit=580)
def send_tender_reminders() -> int:
    """Reminders of tender deadlines coming up (once per tender and offset)."""
    from procurement.notifications import tender_deadline_reminders

    return tender_deadline_reminders()
