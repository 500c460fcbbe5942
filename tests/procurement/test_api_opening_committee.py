"""The opening committee through the API: the same services and policies as
the pages, the errors in the body."""

import pytest

from procurement.models import Opener, TenderStatus
from secretariat.kernel.models import IdempotencyKey
from secretariat.kernel.roles import Role
from tests.conftest import refresh
from tests.factories import UserFactory
from tests.procurement.api_helpers import ok, post, refused
from tests.procurement.helpers import draft_tender
from tests.procurement.opening_committee import (  # noqa: F401
    MEMBERS,
    PASSPHRASES,
    cheap_kdf,
    committee_tender_with_bids,
    name_committee,
    opener_of,
    passphrases_of,
)

pytestmark = pytest.mark.django_db


def _committee_url(tender, tail=""):
    return f"/api/tenders/{tender.case.reference}/opening-committee/{tail}"


def _open_url(tender):
    return f"/api/tenders/{tender.case.reference}/open/"


def test_the_officer_names_the_committee_and_members_accept(people, api_for):
    tender = draft_tender(people)
    api = api_for(people.procurement)
    body = refused(
        post(api, _committee_url(tender), {
            "members": [people.officer.pk, people.finance.pk], "threshold": 5,
        }),
        400,
    )  # fmt: skip
    assert ("members" in body and "threshold" in body) or "members" in str(body)
    assert not Opener.objects.exists()
    committee = ok(post(api, _committee_url(tender), {
        "members": [getattr(people, who).pk for who in MEMBERS], "threshold": 2,
    }))  # fmt: skip
    assert committee["threshold"] == 2 and len(committee["members"]) == 3
    assert not committee["sealed_to_committee"]
    # Each member lists and accepts their own appointment only.
    for who in MEMBERS:
        user = getattr(people, who)
        mine = ok(api_for(user).get("/api/openers/"))["results"]
        assert [m["tender"] for m in mine] == [tender.case.reference]
        opener_id = mine[0]["id"]
        detail = ok(api_for(user).get(f"/api/openers/{opener_id}/"))
        assert detail["allowed_actions"]["accept"]["allowed"] is True
        refused(
            post(api_for(people.outsider), f"/api/openers/{opener_id}/accept/", {
                "passphrase": "a long passphrase", "passphrase_again": "x",
            }),
            403,
        )  # fmt: skip
        if who != "officer":
            other = people.officer
            refused(
                post(api_for(other), f"/api/openers/{opener_id}/accept/", {
                    "passphrase": "a long passphrase",
                    "passphrase_again": "a long passphrase",
                }),
                404,
            )  # fmt: skip
        short = refused(
            post(api_for(user), f"/api/openers/{opener_id}/accept/", {
                "passphrase": "short", "passphrase_again": "short",
            }),
            400,
        )  # fmt: skip
        assert "passphrase" in short
        ok(post(api_for(user), f"/api/openers/{opener_id}/accept/", {
            "passphrase": PASSPHRASES[who], "passphrase_again": PASSPHRASES[who],
        }))  # fmt: skip
    ok(post(api, f"/api/tenders/{tender.case.reference}/publish/"))
    committee = ok(api.get(_committee_url(tender)))
    assert committee["sealed_to_committee"]
    assert all(m["holds_share"] for m in committee["members"])
    assert "sealed_share" not in str(committee) and "public_key" not in str(committee)


@pytest.mark.parametrize("who", ["officer", "evaluator", "finance", "outsider"])
def test_nobody_else_names_the_committee_through_the_api(people, api_for, who):
    tender = draft_tender(people)
    response = post(api_for(getattr(people, who)), _committee_url(tender), {
        "members": [getattr(people, m).pk for m in MEMBERS], "threshold": 2,
    })  # fmt: skip
    assert response.status_code in (403, 404)
    assert not Opener.objects.exists()


def test_publication_is_refused_without_a_committee_when_required(
    people, api_for, settings
):
    settings.OPENING_COMMITTEE = True
    tender = draft_tender(people)
    refused(
        post(api_for(people.procurement), f"/api/tenders/{tender.case.reference}"
             "/publish/"),
        409,
        "Name the opening committee first",
    )  # fmt: skip


def test_the_opening_through_the_api(people, bidders, api_for):
    tender, bids = committee_tender_with_bids(people, bidders)
    api = api_for(people.procurement)
    # Before opening, the bidder's own offer is refused clearly (409), not 500.
    rep_lv = bidders[0][1]
    refused(
        api_for(rep_lv).get(f"/api/bids/{bids['lv'].public_id}/offer/"),
        409,
        "opening committee",
    )
    fewer = refused(
        post(api, _open_url(tender), {
            "passphrases": passphrases_of(people, tender, "officer")}),
        400,
        "at least 2 members",
    )  # fmt: skip
    assert fewer
    wrong = refused(
        post(api, _open_url(tender), {"passphrases": passphrases_of(
            people, tender, "officer", "evaluator", wrong=["evaluator"])}),
        400,
        "at least one of them is wrong",
    )  # fmt: skip
    assert str(people.evaluator) not in str(wrong)
    # A key would store a digest of the passphrases: refused.
    refused(
        post(api, _open_url(tender), {"passphrases": passphrases_of(
            people, tender, "officer", "evaluator")}, key="open-1"),
        400,
        "Idempotency-Key",
    )  # fmt: skip
    assert not IdempotencyKey.objects.exists()
    assert refresh(tender).opened_at is None
    opened = ok(post(api, _open_url(tender), {"passphrases": passphrases_of(
        people, tender, "officer", "evaluator")}))  # fmt: skip
    assert opened["status"] == TenderStatus.OPENED
    offer = ok(api.get(f"/api/bids/{bids['lv'].public_id}/offer/"))
    assert offer["unit_price"] == "1400.00"
    # The receipt the bidder holds still matches.
    history = ok(api_for(rep_lv).get(f"/api/bids/{bids['lv'].public_id}/history/"))
    import hashlib

    assert (
        history[-1]["sealed_digest"]
        == hashlib.sha256(bytes(refresh(bids["lv"]).committee_sealed)).hexdigest()
    )


def test_before_the_deadline_the_api_refuses_every_share(people, bidders, api_for):
    tender, _bids = committee_tender_with_bids(people, bidders, deadline_passed=False)
    refused(
        post(api_for(people.procurement), _open_url(tender), {
            "passphrases": passphrases_of(people, tender, *MEMBERS)}),
        409,
        "Bids are open for submission until",
    )  # fmt: skip
    assert refresh(tender).opened_at is None


def test_a_member_who_is_not_an_officer_cannot_open(people, bidders, api_for):
    tender, _bids = committee_tender_with_bids(people, bidders)
    response = post(api_for(people.evaluator), _open_url(tender), {
        "passphrases": passphrases_of(people, tender, *MEMBERS)})  # fmt: skip
    assert response.status_code in (403, 404)
    assert refresh(tender).opened_at is None


def test_a_share_reissued_through_the_api(people, bidders, api_for):
    tender, _bids = committee_tender_with_bids(people, bidders, deadline_passed=False)
    newcomer = UserFactory(username="newcomer", roles=[Role.EVALUATOR])
    api = api_for(people.procurement)
    lost = opener_of(tender, people.officer)
    ok(post(api, _committee_url(tender, "replace/"),
            {"replaced": lost.pk, "person": newcomer.pk}))  # fmt: skip
    replacement = opener_of(tender, newcomer)
    refused(
        post(api, _committee_url(tender, "reissue/"), {
            "passphrases": passphrases_of(people, tender, "procurement", "evaluator")
        }),
        409,
        "not accepted",
    )  # fmt: skip
    ok(post(api_for(newcomer), f"/api/openers/{replacement.pk}/accept/", {
        "passphrase": "fresh start three", "passphrase_again": "fresh start three",
    }))  # fmt: skip
    refused(
        post(api, _committee_url(tender, "reissue/"), {
            "passphrases": passphrases_of(people, tender, "procurement")}),
        400,
        "at least 2 members",
    )  # fmt: skip
    committee = ok(
        post(
            api,
            _committee_url(tender, "reissue/"),
            {"passphrases": passphrases_of(people, tender, "procurement", "evaluator")},
        )
    )
    by_id = {m["id"]: m for m in committee["members"]}
    assert by_id[replacement.pk]["holds_share"]
    assert not by_id[lost.pk]["holds_share"] and by_id[lost.pk]["replaced_at"]
