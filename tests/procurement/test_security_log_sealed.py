"""The security log, and every Python log, keep a refused bid action without
saying which tender, lot or bid a company acted on before the opening: a path
under a tender, a lot or a bid is kept as its route."""

import logging

import pytest
from django.urls import reverse

from procurement.models import Bid
from secretariat.accounts.models import SecurityEvent, SecurityEventKind
from secretariat.kernel.redaction import safe_path
from tests.procurement.api_helpers import bid_body
from tests.procurement.helpers import bid, to_tendering
from tests.procurement.web import bid_form, url

pytestmark = pytest.mark.django_db


def bid_key(sealed: Bid) -> str:
    """What a bid's URL carries: its public id where bids have one, else its pk."""
    return str(getattr(sealed, "public_id", None) or sealed.pk)


@pytest.fixture
def sealed(people, bidders, tender):
    """Company A's and company B's bids on a tender still open for bids."""
    (_maker_a, rep_a), (_maker_b, rep_b) = bidders
    tender = to_tendering(tender, people)
    return tender, bid(rep_a, tender), bid(rep_b, tender), rep_a


def telltales(tender, *bids):
    """What must not be written anywhere: the tender's reference, the lot's
    number and id, and the bids' ids (as they appear in paths)."""
    lot = tender.lots.get()
    found = [tender.case.reference, f"/lots/{lot.number}/", f"/{lot.pk}/"]
    for each in bids:
        found += [f"/{each.pk}/", f"/{bid_key(each)}/", bid_key(each)]
    return [text for text in found if len(text) > 3]  # "/1/" is not a telltale


def test_refused_bid_actions_leave_no_trace_of_the_tender_lot_or_bid(
    client, api_for, sealed, caplog
):
    tender, own, other, rep = sealed
    reference, lot = tender.case.reference, tender.lots.get()
    caplog.set_level(logging.DEBUG)
    client.force_login(rep)
    api = api_for(rep)

    # A second bid on the same lot: refused on the page and in the API.
    page = client.post(url("bid_submit", reference, lot.number), bid_form())
    assert "already has a bid on this lot" in page.content.decode()
    assert api.post("/api/bids/", bid_body(lot.pk), format="json").status_code in (
        400,
        409,
    )
    # Another company's bid: "doesn't exist", logged by Django as a 404.
    confirm = {"confirm": "on"}
    assert client.post(url("bid_withdraw", bid_key(other)), confirm).status_code == 404
    other_api = f"/api/bids/{bid_key(other)}/withdraw/"
    assert api.post(other_api).status_code == 404
    # A question after the clarification period: refused.
    question = {"question": "Is night vision required?"}
    assert client.post(url("clarification_ask", reference), question).status_code in (
        200,
        403,
    )
    clarifications = f"/api/tenders/{reference}/clarifications/"
    assert api.post(clarifications, question, format="json").status_code in (400, 409)
    # A procurement officer's action: 403.
    assert client.post(url("tender_publish", reference)).status_code == 403
    assert api.post(f"/api/tenders/{reference}/cancel/").status_code == 403
    # Its own bid withdrawn, then withdrawn again: refused.
    assert client.post(url("bid_withdraw", bid_key(own)), confirm).status_code == 302
    again = client.post(url("bid_withdraw", bid_key(own)), confirm)
    assert again.status_code == 200 and "withdrawn" in again.content.decode()
    own_api = f"/api/bids/{bid_key(own)}/withdraw/"
    assert api.post(own_api).status_code in (400, 409)

    events = list(SecurityEvent.objects.values())
    kinds = {event["kind"] for event in events}
    assert {
        SecurityEventKind.BUSINESS_RULE_REFUSED,
        SecurityEventKind.PERMISSION_DENIED,
    } <= kinds
    paths = {event["path"] for event in events if event["user_id"] == rep.pk}
    assert "/tenders/<reference>/lots/<number>/bid/" in paths
    assert any(path.startswith("/api/bids/<") for path in paths), paths
    assert any(path.startswith("/bids/<") for path in paths), paths
    assert "/api/tenders/<reference>/clarifications/" in paths

    records = [r for r in caplog.records if r.name.startswith("django")]
    assert any(r.name == "django.request" and r.status_code == 404 for r in records)
    messages = [record.getMessage() for record in caplog.records]
    assert any("/bids/<" in message for message in messages), messages
    rows = [
        str(value) for event in events for value in event.values() if value
    ]  # every field of every row
    for telltale in telltales(tender, own, other):
        assert not [row for row in rows if telltale in row], telltale
        assert not [m for m in messages if telltale in m], telltale


def test_only_paths_under_a_tender_lot_or_bid_are_reduced_to_their_route():
    reference = "TND-2026-0042"
    assert safe_path(f"/tenders/{reference}/lots/3/bid/") == (
        "/tenders/<reference>/lots/<number>/bid/"
    )
    assert safe_path(f"/api/tenders/{reference}/clarifications/") == (
        "/api/tenders/<reference>/clarifications/"
    )
    assert reference not in safe_path(f"/ocds/tenders/{reference}.json")
    assert "17" not in safe_path("/api/bids/17/withdraw/")
    assert "17" not in safe_path("/api/bids/17.json")
    # A path nothing routes to keeps no more than where it went.
    assert safe_path(f"/tenders/{reference}/nowhere/") == "/tenders/…"
    # Other paths are kept as they are: they name no company's bid.
    assert safe_path("/members/JP/") == "/members/JP/"
    assert safe_path("/api/member-states/JP/transition/") == (
        "/api/member-states/JP/transition/"
    )
    assert safe_path(reverse("login")) == reverse("login")


def test_the_development_server_log_keeps_the_route_only(server_log):
    logging.getLogger("django.server").info(
        '"%s" %s %s', "POST /tenders/TND-2026-0042/lots/3/bid/?x=1 HTTP/1.1", 302, 0
    )
    (record,) = server_log.records
    assert record.getMessage() == (
        '"POST /tenders/<reference>/lots/<number>/bid/ HTTP/1.1" 302 0'
    )
