"""Money comes in once (issue 14, item 9): every API POST that creates a money
record takes an ``Idempotency-Key`` (a retry replays the first answer and counts
nothing twice), and one bank transfer is one contribution, whoever enters it,
through any door, the database included."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from drf_spectacular.generators import SchemaGenerator

from members import services
from members.models import Contribution, Pledge
from secretariat.fund.models import LedgerEntry, Pool
from secretariat.kernel.exceptions import ConflictError
from secretariat.kernel.models import IdempotencyKey
from tests.conftest import refresh
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
RECEIVED_ON = dt.date(2025, 3, 10)


@pytest.fixture
def checker(db):
    """A second finance officer, entering the same bank transfer."""
    return UserFactory(username="checker", roles=["finance_officer"])


@pytest.fixture
def pledge(people, latvia):
    return services.pledge_record(
        member_state=latvia, actor=people.officer, year=2025,
        amount=Decimal("5000000.00"), currency="EUR",
    )  # fmt: skip


def contribution_body(pledge, **changes):
    return {
        "pledge": pledge.pk,
        "amount": "1000000.00",
        "currency": "EUR",
        "received_on": RECEIVED_ON.isoformat(),
        "bank_reference": "SEPA-2025-0310-LV",
        **changes,
    }


def post(api, path, data, key=None):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return api.post(path, data, format="json", **headers)


# ---------------------------------------------------------------- idempotency


def test_a_contribution_posted_twice_with_one_key_is_recorded_once(
    people, pledge, api_for
):
    api = api_for(people.finance)
    body = contribution_body(pledge)
    first = post(api, "/api/contributions/", body, key="c-1")
    assert first.status_code == 201, first.content
    again = post(api, "/api/contributions/", body, key="c-1")
    assert again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert Contribution.objects.count() == 1
    assert LedgerEntry.objects.filter(kind="contribution").count() == 1
    assert Pool.objects.get(code="unrestricted").received == Decimal("1000000.00")
    assert refresh(pledge).received_amount == Decimal("1000000.00")


def test_one_key_for_another_contribution_is_refused(people, pledge, api_for):
    api = api_for(people.finance)
    assert post(api, "/api/contributions/", contribution_body(pledge), key="c-1")
    other = contribution_body(pledge, amount="2000.00", bank_reference="OTHER-1")
    refused = post(api, "/api/contributions/", other, key="c-1")
    assert refused.status_code == 422
    assert refused.json()["field"] == "Idempotency-Key"
    assert "already used for a different request" in refused.json()["detail"]
    assert Contribution.objects.count() == 1


def test_a_pledge_posted_twice_with_one_key_is_recorded_once(people, latvia, api_for):
    api = api_for(people.officer)
    body = {"member_state": "LV", "year": 2026, "amount": "3000000", "currency": "EUR"}
    first = post(api, "/api/pledges/", body, key="p-1")
    assert first.status_code == 201, first.content
    again = post(api, "/api/pledges/", body, key="p-1")
    assert again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    assert Pledge.objects.filter(member_state=latvia, year=2026).count() == 1
    refused = post(api, "/api/pledges/", {**body, "year": 2027}, key="p-1")
    assert refused.status_code == 422
    assert "different request" in refused.json()["detail"]


MONEY_POSTS = [
    ("/api/pledges/", "post"),
    ("/api/contributions/", "post"),
    ("/api/commitments/", "post"),
    ("/api/commitments/{id}/release/", "post"),
    ("/api/adjustments/", "post"),
    ("/api/adjustments/{id}/decide/", "post"),
    ("/api/disbursements/", "post"),
    ("/api/disbursements/{reference}/approve/", "post"),
    ("/api/disbursements/{reference}/pay/", "post"),
    ("/api/bank-statements/", "post"),
]


@pytest.mark.parametrize(("path", "method"), MONEY_POSTS, ids=lambda v: v)
def test_the_schema_documents_the_idempotency_key(path, method):
    schema = SchemaGenerator().get_schema(request=None, public=True)
    operation = schema["paths"][path][method]
    headers = {
        p["name"]: p for p in operation.get("parameters", []) if p["in"] == "header"
    }
    assert "Idempotency-Key" in headers, path
    assert "first response" in headers["Idempotency-Key"]["description"]


# ---------------------------------------------------------------- one transfer


def test_the_same_bank_transfer_is_refused_the_second_time(people, pledge, checker):
    first = services.contribution_record(
        pledge=pledge, actor=people.finance, amount=Decimal("1000000.00"),
        currency="EUR", received_on=RECEIVED_ON, bank_reference="SEPA-2025-0310-LV",
    )  # fmt: skip
    with pytest.raises(ConflictError) as refused:
        services.contribution_record(
            pledge=pledge, actor=checker, amount=Decimal("1000000.00"),
            currency="EUR", received_on=RECEIVED_ON,
            bank_reference=" sepa-2025-0310-lv ",
        )  # fmt: skip
    message = refused.value.message
    assert refused.value.field == "bank_reference"
    assert f"contribution {first.pk} of Latvia" in message
    assert "bank reference SEPA-2025-0310-LV" in message
    assert "received on 10 Mar 2025" in message
    assert Contribution.objects.count() == 1
    assert refresh(pledge).received_amount == Decimal("1000000.00")
    # Another amount, date or reference is another transfer.
    for changes in (
        {"amount": Decimal("999.00")},
        {"received_on": RECEIVED_ON - dt.timedelta(days=1)},
        {"bank_reference": "SEPA-2025-0310-LV-2"},
    ):
        fields = {
            "amount": Decimal("1000000.00"), "received_on": RECEIVED_ON,
            "bank_reference": "SEPA-2025-0310-LV", **changes,
        }  # fmt: skip
        services.contribution_record(
            pledge=pledge, actor=checker, currency="EUR", **fields
        )
    assert Contribution.objects.count() == 4


def test_the_api_names_the_earlier_record(people, pledge, checker, api_for):
    first = post(
        api_for(people.finance), "/api/contributions/", contribution_body(pledge)
    )
    assert first.status_code == 201
    again = post(api_for(checker), "/api/contributions/", contribution_body(pledge))
    assert again.status_code == 409
    body = again.json()
    assert body["field"] == "bank_reference"
    assert f"contribution {first.json()['id']} of Latvia" in body["detail"]
    assert "received on 10 Mar 2025" in body["detail"]
    assert Contribution.objects.count() == 1


def test_the_web_form_names_the_earlier_record(people, pledge, checker, client_for):
    first = services.contribution_record(
        pledge=pledge, actor=people.finance, amount=Decimal("1000000.00"),
        currency="EUR", received_on=RECEIVED_ON, bank_reference="SEPA-2025-0310-LV",
    )  # fmt: skip
    browser = client_for(checker)
    url = reverse("members:contribution_create", args=[pledge.pk])
    answer = browser.post(
        url,
        {"amount": "1000000.00", "received_on": RECEIVED_ON.isoformat(),
         "bank_reference": "SEPA-2025-0310-LV", "note": ""},
    )  # fmt: skip
    assert answer.status_code == 200
    errors = answer.context["form"].errors.get("bank_reference", [])
    assert any(f"contribution {first.pk} of Latvia" in e for e in errors), errors
    assert Contribution.objects.count() == 1


def test_the_database_refuses_a_second_row_for_one_transfer(people, pledge):
    first = services.contribution_record(
        pledge=pledge, actor=people.finance, amount=Decimal("1000000.00"),
        currency="EUR", received_on=RECEIVED_ON, bank_reference="SEPA-2025-0310-LV",
    )  # fmt: skip
    twin = {
        f: getattr(first, f)
        for f in ("pledge", "amount", "eur_amount", "fx_rate", "fx_date",
                  "received_on", "recorded_by")
    }  # fmt: skip
    with pytest.raises(IntegrityError), transaction.atomic():
        Contribution.objects.create(bank_reference="sepa-2025-0310-lv", **twin)
    # Without a bank reference nothing identifies the transfer: no constraint.
    Contribution.objects.create(bank_reference="", **twin)
    Contribution.objects.create(bank_reference="", **twin)


def test_a_reversed_contribution_frees_its_transfer(people, pledge, checker):
    from secretariat.fund.services import ledger as fund

    first = services.contribution_record(
        pledge=pledge, actor=people.finance, amount=Decimal("1000000.00"),
        currency="EUR", received_on=RECEIVED_ON, bank_reference="SEPA-2025-0310-LV",
    )  # fmt: skip
    adjustment = fund.adjustment_request(
        pool=None, reverses=first.ledger_entries.get(), reason="Wrong pledge",
        actor=people.finance,
    )  # fmt: skip
    fund.adjustment_decide(adjustment=adjustment, actor=checker, approve=True)
    assert refresh(first).reversed_at is not None
    again = services.contribution_record(
        pledge=pledge, actor=people.finance, amount=Decimal("1000000.00"),
        currency="EUR", received_on=RECEIVED_ON, bank_reference="SEPA-2025-0310-LV",
    )  # fmt: skip
    assert again.pk != first.pk
    assert not IdempotencyKey.objects.exists()
