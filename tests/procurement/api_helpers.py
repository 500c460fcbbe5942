"""Helpers for the procurement API tests: calls, answers, and what a response
must never hold while the bids are sealed."""

import datetime as dt
import json

from django.utils import timezone

TODAY = timezone.localdate()


def post(api, path, data=None, *, key=None, multipart=False):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return api.post(
        path, data or {}, format="multipart" if multipart else "json", **headers
    )


def ok(response, code=200):
    assert response.status_code == code, response.content
    return response.json()


def refused(response, code, message=None):
    """The refusal, with its message in the body when one is expected."""
    assert response.status_code == code, response.content
    body = response.json()
    if message is not None:
        assert message in json.dumps(body, ensure_ascii=False), body
    return body


def results(response):
    return ok(response)["results"]


def iso(moment):
    return moment.isoformat()


def in_days(days):
    return timezone.now() + dt.timedelta(days=days)


def keys(data):
    """Every key of a JSON document, however deep."""
    found = set()
    if isinstance(data, dict):
        for key, value in data.items():
            found.add(key)
            found |= keys(value)
    elif isinstance(data, list):
        for value in data:
            found |= keys(value)
    return found


def assert_tells_nothing_of_bids(response, *secrets):
    """No price, no document and no count of bids: not one key about bids."""
    text = response.content.decode()
    for secret in secrets:
        assert secret not in text, text
    about_bids = {key for key in keys(response.json()) if "bid" in key.lower()}
    assert not about_bids, about_bids


def requirement_body(**changes):
    body = {
        "title": "Reconnaissance drones",
        "source_reference": "AFU-2026-117",
        "capability": "reconnaissance",
        "quantity": 500,
        "specification": "Day/night camera, 30 km range",
        "priority": "high",
        "needed_by": str(TODAY + dt.timedelta(days=200)),
    }
    body.update(changes)
    return body


def tender_body(requirement_id, **changes):
    body = {
        "title": "Reconnaissance drones 2026",
        "description": "Lot 1: quadcopters",
        "requirements": [requirement_id],
        "pool": "unrestricted",
        "clarification_deadline": iso(in_days(5)),
        "submission_deadline": iso(in_days(10)),
        "excluded_origins": ["RU", "BY", "IR", "KP"],
    }
    body.update(changes)
    return body


def lot_body(**changes):
    body = {
        "title": "Quadcopters",
        "capability": "reconnaissance",
        "quantity": 500,
        "max_unit_price": "2000.00",
        "delivery_from": "2026-12-01",
        "delivery_to": "2027-03-01",
    }
    body.update(changes)
    return body


def bid_body(lot_id, price="1400.00", **changes):
    body = {
        "lot": lot_id,
        "unit_price": price,
        "quantity": 250,
        "delivery_schedule": "250 units by 2027-01-15",
        "compliance": {"night_camera": "yes"},
    }
    body.update(changes)
    return body
