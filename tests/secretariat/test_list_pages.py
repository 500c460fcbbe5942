"""The fund's adjustments and bank statements, the reports and the evaluation
queue are lists like the others: sortable headers, filters, pages, an empty
state that says what to do next, money and dates written for people, and a
query count that does not grow with the rows."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from secretariat.fund.models import Adjustment
from secretariat.fund.services import disbursements as dsb
from secretariat.fund.services import ledger as fund

pytestmark = pytest.mark.django_db


def html(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def propose(people, pool, amount, reason):
    return fund.adjustment_request(
        pool=pool, amount_eur=Decimal(amount), reason=reason, actor=people.finance
    )


def statement(people, name, *lines):
    body = "date,amount,currency,reference\n" + "".join(f"{x}\n" for x in lines)
    return dsb.statement_import(
        actor=people.finance, file_name=name, content=body.encode()
    )


# ----------------------------------------------------------------- adjustments


def test_adjustments_sort_filter_and_read_for_people(
    client_for, people, funded, unrestricted
):
    small = propose(people, unrestricted, "-1000.00", "Bank charges")
    large = propose(people, unrestricted, "1250000.00", "Late Latvian transfer")
    Adjustment.objects.filter(pk=large.pk).update(
        requested_at=dt.datetime(2026, 11, 21, 12, 0, tzinfo=dt.UTC)
    )
    fund.adjustment_decide(adjustment=small, actor=people.approver_uk, approve=False)
    client = client_for(people.finance)
    page = html(client.get(reverse("adjustment_list"), {"sort": "-amount"}))
    assert page.index("Late Latvian transfer") < page.index("Bank charges")
    assert 'aria-sort="descending"' in page
    assert "EUR 1,250,000.00" in page and "-EUR 1,000.00" in page
    assert "21 Nov 2026" in page

    pending = html(client.get(reverse("adjustment_list"), {"status": "pending"}))
    assert "Late Latvian transfer" in pending and "Bank charges" not in pending
    assert 'href="?status=pending&amp;sort=amount"' in pending

    rejected = html(
        client.get(reverse("adjustment_list"), {"status": "approved", "q": "x"})
    )
    assert "No adjustment matches these filters." in rejected


def test_an_empty_adjustment_list_says_who_proposes_one(client_for, people):
    page = html(client_for(people.finance).get(reverse("adjustment_list")))
    assert "No adjustment yet." in page
    assert f'href="{reverse("adjustment_create")}"' in page
    page = html(client_for(people.officer).get(reverse("adjustment_list")))
    assert "a finance officer proposes an adjustment" in page


def test_the_adjustment_list_costs_the_same_for_more_rows(
    client_for, people, funded, unrestricted
):
    client = client_for(people.approver_uk)
    propose(people, unrestricted, "100.00", "One")

    def count():
        client.get(reverse("adjustment_list"))  # the cache kept, as in use
        with CaptureQueriesContext(connection) as queries:
            html(client.get(reverse("adjustment_list")))
        return len(queries)

    few = count()
    for n in range(5):
        propose(people, unrestricted, f"{n + 2}00.00", f"More {n}")
    assert count() == few


# -------------------------------------------------------------- bank statements


def test_bank_statements_sort_and_filter(client_for, people):
    statement(people, "october.csv", "2026-10-31,100.00,EUR,NOPE-1")
    statement(people, "november.csv", "2026-11-20,5.00,EUR,NOPE-2")
    client = client_for(people.finance)
    page = html(client.get(reverse("bank_statements"), {"sort": "file"}))
    assert page.index("november.csv") < page.index("october.csv")
    assert re.search(r'aria-sort="ascending"[^>]*><a href="\?sort=-file"', page)
    page = html(client.get(reverse("bank_statements"), {"q": "octo"}))
    assert "october.csv" in page and "november.csv" not in page
    page = html(client.get(reverse("bank_statements"), {"to_resolve": "on"}))
    assert "october.csv" in page  # an unmatched line is left to resolve
    page = html(client.get(reverse("bank_statements"), {"q": "december"}))
    assert "No statement matches these filters." in page


def test_an_empty_statement_list_says_how_to_start(client_for, people):
    page = html(client_for(people.finance).get(reverse("bank_statements")))
    assert "import the bank's statement above" in page
    page = html(client_for(people.officer).get(reverse("bank_statements")))
    assert "a finance officer imports the bank's statement" in page


# --------------------------------------------------------------------- reports


def test_the_reports_list_filters_by_what_the_person_may_have(client_for, people):
    page = html(client_for(people.liaison_lv).get(reverse("report_list")))
    assert "You have no reports yet. Choose a report" in page
    filters = page.split('class="filters"', 1)[1].split("</form>", 1)[0]
    assert 'value="fund_statement"' in filters and 'value="ledger"' not in filters
    # The filter's fields do not clash with the form asking for a report.
    assert len(re.findall(r'id="id_kind"', page)) == 1


def test_the_reports_list_sorts_and_filters(client_for, people):
    client = client_for(people.officer)
    client.post(reverse("report_list"), {"kind": "ledger", "format": "csv"})
    client.post(reverse("report_list"), {"kind": "fund_statement", "format": "csv"})
    page = html(client.get(reverse("report_list"), {"report": "ledger"}))
    rows = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    assert "Ledger export" in rows and "Fund statement" not in rows
    page = html(client.get(reverse("report_list"), {"report": "onboarding"}))
    assert "None of your reports matches these filters." in page
    page = html(client.get(reverse("report_list"), {"sort": "kind"}))
    rows = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    assert rows.index("Fund statement") < rows.index("Ledger export")


# ------------------------------------------------------------ evaluation queue


def test_an_empty_evaluation_queue_says_how_seats_come(client_for, people):
    page = html(
        client_for(people.evaluator).get(reverse("procurement:evaluation_queue"))
    )
    assert "You are on no evaluation committee." in page
    assert 'class="filters"' in page
    page = html(
        client_for(people.evaluator).get(
            reverse("procurement:evaluation_queue"), {"q": "nothing"}
        )
    )
    assert "No committee seat matches these filters." in page
