"""WCAG 2.1 AA: axe-core finds no serious or critical violation on the main
pages, each opened by the person who uses it, with something on it to show."""

import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import Resolver404, resolve, reverse
from playwright.sync_api import expect

from members import services as member_services
from members.models import MemberStatus, OnboardingCase, StepKind
from procurement import services as procurement_services
from procurement.models import CommitteeMember
from secretariat.fund.models import Pool
from secretariat.fund.services import disbursements as dsb
from secretariat.fund.services import ledger as fund
from secretariat.kernel.roles import Role
from tests.browser.axe import assert_accessible
from tests.browser.helpers import enrol_staff, is_staff, label_is, two_factor_ready
from tests.factories import PASSWORD, UserFactory
from tests.files import pdf
from tests.procurement.helpers import bid, past_deadline, to_tendering
from tests.secretariat.fund_fixtures import BIC, IBAN, category, receive
from tests.twofactor import mark_verified

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


# ---------------------------------------------------------------- the worlds


def japan_onboarding(request) -> OnboardingCase:
    """Japan invited, its liaison's document uploaded (which notifies the
    secretariat)."""
    people, japan = request.getfixturevalue("people"), request.getfixturevalue("japan")
    member_services.member_transition(
        member_state=japan, to_status=MemberStatus.INVITED, actor=people.officer,
        reason="Invited by Latvia", evidence_file=pdf("invitation.pdf"),
        owner=people.officer,
    )  # fmt: skip
    onboarding = OnboardingCase.objects.get(member_state=japan)
    member_services.onboarding_document_upload(
        onboarding=onboarding, actor=people.liaison_jp,
        uploaded_file=pdf("acknowledgement.pdf"),
        step=onboarding.steps.get(kind=StepKind.ACKNOWLEDGEMENT),
    )  # fmt: skip
    return onboarding


def tender_in_evaluation(request) -> CommitteeMember:
    """A tender with two opened bids, whose evaluator is scoring them."""
    people = request.getfixturevalue("people")
    (_m1, rep_lv), (_m2, rep_gb) = request.getfixturevalue("bidders")
    tender = to_tendering(request.getfixturevalue("tender"), people)
    bid(rep_lv, tender, price="1400.00")
    bid(rep_gb, tender, price="1600.00")
    tender = past_deadline(tender)
    procurement_services.tender_open(tender=tender, actor=people.procurement)
    seat = procurement_services.committee_appoint(
        tender=tender, actor=people.procurement, evaluator=people.evaluator
    )
    procurement_services.committee_declare(
        member=seat, actor=people.evaluator, conflict=False
    )
    procurement_services.tender_start_evaluation(
        tender=tender, actor=people.procurement
    )
    return seat


def disbursement(request, amount="250000.00"):
    """A draft request of the finance officer, paid from a commitment."""
    people = request.getfixturevalue("people")
    receive(people, request.getfixturevalue("latvia"), "5000000.00")
    commitment = fund.commitment_create(
        pool=Pool.objects.get(code="unrestricted"), amount_eur=Decimal("2000000.00"),
        purpose="Contract CTR-2026-001 lot 1", actor=people.finance,
        categories=[category("reconnaissance")], approval_reference="CTR-2026-001",
    )  # fmt: skip
    return dsb.disbursement_prepare(
        actor=people.finance, commitment=commitment, payee_name="SIA Drone Works",
        payee_country="LV", payee_iban=IBAN, payee_bic=BIC, amount=Decimal(amount),
        currency="EUR", purpose="Milestone 1: 500 drones accepted at Sēlia",
        categories=[category("reconnaissance")],
    )  # fmt: skip


def disbursement_awaiting_two_approvers(request):
    """Above the one-approver limit, checked: approving it asks for a code."""
    people = request.getfixturevalue("people")
    draft = disbursement(request, amount="1500000.00")
    checker = UserFactory(username="checker", roles=[Role.FINANCE_OFFICER])
    dsb.disbursement_submit(request=draft, actor=people.finance)
    dsb.disbursement_check(request=draft, actor=checker)
    return draft


def tendering(request):
    return to_tendering(
        request.getfixturevalue("tender"), request.getfixturevalue("people")
    )


def funded(request):
    people = request.getfixturevalue("people")
    receive(people, request.getfixturevalue("latvia"), "5000000.00")
    receive(people, request.getfixturevalue("uk"), "3000000.00", earmark="non_lethal")


def nothing(request):
    return None


# ---------------------------------------------------------------- the pages


@dataclass(frozen=True)
class Page:
    who: str | None  # who opens it: an attribute of ``people``; None: nobody
    world: Callable  # request -> what the page shows, built through services
    url: Callable  # that -> the page's address
    password_only: bool = False  # signed in with the password, code still owed


PAGES = {
    "login": Page(None, nothing, lambda _: reverse("login")),
    "open-data-policy": Page(
        None, nothing, lambda _: reverse("procurement:open_data_policy")
    ),
    "two-factor-verify": Page(
        "officer", nothing, lambda _: reverse("two_factor_verify"), True
    ),
    "dashboard": Page("officer", japan_onboarding, lambda _: reverse("dashboard")),
    "my-work": Page("officer", japan_onboarding, lambda _: reverse("my_work")),
    "member-list": Page("officer", nothing, lambda _: reverse("members:list")),
    "member-page": Page(
        "liaison_jp",
        japan_onboarding,
        lambda case: case.member_state.get_absolute_url(),
    ),
    "onboarding-case": Page(
        "officer", japan_onboarding, lambda case: case.get_absolute_url()
    ),
    "onboarding-case-liaison": Page(
        "liaison_jp", japan_onboarding, lambda case: case.get_absolute_url()
    ),
    "tender-list": Page(
        "procurement",
        tender_in_evaluation,
        lambda _: reverse("procurement:tender_list"),
    ),
    "tender-page": Page(
        "procurement",
        tender_in_evaluation,
        lambda seat: reverse("procurement:tender", args=[seat.tender.case.reference]),
    ),
    # A co-lead approver watching the integrity red flags (short periods).
    "red-flags": Page(
        "approver_lv",
        tender_in_evaluation,
        lambda _: reverse("procurement:red_flags"),
    ),
    "bid-form": Page(
        "manufacturer_lv",
        tendering,
        lambda tender: reverse(
            "procurement:bid_submit", args=[tender.case.reference, 1]
        ),
    ),
    "evaluation-page": Page(
        "evaluator",
        tender_in_evaluation,
        lambda seat: reverse("procurement:evaluation", args=[seat.pk]),
    ),
    "contract-page": Page(
        "procurement",
        lambda r: r.getfixturevalue("contract")[0],
        lambda contract: reverse("procurement:contract", args=[contract.pk]),
    ),
    "requirement-page": Page(
        "procurement",
        lambda r: r.getfixturevalue("tender").requirements.get(),
        lambda req: reverse("procurement:requirement", args=[req.reference]),
    ),
    # Prefilled from the requirement, with the weights' running total.
    "tender-form": Page(
        "procurement",
        lambda r: r.getfixturevalue("tender").requirements.get(),
        lambda req: reverse("procurement:tender_create") + f"?requirement={req.pk}",
    ),
    "disbursement-list": Page(
        "finance", disbursement, lambda _: reverse("disbursement_list")
    ),
    "disbursement-page": Page(
        "finance", disbursement, lambda draft: draft.get_absolute_url()
    ),
    "disbursement-approval": Page(
        "approver_lv",
        disbursement_awaiting_two_approvers,
        lambda draft: reverse("disbursement_approve", args=[draft.case.reference]),
    ),
    "fund-statement": Page("liaison_lv", funded, lambda _: reverse("fund_statement")),
    "notifications": Page(
        "officer", japan_onboarding, lambda _: reverse("notification_list")
    ),
    "reports": Page("officer", nothing, lambda _: reverse("report_list")),
    # The landing page, as each role sees it (its overview differs).
    "landing-officer": Page("officer", japan_onboarding, lambda _: reverse("start")),
    "landing-approver": Page(
        "approver_lv",
        disbursement_awaiting_two_approvers,
        lambda _: reverse("start"),
    ),
    "landing-liaison": Page("liaison_jp", japan_onboarding, lambda _: reverse("start")),
    "landing-evaluator": Page(
        "evaluator", tender_in_evaluation, lambda _: reverse("start")
    ),
    "landing-manufacturer": Page(
        "manufacturer_lv", tendering, lambda _: reverse("start")
    ),
    "search": Page("officer", japan_onboarding, lambda _: "/search/?q=Japan"),
}


def signed_in_as(context, live_server, user):
    """The person's session in the browser, without typing the password again
    (the sign-in page, with its second factor, is covered by the journeys)."""
    client = Client()
    client.force_login(user)
    if two_factor_ready() and is_staff(user):
        mark_verified(client, user)  # as the code page does once given
    context.add_cookies(
        [
            {"name": name, "value": morsel.value, "url": live_server.url}
            for name, morsel in client.cookies.items()
        ]
    )


def person(request, who):
    if who == "manufacturer_lv":  # the representative of the Latvian bidder
        return request.getfixturevalue("bidders")[0][1]
    return getattr(request.getfixturevalue("people"), who)


@pytest.mark.parametrize("name", list(PAGES))
def test_page_has_no_serious_accessibility_violation(
    name, request, live_server, new_page
):
    spec = PAGES[name]
    url = spec.url(spec.world(request))
    path = url.split("?")[0]
    try:
        resolve(path)
    except Resolver404:
        pytest.skip(f"{path} does not exist (yet)")
    page = new_page()
    if spec.password_only:
        user = person(request, spec.who)
        enrol_staff(user)
        page.goto(reverse("login"))
        page.get_by_label("Username").fill(user.username)
        page.get_by_label(label_is("Password")).fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        expect(page).to_have_url(re.compile(re.escape(url)))
    else:
        if spec.who:
            signed_in_as(page.context, live_server, person(request, spec.who))
        response = page.goto(url)
        assert response.status == 200, f"{url}: HTTP {response.status}"
    assert_accessible(page, f"{name} ({url}) as {spec.who or 'nobody signed in'}")
