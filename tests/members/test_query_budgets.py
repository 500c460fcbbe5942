"""Query budgets: each page and endpoint costs a fixed number of queries,
whatever the amount of data."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from members import services
from members.models import MemberState, MemberStatus, OnboardingCase
from tests.files import pdf

pytestmark = pytest.mark.django_db

MAX_QUERIES = 20


STATE_CODES = (
    ["FR", "DE", "IT", "PL", "SE", "NO", "DK", "NL", "BE", "CZ", "EE", "LT", "FI",
     "PT", "ES", "AT", "IE", "SK", "SI", "HR", "RO", "BG", "GR", "LU", "IS"]
)  # fmt: skip


def grow(people, latvia, japan, codes):
    """Add states, pledges with contributions, and case documents."""
    for code in codes:
        state = MemberState.objects.create(
            country=code, name=f"State {code}", status=MemberStatus.PROSPECTIVE
        )
        services.member_transition(
            member_state=state, to_status="invited", actor=people.officer, reason="r"
        )
        pledge = services.pledge_record(
            member_state=latvia, actor=people.officer, year=2025,
            amount=Decimal("1000"), currency="EUR",
        )  # fmt: skip
        services.contribution_record(
            pledge=pledge, actor=people.finance, amount=Decimal("10"),
            currency="EUR", received_on=pledge.fx_date,
        )  # fmt: skip
        services.onboarding_document_upload(
            onboarding=OnboardingCase.objects.get(member_state=japan),
            actor=people.officer,
            uploaded_file=pdf(f"{code}.pdf"),
        )


def count(fetch):
    # Once before counting: what the cache keeps for a signed-in person, kept.
    fetch()
    with CaptureQueriesContext(connection) as queries:
        response = fetch()
    assert response.status_code == 200
    return len(queries)


PAGES = {
    "member list": lambda r: reverse("members:list"),
    "member page": lambda r: reverse("members:detail", args=["LV"]),
    "onboarding case": lambda r: reverse("members:onboarding", args=[r]),
    "my work": lambda r: reverse("my_work"),
    "api member states": lambda r: "/api/member-states/",
    "api onboarding cases": lambda r: "/api/onboarding-cases/",
    "api onboarding case": lambda r: f"/api/onboarding-cases/{r}/",
    "api onboarding steps": lambda r: "/api/onboarding-steps/",
    "api pledges": lambda r: "/api/pledges/",
    "api contributions": lambda r: "/api/contributions/",
}


@pytest.mark.parametrize("page", PAGES)
def test_query_count_is_bounded_and_flat(client, people, latvia, japan, page):
    services.member_transition(
        member_state=japan, to_status="invited", actor=people.officer, reason="r"
    )
    reference = OnboardingCase.objects.get().case.reference
    client.force_login(people.officer)
    url = PAGES[page](reference)

    grow(people, latvia, japan, STATE_CODES[:2])
    small = count(lambda: client.get(url))
    grow(people, latvia, japan, STATE_CODES[2:12])
    large = count(lambda: client.get(url))

    assert small <= MAX_QUERIES, f"{page}: {small} queries"
    assert large == small, f"{page}: {small} queries grew to {large}"
