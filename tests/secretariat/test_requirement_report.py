"""The deliveries report's receipts and discrepancies, and the per-requirement
report from request to receipt: their figures on a small hand-built record, in
every format, and who may ask for them."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from procurement.models import Discrepancy, Requirement
from secretariat.kernel import policy
from secretariat.kernel.models import CapabilityCategory
from secretariat.reports import services, sources
from secretariat.reports.forms import kinds_for
from tests.procurement import conftest as procurement_fixtures
from tests.procurement.track_record_data import at, build_record
from tests.secretariat.report_fixtures import build, pdf_text, tables

bidders = procurement_fixtures.bidders
tender = procurement_fixtures.tender
evaluated = procurement_fixtures.evaluated
contract = procurement_fixtures.contract

pytestmark = pytest.mark.django_db
FORMATS = ["csv", "xlsx", "pdf"]
STAFF = ["officer", "procurement", "finance", "approver_lv", "approver_uk", "admin"]
REFUSED = ["liaison_lv", "liaison_jp", "manufacturer", "evaluator", "outsider"]


@pytest.fixture
def record(people, front, contract):
    """SIA Baltic UAV's contract with its deliveries, receipts, a discrepancy
    and field reports (``build_record``); a requirement that Ukraine's end
    user submitted and nobody has tendered yet."""
    contract, _rep = contract
    build_record(contract, people, front)
    submitted = Requirement.objects.create(
        title="Interceptor drones for the night",
        capability=CapabilityCategory.objects.get(code="reconnaissance"),
        quantity=40,
        specification="Thermal camera",
        priority="critical",
        needed_by=dt.date(2027, 3, 1),
        status="submitted",
        recorded_by=front.enduser,
        recorded_at=at(2026, 11, 20),
        unit=front.unit,
    )
    return contract, submitted


def requirement_rows(report) -> dict[str, dict]:
    """The report's one table, by requirement (a CSV of one table has no
    title)."""
    got = tables(report)
    listed = got["Requirements"] if "Requirements" in got else got[None]
    return {row["Requirement"]: row for row in listed}


def _int(value):
    return int(value) if value not in (None, "") else 0


# ==================================================================== deliveries


@pytest.mark.parametrize("fmt", FORMATS)
def test_deliveries_report_shows_receipts_and_discrepancies(people, record, fmt):
    contract, _submitted = record
    report = build(people.procurement, "deliveries", fmt)
    if fmt == "pdf":
        text = pdf_text(report)
        reference = Discrepancy.objects.get().case.reference
        for needle in ["Drones received by Ukraine", "Discrepancies", reference,
                       "190", "2026-07-01"]:  # fmt: skip
            assert needle in text, needle
        return
    got = tables(report)
    (row,) = got["By capability"]
    assert [
        _int(row[c])
        for c in [
            "Drones delivered", "Drones accepted", "Drones received by Ukraine",
            "Discrepancies open", "Discrepancies resolved", "Drones missing",
            "Drones damaged",
        ]
    ] == [280, 195, 190, 1, 0, 5, 3]  # fmt: skip
    received = {
        (str(r["Month"])[:7]): _int(r["Drones received by Ukraine"])
        for r in got["By capability and month"]
    }
    assert received["2026-07"] == 90
    assert received["2026-10"] == 100
    listed = got["Deliveries"]
    assert len(listed) == 4
    with_receipt = sorted(
        (_int(r["Drones accepted"]), _int(r["Received"]), r["Discrepancy"] or "")
        for r in listed if r["Received"] not in (None, "")
    )  # fmt: skip
    assert with_receipt == [(95, 90, "Open"), (100, 100, "")]
    (case,) = got["Discrepancies"]
    assert case["Case"] == Discrepancy.objects.get().case.reference
    assert case["Contract"] == contract.reference
    assert case["Manufacturer"] == "SIA Baltic UAV"
    assert [_int(case[c]) for c in ["Drones accepted", "Drones received",
                                    "Drones missing", "Drones damaged"]] == [
        95, 90, 5, 3]  # fmt: skip
    assert case["Status"] == "Open"
    assert case["Resolved"] is None


def test_a_resolved_discrepancy_is_reported_resolved(people, record):
    Discrepancy.objects.update(status="resolved", resolved_at=at(2026, 7, 20))
    got = tables(build(people.procurement, "deliveries", "csv"))
    (row,) = got["By capability"]
    assert (_int(row["Discrepancies open"]), _int(row["Discrepancies resolved"])) == (
        0,
        1,
    )
    (case,) = got["Discrepancies"]
    assert (case["Status"], case["Resolved"]) == ("Resolved", "2026-07-20")


# ==================================================================== requirements


@pytest.mark.parametrize("fmt", FORMATS)
def test_each_requirement_from_request_to_receipt(people, record, fmt):
    contract, submitted = record
    tender = contract.award.lot.tender
    tendered = tender.requirements.get()
    report = build(people.procurement, "requirements", fmt)
    if fmt == "pdf":
        # A cell's words wrap onto lines of their own.
        text = " ".join(pdf_text(report).split())
        for needle in [tendered.reference, submitted.reference,
                       tender.case.reference, "47th Mechanized Brigade", "3.8",
                       "Requirements from request to receipt"]:  # fmt: skip
            assert needle in text, needle
        return
    rows = requirement_rows(report)
    assert set(rows) == {tendered.reference, submitted.reference}
    row = rows[tendered.reference]
    assert row["Tenders"] == tender.case.reference
    assert row["Stated by"] == "Recorded by the secretariat"
    assert row["Status"] == tendered.get_status_display()
    assert _int(row["Drones requested"]) == 500
    assert [
        _int(row[c])
        for c in [
            "Drones contracted", "Drones delivered", "Drones accepted",
            "Drones received by Ukraine", "Discrepancies", "Discrepancies open",
            "Drones missing", "Drones damaged", "Field reports",
        ]
    ] == [250, 280, 195, 190, 1, 1, 5, 3, 3]  # fmt: skip
    assert Decimal(str(row["Mean field rating (1-5)"])) == Decimal("3.8")
    fresh = rows[submitted.reference]
    assert fresh["Stated by"] == "47th Mechanized Brigade"
    assert fresh["Status"] == "Submitted for review"
    assert fresh["Priority"] == "Critical"
    assert fresh["Tenders"] is None
    assert _int(fresh["Drones contracted"]) == 0
    assert fresh["Mean field rating (1-5)"] is None
    submitted_on = fresh["Submitted or recorded"]
    assert str(submitted_on)[:10] == "2026-11-20"


def test_a_tender_answering_two_requirements_counts_for_both(people, record):
    contract, submitted = record
    contract.award.lot.tender.requirements.add(submitted)
    rows = requirement_rows(build(people.procurement, "requirements", "csv"))
    assert {_int(r["Drones received by Ukraine"]) for r in rows.values()} == {190}


def test_the_requirements_rows_are_read_lazily(people, record):
    import types

    (section,) = sources.requirements_sections(scope_id=None)
    assert isinstance(section.rows, types.GeneratorType)
    assert section.estimate == 2


# ==================================================================== who


def test_who_may_ask_for_the_requirements_report(people, front):
    for name in STAFF:
        user = getattr(people, name)
        assert policy.may("report.request", user, "requirements"), name
        assert "requirements" in dict(kinds_for(user))
        report = services.report_request(actor=user, kind="requirements", format="csv")
        assert report.scope is None
    for user in [*(getattr(people, n) for n in REFUSED), front.enduser]:
        assert not policy.may("report.request", user, "requirements")
        assert "requirements" not in dict(kinds_for(user))
        with pytest.raises(PermissionDenied):
            services.report_request(actor=user, kind="requirements", format="csv")


def test_the_reports_page_offers_it_to_staff_only(client_for, people):
    html = client_for(people.procurement).get(reverse("report_list")).content.decode()
    assert "Requirements from request to receipt" in html
    html = client_for(people.liaison_lv).get(reverse("report_list")).content.decode()
    assert "Requirements from request to receipt" not in html
