"""The ledger's CSV written by ``COPY`` (PostgreSQL) is byte for byte what the
Python writer makes of the same ledger: moments cut to the second in the
reader's time zone (never rounded up into the next second, minute or day),
empty cells, negative amounts, whatever the server's DateStyle, and while
Django logs queries (DEBUG, or a test capturing them)."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from secretariat.fund.models import LedgerEntry, LedgerKind, Pool
from secretariat.reports import sources, writers
from tests.factories import UserFactory
from tests.secretariat import report_fixtures

money_in = report_fixtures.money_in

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="COPY is PostgreSQL's"
    ),
]

RIGA = ZoneInfo("Europe/Riga")


def python_csv() -> bytes:
    rows = sources.ledger_rows(sources.ledger_entries())
    return "".join(writers.csv_stream(sources.LEDGER_COLUMNS, rows)).encode()


def copy_csv() -> bytes:
    return b"".join(
        writers.csv_copy_stream(
            sources.LEDGER_COLUMNS, sources.ledger_copy_query(), connection=connection
        )
    )


@pytest.fixture
def edge_ledger(people, money_in):
    """Entries a microsecond before midnight, the end of a year and a change of
    summer time, with nothing but the required cells filled in."""
    pool = Pool.objects.get(code="unrestricted")
    author = UserFactory(username="edge", first_name="Édith", last_name="O'Neil")
    moments = [
        dt.datetime(2026, 12, 31, 23, 59, 59, 999999, tzinfo=RIGA),
        dt.datetime(2026, 3, 29, 2, 59, 59, 999999, tzinfo=dt.UTC),
        dt.datetime(2026, 6, 1, 12, 0, 0, 500000, tzinfo=dt.UTC),
        dt.datetime(2027, 1, 1, 0, 0, 0, tzinfo=RIGA),
    ]
    for number, moment in enumerate(moments):
        LedgerEntry.objects.create(
            pool=pool,
            kind=LedgerKind.ADJUSTMENT,
            amount_eur=Decimal("-0.01") if number % 2 else Decimal("1234567.89"),
            memo="",
            created_by=author,
            created_at=moment,
            value_date=moment.astimezone(RIGA).date(),
        )


@pytest.mark.parametrize("zone", ["Europe/Riga", "Asia/Tokyo", "UTC"])
def test_moments_are_cut_to_the_second_as_the_python_writer_cuts_them(
    edge_ledger, zone
):
    with timezone.override(zone):
        expected = python_csv()
        assert copy_csv() == expected
    if zone == "Europe/Riga":
        # The last microsecond of the year stays in the year.
        assert b"2026-12-31 23:59:59," in expected
        assert b"2027-01-01 00:00:00," in expected


def test_the_copy_ignores_the_servers_date_style(edge_ledger):
    expected = python_csv()
    with connection.cursor() as cursor:
        cursor.execute("SET DateStyle = 'SQL, DMY'")
        try:
            assert copy_csv() == expected
        finally:
            cursor.execute("RESET DateStyle")


def test_the_copy_works_while_queries_are_logged(edge_ledger):
    # Django's debug cursor (DEBUG = True, or a test capturing queries) takes
    # no parameters for a COPY: the export must not depend on it.
    expected = python_csv()
    with CaptureQueriesContext(connection):
        assert copy_csv() == expected


def test_the_export_page_sends_the_copy_in_a_few_queries(
    people, client_for, edge_ledger, django_assert_max_num_queries
):
    client = client_for(people.finance)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("ledger_export"))
        body = b"".join(response.streaming_content)
    assert response.status_code == 200
    assert body == python_csv()
    assert body.startswith("\ufeff".encode())
    assert body.count(b"\r\n") == 1 + LedgerEntry.objects.count()


def test_an_outsider_gets_no_ledger(people, client_for, edge_ledger):
    response = client_for(people.outsider).get(reverse("ledger_export"))
    assert response.status_code == 403
    assert not getattr(response, "streaming", False)
