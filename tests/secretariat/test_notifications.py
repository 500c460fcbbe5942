"""Notifications: the outbox, idempotent delivery, preferences and digests, and
the bell's pages. The real worker and real Redis are in
test_notification_worker.py."""

import smtplib

import pytest
from django.core import mail
from django.db import transaction
from django.urls import reverse
from rest_framework.test import APIClient

from secretariat.notifications import services as notifications
from secretariat.notifications.models import (
    Channel,
    DeliveryMode,
    DeliveryStatus,
    Notification,
    NotificationDelivery,
    NotificationKind,
    NotificationPreference,
)
from secretariat.notifications.tasks import (
    resend_notifications,
    send_digests,
    send_notification_email,
)

pytestmark = pytest.mark.django_db

KIND = NotificationKind.DISBURSEMENT_TO_CHECK


def tell(*users, kind=KIND, key=None, title="DSB-2026-0001 awaits your check"):
    return notifications.notify(
        recipients=users, kind=kind, title=title, body="EUR 1,250,000.00 to pay",
        url="/disbursements/DSB-2026-0001/", key=key,
    )  # fmt: skip


def test_a_notification_is_shown_and_emailed_once_after_commit(
    people, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        (notification,) = tell(people.finance)
        assert mail.outbox == []  # nothing leaves before the change commits
    # One hand-off of the emails (beside it, the bell's count is dropped again).
    assert [c.__name__ for c in callbacks].count("_hand_off_emails") == 1
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == [people.finance.email]
    assert email.subject == "DSB-2026-0001 awaits your check"
    assert "http://127.0.0.1:8000/disbursements/DSB-2026-0001/" in email.body
    assert email.alternatives[0][1] == "text/html"
    assert email.extra_headers["Message-ID"] == (
        f"<notification-{notification.pk}@127.0.0.1>"
    )
    delivery = NotificationDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SENT, 1)


def test_a_rolled_back_change_notifies_nobody(people):
    with pytest.raises(RuntimeError), transaction.atomic():
        tell(people.finance)
        raise RuntimeError("the change failed")
    assert not Notification.objects.exists()
    assert mail.outbox == []


def test_a_delivery_run_twice_sends_one_email(people):
    with transaction.atomic():
        tell(people.finance)  # on_commit does not run in this test transaction
    delivery = NotificationDelivery.objects.get()
    assert send_notification_email(delivery.pk) is True
    assert send_notification_email(delivery.pk) is False
    assert resend_notifications(older_than_seconds=0) == 0
    assert len(mail.outbox) == 1


def test_a_pending_delivery_is_resent_by_the_periodic_task(people):
    tell(people.finance, people.approver_lv)
    assert mail.outbox == []  # the on-commit task never ran (a broker outage)
    assert resend_notifications() == 0  # too fresh: its own task may still come
    assert resend_notifications(older_than_seconds=0) == 2
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [people.finance.email, people.approver_lv.email]
    )
    assert resend_notifications(older_than_seconds=0) == 0


def test_a_transient_mail_error_is_recorded_and_retried(people, settings):
    settings.EMAIL_BACKEND = "tests.mail.RefusingBackend"
    tell(people.finance)
    delivery = NotificationDelivery.objects.get()
    with pytest.raises(smtplib.SMTPServerDisconnected):
        notifications.delivery_send(delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PENDING
    assert delivery.attempts == 1
    assert "SMTPServerDisconnected" in delivery.last_error
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert notifications.delivery_send(delivery.pk) is True
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_error) == (
        DeliveryStatus.SENT, 2, "",
    )  # fmt: skip


def test_a_key_makes_a_reminder_happen_once(people):
    with transaction.atomic():
        assert len(tell(people.finance, key="deadline:TND-1:7d")) == 1
        # The caller's transaction stays usable after a repeated key.
        assert tell(people.finance, key="deadline:TND-1:7d") == []
        assert len(tell(people.approver_lv, key="deadline:TND-1:7d")) == 1
    assert Notification.objects.count() == 2


def test_preferences_choose_the_channel(people):
    notifications.preferences_set(
        actor=people.finance, modes={KIND: DeliveryMode.IN_APP}
    )
    notifications.preferences_set(
        actor=people.approver_lv, modes={KIND: DeliveryMode.DIGEST}
    )
    tell(people.finance, people.approver_lv, people.officer)
    channels = dict(
        NotificationDelivery.objects.values_list(
            "notification__recipient__username", "channel"
        )
    )
    assert channels == {"approver-lv": Channel.DIGEST, "officer": Channel.EMAIL}
    assert Notification.objects.filter(recipient=people.finance).count() == 1
    # Another kind still comes by email.
    tell(people.finance, kind=NotificationKind.DISBURSEMENT_PAID)
    assert NotificationDelivery.objects.filter(
        notification__recipient=people.finance, channel=Channel.EMAIL
    ).exists()


def test_the_digest_gathers_a_day_in_one_email_once(people):
    notifications.preferences_set(
        actor=people.approver_lv, modes={KIND: DeliveryMode.DIGEST}
    )
    tell(people.approver_lv, title="DSB-2026-0001 awaits your approval")
    tell(people.approver_lv, title="DSB-2026-0002 awaits your approval")
    assert resend_notifications(older_than_seconds=0) == 0  # digests wait
    assert send_digests() == 1
    assert len(mail.outbox) == 1
    digest = mail.outbox[0]
    assert digest.subject == "Your daily digest: 2 notifications"
    assert "DSB-2026-0001" in digest.body and "DSB-2026-0002" in digest.body
    assert send_digests() == 0
    assert len(mail.outbox) == 1
    assert not NotificationDelivery.objects.filter(status="pending").exists()


def test_inactive_users_and_users_without_email_are_told_in_the_app_only(people):
    people.outsider.email = ""
    people.outsider.save()
    people.officer.is_active = False
    people.officer.save()
    created = tell(people.outsider, people.officer)
    assert [n.recipient for n in created] == [people.outsider]
    assert not NotificationDelivery.objects.exists()


# ---------------------------------------------------------------- pages


def test_the_bell_counts_unread_and_the_list_marks_read(client, people):
    first, second = tell(people.finance)[0], tell(people.finance)[0]
    tell(people.officer)
    client.force_login(people.finance)
    page = client.get(reverse("my_work")).content.decode()
    assert '2<span class="visually-hidden"> unread</span>' in page
    listing = client.get(reverse("notification_list")).content.decode()
    assert listing.count("DSB-2026-0001 awaits your check") == 2
    response = client.post(
        reverse("notification_read"), {"id": first.pk, "next": first.url}
    )
    assert response.status_code == 302 and response["Location"] == first.url
    first.refresh_from_db(), second.refresh_from_db()
    assert first.read_at is not None and second.read_at is None
    # An outside address is never followed.
    response = client.post(
        reverse("notification_read"), {"id": second.pk, "next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("notification_list")
    client.post(reverse("notification_read"))
    assert notifications.unread_count(people.finance) == 0
    assert notifications.unread_count(people.officer) == 1


def test_nobody_reads_or_marks_another_persons_notifications(client, people):
    (theirs,) = tell(people.officer)
    client.force_login(people.finance)
    assert (
        "awaits your check"
        not in client.get(reverse("notification_list")).content.decode()
    )
    client.post(reverse("notification_read"), {"id": theirs.pk})
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_notification_pages_need_a_login(client):
    for name in ["notification_list", "notification_preferences"]:
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    assert client.post(reverse("notification_read")).status_code == 302


def test_preferences_page_saves_and_refuses_nonsense(client, people):
    client.force_login(people.approver_lv)
    assert client.get(reverse("notification_preferences")).status_code == 200
    data = {kind: DeliveryMode.EMAIL for kind in NotificationKind.values}
    data[KIND] = "carrier-pigeon"
    page = client.post(reverse("notification_preferences"), data)
    assert page.status_code == 200
    assert "Select a valid choice" in page.content.decode()
    assert not NotificationPreference.objects.exists()
    data[KIND] = DeliveryMode.DIGEST
    client.post(reverse("notification_preferences"), data)
    assert notifications.preferences_for(people.approver_lv)[KIND] == "digest"


# ---------------------------------------------------------------- who is told


def _told(kind):
    return sorted(
        Notification.objects.filter(kind=kind).values_list(
            "recipient__username", flat=True
        )
    )


def test_each_step_of_a_disbursement_tells_who_acts_next(people, draft, checker):
    from secretariat.fund.services import disbursements as dsb
    from tests.twofactor import proof_for

    request = draft("1500000.00")  # two approvals, one per co-lead state
    ref = request.case.reference
    dsb.disbursement_submit(request=request, actor=people.finance)
    assert _told(NotificationKind.DISBURSEMENT_TO_CHECK) == ["checker"]
    dsb.disbursement_check(request=request, actor=checker)
    assert _told(NotificationKind.DISBURSEMENT_TO_APPROVE) == [
        "approver-lv", "approver-uk",
    ]  # fmt: skip
    dsb.disbursement_approve(
        request=request, actor=people.approver_lv,
        second_factor=proof_for(people.approver_lv),
    )  # fmt: skip
    # The second approval must come from the other state: only the UK is asked.
    assert _told(NotificationKind.DISBURSEMENT_TO_APPROVE) == [
        "approver-lv", "approver-uk", "approver-uk",
    ]  # fmt: skip
    dsb.disbursement_return(
        request=request,
        actor=people.approver_uk,
        reason="The IBAN belongs to another payee.",
    )
    returned = Notification.objects.get(kind=NotificationKind.DISBURSEMENT_RETURNED)
    assert returned.recipient == people.finance
    assert returned.title == f"{ref} was returned for changes"
    assert returned.body == "The IBAN belongs to another payee."
    assert returned.url == request.get_absolute_url()


def test_onboarding_steps_and_liaison_documents_reach_the_secretariat(people, japan):
    from members import services as members
    from members.models import OnboardingCase
    from tests.files import pdf

    members.member_transition(
        member_state=japan, to_status="invited", actor=people.officer, reason="r"
    )
    onboarding = OnboardingCase.objects.get(member_state=japan)
    step = onboarding.steps.order_by("position").first()
    members.onboarding_step_assign(
        step=step, actor=people.officer, owner=people.finance, due_date=None
    )
    told = Notification.objects.get(kind=NotificationKind.STEP_ASSIGNED)
    assert told.recipient == people.finance
    assert told.title.startswith(f"{onboarding.case.reference}: ")
    assert told.url == onboarding.get_absolute_url()

    members.onboarding_document_upload(
        onboarding=onboarding, actor=people.liaison_jp,
        uploaded_file=pdf("accession-letter.pdf"),
    )  # fmt: skip
    uploaded = Notification.objects.get(kind=NotificationKind.DOCUMENT_UPLOADED)
    owner = onboarding.case.owner or people.officer
    assert uploaded.recipient == owner
    assert "accession-letter.pdf" in uploaded.title
    # An officer's own upload tells nobody.
    members.onboarding_document_upload(
        onboarding=onboarding, actor=people.officer, uploaded_file=pdf("note.pdf")
    )
    assert Notification.objects.filter(kind="document_uploaded").count() == 1


def test_step_reminders_come_at_each_offset_and_when_overdue_once(
    people, japan, settings
):
    import datetime as dt

    from members import services as members
    from members.models import OnboardingCase
    from members.notifications import step_reminders

    settings.NOTIFICATION_REMINDER_DAYS = [7, 1]
    members.member_transition(
        member_state=japan, to_status="invited", actor=people.officer, reason="r"
    )
    step = OnboardingCase.objects.get(member_state=japan).steps.first()
    due = dt.date(2026, 12, 10)
    members.onboarding_step_assign(
        step=step, actor=people.officer, owner=people.finance, due_date=due
    )

    def told():
        return list(
            Notification.objects.filter(
                kind__in=["deadline_approaching", "step_overdue"]
            ).values_list("kind", "key")
        )

    assert step_reminders(today=due - dt.timedelta(days=8)) == 0
    assert step_reminders(today=due - dt.timedelta(days=7)) == 1
    assert step_reminders(today=due - dt.timedelta(days=6)) == 0  # told already
    # A run that missed a day sends the nearest reminder only.
    assert step_reminders(today=due) == 1
    assert step_reminders(today=due + dt.timedelta(days=1)) == 1
    assert step_reminders(today=due + dt.timedelta(days=2)) == 0
    k = f"{people.finance.pk}"
    assert sorted(told(), reverse=True) == [
        ("step_overdue", f"step-overdue:{step.pk}:20261210:{k}"),
        ("deadline_approaching", f"step-due:{step.pk}:20261210:7:{k}"),
        ("deadline_approaching", f"step-due:{step.pk}:20261210:1:{k}"),
    ]
    # A new due date brings its own reminders.
    members.onboarding_step_assign(
        step=step, actor=people.officer, owner=people.finance,
        due_date=dt.date(2026, 12, 20),
    )  # fmt: skip
    assert step_reminders(today=dt.date(2026, 12, 19)) == 1


def test_the_api_lists_and_marks_only_ones_own_notifications(people, api_for):
    mine = tell(people.finance)[0]
    theirs = tell(people.officer)[0]
    api = api_for(people.finance)
    listed = api.get("/api/notifications/").json()
    assert [n["id"] for n in listed["results"]] == [mine.pk]
    assert api.post(
        "/api/notifications/mark-read/", {"ids": [mine.pk, theirs.pk]}, format="json"
    ).json() == {"marked": 1, "unread": 0}
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert api.get("/api/notifications/?unread=1").json()["results"] == []
    assert APIClient().get("/api/notifications/").status_code in {401, 403}


def test_the_api_sets_preferences_and_refuses_unknown_modes(people, api_for):
    api = api_for(people.approver_uk)
    refused = api.put("/api/notifications/preferences/", {KIND: "fax"}, format="json")
    assert refused.status_code == 400
    assert KIND in refused.json()
    assert not NotificationPreference.objects.exists()
    saved = api.put(
        "/api/notifications/preferences/", {KIND: "digest"}, format="json"
    ).json()
    assert saved[KIND] == "digest"
    assert saved[NotificationKind.DISBURSEMENT_PAID] == "email"


def test_with_redis_down_the_request_succeeds_and_the_mail_follows(
    client, people, draft, checker, unreachable_broker,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    request = draft("250000.00")
    client.force_login(people.finance)
    url = reverse("disbursement_submit", args=[request.case.reference])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url)
    assert response.status_code == 302  # the web request succeeded
    request.refresh_from_db()
    assert request.status == "submitted"
    delivery = NotificationDelivery.objects.get(notification__recipient=checker)
    assert delivery.status == DeliveryStatus.PENDING
    assert mail.outbox == []
    # Redis is back: the periodic task sends what waited, once.
    assert resend_notifications(older_than_seconds=0) == 1
    assert [m.to for m in mail.outbox] == [[checker.email]]
    assert resend_notifications(older_than_seconds=0) == 0
