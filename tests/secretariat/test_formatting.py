"""Scores are written as ``floatformat`` writes them (half up), by a helper cheap
enough for a ranking of hundreds of bids."""

from decimal import Decimal

import pytest
from django.template.defaultfilters import floatformat

from secretariat.kernel.formatting import points


@pytest.mark.parametrize(
    "value",
    [Decimal(200) / 3, Decimal("75.25"), Decimal("75.35"), Decimal("99.95"), 0, 100],
)
@pytest.mark.parametrize("places", [1, 2])
def test_points_write_what_floatformat_writes(value, places):
    assert points(value, places) == floatformat(value, places)


def test_points_of_nothing_and_of_text():
    assert points(None) == ""
    assert points("") == ""
    assert points("n/a") == "n/a"
    assert points(Decimal("66.666")) == "66.7"
    assert points(Decimal("80"), 2) == "80.00"
