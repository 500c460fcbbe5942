"""The seal through the web: before a tender is opened, no page shows anyone but
the bidder a bid's price, its documents, or even how many bids there are; not
to staff, co-leads, the superuser, evaluators, liaisons or other bidders."""

import pytest
from django.urls import reverse

from procurement import services
from procurement.models import Tender
from tests.conftest import refresh
from tests.files import pdf
from tests.procurement.helpers import bid, past_deadline, to_tendering
from tests.procurement.web import (
    html_of,
    leaks,
    tender_url,
    url,
)

pytestmark = pytest.mark.django_db

STAFF = ["procurement", "officer", "finance", "approver_lv", "approver_uk", "admin"]
NOT_BIDDERS = [*STAFF, "evaluator", "liaison_lv", "liaison_jp", "rep_gb"]


@pytest.fixture
def sealed(people, bidders, tender):
    """A tender in tendering with one sealed bid, by the Latvian company, at the
    secret price and with a document; the evaluator already on the committee."""
    (maker_lv, rep_lv), (maker_gb, rep_gb) = bidders
    tender = to_tendering(tender, people)
    services.committee_appoint(
        tender=tender, actor=people.procurement, evaluator=people.evaluator
    )
    sealed_bid = bid(rep_lv, tender, documents=[pdf("secret-datasheet.pdf")])
    return {
        "tender": tender,
        "bid": sealed_bid,
        "rep_lv": rep_lv,
        "rep_gb": rep_gb,
        "makers": [maker_lv, maker_gb],
    }


def user_of(people, sealed, who):
    return sealed[who] if who.startswith("rep_") else getattr(people, who)


def reachable_pages(people, sealed):
    """Every procurement page a person may open, by URL."""
    tender = sealed["tender"]
    return [
        tender_url(tender),
        url("tender_list"),
        url("tender_list") + "?status=tendering",
        url("manufacturer_list"),
        *[url("manufacturer", maker.pk) for maker in sealed["makers"]],
        url("evaluation_queue"),
        *[
            url("evaluation", seat.pk)
            for seat in tender.committee.filter(evaluator=people.evaluator)
        ],
        url("bid_list"),
        url("contract_list"),
        url("requirement_list"),
        reverse("my_work"),
        reverse("start"),
    ]


def pages_seen(browser, pages):
    seen = {}
    for page in pages:
        response = browser.get(page, follow=True)
        if response.status_code == 200:
            seen[page] = html_of(response)
    return seen


@pytest.mark.parametrize("stage", ["tendering", "closed"])
@pytest.mark.parametrize("who", NOT_BIDDERS)
def test_no_page_gives_away_a_sealed_bid(people, sealed, web, who, stage):
    tender = sealed["tender"]
    if stage == "closed":
        tender = past_deadline(tender)
        services.tenders_advance_by_deadlines()
        assert refresh(tender).status == "closed"
    browser = web(user_of(people, sealed, who))
    seen = pages_seen(browser, reachable_pages(people, sealed))
    assert tender_url(tender) in seen or who == "evaluator"
    for page, html in seen.items():
        assert leaks(html) == [], (who, page)
        assert "secret-datasheet.pdf" not in html, (who, page)
        if page == tender_url(tender):
            # Not even who has bid.
            assert "SIA Baltic UAV" not in html, (who, page)
    bid_pk = sealed["bid"].public_id
    assert browser.get(url("bid", bid_pk)).status_code == 404
    assert browser.get(url("bid_document", bid_pk, 0)).status_code == 404


def test_staff_are_told_the_bids_are_sealed_and_nothing_more(people, sealed, web):
    html = html_of(web(people.procurement).get(tender_url(sealed["tender"])))
    assert "Bids are sealed until they are opened" in html
    assert "No bid was submitted" not in html  # that too would be a count


def test_the_bidder_sees_its_own_offer_and_documents(people, sealed, web):
    browser = web(sealed["rep_lv"])
    bid_pk = sealed["bid"].public_id
    tender_page = html_of(browser.get(tender_url(sealed["tender"])))
    assert "EUR 1,234.56" in tender_page
    page = html_of(browser.get(url("bid", bid_pk)))
    assert "EUR 1,234.56" in page
    assert "secret-datasheet.pdf" in page
    assert "only your company can read this bid" in page
    document = browser.get(url("bid_document", bid_pk, 0))
    assert document.status_code == 200
    assert document["Content-Disposition"].startswith("attachment")
    assert url("bid", bid_pk) in html_of(browser.get(url("bid_list")))


def test_after_opening_staff_see_every_bid(people, sealed, web):
    bid(sealed["rep_gb"], sealed["tender"], price="1500.00")
    tender = past_deadline(sealed["tender"])
    services.tender_open(tender=tender, actor=people.procurement)
    for who in STAFF:
        browser = web(getattr(people, who))
        html = html_of(browser.get(tender_url(tender)))
        assert "SIA Baltic UAV" in html and "UK Drones Ltd" in html, who
        assert "EUR 1,234.56" in html and "EUR 1,500.00" in html, who
        page = browser.get(url("bid", sealed["bid"].public_id))
        assert page.status_code == 200, who
        assert "secret-datasheet.pdf" in html_of(page), who
    # Other bidders and liaisons still never read someone else's offer.
    for who in ["rep_gb", "liaison_lv"]:
        browser = web(user_of(people, sealed, who))
        assert "1,234.56" not in html_of(browser.get(tender_url(tender)))
        assert browser.get(url("bid", sealed["bid"].public_id)).status_code == 404


def test_an_evaluator_reads_the_bids_only_after_declaring(people, sealed, web):
    tender = past_deadline(sealed["tender"])
    services.tender_open(tender=tender, actor=people.procurement)
    seat = tender.committee.get(evaluator=people.evaluator)
    browser = web(people.evaluator)
    page = html_of(browser.get(url("evaluation", seat.pk)))
    assert "SIA Baltic UAV" in page  # the bidders, to declare about
    assert leaks(page) == []
    assert browser.get(url("bid", sealed["bid"].public_id)).status_code == 404
    browser.post(url("evaluation_declare", seat.pk), {"conflict": "no"})
    page = html_of(browser.get(url("evaluation", seat.pk)))
    assert "EUR 1,234.56" in page
    assert browser.get(url("bid", sealed["bid"].public_id)).status_code == 200


def test_a_tender_cancelled_before_opening_keeps_its_bids_sealed(people, sealed, web):
    services.tender_cancel(
        tender=sealed["tender"], actor=people.procurement, reason="Budget withdrawn"
    )
    assert Tender.objects.get().status == "cancelled"
    for who in ["procurement", "admin", "finance"]:
        browser = web(getattr(people, who))
        html = html_of(browser.get(tender_url(sealed["tender"])))
        assert leaks(html) == [], who
        assert "SIA Baltic UAV" not in html, who
        assert "they stay sealed" in html, who
        assert browser.get(url("bid", sealed["bid"].public_id)).status_code == 404
    own = web(sealed["rep_lv"])
    assert "EUR 1,234.56" in html_of(own.get(url("bid", sealed["bid"].public_id)))


def test_the_bid_page_shows_its_history_to_whoever_may_read_the_bid(
    people, sealed, web
):
    sealed_bid = sealed["bid"]
    services.bid_change(
        bid=sealed_bid, actor=sealed["rep_lv"], unit_price="1300.00", quantity=10,
        delivery_schedule="soon", keep_documents=True,
    )  # fmt: skip
    digests = list(sealed_bid.events.values_list("sealed_digest", flat=True))
    page = html_of(web(sealed["rep_lv"]).get(url("bid", sealed_bid.public_id)))
    assert "History of this bid" in page
    assert "Submitted" in page and "Changed" in page
    assert all(d[:16] in page for d in digests)
    services.tender_open(
        tender=past_deadline(sealed["tender"]), actor=people.procurement
    )
    staff_page = html_of(web(people.procurement).get(url("bid", sealed_bid.public_id)))
    assert all(d[:16] in staff_page for d in digests)
