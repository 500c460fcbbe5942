"""Money and days are written one way wherever a person meets them: the page,
the notification, its email, the timeline (EUR 450,000.00; 31 Mar 2026), with
counts in words that agree with them ("1 notification"), and on a card at a
glance (EUR 81.8 M)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse

from members import services as members
from members.models import OnboardingCase
from members.notifications import step_reminders
from secretariat.kernel.formatting import money_compact, when_text
from secretariat.kernel.models import TimelineEvent
from secretariat.notifications import services as notifications
from secretariat.notifications.models import (
    DeliveryMode,
    Notification,
    NotificationKind,
)
from secretariat.notifications.tasks import send_digests

pytestmark = pytest.mark.django_db


def test_a_disbursement_to_check_says_its_amount_as_the_page_does(
    client, people, draft, checker, django_capture_on_commit_callbacks
):
    request = draft("450000.00")
    client.force_login(people.finance)
    url = reverse("disbursement_submit", args=[request.case.reference])
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url).status_code == 302

    told = Notification.objects.get(recipient=checker)
    assert told.body == "EUR 450,000.00 to SIA Drone Works"
    (email,) = mail.outbox
    assert "EUR 450,000.00 to SIA Drone Works" in email.body
    assert "EUR 450,000.00 to SIA Drone Works" in email.alternatives[0][0]
    assert "€" not in email.body

    client.force_login(checker)
    bell = client.get(reverse("notification_list")).content.decode()
    assert "EUR 450,000.00 to SIA Drone Works" in bell
    page = client.get(request.get_absolute_url()).content.decode()
    assert "EUR 450,000.00" in page


def test_an_onboarding_step_says_its_due_date_as_a_day(
    people, japan, settings, django_capture_on_commit_callbacks
):
    settings.NOTIFICATION_REMINDER_DAYS = [7]
    members.member_transition(
        member_state=japan, to_status="invited", actor=people.officer, reason="r"
    )
    onboarding = OnboardingCase.objects.get(member_state=japan)
    step = onboarding.steps.order_by("position").first()
    due = dt.date(2026, 3, 31)
    members.onboarding_step_assign(
        step=step, actor=people.officer, owner=people.finance, due_date=due
    )
    assigned = Notification.objects.get(kind=NotificationKind.STEP_ASSIGNED)
    assert assigned.body == "Japan, due 31 Mar 2026"
    assert TimelineEvent.objects.filter(
        action="step_assigned", description__endswith="due 31 Mar 2026"
    ).exists()

    with django_capture_on_commit_callbacks(execute=True):
        step_reminders(today=due - dt.timedelta(days=7))
        step_reminders(today=due + dt.timedelta(days=1))
    reminders = Notification.objects.filter(
        kind__in=[NotificationKind.DEADLINE_APPROACHING, NotificationKind.STEP_OVERDUE]
    ).order_by("pk")
    ref = onboarding.case.reference
    name = step.get_kind_display()
    assert [n.title for n in reminders] == [
        f"{ref}: “{name}” is due on 31 Mar 2026",
        f"{ref}: “{name}” was due on 31 Mar 2026",
    ]
    emails = [m.body for m in mail.outbox if m.to == [people.finance.email]]
    assert any("is due on 31 Mar 2026" in body for body in emails)
    assert not any("2026-03-31" in body for body in emails)


def test_a_digest_of_one_says_one_notification(people):
    notifications.preferences_set(
        actor=people.approver_lv,
        modes={NotificationKind.DISBURSEMENT_TO_CHECK: DeliveryMode.DIGEST},
    )
    (told,) = notifications.notify(
        recipients=[people.approver_lv],
        kind=NotificationKind.DISBURSEMENT_TO_CHECK,
        title="DSB-2026-0001 awaits your check",
    )
    assert send_digests() == 1
    (digest,) = mail.outbox
    assert digest.subject == "Your daily digest: 1 notification"
    when = when_text(told.created_at)  # 31 Mar 2026, 14:00, as on the pages
    assert f"DSB-2026-0001 awaits your check ({when})" in digest.body


@pytest.mark.parametrize(
    ("amount", "shown"),
    [
        ("81812345.67", "EUR 81.8 M"),
        ("250000.00", "EUR 250 k"),
        ("999960.00", "EUR 1 M"),
        ("6650000.00", "EUR 6.7 M"),
        ("3000000000", "EUR 3 bn"),
        ("-1500.00", "-EUR 1.5 k"),
        ("950.00", "EUR 950.00"),
    ],
)
def test_a_card_shows_money_at_a_glance(amount, shown):
    assert money_compact(Decimal(amount)) == shown
