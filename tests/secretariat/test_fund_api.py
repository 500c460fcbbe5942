"""The common fund through the REST API: pools, the ledger, commitments and
adjustments."""

from decimal import Decimal

import pytest

from secretariat.fund.models import (
    Adjustment,
    AdjustmentStatus,
    Commitment,
    CommitmentStatus,
    LedgerEntry,
    Pool,
)
from secretariat.fund.services import disbursements as dsb
from secretariat.kernel.roles import Role
from tests.conftest import refresh
from tests.factories import UserFactory
from tests.secretariat.test_disbursement_services import (
    assert_ledger_matches_balances,
)

pytestmark = pytest.mark.django_db


def post(api, path, data=None, *, key=None):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return api.post(path, data or {}, format="json", **headers)


def ok(response, code=200):
    assert response.status_code == code, response.content
    return response.json()


def commitment_body(**changes):
    return {
        "pool": "unrestricted",
        "amount_eur": "400000.00",
        "purpose": "Contract TND-2026-0002 lot 3",
        "approval_reference": "CTR-2026-014",
        "categories": ["reconnaissance", "counter_drone"],
        **changes,
    }


def test_pools_show_their_running_totals(api_for, people, commitment):
    api = api_for(people.officer)
    pools = ok(api.get("/api/pools/"))
    by_code = {p["code"]: p for p in pools["results"]}
    assert by_code["unrestricted"] == {
        "code": "unrestricted",
        "name": by_code["unrestricted"]["name"],
        "kind": "unrestricted",
        "categories": [],
        "received": "5000000.00",
        "committed": "2000000.00",
        "disbursed": "0.00",
        "available": "3000000.00",
    }
    assert by_code["non-lethal"]["available"] == "3000000.00"
    assert ok(api.get("/api/pools/?kind=non_lethal"))["count"] == 1


def test_commitment_is_created_and_released(api_for, people, funded, unrestricted):
    finance = api_for(people.finance)
    created = ok(post(finance, "/api/commitments/", commitment_body()), 201)
    assert created["reference"] == f"COM-{created['id']:05d}"
    assert created["pool"] == "unrestricted"
    assert created["categories"] == ["reconnaissance", "counter_drone"]
    assert created["remaining_eur"] == "400000.00"
    assert created["created_by"] == people.finance.pk
    assert refresh(unrestricted).committed == Decimal("400000.00")

    url = f"/api/commitments/{created['id']}/release/"
    assert post(finance, url, {}).status_code == 400
    released = ok(post(finance, url, {"reason": "Lot 3 cancelled"}))
    assert released["status"] == "closed"
    assert released["released_eur"] == "400000.00"
    assert refresh(unrestricted).committed == 0
    kinds = ok(finance.get("/api/ledger-entries/?pool=unrestricted"))["results"]
    assert [(e["kind"], e["amount_eur"], e["commitment"]) for e in kinds[1:]] == [
        ("commitment", "400000.00", created["id"]),
        ("commitment_release", "400000.00", created["id"]),
    ]
    again = post(finance, url, {"reason": "twice"})
    assert again.status_code == 409
    assert "already closed" in again.json()["detail"]
    assert_ledger_matches_balances()


def test_commitment_release_keeps_what_requests_in_progress_draw_on(
    api_for, people, draft, commitment
):
    dsb.disbursement_submit(request=draft("1500000.00"), actor=people.finance)
    released = ok(
        post(
            api_for(people.finance),
            f"/api/commitments/{commitment.pk}/release/",
            {"reason": "Contract reduced"},
        )
    )
    assert released["released_eur"] == "500000.00"
    assert released["remaining_eur"] == "1500000.00"
    assert released["status"] == "open"


def test_commitment_input_ignores_workflow_fields(api_for, people, funded):
    created = ok(
        post(
            api_for(people.finance),
            "/api/commitments/",
            commitment_body(
                status="closed", disbursed_eur="400000.00", released_eur="1.00",
                created_by=people.officer.pk, id=999,
            ),
        ),
        201,
    )  # fmt: skip
    commitment = Commitment.objects.get()
    assert created["id"] == commitment.pk != 999
    assert commitment.status == CommitmentStatus.OPEN
    assert commitment.disbursed_eur == commitment.released_eur == 0
    assert commitment.created_by == people.finance


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"amount_eur": "0"}, "amount_eur"),
        ({"amount_eur": "10.001"}, "amount_eur"),
        ({"purpose": ""}, "purpose"),
        ({"categories": ["no-such-category"]}, "categories"),
        ({"pool": "no-such-pool"}, "pool"),
    ],
)
def test_bad_commitment_input_is_refused(api_for, people, funded, changes, field):
    response = post(
        api_for(people.finance), "/api/commitments/", commitment_body(**changes)
    )
    assert response.status_code == 400
    body = response.json()
    assert field in body or body.get("field") == field, body
    assert not Commitment.objects.exists()


def test_commitment_created_twice_with_one_key_is_created_once(
    api_for, people, funded, unrestricted
):
    finance = api_for(people.finance)
    first = post(finance, "/api/commitments/", commitment_body(), key="c-1")
    second = post(finance, "/api/commitments/", commitment_body(), key="c-1")
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert Commitment.objects.count() == 1
    assert refresh(unrestricted).committed == Decimal("400000.00")


@pytest.mark.parametrize(
    ("who", "code"),
    [("finance", 201), ("admin", 201), ("officer", 403), ("approver_lv", 403),
     ("liaison_lv", 403), ("manufacturer", 403), ("outsider", 403)],
)  # fmt: skip
def test_who_may_commit(api_for, people, funded, who, code):
    response = post(
        api_for(getattr(people, who)), "/api/commitments/", commitment_body()
    )
    assert response.status_code == code, response.content
    assert Commitment.objects.count() == (1 if code == 201 else 0)


# ---------------------------------------------------------------- adjustments


@pytest.fixture
def second_finance(db):
    return UserFactory(username="checker", roles=[Role.FINANCE_OFFICER])


def test_adjustment_needs_a_second_person(
    api_for, people, funded, unrestricted, second_finance
):
    finance = api_for(people.finance)
    proposed = ok(
        post(finance, "/api/adjustments/",
             {"pool": "unrestricted", "amount_eur": "-1000.00",
              "reason": "Bank charges on the January transfer"}),
        201,
    )  # fmt: skip
    assert proposed["status"] == "pending"
    assert refresh(unrestricted).received == Decimal("5000000.00")
    url = f"/api/adjustments/{proposed['id']}/decide/"

    own = post(finance, url, {"approve": True})
    assert own.status_code == 403
    assert "someone other than its author" in own.json()["detail"]
    assert Adjustment.objects.get().status == AdjustmentStatus.PENDING
    assert post(api_for(second_finance), url, {}).status_code == 400

    decided = ok(post(api_for(second_finance), url, {"approve": True}))
    assert decided["status"] == "approved"
    assert decided["decided_by"] == second_finance.pk
    assert refresh(unrestricted).received == Decimal("4999000.00")
    entry = LedgerEntry.objects.get(kind="adjustment")
    assert entry.amount_eur == Decimal("-1000.00")
    again = post(api_for(people.approver_uk), url, {"approve": False})
    assert again.status_code == 409
    assert "already been decided" in again.json()["detail"]
    assert_ledger_matches_balances()


def test_a_missing_decision_in_a_form_post_is_not_a_refusal(
    api_for, people, funded, second_finance
):
    finance = api_for(people.finance)
    proposed = ok(
        post(finance, "/api/adjustments/",
             {"pool": "unrestricted", "amount_eur": "5.00", "reason": "Interest"}),
        201,
    )  # fmt: skip
    response = api_for(second_finance).post(
        f"/api/adjustments/{proposed['id']}/decide/", {}, format="multipart"
    )
    assert response.status_code == 400
    assert Adjustment.objects.get().status == AdjustmentStatus.PENDING


def test_a_contribution_is_reversed_by_an_approved_adjustment(
    api_for, people, funded, non_lethal
):
    entry = LedgerEntry.objects.get(pool=non_lethal, kind="contribution")
    proposed = ok(
        post(api_for(people.finance), "/api/adjustments/",
             {"reverses": entry.pk, "reason": "Recorded against the wrong pledge"}),
        201,
    )  # fmt: skip
    assert proposed["pool"] == "non-lethal"
    assert proposed["amount_eur"] == "-3000000.00"
    assert proposed["reverses"] == entry.pk
    ok(post(api_for(people.approver_lv), f"/api/adjustments/{proposed['id']}/decide/",
            {"approve": True}))  # fmt: skip
    assert refresh(non_lethal).received == 0
    twice = post(api_for(people.finance), "/api/adjustments/",
                 {"reverses": entry.pk, "reason": "again"})  # fmt: skip
    assert twice.status_code == 409
    assert "already been reversed" in twice.json()["detail"]


def test_commitments_cannot_be_reversed(api_for, people, commitment):
    entry = LedgerEntry.objects.get(kind="commitment")
    response = post(
        api_for(people.finance), "/api/adjustments/",
        {"reverses": entry.pk, "reason": "No"},
    )  # fmt: skip
    assert response.status_code == 400
    assert "Only money received can be reversed" in response.json()["detail"]
    assert not Adjustment.objects.exists()


def test_adjustment_names_a_pool_or_an_entry(api_for, people, funded):
    response = post(
        api_for(people.finance), "/api/adjustments/",
        {"amount_eur": "5.00", "reason": "Interest"},
    )  # fmt: skip
    assert response.status_code == 400
    assert "pool" in response.json()


def test_ledger_is_filtered_by_pool_and_kind(api_for, people, commitment):
    api = api_for(people.procurement)
    entries = ok(api.get("/api/ledger-entries/"))
    # Cursor pages: no total count, links to the pages before and after.
    assert len(entries["results"]) == 3
    assert entries["next"] is None
    assert [e["kind"] for e in entries["results"]] == [
        "contribution",
        "contribution",
        "commitment",
    ]
    assert len(ok(api.get("/api/ledger-entries/?pool=non-lethal"))["results"]) == 1
    only = ok(api.get("/api/ledger-entries/?pool=unrestricted&kind=commitment"))
    assert [e["amount_eur"] for e in only["results"]] == ["2000000.00"]
    assert ok(api.get("/api/ledger-entries/?pool=nowhere"))["results"] == []
    assert Pool.objects.count() == 2
