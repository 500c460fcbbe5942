"""Journey 3, in a real browser: a finance officer prepares a disbursement above
the one-approver limit; a second finance officer checks it; a co-lead approver
of Latvia and one of the United Kingdom approve it, each with a fresh code from
their authenticator app; a third finance officer (neither preparer nor checker)
marks it paid and it is reconciled from the bank statement."""

from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from secretariat.fund.models import DisbursementRequest, DisbursementStatus, Pool
from secretariat.fund.services import ledger as fund
from secretariat.kernel.roles import Role
from tests.browser.helpers import (
    enrol_staff,
    fill_second_factor,
    label_is,
    screenshot,
)
from tests.factories import UserFactory
from tests.secretariat.fund_fixtures import BIC, IBAN, category, receive

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
AMOUNT = "1500000.00"  # above the EUR 1m one-approver limit: two approvers


def open_request(page, reference):
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Disbursements"
    ).click()
    page.get_by_role("link", name=reference).click()


def act(page, action, **fields):
    """The action's button on the request's page, then its confirmation."""
    page.get_by_role("link", name=action, exact=True).click()
    for label, value in fields.items():
        page.get_by_label(label_is(label)).fill(value)
    page.get_by_role("button", name=f"Confirm: {action}").click()


def test_disbursement_from_draft_to_reconciled(people, latvia, uk, sign_in):
    receive(people, latvia, "5000000.00")
    receive(people, uk, "3000000.00")
    commitment = fund.commitment_create(
        pool=Pool.objects.get(code="unrestricted"), amount_eur=Decimal("2000000.00"),
        purpose="Contract CTR-2026-001 lot 1", actor=people.finance,
        categories=[category("reconnaissance")], approval_reference="CTR-2026-001",
    )  # fmt: skip
    checker = UserFactory(
        username="checker", first_name="Anna", last_name="Bērziņa",
        roles=[Role.FINANCE_OFFICER],
    )  # fmt: skip
    payer = UserFactory(
        username="payer", first_name="Ingrid", last_name="Berg",
        roles=[Role.FINANCE_OFFICER],
    )  # fmt: skip
    approvers = [people.approver_lv, people.approver_uk]
    enrol_staff(people.finance, checker, payer, *approvers)

    # The finance officer prepares the request and submits it for checking.
    finance = sign_in(people.finance)
    finance.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Disbursements"
    ).click()
    finance.get_by_role("link", name="Prepare a request").click()
    commitments = finance.get_by_label("Commitment")
    commitments.select_option(
        commitments.locator("option", has_text=commitment.reference).get_attribute(
            "value"
        )
    )
    finance.get_by_label(label_is("Payee")).fill("SIA Drone Works")
    finance.get_by_label("Payee country").select_option("LV")
    finance.get_by_label(label_is("IBAN")).fill(IBAN)
    finance.get_by_label(label_is("BIC")).fill(BIC)
    finance.get_by_label(label_is("Amount")).fill(AMOUNT)
    finance.get_by_label(label_is("Currency")).select_option("EUR")
    finance.get_by_label("Purpose").fill(
        "Milestone 1: 750 reconnaissance drones accepted at Sēlia"
    )
    finance.get_by_label("Reconnaissance").check()
    finance.get_by_role("button", name="Prepare the draft").click()
    request = DisbursementRequest.objects.get()
    reference = request.case.reference
    expect(finance.get_by_role("heading", level=1)).to_contain_text(reference)
    act(finance, "Submit for checking")
    expect(finance.locator("main")).to_contain_text("0 of 2 approvals given")

    # A second finance officer checks it.
    second = sign_in(checker)
    open_request(second, reference)
    act(second, "Mark checked", Comment="Payee and IBAN match the contract")
    expect(second.locator("h1 .status")).to_have_text("Checked")

    # Both co-lead states approve, each approver typing a fresh code.
    for approver in approvers:
        page = sign_in(approver)
        open_request(page, reference)
        page.get_by_role("link", name="Approve", exact=True).click()
        page.get_by_label(label_is("Comment")).fill(
            f"Approved for {approver.member_state.name}"
        )
        fill_second_factor(page, approver)
        page.get_by_role("button", name="Confirm: Approve").click()
        expect(page.locator("main")).to_contain_text("Your approval of")
    expect(page.locator("h1 .status")).to_have_text("Approved")

    # The payment goes out, recorded by a third finance officer (neither the
    # preparer nor the checker); the bank's statement reconciles it.
    paying = sign_in(payer)
    open_request(paying, reference)
    act(
        paying,
        "Mark paid",
        **{
            "Payment order": "PO-2026-0042",
            "Bank reference": "BANK-7781",
            "Paid on": timezone.localdate().isoformat(),
        },
    )
    expect(paying.locator("h1 .status")).to_have_text("Paid")
    finance.reload()
    finance.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Fund"
    ).click()
    finance.get_by_role("link", name="Bank statements").click()
    statement = (
        "date,amount,currency,reference\n"
        f"{timezone.localdate().isoformat()},{AMOUNT},EUR,BANK-7781\n"
    )
    finance.get_by_label("Bank statement (CSV)").set_input_files(
        {"name": "statement.csv", "mimeType": "text/csv", "buffer": statement.encode()}
    )
    finance.get_by_role("button", name="Import").click()
    expect(finance.locator("main")).to_contain_text("1 line reconciled")
    open_request(finance, reference)
    expect(finance.locator("h1 .status")).to_have_text("Reconciled")
    screenshot(finance, "journey3-disbursement")
    finance.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Dashboard"
    ).click()
    expect(finance.get_by_role("heading", level=1)).to_have_text("Dashboard")
    screenshot(finance, "dashboard")

    request.refresh_from_db()
    assert request.status == DisbursementStatus.RECONCILED
    assert request.approvals.count() == 2
    assert {a.approver for a in request.approvals.all()} == set(approvers)
