"""Notifications: an outbox written with the change that causes it, delivered
after commit, re-sent until delivered, never lost.

``notify`` is called by services inside their transaction. Each notification is
shown in the app at once; its email (or its place in tomorrow's digest) is a
``NotificationDelivery`` row, pending until a worker sends it. After commit, every
email the transaction wrote is handed to the broker in one task message (a short,
bounded wait however many people are told: ``secretariat.kernel.queueing.hand_off``); if
the broker was down or hung, or the worker died, the periodic
``deliveries_resend`` finds them still pending and sends them then. A worker
sends a delivery only while holding its row lock and commits it sent the moment
the mail server accepts it, so two workers (or a task run twice) never send it
twice. An SMTP server cannot be told "exactly once": a worker killed between the
server's acceptance and that commit leaves the one message in flight to be sent
again, with the same Message-ID (derived from the notification), which mail
servers and clients can drop.

A notification to many people (a published tender's) is written as one
``NotificationFanOut`` row in the transaction instead, and expanded into the
notifications and deliveries by a worker after commit; the periodic task expands
any whose task was lost.

A notification that asks its recipient to act ("DSB-2026-0003 awaits your
approval") names the policy's action and its object (``notify(action=,
subject=)``). Every state change writes a timeline event
(``secretariat.kernel.services.timeline_record``); after its commit, the open tasks
about that case or object are settled (``tasks_settle``): those the policy no
longer lets their recipient take get ``resolved_at``. A settled task is shown
done, with the object's status now, no longer counts as unread, and is left
out of the emails not yet sent."""

import logging
import smtplib
import threading
from collections.abc import Callable, Iterable
from contextlib import nullcontext
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.dispatch import receiver
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import ngettext

from secretariat.accounts.languages import speaking, speaking_to
from secretariat.accounts.models import User
from secretariat.kernel import cache as safe_cache
from secretariat.kernel import signals
from secretariat.notifications.models import (
    Channel,
    DeliveryMode,
    DeliveryStatus,
    Notification,
    NotificationDelivery,
    NotificationFanOut,
    NotificationKind,
    NotificationPreference,
)

logger = logging.getLogger(__name__)

# A delivery that keeps failing stops being retried after this many attempts; it
# stays visible in the admin with its last error.
MAX_ATTEMPTS = 10
TRANSIENT_ERRORS = (smtplib.SMTPException, OSError)


def users_with_role(role: str, **filters) -> QuerySet[User]:
    """The active people holding a role, e.g. every finance officer to tell."""
    return User.objects.filter(groups__name=role, is_active=True, **filters).distinct()


def notify(
    *,
    recipients: Iterable[User],
    kind: str,
    title: str | Callable[[], str],
    body: str | Callable[[], str] = "",
    url: str = "",
    key: str | None = None,
    action: str = "",
    subject=None,
) -> list[Notification]:
    """Tell each recipient that something awaits them. Call it inside the
    transaction of the change that causes it: the notification is saved or lost
    with the change, never without it. ``key`` (made unique per recipient here)
    makes a notification happen once however often the caller runs. Inactive
    users and users without an email address get the in-app notification only.

    ``action`` and ``subject`` make it a task: the policy's action (e.g.
    ``"disbursement.approve"``) the recipient is asked to take on ``subject``;
    it is settled once the policy no longer lets them (``tasks_settle``).

    Telling ``FAN_OUT_FROM`` people or more at once (without a key, and not a
    task) writes one ``NotificationFanOut`` row instead, which a worker expands
    after commit (``fan_out_expand``); the notifications created are then
    returned by that, and this returns an empty list.

    ``title`` and ``body`` given as functions (``lambda: _("...") % {...}``) are
    written to each person in their own language and time zone: called once
    for each language and time zone among the recipients.
    """
    if kind not in NotificationKind.values:
        raise ValueError(f"Unknown notification kind {kind!r}")
    if bool(action) != (subject is not None):
        raise ValueError("A task names both its action and its subject.")
    readers = _addresses(recipients)
    if not readers:
        return []
    task = _task_fields(action, subject)
    fan_out = not key and not task and len(readers) >= FAN_OUT_FROM
    if not (callable(title) or callable(body)):
        groups = {("", ""): readers}
    else:
        groups = {}
        for pk, (email, language, zone) in readers.items():
            groups.setdefault((language, zone), {})[pk] = (email, language, zone)
    created = []
    for (language, zone), group in groups.items():
        people = {pk: email for pk, (email, _language, _zone) in group.items()}
        with speaking(language, zone) if language else nullcontext():
            text = {"title": _written(title), "body": _written(body)}
        if fan_out:
            _fan_out_after_commit(
                NotificationFanOut.objects.create(
                    kind=kind,
                    title=text["title"][:200],
                    body=text["body"],
                    url=url,
                    recipient_ids=list(people),
                )
            )
        else:
            created += _write(people, kind=kind, url=url, key=key, task=task, **text)
    return created


def _written(text) -> str:
    return str(text() if callable(text) else text)


def _task_fields(action: str, subject) -> dict:
    if not action:
        return {}
    from secretariat.kernel.cases import case_of

    return {
        "action": action,
        "subject_type": ContentType.objects.get_for_model(subject),
        "subject_id": subject.pk,
        "case": case_of(subject),
    }


# From this many people on, a notification is written by a worker after commit
# (one row in the request instead of two per person).
FAN_OUT_FROM = 100


def _addresses(recipients) -> dict[int, tuple[str, str, str]]:
    """{user id: (email, language, time zone)} of the active recipients. A
    queryset is read as those columns: a published tender tells thousands, and
    loading them as users would cost the request more than everything else it
    does."""
    if isinstance(recipients, QuerySet):
        rows = recipients.filter(is_active=True).values_list(
            "pk", "email", "language", "time_zone"
        )
        return {pk: (email, language, zone) for pk, email, language, zone in rows}
    return {
        u.pk: (u.email, u.language, u.time_zone)
        for u in recipients
        if u is not None and u.is_active
    }


def _write(people, *, kind, title, body, url, key, created_at=None, task=None):
    """The notifications and deliveries of ``people`` ({user id: email}); the
    emails are queued after commit."""
    preferences = {
        (p.user_id, p.kind): p.mode
        for p in NotificationPreference.objects.filter(user_id__in=people, kind=kind)
    }
    if key:
        created = _notify_each(
            people, kind, title, body, url, key, preferences, task or {}
        )
    else:
        # Without a key nothing can repeat: one INSERT for every notification and
        # one for their deliveries, however many people are told (a published
        # tender tells thousands).
        created = Notification.objects.bulk_create(
            [
                Notification(
                    recipient_id=pk,
                    kind=kind,
                    title=title[:200],
                    body=body,
                    url=url,
                    created_at=created_at or timezone.now(),
                    **(task or {}),
                )
                for pk in people
            ]
        )
    deliveries = []
    for notification in created:
        pk = notification.recipient_id
        mode = preferences.get((pk, kind), DeliveryMode.EMAIL)
        if mode == DeliveryMode.IN_APP or not people[pk]:
            continue
        channel = Channel.DIGEST if mode == DeliveryMode.DIGEST else Channel.EMAIL
        deliveries.append(
            NotificationDelivery(notification=notification, channel=channel)
        )
    NotificationDelivery.objects.bulk_create(deliveries)
    bell_forget({notification.recipient_id for notification in created})
    _send_after_commit([d.pk for d in deliveries if d.channel == Channel.EMAIL])
    return created


def _fan_out_after_commit(fan_out: NotificationFanOut) -> None:
    from secretariat.kernel.services import enqueue_after_commit
    from secretariat.notifications.tasks import expand_notification_fan_out

    enqueue_after_commit(expand_notification_fan_out, fan_out.pk)


def fan_out_expand(fan_out_id: int) -> list[Notification]:
    """Write the notifications of one fan-out; returns those written, none if it
    was expanded already (or is being expanded by another worker, which holds
    its lock). Safe to run twice: the row is claimed under lock and marked
    expanded in the transaction that writes the notifications."""
    with transaction.atomic():
        fan_out = (
            NotificationFanOut.objects.select_for_update(skip_locked=True)
            .filter(pk=fan_out_id, expanded_at__isnull=True)
            .first()
        )
        if fan_out is None:
            return []
        found = dict(
            User.objects.filter(pk__in=fan_out.recipient_ids).values_list("pk", "email")
        )
        people = {pk: found[pk] for pk in fan_out.recipient_ids if pk in found}
        created = _write(
            people, kind=fan_out.kind, title=fan_out.title, body=fan_out.body,
            url=fan_out.url, key=None, created_at=fan_out.created_at,
        )  # fmt: skip
        fan_out.expanded_at = timezone.now()
        fan_out.save(update_fields=["expanded_at"])
    return created


def fan_outs_expand(*, older_than: timedelta = timedelta(minutes=1)) -> int:
    """Expand every fan-out still waiting a while after it was written: its task
    was never queued (broker down), or its worker died. Returns how many."""
    cutoff = timezone.now() - older_than
    waiting = NotificationFanOut.objects.filter(
        expanded_at__isnull=True, created_at__lte=cutoff
    ).values_list("pk", flat=True)
    expanded = 0
    for pk in list(waiting[:100]):
        try:
            expanded += bool(fan_out_expand(pk))
        except Exception:
            # One broken fan-out must not stop the others.
            logger.exception("Notification fan-out %s failed", pk)
    return expanded


def _notify_each(people, kind, title, body, url, key, preferences, task):
    created = []
    for pk in people:
        unique_key = f"{key}:{pk}"
        try:
            # A savepoint, so that a repeated key leaves the caller's
            # transaction usable.
            with transaction.atomic():
                notification = Notification.objects.create(
                    recipient_id=pk, kind=kind, title=title[:200], body=body,
                    url=url, key=unique_key, **task,
                )  # fmt: skip
        except IntegrityError:
            if Notification.objects.filter(key=unique_key).exists():
                continue  # already told
            raise
        created.append(notification)
    return created


# The worker gets a commit's emails in batches of this size (one task message
# for a few hundred people); each delivery is still sent under its own lock.
EMAIL_TASK_BATCH = 200

# The email deliveries written in this thread's transaction, not yet handed off.
_unsent = threading.local()


def _send_after_commit(delivery_ids: list[int]) -> None:
    """Queue the emails of ``delivery_ids`` once the transaction commits, together
    with every other email written in it: one message to the broker per commit
    (per ``EMAIL_TASK_BATCH``), however many people a request tells, so that a
    broker that does not answer costs a request one short wait, not one per
    person (``secretariat.kernel.queueing.hand_off``)."""
    if not delivery_ids:
        return
    waiting = getattr(_unsent, "ids", None)
    if waiting is None:
        waiting = _unsent.ids = []
    waiting.extend(delivery_ids)
    # Registered by every caller, run by the first: a callback dropped with a
    # rolled-back savepoint leaves another to hand off what was committed. The
    # ids of rolled-back rows, if any, find no delivery and are skipped.
    transaction.on_commit(_hand_off_emails)


def _hand_off_emails() -> None:
    from secretariat.kernel.queueing import hand_off
    from secretariat.notifications.tasks import (
        send_notification_email,
        send_notification_emails,
    )

    ids, _unsent.ids = getattr(_unsent, "ids", None) or [], []
    # One email keeps the task that retries it with backoff.
    batches = (
        [(send_notification_email, ids[0])]
        if len(ids) == 1
        else [
            (send_notification_emails, ids[start : start + EMAIL_TASK_BATCH])
            for start in range(0, len(ids), EMAIL_TASK_BATCH)
        ]
    )
    for task, arg in batches:
        try:
            if not hand_off(task, arg):
                return  # the broker failed: the periodic resend sends them all
        except Exception:
            # An eager task (no broker configured) that failed; the delivery
            # keeps its error and stays pending for the resend.
            logger.exception("Could not send notification deliveries %s", arg)


def _site_domain() -> str:
    return urlsplit(settings.SITE_URL).hostname or "localhost"


def _absolute(url: str) -> str:
    if not url or url.startswith(("http://", "https://")):
        return url
    return settings.SITE_URL.rstrip("/") + url


def _email_for(notification: Notification) -> EmailMultiAlternatives:
    """The email of a notification, written to its recipient: in their
    language and time zone."""
    with speaking_to(notification.recipient):
        return _email_in_place(notification)


def _email_in_place(notification: Notification) -> EmailMultiAlternatives:
    context = {
        "notification": notification,
        "user": notification.recipient,
        "link": _absolute(notification.url),
        "preferences_link": _absolute("/notifications/preferences/"),
    }
    message = EmailMultiAlternatives(
        subject=" ".join(notification.title.split()),
        body=render_to_string("emails/notification.txt", context),
        to=[notification.recipient.email],
        headers={"Message-ID": f"<notification-{notification.pk}@{_site_domain()}>"},
    )
    message.attach_alternative(
        render_to_string("emails/notification.html", context), "text/html"
    )
    return message


def delivery_send(delivery_id: int) -> bool:
    """Send one pending email delivery; ``True`` if this call sent it.

    Safe to run twice and from several workers: the row is claimed with a lock
    (skipping one another worker holds) and re-checked as pending; the mail is
    sent and the row marked sent before the lock is released. A transient error
    is recorded and raised again, for the task to retry with backoff.

    The mail server's acceptance is recorded the moment it comes: the row is
    marked sent in the open transaction before the message goes, and that is
    committed as soon as the server accepts it, before the session is closed
    (QUIT) or anything else is done; a failure puts the row back to pending
    with its error. A worker killed between the acceptance and the COMMIT is
    the one way left for an email to go out twice, with the same Message-ID.
    """
    error = None
    session = None
    try:
        with transaction.atomic():
            delivery = (
                # Only the delivery's own row: locking the joined recipient too
                # would make a worker skip this delivery whenever another one to
                # the same person (or a digest) is being sent.
                NotificationDelivery.objects.select_for_update(
                    skip_locked=True, of=("self",)
                )
                .select_related("notification__recipient")
                .filter(pk=delivery_id, channel=Channel.EMAIL)
                .first()
            )
            if delivery is None or delivery.status != DeliveryStatus.PENDING:
                return False
            if delivery.notification.resolved_at is not None:
                # A task done before its email went out (the broker was down).
                delivery.status = DeliveryStatus.SKIPPED
                delivery.save(update_fields=["status"])
                return False
            delivery.attempts += 1
            try:
                message = _email_for(delivery.notification)
                session = message.connection = get_connection()
                # Marked sent before the message goes, in this transaction: once
                # the server accepts it, only the COMMIT is left to record it.
                delivery.status = DeliveryStatus.SENT
                delivery.sent_at = timezone.now()
                delivery.last_error = ""
                delivery.save(
                    update_fields=["attempts", "status", "sent_at", "last_error"]
                )
                session.open()
                message.send()
            except TRANSIENT_ERRORS as exc:
                error = exc
                failed = delivery.attempts >= MAX_ATTEMPTS
                _record_failure(delivery, exc, failed=failed)
            except ValueError as exc:
                # Not a passing failure: a malformed address or header fails the
                # same way every time. Recorded as failed (the admin shows it),
                # so that it is neither sent again every minute nor raised into
                # the loops that send the others.
                logger.exception("Notification delivery %s cannot be sent", delivery_id)
                _record_failure(delivery, exc, failed=True)
                return False
    finally:
        if session is not None:
            _close_quietly(session)
    if error is not None:
        raise error
    return True


def _record_failure(delivery, exc, *, failed: bool) -> None:
    delivery.status = DeliveryStatus.FAILED if failed else DeliveryStatus.PENDING
    delivery.sent_at = None
    delivery.last_error = f"{type(exc).__name__}: {exc}"[:2000]
    delivery.save(update_fields=["attempts", "status", "sent_at", "last_error"])


def _close_quietly(session) -> None:
    """End the mail session once what it sent is recorded. A server that drops
    the connection at QUIT has still accepted the message."""
    try:
        session.close()
    except TRANSIENT_ERRORS as exc:
        logger.warning("Closing the mail session failed: %s", exc)


def deliveries_resend(*, older_than: timedelta = timedelta(minutes=1)) -> int:
    """Send every email still pending a while after it was written: its task was
    never queued (broker down), or its worker died. Returns how many were sent."""
    cutoff = timezone.now() - older_than
    pending = NotificationDelivery.objects.filter(
        channel=Channel.EMAIL,
        status=DeliveryStatus.PENDING,
        created_at__lte=cutoff,
    ).values_list("pk", flat=True)
    sent = 0
    for pk in list(pending[:1000]):
        try:
            sent += delivery_send(pk)
        except TRANSIENT_ERRORS:
            logger.warning("Notification delivery %s failed; will retry", pk)
        except Exception:
            # One broken delivery must not stop the others.
            logger.exception("Notification delivery %s failed", pk)
    return sent


def digests_send(*, now: datetime | None = None) -> int:
    """Send each person one email with what waited for their digest; returns
    the number of digests sent. Safe to run twice: the rows are claimed under
    lock and marked sent with the email."""
    now = now or timezone.now()
    users = (
        NotificationDelivery.objects.filter(
            channel=Channel.DIGEST, status=DeliveryStatus.PENDING, created_at__lte=now
        )
        .values_list("notification__recipient_id", flat=True)
        .distinct()
    )
    sent = 0
    for user_id in list(users):
        try:
            sent += _digest_send(user_id, now)
        except Exception:
            # One person's digest must not stop the others'. Rolled back: the
            # rows stay pending for the next run.
            logger.exception("The digest of user %s could not be sent", user_id)
    return sent


def _digest_send(user_id: int, now: datetime) -> int:
    """Send one person's digest; 1 if sent, 0 if there was nothing (left)."""
    with transaction.atomic():
        rows = list(
            NotificationDelivery.objects.select_for_update(
                skip_locked=True, of=("self",)
            )
            .select_related("notification__recipient")
            .filter(
                channel=Channel.DIGEST,
                status=DeliveryStatus.PENDING,
                created_at__lte=now,
                notification__recipient_id=user_id,
            )
            .order_by("created_at", "pk")
        )
        if not rows:
            return 0
        # Tasks settled since they were written are left out: the digest tells
        # of nothing the person no longer has to do.
        done = [row.pk for row in rows if row.notification.resolved_at is not None]
        if done:
            NotificationDelivery.objects.filter(pk__in=done).update(
                status=DeliveryStatus.SKIPPED
            )
            rows = [row for row in rows if row.pk not in done]
            if not rows:
                return 0
        user = rows[0].notification.recipient
        with speaking_to(user):
            _digest_email(user, rows).send()
        NotificationDelivery.objects.filter(pk__in=[r.pk for r in rows]).update(
            status=DeliveryStatus.SENT, sent_at=timezone.now()
        )
    return 1


def _digest_email(user, rows) -> EmailMultiAlternatives:
    notifications = [
        {"n": row.notification, "link": _absolute(row.notification.url)} for row in rows
    ]
    context = {
        "user": user,
        "items": notifications,
        "preferences_link": _absolute("/notifications/preferences/"),
    }
    message = EmailMultiAlternatives(
        subject=ngettext(
            "Your daily digest: %(n)d notification",
            "Your daily digest: %(n)d notifications",
            len(rows),
        )
        % {"n": len(rows)},
        body=render_to_string("emails/digest.txt", context),
        to=[user.email],
        headers={"Message-ID": f"<digest-{user.pk}-{rows[-1].pk}@{_site_domain()}>"},
    )
    message.attach_alternative(
        render_to_string("emails/digest.html", context), "text/html"
    )
    return message


# ---------------------------------------------------------------- in the app


def notifications_for(user) -> QuerySet[Notification]:
    """The person's notifications, each task with its case and object (for
    "Done — DSB-2026-0003 is now Paid"): one query per kind of object."""
    return (
        Notification.objects.filter(recipient=user)
        .select_related("case")
        .prefetch_related("subject")
    )


def unread_for(user) -> QuerySet[Notification]:
    """What the person has not read and still awaits them: a settled task is
    no longer news."""
    return Notification.objects.filter(
        recipient=user, read_at__isnull=True, resolved_at__isnull=True
    )


# The bell's count is read on every page: kept in the shared cache (Redis) per
# person, dropped by every writer below when what it counts changes (new
# notifications, read, settled), and at most this many seconds old should a
# drop be missed (a request that counted just before a change and stored its
# count just after it; a Redis blip).
BELL_CACHE_SECONDS = 60


def _bell_key(user_id) -> str:
    return f"bell:{user_id}"


def unread_count(user) -> int:
    if not settings.SHARED_CACHE:
        # A cache per process would be dropped only in the process that wrote.
        return unread_for(user).count()
    key = _bell_key(user.pk)
    count = safe_cache.safe_get(key)
    if count is None:
        count = unread_for(user).count()
        safe_cache.safe_set(key, count, BELL_CACHE_SECONDS)
    return count


def bell_forget(user_ids: Iterable[int]) -> None:
    """Drop these people's cached counts now, and again when the transaction
    commits: a page counting in between must not keep the count from before."""
    keys = sorted({_bell_key(pk) for pk in user_ids if pk is not None})
    if not keys:
        return
    safe_cache.safe_delete_many(keys)
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(lambda: safe_cache.safe_delete_many(keys))


def notifications_mark_read(*, actor: User, ids: Iterable[int] | None = None) -> int:
    """Mark read those of the notifications (all of them without ``ids``) that
    the policy lets the actor mark: their own, unread."""
    from secretariat.kernel import policy

    chosen = Notification.objects.all()
    if ids is not None:
        chosen = chosen.filter(pk__in=list(ids))
    unread = policy.pending("notification.mark_read", actor, chosen)
    marked = unread.update(read_at=timezone.now())
    if marked:
        bell_forget([actor.pk])
    return marked


def notification_mark_read(*, notification: Notification, actor: User) -> None:
    """Mark one notification read (the bulk action of the notifications list
    asks this for each one ticked): refused with the policy's reason if it is
    someone else's, or already read."""
    from secretariat.kernel import policy

    policy.require("notification.mark_read", actor, notification)
    if Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
        read_at=timezone.now()
    ):
        bell_forget([notification.recipient_id])


def preferences_for(user) -> dict[str, str]:
    chosen = dict(
        NotificationPreference.objects.filter(user=user).values_list("kind", "mode")
    )
    return {kind: chosen.get(kind, DeliveryMode.EMAIL) for kind in NotificationKind}


def preferences_set(*, actor: User, modes: dict[str, str]) -> None:
    with transaction.atomic():
        for kind, mode in modes.items():
            if kind not in NotificationKind.values or mode not in DeliveryMode.values:
                raise ValueError(f"{kind}={mode}")
            NotificationPreference.objects.update_or_create(
                user=actor, kind=kind, defaults={"mode": mode}
            )


# ---------------------------------------------------------------- tasks settle


def open_tasks() -> QuerySet[Notification]:
    return Notification.objects.filter(resolved_at__isnull=True).exclude(action="")


def tasks_settle(*, case=None, subject=None) -> int:
    """Settle the open tasks about ``case`` (any object of it) or ``subject``
    that the policy no longer lets their recipient take: each object is read
    again and each recipient asked ``policy.may``. Returns how many."""
    from secretariat.kernel import policy

    about = Q()
    if case is not None:
        about |= Q(case=case)
    if subject is not None:
        about |= Q(
            subject_type=ContentType.objects.get_for_model(subject),
            subject_id=subject.pk,
        )
    if not about:
        return 0
    tasks = list(open_tasks().filter(about).select_related("recipient"))
    objects = {}
    done = []
    for task in tasks:
        if task.action not in policy.ACTIONS:
            logger.warning("Task %s names an unknown action %r", task.pk, task.action)
            continue
        key = (task.subject_type_id, task.subject_id)
        if key not in objects:
            model = ContentType.objects.get_for_id(task.subject_type_id).model_class()
            objects[key] = model._default_manager.filter(pk=task.subject_id).first()
        obj = objects[key]
        if obj is None or not policy.may(task.action, task.recipient, obj):
            done.append(task.pk)
    if done:
        Notification.objects.filter(pk__in=done, resolved_at__isnull=True).update(
            resolved_at=timezone.now()
        )
        settled = set(done)
        bell_forget({task.recipient_id for task in tasks if task.pk in settled})
    return len(done)


# The cases and objects whose tasks to settle when this thread's transaction
# commits: each settled once, however many events the transaction wrote.
_to_settle = threading.local()


def tasks_settle_after_commit(*, case=None, subject=None) -> None:
    """After the transaction of a state change commits (the object is then as
    everyone will read it), settle the tasks about it."""
    waiting = getattr(_to_settle, "items", None)
    if waiting is None:
        waiting = _to_settle.items = {}
    if case is not None:
        waiting[("case", case.pk)] = {"case": case}
    if subject is not None:
        key = (ContentType.objects.get_for_model(subject).pk, subject.pk)
        waiting[key] = {"subject": subject}
    # Registered by every caller, run by the first (as the emails' hand-off).
    transaction.on_commit(_settle_waiting)


def _settle_waiting() -> None:
    waiting, _to_settle.items = getattr(_to_settle, "items", None) or {}, {}
    for about in waiting.values():
        try:
            tasks_settle(**about)
        except Exception:
            # The change is committed; a task left open is settled by the next
            # change, and never fails the request that made this one.
            logger.exception("Settling the tasks about %s failed", about)


@receiver(signals.timeline_recorded, dispatch_uid="settle_tasks_on_timeline")
def _settle_tasks_of(sender, case=None, subject=None, **kwargs):
    tasks_settle_after_commit(case=case, subject=subject)
