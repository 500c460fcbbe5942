"""Sealed bids through the REST API. Before a tender is opened, nobody but the
bidder learns a bid's price, its documents, or even that it exists: not staff,
not co-lead approvers, not administrators or superusers, not evaluators, not
liaisons, not the other bidders. A refusal about a sealed bid reads exactly like
one about a bid that does not exist."""

import uuid

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from procurement import services
from procurement.models import TenderStatus
from secretariat.kernel.roles import Role
from tests.conftest import refresh
from tests.factories import UserFactory
from tests.files import pdf
from tests.procurement.api_helpers import (
    assert_tells_nothing_of_bids,
    bid_body,
    ok,
    post,
    results,
)
from tests.procurement.helpers import SECRET_PRICE, bid, past_deadline, to_tendering

pytestmark = pytest.mark.django_db

SECRET_DOCUMENT = "secret-technical-offer.pdf"
# Everyone but the bidder: staff of every kind, a superuser with no role at all,
# the evaluator already appointed to the tender's committee, a liaison of the
# bidder's own state, and the other bidder.
OTHERS = [
    "procurement",
    "officer",
    "finance",
    "approver_lv",
    "evaluator",
    "admin",
    "root",
    "liaison_lv",
    "rival",
]


@pytest.fixture
def sealed(people, bidders, tender):
    (_maker_lv, rep_lv), (_maker_gb, rep_gb) = bidders
    tender = to_tendering(tender, people)
    services.committee_appoint(
        tender=tender, actor=people.procurement, evaluator=people.evaluator
    )
    own = bid(rep_lv, tender, documents=[pdf(SECRET_DOCUMENT)])
    return tender, own, rep_lv, rep_gb


def _user(name, people, rival):
    if name == "rival":
        return rival
    if name == "root":
        return UserFactory(username="root", is_superuser=True, is_staff=True)
    return getattr(people, name)


def _same_answer(first, second, ids=()):
    """The same status and body, but for the ids each request named."""
    texts = [str(first.json()), str(second.json())]
    for index, pk in enumerate(ids):
        texts[index] = texts[index].replace(str(pk), "<id>")
    assert (first.status_code, texts[0]) == (second.status_code, texts[1])
    return first


@pytest.mark.parametrize("name", OTHERS)
def test_before_opening_nobody_but_the_bidder_learns_anything(
    people, sealed, api_for, name
):
    tender, own, _rep_lv, rival = sealed
    user = _user(name, people, rival)
    api = api_for(user)
    ref = tender.case.reference
    missing = uuid.uuid4()

    # Not in any list of bids (a liaison has none to list at all).
    listing = api.get("/api/bids/")
    if name == "liaison_lv":
        assert listing.status_code == 403
    else:
        assert ok(listing) == {
            "count": 0,
            "next": None,
            "previous": None,
            "results": [],
        }
    assert_tells_nothing_of_bids(listing, SECRET_PRICE, SECRET_DOCUMENT)
    _same_answer(api.get(f"/api/bids/?tender={ref}"), listing)

    # The bid, its offer and its workflow answer as for a bid that does not
    # exist: 404 (or the 403 a liaison gets for any bid, existing or not).
    expected = 403 if name == "liaison_lv" else 404
    for path in ("{}/", "{}/offer/", "{}/history/"):
        answer = _same_answer(
            api.get("/api/bids/" + path.format(own.public_id)),
            api.get("/api/bids/" + path.format(missing)),
        )
        assert answer.status_code == expected
    for path in ("change/", "withdraw/"):
        body = bid_body(own.lot_id, "1.00") if path == "change/" else {}
        answer = _same_answer(
            post(api, f"/api/bids/{own.public_id}/{path}", body),
            post(api, f"/api/bids/{missing}/{path}", body),
        )
        assert answer.status_code in {403, 404}

    # Tenders say nothing of their bids: no price, no document, no count.
    listing, detail = api.get("/api/tenders/"), api.get(f"/api/tenders/{ref}/")
    if name == "evaluator":  # evaluators work from their committee seats
        assert listing.status_code == detail.status_code == 403
    else:
        assert [t["sealed"] for t in results(listing)] == [True]
        assert ok(detail)["sealed"] is True
    for response in (listing, detail):
        assert_tells_nothing_of_bids(response, SECRET_PRICE, SECRET_DOCUMENT)

    # Nor do the committee's seats and the bidders to declare about.
    seats = api.get("/api/committee-members/")
    assert_tells_nothing_of_bids(seats, SECRET_PRICE, SECRET_DOCUMENT)
    if name == "evaluator":
        seat = results(seats)[0]
        assert seat["declared_for"] == []
        bidders = api.get(f"/api/committee-members/{seat['id']}/bidders/")
        assert ok(bidders) == []

    # Naming the sealed bid in a write answers as naming a bid that does not
    # exist.
    award = {"lot": own.lot_id, "justification": "Cheapest"}
    _same_answer(
        post(api, "/api/awards/", {**award, "bid": str(own.public_id)}),
        post(api, "/api/awards/", {**award, "bid": str(missing)}),
        ids=(own.public_id, missing),
    )


def test_the_bidder_reads_their_own_sealed_bid(sealed, api_for):
    tender, own, rep_lv, _rival = sealed
    api = api_for(rep_lv)
    assert [b["id"] for b in results(api.get("/api/bids/"))] == [str(own.public_id)]
    offer = ok(api.get(f"/api/bids/{own.public_id}/offer/"))
    assert offer["unit_price"] == SECRET_PRICE
    assert offer["quantity"] == 250
    assert offer["compliance"] == {"night_camera": "yes"}
    assert [d["name"] for d in offer["documents"]] == [SECRET_DOCUMENT]
    # The tender still tells the bidder nothing of the others.
    assert_tells_nothing_of_bids(api.get(f"/api/tenders/{tender.case.reference}/"))
    # The bid's own history, with the receipt of the sealed version.
    history = ok(api.get(f"/api/bids/{own.public_id}/history/"))
    assert [(e["action"], e["actor"]) for e in history] == [
        ("submitted", rep_lv.username)
    ]
    assert history[0]["sealed_digest"] == own.events.get().sealed_digest


def test_a_sealed_bid_is_scored_by_nobody(people, sealed, api_for):
    tender, own, _rep, _rival = sealed
    seat = tender.committee.get()
    api = api_for(people.evaluator)
    missing = uuid.uuid4()
    score = {"criterion": "price", "value": 90}
    first = post(
        api,
        f"/api/committee-members/{seat.pk}/scores/",
        {**score, "bid": str(own.public_id)},
    )
    second = post(
        api, f"/api/committee-members/{seat.pk}/scores/", {**score, "bid": str(missing)}
    )
    assert first.status_code == 400
    assert first.json()["bid"] == [f"There is no bid {own.public_id}."]
    assert second.json()["bid"] == [f"There is no bid {missing}."]
    # Declaring before the opening is refused without naming anyone.
    response = post(
        api, f"/api/committee-members/{seat.pk}/declare/", {"conflict": False}
    )
    assert response.status_code == 409
    assert_tells_nothing_of_bids(response, SECRET_PRICE)


def test_after_opening_staff_see_every_bid_at_once(people, sealed, api_for):
    tender, own, _rep_lv, rival = sealed
    other = bid(rival, tender, price="1500.00")
    staff = api_for(people.procurement)
    assert results(staff.get("/api/bids/")) == []
    past_deadline(tender)
    opened = ok(post(staff, f"/api/tenders/{tender.case.reference}/open/"))
    assert opened["bids_received"] == 2
    assert [lot["bids_received"] for lot in opened["lots"]] == [2]
    seen = results(staff.get(f"/api/bids/?tender={tender.case.reference}"))
    assert {b["id"] for b in seen} == {str(own.public_id), str(other.public_id)}
    assert {b["eligible"] for b in seen} == {True}
    for who in ("procurement", "finance", "approver_lv", "admin"):
        api = api_for(getattr(people, who))
        assert len(results(api.get("/api/bids/"))) == 2
        assert (
            ok(api.get(f"/api/bids/{own.public_id}/offer/"))["unit_price"]
            == SECRET_PRICE
        )
    # The other bidder still reads only their own bid and offer.
    api = api_for(rival)
    assert [b["id"] for b in results(api.get("/api/bids/"))] == [str(other.public_id)]
    assert api.get(f"/api/bids/{own.public_id}/offer/").status_code == 404
    # The evaluator reads offers only after declaring no conflict.
    seat = tender.committee.get()
    evaluator = api_for(people.evaluator)
    assert evaluator.get(f"/api/bids/{own.public_id}/offer/").status_code == 404
    bidders = ok(evaluator.get(f"/api/committee-members/{seat.pk}/bidders/"))
    assert [b["name"] for b in bidders] == ["SIA Baltic UAV", "UK Drones Ltd"]
    ok(
        post(
            evaluator, f"/api/committee-members/{seat.pk}/declare/", {"conflict": False}
        )
    )
    offer = ok(evaluator.get(f"/api/bids/{own.public_id}/offer/"))
    assert offer["unit_price"] == SECRET_PRICE


@pytest.mark.parametrize("ending", ["cancelled", "unsuccessful"])
def test_a_tender_ended_before_its_opening_keeps_its_bids_sealed(
    client, people, sealed, api_for, ending
):
    """Cancelled while tendering, or found unsuccessful once closed: the bids were
    never opened, so they stay sealed, as if returned unopened."""
    tender, own, rep_lv, _rival = sealed
    if ending == "cancelled":
        ok(
            post(
                api_for(people.procurement),
                f"/api/tenders/{tender.case.reference}/cancel/",
                {"reason": "The requirement was withdrawn"},
            )
        )
    else:
        from django.db import transaction

        from secretariat.kernel.services import transition  # no service ends it so yet

        tender = past_deadline(tender)
        services.tenders_advance_by_deadlines()
        tender = refresh(tender)
        with transaction.atomic():
            transition(tender, to=TenderStatus.UNSUCCESSFUL, actor=people.admin)
    tender = refresh(tender)
    assert tender.status == ending
    assert tender.opened_at is None
    for who in ("procurement", "admin", "approver_lv"):
        api = api_for(getattr(people, who))
        assert results(api.get("/api/bids/")) == []
        assert api.get(f"/api/bids/{own.public_id}/").status_code == 404
        assert api.get(f"/api/bids/{own.public_id}/offer/").status_code == 404
        detail = api.get(f"/api/tenders/{tender.case.reference}/")
        assert detail.json()["sealed"] is True
        assert_tells_nothing_of_bids(detail, SECRET_PRICE, SECRET_DOCUMENT)
        with pytest.raises(PermissionDenied):
            services.bid_offer(own, user=getattr(people, who))
    # The bidder still reads their own.
    offer = ok(api_for(rep_lv).get(f"/api/bids/{own.public_id}/offer/"))
    assert offer["unit_price"] == SECRET_PRICE
    # Nor does the public OCDS release, nor the admin, tell of the bids.
    release = client.get(
        reverse("procurement:ocds_release_package", args=[tender.case.reference])
    ).json()
    text = str(release)
    assert "numberOfTenderers" not in text
    assert "SIA Baltic UAV" not in text
    client.force_login(people.admin)
    page = client.get(reverse("admin:procurement_bid_changelist")).content.decode()
    assert "SIA Baltic UAV" not in page


def test_a_superuser_without_roles_is_bound_like_staff(people, sealed, api_for):
    tender, own, _rep, _rival = sealed
    root = UserFactory(username="root", is_superuser=True, is_staff=True)
    api = api_for(root)
    assert results(api.get("/api/bids/")) == []
    assert api.get(f"/api/bids/{own.public_id}/offer/").status_code == 404
    assert UserFactory._meta.model.objects.get(pk=root.pk).groups.count() == 0
    assert not root.groups.filter(name=Role.MANUFACTURER_REPRESENTATIVE).exists()
    past_deadline(tender)
    services.tender_open(tender=tender, actor=people.procurement)
    assert [b["id"] for b in results(api.get("/api/bids/"))] == [str(own.public_id)]


def test_a_staff_account_pointing_at_the_bidder_reads_nothing(people, sealed, api_for):
    """Only a representative of the company is its bidder; a staff account that
    merely has the company set (by mistake, say) is bound like all staff."""
    _tender, own, _rep, _rival = sealed
    officer = people.procurement
    officer.manufacturer = own.manufacturer
    officer.save(update_fields=["manufacturer"])
    with pytest.raises(PermissionDenied):
        services.bid_offer(own, user=refresh(officer))
    api = api_for(refresh(officer))
    assert results(api.get("/api/bids/")) == []
    assert api.get(f"/api/bids/{own.public_id}/offer/").status_code == 404
