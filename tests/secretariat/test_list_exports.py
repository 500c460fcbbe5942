"""Lists as every ERP has them: how many rows the filters leave, the totals of
their money computed by the database, the filtered view downloaded as CSV and
XLSX (the same rows as the page, to the same person, never more, and no cell a
spreadsheet would run as a formula), page numbers that keep the filters, and
one action done to many ticked rows through its service and policy."""

import csv
import datetime as dt
import io
import re
from decimal import Decimal

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from procurement import services as procurement
from procurement.models import Tender
from secretariat.fund.models import DisbursementRequest, DisbursementStatus
from secretariat.fund.services import disbursements as dsb
from secretariat.kernel.formatting import money
from secretariat.notifications.models import Notification, NotificationKind
from tests.procurement.conftest import (  # noqa: F401
    bidders,
    contract,
    evaluated,
    tender,
)
from tests.procurement.helpers import bid, draft_tender
from tests.secretariat.report_fixtures import HYPERLINK, PAYLOADS

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


# ------------------------------------------------------------------ reading


def html(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def body(response) -> bytes:
    assert response.status_code == 200, response.status_code
    assert response["Content-Disposition"].startswith("attachment; filename=")
    assert response["X-Content-Type-Options"] == "nosniff"
    return b"".join(response.streaming_content)


def csv_rows(response) -> list[list[str]]:
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    text = body(response).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:], newline="")))


def xlsx_rows(response) -> list[list]:
    assert response["Content-Type"] == XLSX
    book = openpyxl.load_workbook(io.BytesIO(body(response)))
    sheet = book.worksheets[0]
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def download(client, url, fmt, **params):
    return client.get(url, {**params, "export": fmt})


def both(client, url, **params) -> tuple[list, list]:
    """The filtered view as CSV and as XLSX: (header, rows) each."""
    as_csv = csv_rows(download(client, url, "csv", **params))
    as_xlsx = xlsx_rows(download(client, url, "xlsx", **params))
    assert as_csv[0] == as_xlsx[0]
    return as_csv, as_xlsx


def column(rows, label) -> list:
    index = rows[0].index(label)
    return [row[index] for row in rows[1:]]


def shown(page: str, pattern: str) -> list[str]:
    """What each row of the page's table links to, in the page's order."""
    table = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    found = []
    for match in re.findall(pattern, table):
        if match not in found:
            found.append(match)
    return found


def footer(page: str) -> str:
    return page.split("<tfoot>", 1)[1].split("</tfoot>", 1)[0]


DSB = r'href="/disbursements/(DSB-\d{4}-\d{4})/"'
TND = r'href="/tenders/([A-Z]{3}-\d{4}-\d{4})/"'
STATE = r'href="/members/([A-Z]{2})/"'


# --------------------------------------------------------- disbursements


@pytest.fixture
def requests(people, draft, checker, jpy_rate):
    """Drafts in euros and yen, two of them submitted, one prepared by another
    finance officer."""
    made = [
        draft("1000.00"),
        draft("2500.50", payee_name="UK Drones Ltd"),
        draft("160000", currency="JPY", payee_name="Nippon Optics"),
        draft("300.25", preparer=checker, payee_name="Checker's payee"),
    ]
    for request in (draft("700.00"), draft("45.10")):
        made.append(dsb.disbursement_submit(request=request, actor=people.finance))
    return made


def test_the_disbursement_export_is_the_filtered_page(client_for, people, requests):
    client = client_for(people.finance)
    url = reverse("disbursement_list")
    page = html(client.get(url, {"status": "draft", "sort": "amount"}))
    refs = shown(page, DSB)
    assert len(refs) == 4
    assert "4 requests" in page
    as_csv, as_xlsx = both(client, url, status="draft", sort="amount")
    assert column(as_csv, "Reference") == refs
    assert column(as_xlsx, "Reference") == refs
    statuses = set(column(as_csv, "Status"))
    assert statuses == {"Draft"}

    everything = html(client.get(url))
    assert len(shown(everything, DSB)) == 6 and "6 requests" in everything
    assert len(csv_rows(download(client, url, "csv"))) == 1 + 6


def test_the_totals_are_the_sum_of_the_rows_in_each_currency(
    client_for, people, requests
):
    client = client_for(people.finance)
    url = reverse("disbursement_list")
    page = html(client.get(url, {"status": "draft"}))
    as_csv, as_xlsx = both(client, url, status="draft")
    eur_total = sum(Decimal(v) for v in column(as_csv, "Amount (EUR)"))
    assert eur_total == Decimal("1000.00") + Decimal("2500.50") + Decimal(
        "1000.00"
    ) + Decimal("300.25")
    by_currency = {}
    for amount, currency in zip(
        column(as_csv, "Amount"), column(as_csv, "Currency"), strict=True
    ):
        by_currency[currency] = by_currency.get(currency, Decimal(0)) + Decimal(amount)
    totals = footer(page)
    assert money(eur_total, "EUR") in totals  # EUR 4,800.75
    assert money(by_currency["EUR"], "EUR") in totals  # EUR 3,800.75
    assert money(by_currency["JPY"], "JPY") in totals  # JPY 160,000
    # The workbook's money is the same, as numbers.
    assert sum(Decimal(str(v)) for v in column(as_xlsx, "Amount (EUR)")) == eur_total


def test_a_formula_typed_in_a_field_is_exported_as_text(client_for, people, draft):
    request = draft("10.00", payee_name=HYPERLINK)
    client = client_for(people.finance)
    url = reverse("disbursement_list")
    as_csv, as_xlsx = both(client, url, q="HYPERLINK")
    assert column(as_csv, "Reference") == [request.case.reference]
    assert column(as_csv, "Payee") == ["'" + HYPERLINK]
    assert column(as_xlsx, "Payee") == ["'" + HYPERLINK]
    book = openpyxl.load_workbook(
        io.BytesIO(body(download(client, url, "xlsx", q="HYPERLINK")))
    )
    payee = [c for c in book.worksheets[0][2] if str(c.value).endswith('me")')]
    assert payee and payee[0].data_type == "s"  # a string, not a formula


@pytest.mark.parametrize("payload", PAYLOADS)
def test_every_formula_start_is_neutralised_in_both_formats(
    client_for, people, payload
):
    Notification.objects.create(
        recipient=people.officer, kind=NotificationKind.values[0], title=payload
    )
    client = client_for(people.officer)
    as_csv, as_xlsx = both(client, reverse("notification_list"))
    (title,) = column(as_csv, "Title")
    assert title == "'" + payload
    (title,) = column(as_xlsx, "Title")
    # A workbook read back without lxml turns a carriage return into a line
    # feed (with lxml, which the OCDS review's tools install, it keeps it).
    assert title.replace("\r", "\n") == "'" + payload.replace("\r", "\n")
    for rows in (as_csv, as_xlsx):
        for row in rows:
            for cell in row:
                assert not str(cell or "").startswith(FORMULA_STARTS), row


def test_moments_are_written_in_the_persons_own_time_zone(client_for, people):
    people.officer.time_zone = "Asia/Tokyo"
    people.officer.save(update_fields=["time_zone"])
    Notification.objects.create(
        recipient=people.officer,
        kind=NotificationKind.values[0],
        title="Late news",
        created_at=dt.datetime(2026, 11, 21, 12, 0, tzinfo=dt.UTC),
    )
    as_csv, as_xlsx = both(client_for(people.officer), reverse("notification_list"))
    assert column(as_csv, "Received") == ["2026-11-21 21:00:00"]
    assert column(as_xlsx, "Received") == [dt.datetime(2026, 11, 21, 21, 0)]


def test_who_may_not_see_the_fund_gets_no_download(client_for, people, requests):
    url = reverse("disbursement_list")
    for who in ("liaison_lv", "manufacturer", "outsider"):
        client = client_for(getattr(people, who))
        assert download(client, url, "csv").status_code == 403, who
        assert download(client, url, "xlsx").status_code == 403, who


def test_only_finance_downloads_the_ledger_view(client_for, people, requests):
    url = reverse("ledger")
    officer = client_for(people.officer)
    page = html(officer.get(url))
    assert "export=csv" not in page
    assert download(officer, url, "csv").status_code == 403
    finance = client_for(people.finance)
    page = html(finance.get(url, {"kind": "contribution"}))
    assert "export=csv" in page
    rows = csv_rows(download(finance, url, "csv", kind="contribution"))
    amounts = [Decimal(v) for v in column(rows, "Amount (EUR)")]
    assert sum(amounts) == Decimal("8000000.00")  # the funded fixture
    assert money(sum(amounts), "EUR") in footer(page)


# ---------------------------------------------------------------- tenders


@pytest.fixture
def tenders(people):
    """Two published tenders and a draft nobody outside the secretariat sees."""
    published = []
    for title in ("Interceptors", "Reconnaissance"):
        made = draft_tender(people)
        Tender.objects.filter(pk=made.pk).update(title=title)
        procurement.tender_publish(tender=made, actor=people.procurement)
        published.append(made)
    hidden = draft_tender(people)
    Tender.objects.filter(pk=hidden.pk).update(title="Secret draft")
    return published, hidden


def test_the_tender_export_is_the_page_of_each_person(client_for, people, tenders):
    published, hidden = tenders
    url = reverse("procurement:tender_list")
    staff = client_for(people.procurement)
    page = html(staff.get(url, {"status": "draft"}))
    assert shown(page, TND) == [hidden.case.reference]
    as_csv, as_xlsx = both(staff, url, status="draft")
    assert column(as_csv, "Reference") == column(as_xlsx, "Reference")
    assert column(as_csv, "Reference") == [hidden.case.reference]

    liaison = client_for(people.liaison_lv)
    page = html(liaison.get(url, {"q": "TND"}))
    refs = shown(page, TND)
    assert sorted(refs) == sorted(t.case.reference for t in published)
    assert "2 tenders" in page
    as_csv, as_xlsx = both(liaison, url, q="TND")
    assert column(as_csv, "Reference") == refs == column(as_xlsx, "Reference")
    assert "Secret draft" not in str(as_csv) + str(as_xlsx)
    # Asking for the drafts by the filter does not reveal them either.
    as_csv, as_xlsx = both(liaison, url, status="draft")
    assert as_csv[1:] == [] and as_xlsx[1:] == []


# ------------------------------------------------------------------- bids


def test_a_representative_downloads_their_own_bids_only(
    client_for,
    people,
    tenders,
    bidders,  # noqa: F811
):
    (_lv, rep_lv), (_gb, rep_gb) = bidders
    published, _hidden = tenders
    procurement.tenders_advance_by_deadlines(
        now=published[0].clarification_deadline + dt.timedelta(seconds=1)
    )
    tendering = Tender.objects.get(pk=published[0].pk)
    assert tendering.status == "tendering"
    own = bid(rep_lv, tendering)
    theirs = bid(rep_gb, tendering)
    url = reverse("procurement:bid_list")
    client = client_for(rep_lv)
    page = html(client.get(url, {"status": "submitted"}))
    assert f"/bids/{own.public_id}/" in page
    assert str(theirs.public_id) not in page
    as_csv, as_xlsx = both(client, url, status="submitted")
    assert column(as_csv, "Bid") == [str(own.public_id)]
    assert column(as_xlsx, "Bid") == [str(own.public_id)]
    # Nothing sealed is written: no price, no quantity.
    assert not {"Price", "Unit price", "Quantity"} & set(as_csv[0])
    assert "1234.56" not in str(as_csv) and "1,234.56" not in str(as_csv)


# -------------------------------------------------------------- contracts


def test_a_company_downloads_its_own_contracts_with_their_total(
    client_for,
    people,
    contract,  # noqa: F811
    evaluated,  # noqa: F811
):
    signed, rep_lv = contract
    _tender, _bids, rep_gb = evaluated
    url = reverse("procurement:contract_list")
    for who in (people.procurement, rep_lv):
        client = client_for(who)
        page = html(client.get(url, {"status": "signed"}))
        assert "1 contract" in page
        assert money(signed.value_eur, "EUR") in footer(page)
        as_csv, as_xlsx = both(client, url, status="signed")
        assert column(as_csv, "Contract") == [signed.reference]
        assert column(as_xlsx, "Contract") == [signed.reference]
        assert [Decimal(v) for v in column(as_csv, "Value (EUR)")] == [signed.value_eur]
    other = client_for(rep_gb)
    assert signed.reference not in html(other.get(url))
    as_csv, as_xlsx = both(other, url)
    assert as_csv[1:] == [] and as_xlsx[1:] == []


# ---------------------------------------------------------- member states


def test_the_member_export_is_the_filtered_page(client_for, people):
    url = reverse("members:list")
    client = client_for(people.officer)
    page = html(client.get(url, {"co_lead": "on"}))
    codes = shown(page, STATE)
    assert sorted(codes) == ["GB", "LV"]
    assert "2 states" in page
    as_csv, as_xlsx = both(client, url, co_lead="on")
    assert column(as_csv, "Country code") == codes == column(as_xlsx, "Country code")
    assert column(as_csv, "Co-lead") == ["Co-lead", "Co-lead"]
    everyone = csv_rows(download(client, url, "csv"))
    assert sorted(column(everyone, "Country code")) == ["GB", "JP", "LV"]


# ---------------------------------------------------------- page numbers


def notifications_for(person, how_many, **fields):
    Notification.objects.bulk_create(
        Notification(
            recipient=person,
            kind=NotificationKind.values[0],
            title=f"Notice {n:03d}",
            **fields,
        )
        for n in range(how_many)
    )


def test_page_numbers_render_and_keep_the_filter(client_for, people):
    notifications_for(people.officer, 130)  # six pages of 25, unread
    notifications_for(people.officer, 5, read_at=timezone.now())
    client = client_for(people.officer)
    url = reverse("notification_list")
    page = html(client.get(url, {"show": "unread", "page": 3}))
    nav = page.split('class="pagination"', 1)[1].split("</nav>", 1)[0]
    assert "Page 3 of 6" in nav
    assert '<span aria-current="page">3' in nav
    for number in (1, 2, 4, 5):
        assert (
            f'href="?show=unread&amp;page={number}" aria-label="Page {number}"' in nav
        )
    assert 'href="?show=unread" class="page-first">First</a>' in nav
    assert 'href="?show=unread&amp;page=2" rel="prev"' in nav
    assert 'href="?show=unread&amp;page=4" rel="next"' in nav
    assert 'href="?show=unread&amp;page=6" class="page-last">Last</a>' in nav
    assert "130 notifications" in page
    # The download of that view holds every row, not the page's 25.
    link = 'href="?show=unread&amp;export=csv"'
    assert link in page
    rows = csv_rows(download(client, url, "csv", show="unread", page=3))
    assert len(rows) == 1 + 130
    far = html(client.get(url, {"show": "unread", "page": 6}))
    nav = far.split('class="pagination"', 1)[1].split("</nav>", 1)[0]
    assert 'rel="next"' not in nav and "page-last" not in nav
    assert "…" in nav


# ------------------------------------------------------------ bulk actions


def test_bulk_mark_read_marks_only_the_persons_own(client_for, people):
    notifications_for(people.officer, 3)
    notifications_for(people.finance, 1)
    mine = list(Notification.objects.filter(recipient=people.officer))
    theirs = Notification.objects.get(recipient=people.finance)
    client = client_for(people.officer)
    url = reverse("notification_list")
    page = html(client.get(url))
    assert page.count('form="bulk-actions"') == 3
    assert 'value="notification.mark_read"' in page
    response = client.post(
        url + "?page=1",
        {"action": "notification.mark_read", "id": [mine[0].pk, mine[1].pk, theirs.pk]},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == url + "?page=1"
    said = html(response)
    assert "2 notifications marked as read." in said
    assert "1 of the selected rows is no longer in this list." in said
    read = set(
        Notification.objects.filter(read_at__isnull=False).values_list("pk", flat=True)
    )
    assert read == {mine[0].pk, mine[1].pk}
    # Read ones are no longer offered.
    assert html(client.get(url)).count('form="bulk-actions"') == 1


def test_bulk_without_a_tick_or_with_a_made_up_action_changes_nothing(
    client_for, people
):
    notifications_for(people.officer, 2)
    client = client_for(people.officer)
    url = reverse("notification_list")
    said = html(client.post(url, {"action": "notification.mark_read"}, follow=True))
    assert "Select at least one row first." in said
    one = Notification.objects.filter(recipient=people.officer).first()
    made_up = client.post(url, {"action": "notification.delete", "id": [one.pk]})
    assert made_up.status_code == 400
    assert not Notification.objects.filter(read_at__isnull=False).exists()


def test_bulk_submit_goes_through_the_service_for_each_draft(
    client_for, people, draft, checker
):
    mine = [draft("100.00"), draft("200.00")]
    other = draft("300.00", preparer=checker)
    client = client_for(people.finance)
    url = reverse("disbursement_list")
    page = html(client.get(url))
    for request in mine:
        assert f'name="id" value="{request.pk}" form="bulk-actions"' in page
    # The policy offers the preparer's own drafts only.
    assert f'value="{other.pk}" form="bulk-actions"' not in page
    said = html(
        client.post(
            url + "?status=draft",
            {
                "action": "disbursement.submit",
                "id": [r.pk for r in [*mine, other]],
            },
            follow=True,
        )
    )
    assert "2 requests are submitted" in said
    assert f"Only the person who prepared {other.case.reference} can submit it." in said
    statuses = dict(DisbursementRequest.objects.values_list("pk", "status"))
    assert statuses == {
        mine[0].pk: DisbursementStatus.SUBMITTED,
        mine[1].pk: DisbursementStatus.SUBMITTED,
        other.pk: DisbursementStatus.DRAFT,
    }
    # The approval policy counted them as the request page's button would.
    assert all(
        r.approvals_needed for r in DisbursementRequest.objects.exclude(pk=other.pk)
    )


def test_who_may_not_submit_is_offered_no_tick_and_gets_nothing_done(
    client_for, people, draft
):
    request = draft("100.00")
    client = client_for(people.officer)
    url = reverse("disbursement_list")
    page = html(client.get(url))
    assert 'form="bulk-actions"' not in page and "bulk-actions" not in page
    said = html(
        client.post(
            url, {"action": "disbursement.submit", "id": [request.pk]}, follow=True
        )
    )
    assert "Only a finance officer prepares disbursements." in said
    assert DisbursementRequest.objects.get().status == DisbursementStatus.DRAFT


# ---------------------------------------------------------- query budgets


def warm_floor(client):
    """What the cache keeps for a signed-in person (session, roles, device, the
    bell), kept by a first page, so that the lists compared each cost their own
    (and their counts and totals, keyed by the rows' version, are not kept)."""
    assert client.get("/").status_code == 200


def count_queries(client, url, params) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params)
        assert response.status_code == 200
        b"".join(response.streaming_content)
    return len(queries)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_export_costs_the_same_queries_for_more_rows(
    client_for, people, draft, fmt, django_assert_max_num_queries
):
    client = client_for(people.finance)
    url = reverse("disbursement_list")
    for amount in ("1.00", "2.00"):
        draft(amount)
    small = count_queries(client, url, {"export": fmt, "status": "draft"})
    for n in range(6):
        draft(f"{10 + n}.00")
    with django_assert_max_num_queries(small):
        response = client.get(url, {"export": fmt, "status": "draft"})
        rows = csv_rows(response) if fmt == "csv" else xlsx_rows(response)
    assert len(rows) == 1 + 8


def test_the_notification_and_tender_exports_cost_the_same_for_more_rows(
    client_for, people
):
    client = client_for(people.officer)
    url = reverse("notification_list")
    notifications_for(people.officer, 3)
    warm_floor(client)
    small = count_queries(client, url, {"export": "csv"})
    notifications_for(people.officer, 40)
    assert count_queries(client, url, {"export": "csv"}) == small

    staff = client_for(people.procurement)
    url = reverse("procurement:tender_list")
    draft_tender(people)
    warm_floor(staff)
    small = count_queries(staff, url, {"export": "xlsx"})
    for _ in range(3):
        draft_tender(people)
    assert count_queries(staff, url, {"export": "xlsx"}) == small


def test_the_list_page_costs_the_same_with_totals_and_ticks(client_for, people, draft):
    client = client_for(people.finance)
    url = reverse("disbursement_list")
    draft("1.00")
    dsb.disbursement_submit(request=draft("2.00"), actor=people.finance)
    warm_floor(client)
    with CaptureQueriesContext(connection) as queries:
        html(client.get(url))
    small = len(queries)
    for n in range(5):
        request = draft(f"{10 + n}.00")
        if n % 2:
            dsb.disbursement_submit(request=request, actor=people.finance)
    with CaptureQueriesContext(connection) as queries:
        page = html(client.get(url))
    assert len(queries) == small
    assert "7 requests" in page
