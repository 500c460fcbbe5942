"""Disbursement requests through the REST API: the lifecycle under both policy
bands, separation of duties and earmarks, idempotent payments, mass assignment,
who may do what, statement uploads and query budgets."""

import threading
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import close_old_connections, connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from secretariat.fund.models import (
    BankStatement,
    DisbursementRequest,
    DisbursementStatus,
    LedgerEntry,
    Pool,
    StatementLine,
)
from secretariat.fund.services import disbursements as dsb
from secretariat.fund.services import ledger as fund
from secretariat.kernel.models import Case, IdempotencyKey, TimelineEvent
from secretariat.kernel.roles import Role
from tests.conftest import refresh
from tests.factories import UserFactory
from tests.secretariat.fund_fixtures import BIC, IBAN, category, payer_user, receive
from tests.secretariat.test_disbursement_services import (
    assert_ledger_matches_balances,
)
from tests.twofactor import code_for, proof_for

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
URL = "/api/disbursements/"
STAFF = ["officer", "procurement", "finance", "approver_lv", "approver_uk", "admin"]
LIAISONS = ["liaison_lv", "liaison_jp"]
NO_FUND_ACCESS = ["evaluator", "manufacturer", "outsider"]
EVERYONE = [*STAFF, *LIAISONS, *NO_FUND_ACCESS]


def body(commitment, **changes):
    data = {
        "commitment": commitment.pk,
        "payee_name": "SIA Drone Works",
        "payee_country": "LV",
        "payee_iban": IBAN,
        "payee_bic": BIC,
        "amount": "250000.00",
        "currency": "EUR",
        "purpose": "Milestone 1: 500 reconnaissance drones accepted at Sēlia",
        "categories": ["reconnaissance"],
    }
    data.update(changes)
    return data


def post(api, path, data=None, *, key=None):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return api.post(path, data or {}, format="json", **headers)


def with_code(user, **data):
    """An approval's body above the one-approver limit: a fresh code."""
    return {"otp_token": code_for(user), **data}


def ok(response, code=200):
    assert response.status_code == code, response.content
    return response.json()


def payment(ref="BANK-0001", order="PO-1"):
    return {"payment_order": order, "bank_reference": ref, "paid_on": str(TODAY)}


def statement_file(
    *rows, name="statement.csv", header="date,amount,currency,reference"
):
    lines = [header, *(",".join(str(v) for v in row) for row in rows)]
    return SimpleUploadedFile(
        name, ("\n".join(lines) + "\n").encode(), content_type="text/csv"
    )


def submitted(request, people):
    dsb.disbursement_submit(request=request, actor=request.prepared_by)
    return refresh(request)


def checked(request, people, checker):
    submitted(request, people)
    dsb.disbursement_check(request=request, actor=checker)
    return refresh(request)


def approved(request, people, checker, approvers=("approver_lv",)):
    checked(request, people, checker)
    for who in approvers:
        approver = getattr(people, who)
        dsb.disbursement_approve(
            request=request, actor=approver, second_factor=proof_for(approver)
        )
    request = refresh(request)
    assert request.status == DisbursementStatus.APPROVED
    return request


def snapshot(request):
    """What a refused call must leave as it was."""
    request = refresh(request)
    return {
        "status": request.status,
        "checked_by": request.checked_by_id,
        "approvals": list(request.approvals.values_list("approver", flat=True)),
        "payee": request.payee_name,
        "categories": list(request.categories.values_list("code", flat=True)),
        "bank_reference": request.bank_reference,
        "events": TimelineEvent.objects.filter(case=request.case).count(),
        "ledger": LedgerEntry.objects.count(),
        "pools": list(Pool.objects.values_list("received", "committed", "disbursed")),
    }


# ---------------------------------------------------------------- the lifecycle


@pytest.mark.parametrize(
    ("amount", "approvers"),
    [("250000.00", ["approver_uk"]), ("1500000.00", ["approver_lv", "approver_uk"])],
    ids=["one-approver-up-to-1m", "two-approvers-above-1m"],
)
def test_lifecycle_from_draft_to_reconciled(
    api_for, people, commitment, checker, unrestricted, amount, approvers
):
    finance = api_for(people.finance)

    created = ok(post(finance, URL, body(commitment, amount=amount)), 201)
    reference = created["reference"]
    assert reference.startswith(f"DSB-{TODAY.year}-")
    assert created["status"] == "draft"
    assert created["eur_amount"] == amount
    assert created["prepared_by"] == people.finance.pk
    assert created["approvals_needed"] is None
    url = f"{URL}{reference}/"

    sent = ok(post(finance, url + "submit/"))
    assert sent["status"] == "submitted"
    assert sent["policy_version"] == 1
    assert sent["approvals_needed"] == len(approvers)

    done = ok(post(api_for(checker), url + "check/", {"comment": "Invoice matches"}))
    assert done["status"] == "checked"
    assert done["checked_by"] == checker.pk

    for number, who in enumerate(approvers, start=1):
        done = ok(
            post(
                api_for(getattr(people, who)),
                url + "approve/",
                with_code(getattr(people, who), comment="ok"),
            )
        )
        assert len(done["approvals"]) == number
        assert done["status"] == ("approved" if number == len(approvers) else "checked")
    assert [a["approver"] for a in done["approvals"]] == [
        getattr(people, who).pk for who in approvers
    ]
    assert [a["member_state"] for a in done["approvals"]] == [
        getattr(people, who).member_state.country.code for who in approvers
    ]
    assert done["approved_at"] is not None

    paid = ok(post(api_for(payer_user()), url + "pay/", payment("BANK-0001")))
    assert paid["status"] == "paid"
    assert paid["bank_reference"] == "BANK-0001"
    assert paid["paid_by"] == payer_user().pk

    statement = ok(
        finance.post(
            "/api/bank-statements/",
            {"file": statement_file((TODAY, amount, "EUR", "BANK-0001"))},
            format="multipart",
        ),
        201,
    )
    assert [(line["status"], line["request"]) for line in statement["lines"]] == [
        ("matched", reference)
    ]
    assert statement["unsettled_count"] == 0

    final = ok(finance.get(url))
    assert final["status"] == "reconciled"
    assert final["reconciled_at"] is not None
    assert len(final["approvals"]) == len(approvers)

    paid_eur = Decimal(amount)
    pool = ok(finance.get("/api/pools/unrestricted/"))
    assert Decimal(pool["received"]) == Decimal("5000000.00")
    assert Decimal(pool["committed"]) == Decimal("2000000.00") - paid_eur
    assert Decimal(pool["disbursed"]) == paid_eur
    assert Decimal(pool["available"]) == Decimal("3000000.00")
    ledger = ok(finance.get("/api/ledger-entries/?pool=unrestricted&kind=disbursement"))
    assert len(ledger["results"]) == 1
    assert ledger["results"][0]["disbursement"] == reference
    assert ledger["results"][0]["amount_eur"] == amount
    commitment_now = ok(finance.get(f"/api/commitments/{commitment.pk}/"))
    assert Decimal(commitment_now["disbursed_eur"]) == paid_eur

    request = DisbursementRequest.objects.get(case__reference=reference)
    assert request.status == DisbursementStatus.RECONCILED
    assert request.case.closed_at is not None
    assert set(request.approvals.values_list("approver", flat=True)) == {
        getattr(people, who).pk for who in approvers
    }
    assert LedgerEntry.objects.filter(disbursement=request).count() == 1
    unrestricted = refresh(unrestricted)
    assert unrestricted.disbursed == paid_eur
    assert unrestricted.available == Decimal("3000000.00")
    moves = list(
        TimelineEvent.objects.filter(case=request.case, action="status_changed")
        .order_by("id")
        .values_list("to_status", flat=True)
    )
    assert moves == ["submitted", "checked", "approved", "paid", "reconciled"]
    assert_ledger_matches_balances()


def test_return_reject_and_cancel_through_the_api(api_for, people, draft, checker):
    request = checked(draft("1500000.00"), people, checker)
    url = f"{URL}{request.case.reference}/"
    ok(
        post(
            api_for(people.approver_lv), url + "approve/", with_code(people.approver_lv)
        )
    )
    back = ok(post(api_for(people.approver_uk), url + "return/", {"reason": "Wrong"}))
    assert back["status"] == "draft"
    assert back["approvals"] == []
    assert back["checked_by"] is None
    assert back["approvals_needed"] is None

    ok(post(api_for(people.finance), url + "submit/"))
    rejected = ok(post(api_for(checker), url + "reject/", {"reason": "Duplicate"}))
    assert rejected["status"] == "rejected"
    refused = post(api_for(people.finance), url + "cancel/", {"reason": "x"})
    assert refused.status_code == 409
    assert "cannot move from" in refused.json()["detail"]

    other = draft()
    gone = ok(post(api_for(people.finance), f"{URL}{other.case.reference}/cancel/",
                   {"reason": "Paid from another fund"}))  # fmt: skip
    assert gone["status"] == "cancelled"
    missing = post(api_for(people.finance), url + "reject/", {})
    assert missing.status_code == 400
    assert "reason" in missing.json()


def test_preparer_changes_a_draft_with_patch(api_for, people, draft):
    request = draft()
    url = f"{URL}{request.case.reference}/"
    changed = ok(
        api_for(people.finance).patch(
            url,
            {"payee_name": "SIA Sky Works", "amount": "300000.00",
             "categories": ["reconnaissance"]},
            format="json",
        )
    )  # fmt: skip
    assert changed["payee_name"] == "SIA Sky Works"
    assert changed["eur_amount"] == "300000.00"
    assert changed["status"] == "draft"

    submitted(request, people)
    refused = api_for(people.finance).patch(url, {"payee_name": "X"}, format="json")
    assert refused.status_code == 409
    assert "Only a draft can be changed" in refused.json()["detail"]


# ---------------------------------------------------------------- separation of duties


def _other_latvian_approver(people):
    return UserFactory(
        username="approver-lv-2", roles=[Role.CO_LEAD_APPROVER],
        member_state=people.approver_lv.member_state,
    )  # fmt: skip


def _finance_approver(people, state):
    return UserFactory(
        username=f"finance-approver-{state}",
        roles=[Role.FINANCE_OFFICER, Role.CO_LEAD_APPROVER],
        member_state=getattr(people, f"approver_{state}").member_state,
    )


def sod_preparer_checks(people, draft, checker):
    return submitted(draft(), people), people.finance, "check/", {}


def sod_someone_else_submits(people, draft, checker):
    return draft(), checker, "submit/", {}


def sod_preparer_approves(people, draft, checker):
    both = _finance_approver(people, "lv")
    return checked(draft(preparer=both), people, checker), both, "approve/", {}


def sod_checker_approves(people, draft, checker):
    both = _finance_approver(people, "uk")
    return checked(draft(), people, both), both, "approve/", {}


def sod_approver_approves_twice(people, draft, checker):
    request = checked(draft("1500000.00"), people, checker)
    dsb.disbursement_approve(
        request=request, actor=people.approver_lv,
        second_factor=proof_for(people.approver_lv),
    )  # fmt: skip
    return request, people.approver_lv, "approve/", with_code(people.approver_lv)


def sod_second_approval_from_the_same_state(people, draft, checker):
    request = checked(draft("1500000.00"), people, checker)
    dsb.disbursement_approve(
        request=request, actor=people.approver_lv,
        second_factor=proof_for(people.approver_lv),
    )  # fmt: skip
    other = _other_latvian_approver(people)
    return request, other, "approve/", with_code(other)


def sod_preparer_rejects(people, draft, checker):
    return submitted(draft(), people), people.finance, "reject/", {"reason": "r"}


def sod_preparer_returns(people, draft, checker):
    return submitted(draft(), people), people.finance, "return/", {"reason": "r"}


def sod_checker_rejects_what_approvers_decide(people, draft, checker):
    return checked(draft(), people, checker), checker, "reject/", {"reason": "r"}


def sod_finance_officer_approves(people, draft, checker):
    return checked(draft(), people, checker), people.finance, "approve/", {}


def sod_administrator_approves(people, draft, checker):
    return checked(draft(), people, checker), people.admin, "approve/", {}


def sod_approver_pays(people, draft, checker):
    request = approved(draft(), people, checker)
    return request, people.approver_uk, "pay/", payment()


def sod_approver_checks(people, draft, checker):
    return submitted(draft(), people), people.approver_uk, "check/", {}


SEPARATION_OF_DUTIES = {
    "preparer checks": (sod_preparer_checks, 403, "someone else must check it"),
    "someone else submits": (sod_someone_else_submits, 403, "Only the person who"),
    "preparer approves": (sod_preparer_approves, 403, "you cannot approve it"),
    "checker approves": (sod_checker_approves, 403, "You checked"),
    "approves twice": (sod_approver_approves_twice, 403, "already approved"),
    "same co-lead state twice": (
        sod_second_approval_from_the_same_state,
        403,
        "must come from the other co-lead state",
    ),
    "preparer rejects": (sod_preparer_rejects, 403, "You prepared this request"),
    "preparer returns": (sod_preparer_returns, 403, "You prepared this request"),
    "checker decides a checked one": (
        sod_checker_rejects_what_approvers_decide,
        403,
        "Only co-lead approvers",
    ),
    "finance officer approves": (
        sod_finance_officer_approves,
        403,
        "Only co-lead approvers",
    ),
    "administrator approves": (
        sod_administrator_approves,
        403,
        "Only co-lead approvers",
    ),
    "approver pays": (
        sod_approver_pays,
        403,
        "Only a finance officer records payments.",
    ),
    "approver checks": (
        sod_approver_checks,
        403,
        "Only a finance officer checks disbursements.",
    ),
}


@pytest.mark.parametrize("rule", SEPARATION_OF_DUTIES)
def test_separation_of_duties_is_enforced_by_the_api(
    api_for, people, draft, checker, rule
):
    setup, code, message = SEPARATION_OF_DUTIES[rule]
    request, actor, action, data = setup(people, draft, checker)
    before = snapshot(request)

    response = post(api_for(actor), f"{URL}{request.case.reference}/{action}", data)

    assert response.status_code == code, response.content
    assert message in response.json()["detail"]
    assert snapshot(request) == before


def test_only_the_preparer_changes_a_draft(api_for, people, draft, checker):
    request = draft()
    before = snapshot(request)
    response = api_for(checker).patch(
        f"{URL}{request.case.reference}/", {"payee_name": "Mallory"}, format="json"
    )
    assert response.status_code == 403
    assert "Only the person who prepared it" in response.json()["detail"]
    assert snapshot(request) == before


# ---------------------------------------------------------------- earmarks and funds


def test_request_cannot_pay_for_categories_outside_its_commitment(
    api_for, people, commitment
):
    response = post(
        api_for(people.finance), URL, body(commitment, categories=["strike"])
    )
    assert response.status_code == 400
    assert response.json() == {
        "detail": f"Commitment {commitment.reference} was not made for: Strike.",
        "code": "invalid",
        "field": "categories",
    }
    assert not DisbursementRequest.objects.exists()
    assert not Case.objects.exists()


def test_request_must_say_what_it_pays_for(api_for, people, commitment):
    response = post(api_for(people.finance), URL, body(commitment, categories=[]))
    assert response.status_code == 400
    assert "Say which capability categories" in response.json()["detail"]
    assert not DisbursementRequest.objects.exists()


def test_draft_cannot_be_changed_to_pay_for_other_categories(api_for, people, draft):
    request = draft()
    before = snapshot(request)
    response = api_for(people.finance).patch(
        f"{URL}{request.case.reference}/", {"categories": ["strike"]}, format="json"
    )
    assert response.status_code == 400
    assert "was not made for: Strike" in response.json()["detail"]
    assert snapshot(request) == before


def test_non_lethal_pool_cannot_commit_to_lethal_capabilities(
    api_for, people, funded, non_lethal
):
    response = post(
        api_for(people.finance),
        "/api/commitments/",
        {"pool": "non-lethal", "amount_eur": "100000.00", "purpose": "Strike drones",
         "categories": ["strike"]},
    )  # fmt: skip
    assert response.status_code == 400
    assert "cannot pay for lethal capabilities: Strike" in response.json()["detail"]
    assert response.json()["field"] == "categories"
    assert refresh(non_lethal).committed == 0
    assert not LedgerEntry.objects.filter(kind="commitment").exists()


def test_earmarked_pool_commits_only_to_its_categories(api_for, people, latvia):
    receive(people, latvia, "100000.00", earmark="categories",
            categories=[category("counter_drone")])  # fmt: skip
    pool = Pool.objects.get(kind="categories")
    finance = api_for(people.finance)
    data = {"pool": pool.code, "amount_eur": "10.00", "purpose": "EW kit"}
    refused = post(
        finance, "/api/commitments/", {**data, "categories": ["electronic_warfare"]}
    )
    assert refused.status_code == 400
    assert "pays only for its categories" in refused.json()["detail"]
    assert refresh(pool).committed == 0
    ok(
        post(finance, "/api/commitments/", {**data, "categories": ["counter_drone"]}),
        201,
    )
    assert refresh(pool).committed == Decimal("10.00")


def test_commitment_cannot_exceed_what_the_pool_has(
    api_for, people, funded, unrestricted
):
    response = post(
        api_for(people.finance),
        "/api/commitments/",
        {"pool": "unrestricted", "amount_eur": "5000000.01", "purpose": "Too much",
         "categories": ["reconnaissance"]},
    )  # fmt: skip
    assert response.status_code == 409
    assert "cannot commit EUR 5,000,000.01" in response.json()["detail"]
    assert refresh(unrestricted).committed == 0


def test_funds_are_checked_at_submission(api_for, people, draft):
    first, second = draft("1500000.00"), draft("600000.00")
    submitted(first, people)
    before = snapshot(second)
    response = post(api_for(people.finance), f"{URL}{second.case.reference}/submit/")
    assert response.status_code == 409
    assert "Not enough money at submission" in response.json()["detail"]
    assert snapshot(second) == before


# ---------------------------------------------------------------- idempotency


def test_the_same_payment_sent_twice_with_one_key_pays_once(
    api_for, people, draft, checker, unrestricted
):
    request = approved(draft(), people, checker)
    url = f"{URL}{request.case.reference}/pay/"
    finance = api_for(payer_user())

    first = post(finance, url, payment(), key="pay-7f3a")
    second = post(finance, url, payment(), key="pay-7f3a")

    assert first.status_code == second.status_code == 200
    assert second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert LedgerEntry.objects.filter(kind="disbursement").count() == 1
    assert refresh(unrestricted).disbursed == Decimal("250000.00")
    assert (
        TimelineEvent.objects.filter(case=request.case, to_status="paid").count() == 1
    )
    stored = IdempotencyKey.objects.get()
    assert (stored.user, stored.key, stored.status_code) == (
        payer_user(),
        "pay-7f3a",
        200,
    )
    assert stored.endpoint == f"POST {url}"

    again = post(finance, url, payment("BANK-0002"))
    assert again.status_code == 409
    assert "has already been paid (bank reference BANK-0001)" in again.json()["detail"]
    assert LedgerEntry.objects.filter(kind="disbursement").count() == 1


def test_a_key_is_tied_to_its_endpoint(api_for, people, draft, checker):
    paid = approved(draft("1000.00"), people, checker)
    other = approved(draft("2000.00"), people, checker)
    finance = api_for(payer_user())
    ok(post(finance, f"{URL}{paid.case.reference}/pay/", payment(), key="k-1"))

    reused = post(
        finance, f"{URL}{other.case.reference}/pay/", payment("BANK-0002"), key="k-1"
    )
    assert reused.status_code == 422
    assert reused.json()["code"] == "idempotency_key_reused"
    assert "already used for POST" in reused.json()["detail"]
    assert refresh(other).status == DisbursementStatus.APPROVED

    elsewhere = post(finance, URL, body(paid.commitment), key="k-1")
    assert elsewhere.status_code == 422
    assert DisbursementRequest.objects.count() == 2


def test_keys_are_per_user(api_for, people, draft, checker):
    request = approved(draft(), people, checker)
    url = f"{URL}{request.case.reference}/pay/"
    ok(post(api_for(payer_user()), url, payment(), key="shared"))
    # Another person's identical key is a new request: the service answers.
    response = post(api_for(checker), url, payment("BANK-0002"), key="shared")
    assert response.status_code == 409
    assert "already been paid" in response.json()["detail"]


def test_a_refused_call_is_not_stored_and_can_be_retried(
    api_for, people, draft, checker
):
    request = checked(draft(), people, checker)
    url = f"{URL}{request.case.reference}/pay/"
    finance = api_for(payer_user())
    early = post(finance, url, payment(), key="retry-me")
    assert early.status_code == 409
    assert not IdempotencyKey.objects.exists()
    dsb.disbursement_approve(request=request, actor=people.approver_lv)
    assert ok(post(finance, url, payment(), key="retry-me"))["status"] == "paid"


def test_creating_with_a_key_twice_creates_once(api_for, people, commitment):
    finance = api_for(people.finance)
    first = post(finance, URL, body(commitment), key="new-request-1")
    second = post(finance, URL, body(commitment), key="new-request-1")
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert DisbursementRequest.objects.count() == 1


def test_approval_with_a_key_twice_approves_once(api_for, people, draft, checker):
    request = checked(draft("1500000.00"), people, checker)
    approver = api_for(people.approver_lv)
    url = f"{URL}{request.case.reference}/approve/"
    body = with_code(people.approver_lv, comment="ok")
    first = post(approver, url, body, key="approve-1")
    second = post(approver, url, body, key="approve-1")
    assert first.status_code == second.status_code == 200
    assert second.json() == first.json()
    assert refresh(request).approvals.count() == 1
    assert refresh(request).status == DisbursementStatus.CHECKED


def test_a_statement_imported_twice_with_one_key_is_imported_once(
    api_for, people, draft, checker
):
    finance = api_for(people.finance)

    def upload(key=None):
        headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
        return finance.post(
            "/api/bank-statements/",
            {"file": statement_file((TODAY, "10.00", "EUR", "UNKNOWN-1"))},
            format="multipart",
            **headers,
        )

    first, second = upload("stmt-1"), upload("stmt-1")
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert BankStatement.objects.count() == 1
    again = upload()
    assert again.status_code == 409
    assert "already been imported" in again.json()["detail"]


@pytest.mark.parametrize("key", ["", " ", "k" * 101])
def test_a_malformed_key_is_refused(api_for, people, draft, checker, key):
    request = approved(draft(), people, checker)
    response = post(
        api_for(payer_user()),
        f"{URL}{request.case.reference}/pay/",
        payment(),
        key=key,
    )
    assert response.status_code == 400
    assert response.json()["field"] == "Idempotency-Key"
    assert refresh(request).status == DisbursementStatus.APPROVED


def race(calls):
    """Run the calls at the same moment, each in its own thread and database
    connection; return their responses in call order."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait(timeout=30)
            results[index] = call()
        except Exception as exc:  # noqa: BLE001 - collected for the assertions
            results[index] = exc
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a racing call never finished"
    return results


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("key", ["same-key", None], ids=["same-key", "no-key"])
def test_two_identical_payments_at_the_same_moment_pay_once(
    people, draft, checker, key
):
    request = approved(draft(), people, checker)
    url = f"{URL}{request.case.reference}/pay/"
    payer = payer_user()

    def pay():
        api = APIClient()
        api.force_authenticate(payer)
        return post(api, url, payment(), key=key)

    responses = race([pay, pay])

    assert not [r for r in responses if isinstance(r, Exception)], responses
    codes = sorted(r.status_code for r in responses)
    if key:
        # The second waits for the first and gets its answer.
        assert codes == [200, 200]
        assert responses[0].json() == responses[1].json()
    else:
        assert codes == [200, 409]
    assert LedgerEntry.objects.filter(kind="disbursement").count() == 1
    assert refresh(request).status == DisbursementStatus.PAID
    assert Pool.objects.get(code="unrestricted").disbursed == Decimal("250000.00")


# ---------------------------------------------------------------- mass assignment

WORKFLOW_FIELDS = {
    "status": "paid",
    "approvals_needed": 0,
    "eur_amount": "1.00",
    "checked_by": None,
    "bank_reference": "BANK-FORGED",
    "paid_by": None,
    "paid_on": "2020-01-01",
    "prepared_by": None,
    "reconciled_at": "2020-01-01T00:00:00Z",
    "approvals": [{"approver": None}],
    "reference": "DSB-1999-0001",
}


def _workflow_fields(people, checker):
    return {
        **WORKFLOW_FIELDS,
        "checked_by": checker.pk,
        "paid_by": people.finance.pk,
        "prepared_by": checker.pk,
        "approvals": [{"approver": people.approver_lv.pk}],
    }


def test_create_ignores_workflow_fields(api_for, people, commitment, checker):
    data = {**_workflow_fields(people, checker), **body(commitment)}
    created = ok(post(api_for(people.finance), URL, data), 201)
    request = DisbursementRequest.objects.get()
    assert created["reference"] == request.case.reference != "DSB-1999-0001"
    assert request.status == created["status"] == "draft"
    assert request.approvals_needed is None
    assert request.eur_amount == Decimal("250000.00")
    assert request.checked_by is None
    assert request.bank_reference is None
    assert request.paid_by is None and request.paid_on is None
    assert request.reconciled_at is None
    assert request.prepared_by == people.finance
    assert not request.approvals.exists()


def test_patch_ignores_workflow_fields(api_for, people, draft, checker):
    request = draft()
    url = f"{URL}{request.case.reference}/"
    finance = api_for(people.finance)
    changed = ok(
        finance.patch(
            url,
            {**_workflow_fields(people, checker), "payee_name": "SIA Sky Works"},
            format="json",
        )
    )
    assert changed["payee_name"] == "SIA Sky Works"
    request = refresh(request)
    assert request.payee_name == "SIA Sky Works"
    assert request.status == DisbursementStatus.DRAFT
    assert request.eur_amount == Decimal("250000.00")
    assert request.approvals_needed is None
    assert request.checked_by is None
    assert request.bank_reference is None
    assert request.prepared_by == people.finance

    before = snapshot(request)
    only_workflow = finance.patch(url, _workflow_fields(people, checker), format="json")
    assert only_workflow.status_code == 400
    assert "Send at least one of the fields" in str(only_workflow.json())
    assert snapshot(request) == before


# ---------------------------------------------------------------- access


@pytest.fixture
def fund_records(people, draft, checker):
    """A paid request on a reconciled statement with an unmatched line, and an
    adjustment awaiting its decision."""
    request = approved(draft(), people, checker)
    dsb.disbursement_mark_paid(
        request=request, actor=payer_user(), payment_order="PO-1",
        bank_reference="BANK-0001", paid_on=TODAY,
    )  # fmt: skip
    statement = dsb.statement_import(
        actor=people.finance,
        file_name="statement.csv",
        content=b"date,amount,currency,reference\n"
        + f"{TODAY},250000.00,EUR,BANK-0001\n{TODAY},5.00,EUR,FEE-1\n".encode(),
    )
    adjustment = fund.adjustment_request(
        pool=request.commitment.pool, amount_eur=Decimal("100.00"),
        reason="Bank interest", actor=people.finance,
    )  # fmt: skip
    return {
        "reference": request.case.reference,
        "commitment": request.commitment.pk,
        "statement": statement.pk,
        "line": statement.lines.get(reference="FEE-1").pk,
        "adjustment": adjustment.pk,
    }


READS = {
    "disbursements": lambda r: URL,
    "disbursement": lambda r: f"{URL}{r['reference']}/",
    "commitments": lambda r: "/api/commitments/",
    "commitment": lambda r: f"/api/commitments/{r['commitment']}/",
    "pools": lambda r: "/api/pools/",
    "pool": lambda r: "/api/pools/unrestricted/",
    "ledger entries": lambda r: "/api/ledger-entries/",
    "adjustments": lambda r: "/api/adjustments/",
    "adjustment": lambda r: f"/api/adjustments/{r['adjustment']}/",
    "bank statements": lambda r: "/api/bank-statements/",
    "bank statement": lambda r: f"/api/bank-statements/{r['statement']}/",
    "statement lines": lambda r: "/api/statement-lines/",
    "fund statement": lambda r: "/api/fund-statement/",
}
READABLE_BY_LIAISONS = {"fund statement"}


@pytest.mark.parametrize("who", EVERYONE)
@pytest.mark.parametrize("endpoint", READS)
def test_who_reads_the_fund(api_for, people, fund_records, endpoint, who):
    response = api_for(getattr(people, who)).get(READS[endpoint](fund_records))
    if who in STAFF or (who in LIAISONS and endpoint in READABLE_BY_LIAISONS):
        assert response.status_code == 200, response.content
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("endpoint", READS)
def test_anonymous_callers_are_refused(fund_records, endpoint):
    response = APIClient().get(READS[endpoint](fund_records))
    assert response.status_code in {401, 403}


@pytest.mark.parametrize(
    "path",
    [f"{URL}DSB-2026-9999/", "/api/commitments/999999/", "/api/pools/nowhere/",
     "/api/bank-statements/999999/", "/api/statement-lines/999999/resolve/",
     f"{URL}DSB-2026-9999/pay/"],
)  # fmt: skip
def test_unknown_records_answer_404(api_for, people, fund_records, path):
    finance = api_for(people.finance)
    response = (
        post(finance, path, {"note": "n"} | payment())
        if path.endswith(("pay/", "resolve/"))
        else finance.get(path)
    )
    assert response.status_code == 404


@pytest.mark.parametrize("who", LIAISONS)
def test_liaisons_see_the_fund_statement_of_their_own_state_only(
    api_for, people, fund_records, who
):
    statement = ok(api_for(getattr(people, who)).get("/api/fund-statement/"))
    own = getattr(people, who).member_state.country.code
    assert [m["country"] for m in statement["members"]] == (
        ["LV"] if own == "LV" else []
    )
    assert {p["code"] for p in statement["pools"]} >= {"unrestricted", "non-lethal"}
    assert Decimal(statement["total"]["received"]) == Decimal("8000000.00")


def test_staff_see_every_member_on_the_fund_statement(api_for, people, fund_records):
    statement = ok(api_for(people.officer).get("/api/fund-statement/"))
    assert [(m["country"], m["received"]) for m in statement["members"]] == [
        ("LV", "5000000.00"),
        ("GB", "3000000.00"),
    ]
    total = statement["total"]
    assert Decimal(total["disbursed"]) == Decimal("250000.00")
    assert Decimal(total["available"]) == Decimal("6000000.00")


WRITERS = {
    # action: (who may, expected status)
    "create": ({"finance", "admin"}, 201),
    "check": ({"finance", "admin"}, 200),
    "approve": ({"approver_lv", "approver_uk"}, 200),
    "pay": ({"finance", "admin"}, 200),
    "import statement": ({"finance", "admin"}, 201),
}


@pytest.mark.parametrize("who", EVERYONE)
@pytest.mark.parametrize("what", WRITERS)
def test_who_may_write(request, api_for, people, commitment, checker, draft, what, who):
    preparer = UserFactory(username="preparer", roles=[Role.FINANCE_OFFICER])
    api = api_for(getattr(people, who))
    if what == "create":
        response = post(api, URL, body(commitment))
    elif what == "import statement":
        response = api.post(
            "/api/bank-statements/",
            {"file": statement_file((TODAY, "1.00", "EUR", "X-1"))},
            format="multipart",
        )
    else:
        disbursement = draft(preparer=preparer)
        if what == "check":
            disbursement = submitted(disbursement, people)
        elif what == "approve":
            disbursement = checked(disbursement, people, checker)
        else:
            disbursement = approved(disbursement, people, checker, ["approver_uk"])
        data = payment() if what == "pay" else {}
        response = post(api, f"{URL}{disbursement.case.reference}/{what}/", data)
    allowed, code = WRITERS[what]
    expected = code if who in allowed else 403
    assert response.status_code == expected, response.content


# ---------------------------------------------------------------- statement uploads


@pytest.mark.parametrize(
    ("rows", "header", "message"),
    [
        ([(TODAY, "10.00", "EUR", "A"), ("31/12/2026", "1.00", "EUR", "B")], None,
         "Line 3: “31/12/2026” is not a date"),
        ([(TODAY, "ten", "EUR", "A")], None, "Line 2: “ten” is not an amount"),
        ([(TODAY, "10.00", "EUR", "A"), (TODAY, "1.00", "XXX", "B")], None,
         "Line 3: “XXX” is not a currency"),
        ([(TODAY, "10.00", "EUR", "A"), (TODAY, "1.00", "EUR", "A")], None,
         "Line 3: the reference A appears twice"),
        ([(TODAY, "10.00", "EUR", "")], None, "Line 2: the reference is empty"),
        ([(TODAY, "10.00", "EUR", "A", "extra")], None, "Line 2: more fields"),
        ([(TODAY, "10.00", "EUR", "A")], "date,amount,reference",
         "Line 1: the columns must be"),
        ([(TODAY, "10.00", "EUR", "A"), ("2026-02-30", "1.00", "EUR", "B")], None,
         "Line 3: “2026-02-30” is not a date"),
    ],
    ids=["date", "amount", "currency", "duplicate", "empty-reference", "extra-field",
         "header", "impossible-date"],
)  # fmt: skip
def test_malformed_statement_is_refused_with_its_line_number(
    api_for, people, draft, checker, rows, header, message
):
    request = approved(draft(), people, checker)
    dsb.disbursement_mark_paid(
        request=request, actor=payer_user(), payment_order="PO-1",
        bank_reference="A", paid_on=TODAY,
    )  # fmt: skip
    upload = statement_file(*rows, **({"header": header} if header else {}))
    response = api_for(people.finance).post(
        "/api/bank-statements/", {"file": upload}, format="multipart"
    )
    assert response.status_code == 400, response.content
    assert message in response.json()["detail"]
    assert response.json()["field"] == "file"
    assert not BankStatement.objects.exists()
    assert not StatementLine.objects.exists()
    assert refresh(request).status == DisbursementStatus.PAID


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("statement.exe", b"date,amount,currency,reference\n", "not accepted"),
        ("statement.txt", b"date,amount,currency,reference\n", "CSV file"),
        ("statement.csv", b"", "empty"),
        ("statement.csv", b"date,amount\x00", "not a plain text file"),
    ],
)
def test_statement_upload_must_be_a_csv_file(api_for, people, name, content, message):
    response = api_for(people.finance).post(
        "/api/bank-statements/",
        {"file": SimpleUploadedFile(name, content)},
        format="multipart",
    )
    assert response.status_code == 400
    assert message in str(response.json()["file"])
    assert not BankStatement.objects.exists()


def test_unmatched_line_is_resolved_with_the_request_it_belongs_to(
    api_for, people, draft, checker
):
    request = approved(draft(), people, checker)
    dsb.disbursement_mark_paid(
        request=request, actor=payer_user(), payment_order="PO-1",
        bank_reference="BANK-0001", paid_on=TODAY,
    )  # fmt: skip
    finance = api_for(people.finance)
    statement = ok(
        finance.post(
            "/api/bank-statements/",
            {"file": statement_file((TODAY, "250000.00", "EUR", "BANK-1"))},
            format="multipart",
        ),
        201,
    )
    line = statement["lines"][0]
    assert (line["status"], line["request"]) == ("unmatched", None)
    unsettled = ok(finance.get("/api/statement-lines/?status=unmatched"))
    assert [row["id"] for row in unsettled["results"]] == [line["id"]]

    url = f"/api/statement-lines/{line['id']}/resolve/"
    refused = post(api_for(people.officer), url, {"note": "n"})
    assert refused.status_code == 403
    unknown = post(finance, url, {"note": "Typo", "request": "DSB-1999-0001"})
    assert unknown.status_code == 400
    resolved = ok(
        post(finance, url, {"note": "Bank truncated the reference",
                            "request": request.case.reference})
    )  # fmt: skip
    assert (resolved["status"], resolved["request"]) == (
        "resolved",
        request.case.reference,
    )
    assert refresh(request).status == DisbursementStatus.RECONCILED
    again = post(finance, url, {"note": "again"})
    assert again.status_code == 409
    assert "already settled" in again.json()["detail"]


# ---------------------------------------------------------------- query budgets

MAX_QUERIES = 20


def grow(people, draft, checker, count):
    """Paid requests (one of them approved by both co-lead states), their
    statement, and adjustments."""
    references = []
    for _ in range(count):
        number = DisbursementRequest.objects.count() + 1
        request = approved(draft("1000.00"), people, checker, approvers=["approver_lv"])
        dsb.disbursement_mark_paid(
            request=request, actor=payer_user(), payment_order=f"PO-{number}",
            bank_reference=f"BANK-{number}", paid_on=TODAY,
        )  # fmt: skip
        references.append(f"BANK-{number}")
        fund.adjustment_request(
            pool=request.commitment.pool, amount_eur=Decimal("1.00"),
            reason=f"Interest {number}", actor=people.finance,
        )  # fmt: skip
    rows = "".join(f"{TODAY},1000.00,EUR,{ref}\n" for ref in references)
    rows += f"{TODAY},3.00,EUR,FEE-{len(references)}\n"
    dsb.statement_import(
        actor=people.finance,
        file_name=f"statement-{references[0]}.csv",
        content=("date,amount,currency,reference\n" + rows).encode(),
    )
    two = checked(draft("1100000.00"), people, checker)
    for approver in (people.approver_lv, people.approver_uk):
        dsb.disbursement_approve(
            request=two, actor=approver, second_factor=proof_for(approver)
        )
    dsb.disbursement_cancel(request=two, actor=people.finance, reason="budget test")


BUDGETED = {
    **READS,
    "disbursements by status": lambda r: f"{URL}?status=reconciled",
    "disbursements searched": lambda r: f"{URL}?search=Drone",
    "ledger entries of a pool": lambda r: "/api/ledger-entries/?pool=unrestricted",
}


def count_queries(client, url):
    # Once before counting: what the cache keeps for a signed-in person, kept.
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, response.content
    return len(queries)


@pytest.mark.parametrize("endpoint", BUDGETED)
def test_query_count_is_bounded_and_flat(
    client, people, draft, checker, fund_records, endpoint
):
    client.force_login(people.finance)
    url = BUDGETED[endpoint](fund_records)

    grow(people, draft, checker, 2)
    small = count_queries(client, url)
    grow(people, draft, checker, 8)
    large = count_queries(client, url)

    assert small <= MAX_QUERIES, f"{endpoint}: {small} queries"
    assert large == small, f"{endpoint}: {small} queries grew to {large}"


def test_a_key_reused_with_another_body_is_refused(api_for, people, commitment):
    api = api_for(people.finance)
    first = post(api, URL, body(commitment, amount="1000.00"), key="k-body")
    assert first.status_code == 201
    again = post(api, URL, body(commitment, amount="1000.00"), key="k-body")
    assert again.status_code == 201
    assert again.json() == first.json()
    other = post(api, URL, body(commitment, amount="2000.00"), key="k-body")
    assert other.status_code == 422
    assert "different request" in other.json()["detail"]
    assert DisbursementRequest.objects.count() == 1


def test_adjustments_and_releases_are_idempotent(api_for, people, commitment,
                                                 unrestricted):  # fmt: skip
    from secretariat.fund.models import Adjustment

    api = api_for(people.finance)
    data = {"pool": unrestricted.code, "amount_eur": "-10.00", "reason": "Bank fee"}
    for _ in range(2):
        response = post(api, "/api/adjustments/", data, key="adj-1")
        assert response.status_code == 201, response.content
    assert Adjustment.objects.count() == 1
    release = f"/api/commitments/{commitment.pk}/release/"
    for _ in range(2):
        response = post(api, release, {"reason": "Contract closed"}, key="rel-1")
        assert response.status_code == 200, response.content
