"""The fund's other actions (commitments, adjustments, bank statements, the
ledger's export): one policy each, and the service, the page, the API and the
queue all give its answer."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from secretariat.fund.models import Adjustment, AdjustmentStatus, Commitment, LineStatus
from secretariat.fund.services import disbursements as dsb
from secretariat.fund.services import ledger as fund
from secretariat.kernel import policy
from secretariat.kernel.exceptions import ConflictError
from tests.conftest import refresh
from tests.secretariat.fund_fixtures import category

pytestmark = pytest.mark.django_db

FINANCE = {"finance", "admin"}
DECIDERS = {"finance", "admin", "approver_lv", "approver_uk"}
EVERYONE = [
    "officer", "procurement", "finance", "approver_lv", "approver_uk", "evaluator",
    "liaison_jp", "liaison_lv", "manufacturer", "admin", "outsider",
]  # fmt: skip

AUTHOR_REASON = (
    "You proposed this adjustment: someone other than its author approves or "
    "rejects it."
)


def _web(user):
    browser = Client()
    browser.force_login(user)
    return browser


@pytest.fixture
def adjustment(people, funded, unrestricted, checker):
    return fund.adjustment_request(
        pool=unrestricted, amount_eur=Decimal("-10.00"), reason="Bank charges",
        actor=checker,
    )  # fmt: skip


@pytest.fixture
def statement(checker):
    return dsb.statement_import(
        actor=checker, file_name="march.csv",
        content=b"date,amount,currency,reference\n2026-03-02,5.00,EUR,FEE-1\n",
    )  # fmt: skip


def _outcome(call):
    """What a service answered: "done", or the kind and reason of its refusal."""
    try:
        call()
    except ConflictError as exc:
        return (policy.STATE, str(exc.message))
    except PermissionDenied as exc:
        return (policy.WHO, str(exc))
    return "done"


def _expected(decision):
    if decision.allowed:
        return "done"
    return (decision.kind, decision.reason)


# ---------------------------------------------------------------- commitments


@pytest.mark.parametrize("who", EVERYONE)
def test_commitment_create_policy_and_service_agree(people, funded, unrestricted, who):
    user = getattr(people, who)
    decision = policy.decide("commitment.create", user)
    assert decision.allowed == (who in FINANCE)
    assert decision.hidden == (who not in FINANCE)
    outcome = _outcome(
        lambda: fund.commitment_create(
            pool=unrestricted,
            amount_eur=Decimal("1000.00"),
            purpose="Lot 9",
            categories=[category("reconnaissance")],
            actor=user,
        )
    )
    assert outcome == _expected(decision)
    assert user.has_perm("secretariat.add_commitment") == decision.allowed


@pytest.mark.parametrize("who", EVERYONE)
def test_commitment_release_policy_service_api_and_queue_agree(
    people, commitment, api_for, who
):
    user = getattr(people, who)
    decision = policy.decide("commitment.release", user, commitment)
    assert decision.allowed == (who in FINANCE)
    queued = policy.pending("commitment.release", user, Commitment.objects.all())
    assert (commitment in queued) == decision.allowed
    if who in {"officer", "procurement", "finance", "approver_lv", "admin"}:
        body = api_for(user).get(f"/api/commitments/{commitment.pk}/").json()
        expected = None if decision.hidden else decision.as_dict()
        assert body["allowed_actions"].get("release") == expected
    outcome = _outcome(
        lambda: fund.commitment_release(commitment=commitment, actor=user, reason="x")
    )
    assert outcome == _expected(decision)


def test_a_closed_commitment_is_not_released_twice(people, commitment, api_for):
    fund.commitment_release(commitment=commitment, actor=people.finance, reason="x")
    commitment = refresh(commitment)
    decision = policy.decide("commitment.release", people.finance, commitment)
    reason = f"The commitment {commitment.reference} is already closed."
    assert (decision.kind, decision.reason) == (policy.STATE, reason)
    with pytest.raises(ConflictError, match=reason):
        fund.commitment_release(commitment=commitment, actor=people.admin, reason="y")
    assert commitment not in policy.pending(
        "commitment.release", people.finance, Commitment.objects.all()
    )
    body = api_for(people.finance).get(f"/api/commitments/{commitment.pk}/").json()
    assert body["allowed_actions"]["release"] == {"allowed": False, "reason": reason}
    # The form is not offered: the reason instead.
    page = _web(people.finance).get(reverse("commitment_release", args=[commitment.pk]))
    assert page.status_code == 409
    assert reason in page.content.decode()
    assert "form" not in page.context


def test_the_commitment_list_offers_release_only_to_finance(people, commitment):
    url = reverse("commitment_release", args=[commitment.pk])
    for who in ["finance", "admin", "officer", "approver_lv"]:
        html = _web(getattr(people, who)).get(reverse("commitment_list")).content
        assert (f'href="{url}"' in html.decode()) == (who in FINANCE), who


# ---------------------------------------------------------------- adjustments


@pytest.mark.parametrize("who", EVERYONE)
@pytest.mark.parametrize("approve", [True, False])
def test_adjustment_decide_policy_service_api_and_queue_agree(
    people, adjustment, api_for, who, approve
):
    user = getattr(people, who)
    name = "adjustment.approve" if approve else "adjustment.reject"
    decision = policy.decide(name, user, adjustment)
    assert decision.allowed == (who in DECIDERS)
    assert decision.hidden == (who not in DECIDERS)
    queued = policy.pending(name, user, Adjustment.objects.all())
    assert (adjustment in queued) == decision.allowed
    if who in {"officer", "finance", "approver_lv", "admin"}:
        body = api_for(user).get(f"/api/adjustments/{adjustment.pk}/").json()
        verb = "approve" if approve else "reject"
        expected = None if decision.hidden else decision.as_dict()
        assert body["allowed_actions"].get(verb) == expected
    outcome = _outcome(
        lambda: fund.adjustment_decide(
            adjustment=adjustment, actor=user, approve=approve
        )
    )
    assert outcome == _expected(decision)


def test_an_adjustments_author_is_never_offered_approve(
    people, funded, unrestricted, checker, api_for
):
    """Before, the author was offered the decision form and only then refused:
    now the button is disabled with the reason, the API says why, and the
    service refuses with the same words."""
    adjustment = fund.adjustment_request(
        pool=unrestricted, amount_eur=Decimal("-10.00"), reason="Bank charges",
        actor=people.finance,
    )  # fmt: skip
    decision = policy.decide("adjustment.approve", people.finance, adjustment)
    assert (decision.allowed, decision.hidden) == (False, False)
    assert decision.reason == AUTHOR_REASON

    author = _web(people.finance)
    listing = author.get(reverse("adjustment_list")).content.decode()
    decide_url = reverse("adjustment_decide", args=[adjustment.pk])
    assert decide_url not in listing
    assert escape(AUTHOR_REASON) in listing
    assert "disabled" in listing
    page = author.get(decide_url)
    assert page.status_code == 403
    assert escape(AUTHOR_REASON) in page.content.decode()
    assert "form" not in page.context

    body = api_for(people.finance).get(f"/api/adjustments/{adjustment.pk}/").json()
    assert body["allowed_actions"]["approve"] == {
        "allowed": False,
        "reason": AUTHOR_REASON,
    }
    refused = api_for(people.finance).post(
        f"/api/adjustments/{adjustment.pk}/decide/", {"approve": True}, format="json"
    )
    assert refused.status_code == 403
    assert refused.json()["detail"] == AUTHOR_REASON
    with pytest.raises(PermissionDenied, match="someone other than its author"):
        fund.adjustment_decide(
            adjustment=adjustment, actor=people.finance, approve=True
        )
    assert refresh(adjustment).status == AdjustmentStatus.PENDING

    # Another finance officer is offered it, and may.
    other = _web(checker).get(reverse("adjustment_list")).content.decode()
    assert f'href="{decide_url}?decision=approve"' in other
    fund.adjustment_decide(adjustment=adjustment, actor=checker, approve=True)
    assert refresh(adjustment).status == AdjustmentStatus.APPROVED


def test_a_decided_adjustment_is_not_decided_again(people, adjustment):
    fund.adjustment_decide(adjustment=adjustment, actor=people.finance, approve=False)
    adjustment = refresh(adjustment)
    decision = policy.decide("adjustment.approve", people.admin, adjustment)
    assert (decision.kind, decision.reason) == (
        policy.STATE,
        "The adjustment has already been decided.",
    )
    with pytest.raises(ConflictError, match="already been decided"):
        fund.adjustment_decide(adjustment=adjustment, actor=people.admin, approve=True)


# ---------------------------------------------------------------- statements


@pytest.mark.parametrize("who", EVERYONE)
def test_statement_line_resolve_policy_service_api_and_queue_agree(
    people, statement, api_for, who
):
    from secretariat.fund.models import StatementLine

    user = getattr(people, who)
    line = statement.lines.get()
    decision = policy.decide("statementline.resolve", user, line)
    assert decision.allowed == (who in FINANCE)
    queued = policy.pending("statementline.resolve", user, StatementLine.objects.all())
    assert (line in queued) == decision.allowed
    if who in {"officer", "finance", "admin"}:
        body = api_for(user).get(f"/api/statement-lines/{line.pk}/").json()
        expected = None if decision.hidden else decision.as_dict()
        assert body["allowed_actions"].get("resolve") == expected
    outcome = _outcome(
        lambda: dsb.statement_line_resolve(line=line, actor=user, note="Bank fee")
    )
    assert outcome == _expected(decision)
    assert policy.may("statement.import", user) == (who in FINANCE)


def test_a_settled_line_offers_no_form(people, statement):
    line = statement.lines.get()
    dsb.statement_line_resolve(line=line, actor=people.finance, note="Bank fee")
    line = refresh(line)
    assert line.status == LineStatus.RESOLVED
    reason = f"Line {line.line_number} is already settled."
    decision = policy.decide("statementline.resolve", people.admin, line)
    assert (decision.kind, decision.reason) == (policy.STATE, reason)
    browser = _web(people.finance)
    html = browser.get(reverse("bank_statement", args=[statement.pk])).content.decode()
    resolve_url = reverse("statement_line_resolve", args=[statement.pk, line.pk])
    assert resolve_url not in html
    page = browser.get(resolve_url)
    assert page.status_code == 409
    assert reason in page.content.decode()


# ---------------------------------------------------------------- the ledger


@pytest.mark.parametrize("who", EVERYONE)
def test_ledger_export_policy_and_page_agree(people, who, client_for):
    user = getattr(people, who)
    decision = policy.decide("ledger.export", user)
    assert decision.allowed == (who in FINANCE)
    assert user.has_perm("secretariat.export_ledger") == decision.allowed
    response = client_for(user).get(reverse("ledger_export"))
    assert (response.status_code == 200) == decision.allowed
