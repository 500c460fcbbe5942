"""Money is counted in the month it moved (its value date: received, paid), not
the month it was booked (issue 14, item 11): on the dashboard's chart and its
table, and in the monthly reports."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone as django_timezone

from members import services as member_services
from secretariat.fund.models import LedgerEntry, LedgerMonth
from secretariat.reports import dashboard, sources

pytestmark = pytest.mark.django_db
VALUE_DATE = dt.date(2025, 3, 10)
AMOUNT = "1,000,000.00"


@pytest.fixture
def booked_today(people, latvia):
    """Latvia's contribution received on 10 March 2025, recorded today."""
    pledge = member_services.pledge_record(
        member_state=latvia, actor=people.officer, year=2025,
        amount=Decimal("1000000.00"), currency="EUR",
    )  # fmt: skip
    return member_services.contribution_record(
        pledge=pledge, actor=people.finance, amount=Decimal("1000000.00"),
        currency="EUR", received_on=VALUE_DATE, bank_reference="SEPA-0310",
    )  # fmt: skip


class Clock:
    """``django.utils.timezone`` whose today is ``today``: the dashboard as it
    looked in the summer of 2025 (its twelve months then include March)."""

    def __init__(self, today):
        self.today = today

    def __getattr__(self, name):
        return getattr(django_timezone, name)

    def localdate(self, *args, **kwargs):
        if args or kwargs:
            return django_timezone.localdate(*args, **kwargs)
        return self.today


def fund_table(html):
    """{month label: received} from the fund chart's table of figures."""
    table = html[html.index('<details class="chart-data">') :]
    table = table[: table.index("</details>")]
    return dict(
        re.findall(r'<th scope="row">([^<]+)</th><td class="num">([^<]*)</td>', table)
    )


def test_the_entry_and_the_monthly_sums_carry_the_value_date(booked_today):
    entry = LedgerEntry.objects.get(contribution=booked_today)
    assert entry.value_date == VALUE_DATE
    assert django_timezone.localdate(entry.created_at) == django_timezone.localdate()
    months = dict(LedgerMonth.objects.values_list("month", "total_eur"))
    assert months == {dt.date(2025, 3, 1): Decimal("1000000.00")}


def test_the_dashboard_chart_shows_it_in_march_2025(
    client, people, booked_today, monkeypatch
):
    client.force_login(people.finance)
    today = django_timezone.localdate()
    html = client.get(reverse("dashboard")).content.decode()
    this_month = fund_table(html)[today.strftime("%b %Y")]
    assert "1,000,000" not in this_month, "counted in the month it was booked"

    monkeypatch.setattr(dashboard, "timezone", Clock(dt.date(2025, 6, 15)))
    html = client.get(reverse("dashboard")).content.decode()
    table = fund_table(html)
    assert AMOUNT in table["Mar 2025"]
    assert AMOUNT in table["Total"]
    others = [v for month, v in table.items() if month not in {"Mar 2025", "Total"}]
    assert len(others) == 11
    assert all(AMOUNT not in value for value in others)
    series = dashboard.fund_by_month(people.finance, today=dt.date(2025, 6, 15))
    assert series.series["received"][series.months.index(dt.date(2025, 3, 1))] == (
        Decimal("1000000.00")
    )


def test_the_reports_put_it_in_march_2025(people, booked_today):
    march = sources.fund_statement_sections(
        reader=people.finance, scope_id=None, period=dt.date(2025, 3, 1)
    )[-1]
    assert march.title == "Ledger movements in March 2025"
    unrestricted = next(row for row in march.rows if row[0] == "Unrestricted")
    assert unrestricted[1] == Decimal("1000000.00")

    booked = sources.fund_statement_sections(
        reader=people.finance, scope_id=None,
        period=django_timezone.localdate().replace(day=1),
    )[-1]  # fmt: skip
    assert all(row[1] == 0 for row in booked.rows)

    ledger = sources.ledger_sections(scope_id=None, period=dt.date(2025, 3, 1))[0]
    rows = list(ledger.rows)
    assert [row[1] for row in rows] == [
        LedgerEntry.objects.get(contribution=booked_today).pk
    ]
    assert rows[0][-1] == VALUE_DATE
    this_month = sources.ledger_entries(django_timezone.localdate().replace(day=1))
    assert not this_month.filter(contribution=booked_today).exists()
