"""Celery tasks of the members app: thin wrappers that load rows by id."""

from celery import shared_task

from secretariat.accounts.invitations import invitation_send


@shared_task(
    autoretry_for=(OSError,),
    retry_backoff=True,
    retry_kwargs={"max_retries": 5},
    time_limit=60,
    soft_time_limit=45,
)
def send_liaison_invitation(user_id: int) -> None:
    # Kept under its old name for invitations queued before the kernel's
    # ``secretariat.accounts.tasks.send_account_invitation`` took over.
    invitation_send(user_id)


@shared_task(time_limit=600, soft_time_limit=580)
def send_reminders() -> int:
    """Reminders of onboarding steps coming due (once per step and offset)."""
    from members.notifications import step_reminders

    return step_reminders()
