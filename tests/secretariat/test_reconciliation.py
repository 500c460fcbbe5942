"""Bank statement import: matched, mismatched, unmatched and malformed files."""

from decimal import Decimal

import pytest
from django.utils import timezone

from secretariat.fund.models import BankStatement, DisbursementStatus, StatementLine
from secretariat.fund.services import disbursements as dsb
from secretariat.kernel.exceptions import ApplicationError, ConflictError
from tests.conftest import refresh
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


@pytest.fixture
def paid(people, draft):
    checker = UserFactory(username="checker", roles=["finance_officer"])
    payer = UserFactory(username="payer", roles=["finance_officer"])
    requests = []
    for i, amount in enumerate(["1000.00", "2500.50", "300.00"], start=1):
        request = draft(amount)
        dsb.disbursement_submit(request=request, actor=people.finance)
        dsb.disbursement_check(request=request, actor=checker)
        dsb.disbursement_approve(request=request, actor=people.approver_lv)
        dsb.disbursement_mark_paid(
            request=request, actor=payer, payment_order=f"PO-{i}",
            bank_reference=f"BANK-{i}", paid_on=TODAY,
        )  # fmt: skip
        requests.append(request)
    return requests


def statement(*lines, header="date,amount,currency,reference"):
    return ("\n".join([header, *lines]) + "\n").encode()


def test_matched_mismatched_and_unmatched_lines(people, paid):
    imported = dsb.statement_import(
        actor=people.finance,
        file_name="march.csv",
        content=statement(
            f"{TODAY},1000.00,EUR,BANK-1",
            f"{TODAY},2500.00,EUR,BANK-2",
            f"{TODAY},999.00,EUR,UNKNOWN-7",
        ),
    )
    lines = {line.reference: line for line in imported.lines.all()}
    assert lines["BANK-1"].status == "matched"
    assert refresh(paid[0]).status == DisbursementStatus.RECONCILED
    assert lines["BANK-2"].status == "mismatched"
    assert "EUR 2,500.00" in lines["BANK-2"].note
    assert "EUR 2,500.50" in lines["BANK-2"].note
    assert refresh(paid[1]).status == DisbursementStatus.PAID
    assert lines["UNKNOWN-7"].status == "unmatched"
    assert lines["UNKNOWN-7"].request is None
    assert refresh(paid[2]).status == DisbursementStatus.PAID


def test_a_person_resolves_a_mismatch(people, paid):
    imported = dsb.statement_import(
        actor=people.finance, file_name="s.csv",
        content=statement(f"{TODAY},2500.00,EUR,BANK-2"),
    )  # fmt: skip
    line = imported.lines.get()
    with pytest.raises(ApplicationError, match="Say how"):
        dsb.statement_line_resolve(line=line, actor=people.finance, note="")
    dsb.statement_line_resolve(
        line=line, actor=people.finance,
        note="Bank charged 0.50 fee; confirmed with the bank.", request=paid[1],
    )  # fmt: skip
    assert refresh(line).status == "resolved"
    assert refresh(paid[1]).status == DisbursementStatus.RECONCILED
    with pytest.raises(ConflictError, match="already settled"):
        dsb.statement_line_resolve(line=line, actor=people.finance, note="again")


MALFORMED = [
    (statement("2026-01-01,10.00,EUR,A", header="when,amount,currency,ref"),
     "Line 1: the columns must be date, amount, currency, reference"),
    (statement("2026-01-01,10.00,EUR,A", "01/02/2026,10.00,EUR,B"),
     "Line 3: “01/02/2026” is not a date (YYYY-MM-DD)."),
    (statement("2026-01-01,ten,EUR,A"), "Line 2: “ten” is not an amount."),
    (statement("2026-01-01,10.001,EUR,A"),
     "Line 2: EUR amounts have at most 2 decimal places."),
    (statement("2026-01-01,10.00,XXX,A"), "Line 2: “XXX” is not a currency"),
    (statement("2026-01-01,10.00,EUR,"), "Line 2: the reference is empty."),
    (statement("2026-01-01,10.00,EUR,A", "2026-01-02,11.00,EUR,A"),
     "Line 3: the reference A appears twice."),
    (statement("2026-01-01,10.00,EUR,A,extra"), "Line 2: more fields"),
    (statement(), "The statement has no lines."),
    (b"\xff\xfe\x00garbage", "The file is not UTF-8 text."),
]  # fmt: skip


@pytest.mark.parametrize(("content", "message"), MALFORMED)
def test_malformed_files_are_refused_whole(people, paid, content, message):
    with pytest.raises(ApplicationError) as refused:
        dsb.statement_import(actor=people.finance, file_name="bad.csv", content=content)
    assert message in refused.value.message
    assert not BankStatement.objects.exists()
    assert not StatementLine.objects.exists()
    assert all(refresh(r).status == DisbursementStatus.PAID for r in paid)


def test_the_same_statement_cannot_be_imported_twice(people, paid):
    content = statement(f"{TODAY},1000.00,EUR,BANK-1")
    dsb.statement_import(actor=people.finance, file_name="a.csv", content=content)
    with pytest.raises(ConflictError, match="already been imported"):
        dsb.statement_import(actor=people.finance, file_name="b.csv", content=content)


def test_only_finance_officers_import(people, paid):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        dsb.statement_import(
            actor=people.approver_lv, file_name="a.csv",
            content=statement(f"{TODAY},1000.00,EUR,BANK-1"),
        )  # fmt: skip
    assert Decimal(0) == StatementLine.objects.count()
