"""Celery tasks of accounts: sending an invitation."""

from celery import shared_task


@shared_task(
    autoretry_for=(OSError,),
    retry_backoff=True,
    retry_kwargs={"max_retries": 5},
    time_limit=60,
    soft_time_limit=45,
)
def send_account_invitation(user_id: int) -> bool:
    """The one-time link of an invited liaison or representative."""
    from secretariat.accounts.invitations import invitation_send

    return invitation_send(user_id)


@shared_task(time_limit=3600, soft_time_limit=3500)
def verify_integrity() -> bool:
    """Walk the hash chains; a mismatch alerts the administrators and is
    written to the security log. Safe to run twice (it only reads, and the
    alert is a new event each time the chains are found broken)."""
    from secretariat.accounts.integrity import integrity_verify

    return integrity_verify(alert=True).ok
