"""The append-only tables refuse TRUNCATE on PostgreSQL, as they refuse UPDATE
and DELETE (issue 14, item 12); the tests' own flush between transactional
tests still empties them (tests/conftest.py)."""

import pytest
from django.db import DatabaseError, connection, transaction

from procurement.models import BidEvent
from secretariat.accounts.models import SecurityEvent, SecurityEventKind
from secretariat.fund.models import LedgerEntry
from secretariat.kernel.models import TimelineEvent
from tests.procurement.conftest import bidders, tender  # noqa: F401
from tests.procurement.helpers import bid, to_tendering

APPEND_ONLY = [LedgerEntry, TimelineEvent, BidEvent, SecurityEvent]


def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("the trigger is PostgreSQL's; SQLite relies on the application")


def _one_row_in_each(people, bidders, tender, funded):  # noqa: F811
    (_maker, rep), _other = bidders
    bid(rep, to_tendering(tender, people))
    SecurityEvent.objects.create(
        kind=SecurityEventKind.LOGIN, user=people.officer, username="officer"
    )
    counts = {model: model.objects.count() for model in APPEND_ONLY}
    assert all(counts.values()), counts
    return counts


@pytest.mark.django_db
@pytest.mark.parametrize("model", APPEND_ONLY, ids=lambda m: m._meta.db_table)
def test_truncate_is_refused_and_the_rows_remain(
    model,
    people,
    bidders,  # noqa: F811
    tender,  # noqa: F811
    funded,
):
    _postgresql_only()
    counts = _one_row_in_each(people, bidders, tender, funded)
    table = model._meta.db_table
    # CASCADE, or PostgreSQL refuses the ledger first for the adjustments
    # that reference it.
    for sql in (f"TRUNCATE {table} CASCADE", f"TRUNCATE ONLY {table} CASCADE"):
        with (
            pytest.raises(DatabaseError, match=f"{table} rows are append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            # The foreign keys' deferred checks first: PostgreSQL refuses to
            # truncate a table with pending trigger events before asking ours.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(sql)
    assert model.objects.count() == counts[model]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_transactional_test_writes_to_every_append_only_table(
    people,
    bidders,  # noqa: F811
    tender,  # noqa: F811
    funded,
):
    _postgresql_only()
    _one_row_in_each(people, bidders, tender, funded)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_flush_after_it_emptied_them():
    """Runs after the test above (pytest-django keeps transactional tests in
    their order): the flush got past the triggers."""
    _postgresql_only()
    assert {model: model.objects.count() for model in APPEND_ONLY} == dict.fromkeys(
        APPEND_ONLY, 0
    )
