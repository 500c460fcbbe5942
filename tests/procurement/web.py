"""Helpers for the procurement web tests: URLs, form data, and what a page
must not give away."""

import datetime as dt
import re

from django.urls import reverse
from django.utils import timezone

from procurement.models import TYPED_CRITERIA
from tests.procurement.helpers import SECRET_PRICE


def url(name, *args):
    return reverse(f"procurement:{name}", args=args)


def tender_url(tender):
    return url("tender", tender.case.reference)


def local(moment: dt.datetime) -> str:
    """A moment as a datetime-local input sends it."""
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def errors_of(response, field=None, form="form"):
    return response.context[form].errors.get(field or "__all__", [])


def html_of(response) -> str:
    return response.content.decode()


# "2 bids", "1 bid", "3 bid(s)": a count of bids in any wording.
BID_COUNT = re.compile(r"\b\d+\s*(?:bids?\b|bid\(s\))", re.IGNORECASE)


def leaks(html: str) -> list[str]:
    """What in a page gives away a sealed bid: its price or how many bids there
    are."""
    found = [price for price in (SECRET_PRICE, "1,234.56") if price in html]
    found += BID_COUNT.findall(html)
    return found


def bid_form(price=SECRET_PRICE, quantity=250, **extra):
    return {
        "unit_price": price,
        "quantity": quantity,
        "delivery_schedule": "250 units by 2027-01-15",
        "compliance": "Night camera: yes\nRange: 12 km",
        **extra,
    }


def score_form(bid, value, comment="Scored"):
    # Price is not typed: the tender's formula scores it.
    data = {f"bid-{bid.public_id}-{criterion}": value for criterion in TYPED_CRITERIA}
    data[f"bid-{bid.public_id}-comment"] = comment
    return data
