"""The staff dashboard: its figures are the records', its charts are well-formed
SVG with their figures beside them, sealed bids stay sealed, and only staff
see it."""

import datetime as dt
import re
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from members import services as member_services
from members.models import MemberState, MemberStatus
from procurement import services as procurement_services
from procurement.models import Contract, Delivery, DeliveryMonth, TenderStatus
from secretariat.fund.models import LedgerEntry, LedgerKind, Pool
from secretariat.fund.services import disbursements as dsb
from secretariat.reports import dashboard
from secretariat.reports.charts import Series, format_count, format_eur, monthly_chart
from tests.procurement import conftest as procurement_fixtures
from tests.procurement.helpers import (
    SECRET_PRICE,
    bid,
    category,
    make_manufacturer,
    to_tendering,
)
from tests.secretariat.fund_fixtures import receive

pytestmark = pytest.mark.django_db

# The procurement fixtures, for a signed contract and the drones delivered.
bidders = procurement_fixtures.bidders
tender = procurement_fixtures.tender
evaluated = procurement_fixtures.evaluated
contract = procurement_fixtures.contract

SVG = "{http://www.w3.org/2000/svg}"
QUERY_BUDGET = 20


def dashboard_page(client, user):
    client.force_login(user)
    response = client.get(reverse("dashboard"))
    assert response.status_code == 200
    return response, response.content.decode()


def shown(html, element_id):
    """The text of the element with that id."""
    match = re.search(rf'id="{element_id}">([^<]*)<', html)
    assert match, f"no #{element_id} on the page"
    return match.group(1)


def main_of(html):
    return html[html.index("<main") : html.index("</main>")]


def svgs_of(html):
    """Each chart, parsed as XML: it fails unless the SVG is well-formed."""
    found = re.findall(r"<svg.*?</svg>", html, re.S)
    return [ET.fromstring(svg) for svg in found]  # noqa: S314 - our own page


def new_tender(people, title):
    """A tender with one lot, still a draft, closing in ten days."""
    requirement = procurement_services.requirement_record(
        actor=people.procurement, title=title, capability=category("reconnaissance"),
        quantity=500, specification="Day/night camera", priority="high",
        needed_by=timezone.localdate() + dt.timedelta(days=200),
    )  # fmt: skip
    now = timezone.now()
    tender = procurement_services.tender_create(
        actor=people.procurement, title=title, description="One lot",
        requirements=[requirement], pool=Pool.objects.get(code="unrestricted"),
        clarification_deadline=now + dt.timedelta(days=5),
        submission_deadline=now + dt.timedelta(days=10),
        excluded_origins=["RU", "BY", "IR", "KP"],
    )  # fmt: skip
    procurement_services.lot_add(
        tender=tender, actor=people.procurement, title="Quadcopters",
        capability=category("reconnaissance"), quantity=500,
        max_unit_price=Decimal("2000.00"), delivery_from=dt.date(2026, 12, 1),
        delivery_to=dt.date(2027, 3, 1),
    )  # fmt: skip
    return tender


def pay(people, checker, payer, draft, amount):
    request = draft(amount)
    dsb.disbursement_submit(request=request, actor=people.finance)
    dsb.disbursement_check(request=request, actor=checker)
    dsb.disbursement_approve(request=request, actor=people.approver_lv)
    dsb.disbursement_mark_paid(
        request=request, actor=payer, payment_order=f"PO-{amount}",
        bank_reference=f"BANK-{amount}", paid_on=timezone.localdate(),
    )  # fmt: skip
    return request


@pytest.fixture
def coalition(people, japan, contract, draft, checker, payer):
    """Money in both pools, a signed contract for 250 drones with two batches
    delivered, a payment made, and Japan's overdue onboarding.

    unrestricted: received 5,000,000 + 1,000,000; committed 350,000 (the
    contract, 250 x 1,400) + 2,000,000 (a commitment) - 250,000 paid.
    non-lethal: received 3,000,000."""
    contract, rep = contract
    pay(people, checker, payer, draft, "250000.00")
    first = procurement_services.delivery_report(
        contract=contract, milestone=contract.milestones.get(number=1), actor=rep,
        quantity=150,
    )  # fmt: skip
    procurement_services.delivery_decide(
        delivery=first, actor=people.procurement, quantity_accepted=140,
        test_site="Sēlia military training ground", tested_on=timezone.localdate(),
        note="10 units failed the jamming test",
    )  # fmt: skip
    procurement_services.delivery_report(
        contract=contract, milestone=contract.milestones.get(number=2), actor=rep,
        quantity=80,
    )  # fmt: skip
    member_services.member_transition(
        member_state=japan, to_status="invited", actor=people.officer, reason="r",
        due_date=dt.date(2020, 1, 1),
    )  # fmt: skip
    return contract


# ---------------------------------------------------------------- figures


def test_the_fund_figures_are_the_pools(client, people, coalition):
    response, html = dashboard_page(client, people.finance)
    fund = response.context["board"].fund

    by_name = {p.name: p for p in fund.pools}
    unrestricted = by_name["Unrestricted"]
    assert unrestricted.received == Decimal("6000000.00")
    assert unrestricted.committed == Decimal("2100000.00")
    assert unrestricted.disbursed == Decimal("250000.00")
    assert unrestricted.available == Decimal("3650000.00")
    non_lethal = by_name["Non-lethal only"]
    assert (non_lethal.received, non_lethal.available) == (
        Decimal("3000000.00"),
        Decimal("3000000.00"),
    )
    assert fund.total.received == Decimal("9000000.00")
    assert fund.total.committed == Decimal("2100000.00")
    assert fund.total.disbursed == Decimal("250000.00")
    assert fund.total.available == Decimal("6650000.00")
    for pool in Pool.objects.all():
        assert by_name[pool.name].available == pool.available

    # The cards at a glance; the exact totals in their titles and the table.
    assert shown(html, "fund-received") == "EUR 9 M"
    assert shown(html, "fund-committed") == "EUR 2.1 M"
    assert shown(html, "fund-disbursed") == "EUR 250 k"
    assert shown(html, "fund-available") == "EUR 6.7 M"
    assert 'title="EUR 6,650,000.00" id="fund-available"' in html
    assert '<td class="num">EUR 6,650,000.00</td>' in html  # the total row
    assert '<td class="num">EUR 3,650,000.00</td>' in html


def test_the_drone_figures_are_the_contracts_and_deliveries(client, people, coalition):
    response, html = dashboard_page(client, people.procurement)
    drones = response.context["board"].drones

    assert coalition.quantity == 250
    assert (drones.contracted, drones.delivered, drones.accepted) == (250, 230, 140)
    assert shown(html, "drones-contracted") == "250"
    assert shown(html, "drones-delivered") == "230"
    assert shown(html, "drones-accepted") == "140"


def test_a_rejected_batch_is_not_counted_as_delivered(people, coalition):
    waiting = Delivery.objects.get(quantity=80)
    procurement_services.delivery_decide(
        delivery=waiting, actor=people.procurement, quantity_accepted=0,
        test_site="Sēlia military training ground", tested_on=timezone.localdate(),
        note="Failed",
    )  # fmt: skip
    figures = dashboard.drones(people.officer)
    assert (figures.contracted, figures.delivered, figures.accepted) == (250, 150, 140)


def test_the_monthly_delivery_counts_are_kept_by_the_services(people, coalition):
    """What the services keep is what counting every delivery again finds."""
    waiting = Delivery.objects.get(quantity=80)
    procurement_services.delivery_decide(
        delivery=waiting, actor=people.procurement, quantity_accepted=0,
        test_site="Sēlia military training ground", tested_on=timezone.localdate(),
        note="Failed",
    )  # fmt: skip
    kept = list(DeliveryMonth.objects.values_list("month", "delivered", "accepted"))
    assert kept == [(DeliveryMonth.month_of(timezone.now()), 150, 140)]
    DeliveryMonth.recount()
    assert (
        list(DeliveryMonth.objects.values_list("month", "delivered", "accepted"))
        == kept
    )


def test_thousands_are_grouped(client, people, coalition):
    Contract.objects.filter(pk=coalition.pk).update(quantity=30000)
    _response, html = dashboard_page(client, people.officer)
    assert shown(html, "drones-contracted") == "30,000"


def test_onboarding_pipeline_and_my_overdue_work(client, people, coalition):
    response, html = dashboard_page(client, people.officer)
    board = response.context["board"]

    states = {row.status: row.count for row in board.onboarding.states}
    assert (
        states[MemberStatus.MEMBER]
        == MemberState.objects.filter(status=MemberStatus.MEMBER).count()
    )
    assert states[MemberStatus.INVITED] == 1  # Japan
    assert sum(states.values()) == MemberState.objects.count()
    assert (board.onboarding.open_steps, board.onboarding.overdue_steps) == (7, 7)
    assert shown(html, "states-invited") == "1"
    assert shown(html, "steps-open") == "7"
    assert shown(html, "steps-overdue") == "7"

    # The officer owns Japan's case: its seven steps await them, all past due.
    assert len(board.overdue) == 7
    onboarding = MemberState.objects.get(country="JP").onboarding_cases.get()
    assert {item.reference for item in board.overdue} == {onboarding.case.reference}
    assert html.count('<span class="badge overdue">') == 7

    # Finance has nothing overdue.
    response, html = dashboard_page(client, people.finance)
    assert response.context["board"].overdue == []
    assert "Nothing awaiting you is past due." in html


def test_a_completed_step_is_no_longer_open(people, coalition):
    onboarding = MemberState.objects.get(country="JP").onboarding_cases.get()
    step = onboarding.steps.get(kind="acknowledgement")
    member_services.onboarding_step_complete(step=step, actor=people.officer, note="ok")
    pipeline = dashboard.onboarding_pipeline(people.officer)
    assert (pipeline.open_steps, pipeline.overdue_steps) == (6, 6)
    # Due tomorrow is not overdue.
    onboarding.steps.update(due_date=timezone.localdate() + dt.timedelta(days=1))
    pipeline = dashboard.onboarding_pipeline(people.officer)
    assert (pipeline.open_steps, pipeline.overdue_steps) == (6, 0)


# ---------------------------------------------------------------- over time


def test_monthly_series_sum_to_the_totals(client, people, coalition):
    response, _html = dashboard_page(client, people.finance)
    board = response.context["board"]
    fund, made = board.fund_months, board.drone_months

    assert len(fund.months) == len(made.months) == 12
    assert fund.months[-1] == timezone.localdate().replace(day=1)
    assert fund.total("received") == board.fund.total.received
    assert fund.total("disbursed") == board.fund.total.disbursed
    # A payment moves money from committed to disbursed.
    assert (
        fund.total("committed")
        == board.fund.total.committed + board.fund.total.disbursed
    )
    assert made.total("contracted") == board.drones.contracted
    assert made.total("delivered") == board.drones.delivered
    assert made.total("accepted") == board.drones.accepted
    # Everything happened this month.
    assert fund.series["received"][-1] == Decimal("9000000.00")
    assert made.series["delivered"][-1] == 230
    assert all(value == 0 for value in made.series["delivered"][:-1])


def test_ledger_entries_fall_in_their_local_month(people):
    pool = Pool.objects.get(code="unrestricted")
    riga = timezone.get_current_timezone()

    def entry(kind, amount, when):
        LedgerEntry.objects.create(
            pool=pool, kind=kind, amount_eur=Decimal(amount), memo="m",
            created_by=people.finance, created_at=when.replace(tzinfo=riga),
        )  # fmt: skip

    entry(LedgerKind.CONTRIBUTION, "100.00", dt.datetime(2026, 1, 31, 23, 30))
    entry(LedgerKind.CONTRIBUTION, "200.00", dt.datetime(2026, 2, 1, 0, 30))
    entry(LedgerKind.ADJUSTMENT, "-50.00", dt.datetime(2026, 2, 10, 12))
    entry(LedgerKind.COMMITMENT, "80.00", dt.datetime(2026, 2, 11, 12))
    entry(LedgerKind.COMMITMENT_RELEASE, "30.00", dt.datetime(2026, 3, 1, 12))
    entry(LedgerKind.DISBURSEMENT, "40.00", dt.datetime(2026, 3, 2, 12))
    entry(LedgerKind.CONTRIBUTION, "999.00", dt.datetime(2023, 3, 31, 12))  # too old

    series = dashboard.fund_by_month(people.finance, today=dt.date(2026, 3, 15))
    assert series.months[0] == dt.date(2025, 4, 1)
    assert series.months[-3:] == [
        dt.date(2026, 1, 1),
        dt.date(2026, 2, 1),
        dt.date(2026, 3, 1),
    ]
    assert series.series["received"][-3:] == [Decimal("100"), Decimal("150"), 0]
    assert series.series["committed"][-3:] == [0, Decimal("80"), Decimal("-30")]
    assert series.series["disbursed"][-3:] == [0, 0, Decimal("40")]
    assert series.total("received") == Decimal("250.00")


def test_the_charts_reach_back_to_the_first_money_up_to_three_years(people):
    """Older money than twelve months widens the charts to its month, so a
    coalition's history shows; money older than three years does not."""
    pool = Pool.objects.get(code="unrestricted")
    riga = timezone.get_current_timezone()

    def entry(amount, when):
        LedgerEntry.objects.create(
            pool=pool, kind=LedgerKind.CONTRIBUTION, amount_eur=Decimal(amount),
            memo="m", created_by=people.finance, created_at=when.replace(tzinfo=riga),
        )  # fmt: skip

    entry("500.00", dt.datetime(2024, 2, 10, 12))
    entry("700.00", dt.datetime(2022, 1, 10, 12))  # beyond three years
    series = dashboard.fund_by_month(people.finance, today=dt.date(2026, 3, 15))
    assert series.months[0] == dt.date(2024, 2, 1)
    assert series.months[-1] == dt.date(2026, 3, 1)
    assert len(series.months) == 26
    assert series.total("received") == Decimal("500.00")
    made = dashboard.drones_by_month(people.officer, months=series.months)
    assert made.months == series.months


def test_drones_fall_in_the_month_they_happened(people, coalition):
    last_month = timezone.now() - dt.timedelta(days=40)
    Contract.objects.filter(pk=coalition.pk).update(signed_at=last_month)
    Delivery.objects.filter(quantity=150).update(
        reported_at=last_month, decided_at=last_month
    )
    # Moved behind the services' back: their monthly counts are taken again.
    DeliveryMonth.recount()
    made = dashboard.drones_by_month(people.officer)
    month = timezone.localtime(last_month).date().replace(day=1)
    index = made.months.index(month)
    assert made.series["contracted"][index] == 250
    assert made.series["delivered"][index] == 150
    assert made.series["delivered"][-1] == 80
    assert made.series["accepted"][index] == 140
    assert made.series["accepted"][-1] == 0


# ---------------------------------------------------------------- charts


def test_the_charts_are_well_formed_labelled_svg(client, people, coalition):
    _response, html = dashboard_page(client, people.finance)
    svgs = svgs_of(html)
    assert len(svgs) == 2
    for svg in svgs:
        assert svg.tag == f"{SVG}svg"
        assert svg.get("role") == "img"
        assert svg.get("aria-label")
        assert svg.find(f"{SVG}title").text
    fund_chart, drone_chart = svgs
    assert "Received EUR 9,000,000.00" in fund_chart.get("aria-label")
    bar_tips = [t.text for t in fund_chart.iter(f"{SVG}title")]
    assert any(tip.endswith("Received: EUR 9,000,000.00") for tip in bar_tips)
    assert len(list(fund_chart.iter(f"{SVG}rect"))) >= 3
    assert len(list(drone_chart.iter(f"{SVG}polyline"))) >= 3
    assert "Delivered 230" in drone_chart.get("aria-label")
    # No inline script, handler or style: the page must pass a strict CSP.
    # Scripts only from files (htmx, app.js): nothing inline.
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)
    assert not re.search(r"\son\w+=", html)
    assert " style=" not in main_of(html)
    # The figures as a table, for those who cannot see the picture.
    assert html.count('<details class="chart-data">') == 2
    assert '<td class="num">EUR 9,000,000.00</td>' in html


def test_chart_labels_are_escaped():
    months = dashboard.last_months(dt.date(2026, 3, 15))
    chart = monthly_chart(
        chart_id="c", kind="bar", title='R&D <script>alert("x")</script>',
        unit="EUR", months=months,
        series=[Series("a", "In & <out>", [Decimal(-5)] * 11 + [Decimal(10)])],
        fmt=format_eur,
    )  # fmt: skip
    html = render_to_string("includes/chart.html", {"chart": chart})
    assert "<script" not in html
    (svg,) = svgs_of(html)
    assert svg.find(f"{SVG}title").text == 'R&D <script>alert("x")</script>'
    assert svg.get("aria-label").startswith("R&D <script>")
    # A negative value draws below the zero line, a positive one above it.
    zero = next(
        float(line.get("y1"))
        for line in svg.iter(f"{SVG}line")
        if line.get("class") == "zero"
    )
    bars = list(svg.iter(f"{SVG}rect"))[1:]  # after the legend's swatch
    assert float(bars[0].get("y")) == zero
    assert float(bars[-1].get("y")) + float(bars[-1].get("height")) == zero


def test_money_and_counts_are_written_for_people():
    assert format_eur(Decimal("1250000")) == "EUR 1,250,000.00"
    assert format_eur(Decimal("-0.5")) == "-EUR 0.50"
    assert format_count(30000) == "30,000"


# ---------------------------------------------------------------- sealed bids


def test_no_bid_is_counted_or_shown_before_opening(client, people, bidders):
    (_maker_lv, rep_lv), (_maker_gb, rep_gb) = bidders
    tender = to_tendering(new_tender(people, "Interceptor drones"), people)
    bid(rep_lv, tender)
    bid(rep_gb, tender, price="1777.77")

    response, html = dashboard_page(client, people.procurement)
    tenders = response.context["board"].tenders
    assert {row.status: row.count for row in tenders.statuses}[
        TenderStatus.TENDERING
    ] == 1
    assert shown(html, "tenders-tendering") == "1"
    assert shown(html, "tenders-total") == "1"
    for price in (SECRET_PRICE, "1,234.56", "1777.77", "1,777.77"):
        assert price not in html
    # Not a word about bids on the page: no count, no label, no number.
    assert not re.search(r"bid", main_of(html), re.IGNORECASE)


def test_tenders_are_counted_by_status(people, bidders):
    for title in ("One", "Two"):
        to_tendering(new_tender(people, title), people)
    procurement_services.tender_publish(
        tender=new_tender(people, "Three"), actor=people.procurement
    )
    new_tender(people, "A draft")
    figures = dashboard.open_tenders(people.officer)
    counts = {row.status: row.count for row in figures.statuses}
    assert counts == {
        "published": 1,
        "tendering": 2,
        "closed": 0,
        "opened": 0,
        "evaluation": 0,
        "awarded": 0,
    }
    assert figures.total == 3


# ---------------------------------------------------------------- who sees it


@pytest.mark.parametrize(
    "who", ["officer", "procurement", "finance", "approver_lv", "approver_uk", "admin"]
)
def test_staff_see_the_dashboard(client, people, who):
    client.force_login(getattr(people, who))
    response = client.get(reverse("dashboard"))
    assert response.status_code == 200
    assert f'href="{reverse("dashboard")}"' in response.content.decode()


@pytest.mark.parametrize(
    "who", ["liaison_jp", "liaison_lv", "manufacturer", "evaluator", "outsider"]
)
def test_others_are_refused(client, people, who):
    client.force_login(getattr(people, who))
    assert client.get(reverse("dashboard")).status_code == 403


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_staff_land_on_a_page_that_leads_to_the_dashboard(client, people):
    client.force_login(people.officer)
    response = client.get(reverse("start"))
    assert response.status_code == 200
    assert f'href="{reverse("dashboard")}"' in response.content.decode()


def test_the_selectors_answer_nothing_to_others(people, coalition):
    user = people.liaison_lv
    assert dashboard.fund_by_pool(user).pools == []
    assert dashboard.drones(user) == dashboard.DroneFigures(0, 0, 0)
    assert dashboard.open_tenders(user).total == 0
    assert dashboard.onboarding_pipeline(user).open_steps == 0
    assert dashboard.my_overdue_work(user) == []
    assert dashboard.fund_by_month(user).total("received") == 0


# ---------------------------------------------------------------- query budget


def grow(people, round_number):
    """More of everything the dashboard counts."""
    latvia = MemberState.objects.get(country="LV")
    for i in range(3):
        receive(people, latvia, f"{1000 + i}.00")
        receive(people, latvia, "500.00", earmark="non_lethal")
        receive(
            people, latvia, "700.00", earmark="categories",
            categories=[category("reconnaissance")],
        )  # fmt: skip
    for code in (["FR", "DE", "IT"], ["PL", "SE", "NO"])[round_number]:
        state = MemberState.objects.create(
            country=code, name=f"State {code}", status=MemberStatus.PROSPECTIVE
        )
        member_services.member_transition(
            member_state=state, to_status="invited", actor=people.officer,
            reason="r", due_date=dt.date(2020, 1, 1),
        )  # fmt: skip
    _maker, rep = make_manufacturer(
        people, latvia, f"SIA Maker {round_number}", f"LVX{round_number}"
    )
    for title in ("Alpha", "Bravo"):
        tender = to_tendering(new_tender(people, f"{title} {round_number}"), people)
        bid(rep, tender)


def test_the_query_count_stays_flat_as_data_grows(
    client, people, coalition, django_assert_max_num_queries
):
    client.force_login(people.officer)
    url = reverse("dashboard")
    # A first request fills what the signed-in floor keeps in the cache; each
    # growth below changes the figures, so both measured requests compute them.
    assert client.get(url).status_code == 200
    grow(people, 0)
    with django_assert_max_num_queries(QUERY_BUDGET) as small:
        assert client.get(url).status_code == 200
    grow(people, 1)
    with django_assert_max_num_queries(QUERY_BUDGET) as large:
        assert client.get(url).status_code == 200
    assert len(large) == len(small)
    # The figures did grow.
    board = dashboard.dashboard_for(people.officer)
    assert board.onboarding.open_steps == 7 * 7
    assert board.tenders.total == 4
