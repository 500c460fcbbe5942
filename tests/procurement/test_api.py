"""Procurement through the REST API: from Ukraine's requirement to an accepted
delivery and its drafted payment, the refusals (with their messages), and mass
assignment. Sealing, who may do what, and query budgets have files of their own
(test_api_sealing.py, test_api_access.py, test_api_budgets.py)."""

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.utils import timezone

from procurement import services
from procurement.models import (
    TYPED_CRITERIA,
    Award,
    AwardStatus,
    Bid,
    Contract,
    Delivery,
    Manufacturer,
    MemberStanding,
    Requirement,
    Tender,
    TenderStatus,
)
from secretariat.fund.models import Commitment, DisbursementRequest, Pool
from secretariat.kernel.formatting import when_text
from secretariat.kernel.models import IdempotencyKey, TimelineEvent
from secretariat.kernel.roles import Role
from tests.conftest import refresh
from tests.factories import UserFactory
from tests.files import pdf
from tests.procurement.api_helpers import (
    TODAY,
    bid_body,
    in_days,
    iso,
    lot_body,
    ok,
    post,
    refused,
    requirement_body,
    results,
    tender_body,
)
from tests.procurement.helpers import BIC, IBAN, past_deadline, to_tendering
from tests.secretariat.fund_fixtures import receive

pytestmark = pytest.mark.django_db


def test_from_requirement_to_a_drafted_payment_through_the_api(
    people, latvia, bidders, api_for
):
    (maker_lv, rep_lv), (_maker_gb, rep_gb) = bidders
    receive(people, latvia, "1000000.00")
    procurement = api_for(people.procurement)
    lv, gb = api_for(rep_lv), api_for(rep_gb)

    # Ukraine's requirement becomes a draft tender with a lot, then published.
    requirement = ok(post(procurement, "/api/requirements/", requirement_body()), 201)
    assert requirement["reference"] == f"REQ-{requirement['id']:05d}"
    assert requirement["status"] == "open"
    tender = ok(post(procurement, "/api/tenders/", tender_body(requirement["id"])), 201)
    ref = tender["reference"]
    assert ref.startswith("TND-")
    assert tender["status"] == "draft"
    assert tender["sealed"] is True
    lot = ok(post(procurement, f"/api/tenders/{ref}/lots/", lot_body()), 201)
    assert lot["number"] == 1
    published = ok(post(procurement, f"/api/tenders/{ref}/publish/"))
    assert published["status"] == "published"
    assert [lot["id"]] == [each["id"] for each in published["lots"]]
    assert ok(procurement.get(f"/api/requirements/{requirement['id']}/"))["status"] == (
        "in_tender"
    )

    # A bidder asks; the answer is published to all without naming who asked.
    question = ok(
        post(
            gb,
            f"/api/tenders/{ref}/clarifications/",
            {"question": "Is a thermal camera required?"},
        ),
        201,
    )
    pending = ok(procurement.get(f"/api/tenders/{ref}/clarifications/"))
    assert [q["question"] for q in pending] == ["Is a thermal camera required?"]
    assert ok(lv.get(f"/api/tenders/{ref}/clarifications/")) == []  # not answered
    ok(
        post(
            procurement,
            f"/api/tenders/{ref}/clarifications/answer/",
            {"clarification": question["id"], "answer": "Yes, 640x512."},
        )
    )
    response = lv.get(f"/api/tenders/{ref}/clarifications/")
    assert [(q["question"], q["answer"]) for q in response.json()] == [
        ("Is a thermal camera required?", "Yes, 640x512.")
    ]
    assert rep_gb.username not in response.content.decode()
    assert "asked_by" not in response.content.decode()

    # The clarification deadline passes: the periodic task opens tendering.
    tender_row = Tender.objects.get(case__reference=ref)
    services.tenders_advance_by_deadlines(
        now=tender_row.clarification_deadline + dt.timedelta(seconds=1)
    )
    assert ok(lv.get(f"/api/tenders/{ref}/"))["status"] == "tendering"

    # Two representatives bid; one with a document, in a multipart form.
    bid_lv = ok(post(lv, "/api/bids/", bid_body(lot["id"], "1400.00")), 201)
    body = bid_body(lot["id"], "1600.00", documents=[pdf("technical-offer.pdf")])
    body["compliance"] = json.dumps(body["compliance"])
    bid_gb = ok(post(gb, "/api/bids/", body, multipart=True), 201)
    assert bid_gb["manufacturer_name"] == "UK Drones Ltd"
    assert ok(gb.get(f"/api/bids/{bid_gb['id']}/offer/"))["documents"][0]["name"] == (
        "technical-offer.pdf"
    )

    # The deadline passes; the procurement officer opens every bid at once.
    past_deadline(tender_row)
    opened = ok(post(procurement, f"/api/tenders/{ref}/open/"))
    assert opened["status"] == "opened"
    assert opened["sealed"] is False
    assert opened["bids_received"] == 2
    assert opened["lots"][0]["bids_received"] == 2

    # A committee of two: each declares no conflict, knowing the bidders.
    second = UserFactory(username="evaluator-2", roles=[Role.EVALUATOR])
    evaluators = [people.evaluator, second]
    seats = [
        ok(
            post(
                procurement,
                "/api/committee-members/",
                {"tender": ref, "evaluator": evaluator.pk},
            ),
            201,
        )
        for evaluator in evaluators
    ]
    for seat, evaluator in zip(seats, evaluators, strict=True):
        api = api_for(evaluator)
        bidders_seen = ok(api.get(f"/api/committee-members/{seat['id']}/bidders/"))
        assert [b["name"] for b in bidders_seen] == ["SIA Baltic UAV", "UK Drones Ltd"]
        declared = ok(
            post(
                api,
                f"/api/committee-members/{seat['id']}/declare/",
                {"conflict": False},
            )
        )
        assert declared["standing"] == "declared"
        assert sorted(declared["declared_for"]) == sorted(
            [bid_lv["manufacturer"], bid_gb["manufacturer"]]
        )
    ok(post(procurement, f"/api/tenders/{ref}/start-evaluation/"))

    # Each evaluator reads the offers and scores every bid on every criterion.
    marks = {people.evaluator: {"lv": 90, "gb": 70}, second: {"lv": 80, "gb": 60}}
    for seat, evaluator in zip(seats, evaluators, strict=True):
        api = api_for(evaluator)
        readable = results(api.get(f"/api/bids/?tender={ref}"))
        assert {b["id"] for b in readable} == {bid_lv["id"], bid_gb["id"]}
        offer = ok(api.get(f"/api/bids/{bid_lv['id']}/offer/"))
        assert offer["unit_price"] == "1400.00"
        for key, bid in (("lv", bid_lv), ("gb", bid_gb)):
            for criterion in TYPED_CRITERIA:
                ok(
                    post(
                        api,
                        f"/api/committee-members/{seat['id']}/scores/",
                        {
                            "bid": bid["id"],
                            "criterion": criterion,
                            "value": marks[evaluator][key],
                        },
                    ),
                    201,
                )
        submitted = ok(post(api, f"/api/committee-members/{seat['id']}/submit/"))
        assert submitted["scores_submitted_at"]

    ranking = ok(procurement.get(f"/api/tenders/{ref}/ranking/"))
    assert ranking["sheets"] == 2
    assert [(r["manufacturer"], r["total"]) for r in ranking["ranked"]] == [
        ("SIA Baltic UAV", "91.00"),
        ("UK Drones Ltd", "74.00"),
    ]
    assert ranking["ineligible"] == []

    # The award: recommended by the procurement officer, approved by a co-lead.
    award = ok(
        post(
            procurement,
            "/api/awards/",
            {
                "lot": lot["id"],
                "bid": bid_lv["id"],
                "justification": "Highest weighted score (91.00)",
            },
        ),
        201,
    )
    assert award["status"] == "recommended"
    approved = ok(
        post(
            api_for(people.approver_uk),
            f"/api/awards/{award['id']}/approve/",
            {"comment": "Agreed"},
        )
    )
    assert approved["status"] == "approved"
    assert approved["standstill_until"]
    assert ok(procurement.get(f"/api/tenders/{ref}/"))["status"] == "awarded"

    # The standstill passes without complaint; the company gives its account.
    Award.objects.filter(pk=award["id"]).update(
        standstill_until=timezone.now() - dt.timedelta(minutes=1)
    )
    account = ok(
        post(
            lv,
            f"/api/manufacturers/{maker_lv.pk}/bank-account/",
            {"iban": IBAN, "bic": BIC},
        )
    )
    assert account["bank_account_on_record"] is True

    # The contract is signed: its value is committed in the fund.
    contract = ok(
        post(
            procurement,
            "/api/contracts/",
            {
                "award": award["id"],
                "milestones": [
                    {"due_on": "2027-01-15", "quantity": 150},
                    {"due_on": "2027-02-15", "quantity": 100},
                ],
            },
        ),
        201,
    )
    assert contract["unit_price"] == "1400.00"
    assert contract["value_eur"] == "350000.00"
    assert [m["amount_eur"] for m in contract["milestones"]] == [
        "210000.00",
        "140000.00",
    ]
    commitment = next(
        c
        for c in results(api_for(people.finance).get("/api/commitments/"))
        if c["reference"] == contract["commitment"]
    )
    assert commitment["amount_eur"] == "350000.00"
    assert Pool.objects.get(code="unrestricted").committed == Decimal("350000.00")
    assert ok(procurement.get(f"/api/tenders/{ref}/"))["status"] == "contracted"

    # The maker reports a delivery; it is tested and accepted.
    milestone = contract["milestones"][0]
    delivery = ok(
        post(
            lv,
            "/api/deliveries/",
            {
                "contract": contract["id"],
                "milestone": milestone["id"],
                "quantity": 150,
                "note": "Delivered to the Sēlia training ground",
            },
        ),
        201,
    )
    assert delivery["status"] == "reported"
    decided = ok(
        post(
            procurement,
            f"/api/deliveries/{delivery['id']}/decide/",
            {
                "quantity_accepted": 140,
                "test_site": "Sēlia military training ground",
                "tested_on": str(TODAY),
                "note": "10 units failed the jamming test",
                "report": pdf("acceptance.pdf"),
            },
            multipart=True,
        )
    )
    assert decided["status"] == "accepted"
    assert decided["quantity_accepted"] == 140
    assert decided["report"] is not None

    # A disbursement request is drafted for the accepted units, in the fund API.
    payment = ok(
        api_for(people.finance).get(f"/api/disbursements/{decided['disbursement']}/")
    )
    assert payment["status"] == "draft"
    assert payment["amount"] == "196000.00"  # 140 x 1,400.00
    assert payment["currency"] == "EUR"
    assert payment["commitment_reference"] == contract["commitment"]
    assert payment["payee_iban"] == IBAN
    assert "milestone 1: 140 units accepted" in payment["purpose"]
    # The maker sees their delivery and its payment reference, not the fund.
    assert (
        ok(lv.get(f"/api/deliveries/{delivery['id']}/"))["disbursement"]
        == (decided["disbursement"])
    )
    assert lv.get(f"/api/disbursements/{decided['disbursement']}/").status_code == 403


def test_writes_are_idempotent_with_a_key(people, api_for):
    procurement = api_for(people.procurement)
    first = post(procurement, "/api/requirements/", requirement_body(), key="req-1")
    again = post(procurement, "/api/requirements/", requirement_body(), key="req-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Requirement.objects.count() == 1
    other = post(
        procurement, "/api/requirements/", requirement_body(quantity=9), key="req-1"
    )
    refused(other, 422, "already used for a different request")
    assert IdempotencyKey.objects.filter(key="req-1").count() == 1


# ---------------------------------------------------------------- refusals


def test_a_late_bid_is_refused_with_the_deadline(people, bidders, tender, api_for):
    (_maker, rep), _ = bidders
    tender = past_deadline(to_tendering(tender, people))
    response = post(api_for(rep), "/api/bids/", bid_body(tender.lots.get().pk))
    body = refused(response, 409, "are accepted while tendering is open, until")
    assert tender.case.reference in body["detail"]
    assert when_text(tender.submission_deadline) in (body["detail"])
    assert not Bid.objects.exists()


def test_an_ineligible_manufacturer_is_refused(people, bidders, tender, api_for):
    (maker, rep), _ = bidders
    ok(
        post(
            api_for(people.procurement),
            f"/api/manufacturers/{maker.pk}/vet/",
            {"to_status": "suspended", "reason": "Export licence lapsed"},
        )
    )
    tender = to_tendering(tender, people)
    response = post(api_for(rep), "/api/bids/", bid_body(tender.lots.get().pk))
    refused(response, 409, "SIA Baltic UAV is not vetted (Suspended).")
    assert not Bid.objects.exists()


def test_an_excluded_component_origin_is_refused(people, bidders, tender, api_for):
    (maker, rep), _ = bidders
    ok(
        post(
            api_for(rep),
            f"/api/manufacturers/{maker.pk}/supply-chain/",
            {"origins": {"motors": "ru"}},
        )
    )
    tender = to_tendering(tender, people)
    response = post(api_for(rep), "/api/bids/", bid_body(tender.lots.get().pk))
    refused(response, 409, "This tender excludes components from")


def test_an_offer_above_the_maximum_is_refused(people, bidders, tender, api_for):
    (_maker, rep), _ = bidders
    tender = to_tendering(tender, people)
    response = post(
        api_for(rep), "/api/bids/", bid_body(tender.lots.get().pk, "2000.01")
    )
    body = refused(response, 400, "above the lot's maximum of EUR 2,000.00")
    assert body["field"] == "unit_price"


@pytest.fixture
def opened(people, bidders, tender):
    """Two bids, opened, and a committee of two appointed."""
    from tests.procurement.helpers import bid

    (_m1, rep_lv), (_m2, rep_gb) = bidders
    tender = to_tendering(tender, people)
    bids = {"lv": bid(rep_lv, tender, price="1400.00"),
            "gb": bid(rep_gb, tender, price="1600.00")}  # fmt: skip
    tender = past_deadline(tender)
    services.tender_open(tender=tender, actor=people.procurement)
    second = UserFactory(username="evaluator-2", roles=[Role.EVALUATOR])
    seats = [
        services.committee_appoint(
            tender=tender, actor=people.procurement, evaluator=evaluator
        )
        for evaluator in (people.evaluator, second)
    ]
    return refresh(tender), {k: refresh(v) for k, v in bids.items()}, seats


def test_a_conflict_of_interest_removes_the_evaluator(people, opened, api_for):
    tender, bids, seats = opened
    conflicted = seats[1].evaluator
    api = api_for(conflicted)
    url = f"/api/committee-members/{seats[1].pk}/"
    refused(
        post(api, f"{url}declare/", {"conflict": True}),
        400,
        "Describe the conflict of interest.",
    )
    recused = ok(
        post(
            api,
            f"{url}declare/",
            {"conflict": True, "note": "My brother works at UK Drones Ltd"},
        )
    )
    assert recused["standing"] == MemberStanding.RECUSED
    refused(post(api, f"{url}declare/", {"conflict": False}), 409, "already declared")
    # The recused evaluator reads no bid, and may not score.
    assert api.get(f"/api/bids/{bids['lv'].public_id}/offer/").status_code == 404
    assert results(api.get("/api/bids/")) == []
    ok(
        post(
            api_for(people.evaluator),
            f"/api/committee-members/{seats[0].pk}/declare/",
            {"conflict": False},
        )
    )
    ok(
        post(
            api_for(people.procurement),
            f"/api/tenders/{tender.case.reference}/start-evaluation/",
        )
    )
    refused(
        post(
            api,
            f"{url}scores/",
            {"bid": str(bids["lv"].public_id), "criterion": "technical", "value": 50},
        ),
        403,
        "You declared a conflict of interest with a bidder of",
    )


def test_no_evaluation_without_a_declared_evaluator(people, opened, api_for):
    tender, _bids, _seats = opened
    response = post(
        api_for(people.procurement),
        f"/api/tenders/{tender.case.reference}/start-evaluation/",
    )
    refused(response, 409, "At least one evaluator must have declared no conflict")


def test_scores_are_independent_until_submitted(people, opened, api_for):
    tender, bids, seats = opened
    apis = [api_for(seat.evaluator) for seat in seats]
    for api, seat in zip(apis, seats, strict=True):
        ok(post(api, f"/api/committee-members/{seat.pk}/declare/", {"conflict": False}))
    ok(
        post(
            api_for(people.procurement),
            f"/api/tenders/{tender.case.reference}/start-evaluation/",
        )
    )

    def score(api, seat, value, bid="lv", criterion="technical"):
        return post(
            api,
            f"/api/committee-members/{seat.pk}/scores/",
            {"bid": str(bids[bid].public_id), "criterion": criterion, "value": value},
        )

    for api, seat, value in zip(apis, seats, (80, 40), strict=True):
        for key in bids:
            for criterion in TYPED_CRITERIA:
                ok(score(api, seat, value, key, criterion), 201)

    def seen_by(api, seat):
        scores = ok(api.get(f"/api/committee-members/{seat.pk}/scores/"))
        return {(s["evaluator"], s["value"]) for s in scores}

    first, second = (seat.evaluator.pk for seat in seats)
    # Before submitting, each sees only their own scores.
    assert seen_by(apis[0], seats[0]) == {(first, 80)}
    assert seen_by(apis[1], seats[1]) == {(second, 40)}
    # Nobody reads another evaluator's seat.
    assert apis[0].get(f"/api/committee-members/{seats[1].pk}/scores/").status_code == (
        404
    )
    # Staff see no sheet until one is submitted; the ranking waits for scores.
    staff = api_for(people.procurement)
    assert ok(staff.get(f"/api/committee-members/{seats[0].pk}/scores/")) == []
    ok(post(apis[0], f"/api/committee-members/{seats[0].pk}/submit/"))
    # A submitted sheet no longer changes, and the other's is still unseen.
    refused(score(apis[0], seats[0], 10), 409, "can no longer change")
    assert seen_by(apis[0], seats[0]) == {(first, 80)}
    assert seen_by(apis[1], seats[1]) == {(second, 40)}
    ok(post(apis[1], f"/api/committee-members/{seats[1].pk}/submit/"))
    assert seen_by(apis[0], seats[0]) == {(first, 80), (second, 40)}
    # Evaluators do not read the ranking; staff do.
    assert apis[0].get(
        f"/api/tenders/{tender.case.reference}/ranking/"
    ).status_code == (403)
    assert (
        ok(staff.get(f"/api/tenders/{tender.case.reference}/ranking/"))["sheets"] == 2
    )


def test_an_incomplete_scoresheet_is_refused(people, opened, api_for):
    tender, bids, seats = opened
    api = api_for(people.evaluator)
    ok(post(api, f"/api/committee-members/{seats[0].pk}/declare/", {"conflict": False}))
    ok(
        post(
            api_for(people.procurement),
            f"/api/tenders/{tender.case.reference}/start-evaluation/",
        )
    )
    ok(
        post(
            api,
            f"/api/committee-members/{seats[0].pk}/scores/",
            {"bid": str(bids["lv"].public_id), "criterion": "technical", "value": 70},
        ),
        201,
    )
    refused(
        post(
            api,
            f"/api/committee-members/{seats[0].pk}/scores/",
            {"bid": str(bids["lv"].public_id), "criterion": "technical", "value": 101},
        ),
        400,
        "A score is a whole number from 0 to 100.",
    )
    refused(
        post(api, f"/api/committee-members/{seats[0].pk}/submit/"),
        409,
        "Score every eligible bid on every criterion first (1 of 8).",
    )


def test_the_ranking_waits_for_the_evaluation(people, opened, api_for):
    tender, _bids, _seats = opened
    response = api_for(people.procurement).get(
        f"/api/tenders/{tender.case.reference}/ranking/"
    )
    refused(response, 409, "The ranking is shown once the evaluation has started.")


def test_a_pending_complaint_blocks_the_contract(people, latvia, evaluated, api_for):
    _tender, bids, rep_gb = evaluated
    receive(people, latvia, "1000000.00")
    procurement = api_for(people.procurement)
    award = ok(
        post(
            procurement,
            "/api/awards/",
            {
                "lot": bids["lv"].lot_id,
                "bid": str(bids["lv"].public_id),
                "justification": "Best",
            },
        ),
        201,
    )
    ok(post(api_for(people.approver_lv), f"/api/awards/{award['id']}/approve/"))
    complaint = ok(
        post(
            api_for(rep_gb),
            "/api/complaints/",
            {"award": award["id"], "text": "Our delivery time was scored too low."},
        ),
        201,
    )
    assert complaint["status"] == "pending"
    Award.objects.filter(pk=award["id"]).update(
        standstill_until=timezone.now() - dt.timedelta(minutes=1)
    )
    milestones = [{"due_on": "2027-01-15", "quantity": 250}]
    body = {"award": award["id"], "milestones": milestones}
    refused(
        post(procurement, "/api/contracts/", body),
        409,
        "A complaint against the award is pending.",
    )
    assert not Contract.objects.exists()
    assert not Commitment.objects.exists()
    decided = ok(
        post(
            procurement,
            f"/api/complaints/{complaint['id']}/decide/",
            {"uphold": False, "decision": "Scores follow the published method."},
        )
    )
    assert decided["status"] == "dismissed"
    ok(post(procurement, "/api/contracts/", body), 201)


def test_a_complaint_decision_needs_an_explicit_choice(people, evaluated, api_for):
    _tender, bids, rep_gb = evaluated
    award = services.award_recommend(
        lot=bids["lv"].lot, bid=bids["lv"], actor=people.procurement,
        justification="Best",
    )  # fmt: skip
    services.award_approve(award=award, actor=people.approver_lv)
    complaint = services.complaint_file(award=award, actor=rep_gb, text="Unfair")
    response = post(
        api_for(people.procurement),
        f"/api/complaints/{complaint.pk}/decide/",
        {"decision": "Not said whether upheld"},
        multipart=True,
    )
    refused(response, 400, "uphold")
    assert refresh(complaint).status == "pending"


def test_no_contract_during_the_standstill(people, latvia, evaluated, api_for):
    _tender, bids, _rep_gb = evaluated
    receive(people, latvia, "1000000.00")
    award = services.award_recommend(
        lot=bids["lv"].lot, bid=bids["lv"], actor=people.procurement,
        justification="Best",
    )  # fmt: skip
    services.award_approve(award=award, actor=people.approver_lv)
    response = post(
        api_for(people.procurement),
        "/api/contracts/",
        {"award": award.pk, "milestones": [{"due_on": "2027-01-15", "quantity": 250}]},
    )
    refused(response, 409, "The standstill period runs until")


def test_the_recommender_never_approves(people, evaluated, api_for):
    _tender, bids, _rep = evaluated
    both = UserFactory(
        username="both", roles=[Role.PROCUREMENT_OFFICER, Role.CO_LEAD_APPROVER],
        member_state=people.approver_lv.member_state,
    )  # fmt: skip
    api = api_for(both)
    award = ok(
        post(
            api,
            "/api/awards/",
            {
                "lot": bids["lv"].lot_id,
                "bid": str(bids["lv"].public_id),
                "justification": "Best",
            },
        ),
        201,
    )
    # Who the person is (separation of duties), not the award's state: 403.
    refused(
        post(api, f"/api/awards/{award['id']}/approve/"),
        403,
        "You recommended this award; another person must approve it.",
    )
    assert Award.objects.get().status == AwardStatus.RECOMMENDED


def test_a_lethal_lot_is_refused_in_the_non_lethal_pool(people, api_for):
    procurement = api_for(people.procurement)
    requirement = ok(
        post(
            procurement,
            "/api/requirements/",
            requirement_body(title="Strike drones", capability="strike"),
        ),
        201,
    )
    tender = ok(
        post(
            procurement,
            "/api/tenders/",
            tender_body(requirement["id"], title="Strike", pool="non-lethal"),
        ),
        201,
    )
    response = post(
        procurement,
        f"/api/tenders/{tender['reference']}/lots/",
        lot_body(title="Strike drones", capability="strike"),
    )
    body = refused(response, 400, "cannot pay for lethal capabilities")
    assert body["field"] == "capability"
    assert not Tender.objects.get().lots.exists()


def test_weights_and_deadlines_are_checked_by_the_service(people, tender, api_for):
    procurement = api_for(people.procurement)
    requirement = services.requirement_record(
        actor=people.procurement, title="More", capability=tender.lots.get().capability,
        quantity=5, specification="s", priority="low",
        needed_by=TODAY + dt.timedelta(days=90),
    )  # fmt: skip
    weights = {"price": 50, "technical": 30, "delivery": 10, "tests": 10,
               "supply_chain": 10}  # fmt: skip
    refused(
        post(
            procurement,
            "/api/tenders/",
            tender_body(requirement.pk, weights=weights),
        ),
        400,
        "The weights add up to 110; they must add up to 100.",
    )
    refused(
        post(
            procurement,
            "/api/tenders/",
            tender_body(
                requirement.pk,
                clarification_deadline=iso(in_days(10)),
                submission_deadline=iso(in_days(5)),
            ),
        ),
        400,
        "The clarification deadline must be in the future",
    )


def test_publishing_without_lots_and_opening_before_the_deadline(
    people, bidders, tender, api_for
):
    procurement = api_for(people.procurement)
    requirement = ok(post(procurement, "/api/requirements/", requirement_body()), 201)
    empty = ok(post(procurement, "/api/tenders/", tender_body(requirement["id"])), 201)
    refused(
        post(procurement, f"/api/tenders/{empty['reference']}/publish/"),
        409,
        "Add at least one lot before publishing.",
    )
    tender = to_tendering(tender, people)
    refused(
        post(procurement, f"/api/tenders/{tender.case.reference}/open/"),
        409,
        "Bids are open for submission until",
    )
    refused(
        post(procurement, f"/api/tenders/{tender.case.reference}/lots/", lot_body()),
        409,
        "Lots are added while the tender is a draft.",
    )


def test_an_amendment_moves_the_deadline_and_a_cancellation_needs_a_reason(
    people, tender, api_for, settings
):
    procurement = api_for(people.procurement)
    ref = tender.case.reference
    services.tender_publish(tender=tender, actor=people.procurement)
    Tender.objects.filter(pk=tender.pk).update(submission_deadline=in_days(6))
    amended = ok(
        post(
            procurement,
            f"/api/tenders/{ref}/amend/",
            {"reason": "Thermal cameras", "description": "Lot 1: thermal quadcopters"},
        )
    )
    assert amended["description"] == "Lot 1: thermal quadcopters"
    minimum = in_days(settings.TENDER_AMENDMENT_MIN_DAYS) - dt.timedelta(seconds=5)
    assert refresh(tender).submission_deadline >= minimum
    refused(post(procurement, f"/api/tenders/{ref}/cancel/", {"reason": ""}), 400)
    cancelled = ok(
        post(procurement, f"/api/tenders/{ref}/cancel/", {"reason": "Need changed"})
    )
    assert cancelled["status"] == TenderStatus.CANCELLED
    assert refresh(tender.requirements.get()).status == "open"


def test_a_delivery_beyond_the_milestone_is_refused(people, contract, api_for):
    contract, rep = contract
    milestone = contract.milestones.get(number=1)
    response = post(
        api_for(rep),
        "/api/deliveries/",
        {"contract": contract.pk, "milestone": milestone.pk, "quantity": 151},
    )
    body = refused(response, 400, "Milestone 1 has 150 units left to deliver.")
    assert body["field"] == "quantity"
    assert not Delivery.objects.exists()


# ---------------------------------------------------------------- mass assignment


def test_workflow_fields_cannot_be_set_by_the_caller(people, latvia, bidders,
                                                     tender, api_for):  # fmt: skip
    (maker_lv, rep_lv), (maker_gb, rep_gb) = bidders
    procurement = api_for(people.procurement)

    requirement = ok(
        post(
            procurement,
            "/api/requirements/",
            requirement_body(status="fulfilled", recorded_by=people.admin.pk, id=999),
        ),
        201,
    )
    assert requirement["status"] == "open"
    assert requirement["recorded_by"] == people.procurement.pk
    assert requirement["id"] != 999

    nominated = ok(
        post(
            api_for(people.liaison_lv),
            "/api/manufacturers/",
            {
                "member_state": "lv", "name": "SIA Jauns", "registration_number": "LV7",
                "contact_name": "C", "contact_email": "c@x.example",
                "vetting_status": "vetted", "iban": "LV00FAKE", "nominated_by": 1,
            },
        ),
        201,
    )  # fmt: skip
    made = Manufacturer.objects.get(pk=nominated["id"])
    assert made.vetting_status == "applied"
    assert made.iban == ""
    assert made.nominated_by == people.liaison_lv

    drafted = ok(
        post(
            procurement,
            "/api/tenders/",
            tender_body(
                requirement["id"], status="opened", opened_at=iso(timezone.now()),
                published_at=iso(timezone.now()), reference="TND-1999-0001",
            ),
        ),
        201,
    )  # fmt: skip
    assert drafted["status"] == "draft"
    assert drafted["opened_at"] is None
    assert drafted["published_at"] is None
    assert drafted["reference"] != "TND-1999-0001"

    tender = to_tendering(tender, people)
    submitted = ok(
        post(
            api_for(rep_lv),
            "/api/bids/",
            bid_body(
                tender.lots.get().pk, manufacturer=maker_gb.pk, status="withdrawn",
                eligible=True, sealed="plain", submitted_by=rep_gb.pk,
            ),
        ),
        201,
    )  # fmt: skip
    bid = Bid.objects.get(public_id=submitted["id"])
    assert bid.manufacturer == maker_lv
    assert bid.status == "submitted"
    assert bid.eligible is None
    assert bid.submitted_by == rep_lv
    assert bytes(bid.sealed).startswith(b"gAAAA")

    # After opening: an award cannot be approved by recommending it so, and a
    # contract's price is the offer's, whatever is sent.
    receive(people, latvia, "1000000.00")
    from tests.procurement.helpers import bid as sealed_bid

    sealed_bid(rep_gb, tender, price="1600.00")
    services.tender_open(tender=past_deadline(tender), actor=people.procurement)
    seat = services.committee_appoint(
        tender=tender, actor=people.procurement, evaluator=people.evaluator
    )
    services.committee_declare(member=seat, actor=people.evaluator, conflict=False)
    services.tender_start_evaluation(tender=tender, actor=people.procurement)
    for each in Bid.objects.all():
        for criterion in TYPED_CRITERIA:
            services.score_record(
                member=seat, actor=people.evaluator, bid=each, criterion=criterion,
                value=80,
            )  # fmt: skip
    services.scoresheet_submit(member=seat, actor=people.evaluator)
    award = ok(
        post(
            procurement,
            "/api/awards/",
            {
                "lot": bid.lot_id, "bid": str(bid.public_id), "justification": "Best",
                "status": "approved", "approved_by": people.approver_uk.pk,
                "standstill_until": iso(timezone.now()),
            },
        ),
        201,
    )  # fmt: skip
    assert award["status"] == "recommended"
    assert award["approved_by"] is None
    assert award["standstill_until"] is None
    services.award_approve(award=Award.objects.get(), actor=people.approver_uk)
    Award.objects.update(standstill_until=timezone.now() - dt.timedelta(minutes=1))
    contract = ok(
        post(
            procurement,
            "/api/contracts/",
            {
                "award": award["id"], "unit_price": "1.00", "value_eur": "1.00",
                "quantity": 1, "manufacturer": maker_gb.pk,
                "milestones": [{"due_on": "2027-01-15", "quantity": 250,
                                "amount_eur": "1.00"}],
            },
        ),
        201,
    )  # fmt: skip
    assert contract["unit_price"] == "1400.00"
    assert contract["value_eur"] == "350000.00"
    assert contract["manufacturer"] == maker_lv.pk
    assert contract["milestones"][0]["amount_eur"] == "350000.00"

    services.manufacturer_bank_account_set(
        manufacturer=maker_lv, actor=rep_lv, iban=IBAN, bic=BIC
    )
    reported = ok(
        post(
            api_for(rep_lv),
            "/api/deliveries/",
            {
                "contract": contract["id"],
                "milestone": contract["milestones"][0]["id"],
                "quantity": 10, "status": "accepted", "quantity_accepted": 10,
            },
        ),
        201,
    )  # fmt: skip
    assert reported["status"] == "reported"
    assert reported["quantity_accepted"] == 0
    assert reported["disbursement"] is None
    assert not DisbursementRequest.objects.exists()
    assert TimelineEvent.objects.filter(action="delivery_reported").count() == 1
