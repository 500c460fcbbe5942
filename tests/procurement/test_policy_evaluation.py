"""One rule per action for bids and the evaluation: the policy's answer, the
service's outcome, the page and the API's ``allowed_actions`` agree."""

import pytest
from django.core.exceptions import PermissionDenied

from procurement import selectors, services
from procurement.models import TYPED_CRITERIA, Bid, CommitteeMember
from secretariat.kernel import policy
from secretariat.kernel.exceptions import ConflictError
from secretariat.kernel.roles import Role
from tests.conftest import refresh
from tests.factories import UserFactory
from tests.procurement.api_helpers import bid_body, post, refused
from tests.procurement.helpers import bid, past_deadline, to_tendering
from tests.procurement.web import bid_form, html_of, score_form, tender_url, url

pytestmark = pytest.mark.django_db

SEAT_ACTIONS = ["committee.declare", "scoresheet.score", "scoresheet.submit"]


@pytest.fixture
def tendering(people, bidders, tender):
    return to_tendering(tender, people)


@pytest.fixture
def administrators(people):
    """A superuser and an administrator who is not one: neither bids nor
    scores, whatever groups Django's own checks would let through."""
    return [people.admin, UserFactory(username="adm", roles=[Role.ADMINISTRATOR])]


@pytest.fixture
def evaluation(people, bidders, tender):
    """An opened tender in evaluation with two bids: ``declared`` may score,
    ``recused`` declared a conflict, ``appointed`` has not declared yet."""
    (_m1, rep_lv), (_m2, rep_gb) = bidders
    tender = to_tendering(tender, people)
    bids = [bid(rep_lv, tender, price="1400.00"), bid(rep_gb, tender, price="1600.00")]
    tender = past_deadline(tender)
    services.tender_open(tender=tender, actor=people.procurement)
    seats = {}
    for name in ["declared", "recused", "appointed"]:
        user = (
            people.evaluator
            if name == "declared"
            else UserFactory(username=f"ev-{name}", roles=[Role.EVALUATOR])
        )
        seats[name] = services.committee_appoint(
            tender=tender, actor=people.procurement, evaluator=user
        )
    services.committee_declare(
        member=seats["declared"], actor=people.evaluator, conflict=False
    )
    services.committee_declare(
        member=seats["recused"], actor=seats["recused"].evaluator, conflict=True,
        note="My brother works at UK Drones Ltd",
    )  # fmt: skip
    services.tender_start_evaluation(tender=tender, actor=people.procurement)
    return (
        refresh(tender),
        [refresh(b) for b in bids],
        {k: refresh(v) for k, v in seats.items()},
    )


# ---------------------------------------------------------------- bidding


def test_a_superuser_or_administrator_never_bids(
    people, tendering, administrators, web, api_for
):
    lot = tendering.lots.get()
    for admin in administrators:
        decision = policy.decide("bid.submit", admin, lot)
        assert not decision and decision.hidden
        assert "manufacturer's representative" in decision.reason
        assert not admin.has_perm("procurement.submit_bid")
        with pytest.raises(PermissionDenied):
            services.bid_submit(
                lot=lot, actor=admin, unit_price="1400.00", quantity=10,
                delivery_schedule="soon",
            )  # fmt: skip
        browser = web(admin)
        page = browser.get(url("bid_submit", tendering.case.reference, 1))
        assert page.status_code == 403
        assert "Bid for lot 1" not in html_of(browser.get(tender_url(tendering)))
        refused(post(api_for(admin), "/api/bids/", bid_body(lot.pk)), 403)
    assert not Bid.objects.exists()


def test_the_bid_button_says_why_once_the_company_has_bid(
    people, bidders, tendering, web
):
    """Offered-then-refused: the page offered a second bid on the lot that the
    service refused; now the button is disabled with the service's reason."""
    (_m, rep_lv), _ = bidders
    lot = tendering.lots.get()
    browser = web(rep_lv)
    before = html_of(browser.get(tender_url(tendering)))
    assert url("bid_submit", tendering.case.reference, 1) in before
    bid(rep_lv, tendering)
    decision = policy.decide("bid.submit", rep_lv, lot)
    assert not decision and "already has a bid on this lot" in decision.reason
    after = html_of(browser.get(tender_url(tendering)))
    assert "already has a bid on this lot" in after
    assert f'href="{url("bid_submit", tendering.case.reference, 1)}"' not in after
    # The form's own page says why, with no form to fill in.
    form_page = browser.get(url("bid_submit", tendering.case.reference, 1))
    assert "already has a bid on this lot" in html_of(form_page)
    assert form_page.context["form"] is None
    response = browser.post(url("bid_submit", tendering.case.reference, 1), bid_form())
    assert "already has a bid on this lot" in html_of(response)


def test_change_and_withdraw_agree_across_policy_service_page_and_api(
    people, bidders, tendering, web, api_for
):
    (_m, rep_lv), (_m2, rep_gb) = bidders
    own = bid(rep_lv, tendering)
    detail = f"/api/bids/{own.public_id}/"
    mine = api_for(rep_lv).get(detail).json()["allowed_actions"]
    # Every action of the bid the caller may know of, reading its offer too.
    assert mine == {
        "change": {"allowed": True, "reason": ""},
        "withdraw": {"allowed": True, "reason": ""},
        "read_offer": {"allowed": True, "reason": ""},
    }
    assert policy.may("bid.withdraw", rep_lv, own)
    assert not policy.may("bid.withdraw", rep_gb, own)
    assert policy.decide("bid.withdraw", rep_gb, own).hidden
    with pytest.raises(PermissionDenied, match="not your company's bid"):
        services.bid_withdraw(bid=own, actor=rep_gb)
    page = html_of(web(rep_lv).get(url("bid", own.public_id)))
    assert url("bid_withdraw", own.public_id) in page
    # After the deadline: refused for the state, with the same reason
    # everywhere, and the buttons disabled.
    past_deadline(tendering)
    own = refresh(own)
    decision = policy.decide("bid.withdraw", rep_lv, own)
    assert not decision and "accepted while tendering is open" in decision.reason
    with pytest.raises(ConflictError) as refusal:
        services.bid_withdraw(bid=own, actor=rep_lv)
    assert str(refusal.value.message) == decision.reason
    mine = api_for(rep_lv).get(detail).json()["allowed_actions"]
    assert mine["withdraw"] == {"allowed": False, "reason": decision.reason}
    page = html_of(web(rep_lv).get(url("bid", own.public_id)))
    assert f'href="{url("bid_withdraw", own.public_id)}"' not in page
    assert "disabled" in page


def test_bids_of_withdrawable_queue_agree_with_the_policy(people, bidders, tendering):
    (_m, rep_lv), (_m2, rep_gb) = bidders
    bid(rep_lv, tendering)
    bid(rep_gb, tendering)
    for user in [rep_lv, rep_gb, people.procurement, people.admin]:
        pending = set(policy.pending("bid.withdraw", user, Bid.objects.all()))
        for each in Bid.objects.select_related("lot__tender__case"):
            assert (each in pending) == policy.may("bid.withdraw", user, each)


# ---------------------------------------------------------------- evaluation


def test_a_superuser_or_administrator_never_scores(
    people, evaluation, administrators, web, api_for
):
    _tender, bids, seats = evaluation
    seat = seats["declared"]
    for admin in administrators:
        assert not admin.has_perm("procurement.evaluate")
        decision = policy.decide("scoresheet.score", admin, seat)
        assert not decision and decision.hidden
        with pytest.raises(PermissionDenied):
            services.score_record(
                member=seat, actor=admin, bid=bids[0], criterion="technical", value=50
            )
        with pytest.raises(PermissionDenied):
            services.scoresheet_submit(member=seat, actor=admin)
        assert web(admin).get(url("evaluation_queue")).status_code == 403
        response = web(admin).post(
            url("evaluation_score", seat.pk, bids[0].public_id), score_form(bids[0], 50)
        )
        assert response.status_code == 404
        response = post(
            api_for(admin),
            f"/api/committee-members/{seat.pk}/scores/",
            {"bid": str(bids[0].public_id), "criterion": "technical", "value": 50},
        )
        assert response.status_code == 403
        # Nor may an administrator be appointed to score.
        with pytest.raises(Exception, match="is not an evaluator"):
            services.committee_appoint(
                tender=seat.tender, actor=people.procurement, evaluator=admin
            )


def test_a_conflicted_evaluator_is_refused_with_the_reason(people, evaluation, api_for):
    tender, bids, seats = evaluation
    seat = seats["recused"]
    evaluator = seat.evaluator
    decision = policy.decide("scoresheet.score", evaluator, seat)
    assert not decision and not decision.hidden
    assert "declared a conflict of interest" in decision.reason
    assert tender.case.reference in decision.reason
    with pytest.raises(PermissionDenied, match="declared a conflict of interest"):
        services.score_record(
            member=seat, actor=evaluator, bid=bids[0], criterion="technical", value=50
        )
    answer = api_for(evaluator).get(f"/api/committee-members/{seat.pk}/").json()
    assert answer["allowed_actions"]["score"] == {
        "allowed": False,
        "reason": decision.reason,
    }
    response = post(
        api_for(evaluator),
        f"/api/committee-members/{seat.pk}/scores/",
        {"bid": str(bids[0].public_id), "criterion": "technical", "value": 50},
    )
    refused(response, 403, "declared a conflict of interest")


def test_an_evaluator_acts_only_on_their_own_seat(people, evaluation, api_for):
    _tender, bids, seats = evaluation
    other = seats["appointed"].evaluator
    for name in SEAT_ACTIONS:
        decision = policy.decide(name, other, seats["declared"])
        assert not decision and decision.hidden
    with pytest.raises(PermissionDenied):
        services.score_record(
            member=seats["declared"], actor=other, bid=bids[0], criterion="technical",
            value=50,
        )  # fmt: skip


def test_the_submit_button_says_what_is_missing(people, evaluation, web, api_for):
    _tender, bids, seats = evaluation
    seat = seats["declared"]
    decision = policy.decide("scoresheet.submit", people.evaluator, seat)
    assert not decision and "(0 of 8)" in decision.reason
    page = html_of(web(people.evaluator).get(url("evaluation", seat.pk)))
    assert "(0 of 8)" in page
    assert url("evaluation_submit", seat.pk) not in page
    answer = api_for(people.evaluator).get(f"/api/committee-members/{seat.pk}/")
    assert answer.json()["allowed_actions"]["submit"]["reason"] == decision.reason
    with pytest.raises(ConflictError, match=r"\(0 of 8\)"):
        services.scoresheet_submit(member=seat, actor=people.evaluator)
    for each in bids:
        for criterion in TYPED_CRITERIA:
            services.score_record(
                member=seat, actor=people.evaluator, bid=each, criterion=criterion,
                value=60,
            )  # fmt: skip
    assert policy.may("scoresheet.submit", people.evaluator, refresh(seat))
    page = html_of(web(people.evaluator).get(url("evaluation", seat.pk)))
    assert url("evaluation_submit", seat.pk) in page


def test_the_queue_lists_what_the_evaluator_may_do_now(people, evaluation, web):
    _tender, bids, seats = evaluation
    everyone = [s.evaluator for s in seats.values()] + [people.admin]

    def agree():
        for user in everyone:
            for name in SEAT_ACTIONS:
                pending = set(policy.pending(name, user, CommitteeMember.objects.all()))
                for seat in CommitteeMember.objects.select_related("tender__case"):
                    assert (seat in pending) == policy.may(name, user, seat), (
                        name,
                        user,
                        seat.standing,
                    )

    agree()
    # The appointed evaluator may still declare; the declared one scores.
    appointed = seats["appointed"].evaluator
    assert list(selectors.seats_awaiting(appointed)) == [seats["appointed"]]
    assert list(selectors.seats_awaiting(people.evaluator)) == [seats["declared"]]
    assert not selectors.seats_awaiting(seats["recused"].evaluator).exists()
    page = html_of(web(people.evaluator).get(url("evaluation_queue")))
    assert "Your turn" in page and "1 committee awaits you now." in page
    # Once the sheet is complete, submitting is what the evaluator does next.
    for each in bids:
        for criterion in TYPED_CRITERIA:
            services.score_record(
                member=seats["declared"], actor=people.evaluator, bid=each,
                criterion=criterion, value=60,
            )  # fmt: skip
    agree()
    page = html_of(web(people.evaluator).get(url("evaluation_queue")))
    assert "Submit your score sheet" in page
    services.scoresheet_submit(member=seats["declared"], actor=people.evaluator)
    agree()
    assert not selectors.seats_awaiting(people.evaluator).exists()
    page = html_of(web(people.evaluator).get(url("evaluation_queue")))
    assert "0 committees await you now." in page
    assert "Your turn" not in page


def test_officer_actions_agree_with_their_queues(people, evaluation, bidders):
    tender, bids, seats = evaluation
    lot = tender.lots.get()
    officer = people.procurement
    assert not policy.may("award.recommend", officer, lot)
    assert (
        "not submitted any scores"
        in policy.decide("award.recommend", officer, lot).reason
    )
    for each in bids:
        for criterion in TYPED_CRITERIA:
            services.score_record(
                member=seats["declared"], actor=people.evaluator, bid=each,
                criterion=criterion, value=60,
            )  # fmt: skip
    services.scoresheet_submit(member=seats["declared"], actor=people.evaluator)
    lot = refresh(lot)
    for user in [officer, people.evaluator, people.approver_lv, people.admin]:
        from procurement.models import Lot, Tender

        recommendable = set(policy.pending("award.recommend", user, Lot.objects.all()))
        assert (lot in recommendable) == policy.may("award.recommend", user, lot)
        startable = set(
            policy.pending("tender.start_evaluation", user, Tender.objects.all())
        )
        assert (tender in startable) == policy.may(
            "tender.start_evaluation", user, tender
        )
    (_m, rep_lv), _ = bidders
    refusal = policy.decide("award.recommend", rep_lv, lot)
    assert refusal.hidden
    with pytest.raises(PermissionDenied):
        services.award_recommend(
            lot=lot, bid=bids[0], actor=rep_lv, justification="Best score"
        )


def test_the_award_waits_for_every_member_who_declared(people, evaluation, web):
    """One submitted sheet is not the committee's judgement: while another
    member who declared no conflict is still scoring, the award is refused
    everywhere (policy, queue, service, page); a recused member and one who
    never declared do not hold it up."""
    from procurement.models import Lot

    tender, bids, seats = evaluation
    second = UserFactory(username="ev-second", roles=[Role.EVALUATOR])
    seat_two = services.committee_appoint(
        tender=tender, actor=people.procurement, evaluator=second
    )
    services.committee_declare(member=seat_two, actor=second, conflict=False)

    def score_and_submit(seat, user):
        for each in bids:
            for criterion in TYPED_CRITERIA:
                services.score_record(
                    member=seat, actor=user, bid=each, criterion=criterion,
                    value=70,
                )  # fmt: skip
        services.scoresheet_submit(member=refresh(seat), actor=user)

    score_and_submit(seats["declared"], people.evaluator)
    lot = refresh(tender.lots.get())
    officer = people.procurement
    decision = policy.decide("award.recommend", officer, lot)
    assert not decision
    assert "Not every member of the committee" in decision.reason
    assert lot not in set(policy.pending("award.recommend", officer, Lot.objects))
    with pytest.raises(ConflictError, match="Not every member"):
        services.award_recommend(
            lot=lot, bid=bids[0], actor=officer, justification="Best score"
        )
    page = html_of(web(officer).get(tender_url(tender)))
    assert "Not every member of the committee has submitted their scores yet." in page

    score_and_submit(seat_two, second)
    lot = refresh(lot)
    assert policy.may("award.recommend", officer, lot)
    assert lot in set(policy.pending("award.recommend", officer, Lot.objects))
    award = services.award_recommend(
        lot=lot, bid=bids[0], actor=officer, justification="Best score"
    )
    assert award.bid == bids[0]
