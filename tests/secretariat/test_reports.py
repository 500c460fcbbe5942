"""Each report in each format: its figures match the ledger and the records, a
liaison's copy holds nothing of another state, formula payloads come out
escaped, and sealed bids are never counted."""

from decimal import Decimal

import pytest
from django.db.models import Sum

from members.models import OnboardingStep, Pledge
from procurement import services as procurement
from procurement.models import Bid, Contract, Delivery, Tender
from secretariat.fund.models import LedgerEntry, LedgerKind, Pool
from secretariat.kernel.models import CapabilityCategory
from secretariat.reports.writers import safe_cell
from tests.procurement import conftest as procurement_fixtures
from tests.procurement.helpers import bid, to_tendering
from tests.secretariat import report_fixtures
from tests.secretariat.report_fixtures import (
    HYPERLINK,
    PAYLOADS,
    TODAY,
    build,
    content_of,
    csv_tables,
    figures,
    money,
    new_tender,
    pdf_text,
    tables,
    xlsx_tables,
    xlsx_workbook,
)

# Fixtures: the procurement ones the pipeline and the deliveries build on, and
# the reports' own.
bidders = procurement_fixtures.bidders
tender = procurement_fixtures.tender
evaluated = procurement_fixtures.evaluated
contract = procurement_fixtures.contract
money_in = report_fixtures.money_in
pipeline = report_fixtures.pipeline
deliveries = report_fixtures.deliveries
onboarding = report_fixtures.onboarding
hostile_states = report_fixtures.hostile_states

pytestmark = pytest.mark.django_db
FORMATS = ["csv", "xlsx", "pdf"]


def ledger_figures(pool):
    """A pool's received, committed, disbursed and available, from its ledger
    entries alone."""
    sums = dict(
        LedgerEntry.objects.filter(pool=pool)
        .values_list("kind")
        .annotate(total=Sum("amount_eur"))
        .order_by()
    )

    def of(kind):
        return sums.get(kind) or Decimal(0)

    received = of(LedgerKind.CONTRIBUTION) + of(LedgerKind.ADJUSTMENT)
    disbursed = of(LedgerKind.DISBURSEMENT)
    committed = (
        of(LedgerKind.COMMITMENT) - of(LedgerKind.COMMITMENT_RELEASE) - disbursed
    )
    return received, committed, disbursed, received - committed - disbursed


def all_text(report) -> str:
    if report.format == "pdf":
        return pdf_text(report)
    if report.format == "csv":
        return content_of(report).decode("utf-8-sig")
    workbook = xlsx_workbook(report)
    return "\n".join(
        str(cell.value)
        for sheet in workbook.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.value is not None
    )


# ==================================================================== fund


@pytest.mark.parametrize("fmt", FORMATS)
def test_fund_statement_matches_the_ledger(people, money_in, fmt):
    report = build(people.finance, "fund_statement", fmt)
    expected = {pool.name: ledger_figures(pool) for pool in Pool.objects.all()}
    unrestricted = Pool.objects.get(code="unrestricted").name
    # 8,000,000 in less 500 of charges; 2,100,000 committed, 100,000 released,
    # 250,000 paid.
    assert expected[unrestricted] == (
        Decimal("7999500.00"), Decimal("1750000.00"), Decimal("250000.00"),
        Decimal("5999500.00"),
    )  # fmt: skip
    totals = [sum(column) for column in zip(*expected.values(), strict=True)]
    if fmt == "pdf":
        text = pdf_text(report)
        for values in [*expected.values(), totals]:
            for value in values:
                assert figures(value) in text
        for value in ["6,250,000.00", "3,333,333.33", "333,333.33"]:
            assert value in text
        assert "United Kingdom" in text
        return
    got = tables(report)
    pools = {row["Pool"]: row for row in got["Pools"]}
    for name, values in [*expected.items(), ("Coalition total", totals)]:
        row = pools[name]
        assert [
            money(row["Received (EUR)"]),
            money(row["Committed (EUR)"]),
            money(row["Disbursed (EUR)"]),
            money(row["Available (EUR)"]),
        ] == list(values), name
    members = {row["Member state"]: row for row in got["Members"]}
    for state in ["Latvia", "United Kingdom"]:
        pledged = Pledge.objects.filter(member_state__name=state).aggregate(
            total=Sum("eur_amount")
        )["total"]
        received = LedgerEntry.objects.filter(
            kind=LedgerKind.CONTRIBUTION, contribution__pledge__member_state__name=state
        ).aggregate(total=Sum("amount_eur"))["total"]
        assert money(members[state]["Pledged (EUR)"]) == pledged
        assert money(members[state]["Received (EUR)"]) == received
        assert money(members[state]["Outstanding (EUR)"]) == pledged - received
    assert money(members["United Kingdom"]["Outstanding (EUR)"]) == Decimal("333333.33")
    assert money(members["All members"]["Received (EUR)"]) == Decimal("9250000.00")


def test_monthly_fund_statement_shows_the_months_movements(people, money_in):
    from secretariat.reports.models import Report, ReportStatus
    from secretariat.reports.services import report_build

    report = Report.objects.create(
        kind="fund_statement", format="csv", subscriber=people.finance,
        period=TODAY.replace(day=1),
    )  # fmt: skip
    report = report_build(report.pk)
    assert report.status == ReportStatus.DONE, report.error
    title = f"Ledger movements in {TODAY:%B %Y}"
    movements = {row["Pool"]: row for row in csv_tables(report)[title]}
    row = movements[Pool.objects.get(code="unrestricted").name]
    assert money(row["Contribution received (EUR)"]) == Decimal("8000000.00")
    assert money(row["Adjustment (EUR)"]) == Decimal("-500.00")
    assert money(row["Commitment (EUR)"]) == Decimal("2100000.00")
    assert money(row["Commitment released (EUR)"]) == Decimal("100000.00")
    assert money(row["Disbursement (EUR)"]) == Decimal("250000.00")


@pytest.mark.parametrize("fmt", FORMATS)
def test_liaisons_fund_statement_holds_only_their_state(people, money_in, fmt):
    report = build(people.liaison_lv, "fund_statement", fmt)
    assert report.scope.name == "Latvia"
    text = all_text(report)
    assert "Latvia" in text
    assert "United Kingdom" not in text
    for uk_figure in ["3,333,333.33", "3333333.33", "333,333.33", "333333.33"]:
        assert uk_figure not in text
    # The coalition's pools are the liaison's to see, as on the fund page.
    assert figures("5999500.00") in text or "5999500" in text
    if fmt != "pdf":
        members = tables(report)["Members"]
        assert [row["Member state"] for row in members] == ["Latvia"]
        assert money(members[0]["Received (EUR)"]) == Decimal("6250000.00")


# ==================================================================== tenders


@pytest.mark.parametrize("fmt", FORMATS)
def test_tender_pipeline_matches_the_records(people, pipeline, fmt):
    contract, sealed = pipeline
    contracted = contract.award.lot.tender
    report = build(people.procurement, "tender_pipeline", fmt)
    if fmt == "pdf":
        text = pdf_text(report)
        for needle in [contracted.case.reference, sealed.case.reference,
                       "Interceptor drones 2026", "Contracted", "Tendering",
                       figures(contract.value_eur)]:  # fmt: skip
            assert needle in text
        return
    got = tables(report)
    by_status = {row["Status"]: row for row in got["Tenders by status"]}
    row = by_status["Contracted"]
    opened_bids = Bid.objects.filter(lot__tender=contracted).count()
    assert opened_bids == 2
    assert [int(row[c]) for c in ("Tenders", "Lots", "Units sought")] == [1, 1, 500]
    assert int(row["Bids"]) == opened_bids
    assert int(row["Bidders"]) == 2
    assert by_status["Tendering"]["Bids"] is None
    assert by_status["Tendering"]["Bidders"] is None
    assert int(by_status["Tendering"]["Units sought"]) == 300

    by_state = {row["Member state"]: row for row in got["Bidders by member state"]}
    assert int(by_state["Latvia"]["Bids"]) == 1
    assert int(by_state["Latvia"]["Contracts"]) == 1
    assert money(by_state["Latvia"]["Contracted (EUR)"]) == contract.value_eur
    # The UK's manufacturer also bid in the sealed tender: not counted.
    assert int(by_state["United Kingdom"]["Bids"]) == 1
    assert int(by_state["United Kingdom"]["Tenders"]) == 1

    capability = CapabilityCategory.objects.get(code="reconnaissance").name
    by_capability = {row["Capability"]: row for row in got["Tenders by capability"]}
    row = by_capability[capability]
    assert int(row["Tenders"]) == 2
    assert int(row["Units sought"]) == 800
    assert int(row["Bids in opened tenders"]) == 2
    assert int(row["Units contracted"]) == contract.quantity
    assert money(row["Contracted (EUR)"]) == contract.value_eur

    listed = {row["Reference"]: row for row in got["Tenders"]}
    assert int(listed[contracted.case.reference]["Bids"]) == 2
    assert listed[sealed.case.reference]["Bids"] is None
    assert listed[sealed.case.reference]["Title"] == "Interceptor drones 2026"


def test_a_tender_cancelled_before_opening_never_counts_its_bids(
    people, pipeline, bidders
):
    (_m, rep_lv), _ = bidders
    cancelled = to_tendering(new_tender(people, "Strike drones 2026"), people)
    bid(rep_lv, cancelled, price="1700.00")
    procurement.tender_cancel(tender=cancelled, actor=people.procurement, reason="x")
    assert Tender.objects.get(pk=cancelled.pk).opened_at is None
    assert Bid.objects.count() == 4
    report = build(people.procurement, "tender_pipeline", "csv")
    got = tables(report)
    by_status = {row["Status"]: row for row in got["Tenders by status"]}
    assert by_status["Cancelled"]["Bids"] == "0"
    assert sum(int(r["Bids"]) for r in got["Bidders by member state"]) == 2
    listed = {row["Reference"]: row for row in got["Tenders"]}
    assert listed[cancelled.case.reference]["Bids"] is None


# ==================================================================== deliveries


@pytest.mark.parametrize("fmt", FORMATS)
def test_deliveries_match_the_records(people, deliveries, fmt):
    contract = deliveries
    contracted = Contract.objects.aggregate(n=Sum("quantity"))["n"]
    delivered = Delivery.objects.aggregate(n=Sum("quantity"))["n"]
    accepted = Delivery.objects.aggregate(n=Sum("quantity_accepted"))["n"]
    assert (contracted, delivered, accepted) == (250, 250, 140)
    report = build(people.procurement, "deliveries", fmt)
    capability = CapabilityCategory.objects.get(code="reconnaissance").name
    if fmt == "pdf":
        # A cell's words may wrap onto lines of their own.
        text = " ".join(pdf_text(report).split())
        for needle in [capability, figures(contract.value_eur), "Sēlia military",
                       contract.reference, f"{TODAY:%Y-%m}", "140", "110"]:  # fmt: skip
            assert needle in text
        return
    got = tables(report)
    (row,) = got["By capability"]
    assert row["Capability"] == capability
    assert [int(row[c]) for c in ["Drones contracted", "Drones delivered",
                                  "Drones accepted", "Still to accept"]] == [
        contracted, delivered, accepted, contracted - accepted]  # fmt: skip
    assert money(row["Contracted (EUR)"]) == contract.value_eur
    (month,) = got["By capability and month"]
    if fmt == "csv":
        assert month["Month"] == f"{TODAY:%Y-%m}"
    else:
        assert month["Month"].date() == TODAY.replace(day=1)
    assert int(month["Drones accepted"]) == 140
    listed = got["Deliveries"]
    assert len(listed) == Delivery.objects.count() == 2
    assert sorted(int(r["Drones accepted"]) for r in listed) == [0, 140]
    assert {r["Contract"] for r in listed} == {contract.reference}
    assert {r["Member state"] for r in listed} == {"Latvia"}


# ==================================================================== onboarding


@pytest.mark.parametrize("fmt", FORMATS)
def test_onboarding_lists_each_state_and_open_step_overdue_first(
    people, onboarding, fmt
):
    report = build(people.officer, "onboarding", fmt)
    open_steps = OnboardingStep.objects.filter(
        onboarding__is_open=True, completed_at__isnull=True
    )
    assert open_steps.count() == 13
    if fmt == "pdf":
        text = pdf_text(report)
        for needle in ["Japan", "France", "Latvia", "United Kingdom",
                       "National decision", "Invited"]:  # fmt: skip
            assert needle in text
        assert text.index("Japan") < text.index("France")
        return
    got = tables(report)
    states = got["Member states"]
    assert states[0]["Member state"] == "Japan"
    assert {r["Member state"] for r in states} == {
        "Japan", "France", "Latvia", "United Kingdom"
    }  # fmt: skip
    japan = states[0]
    assert (int(japan["Open steps"]), int(japan["Overdue steps"])) == (6, 6)
    france = next(r for r in states if r["Member state"] == "France")
    assert (int(france["Open steps"]), int(france["Overdue steps"])) == (7, 0)
    steps = got["Open steps"]
    assert len(steps) == open_steps.count()
    assert [r["Member state"] for r in steps[:6]] == ["Japan"] * 6
    assert all(int(r["Days overdue"]) == 3 for r in steps[:6])
    assert all(r["Days overdue"] is None for r in steps[6:])
    assert "Acknowledgement received" not in {r["Step"] for r in steps[:6]}


@pytest.mark.parametrize("fmt", FORMATS)
def test_liaisons_onboarding_report_holds_only_their_state(people, onboarding, fmt):
    report = build(people.liaison_jp, "onboarding", fmt)
    assert report.scope.name == "Japan"
    text = all_text(report)
    assert "Japan" in text
    for other in ["France", "Latvia", "United Kingdom"]:
        assert other not in text
    if fmt != "pdf":
        got = tables(report)
        assert [r["Member state"] for r in got["Member states"]] == ["Japan"]
        assert len(got["Open steps"]) == 6


# ==================================================================== ledger


@pytest.mark.parametrize("fmt", FORMATS)
def test_ledger_export_matches_the_ledger(people, money_in, fmt):
    report = build(people.finance, "ledger", fmt)
    entries = list(LedgerEntry.objects.order_by("created_at", "id"))
    assert report.row_count == len(entries) == 8
    if fmt == "pdf":
        text = pdf_text(report)
        for entry in entries:
            assert figures(entry.amount_eur) in text
        return
    rows = next(iter(tables(report).values()))
    assert [int(r["Entry"]) for r in rows] == [e.pk for e in entries]
    for row, entry in zip(rows, entries, strict=True):
        assert money(row["Amount (EUR)"]) == entry.amount_eur
        assert row["Pool"] == entry.pool.name
        assert row["Kind"] == entry.get_kind_display()
    assert (
        sum(money(r["Amount (EUR)"]) for r in rows)
        == LedgerEntry.objects.aggregate(total=Sum("amount_eur"))["total"]
    )


def test_xlsx_cells_are_numbers_and_dates(people, money_in):
    report = build(people.finance, "ledger", "xlsx")
    (rows,) = xlsx_tables(report).values()
    for row in rows:
        assert row["Amount (EUR)"].data_type == "n"
        assert row["Amount (EUR)"].number_format == "#,##0.00"
        assert row["Entry"].data_type == "n"
        assert row["Recorded"].is_date
    adjustment = next(r for r in rows if r["Kind"].value == "Adjustment")
    assert adjustment["Amount (EUR)"].value == -500
    statement = build(people.finance, "fund_statement", "xlsx")
    for row in xlsx_tables(statement)["Pools"]:
        assert row["Available (EUR)"].data_type == "n"
    about = xlsx_workbook(statement).worksheets[0]
    assert about["B2"].is_date


def test_csv_numbers_stay_numbers(people, money_in):
    report = build(people.finance, "ledger", "csv")
    (rows,) = csv_tables(report).values()
    adjustment = next(r for r in rows if r["Kind"] == "Adjustment")
    # A negative amount is a number, not text to escape.
    assert adjustment["Amount (EUR)"] == "-500.00"


# ==================================================================== injection


@pytest.mark.parametrize(
    "value",
    [*PAYLOADS, "=1+1", "-", "@", "+"],
)
def test_safe_cell_escapes_formula_starts(value):
    assert safe_cell(value) == "'" + value


@pytest.mark.parametrize("value", ["Latvia", "", " =not first", "1+1", 5, None,
                                   Decimal("-2.50")])  # fmt: skip
def test_safe_cell_leaves_everything_else(value):
    assert safe_cell(value) == value


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_formula_payloads_come_out_escaped(people, money_in, hostile_states, fmt):
    onboarding_report = build(people.officer, "onboarding", fmt)
    ledger_report = build(people.finance, "ledger", fmt)
    if fmt == "csv":
        names = {
            r["Member state"] for r in csv_tables(onboarding_report)["Member states"]
        }
        for payload in PAYLOADS:
            assert "'" + payload in names
            assert payload not in names
        (rows,) = csv_tables(ledger_report).values()
        references = {r["Bank reference"] for r in rows}
        assert "'" + HYPERLINK in references
        assert "'-2 BANK" in references
        return
    cells = [
        row["Member state"] for row in xlsx_tables(onboarding_report)["Member states"]
    ]
    escaped = {cell.value.replace("\n", "\r") for cell in cells}
    for payload in PAYLOADS:
        assert "'" + payload in escaped
    for workbook in (xlsx_workbook(onboarding_report), xlsx_workbook(ledger_report)):
        for sheet in workbook.worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    assert cell.data_type != "f"
                    if isinstance(cell.value, str):
                        assert not cell.value.startswith(("=", "+", "-", "@", "\t"))
    (rows,) = xlsx_tables(ledger_report).values()
    assert "'" + HYPERLINK in {r["Bank reference"].value for r in rows}


# ==================================================================== size


def test_a_long_pdf_table_is_cut_and_says_so(people, money_in, monkeypatch):
    from secretariat.reports import writers

    monkeypatch.setattr(writers, "PDF_MAX_ROWS", 3)
    report = build(people.finance, "ledger", "pdf")
    text = " ".join(pdf_text(report).split())
    assert "The PDF shows the first 3 of 8 rows" in text
    assert "the CSV and XLSX formats hold them all" in text


def test_long_tables_are_read_lazily(people, money_in, onboarding, deliveries):
    """The long tables are generators over chunked querysets: nothing is read
    before the writer asks for the first row."""
    import types

    from secretariat.reports import sources

    for sections in [
        sources.ledger_sections(scope_id=None, period=None),
        sources.onboarding_sections(scope_id=None),
        sources.deliveries_sections(scope_id=None)[2:],
        sources.tender_pipeline_sections(scope_id=None)[3:],
    ]:
        for section in sections:
            assert isinstance(section.rows, types.GeneratorType), section.title
