"""The fund's and the members' lifecycles move through the one transition
routine: commitments, adjustments, bank statement lines and pledges. A move
their table does not allow is refused with its reason where a person meets it
(page, API) and changes nothing; an allowed one writes exactly one
``status_changed`` event saying who, from, to and why."""

from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from members import services as member_services
from members.models import Pledge, PledgeStatus
from secretariat.fund.models import (
    Adjustment,
    AdjustmentStatus,
    Commitment,
    CommitmentStatus,
    LedgerEntry,
    LineStatus,
    StatementLine,
)
from secretariat.fund.services import disbursements as dsb
from secretariat.kernel.exceptions import ConflictError
from secretariat.kernel.models import TimelineEvent
from secretariat.kernel.roles import Role
from secretariat.kernel.services import transition
from tests.conftest import refresh
from tests.factories import UserFactory
from tests.secretariat.fund_fixtures import category, payer_user

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def post(api, path, data=None):
    return api.post(path, data or {}, format="json")


def ok(response, code=200):
    assert response.status_code == code, response.content
    return response.json()


def moves_of(obj):
    """The status_changed events of ``obj``'s own timeline, oldest first."""
    return list(
        TimelineEvent.objects.filter(
            subject_type=ContentType.objects.get_for_model(obj),
            subject_id=obj.pk,
            action="status_changed",
        ).order_by("occurred_at", "id")
    )


def fields_of(event):
    return (event.actor, event.from_status, event.to_status, event.reason)


@pytest.fixture
def second_finance(db):
    return UserFactory(username="second-finance", roles=[Role.FINANCE_OFFICER])


# ---------------------------------------------------------------- the tables


def test_each_table_holds_the_moves_the_services_make():
    assert Commitment.workflow.edges() == [("open", "closed", "Close")]
    assert Commitment.workflow.final() == {"closed"}
    assert Adjustment.workflow.sources(AdjustmentStatus.APPROVED) == {"pending"}
    assert Adjustment.workflow.final() == {"approved", "rejected"}
    # Import classifies a line; resolving an open one is its only move.
    assert StatementLine.workflow.sources(LineStatus.RESOLVED) == {
        "mismatched",
        "unmatched",
    }
    assert StatementLine.workflow.final() == {"matched", "resolved"}
    # Money moves a pledge either way; only one without money is cancelled.
    money = {"pledged", "partly_received", "received"}
    for source in money:
        for target in money - {source}:
            assert Pledge.workflow.allows(source, target), (source, target)
    assert Pledge.workflow.sources(PledgeStatus.CANCELLED) == {"pledged"}
    assert Pledge.workflow.final() == {"cancelled"}


# ---------------------------------------------------------------- adjustments


def test_approving_a_rejected_adjustment_is_refused_and_changes_nothing(
    api_for, people, funded, unrestricted, second_finance
):
    proposed = ok(
        post(api_for(people.finance), "/api/adjustments/",
             {"pool": "unrestricted", "amount_eur": "-250.00",
              "reason": "Bank charges on the March transfer"}),
        201,
    )  # fmt: skip
    url = f"/api/adjustments/{proposed['id']}/decide/"
    decided = ok(post(api_for(second_finance), url, {"approve": False}))
    assert decided["status"] == "rejected"
    adjustment = Adjustment.objects.get(pk=proposed["id"])
    [event] = moves_of(adjustment)
    assert fields_of(event) == (second_finance, "pending", "rejected", "")
    assert event.occurred_at == adjustment.decided_at
    received = refresh(unrestricted).received

    again = post(api_for(people.approver_uk), url, {"approve": True})
    assert again.status_code == 409
    assert again.json()["detail"] == "The adjustment has already been decided."
    adjustment = refresh(adjustment)
    assert adjustment.status == AdjustmentStatus.REJECTED
    assert adjustment.decided_by == second_finance
    assert refresh(unrestricted).received == received
    assert not LedgerEntry.objects.filter(adjustment=adjustment).exists()
    assert len(moves_of(adjustment)) == 1
    # Nobody is offered a decision on it any more.
    body = ok(api_for(people.approver_uk).get(f"/api/adjustments/{adjustment.pk}/"))
    assert body["status"] == "rejected"


def test_the_decision_queue_reads_the_table(people, funded, unrestricted):
    from secretariat.fund.services import ledger as fund
    from secretariat.kernel import policy

    pending = fund.adjustment_request(
        pool=unrestricted, amount_eur=Decimal("10.00"), reason="Interest",
        actor=people.finance,
    )  # fmt: skip
    decided = fund.adjustment_request(
        pool=unrestricted, amount_eur=Decimal("20.00"), reason="Interest",
        actor=people.finance,
    )  # fmt: skip
    fund.adjustment_decide(adjustment=decided, actor=people.approver_lv, approve=True)
    for name in ("adjustment.approve", "adjustment.reject"):
        queue = policy.pending(name, people.approver_uk, Adjustment.objects.all())
        assert list(queue) == [pending]


# ---------------------------------------------------------------- commitments


def test_releasing_closes_a_commitment_once(api_for, people, commitment, unrestricted):
    finance = api_for(people.finance)
    url = f"/api/commitments/{commitment.pk}/release/"
    released = ok(post(finance, url, {"reason": "Lot 1 cancelled"}))
    assert released["status"] == "closed"
    [event] = moves_of(commitment)
    assert fields_of(event) == (people.finance, "open", "closed", "Lot 1 cancelled")
    assert event.description == (
        f"{commitment.reference} closed: EUR 2,000,000.00 released to the pool"
    )
    committed = refresh(unrestricted).committed

    again = post(finance, url, {"reason": "Once more"})
    assert again.status_code == 409
    assert again.json()["detail"] == (
        f"The commitment {commitment.reference} is already closed."
    )
    assert refresh(commitment).released_eur == Decimal("2000000.00")
    assert refresh(unrestricted).committed == committed
    assert len(moves_of(commitment)) == 1


def test_a_release_that_leaves_money_drawn_on_keeps_it_open(
    api_for, people, draft, commitment
):
    dsb.disbursement_submit(request=draft("1500000.00"), actor=people.finance)
    released = ok(
        post(api_for(people.finance), f"/api/commitments/{commitment.pk}/release/",
             {"reason": "Contract reduced"})
    )  # fmt: skip
    assert (released["status"], released["released_eur"]) == ("open", "500000.00")
    assert moves_of(commitment) == []


def test_the_last_payment_closes_the_commitment(people, draft, unrestricted, checker):
    from secretariat.fund.services import ledger as fund

    commitment = fund.commitment_create(
        pool=unrestricted, amount_eur=Decimal("1000.00"), purpose="Spare parts",
        categories=[category("reconnaissance")], actor=people.finance,
    )  # fmt: skip
    request = draft("1000.00", commitment=commitment)
    dsb.disbursement_submit(request=request, actor=people.finance)
    dsb.disbursement_check(request=request, actor=checker)
    dsb.disbursement_approve(request=request, actor=people.approver_lv)
    payer = payer_user()
    dsb.disbursement_mark_paid(
        request=request, actor=payer, payment_order="PO-1",
        bank_reference="BANK-1", paid_on=TODAY,
    )  # fmt: skip
    commitment = refresh(commitment)
    assert commitment.status == CommitmentStatus.CLOSED
    assert commitment.disbursed_eur == Decimal("1000.00")
    [event] = moves_of(commitment)
    assert fields_of(event) == (
        payer,
        "open",
        "closed",
        f"Paid in full by {request.case.reference}",
    )


def test_a_closed_commitment_is_never_reopened(people, commitment):
    from secretariat.fund.services import ledger as fund

    fund.commitment_release(commitment=commitment, actor=people.finance, reason="r")
    with pytest.raises(ConflictError) as refused, transaction.atomic():
        transition(refresh(commitment), to=CommitmentStatus.OPEN, actor=people.finance)
    assert "cannot move from “Closed” to “Open”" in refused.value.message
    assert "Possible next steps: none." in refused.value.message
    assert refresh(commitment).status == CommitmentStatus.CLOSED


# ---------------------------------------------------------------- statement lines


def _statement(*rows):
    lines = ["date,amount,currency,reference", *(",".join(row) for row in rows)]
    return SimpleUploadedFile(
        "march.csv", ("\n".join(lines) + "\n").encode(), content_type="text/csv"
    )


def test_resolving_a_line_is_its_one_move(api_for, people, funded):
    finance = api_for(people.finance)
    statement = ok(
        finance.post(
            "/api/bank-statements/",
            {"file": _statement((str(TODAY), "99.00", "EUR", "UNKNOWN-1"))},
            format="multipart",
        ),
        201,
    )
    line = StatementLine.objects.get(pk=statement["lines"][0]["id"])
    assert line.status == LineStatus.UNMATCHED
    # Classified on import: no move yet.
    assert moves_of(line) == []

    url = f"/api/statement-lines/{line.pk}/resolve/"
    resolved = ok(post(finance, url, {"note": "Refund of a card fee"}))
    assert resolved["status"] == "resolved"
    [event] = moves_of(line)
    assert fields_of(event) == (
        people.finance,
        "unmatched",
        "resolved",
        "Refund of a card fee",
    )

    again = post(finance, url, {"note": "Something else"})
    assert again.status_code == 409
    assert again.json()["detail"] == f"Line {line.line_number} is already settled."
    line = refresh(line)
    assert (line.status, line.note) == ("resolved", "Refund of a card fee")
    assert len(moves_of(line)) == 1


def test_a_matched_line_is_not_resolved(api_for, people, draft, checker):
    request = draft("1000.00")
    dsb.disbursement_submit(request=request, actor=people.finance)
    dsb.disbursement_check(request=request, actor=checker)
    dsb.disbursement_approve(request=request, actor=people.approver_lv)
    dsb.disbursement_mark_paid(
        request=request, actor=payer_user(), payment_order="PO-1",
        bank_reference="BANK-1", paid_on=TODAY,
    )  # fmt: skip
    statement = dsb.statement_import(
        actor=people.finance, file_name="s.csv",
        content=f"date,amount,currency,reference\n{TODAY},1000.00,EUR,BANK-1\n".encode(),
    )  # fmt: skip
    line = statement.lines.get()
    assert line.status == LineStatus.MATCHED
    response = post(
        api_for(people.finance),
        f"/api/statement-lines/{line.pk}/resolve/",
        {"note": "n"},
    )
    assert response.status_code == 409
    assert response.json()["detail"] == f"Line {line.line_number} is already settled."
    assert refresh(line).status == LineStatus.MATCHED
    assert moves_of(line) == []


# ---------------------------------------------------------------- pledges


def _pledge(latvia, people, amount):
    return member_services.pledge_record(
        member_state=latvia, actor=people.officer, year=2026,
        amount=Decimal(amount), currency="EUR",
    )  # fmt: skip


def _receive(api, pledge, amount, reference):
    return ok(
        post(api, "/api/contributions/",
             {"pledge": pledge.pk, "amount": amount, "currency": "EUR",
              "received_on": str(TODAY), "bank_reference": reference}),
        201,
    )  # fmt: skip


def test_cancelling_a_received_pledge_is_refused_on_the_page_and_the_api(
    client, api_for, people, latvia
):
    pledge = _pledge(latvia, people, "100")
    _receive(api_for(people.finance), pledge, "100", "TR-1")
    pledge = refresh(pledge)
    assert pledge.status == PledgeStatus.RECEIVED
    events = TimelineEvent.objects.count()
    reason = "Money has been received against this pledge; it cannot be cancelled."

    client.force_login(people.finance)
    url = reverse("members:pledge_cancel", args=[pledge.pk])
    page = client.get(url)
    assert page.status_code == 409
    assert escape(reason) in page.content.decode()
    posted = client.post(url, {"reason": "Entered twice"})
    assert escape(reason) in posted.content.decode()
    api = post(api_for(people.finance), f"/api/pledges/{pledge.pk}/cancel/",
               {"reason": "Entered twice"})  # fmt: skip
    assert api.status_code == 409
    assert api.json()["detail"] == reason

    pledge = refresh(pledge)
    assert (pledge.status, pledge.cancel_reason) == ("received", "")
    assert TimelineEvent.objects.count() == events


def test_cancelling_a_pledge_is_one_move_on_the_member_page(
    client, api_for, people, latvia
):
    pledge = _pledge(latvia, people, "500")
    cancelled = ok(
        post(api_for(people.officer), f"/api/pledges/{pledge.pk}/cancel/",
             {"reason": "Pledged twice by mistake"})
    )  # fmt: skip
    assert cancelled["status"] == "cancelled"
    [event] = moves_of(pledge)
    assert fields_of(event) == (
        people.officer,
        "pledged",
        "cancelled",
        "Pledged twice by mistake",
    )
    assert event.description == "Pledge of Latvia for 2026: Pledged → Cancelled"
    # Recorded once: no other event of the member state restates it.
    assert not TimelineEvent.objects.filter(action="pledge_cancelled").exists()
    assert refresh(pledge).cancel_reason == "Pledged twice by mistake"
    client.force_login(people.officer)
    page = client.get(latvia.get_absolute_url()).content.decode()
    assert "Pledge of Latvia for 2026: Pledged → Cancelled" in page
    assert "Pledged twice by mistake" in page

    again = post(api_for(people.officer), f"/api/pledges/{pledge.pk}/cancel/",
                 {"reason": "again"})  # fmt: skip
    assert again.status_code == 409
    assert len(moves_of(pledge)) == 1


def test_the_pledge_status_follows_the_money_received_and_reversed(
    api_for, people, latvia, second_finance
):
    finance = api_for(people.finance)
    pledge = _pledge(latvia, people, "1000")
    first = _receive(finance, pledge, "400", "TR-1")
    assert refresh(pledge).status == PledgeStatus.PARTLY_RECEIVED
    _receive(finance, pledge, "100", "TR-2")  # still partly received: no move
    second = _receive(finance, pledge, "500", "TR-3")
    assert refresh(pledge).status == PledgeStatus.RECEIVED

    # The fund reverses the last contribution: an adjustment, approved by a
    # second person, lowers what was received.
    entry = LedgerEntry.objects.get(contribution_id=second["id"])
    proposed = ok(
        post(finance, "/api/adjustments/",
             {"reverses": entry.pk, "reason": "Recorded against the wrong pledge"}),
        201,
    )  # fmt: skip
    ok(
        post(api_for(second_finance), f"/api/adjustments/{proposed['id']}/decide/",
             {"approve": True})
    )  # fmt: skip
    pledge = refresh(pledge)
    assert pledge.status == PledgeStatus.PARTLY_RECEIVED
    assert pledge.received_amount == Decimal("500.00")

    # And the first, down to nothing received.
    entry = LedgerEntry.objects.get(contribution_id=first["id"])
    proposed = ok(
        post(finance, "/api/adjustments/",
             {"reverses": entry.pk, "reason": "Returned to the sender"}),
        201,
    )  # fmt: skip
    ok(
        post(api_for(people.approver_uk), f"/api/adjustments/{proposed['id']}/decide/",
             {"approve": True})
    )  # fmt: skip
    pledge = refresh(pledge)
    assert (pledge.status, pledge.received_amount) == ("partly_received", 100)

    moves = moves_of(pledge)
    assert [(e.actor, e.from_status, e.to_status) for e in moves] == [
        (people.finance, "pledged", "partly_received"),
        (people.finance, "partly_received", "received"),
        (second_finance, "received", "partly_received"),
    ]
    assert moves[0].reason.startswith("Contribution received: EUR 400.00")
    assert moves[1].reason.startswith("Contribution received: EUR 500.00")
    assert moves[2].reason.startswith("Contribution of EUR 500.00 received on")
    assert moves[2].reason.endswith("reversed")
    # Each contribution keeps its own event; none repeats the pledge's move.
    money_events = TimelineEvent.objects.filter(
        action__in=["contribution_recorded", "contribution_reversed"]
    )
    assert money_events.count() == 5
    assert not money_events.exclude(from_status="", to_status="").exists()


def test_reversing_the_only_contribution_returns_the_pledge_to_pledged(
    api_for, people, latvia, second_finance
):
    finance = api_for(people.finance)
    pledge = _pledge(latvia, people, "300")
    received = _receive(finance, pledge, "300", "TR-9")
    assert refresh(pledge).status == PledgeStatus.RECEIVED
    entry = LedgerEntry.objects.get(contribution_id=received["id"])
    proposed = ok(
        post(finance, "/api/adjustments/",
             {"reverses": entry.pk, "reason": "Wrong state"}),
        201,
    )  # fmt: skip
    ok(
        post(api_for(second_finance), f"/api/adjustments/{proposed['id']}/decide/",
             {"approve": True})
    )  # fmt: skip
    pledge = refresh(pledge)
    assert (pledge.status, pledge.received_amount) == ("pledged", 0)
    assert [(e.from_status, e.to_status) for e in moves_of(pledge)] == [
        ("pledged", "received"),
        ("received", "pledged"),
    ]
    # With nothing received any more, it may be cancelled again.
    ok(
        post(api_for(people.officer), f"/api/pledges/{pledge.pk}/cancel/",
             {"reason": "The state withdrew it"})
    )  # fmt: skip
    assert moves_of(pledge)[-1].to_status == "cancelled"
