"""The ledger's CSV export on PostgreSQL is written by ``COPY``: byte for byte
what the Python writer (SQLite's path) makes of the same ledger, hostile cells,
empty cells, line breaks and quotes included."""

from decimal import Decimal

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from secretariat.fund.models import LedgerEntry, LedgerKind, Pool
from secretariat.reports import sources, writers
from tests.factories import UserFactory
from tests.secretariat import report_fixtures
from tests.secretariat.report_fixtures import PAYLOADS

money_in = report_fixtures.money_in
hostile_states = report_fixtures.hostile_states

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="COPY is PostgreSQL's"
    ),
]

AWKWARD_MEMOS = [
    *PAYLOADS,
    'A "quoted" memo, with a comma',
    "Two\nlines",
    "Windows\r\nlines",
    'Ends with a quote"',
    "Ünïcode ąčę € 日本",
    "  spaced  ",
    "'already quoted",
    "\\.",
]


@pytest.fixture
def awkward_ledger(people, money_in, hostile_states):
    """Entries whose cells a CSV writer must quote, escape or leave empty."""
    pool = Pool.objects.get(code="unrestricted")
    nameless = UserFactory(username="=nameless", first_name=" \t", last_name="")
    spaced = UserFactory(username="spaced", first_name="  Ann", last_name="Lee \t")
    for number, memo in enumerate(AWKWARD_MEMOS):
        LedgerEntry.objects.create(
            pool=pool,
            kind=LedgerKind.ADJUSTMENT,
            amount_eur=Decimal("-1.50") * number,
            original_amount=Decimal("12.30") if number % 2 else None,
            original_currency="USD" if number % 2 else "",
            fx_rate=[None, Decimal("1.08500000"), Decimal("100"), Decimal("0")][
                number % 4
            ],
            memo=memo,
            created_by=nameless if number % 2 else spaced,
            created_at=timezone.now() + timezone.timedelta(microseconds=number * 7),
        )


def python_csv() -> bytes:
    rows = sources.ledger_rows(sources.ledger_entries())
    return "".join(writers.csv_stream(sources.LEDGER_COLUMNS, rows)).encode()


def copy_csv() -> bytes:
    query = sources.ledger_copy_query()
    return b"".join(
        writers.csv_copy_stream(sources.LEDGER_COLUMNS, query, connection=connection)
    )


@pytest.mark.parametrize("zone", ["Europe/Riga", "America/New_York", "UTC"])
def test_copy_writes_what_the_python_writer_writes(awkward_ledger, zone):
    with timezone.override(zone):
        expected = python_csv()
        assert copy_csv() == expected
    assert expected.count(b"\r\n") > LedgerEntry.objects.count()
    assert b"'=HYPERLINK" in expected


def test_copy_sends_large_ledgers_in_several_chunks(awkward_ledger, monkeypatch):
    monkeypatch.setattr(writers, "COPY_BATCH_BYTES", 1)
    chunks = list(
        writers.csv_copy_stream(
            sources.LEDGER_COLUMNS, sources.ledger_copy_query(), connection=connection
        )
    )
    # The header, then one chunk per line read.
    assert len(chunks) == 1 + LedgerEntry.objects.count()
    assert b"".join(chunks) == python_csv()


def test_the_export_page_streams_the_copy(people, client_for, awkward_ledger):
    response = client_for(people.finance).get(reverse("ledger_export"))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == python_csv()
