"""A move that the transition table does not offer from a request's status is
hidden everywhere (no "Reconcile" on a draft, no "Approve" on a submitted
request), and whoever tries it anyway is refused with the policy's own reason,
which says who moved the request on, and when. Every action on a request is in
the API's ``allowed_actions`` when the caller may know of it (taking over a
draft, reconciling included). And the drifts the copies had: the transition
routine's message in place of the policy's, a reconciliation refused for the
statement line's rule instead of its own, the approvers' reason shown to a
finance officer on a checked request."""

import re

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from secretariat.fund.models import DisbursementRequest, DisbursementStatus
from secretariat.fund.selectors import disbursement_detail
from secretariat.fund.services import disbursements as dsb
from secretariat.kernel import policy
from secretariat.kernel.exceptions import ConflictError
from secretariat.kernel.formatting import when_text
from secretariat.kernel.models import TimelineEvent
from tests.conftest import refresh

pytestmark = pytest.mark.django_db
S = DisbursementStatus
TODAY = timezone.localdate()


def _submitted(people, draft):
    request = draft("100000.00")
    dsb.disbursement_submit(request=request, actor=people.finance)
    return disbursement_detail(refresh(request))


def _checked(people, draft, checker):
    request = _submitted(people, draft)
    dsb.disbursement_check(request=request, actor=checker)
    return disbursement_detail(refresh(request))


def _paid(people, draft, checker, payer, bank="BANK-MOVES-1"):
    request = _checked(people, draft, checker)
    dsb.disbursement_approve(request=request, actor=people.approver_uk)
    dsb.disbursement_mark_paid(
        request=request, actor=payer, payment_order="PO-1", bank_reference=bank,
        paid_on=TODAY,
    )  # fmt: skip
    return disbursement_detail(refresh(request))


def _moved_by(request):
    event = (
        TimelineEvent.objects.filter(case=request.case, to_status=request.status)
        .order_by("-occurred_at", "-id")
        .first()
    )
    return event.actor, when_text(event.occurred_at)


def test_a_move_not_offered_from_here_is_hidden_and_refused_with_who_moved_it(
    people, draft, client_for, api_for
):
    request = _submitted(people, draft)
    ref = request.case.reference
    decision = policy.decide("disbursement.approve", people.approver_lv, request)
    who, when = _moved_by(request)

    assert not decision.allowed and decision.hidden
    assert decision.kind == policy.STATE
    assert decision.reason == (
        f"{ref} cannot move from “Submitted” to “Approved”. {who} moved it to "
        f"“Submitted” at {when}. Possible next steps: Checked, Draft, Rejected, "
        "Cancelled."
    )
    # Before: the service said this, the policy "is Submitted: “Approve” is
    # not possible now.", and the page showed nothing while the policy said
    # "refused".
    with pytest.raises(ConflictError) as refused:
        dsb.disbursement_approve(request=request, actor=people.approver_lv)
    assert refused.value.message == decision.reason

    allowed = api_for(people.approver_lv).get(f"/api/disbursements/{ref}/").json()
    assert "approve" not in allowed["allowed_actions"]
    page = client_for(people.approver_lv).get(reverse("disbursement", args=[ref]))
    assert reverse("disbursement_approve", args=[ref]) not in page.content.decode()
    assert "approve" not in {b["name"] for b in page.context["buttons"]}


def test_a_second_submission_says_who_submitted_it_first(people, draft):
    request = _submitted(people, draft)
    who, when = _moved_by(request)
    expected = (
        f"{request.case.reference} was already moved to “Submitted” by {who} at {when}."
    )
    assert policy.decide("disbursement.submit", people.finance, request).reason == (
        expected
    )
    with pytest.raises(ConflictError) as refused:
        dsb.disbursement_submit(request=request, actor=people.finance)
    assert refused.value.message == expected


def test_the_api_lists_taking_over_and_reconciling(
    people, draft, checker, payer, api_for
):
    other_draft = disbursement_detail(draft("1000.00", preparer=checker))
    # An accepted delivery's draft: the procurement officer who accepted it
    # drafted it, and nobody in finance prepares it yet.
    orphan = disbursement_detail(draft("2000.00", preparer=checker))
    DisbursementRequest.objects.filter(pk=orphan.pk).update(
        prepared_by=people.procurement
    )
    paid = _paid(people, draft, checker, payer)

    def allowed(user, request):
        url = f"/api/disbursements/{request.case.reference}/"
        return api_for(user).get(url).json()["allowed_actions"]

    mine = allowed(people.finance, orphan)
    assert mine["adopt"] == {"allowed": True, "reason": ""}
    assert "reconcile" not in mine  # a draft is not reconciled
    assert allowed(checker, orphan)["adopt"]["allowed"] is True
    # Nothing to take over from oneself, nor from a colleague: not offered.
    assert "adopt" not in allowed(checker, other_draft)
    assert "adopt" not in allowed(people.finance, other_draft)
    with pytest.raises(ConflictError, match="You already prepare this request"):
        dsb.disbursement_adopt(request=other_draft, actor=checker)
    with pytest.raises(ConflictError, match="a colleague's draft stays theirs"):
        dsb.disbursement_adopt(request=other_draft, actor=people.finance)
    on_paid = allowed(people.finance, paid)
    assert on_paid["reconcile"] == {"allowed": True, "reason": ""}
    assert "adopt" not in on_paid  # only a draft is taken over
    assert "pay" not in on_paid  # paid already: no such move from here
    # The approvers hold no finance role: neither is theirs to know of.
    by_approver = allowed(people.approver_uk, paid)
    assert "reconcile" not in by_approver and "adopt" not in by_approver


def test_reconciling_is_refused_for_its_own_reason(people, draft, checker, payer):
    """Before: resolving a line against a request asked the line's rule first;
    whoever may not reconcile heard "resolves a statement line"."""
    paid = _paid(people, draft, checker, payer)
    statement = dsb.statement_import(
        actor=people.finance, file_name="may.csv",
        content=b"date,amount,currency,reference\n2026-05-02,6.00,EUR,FEE-9\n",
    )  # fmt: skip
    line = statement.lines.get()
    decision = policy.decide("disbursement.reconcile", people.officer, paid)
    assert decision.hidden and decision.kind == policy.WHO

    with pytest.raises(PermissionDenied) as refused:
        dsb.statement_line_resolve(
            line=line, actor=people.officer, note="Paid.", request=paid
        )
    assert str(refused.value) == decision.reason

    submitted = _submitted(people, draft)
    not_paid = policy.decide("disbursement.reconcile", people.finance, submitted)
    assert not_paid.hidden and not_paid.kind == policy.STATE
    with pytest.raises(ConflictError) as refused:
        dsb.statement_line_resolve(
            line=line, actor=people.finance, note="Paid.", request=submitted
        )
    assert refused.value.message == not_paid.reason

    dsb.statement_line_resolve(
        line=line, actor=people.finance, note="Paid.", request=paid
    )
    assert refresh(paid).status == S.RECONCILED


def test_a_finance_officer_on_a_checked_request_sees_no_approval_reason(
    people, draft, checker, client_for
):
    """Before: the return and reject buttons, disabled for a finance officer
    once a request is checked, gave the approvers' reason ("Only co-lead
    approvers ... approve."), of an action the officer is not even shown."""
    request = _checked(people, draft, checker)
    ref = request.case.reference
    approve = policy.decide("disbursement.approve", people.finance, request)
    assert approve.hidden
    page = client_for(people.finance).get(reverse("disbursement", args=[ref]))
    html = page.content.decode()
    assert approve.reason not in html
    buttons = {b["name"]: b["decision"] for b in page.context["buttons"]}
    assert "approve" not in buttons
    for verb in ("return", "reject"):
        assert not buttons[verb].allowed
        assert buttons[verb].reason == (
            "Only co-lead approvers of Latvia or the United Kingdom return or "
            f"reject {ref} now that it is checked."
        )
    assert re.search(r"<button\b[^>]*\bdisabled\b[^>]*>\s*Reject\s*</button>", html)


def test_a_stale_action_page_shows_who_moved_the_request_on(
    people, draft, checker, client_for
):
    """The action's page of a move gone past is not a 403: it says what
    happened, and offers no form."""
    request = _checked(people, draft, checker)
    ref = request.case.reference
    page = client_for(checker).get(reverse("disbursement_check", args=[ref]))
    assert page.status_code == 200
    decision = policy.decide("disbursement.check", checker, request)
    assert decision.hidden and decision.kind == policy.STATE
    assert page.context["decision"] == decision
    html = page.content.decode()
    assert escape(decision.reason) in html
    assert "Confirm: Mark checked" not in html


def test_the_list_asks_the_timeline_once_for_all_its_rows(
    people, draft, checker, api_for
):
    api = api_for(people.finance)

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert api.get("/api/disbursements/").status_code == 200
        return len(queries)

    _checked(people, draft, checker)
    _submitted(people, draft)
    few = count()
    for _ in range(3):
        _checked(people, draft, checker)
        _submitted(people, draft)
    assert count() == few
