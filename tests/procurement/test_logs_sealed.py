"""The logs of a bid's submission and of the opening hold no price, no bid
content and no password: everything written at every level, as production
writes it (JSON lines with the request id)."""

import io
import json
import logging

import pytest

from procurement.models import TenderStatus
from secretariat.kernel import request_log
from tests.conftest import refresh
from tests.factories import PASSWORD
from tests.procurement.helpers import SECRET_PRICE, bid, past_deadline, to_tendering
from tests.procurement.web import bid_form, url

pytestmark = pytest.mark.django_db


@pytest.fixture
def every_log_line():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(request_log.json_formatter())
    handler.addFilter(request_log.RequestContextFilter())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield stream.getvalue
    root.removeHandler(handler)
    root.setLevel(level)


def test_a_bid_and_its_opening_leave_no_price_or_content_in_the_logs(
    people, bidders, tender, web, client, every_log_line
):
    (_maker, rep), _other = bidders
    tender = to_tendering(tender, people)
    reference = tender.case.reference
    # A sign-in with the password, as a person does.
    client.post("/accounts/login/", {"username": rep.username, "password": PASSWORD})
    form = bid_form(delivery_schedule="Forty-two units by the first frost")
    response = web(rep).post(url("bid_submit", reference, 1), form)
    assert response.status_code == 302
    tender = past_deadline(tender)
    response = web(people.procurement).post(
        url("tender_open", reference), {"confirm": "on"}
    )
    assert response.status_code == 302
    assert refresh(tender).status == TenderStatus.OPENED

    text = every_log_line()
    lines = [json.loads(line) for line in text.splitlines()]
    assert any("POST" in line["message"] for line in lines)  # the requests were logged
    for secret in (SECRET_PRICE, "1,234.56", "1234,56", PASSWORD,
                   "Forty-two units", "Night camera", reference):  # fmt: skip
        assert secret not in text, secret


def test_json_lines_of_a_refused_bid_request_name_no_bid(
    people, bidders, tender, client, every_log_line
):
    """django.request's record of a 404 carries the request itself, whose repr
    is the full path: a JSON line writes only its own fields."""
    (_maker_a, rep_a), (_maker_b, rep_b) = bidders
    tender = to_tendering(tender, people)
    other = bid(rep_b, tender)
    client.force_login(rep_a)
    response = client.post(url("bid_withdraw", str(other.public_id)), {"confirm": "on"})
    assert response.status_code == 404
    lines = [json.loads(line) for line in every_log_line().splitlines()]
    assert any(line["logger"] == "django.request" for line in lines)
    written = every_log_line()
    assert str(other.public_id) not in written
    assert tender.case.reference not in written


def test_a_path_filtered_twice_keeps_its_route(server_log):
    """Logging configured twice puts the filter on a logger twice: the second
    pass leaves the route as the first wrote it."""
    from secretariat.kernel.redaction import SealedPathFilter

    server = logging.getLogger("django.server")
    extra = SealedPathFilter()
    server.addFilter(extra)
    try:
        server.info(
            '"%s" %s %s', "POST /tenders/TND-2026-0042/lots/3/bid/ HTTP/1.1", 302, 0
        )
    finally:
        server.removeFilter(extra)
    (record,) = server_log.records
    assert record.getMessage() == (
        '"POST /tenders/<reference>/lots/<number>/bid/ HTTP/1.1" 302 0'
    )
