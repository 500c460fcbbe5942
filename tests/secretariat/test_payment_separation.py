"""Whoever records a disbursement's payment is neither its preparer nor its
checker (issue 14, item 10): the service refuses them, and the web page and the
API answer with its message; a third finance officer pays."""

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from secretariat.fund.models import DisbursementStatus, LedgerEntry
from secretariat.fund.services import disbursements as dsb
from tests.conftest import refresh

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
PREPARER_REFUSED = "You prepared {ref}; a finance officer who neither prepared"
CHECKER_REFUSED = "You checked {ref}; a finance officer who neither prepared"


@pytest.fixture
def approved(people, draft, checker):
    request = draft()
    dsb.disbursement_submit(request=request, actor=people.finance)
    dsb.disbursement_check(request=request, actor=checker)
    dsb.disbursement_approve(request=request, actor=people.approver_lv)
    request = refresh(request)
    assert request.status == DisbursementStatus.APPROVED
    return request


def pay(request, actor, ref="BANK-0001"):
    return dsb.disbursement_mark_paid(
        request=request, actor=actor, payment_order="PO-1", bank_reference=ref,
        paid_on=TODAY,
    )  # fmt: skip


def test_the_preparer_and_the_checker_cannot_record_the_payment(
    people, checker, payer, approved
):
    ref = approved.case.reference
    for who, message in (
        (people.finance, PREPARER_REFUSED),
        (checker, CHECKER_REFUSED),
    ):
        with pytest.raises(PermissionDenied) as refused:
            pay(approved, who)
        assert str(refused.value).startswith(message.format(ref=ref))
        assert refresh(approved).status == DisbursementStatus.APPROVED
    assert not LedgerEntry.objects.filter(kind="disbursement").exists()

    pay(approved, payer)
    approved = refresh(approved)
    assert approved.status == DisbursementStatus.PAID
    assert approved.paid_by == payer


def test_the_api_refuses_the_preparer_with_the_reason(
    people, checker, payer, approved, api_for
):
    url = f"/api/disbursements/{approved.case.reference}/pay/"
    data = {"payment_order": "PO-1", "bank_reference": "BANK-1", "paid_on": str(TODAY)}
    for who, message in (
        (people.finance, PREPARER_REFUSED),
        (checker, CHECKER_REFUSED),
    ):
        answer = api_for(who).post(url, data, format="json")
        assert answer.status_code == 403, answer.content
        assert answer.json()["detail"].startswith(
            message.format(ref=approved.case.reference)
        )
    assert refresh(approved).status == DisbursementStatus.APPROVED

    answer = api_for(payer).post(url, data, format="json")
    assert answer.status_code == 200, answer.content
    assert answer.json()["status"] == DisbursementStatus.PAID


def test_the_web_page_offers_the_payment_to_a_third_officer_only(
    people, checker, payer, approved, client_for
):
    pay_url = reverse("disbursement_pay", args=[approved.case.reference])
    data = {"payment_order": "PO-1", "bank_reference": "BANK-1", "paid_on": TODAY}
    for who, message in (
        (people.finance, PREPARER_REFUSED),
        (checker, CHECKER_REFUSED),
    ):
        browser = client_for(who)
        page = browser.get(approved.get_absolute_url()).content.decode()
        assert pay_url not in page
        sent = browser.post(pay_url, data)
        assert sent.status_code == 200
        assert message.format(ref=approved.case.reference) in sent.content.decode()
        assert refresh(approved).status == DisbursementStatus.APPROVED

    browser = client_for(payer)
    assert pay_url in browser.get(approved.get_absolute_url()).content.decode()
    assert browser.post(pay_url, data).status_code == 302
    assert refresh(approved).status == DisbursementStatus.PAID


def test_the_demo_has_a_third_finance_officer_who_pays(db):
    from io import StringIO

    from secretariat.fund.models import DisbursementRequest

    call_command("seed_demo", verbosity=0)
    paid = DisbursementRequest.objects.get(bank_reference="DEMO-PAY-0001")
    assert paid.paid_by.username == "finance-pay"
    assert paid.paid_by_id not in {paid.prepared_by_id, paid.checked_by_id}
    logins = StringIO()
    call_command("demo_logins", stdout=logins)
    assert "finance-pay" in logins.getvalue()
