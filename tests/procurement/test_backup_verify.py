"""``verify`` (after a restore) checks the tamper-evident trail of bids and the
documents, naming what does not match."""

import pytest

from procurement.models import Bid
from secretariat import backups
from tests.procurement.helpers import bid, to_tendering

pytestmark = pytest.mark.django_db


def test_verify_names_a_bid_whose_sealed_offer_no_longer_matches_its_receipt(
    people, bidders, tender
):
    (_maker, rep), _other = bidders
    sealed = bid(rep, to_tendering(tender, people))
    manifest = backups.snapshot()
    assert backups.verify(manifest) == []

    Bid.objects.filter(pk=sealed.pk).update(sealed=b"not what was submitted")
    assert backups.verify(manifest) == [
        f"bid {sealed.public_id}: its sealed offer does not match its receipt"
    ]
