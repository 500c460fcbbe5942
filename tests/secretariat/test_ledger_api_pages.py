"""The ledger's API pages by cursor: following ``next`` reads every entry once,
in the ledger's order, and a page costs the same queries wherever it starts."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import resolve

from secretariat.fund.models import LedgerEntry
from tests.secretariat.fund_fixtures import receive

pytestmark = pytest.mark.django_db


@pytest.fixture
def ledger(people, latvia, monkeypatch):
    pagination = resolve("/api/ledger-entries/").func.cls.pagination_class
    monkeypatch.setattr(pagination, "page_size", 2)
    for amount in ["100.00", "200.00", "300.00", "400.00", "500.00"]:
        receive(people, latvia, amount)
    return list(LedgerEntry.objects.order_by("created_at", "id"))


def test_following_next_reads_the_whole_ledger_in_order(api_for, people, ledger):
    api = api_for(people.finance)
    url, seen, costs = "/api/ledger-entries/", [], []
    while url:
        with CaptureQueriesContext(connection) as queries:
            response = api.get(url)
        assert response.status_code == 200
        body = response.json()
        assert "count" not in body
        seen += [entry["id"] for entry in body["results"]]
        costs.append(len(queries))
        url = body["next"]
    assert seen == [entry.pk for entry in ledger]
    assert len(costs) == 3
    assert len(set(costs)) == 1, costs


def test_previous_goes_back_a_page(api_for, people, ledger):
    api = api_for(people.finance)
    first = api.get("/api/ledger-entries/").json()
    second = api.get(first["next"]).json()
    back = api.get(second["previous"]).json()
    assert back["results"] == first["results"]
