"""Money through the API: an unknown currency is reported under ``currency``
(not ``amount``), and amounts come back in their currency's minor unit (JPY
without decimals, EUR with two), from one shared serializer field."""

from decimal import Decimal

import pytest
from django.urls import reverse

from members import services as members
from members.models import Contribution, MemberStatus, Pledge
from secretariat.fund.models import DisbursementRequest, LedgerEntry, StatementLine
from secretariat.fund.services import disbursements as dsb
from tests.secretariat.fund_fixtures import BIC, IBAN, category

pytestmark = pytest.mark.django_db

UNKNOWN = "“XYZ” is not a currency the Coalition accepts"


@pytest.fixture
def engaged_japan(japan):
    japan.status = MemberStatus.CONSIDERING
    japan.save()
    return japan


@pytest.fixture
def yen_pledge(people, engaged_japan, jpy_rate):
    return members.pledge_record(
        member_state=engaged_japan, actor=people.officer, year=2026,
        amount=Decimal("150000"), currency="JPY", earmark="non_lethal",
    )  # fmt: skip


def errors_of(response):
    assert response.status_code == 400, response.content
    return response.json()


# ---------------------------------------------------------------- item 14


def test_a_pledge_in_an_unknown_currency_is_refused_under_currency(
    api_for, people, engaged_japan
):
    body = errors_of(
        api_for(people.officer).post(
            "/api/pledges/",
            {
                "member_state": "JP",
                "year": 2026,
                "amount": "100",
                "currency": "XYZ",
                "fx_rate": "160",
            },
            format="json",
        )
    )
    assert set(body) == {"currency"}
    assert UNKNOWN in body["currency"][0]
    assert not Pledge.objects.exists()


def test_a_contribution_in_an_unknown_currency_is_refused_under_currency(
    api_for, people, yen_pledge
):
    body = errors_of(
        api_for(people.finance).post(
            "/api/contributions/",
            {
                "pledge": yen_pledge.pk,
                "amount": "1000",
                "currency": "xyz",
                "received_on": str(yen_pledge.fx_date),
            },
            format="json",
        )
    )
    assert set(body) == {"currency"}
    assert UNKNOWN in body["currency"][0]
    assert not Contribution.objects.exists()


def test_a_disbursement_in_an_unknown_currency_is_refused_under_currency(
    api_for, people, commitment
):
    before = DisbursementRequest.objects.count()
    body = errors_of(
        api_for(people.finance).post(
            "/api/disbursements/",
            {
                "commitment": commitment.pk,
                "payee_name": "SIA Drone Works",
                "payee_country": "LV",
                "payee_iban": IBAN,
                "payee_bic": BIC,
                "amount": "1000.00",
                "currency": "XYZ",
                "purpose": "Milestone 2",
                "categories": ["reconnaissance"],
            },
            format="json",
        )
    )
    assert set(body) == {"currency"}
    assert UNKNOWN in body["currency"][0]
    assert DisbursementRequest.objects.count() == before


def test_the_disbursement_service_names_the_currency(people, commitment):
    from secretariat.kernel.exceptions import ApplicationError

    with pytest.raises(ApplicationError) as refused:
        dsb.disbursement_prepare(
            actor=people.finance, commitment=commitment, payee_name="SIA Drone Works",
            payee_country="LV", payee_iban=IBAN, payee_bic=BIC,
            amount=Decimal("1000"), currency="XYZ", purpose="Milestone 2",
            categories=[],
        )  # fmt: skip
    assert refused.value.field == "currency"
    assert UNKNOWN in refused.value.message


def test_a_bad_amount_in_a_known_currency_stays_under_amount(
    api_for, people, engaged_japan, jpy_rate
):
    body = errors_of(
        api_for(people.officer).post(
            "/api/pledges/",
            {"member_state": "JP", "year": 2026, "amount": "100.5", "currency": "JPY"},
            format="json",
        )
    )
    assert body == {"amount": ["JPY amounts have no decimal places."]}


def test_the_pledge_form_shows_an_unknown_currency_next_to_the_currency(
    client, people, engaged_japan
):
    client.force_login(people.officer)
    page = client.post(
        reverse("members:pledge_create", args=["JP"]),
        {"year": 2026, "amount": "100", "currency": "XYZ", "earmark": "unrestricted",
         "fx_rate": "160"},
    )  # fmt: skip
    assert page.status_code == 200
    errors = page.context["form"].errors
    assert "currency" in errors
    assert "amount" not in errors


# ---------------------------------------------------------------- item 16


def test_yen_amounts_come_back_without_decimals(api_for, people, yen_pledge):
    members.contribution_record(
        pledge=yen_pledge, actor=people.finance, amount=Decimal("50000"),
        currency="JPY", received_on=yen_pledge.fx_date,
    )  # fmt: skip
    api = api_for(people.finance)

    pledge = api.get(f"/api/pledges/{yen_pledge.pk}/").json()
    assert (pledge["amount"], pledge["currency"]) == ("150000", "JPY")
    assert pledge["received_amount"] == "50000"
    assert pledge["eur_amount"] == "937.50"  # euros keep their cents

    (contribution,) = api.get("/api/contributions/").json()["results"]
    assert (contribution["amount"], contribution["currency"]) == ("50000", "JPY")

    entry = LedgerEntry.objects.get(contribution__pledge=yen_pledge)
    ledger = api.get(f"/api/ledger-entries/{entry.pk}/").json()
    assert (ledger["original_amount"], ledger["original_currency"]) == (
        "50000",
        "JPY",
    )


def test_euro_amounts_come_back_with_two_decimals(api_for, people, draft, latvia):
    pledge = members.pledge_record(
        member_state=latvia, actor=people.officer, year=2027,
        amount=Decimal("1000"), currency="EUR",
    )  # fmt: skip
    request = draft("250000")
    api = api_for(people.finance)
    assert api.get(f"/api/pledges/{pledge.pk}/").json()["amount"] == "1000.00"
    disbursement = api.get(f"/api/disbursements/{request.case.reference}/").json()
    assert (disbursement["amount"], disbursement["currency"]) == ("250000.00", "EUR")


def test_a_yen_disbursement_and_statement_line_come_back_without_decimals(
    api_for, people, commitment, jpy_rate, checker
):
    request = dsb.disbursement_prepare(
        actor=people.finance, commitment=commitment, payee_name="KK Tokyo Drones",
        payee_country="JP", payee_iban=IBAN, payee_bic=BIC,
        amount=Decimal("1600000"), currency="JPY", purpose="Milestone 1",
        categories=[category("reconnaissance")],
    )  # fmt: skip
    statement = dsb.statement_import(
        actor=checker, file_name="april.csv",
        content=b"date,amount,currency,reference\n2026-04-02,3000,JPY,FEE-9\n",
    )  # fmt: skip
    api = api_for(people.finance)
    body = api.get(f"/api/disbursements/{request.case.reference}/").json()
    assert (body["amount"], body["currency"]) == ("1600000", "JPY")
    line = StatementLine.objects.get(statement=statement)
    assert api.get(f"/api/statement-lines/{line.pk}/").json()["amount"] == "3000"
