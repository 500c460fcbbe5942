"""Tasks come from the policy: My work, the landing page and the notifications
that ask a person to act all read the policy's queues and decisions, and a
notification about a task settles itself once the task is no longer that
person's to do."""

import datetime as dt

import pytest
from django.db import transaction
from django.urls import reverse

from members import services as member_services
from members.models import OnboardingCase
from secretariat.accounts.twofactor import FreshCode
from secretariat.fund.services import disbursements as dsb
from secretariat.kernel import policy
from secretariat.kernel.services import case_set_status, timeline_record
from secretariat.notifications import services as notifications
from secretariat.notifications.models import (
    DeliveryMode,
    DeliveryStatus,
    Notification,
    NotificationKind,
    NotificationPreference,
)
from secretariat.reports.selectors import work_items_for
from tests.factories import UserFactory
from tests.twofactor import code_for

pytestmark = pytest.mark.django_db

POKE = "test.onboarding_poke"
POKABLE = "poke-me"


# ------------------------------------------------------- a test-only action


@pytest.fixture
def poke():
    """An action of this test alone, declared and withdrawn around each test:
    the owner of an onboarding case pokes it while its case says so."""

    def check(user, onboarding):
        if onboarding.case.owner_id != user.pk:
            return policy.refuse("Only the case's owner pokes it.", hidden=True)
        if onboarding.case.status != POKABLE:
            return policy.not_now("There is nothing to poke.")
        return policy.allow()

    def queue(user, onboardings):
        return onboardings.filter(case__owner=user, case__status=POKABLE)

    policy.action(POKE, label="Poke", model=OnboardingCase, work_label="Poke it")(check)
    policy.queue(POKE)(queue)
    yield POKE
    del policy.ACTIONS[POKE]


@pytest.fixture
def onboarding(people, japan):
    member_services.member_transition(
        member_state=japan, to_status="invited", actor=people.officer, reason="r",
        owner=people.procurement, due_date=dt.date(2020, 1, 1),
    )  # fmt: skip
    case = japan.onboarding_cases.get()
    case_set_status(case=case.case, status=POKABLE)
    return case


def poked(onboarding, *, actor, status):
    """A state change of the kind every service makes: the status moves and a
    timeline event records it, in one transaction."""
    with transaction.atomic():
        case_set_status(case=onboarding.case, status=status)
        timeline_record(
            subject=onboarding, case=onboarding.case, actor=actor,
            action="poked", description="Poked", to_status=status,
        )  # fmt: skip


def test_my_work_lists_what_a_queue_gives_with_its_work_label(people, poke, onboarding):
    items = [i for i in work_items_for(people.procurement) if i.what == "Poke it"]
    assert [(i.reference, i.url, i.due_date) for i in items] == [
        (
            onboarding.case.reference,
            onboarding.get_absolute_url(),
            dt.date(2020, 1, 1),
        )
    ]
    # Nobody else: the queue is the policy's rule.
    for other in (people.officer, people.finance, people.liaison_jp):
        assert "Poke it" not in [i.what for i in work_items_for(other)]
    case_set_status(case=onboarding.case, status="invited")
    assert "Poke it" not in [i.what for i in work_items_for(people.procurement)]


def test_a_queue_that_awaits_nobody_stays_off_my_work(people, poke, onboarding):
    policy.ACTIONS[POKE].my_work = False
    assert "Poke it" not in [i.what for i in work_items_for(people.procurement)]


def test_a_task_notification_settles_after_the_change_commits(
    people, poke, onboarding, client, django_capture_on_commit_callbacks
):
    (task,) = notifications.notify(
        recipients=[people.procurement], kind=NotificationKind.STEP_ASSIGNED,
        title="Poke the case", url="/", action=POKE, subject=onboarding,
    )  # fmt: skip
    assert task.case == onboarding.case
    assert notifications.unread_count(people.procurement) == 1
    # Something happened that leaves the task the person's to do: still open.
    with django_capture_on_commit_callbacks(execute=True):
        poked(onboarding, actor=people.officer, status=POKABLE)
    task.refresh_from_db()
    assert task.resolved_at is None

    with django_capture_on_commit_callbacks(execute=True):
        poked(onboarding, actor=people.officer, status="invited")
    task.refresh_from_db()
    assert task.resolved_at is not None
    assert notifications.unread_count(people.procurement) == 0
    client.force_login(people.procurement)
    page = client.get(reverse("notification_list")).content.decode()
    assert "Done — no longer awaits you" in page
    unread = client.get(reverse("notification_list") + "?show=unread")
    assert "Poke the case" not in unread.content.decode()


def test_a_task_names_both_its_action_and_its_object(people, onboarding):
    with pytest.raises(ValueError):
        notifications.notify(
            recipients=[people.officer], kind=NotificationKind.STEP_ASSIGNED,
            title="Half a task", action="disbursement.approve",
        )  # fmt: skip


def test_every_queue_on_my_work_reads_its_own_model(people):
    """A queue is a filter of its action's model: My work asks each of them for
    every person, so one that cannot run would break everyone's landing."""
    for name, act in policy.ACTIONS.items():
        if act.queue is None or not act.my_work:
            continue
        assert act.model is not None, name
        for person in people.all().values():
            list(policy.pending(name, person, act.model._default_manager.all()))


# ---------------------------------------------------------- disbursements


@pytest.fixture
def checked(people, draft, checker):
    """A request for one approval (under the threshold), checked: both co-lead
    approvers are asked to approve it."""
    request = draft("1000.00", due_date=dt.date(2030, 1, 1))
    request = dsb.disbursement_submit(request=request, actor=people.finance)
    return dsb.disbursement_check(request=request, actor=checker)


def _approval_task(user, request):
    return Notification.objects.get(
        recipient=user, kind=NotificationKind.DISBURSEMENT_TO_APPROVE,
        action="disbursement.approve", subject_id=request.pk,
    )  # fmt: skip


@pytest.fixture
def uk_wants_a_digest(people):
    NotificationPreference.objects.create(
        user=people.approver_uk, kind=NotificationKind.DISBURSEMENT_TO_APPROVE,
        mode=DeliveryMode.DIGEST,
    )  # fmt: skip


def test_awaits_your_approval_settles_when_another_state_approved(
    people, uk_wants_a_digest, checked, client, payer,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    request = checked
    ref = request.case.reference
    uk_task = _approval_task(people.approver_uk, request)
    assert uk_task.resolved_at is None

    with django_capture_on_commit_callbacks(execute=True):
        request = dsb.disbursement_approve(request=request, actor=people.approver_lv)
    uk_task.refresh_from_db()
    assert uk_task.resolved_at is not None
    assert notifications.unread_count(people.approver_uk) == 0
    client.force_login(people.approver_uk)
    page = client.get(reverse("notification_list")).content.decode()
    assert f"Done — {ref} is now Approved" in page
    api = client.get("/api/notifications/").json()
    (shown,) = [n for n in api["results"] if n["id"] == uk_task.pk]
    assert shown["action"] == "disbursement.approve"
    assert shown["outcome"] == f"Done — {ref} is now Approved"
    # Tomorrow's digest does not ask for what is done.
    assert notifications.digests_send() == 0
    assert uk_task.deliveries.get().status == DeliveryStatus.SKIPPED

    # Paid since: the same notification now says so.
    with django_capture_on_commit_callbacks(execute=True):
        dsb.disbursement_mark_paid(
            request=request, actor=payer, payment_order="PO-1",
            bank_reference="BANK-1", paid_on=dt.date.today(),
        )  # fmt: skip
    page = client.get(reverse("notification_list")).content.decode()
    assert f"Done — {ref} is now Paid" in page
    assert notifications.unread_count(people.approver_uk) == 0


def test_two_approvals_keep_the_other_states_task_open(
    people, draft, checker, django_capture_on_commit_callbacks
):
    request = draft("1500000.00")  # two approvals, one per co-lead state
    request = dsb.disbursement_submit(request=request, actor=people.finance)
    with django_capture_on_commit_callbacks(execute=True):
        request = dsb.disbursement_check(request=request, actor=checker)
    check_tasks = Notification.objects.filter(action="disbursement.check")
    assert check_tasks.exists()
    assert not check_tasks.filter(resolved_at__isnull=True).exists()

    code = FreshCode(code_for(people.approver_lv))
    with django_capture_on_commit_callbacks(execute=True):
        request = dsb.disbursement_approve(
            request=request, actor=people.approver_lv, second_factor=code
        )
    assert _approval_task(people.approver_lv, request).resolved_at is not None
    open_uk = Notification.objects.filter(
        recipient=people.approver_uk, action="disbursement.approve",
        resolved_at__isnull=True,
    )  # fmt: skip
    assert open_uk.exists()  # still the UK's to approve


# ------------------------------------------------------------ landing pages


def test_an_approver_with_approvals_waiting_lands_on_them(
    people, draft, checker, client
):
    references = []
    for amount in ("1000.00", "2000.00"):
        request = dsb.disbursement_submit(request=draft(amount), actor=people.finance)
        request = dsb.disbursement_check(request=request, actor=checker)
        references.append(request.case.reference)
    client.force_login(people.approver_lv)
    landing = client.get(reverse("start"))
    assert landing.status_code == 200
    page = landing.content.decode()
    assert "Waiting for you (2)" in page
    for reference in references:
        assert reference in page
    assert "Nothing awaits you" not in page


def test_with_nothing_waiting_staff_see_the_dashboard_figures(people, client):
    client.force_login(people.approver_lv)
    page = client.get(reverse("start")).content.decode()
    assert "Nothing waits for you" in page
    assert f'href="{reverse("dashboard")}"' in page


def test_my_work_is_offered_to_every_role(people, poke, onboarding, client):
    onboarding.case.owner = people.liaison_lv
    onboarding.case.save()
    client.force_login(people.liaison_lv)
    page = client.get(reverse("my_work"))
    assert page.status_code == 200
    assert "Poke it" in page.content.decode()
    client.force_login(people.manufacturer)
    page = client.get(reverse("my_work"))
    assert page.status_code == 200
    assert "Nothing awaits you now" in page.content.decode()


# ------------------------------------------------------ My work == policy


def test_my_work_is_the_policy(people, draft, checker, payer, japan):
    """Every item of My work is allowed by the policy, and everything the policy
    allows through a queue is on My work."""
    member_services.member_transition(
        member_state=japan, to_status="invited", actor=people.officer, reason="r",
    )  # fmt: skip
    draft("1000.00")
    submitted = dsb.disbursement_submit(request=draft("1100.00"), actor=people.finance)
    checked = dsb.disbursement_submit(request=draft("1200.00"), actor=people.finance)
    checked = dsb.disbursement_check(request=checked, actor=checker)
    approved = dsb.disbursement_submit(request=draft("1300.00"), actor=people.finance)
    approved = dsb.disbursement_check(request=approved, actor=checker)
    dsb.disbursement_approve(request=approved, actor=people.approver_uk)
    assert submitted and checked

    everyone = [*people.all().values(), checker, payer]
    for person in everyone:
        expected = set()
        for name, act in policy.ACTIONS.items():
            if act.queue is None or not act.my_work:
                continue
            every = act.model._default_manager.all()
            pending = set(policy.pending(name, person, every))
            for obj in every:
                allowed = policy.may(name, person, obj)
                assert (obj in pending) == allowed, (name, person, obj)
                if allowed:
                    expected.add(act.work_text(obj))
        shown = {item.what for item in work_items_for(person)}
        assert {what.split(": ")[0] for what in shown} == expected, person


def test_a_finance_officer_sees_each_step_of_the_fund_that_awaits_them(
    people, draft, checker
):
    request = dsb.disbursement_submit(request=draft("1000.00"), actor=people.finance)
    other = UserFactory(username="other-finance", roles=["finance_officer"])
    ref = request.case.reference
    assert ref in [i.reference for i in work_items_for(other)]
    assert ref in [i.reference for i in work_items_for(checker)]
    dsb.disbursement_check(request=request, actor=checker)
    assert ref not in [i.reference for i in work_items_for(other)]
