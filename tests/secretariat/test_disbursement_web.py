"""Disbursement approvals through the web forms: prepared, submitted, checked,
approved by co-lead approvers, paid and reconciled against an imported bank
statement, with the separation of duties enforced on every form."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from secretariat.fund.models import (
    BankStatement,
    DisbursementApproval,
    DisbursementRequest,
    DisbursementStatus,
    LineStatus,
    StatementLine,
)
from secretariat.fund.services import disbursements as dsb
from secretariat.kernel.models import Attachment, TimelineEvent
from secretariat.kernel.roles import Role
from tests.conftest import refresh
from tests.factories import UserFactory
from tests.files import pdf
from tests.secretariat.fund_fixtures import BIC, IBAN, category, payer_user
from tests.twofactor import code_for, proof_for

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()

STAFF = ["officer", "procurement", "finance", "approver_lv", "approver_uk", "admin"]
NOT_STAFF = ["evaluator", "liaison_jp", "liaison_lv", "manufacturer", "outsider"]
EVERYONE = [*STAFF, *NOT_STAFF]


@pytest.fixture
def web():
    """A separate signed-in browser per person."""

    def login(user):
        browser = Client()
        browser.force_login(user)
        return browser

    return login


def action_url(request, action):
    return reverse(f"disbursement_{action}", args=[request.case.reference])


def act(browser, request, action, **data):
    """Open the action's confirmation page, then send its form."""
    url = action_url(request, action)
    page = browser.get(url)
    assert page.status_code == 200, (action, page.status_code)
    if "otp_token" in page.context["form"].fields:
        # Above the one-approver limit the page asks for a fresh code.
        data.setdefault("otp_token", code_for(page.context["user"]))
    return browser.post(url, data)


def prepare_form(commitment, amount, **extra):
    return {
        "commitment": commitment.pk,
        "payee_name": "SIA Drone Works",
        "payee_country": "LV",
        "payee_iban": IBAN,
        "payee_bic": BIC,
        "amount": amount,
        "currency": "EUR",
        "purpose": "Milestone 1: 500 reconnaissance drones accepted at Sēlia",
        "categories": [category("reconnaissance").pk],
        **extra,
    }


def statement_csv(*lines, name="statement.csv"):
    body = "date,amount,currency,reference\n" + "".join(f"{line}\n" for line in lines)
    return SimpleUploadedFile(name, body.encode(), content_type="text/csv")


def submitted_and_checked(people, draft, checker, amount="250000.00"):
    request = draft(amount)
    dsb.disbursement_submit(request=request, actor=people.finance)
    dsb.disbursement_check(request=request, actor=checker)
    return request


def paid(people, draft, checker, amount="250000.00", bank_reference="BANK-0001"):
    request = submitted_and_checked(people, draft, checker, amount)
    dsb.disbursement_approve(request=request, actor=people.approver_uk)
    dsb.disbursement_mark_paid(
        request=request, actor=payer_user(), payment_order="PO-1",
        bank_reference=bank_reference, paid_on=TODAY,
    )  # fmt: skip
    return refresh(request)


def errors_of(response, field=None):
    form = response.context["form"]
    return form.errors.get(field or "__all__", [])


# ---------------------------------------------------------------- the lifecycle


@pytest.mark.parametrize(
    ("amount", "approvers"),
    [
        ("250000.00", ["approver_uk"]),
        ("1500000.00", ["approver_lv", "approver_uk"]),
    ],
    ids=["one approver up to EUR 1m", "both co-lead states above"],
)
def test_whole_lifecycle_through_the_web(
    people, commitment, checker, unrestricted, web, amount, approvers
):
    finance = web(people.finance)
    assert finance.get(reverse("disbursement_list")).status_code == 200
    assert finance.get(reverse("disbursement_prepare")).status_code == 200
    prepared = finance.post(
        reverse("disbursement_prepare"), prepare_form(commitment, amount)
    )
    request = DisbursementRequest.objects.get()
    assert prepared.status_code == 302
    assert prepared["Location"] == request.get_absolute_url()
    reference = request.case.reference
    assert reference.startswith("DSB-")

    page = finance.get(request.get_absolute_url())
    assert page.status_code == 200
    assert "Submit for checking" in page.content.decode()
    assert "Mark checked" not in page.content.decode()

    assert act(finance, request, "submit").status_code == 302
    request = refresh(request)
    assert request.status == DisbursementStatus.SUBMITTED
    assert request.approvals_needed == len(approvers)

    checker_page = web(checker).get(request.get_absolute_url()).content.decode()
    assert "Mark checked" in checker_page
    checked = act(web(checker), request, "check", comment="IBAN matches contract")
    assert checked.status_code == 302
    assert refresh(request).checked_by == checker

    for number, who in enumerate(approvers, 1):
        approver = web(getattr(people, who))
        assert "Approve" in approver.get(request.get_absolute_url()).content.decode()
        approved = act(approver, request, "approve", comment=f"Approved by {who}")
        assert approved.status_code == 302
        assert refresh(request).approvals.count() == number
        if number < len(approvers):
            assert refresh(request).status == DisbursementStatus.CHECKED
            follow = approver.get(approved["Location"]).content.decode()
            assert "1 of 2 approvals given" in follow
            assert "A second approval" in follow
    assert refresh(request).status == DisbursementStatus.APPROVED
    comments = list(
        DisbursementApproval.objects.filter(request=request).values_list(
            "comment", flat=True
        )
    )
    assert comments == [f"Approved by {who}" for who in approvers]

    paid_response = act(
        web(payer_user()), request, "pay", payment_order="PO-77",
        bank_reference="BANK-0001", paid_on=TODAY.isoformat(),
    )  # fmt: skip
    assert paid_response.status_code == 302
    assert refresh(request).status == DisbursementStatus.PAID

    imported = finance.post(
        reverse("bank_statements"),
        {"file": statement_csv(f"{TODAY.isoformat()},{amount},EUR,BANK-0001")},
    )
    statement = BankStatement.objects.get()
    assert imported.status_code == 302
    assert imported["Location"] == statement.get_absolute_url()
    assert statement.lines.get().status == LineStatus.MATCHED

    request = refresh(request)
    assert request.status == DisbursementStatus.RECONCILED
    assert request.case.closed_at is not None
    moves = list(
        TimelineEvent.objects.filter(case=request.case, action="status_changed")
        .order_by("id")
        .values_list("from_status", "to_status")
    )
    assert moves == [
        ("draft", "submitted"),
        ("submitted", "checked"),
        ("checked", "approved"),
        ("approved", "paid"),
        ("paid", "reconciled"),
    ]
    actions = list(
        TimelineEvent.objects.filter(case=request.case)
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions[0] == "prepared"
    assert actions.count("approval") == len(approvers)
    check_event = TimelineEvent.objects.get(case=request.case, to_status="checked")
    assert check_event.reason == "IBAN matches contract"
    assert check_event.actor == checker

    pool = refresh(unrestricted)
    assert pool.disbursed == Decimal(amount)
    assert pool.committed == Decimal("2000000.00") - Decimal(amount)
    assert pool.available == Decimal("3000000.00")
    assert refresh(commitment).disbursed_eur == Decimal(amount)

    final = finance.get(request.get_absolute_url())
    html = final.content.decode()
    assert "Reconciled" in html
    assert "BANK-0001" in html
    assert "statement.csv" in html
    assert final.context["actions"] == []
    fund = finance.get(reverse("fund_statement")).content.decode()
    assert f"EUR {Decimal(amount):,.2f}" in fund


def test_return_for_changes_then_reject_with_reasons(people, draft, checker, web):
    request = draft("250000.00")
    dsb.disbursement_submit(request=request, actor=people.finance)
    checker_web = web(checker)

    refused = act(checker_web, request, "return", reason="")
    assert refused.status_code == 200
    assert errors_of(refused, "reason") == ["This field is required."]
    assert refresh(request).status == DisbursementStatus.SUBMITTED

    returned = act(checker_web, request, "return", reason="Wrong milestone number")
    assert returned.status_code == 302
    request = refresh(request)
    assert request.status == DisbursementStatus.DRAFT
    event = TimelineEvent.objects.filter(case=request.case).first()
    assert event.reason == "Wrong milestone number"
    assert event.actor == checker

    finance = web(people.finance)
    edit_url = reverse("disbursement_edit", args=[request.case.reference])
    assert finance.get(edit_url).status_code == 200
    changed = finance.post(
        edit_url,
        prepare_form(request.commitment, "240000.00", purpose="Milestone 2"),
    )
    assert changed.status_code == 302
    request = refresh(request)
    assert request.amount.amount == Decimal("240000.00")
    assert request.purpose == "Milestone 2"
    assert TimelineEvent.objects.filter(
        case=request.case, action="changed", description__contains="amount, purpose"
    ).exists()

    assert act(finance, request, "submit").status_code == 302
    assert act(checker_web, request, "check").status_code == 302
    approver = web(people.approver_lv)
    rejected = act(approver, request, "reject", reason="Duplicate of DSB-2025-0007")
    assert rejected.status_code == 302
    request = refresh(request)
    assert request.status == DisbursementStatus.REJECTED
    assert request.case.closed_at is not None
    event = TimelineEvent.objects.filter(case=request.case).first()
    assert (event.to_status, event.reason) == ("rejected", "Duplicate of DSB-2025-0007")
    assert approver.get(request.get_absolute_url()).context["actions"] == []


def test_only_the_preparer_edits_a_draft(people, draft, checker, web):
    request = draft()
    other = web(checker)
    url = reverse("disbursement_edit", args=[request.case.reference])
    page = other.get(url)
    assert "Only the person who prepared it can change it." in page.content.decode()
    refused = other.post(url, prepare_form(request.commitment, "1.00"))
    assert errors_of(refused) == ["Only the person who prepared it can change it."]
    assert refresh(request).amount.amount == Decimal("250000.00")


def test_an_edit_shows_on_the_timeline_as_old_and_new_values(people, draft, web):
    """Only what changed is recorded, each field from its old to its new value,
    although the form sends every field."""
    request = draft()
    finance = web(people.finance)
    url = reverse("disbursement_edit", args=[request.case.reference])
    response = finance.post(
        url, prepare_form(request.commitment, "240000.00", purpose="Milestone 2")
    )
    assert response.status_code == 302
    event = TimelineEvent.objects.get(case=request.case, action="changed")
    assert event.description == "Draft changed: amount, purpose"
    assert "amount: EUR 250,000.00 → EUR 240,000.00" in event.reason
    assert "→ Milestone 2" in event.reason
    assert "payee" not in event.reason
    page = finance.get(request.get_absolute_url()).content.decode()
    assert "EUR 250,000.00 → EUR 240,000.00" in page


def test_cancel_with_a_reason(people, draft, web):
    request = draft()
    cancelled = act(web(people.finance), request, "cancel", reason="Paid by Latvia")
    assert cancelled.status_code == 302
    assert refresh(request).status == DisbursementStatus.CANCELLED


# ---------------------------------------------------------------- form errors


def test_bad_iban_bic_and_earmark_show_next_to_their_fields(people, commitment, web):
    finance = web(people.finance)
    url = reverse("disbursement_prepare")
    bad_iban = finance.post(
        url, prepare_form(commitment, "1000.00", payee_iban="LV00BANK0000000000000")
    )
    assert bad_iban.status_code == 200
    assert "not a valid IBAN" in errors_of(bad_iban, "payee_iban")[0]
    assert bad_iban.context["form"]["payee_name"].value() == "SIA Drone Works"
    bad_bic = finance.post(url, prepare_form(commitment, "1000.00", payee_bic="NOPE"))
    assert "not a valid BIC" in errors_of(bad_bic, "payee_bic")[0]
    lethal = finance.post(
        url, prepare_form(commitment, "1000.00", categories=[category("strike").pk])
    )
    assert "was not made for: Strike" in errors_of(lethal, "categories")[0]
    too_precise = finance.post(url, prepare_form(commitment, "10.001"))
    assert "at most 2 decimal places" in errors_of(too_precise, "amount")[0]
    assert not DisbursementRequest.objects.exists()


def test_submission_beyond_the_commitment_shows_the_funds_message(people, draft, web):
    first, request = draft("1500000.00"), draft("600000.00")
    dsb.disbursement_submit(request=first, actor=people.finance)
    refused = act(web(people.finance), request, "submit")
    assert refused.status_code == 200
    # The confirmation form has no amount field: the message shows above it.
    [message] = errors_of(refused)
    assert message.startswith("Not enough money at submission")
    assert "Not enough money at submission" in refused.content.decode()
    assert refresh(request).status == DisbursementStatus.DRAFT


# ---------------------------------------------------------------- separation of duties


def assert_unchanged(request, status, approvals=0):
    request = refresh(request)
    assert request.status == status
    assert request.approvals.count() == approvals
    return request


def test_preparer_cannot_check_through_the_web(people, draft, web):
    request = draft()
    dsb.disbursement_submit(request=request, actor=people.finance)
    finance = web(people.finance)
    # Shown disabled, with the reason, and no way to it.
    page = finance.get(request.get_absolute_url()).content.decode()
    assert f'href="{action_url(request, "check")}"' not in page
    assert f"You prepared {request.case.reference}; someone else must check it." in page
    refused = act(finance, request, "check", comment="looks fine")
    assert refused.status_code == 200
    message = f"You prepared {request.case.reference}; someone else must check it."
    assert errors_of(refused) == [message]
    assert message in refused.content.decode()
    request = assert_unchanged(request, DisbursementStatus.SUBMITTED)
    assert request.checked_by is None


def test_checker_cannot_approve_through_the_web(people, draft, web):
    checker_approver = UserFactory(
        username="checker-approver",
        roles=[Role.FINANCE_OFFICER, Role.CO_LEAD_APPROVER],
        member_state=people.approver_uk.member_state,
    )
    request = draft()
    dsb.disbursement_submit(request=request, actor=people.finance)
    dsb.disbursement_check(request=request, actor=checker_approver)
    browser = web(checker_approver)
    page = browser.get(request.get_absolute_url())
    assert "approve" not in page.context["actions"]
    message = f"You checked {request.case.reference}; you cannot approve it."
    assert message in browser.get(action_url(request, "approve")).content.decode()
    refused = browser.post(action_url(request, "approve"), {"comment": "fine"})
    assert refused.status_code == 200
    assert errors_of(refused) == [message]
    assert_unchanged(request, DisbursementStatus.CHECKED)


def test_same_approver_cannot_approve_twice(people, draft, checker, web):
    request = submitted_and_checked(people, draft, checker, "1500000.00")
    approver = web(people.approver_lv)
    assert act(approver, request, "approve").status_code == 302
    assert "approve" not in approver.get(request.get_absolute_url()).context["actions"]
    refused = approver.post(
        action_url(request, "approve"),
        {"comment": "again", "otp_token": code_for(people.approver_lv)},
    )
    assert refused.status_code == 200
    assert errors_of(refused) == [
        f"You have already approved {request.case.reference}."
    ]
    assert_unchanged(request, DisbursementStatus.CHECKED, approvals=1)


def test_two_latvian_approvers_cannot_approve_alone(people, draft, checker, web):
    second_lv = UserFactory(
        username="approver-lv-2",
        roles=[Role.CO_LEAD_APPROVER],
        member_state=people.approver_lv.member_state,
    )
    request = submitted_and_checked(people, draft, checker, "1500000.00")
    assert act(web(people.approver_lv), request, "approve").status_code == 302
    browser = web(second_lv)
    assert "approve" not in browser.get(request.get_absolute_url()).context["actions"]
    refused = browser.post(
        action_url(request, "approve"),
        {"comment": "me too", "otp_token": code_for(second_lv)},
    )
    assert refused.status_code == 200
    [message] = errors_of(refused)
    assert "already has the approval of Latvia" in message
    assert "must come from the other co-lead state" in message
    assert_unchanged(request, DisbursementStatus.CHECKED, approvals=1)


def test_administrator_without_a_co_lead_state_cannot_approve(
    people, draft, checker, web
):
    """Django passes a superuser through every permission check; approving a
    payment stays with the co-lead approvers."""
    request = submitted_and_checked(people, draft, checker)
    admin = web(people.admin)
    assert "approve" not in admin.get(request.get_absolute_url()).context["actions"]
    assert admin.get(action_url(request, "approve")).status_code == 403
    refused = admin.post(action_url(request, "approve"), {"comment": "x"})
    assert refused.status_code == 403
    assert_unchanged(request, DisbursementStatus.CHECKED)


def test_preparer_cannot_return_own_submission(people, draft, web):
    request = draft()
    dsb.disbursement_submit(request=request, actor=people.finance)
    refused = act(web(people.finance), request, "return", reason="oops")
    assert errors_of(refused) == ["You prepared this request."]
    assert_unchanged(request, DisbursementStatus.SUBMITTED)


def test_paying_twice_is_refused(people, draft, checker, web):
    request = paid(people, draft, checker)
    refused = web(checker).post(
        action_url(request, "pay"),
        {"payment_order": "PO-2", "bank_reference": "BANK-0002",
         "paid_on": TODAY.isoformat()},
    )  # fmt: skip
    assert refused.status_code == 200
    assert "has already been paid" in errors_of(refused)[0]
    assert refresh(request).bank_reference == "BANK-0001"


# ---------------------------------------------------------------- reconciling


def test_malformed_statement_shows_the_line_next_to_the_file_and_saves_nothing(
    people, draft, checker, web
):
    paid(people, draft, checker)
    finance = web(people.finance)
    response = finance.post(
        reverse("bank_statements"),
        {"file": statement_csv(
            f"{TODAY.isoformat()},250000.00,EUR,BANK-0001",
            "yesterday,100.00,EUR,BANK-0002",
        )},
    )  # fmt: skip
    assert response.status_code == 200
    assert errors_of(response, "file") == [
        "Line 3: “yesterday” is not a date (YYYY-MM-DD)."
    ]
    html = response.content.decode()
    field_errors = html[html.index('name="file"') :]
    assert "Line 3:" in field_errors[: field_errors.index("</div>") + 200]
    assert not BankStatement.objects.exists()
    assert not StatementLine.objects.exists()
    assert DisbursementRequest.objects.get().status == DisbursementStatus.PAID

    wrong_columns = finance.post(
        reverse("bank_statements"),
        {"file": SimpleUploadedFile("s.csv", b"when,amount\n2026-01-01,1\n")},
    )
    assert errors_of(wrong_columns, "file")[0].startswith("Line 1: the columns must")
    assert not BankStatement.objects.exists()


def test_mismatched_and_unmatched_lines_are_resolved_through_the_form(
    people, draft, checker, web
):
    request = paid(people, draft, checker)
    finance = web(people.finance)
    finance.post(
        reverse("bank_statements"),
        {"file": statement_csv(
            f"{TODAY.isoformat()},249990.00,EUR,BANK-0001",
            f"{TODAY.isoformat()},12.50,EUR,FEE-2026-01",
        )},
    )  # fmt: skip
    statement = BankStatement.objects.get()
    mismatched = statement.lines.get(line_number=2)
    unmatched = statement.lines.get(line_number=3)
    assert (mismatched.status, unmatched.status) == ("mismatched", "unmatched")
    assert refresh(request).status == DisbursementStatus.PAID

    page = finance.get(statement.get_absolute_url())
    assert page.status_code == 200
    html = page.content.decode()
    assert "Resolve line 2" in html
    assert "Resolve line 3" in html

    url = reverse("statement_line_resolve", args=[statement.pk, mismatched.pk])
    prefix = f"line-{mismatched.pk}"
    unknown = finance.post(
        url, {f"{prefix}-note": "x", f"{prefix}-request_reference": "DSB-1999-0001"}
    )
    assert unknown.status_code == 200
    assert errors_of(unknown, "request_reference") == [
        "No disbursement request has the reference DSB-1999-0001."
    ]
    no_note = finance.post(url, {f"{prefix}-note": ""})
    assert errors_of(no_note, "note") == ["This field is required."]
    assert refresh(mismatched).status == LineStatus.MISMATCHED

    resolved = finance.post(
        url,
        {f"{prefix}-note": "Bank charged a EUR 10 fee; confirmed with the bank",
         f"{prefix}-request_reference": request.case.reference.lower()},
    )  # fmt: skip
    assert resolved.status_code == 302
    assert resolved["Location"] == statement.get_absolute_url()
    mismatched = refresh(mismatched)
    assert mismatched.status == LineStatus.RESOLVED
    assert mismatched.resolved_by == people.finance
    assert refresh(request).status == DisbursementStatus.RECONCILED

    prefix = f"line-{unmatched.pk}"
    finance.post(
        reverse("statement_line_resolve", args=[statement.pk, unmatched.pk]),
        {f"{prefix}-note": "Monthly account fee"},
    )
    unmatched = refresh(unmatched)
    assert (unmatched.status, unmatched.note) == ("resolved", "Monthly account fee")
    assert unmatched.request is None
    assert (
        "Resolve line" not in finance.get(statement.get_absolute_url()).content.decode()
    )


def test_an_impossible_date_shows_its_line_next_to_the_file(people, funded, web):
    response = web(people.finance).post(
        reverse("bank_statements"),
        {"file": statement_csv("2026-02-30,1.00,EUR,BANK-0001")},
    )
    assert errors_of(response, "file")[0].startswith("Line 2:")
    assert not BankStatement.objects.exists()


def test_importing_the_same_statement_twice_is_refused(people, draft, checker, web):
    paid(people, draft, checker)
    finance = web(people.finance)
    line = f"{TODAY.isoformat()},250000.00,EUR,BANK-0001"
    finance.post(reverse("bank_statements"), {"file": statement_csv(line)})
    again = finance.post(reverse("bank_statements"), {"file": statement_csv(line)})
    assert errors_of(again) == ["This statement has already been imported."]
    assert BankStatement.objects.count() == 1


# ---------------------------------------------------------------- comments, documents


def test_comments_and_documents_on_the_case_page(people, draft, web):
    request = draft()
    officer = web(people.officer)
    commented = officer.post(
        reverse("case_comment", args=[request.case.reference]),
        {"body": "The invoice number is on page 2."},
    )
    assert commented.status_code == 302
    assert commented["Location"] == request.get_absolute_url()

    uploaded = web(people.finance).post(
        reverse("disbursement_document_add", args=[request.case.reference]),
        {"file": pdf("invoice.pdf"), "description": "Invoice 2026-14"},
    )
    assert uploaded.status_code == 302
    document = Attachment.objects.get()
    assert document.case == request.case
    assert document.subject == request
    event = TimelineEvent.objects.filter(case=request.case).first()
    assert (event.action, event.evidence) == ("document_added", document)

    html = officer.get(request.get_absolute_url()).content.decode()
    assert "The invoice number is on page 2." in html
    assert "invoice.pdf" in html
    assert "Invoice 2026-14" in html


def test_a_decided_request_takes_no_documents(people, draft, web):
    request = draft()
    dsb.disbursement_cancel(request=request, actor=people.finance, reason="dup")
    browser = web(people.finance)
    assert browser.get(request.get_absolute_url()).context["upload_form"] is None
    refused = browser.post(
        reverse("disbursement_document_add", args=[request.case.reference]),
        {"file": pdf("late.pdf")},
    )
    assert refused.status_code == 200
    assert "documents are added before approval" in errors_of(refused)[0]
    assert not Attachment.objects.exists()


def test_only_finance_officers_add_documents(people, draft, web):
    request = draft()
    for who in ("procurement", "officer", "approver_lv"):
        refused = web(getattr(people, who)).post(
            reverse("disbursement_document_add", args=[request.case.reference]),
            {"file": pdf("invoice.pdf")},
        )
        assert refused.status_code == 403, who
    assert not Attachment.objects.exists()


def test_list_filters_sorts_and_says_what_to_do_when_empty(people, draft, web):
    finance = web(people.finance)
    empty = finance.get(reverse("disbursement_list")).content.decode()
    assert "No disbursement request yet" in empty
    assert "Prepare a request" in empty
    first = draft("1000.00")
    second = draft("2000.00", payee_name="UAB Skydrones")
    dsb.disbursement_submit(request=second, actor=people.finance)
    listed = finance.get(reverse("disbursement_list"), {"q": "skydrones"})
    assert [r.pk for r in listed.context["page"]] == [second.pk]
    listed = finance.get(reverse("disbursement_list"), {"status": "draft"})
    assert [r.pk for r in listed.context["page"]] == [first.pk]
    listed = finance.get(
        reverse("disbursement_list"), {"q": first.case.reference.lower()}
    )
    assert [r.pk for r in listed.context["page"]] == [first.pk]
    by_amount = finance.get(reverse("disbursement_list"), {"sort": "-amount"})
    assert [r.pk for r in by_amount.context["page"]] == [second.pk, first.pk]
    none = finance.get(reverse("disbursement_list"), {"status": "paid"})
    assert "No request matches these filters." in none.content.decode()
    officer_page = web(people.officer).get(reverse("disbursement_list"))
    assert "Prepare a request" not in officer_page.content.decode()


# ---------------------------------------------------------------- who may do what


@pytest.fixture
def records(people, draft, checker):
    """A draft, a submitted, a checked and an approved request, each prepared by
    the finance officer."""
    drafted = draft("1000.00")
    submitted = draft("2000.00")
    dsb.disbursement_submit(request=submitted, actor=people.finance)
    checked = submitted_and_checked(people, draft, checker, "3000.00")
    approved = submitted_and_checked(people, draft, checker, "4000.00")
    dsb.disbursement_approve(request=approved, actor=people.approver_uk)
    return {
        "draft": drafted,
        "submitted": submitted,
        "checked": checked,
        "approved": approved,
    }


FINANCE = ["finance", "admin"]
APPROVERS = ["approver_lv", "approver_uk"]
PAGES = {
    "list": (lambda r: reverse("disbursement_list"), STAFF, 403),
    "prepare": (lambda r: reverse("disbursement_prepare"), FINANCE, 403),
    "case page": (lambda r: r["checked"].get_absolute_url(), STAFF, 404),
    "edit": (lambda r: action_url(r["draft"], "edit"), FINANCE, 404),
    "submit": (lambda r: action_url(r["draft"], "submit"), FINANCE, 404),
    "check": (lambda r: action_url(r["submitted"], "check"), FINANCE, 404),
    "approve": (lambda r: action_url(r["checked"], "approve"), APPROVERS, 404),
    "return": (
        lambda r: action_url(r["checked"], "return"), [*FINANCE, *APPROVERS], 404),
    "reject": (
        lambda r: action_url(r["checked"], "reject"), [*FINANCE, *APPROVERS], 404),
    "cancel": (lambda r: action_url(r["draft"], "cancel"), FINANCE, 404),
    "pay": (lambda r: action_url(r["approved"], "pay"), FINANCE, 404),
    "add document": (
        lambda r: reverse("disbursement_document_add",
                          args=[r["draft"].case.reference]), FINANCE, 404),
}  # fmt: skip


def expected_answer(user, allowed, hidden):
    if user in allowed:
        return 200
    return 403 if user in STAFF else hidden


@pytest.mark.parametrize("user", EVERYONE)
def test_who_may_open_each_page(client, people, records, user):
    """Staff without the role get 403; anyone else gets 404 on a request (not
    theirs to see) and 403 on the list and the form to prepare one."""
    client.force_login(getattr(people, user))
    answers, expected = {}, {}
    for page, (url_of, allowed, hidden) in PAGES.items():
        response = client.get(url_of(records))
        answers[page] = response.status_code
        expected[page] = expected_answer(user, allowed, hidden)
        if response.status_code != 200:
            assert b"SIA Drone Works" not in response.content, page
    assert answers == expected


@pytest.mark.parametrize("user", NOT_STAFF)
def test_others_cannot_act_by_posting(client, people, records, user):
    client.force_login(getattr(people, user))
    request = records["checked"]
    response = client.post(action_url(request, "approve"), {"comment": "x"})
    assert response.status_code == 404
    response = client.post(action_url(request, "reject"), {"reason": "x"})
    assert response.status_code == 404
    assert not refresh(request).approvals.exists()
    assert refresh(request).status == DisbursementStatus.CHECKED


@pytest.mark.parametrize("user", ["officer", "procurement"])
def test_staff_without_the_role_cannot_act_by_posting(client, people, records, user):
    client.force_login(getattr(people, user))
    response = client.post(action_url(records["submitted"], "check"))
    assert response.status_code == 403
    assert refresh(records["submitted"]).status == DisbursementStatus.SUBMITTED


def test_anonymous_is_sent_to_sign_in(client, records):
    for page, (url_of, _allowed, _hidden) in PAGES.items():
        response = client.get(url_of(records))
        assert response.status_code == 302, page
        assert response["Location"].startswith(reverse("login")), page


def test_nav_links(client, people):
    client.force_login(people.finance)
    html = client.get(reverse("my_work")).content.decode()
    assert f'href="{reverse("disbursement_list")}"' in html
    assert f'href="{reverse("fund_statement")}"' in html
    client.force_login(people.liaison_lv)
    html = client.get(reverse("fund_statement")).content.decode()
    assert "Fund statement" in html
    assert f'href="{reverse("disbursement_list")}"' not in html


# ---------------------------------------------------------------- query budgets

MAX_QUERIES = 20


def count_queries(browser, url):
    # Once before counting: what the cache keeps for a signed-in person, kept.
    browser.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = browser.get(url)
    assert response.status_code == 200
    return len(queries)


def grow(people, draft, checker, how_many):
    """Requests in every state, with approvals, comments, documents and
    payments, so that anything loaded per row would show."""
    from secretariat.kernel.services import case_comment_add

    for _ in range(how_many):
        request = submitted_and_checked(people, draft, checker, "1000.00")
        dsb.disbursement_document_add(
            request=request, actor=people.finance, uploaded_file=pdf()
        )
        dsb.disbursement_approve(request=request, actor=people.approver_lv)
        case_comment_add(case=request.case, actor=people.officer, body="ok")
        draft("500.00")


BUDGET_PAGES = {
    "disbursement list": lambda r: reverse("disbursement_list"),
    "disbursement page": lambda r: r.get_absolute_url(),
    "fund statement": lambda r: reverse("fund_statement"),
}


@pytest.mark.parametrize("page", BUDGET_PAGES)
@pytest.mark.parametrize("who", ["finance", "approver_uk"])
def test_query_count_is_bounded_and_flat(people, draft, checker, web, page, who):
    request = submitted_and_checked(people, draft, checker, "1500000.00")
    dsb.disbursement_approve(
        request=request, actor=people.approver_lv,
        second_factor=proof_for(people.approver_lv),
    )  # fmt: skip
    browser = web(getattr(people, who))
    url = BUDGET_PAGES[page](request)

    grow(people, draft, checker, 2)
    small = count_queries(browser, url)
    grow(people, draft, checker, 8)
    assert DisbursementRequest.objects.count() >= 10
    large = count_queries(browser, url)

    assert small <= MAX_QUERIES, f"{page}: {small} queries"
    assert large == small, f"{page}: {small} queries grew to {large}"
