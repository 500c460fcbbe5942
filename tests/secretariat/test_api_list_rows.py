"""API lists read as rows (issue 21): the disbursement list written from values
says exactly what the detail (the model serializer) says of the same requests,
to every reader; counts are exact unless a whole large table is listed, and
then say they are an estimate."""

import pytest
from django.db import connection
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator

from secretariat.fund.models import DisbursementRequest
from secretariat.fund.services import disbursements as dsb
from secretariat.kernel import pagination
from tests.secretariat.fund_fixtures import payer_user
from tests.secretariat.test_disbursement_api import approved, checked, submitted
from tests.twofactor import proof_for

pytestmark = pytest.mark.django_db

URL = "/api/disbursements/"
STAFF = ["officer", "finance", "checker", "approver_lv", "approver_uk", "admin"]
POSTGRES = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the planner's estimate is PostgreSQL's"
)


def ok(response):
    assert response.status_code == 200, response.content
    return response.json()


@pytest.fixture
def requests_in_every_state(people, draft, checker):
    """A draft, a submitted, a checked, a half-approved, an approved and a paid
    request, one cancelled, and one of two approvals above the limit."""
    drafted = draft("1000.00")
    submitted(draft("2000.00"), people)
    checked(draft("3000.00"), people, checker)
    approved(draft("4000.00"), people, checker, approvers=["approver_lv"])
    paid = approved(draft("5000.00"), people, checker, approvers=["approver_uk"])
    dsb.disbursement_mark_paid(
        request=paid, actor=payer_user(), payment_order="PO-1",
        bank_reference="BANK-1", paid_on=timezone.localdate(),
    )  # fmt: skip
    big = checked(draft("1500000.00"), people, checker)
    dsb.disbursement_approve(
        request=big,
        actor=people.approver_lv,
        second_factor=proof_for(people.approver_lv),
    )
    dsb.disbursement_cancel(request=drafted, actor=people.finance, reason="Twice")
    return set(DisbursementRequest.objects.values_list("case__reference", flat=True))


def reader(people, checker, name):
    return checker if name == "checker" else getattr(people, name)


@pytest.mark.parametrize("name", STAFF)
def test_the_list_says_what_the_detail_says_of_each_request(
    api_for, people, checker, requests_in_every_state, name
):
    api = api_for(reader(people, checker, name))

    listed = ok(api.get(URL))

    assert {row["reference"] for row in listed["results"]} == requests_in_every_state
    for row in listed["results"]:
        detail = ok(api.get(f"{URL}{row['reference']}/"))
        # The same keys, in the same order, with the same values.
        assert list(row) == list(detail)
        assert row == detail, row["reference"]


def test_each_reader_is_offered_their_own_moves(
    api_for, people, checker, requests_in_every_state
):
    def moves(user):
        rows = ok(api_for(user).get(URL))["results"]
        return {
            row["status"]: sorted(
                verb for verb, d in row["allowed_actions"].items() if d["allowed"]
            )
            for row in rows
            if row["status"] in ("submitted", "checked")
        }

    # The checker may not check twice, the preparer may not check their own;
    # an approver approves what is checked.
    assert "check" in moves(checker)["submitted"]
    assert "check" not in moves(people.finance)["submitted"]
    assert "approve" in moves(people.approver_uk)["checked"]
    assert moves(people.officer) == {"submitted": [], "checked": []}


@pytest.mark.parametrize("name", ["liaison_lv", "manufacturer", "evaluator"])
def test_who_may_not_read_the_fund_gets_no_list(
    api_for, people, requests_in_every_state, name
):
    assert api_for(getattr(people, name)).get(URL).status_code == 403


def test_a_small_list_counts_exactly(api_for, people, requests_in_every_state):
    listed = ok(api_for(people.finance).get(URL))

    assert listed["count"] == len(requests_in_every_state)
    assert listed["count_is_estimate"] is False


def analyse():
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {DisbursementRequest._meta.db_table}")
        cursor.execute(
            "SELECT reltuples FROM pg_class WHERE oid = to_regclass(%s)",
            [DisbursementRequest._meta.db_table],
        )
        return int(cursor.fetchone()[0])


@POSTGRES
def test_a_large_unfiltered_list_counts_by_the_estimate_and_says_so(
    api_for, people, requests_in_every_state, settings, monkeypatch
):
    settings.API_COUNT_ESTIMATE_ABOVE = 5
    monkeypatch.setattr(pagination.EstimatedCountPagination, "page_size", 3)
    estimate = analyse()
    assert estimate > 5
    api = api_for(people.finance)

    first = ok(api.get(URL))

    assert first["count_is_estimate"] is True
    assert first["count"] == estimate
    # The pages follow the rows, not the estimate.
    seen = [row["reference"] for row in first["results"]]
    following = first["next"]
    while following:
        page = ok(api.get(following))
        assert page["count_is_estimate"] is True
        seen += [row["reference"] for row in page["results"]]
        following = page["next"]
    assert len(seen) == len(set(seen)) == len(requests_in_every_state)
    assert set(seen) == requests_in_every_state
    past_the_end = len(requests_in_every_state) // 3 + 2
    assert api.get(f"{URL}?page={past_the_end}").status_code == 404
    # Asking for the last page counts exactly, to find it.
    last = ok(api.get(f"{URL}?page=last"))
    assert last["count_is_estimate"] is False
    assert last["count"] == len(requests_in_every_state)
    assert last["next"] is None


@POSTGRES
@pytest.mark.parametrize("query", ["?status=checked", "?search=SIA"])
def test_a_filtered_list_counts_exactly(
    api_for, people, requests_in_every_state, settings, query
):
    settings.API_COUNT_ESTIMATE_ABOVE = 5
    analyse()
    api = api_for(people.finance)

    listed = ok(api.get(URL + query))

    assert listed["count_is_estimate"] is False
    assert listed["count"] == len(listed["results"])


@POSTGRES
def test_below_the_threshold_the_count_is_exact(
    api_for, people, requests_in_every_state, settings
):
    settings.API_COUNT_ESTIMATE_ABOVE = 10_000
    analyse()

    listed = ok(api_for(people.finance).get(URL))

    assert listed["count_is_estimate"] is False
    assert listed["count"] == len(requests_in_every_state)


def test_the_schema_documents_count_is_estimate():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    page = schema["components"]["schemas"]["PaginatedDisbursementList"]

    assert page["properties"]["count_is_estimate"]["type"] == "boolean"
    assert "count_is_estimate" in page["required"]
    assert list(page["properties"])[:2] == ["count", "count_is_estimate"]
