"""The landing page: "Waiting for you (n)", exactly the policies' queues for the
person, overdue first, each with its action's button, then the role's
overview."""

import datetime as dt
import re

import pytest
from django.urls import reverse

from members import services as member_services
from members.models import MemberStatus, OnboardingCase, StepKind
from procurement import services as procurement_services
from secretariat.fund.services import disbursements as dsb
from secretariat.kernel import policy
from secretariat.kernel.cases import case_of
from tests.files import pdf
from tests.procurement.helpers import (
    bid,
    draft_tender,
    make_manufacturer,
    past_deadline,
    to_tendering,
)

pytestmark = pytest.mark.django_db

ROW = re.compile(
    r'<tr class="work-item( overdue)?" data-action="([^"]+)">\s*'
    r'<td><a class="ref" href="[^"]*">([^<]+)</a>'
)
BUTTON = re.compile(r'<a class="button work-action" href="([^"]+)">([^<]+)<span')
PAST = dt.date(2020, 1, 1)
FUTURE = dt.date(2031, 1, 1)


def the_queue(user) -> list[tuple[str, str]]:
    """What the policies' queues give ``user``, asked action by action: (the
    action, the reference of its object's case)."""
    found = []
    for name, act in policy.ACTIONS.items():
        if act.queue is None or not act.my_work:
            continue
        for obj in policy.pending(name, user, act.model._default_manager.all()):
            case = case_of(obj)
            found.append((name, case.reference if case else str(obj)))
    return sorted(found)


class Landing:
    def __init__(self, response):
        assert response.status_code == 200
        self.html = response.content.decode()
        self.rows = [
            (action, reference.strip(), bool(overdue))
            for overdue, action, reference in ROW.findall(self.html)
        ]
        self.buttons = BUTTON.findall(self.html)

    @property
    def items(self):
        return sorted((action, reference) for action, reference, _ in self.rows)

    def heading(self) -> int:
        found = re.search(r"<h1[^>]*>Waiting for you \((\d+)\)</h1>", self.html)
        assert found, "no “Waiting for you (n)” heading"
        return int(found.group(1))


def landing(client, user) -> Landing:
    client.force_login(user)
    return Landing(client.get(reverse("start")))


def assert_is_the_queue(page: Landing, user):
    expected = the_queue(user)
    assert expected, "the world gives this person nothing to do"
    assert page.items == expected
    assert page.heading() == len(expected)
    assert len(page.buttons) == len(expected)


# ---------------------------------------------------------------- the worlds


def invite_japan(people, japan, due_date=PAST):
    member_services.member_transition(
        member_state=japan, to_status=MemberStatus.INVITED, actor=people.officer,
        reason="Invited by Latvia", owner=people.officer, due_date=due_date,
        evidence_file=pdf("invitation.pdf"),
    )  # fmt: skip
    return OnboardingCase.objects.get(member_state=japan)


def submitted(people, draft, due_date=FUTURE, preparer=None):
    preparer = preparer or people.finance
    request = draft("1000.00", preparer=preparer, due_date=due_date)
    return dsb.disbursement_submit(request=request, actor=preparer)


@pytest.fixture
def bidders(people, latvia, uk):
    return [
        make_manufacturer(people, latvia, "SIA Baltic UAV", "LV1"),
        make_manufacturer(people, uk, "UK Drones Ltd", "GB1"),
    ]


@pytest.fixture
def tender(people):
    return draft_tender(people)


@pytest.fixture
def opened(people, bidders, tender):
    """A tender whose two bids are opened and whose evaluator is appointed."""
    (_m1, rep_lv), (_m2, rep_gb) = bidders
    tender = to_tendering(tender, people)
    bid(rep_lv, tender, price="1400.00")
    bid(rep_gb, tender, price="1600.00")
    tender = past_deadline(tender)
    procurement_services.tender_open(tender=tender, actor=people.procurement)
    seat = procurement_services.committee_appoint(
        tender=tender, actor=people.procurement, evaluator=people.evaluator
    )
    return seat


# ---------------------------------------------------------------- per role


def test_secretariat_officer_sees_the_onboarding_steps_and_the_figures(
    client, people, japan
):
    onboarding = invite_japan(people, japan)
    page = landing(client, people.officer)
    assert_is_the_queue(page, people.officer)
    assert {action for action, _ in page.items} == {"onboardingstep.complete"}
    assert all(overdue for *_, overdue in page.rows)  # due 2020-01-01
    first_url, first_button = page.buttons[0]
    assert first_button == "Complete"
    assert first_url.startswith(f"/onboarding/{onboarding.case.reference}/steps/")
    assert 'class="overview overview-staff"' in page.html
    assert "Fund available" in page.html
    assert f'href="{reverse("dashboard")}"' in page.html


def test_checker_checks_what_another_finance_officer_prepared(
    client, people, draft, checker
):
    request = submitted(people, draft)
    page = landing(client, checker)
    assert_is_the_queue(page, checker)
    assert ("disbursement.check", request.case.reference) in page.items
    assert (
        reverse("disbursement_check", args=[request.case.reference]),
        "Check",
    ) in page.buttons
    assert 'class="overview overview-staff"' in page.html
    # The preparer has no check waiting: only their own drafts would be.
    preparer = landing(client, people.finance)
    assert ("disbursement.check", request.case.reference) not in preparer.items


def test_finance_officer_revises_their_draft(client, people, draft):
    request = draft("1000.00")
    page = landing(client, people.finance)
    assert_is_the_queue(page, people.finance)
    assert ("disbursement.edit", request.case.reference) in page.items
    assert (
        reverse("disbursement_edit", args=[request.case.reference]),
        "Edit",
    ) in page.buttons


def test_co_lead_approver_lands_on_the_approvals(client, people, draft, checker):
    references = []
    for due in (FUTURE, PAST):
        request = dsb.disbursement_check(
            request=submitted(people, draft, due_date=due), actor=checker
        )
        references.append(request.case.reference)
    page = landing(client, people.approver_lv)
    assert_is_the_queue(page, people.approver_lv)
    assert [(a, r) for a, r, _ in page.rows] == [
        ("disbursement.approve", references[1]),  # overdue first
        ("disbursement.approve", references[0]),
    ]
    assert [overdue for *_, overdue in page.rows] == [True, False]
    assert page.buttons[0] == (
        reverse("disbursement_approve", args=[references[1]]),
        "Approve",
    )
    assert 'class="overview overview-staff"' in page.html
    assert "overview-state" not in page.html  # staff, though of Latvia


def test_procurement_officer_opens_the_bids(client, people, bidders, tender):
    (_m1, rep_lv), _ = bidders
    tender = to_tendering(tender, people)
    bid(rep_lv, tender)
    tender = past_deadline(tender)
    page = landing(client, people.procurement)
    assert_is_the_queue(page, people.procurement)
    assert ("tender.open", tender.case.reference) in page.items
    assert (
        reverse("procurement:tender_open", args=[tender.case.reference]),
        "Open the bids",
    ) in page.buttons
    assert 'class="overview overview-staff"' in page.html


def test_evaluator_declares_then_scores(client, people, opened):
    page = landing(client, people.evaluator)
    assert_is_the_queue(page, people.evaluator)
    assert page.items == [("committee.declare", opened.tender.case.reference)]
    assert page.buttons == [(opened.get_absolute_url(), "Declare")]
    assert 'class="overview overview-evaluator"' in page.html
    assert opened.get_absolute_url() in page.html

    procurement_services.committee_declare(
        member=opened, actor=people.evaluator, conflict=False
    )
    procurement_services.tender_start_evaluation(
        tender=opened.tender, actor=people.procurement
    )
    page = landing(client, people.evaluator)
    assert_is_the_queue(page, people.evaluator)
    assert ("scoresheet.score", opened.tender.case.reference) in page.items
    assert (opened.get_absolute_url(), "Score") in page.buttons


def test_japans_liaison_sends_the_states_documents(client, people, japan):
    onboarding = invite_japan(people, japan)
    page = landing(client, people.liaison_jp)
    assert_is_the_queue(page, people.liaison_jp)
    assert {action for action, _ in page.items} == {"onboardingstep.provide"}
    assert page.heading() == 3  # the national decision, the letter, the terms
    upload = reverse("members:document_upload", args=[onboarding.case.reference])
    assert all(url.startswith(upload + "?step=") for url, _ in page.buttons)
    assert {button for _, button in page.buttons} == {"Upload the document"}
    assert "Send the document for “Accession letter received”" in page.html
    assert 'class="overview overview-state"' in page.html
    assert "Onboarding: 1 of 7 steps done" in page.html
    assert f'href="{japan.get_absolute_url()}"' in page.html

    # A document sent, the step waits on the secretariat, not on the liaison.
    member_services.onboarding_document_upload(
        onboarding=onboarding, actor=people.liaison_jp,
        uploaded_file=pdf("letter.pdf"),
        step=onboarding.steps.get(kind=StepKind.ACCESSION_LETTER),
    )  # fmt: skip
    page = landing(client, people.liaison_jp)
    assert_is_the_queue(page, people.liaison_jp)
    assert page.heading() == 2
    # Latvia's liaison is not asked for Japan's documents.
    assert landing(client, people.liaison_lv).heading() == 0


def test_only_the_states_liaison_sends_its_documents_and_only_once(people, japan):
    onboarding = invite_japan(people, japan)
    letter = onboarding.steps.get(kind=StepKind.ACCESSION_LETTER)
    assert policy.may("onboardingstep.provide", people.liaison_jp, letter)
    for other in (people.liaison_lv, people.officer, people.manufacturer):
        decision = policy.decide("onboardingstep.provide", other, letter)
        assert not decision.allowed and decision.hidden
    for kind in (StepKind.INVITATION_SENT, StepKind.ACKNOWLEDGEMENT):
        step = onboarding.steps.get(kind=kind)
        decision = policy.decide("onboardingstep.provide", people.liaison_jp, step)
        assert not decision.allowed and decision.hidden

    member_services.onboarding_document_upload(
        onboarding=onboarding, actor=people.liaison_jp,
        uploaded_file=pdf("letter.pdf"), step=letter,
    )  # fmt: skip
    letter.refresh_from_db()
    decision = policy.decide("onboardingstep.provide", people.liaison_jp, letter)
    assert not decision.allowed and not decision.hidden
    assert decision.reason == "The document for “Accession letter received” was sent."


def test_manufacturer_representative_sees_tenders_bids_and_deliveries(
    client,
    people,
    bidders,
    tender,
):
    (_m1, rep_lv), _ = bidders
    tender = to_tendering(tender, people)
    bid(rep_lv, tender)
    page = landing(client, rep_lv)
    assert page.items == the_queue(rep_lv)
    assert page.heading() == len(the_queue(rep_lv))
    assert 'class="overview overview-representative"' in page.html
    overview = page.html.split('class="overview overview-representative"')[1]
    assert re.search(r"Tenders open for bids</dt><dd>1<", overview)
    assert f'href="{tender.get_absolute_url()}"' in overview
    assert re.search(r"Your bids</dt><dd>1<", overview)
    assert re.search(r"Deliveries</dt><dd>0<", overview)


def test_nothing_waiting_says_so(client, people):
    page = landing(client, people.manufacturer)
    assert page.heading() == 0
    assert "Nothing waits for you" in page.html
    assert page.rows == []


def test_every_task_page_is_of_an_action_with_a_queue():
    from secretariat.reports.selectors import WORK_PAGES

    for name in WORK_PAGES:
        act = policy.ACTIONS[name]
        assert act.queue is not None and act.my_work, name


def test_no_item_says_only_what_its_button_says():
    """An item reading "Waiting: Approve [Approve]" tells the person nothing
    the button does not: what waits is the task (its work label), the button
    its verb."""
    from secretariat.kernel.cases import case_path
    from secretariat.reports.selectors import WORK_PAGES

    for name, act in policy.ACTIONS.items():
        if act.queue is None or not act.my_work or callable(act.work_label):
            continue
        if case_path(act.model) != "case":
            continue  # the item names its object: "Complete: National decision"
        page = WORK_PAGES.get(name)
        button = str(page.button if page and page.button else act.label)
        assert str(act.work_label or act.label) != button, name


def test_the_items_are_cards_on_a_phone(client, people, draft, checker):
    """Each item keeps its button in view on a phone (a card per row, each
    cell named by its column) instead of off to the right of a scrolling
    table."""
    dsb.disbursement_check(request=submitted(people, draft), actor=checker)
    page = landing(client, people.approver_lv)
    assert '<table class="work-items stacks">' in page.html
    assert '<td data-label="Waiting">Approve the payment</td>' in page.html
    assert '<td data-label="Due">' in page.html


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get(reverse("start"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_my_work_lists_the_same_items(client, people, draft, checker):
    submitted(people, draft)
    client.force_login(checker)
    work = client.get(reverse("my_work")).content.decode()
    page = landing(client, checker)
    assert sorted((a, r.strip()) for _, a, r in ROW.findall(work)) == page.items


# ---------------------------------------------------------------- query budget


def test_the_landing_page_costs_a_bounded_number_of_queries(
    client, people, japan, draft, checker, django_assert_max_num_queries
):
    invite_japan(people, japan)
    client.force_login(people.officer)
    with django_assert_max_num_queries(QUERY_BUDGET):
        steps = Landing(client.get(reverse("start")))
    assert steps.heading() == 6
    # Three times as much waiting: the same budget.
    for _ in range(3):
        dsb.disbursement_check(request=submitted(people, draft), actor=checker)
    client.force_login(people.approver_lv)
    with django_assert_max_num_queries(QUERY_BUDGET):
        approvals = Landing(client.get(reverse("start")))
    assert approvals.heading() == 3


# The session, the person, their second factor and roles; one query per queue
# that gives the person's roles anything; the dashboard's six figures; the
# notification bell (16 queries in all for an approver today).
QUERY_BUDGET = 22
