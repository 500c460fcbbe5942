"""Evaluation: conflict-of-interest declarations before any bid is shown,
independent scores, and the weighted ranking with ineligible bids listed."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from procurement import selectors, services
from procurement.models import TYPED_CRITERIA, MemberStanding, TenderStatus
from secretariat.kernel.exceptions import ApplicationError, ConflictError
from secretariat.kernel.roles import Role
from tests.conftest import refresh
from tests.factories import UserFactory
from tests.procurement.helpers import (
    bid,
    make_manufacturer,
    past_deadline,
    to_tendering,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def opened(people, bidders, tender, latvia):
    """Two bids; the third bidder was suspended after bidding and is ineligible."""
    (_m1, rep_lv), (_m2, rep_gb) = bidders
    late_maker, rep_x = make_manufacturer(people, latvia, "SIA Suspended", "LV9")
    tender = to_tendering(tender, people)
    bids = {
        "lv": bid(rep_lv, tender, price="1400.00"),
        "gb": bid(rep_gb, tender, price="1600.00"),
        "x": bid(rep_x, tender, price="1000.00"),
    }
    services.manufacturer_vet(
        manufacturer=late_maker, actor=people.procurement, to_status="suspended",
        reason="Export licence revoked",
    )  # fmt: skip
    tender = past_deadline(tender)
    services.tender_open(tender=tender, actor=people.procurement)
    return refresh(tender), {k: refresh(v) for k, v in bids.items()}


@pytest.fixture
def committee(people, opened):
    tender, _bids = opened
    second = UserFactory(username="evaluator-2", roles=[Role.EVALUATOR])
    return [
        services.committee_appoint(
            tender=tender, actor=people.procurement, evaluator=evaluator
        )
        for evaluator in (people.evaluator, second)
    ]


def test_ineligible_bids_are_decided_at_opening(opened):
    _tender, bids = opened
    assert bids["lv"].eligible and bids["gb"].eligible
    assert bids["x"].eligible is False
    assert "is not vetted" in bids["x"].ineligible_reason


def test_bids_are_shown_to_an_evaluator_only_after_the_declaration(
    people, opened, committee
):
    _tender, bids = opened
    with pytest.raises(PermissionDenied, match="after they declare no conflict"):
        services.bid_offer(bids["lv"], user=people.evaluator)
    services.committee_declare(
        member=committee[0], actor=people.evaluator, conflict=False
    )
    assert services.bid_offer(bids["lv"], user=people.evaluator)["unit_price"] == (
        "1400.00"
    )
    assert sorted(refresh(committee[0]).declared_for) == sorted(
        {b.manufacturer_id for b in bids.values()}
    )


def test_a_declared_conflict_removes_the_evaluator(people, opened, committee):
    tender, bids = opened
    evaluator = committee[1].evaluator
    with pytest.raises(ApplicationError, match="Describe the conflict"):
        services.committee_declare(member=committee[1], actor=evaluator, conflict=True)
    services.committee_declare(
        member=committee[1], actor=evaluator, conflict=True,
        note="My brother works at UK Drones Ltd",
    )  # fmt: skip
    assert refresh(committee[1]).standing == MemberStanding.RECUSED
    with pytest.raises(PermissionDenied):
        services.bid_offer(bids["lv"], user=evaluator)
    services.committee_declare(
        member=committee[0], actor=people.evaluator, conflict=False
    )
    services.tender_start_evaluation(tender=tender, actor=people.procurement)
    # A conflict of interest is who the evaluator is (403), with the reason.
    with pytest.raises(PermissionDenied, match="declared a conflict of interest"):
        services.score_record(
            member=committee[1], actor=evaluator, bid=bids["lv"], criterion="technical",
            value=50,
        )  # fmt: skip


def test_declarations_wait_for_the_opening(people, bidders, tender):
    tender = to_tendering(tender, people)
    member = services.committee_appoint(
        tender=tender, actor=people.procurement, evaluator=people.evaluator
    )
    with pytest.raises(ConflictError, match="once the bids are opened"):
        services.committee_declare(
            member=member, actor=people.evaluator, conflict=False
        )


def _score_all(member, actor, bids, values):
    for key, by_criterion in values.items():
        for criterion in TYPED_CRITERIA:
            services.score_record(
                member=member, actor=actor, bid=bids[key], criterion=criterion,
                value=by_criterion[criterion],
            )  # fmt: skip


def test_independent_scores_and_the_weighted_ranking(
    people, opened, committee, django_assert_num_queries
):
    tender, bids = opened
    evaluators = [m.evaluator for m in committee]
    for member, evaluator in zip(committee, evaluators, strict=True):
        services.committee_declare(member=member, actor=evaluator, conflict=False)
    services.tender_start_evaluation(tender=tender, actor=people.procurement)
    assert refresh(tender).status == TenderStatus.EVALUATION

    with pytest.raises(ConflictError, match="Ineligible or withdrawn"):
        services.score_record(
            member=committee[0], actor=evaluators[0], bid=bids["x"],
            criterion="technical", value=90,
        )  # fmt: skip
    first = {
        "lv": dict.fromkeys(TYPED_CRITERIA, 80),
        "gb": dict.fromkeys(TYPED_CRITERIA, 60),
    }
    second = {
        "lv": dict.fromkeys(TYPED_CRITERIA, 60),
        "gb": dict.fromkeys(TYPED_CRITERIA, 100),
    }
    _score_all(committee[0], evaluators[0], bids, first)
    _score_all(committee[1], evaluators[1], bids, second)

    # Before submitting, each evaluator sees only their own scores.
    assert {
        s.member_id for s in selectors.scores_visible_to(evaluators[0], tender)
    } == {committee[0].pk}
    services.scoresheet_submit(member=committee[0], actor=evaluators[0])
    # Only submitted sheets are ranked: the second evaluator's scores are not yet.
    # Price (40%) is the formula's: the lowest eligible price (1,400, not the
    # ineligible 1,000) scores 100, 1,600 scores 87.50.
    assert [
        (r.bid.manufacturer.name, r.total) for r in selectors.ranking(tender).ranked
    ] == [("SIA Baltic UAV", Decimal("88.00")), ("UK Drones Ltd", Decimal("71.00"))]
    # Evaluator 1 now sees every submitted sheet, but evaluator 2's is not yet.
    assert {
        s.member_id for s in selectors.scores_visible_to(evaluators[0], tender)
    } == {committee[0].pk}
    assert {
        s.member_id for s in selectors.scores_visible_to(evaluators[1], tender)
    } == {committee[1].pk}
    with pytest.raises(ConflictError, match="can no longer change"):
        services.score_record(
            member=committee[0], actor=evaluators[0], bid=bids["lv"],
            criterion="technical", value=10,
        )  # fmt: skip
    services.scoresheet_submit(member=committee[1], actor=evaluators[1])
    visible = selectors.scores_visible_to(evaluators[0], tender)
    assert {s.member_id for s in visible} == {committee[0].pk, committee[1].pk}

    result = selectors.ranking(tender)
    assert result.sheets == 2
    assert [(r.bid.manufacturer.name, r.total) for r in result.ranked] == [
        ("UK Drones Ltd", Decimal("83.00")),
        ("SIA Baltic UAV", Decimal("82.00")),
    ]
    assert [b.manufacturer.name for b in result.ineligible] == ["SIA Suspended"]
    lot = bids["lv"].lot
    assert result.per_lot == {lot.number: 2}

    # The tender's page keeps the leaders of each lot and counts the others. The
    # ranking computed above is kept until another sheet is submitted: the
    # sheets counted and the bids shown are read, not the scores.
    with django_assert_num_queries(2):
        leaders = selectors.ranking(tender, leaders=1)
    assert [(r.bid.manufacturer.name, r.total) for r in leaders.ranked] == [
        ("UK Drones Ltd", Decimal("83.00"))
    ]
    assert leaders.per_lot == {lot.number: 2}
    assert [b.manufacturer.name for b in leaders.ineligible] == ["SIA Suspended"]
    # A lot's recommendation ranks that lot alone.
    assert [
        (r.bid.manufacturer.name, r.total)
        for r in selectors.ranking(tender, lot=lot).ranked
    ] == [("UK Drones Ltd", Decimal("83.00")), ("SIA Baltic UAV", Decimal("82.00"))]


def test_a_scoresheet_must_be_complete(people, opened, committee):
    tender, bids = opened
    services.committee_declare(
        member=committee[0], actor=people.evaluator, conflict=False
    )
    services.tender_start_evaluation(tender=tender, actor=people.procurement)
    services.score_record(
        member=committee[0], actor=people.evaluator, bid=bids["lv"],
        criterion="technical", value=70,
    )  # fmt: skip
    with pytest.raises(ConflictError, match="1 of 8"):
        services.scoresheet_submit(member=committee[0], actor=people.evaluator)


def test_only_the_evaluator_scores_for_themselves(people, opened, committee):
    tender, bids = opened
    services.committee_declare(
        member=committee[0], actor=people.evaluator, conflict=False
    )
    services.tender_start_evaluation(tender=tender, actor=people.procurement)
    with pytest.raises(PermissionDenied):
        services.score_record(
            member=committee[0], actor=people.procurement, bid=bids["lv"],
            criterion="technical", value=70,
        )  # fmt: skip
    with pytest.raises(ApplicationError, match="from 0 to 100"):
        services.score_record(
            member=committee[0], actor=people.evaluator, bid=bids["lv"],
            criterion="technical", value=101,
        )  # fmt: skip
