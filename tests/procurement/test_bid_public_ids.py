"""Sealed means sealed (issue 14, item 3). A bid's integer pk is one sequence for
every bid: a bidder who got bid 1 and then bid 5 knew that three other bids came
in between. Bids are named by a random public id wherever a person or a client
sees them (pages, the API, receipts), and the pk answers 404. A sealed offer's
length told its content's size: offers are padded to fixed buckets, and tokens
sealed before the padding still open."""

import json
import re
import uuid

import pytest
from drf_spectacular.generators import SchemaGenerator

from procurement import sealing, services
from procurement.models import Bid
from secretariat.notifications.models import Notification
from tests.procurement.api_helpers import bid_body, ok, post, results
from tests.procurement.helpers import bid, past_deadline, to_tendering
from tests.procurement.web import bid_form, html_of, score_form, tender_url, url

pytestmark = pytest.mark.django_db


def _pk_urls(bid_obj) -> list[str]:
    """Every way a page or a message could address the bid by its pk."""
    pk = bid_obj.pk
    return [f"/bids/{pk}/", f'/bids/{pk}"', f"bid-{pk}-", f'id="bid-{pk}"']


@pytest.fixture
def tendering(people, bidders, tender):
    return to_tendering(tender, people)


def test_bids_in_sequence_get_ids_that_count_nothing(
    people, bidders, tendering, api_for
):
    (_m1, rep_lv), (_m2, rep_gb) = bidders
    lot = tendering.lots.get()
    first = ok(post(api_for(rep_lv), "/api/bids/", bid_body(lot.pk)), 201)
    second = ok(post(api_for(rep_gb), "/api/bids/", bid_body(lot.pk, "1500.00")), 201)
    bids = list(Bid.objects.order_by("pk"))
    # Inside, the pks follow each other; outside, nothing does.
    assert bids[1].pk == bids[0].pk + 1
    ids = [first["id"], second["id"]]
    for answer_id, each in zip(ids, bids, strict=True):
        assert answer_id == str(each.public_id)
        assert answer_id != str(each.pk)
        assert not answer_id.isdigit()
        assert uuid.UUID(answer_id).version == 4  # random, not time-ordered
    first_int, second_int = (uuid.UUID(i).int for i in ids)
    assert abs(second_int - first_int) > 2**64  # not consecutive in any sense
    assert ids[0][:8] != ids[1][:8]  # no shared, time-ordered prefix
    # The bidder's own list names their bid by its public id only.
    listed = results(api_for(rep_gb).get("/api/bids/"))
    assert [b["id"] for b in listed] == [second["id"]]


def test_the_bid_page_answers_at_the_public_id_and_404_at_the_pk(
    people, bidders, tendering, web
):
    (_m, rep_lv), _ = bidders
    browser = web(rep_lv)
    response = browser.post(
        url("bid_submit", tendering.case.reference, 1), bid_form(), follow=False
    )
    own = Bid.objects.get()
    # Submitting leads to the bid's page at its public id.
    assert response.status_code == 302
    assert response["Location"] == f"/bids/{own.public_id}/"
    page = html_of(browser.get(response["Location"]))
    assert str(own.public_id) in page  # the bid's id, on its receipt page
    assert url("bid_change", own.public_id) in page
    assert url("bid_withdraw", own.public_id) in page
    # The integer pk names nothing, on any bid page.
    for path in ("", "change/", "withdraw/", "documents/0/"):
        assert browser.get(f"/bids/{own.pk}/{path}").status_code == 404, path
    # The pages that link to the bid use the public id, never the pk.
    for listing in (url("bid_list"), tender_url(tendering)):
        html = html_of(browser.get(listing))
        assert own.get_absolute_url() in html, listing
        assert not [p for p in _pk_urls(own) if p in html], listing


def test_the_api_answers_at_the_public_id_and_404_at_the_pk(
    people, bidders, tendering, api_for
):
    (_m, rep_lv), _ = bidders
    own = bid(rep_lv, tendering)
    api = api_for(rep_lv)
    detail = ok(api.get(f"/api/bids/{own.public_id}/"))
    assert detail["id"] == str(own.public_id)
    assert ok(api.get(f"/api/bids/{own.public_id}/offer/"))["quantity"] == 250
    for path in ("", "offer/", "history/"):
        response = api.get(f"/api/bids/{own.pk}/{path}")
        assert response.status_code == 404, path
        assert response.json() == {"detail": "Not found."}, path
    for path in ("change/", "withdraw/"):
        assert post(api, f"/api/bids/{own.pk}/{path}").status_code == 404, path
    assert Bid.objects.get().status == "submitted"


def test_the_receipts_name_the_public_id(people, bidders, tendering, api_for, web):
    (_m, rep_lv), _ = bidders
    own = bid(rep_lv, tendering)
    services.bid_change(
        bid=own, actor=rep_lv, unit_price="1300.00", quantity=10,
        delivery_schedule="soon", keep_documents=True,
    )  # fmt: skip
    history = ok(api_for(rep_lv).get(f"/api/bids/{own.public_id}/history/"))
    assert [(e["bid"], e["action"]) for e in history] == [
        (str(own.public_id), "submitted"),
        (str(own.public_id), "changed"),
    ]
    digests = list(own.events.values_list("sealed_digest", flat=True))
    assert [e["sealed_digest"] for e in history] == digests
    page = html_of(web(rep_lv).get(own.get_absolute_url()))
    assert "History of this bid" in page
    assert str(own.public_id) in page
    assert not [p for p in _pk_urls(own) if p in page]


def test_evaluation_and_awards_name_bids_by_their_public_id(
    people, evaluated, api_for, web
):
    tender, bids, _rep_gb = evaluated
    ranking = ok(
        api_for(people.procurement).get(
            f"/api/tenders/{tender.case.reference}/ranking/"
        )
    )
    public = {str(b.public_id) for b in bids.values()}
    assert {row["bid"] for row in ranking["ranked"]} == public
    seat = tender.committee.get()
    scores = ok(
        api_for(people.evaluator).get(f"/api/committee-members/{seat.pk}/scores/")
    )
    assert {s["bid"] for s in scores} == public
    # An award is recommended by naming the bid's public id; its pk is no bid.
    lv = bids["lv"]
    body = {"lot": lv.lot_id, "justification": "Best"}
    officer = api_for(people.procurement)
    refused = post(officer, "/api/awards/", {**body, "bid": lv.pk})
    assert refused.status_code == 400
    assert refused.json()["bid"] == [f"There is no bid {lv.pk}."]
    award = ok(post(officer, "/api/awards/", {**body, "bid": str(lv.public_id)}), 201)
    assert award["bid"] == str(lv.public_id)
    # The evaluation page's score forms and anchors carry the public id.
    page = html_of(web(people.evaluator).get(url("evaluation", seat.pk)))
    assert f'id="bid-{lv.public_id}"' in page
    assert not [p for b in bids.values() for p in _pk_urls(b) if p in page]


def test_a_score_form_posts_to_the_public_id(people, evaluated, web):
    tender, bids, _rep_gb = evaluated
    seat = tender.committee.get()
    lv = bids["lv"]
    scoring = url("evaluation_score", seat.pk, lv.public_id)
    assert scoring == f"/evaluation/{seat.pk}/bids/{lv.public_id}/score/"
    browser = web(people.evaluator)
    # The sheet is submitted, so the score is refused, but the bid was found.
    answer = browser.post(scoring, score_form(lv, 50), follow=True)
    assert answer.status_code == 200
    pk_path = f"/evaluation/{seat.pk}/bids/{lv.pk}/score/"
    assert browser.post(pk_path, score_form(lv, 50)).status_code == 404


def test_notifications_and_emails_never_name_a_bid_by_its_pk(
    people, evaluated, mailoutbox, django_capture_on_commit_callbacks
):
    """No notification names a bid at all (before the opening none may even
    depend on the bids); the outcome reaches the bidders with the tender's link."""
    tender, bids, _rep_gb = evaluated
    with django_capture_on_commit_callbacks(execute=True):
        award = services.award_recommend(
            lot=tender.lots.get(), bid=bids["lv"], actor=people.procurement,
            justification="Best score",
        )  # fmt: skip
        services.award_approve(award=award, actor=people.approver_uk)
    told = list(Notification.objects.values_list("title", "body", "url"))
    assert any("awarded to SIA Baltic UAV" in title for title, _b, _u in told)
    texts = [" ".join(row) for row in told]
    texts += [m.subject + m.body + str(m.alternatives) for m in mailoutbox]
    assert mailoutbox, "the approval is emailed"
    for text in texts:
        assert "/bids/" not in text, text
        for each in bids.values():
            assert not [p for p in _pk_urls(each) if p in text], text


def test_the_schema_describes_bid_ids_as_strings():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    components = schema["components"]["schemas"]
    uuid_string = {"type": "string", "format": "uuid"}
    for component, field in [
        ("Bid", "id"),
        ("BidEvent", "bid"),
        ("Score", "bid"),
        ("ScoreInputRequest", "bid"),
        ("Award", "bid"),
        ("RecommendRequest", "bid"),
        ("Ranked", "bid"),
        ("Ineligible", "bid"),
    ]:
        prop = components[component]["properties"][field]
        assert {k: prop.get(k) for k in uuid_string} == uuid_string, component
    for path in ["/api/bids/{id}/", "/api/bids/{id}/offer/", "/api/bids/{id}/history/",
                 "/api/bids/{id}/change/", "/api/bids/{id}/withdraw/"]:  # fmt: skip
        operations = schema["paths"][path]
        for operation in operations.values():
            (param,) = [p for p in operation["parameters"] if p["name"] == "id"]
            assert param["in"] == "path"
            assert param["schema"]["type"] == "string", path
            assert param["schema"].get("format") == "uuid", path


# ---------------------------------------------------------------- sealed sizes


def _offer(compliance):
    return {
        "unit_price": "999.00",
        "quantity": 5,
        "delivery_schedule": "soon",
        "compliance": compliance,
        "documents": [],
    }


def test_sealed_offers_of_different_sizes_have_one_length():
    short = sealing.seal(_offer({"camera": "yes"}))
    long = sealing.seal(_offer({"camera": "yes, " + "thermal and day " * 40}))
    assert len(short) == len(long)
    assert sealing.unseal(long)["compliance"]["camera"].endswith("thermal and day ")
    # Past the first bucket the length moves to the next bucket, not by the byte.
    larger = sealing.seal(_offer({"camera": "x" * 1500}))
    largest = sealing.seal(_offer({"camera": "x" * 1900}))
    assert len(larger) == len(largest) > len(long)


def test_bids_sealed_through_the_service_have_one_length(people, bidders, tendering):
    (_m1, rep_lv), (_m2, rep_gb) = bidders
    short = bid(rep_lv, tendering, price="1.00")
    long = services.bid_submit(
        lot=tendering.lots.get(), actor=rep_gb, unit_price="1999.99", quantity=250,
        delivery_schedule="Monthly batches of 25 units, " * 10,
        compliance={f"requirement {n}": "yes, see the datasheet" for n in range(12)},
    )  # fmt: skip
    assert len(bytes(short.sealed)) == len(bytes(long.sealed))


def test_an_offer_sealed_before_padding_still_opens(
    people, bidders, tendering, api_for
):
    (_m, rep_lv), _ = bidders
    own = bid(rep_lv, tendering)
    unpadded = sealing._keys().encrypt(
        json.dumps(_offer({"camera": "old"}), sort_keys=True).encode()
    )
    assert sealing.unseal(unpadded)["compliance"] == {"camera": "old"}
    Bid.objects.filter(pk=own.pk).update(sealed=unpadded)
    offer = ok(api_for(rep_lv).get(f"/api/bids/{own.public_id}/offer/"))
    assert offer["compliance"] == {"camera": "old"}
    assert offer["unit_price"] == "999.00"


def test_opening_reads_padded_and_unpadded_offers_alike(
    people, bidders, tendering, api_for
):
    (_m1, rep_lv), (_m2, rep_gb) = bidders
    old = bid(rep_lv, tendering, price="1100.00")
    Bid.objects.filter(pk=old.pk).update(
        sealed=sealing._keys().encrypt(
            json.dumps(_offer({"camera": "old"}), sort_keys=True).encode()
        )
    )
    bid(rep_gb, tendering, price="1200.00")
    services.tender_open(tender=past_deadline(tendering), actor=people.procurement)
    prices = {
        ok(api_for(people.procurement).get(f"/api/bids/{b.public_id}/offer/"))[
            "unit_price"
        ]
        for b in Bid.objects.all()
    }
    assert prices == {"999.00", "1200.00"}


def test_a_damaged_padding_is_refused_not_misread():
    padded = sealing.pad(b'{"a": 1}')
    assert sealing.unpad(padded) == b'{"a": 1}'
    broken = padded[: len(sealing.PADDING_MARKER)] + (10**6).to_bytes(4, "big")
    with pytest.raises(ValueError, match="damaged"):
        sealing.unpad(broken)
    assert re.fullmatch(rb"\{.*\}", sealing.unpad(b'{"b": 2}'))
