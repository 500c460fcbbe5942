"""The fund's pages: the fund statement, commitments, adjustments, the ledger
and bank statements, as staff and member liaisons use them."""

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from members.models import MemberStatus
from secretariat.fund.models import (
    Adjustment,
    AdjustmentStatus,
    Commitment,
    CommitmentStatus,
    LedgerEntry,
    LedgerKind,
)
from secretariat.fund.services import disbursements as dsb
from secretariat.fund.services import ledger as fund
from secretariat.kernel.roles import Role
from tests.conftest import refresh
from tests.factories import MemberStateFactory, UserFactory
from tests.secretariat.fund_fixtures import category, receive

pytestmark = pytest.mark.django_db

STAFF = ["officer", "procurement", "finance", "approver_lv", "approver_uk", "admin"]
LIAISONS = ["liaison_jp", "liaison_lv"]
OTHERS = ["evaluator", "manufacturer", "outsider"]
EVERYONE = [*STAFF, *LIAISONS, *OTHERS]
FINANCE = ["finance", "admin"]


@pytest.fixture
def web():
    def login(user):
        browser = Client()
        browser.force_login(user)
        return browser

    return login


@pytest.fixture
def second_finance(db):
    return UserFactory(username="checker", roles=[Role.FINANCE_OFFICER])


@pytest.fixture
def pledges(people, funded, japan):
    """Latvia and the UK have paid in (``funded``); France pledged and paid part;
    Japan, considering membership, pledged for non-lethal aid."""
    france = MemberStateFactory(country="FR", name="France")
    receive(people, france, "750000.00")
    japan.status = MemberStatus.CONSIDERING
    japan.save()
    from members import services as member_services

    member_services.pledge_record(
        member_state=japan, actor=people.officer, year=2026,
        amount=Decimal("400000.00"), currency="EUR", earmark="non_lethal",
    )  # fmt: skip


def section(html, heading_id):
    start = html.index(f'id="{heading_id}"')
    return html[start : html.index("</section>", start)]


# ---------------------------------------------------------------- the fund statement


def test_fund_statement_for_the_secretariat(people, pledges, web):
    response = web(people.finance).get(reverse("fund_statement"))
    assert response.status_code == 200
    html = response.content.decode()
    pools = section(html, "pools-heading")
    assert "EUR 5,750,000.00" in pools  # unrestricted: Latvia and France
    assert "EUR 3,000,000.00" in pools  # non-lethal: the UK
    total = pools[pools.index("<tfoot>") :]
    assert "EUR 8,750,000.00" in total
    statement = response.context["statement"]
    assert [row.member_state.name for row in statement.members] == [
        "France", "Japan", "Latvia", "United Kingdom",
    ]  # fmt: skip
    japan_row = statement.members[1]
    assert (japan_row.pledged, japan_row.received, japan_row.outstanding) == (
        Decimal("400000.00"), Decimal(0), Decimal("400000.00"),
    )  # fmt: skip
    members = section(html, "members-heading")
    assert "EUR 400,000.00" in members
    assert "EUR 750,000.00" in members


@pytest.mark.parametrize(
    ("who", "own", "others"),
    [
        ("liaison_lv", "Latvia", ["Japan", "France", "United Kingdom"]),
        ("liaison_jp", "Japan", ["Latvia", "France", "United Kingdom"]),
    ],
)
def test_a_liaison_sees_the_fund_and_only_their_own_state(
    people, pledges, web, who, own, others
):
    response = web(getattr(people, who)).get(reverse("fund_statement"))
    assert response.status_code == 200
    assert [r.member_state.name for r in response.context["statement"].members] == [own]
    html = response.content.decode()
    members = section(html, "members-heading")
    assert own in members
    for other in others:
        assert other not in members
    # The coalition's figures are everyone's.
    assert "EUR 8,750,000.00" in section(html, "pools-heading")
    # No way into the secretariat's fund pages.
    assert reverse("ledger") not in html
    assert reverse("commitment_list") not in html


# ---------------------------------------------------------------- commitments


def test_commitment_is_created_and_released_through_the_forms(
    people, funded, unrestricted, non_lethal, web
):
    finance = web(people.finance)
    url = reverse("commitment_create")
    assert finance.get(url).status_code == 200
    data = {
        "pool": non_lethal.pk, "amount_eur": "100000.00", "purpose": "Strike drones",
        "approval_reference": "CTR-9", "categories": [category("strike").pk],
    }  # fmt: skip
    lethal = finance.post(url, data)
    assert lethal.status_code == 200
    assert (
        "cannot pay for lethal capabilities"
        in (lethal.context["form"].errors["categories"][0])
    )
    too_much = finance.post(
        url, {**data, "pool": unrestricted.pk, "amount_eur": "6000000.00"}
    )
    assert (
        "has EUR 5,000,000.00 available"
        in (too_much.context["form"].errors["amount_eur"][0])
    )
    assert not Commitment.objects.exists()

    created = finance.post(
        url,
        {**data, "pool": unrestricted.pk, "purpose": "Contract CTR-9 lot 2",
         "categories": [category("reconnaissance").pk]},
    )  # fmt: skip
    assert created.status_code == 302
    assert created["Location"] == reverse("commitment_list")
    commitment = Commitment.objects.get()
    assert commitment.approval_reference == "CTR-9"
    assert refresh(unrestricted).committed == Decimal("100000.00")
    listing = finance.get(reverse("commitment_list")).content.decode()
    assert "Contract CTR-9 lot 2" in listing
    assert reverse("commitment_release", args=[commitment.pk]) in listing

    release_url = reverse("commitment_release", args=[commitment.pk])
    no_reason = finance.post(release_url, {"reason": ""})
    assert no_reason.context["form"].errors["reason"] == ["This field is required."]
    released = finance.post(release_url, {"reason": "Lot 2 cancelled"})
    assert released.status_code == 302
    commitment = refresh(commitment)
    assert commitment.status == CommitmentStatus.CLOSED
    assert commitment.released_eur == Decimal("100000.00")
    assert refresh(unrestricted).committed == 0
    again = finance.post(release_url, {"reason": "twice"})
    assert again.context["form"].errors["__all__"] == [
        f"The commitment {commitment.reference} is already closed."
    ]


# ---------------------------------------------------------------- adjustments


def test_adjustment_is_proposed_and_decided_by_another_person(
    people, funded, unrestricted, second_finance, web
):
    finance = web(people.finance)
    created = finance.post(
        reverse("adjustment_create"),
        {"pool": unrestricted.pk, "amount_eur": "-1000.00",
         "reason": "Bank charges on the Latvian transfer"},
    )  # fmt: skip
    assert created.status_code == 302
    adjustment = Adjustment.objects.get()
    assert adjustment.status == AdjustmentStatus.PENDING
    decide_url = reverse("adjustment_decide", args=[adjustment.pk])

    # The author may not decide it: no link, and the page refuses with the
    # policy's reason.
    listing = finance.get(reverse("adjustment_list")).content.decode()
    assert decide_url not in listing
    own = finance.post(decide_url, {"decision": "approve"})
    assert own.status_code == 403
    assert "someone other than its author" in own.content.decode()
    assert "form" not in own.context
    assert refresh(adjustment).status == AdjustmentStatus.PENDING
    assert refresh(unrestricted).received == Decimal("5000000.00")

    approver = web(people.approver_lv)
    assert decide_url in approver.get(reverse("adjustment_list")).content.decode()
    approved = approver.post(decide_url, {"decision": "approve"})
    assert approved.status_code == 302
    adjustment = refresh(adjustment)
    assert (adjustment.status, adjustment.decided_by) == (
        "approved",
        people.approver_lv,
    )
    assert refresh(unrestricted).received == Decimal("4999000.00")
    assert LedgerEntry.objects.filter(
        kind=LedgerKind.ADJUSTMENT, amount_eur=Decimal("-1000.00")
    ).exists()
    decided_again = approver.post(decide_url, {"decision": "reject"})
    assert decided_again.context["form"].errors["__all__"] == [
        "The adjustment has already been decided."
    ]

    second = web(second_finance)
    second.post(
        reverse("adjustment_create"),
        {"pool": unrestricted.pk, "amount_eur": "-9000000.00", "reason": "Typo"},
    )
    too_big = Adjustment.objects.get(status=AdjustmentStatus.PENDING)
    url = reverse("adjustment_decide", args=[too_big.pk])
    refused = finance.post(url, {"decision": "approve"})
    assert "would take it below zero" in refused.context["form"].errors["__all__"][0]
    assert refresh(too_big).status == AdjustmentStatus.PENDING
    rejected = finance.post(url, {"decision": "reject"})
    assert rejected.status_code == 302
    assert refresh(too_big).status == AdjustmentStatus.REJECTED
    assert refresh(unrestricted).received == Decimal("4999000.00")


def test_adjustment_needs_a_non_zero_amount_and_a_reason(people, funded, web):
    finance = web(people.finance)
    response = finance.post(
        reverse("adjustment_create"),
        {"pool": "", "amount_eur": "0", "reason": ""},
    )
    errors = response.context["form"].errors
    assert set(errors) == {"pool", "reason"}
    from secretariat.fund.models import Pool

    response = finance.post(
        reverse("adjustment_create"),
        {"pool": Pool.objects.get(code="unrestricted").pk, "amount_eur": "0",
         "reason": "r"},
    )  # fmt: skip
    assert "non-zero amount" in response.context["form"].errors["amount_eur"][0]
    assert not Adjustment.objects.exists()


# ---------------------------------------------------------------- the ledger


def test_ledger_lists_and_filters_entries(people, commitment, unrestricted, web):
    browser = web(people.officer)
    everything = browser.get(reverse("ledger"))
    assert everything.status_code == 200
    kinds = [e.kind for e in everything.context["page"]]
    assert sorted(kinds) == ["commitment", "contribution", "contribution"]
    only_pool = browser.get(reverse("ledger"), {"pool": unrestricted.pk})
    assert len(only_pool.context["page"]) == 2
    commitments = browser.get(reverse("ledger"), {"kind": "commitment"})
    [entry] = commitments.context["page"]
    assert entry.amount_eur == Decimal("2000000.00")
    assert "EUR 2,000,000.00" in commitments.content.decode()
    empty = browser.get(reverse("ledger"), {"kind": "adjustment"})
    assert "No entry matches." in empty.content.decode()


# ---------------------------------------------------------------- bank statements


def test_only_finance_officers_import_statements(people, funded, web):
    officer = web(people.officer)
    page = officer.get(reverse("bank_statements"))
    assert page.status_code == 200
    assert page.context["form"] is None
    assert "No statement imported yet." in page.content.decode()
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile(
        "s.csv", b"date,amount,currency,reference\n2026-01-02,1.00,EUR,X\n"
    )
    assert officer.post(reverse("bank_statements"), {"file": upload}).status_code == 403
    not_csv = web(people.finance).post(
        reverse("bank_statements"),
        {"file": SimpleUploadedFile("s.pdf", b"%PDF-1.4")},
    )
    assert not_csv.context["form"].errors["file"] == [
        "Upload the statement as a .csv file."
    ]


# ---------------------------------------------------------------- who may do what


@pytest.fixture
def fund_records(people, commitment, second_finance):
    adjustment = fund.adjustment_request(
        pool=commitment.pool, amount_eur=Decimal("10.00"), reason="r",
        actor=second_finance,
    )  # fmt: skip
    statement = dsb.statement_import(
        actor=second_finance, file_name="march.csv",
        content=b"date,amount,currency,reference\n2026-03-02,5.00,EUR,FEE-1\n",
    )  # fmt: skip
    return {
        "commitment": commitment,
        "adjustment": adjustment,
        "statement": statement,
        "line": statement.lines.get(),
    }


PAGES = {
    "fund statement": (
        lambda r: reverse("fund_statement"), [*STAFF, *LIAISONS], 403),
    "commitments": (lambda r: reverse("commitment_list"), STAFF, 403),
    "new commitment": (lambda r: reverse("commitment_create"), FINANCE, 403),
    "release commitment": (
        lambda r: reverse("commitment_release", args=[r["commitment"].pk]),
        FINANCE, 404),
    "adjustments": (lambda r: reverse("adjustment_list"), STAFF, 403),
    "new adjustment": (lambda r: reverse("adjustment_create"), FINANCE, 403),
    "decide adjustment": (
        lambda r: reverse("adjustment_decide", args=[r["adjustment"].pk]),
        [*FINANCE, "approver_lv", "approver_uk"], 403),
    "ledger": (lambda r: reverse("ledger"), STAFF, 403),
    "bank statements": (lambda r: reverse("bank_statements"), STAFF, 403),
    "bank statement": (
        lambda r: reverse("bank_statement", args=[r["statement"].pk]), STAFF, 403),
    "resolve line": (
        lambda r: reverse("statement_line_resolve",
                          args=[r["statement"].pk, r["line"].pk]),
        FINANCE, 403),
}  # fmt: skip


@pytest.mark.parametrize("user", EVERYONE)
def test_who_may_open_each_fund_page(client, people, fund_records, user):
    """Staff without the role get 403; liaisons read only the fund statement;
    a commitment is out of sight (404) for anyone who may not read commitments."""
    client.force_login(getattr(people, user))
    answers, expected = {}, {}
    for page, (url_of, allowed, hidden) in PAGES.items():
        answers[page] = client.get(url_of(fund_records)).status_code
        if user in allowed:
            expected[page] = 200
        else:
            expected[page] = 403 if user in STAFF else hidden
    assert answers == expected


def test_anonymous_is_sent_to_sign_in(client, fund_records):
    for page, (url_of, _allowed, _hidden) in PAGES.items():
        response = client.get(url_of(fund_records))
        assert response.status_code == 302, page
        assert response["Location"].startswith(reverse("login")), page
