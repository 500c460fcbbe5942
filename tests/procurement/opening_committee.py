"""Builders for the opening committee's tests: a tender whose bids only its
committee (any 2 of 3) can open."""

import pytest

from procurement import services
from procurement.models import Opener
from tests.conftest import refresh
from tests.procurement.helpers import bid, draft_tender, past_deadline, to_tendering

# By the people fixture's name: a passphrase only that member knows.
PASSPHRASES = {
    "officer": "amber river forty one",
    "procurement": "quiet harbour seven",
    "evaluator": "north gate nineteen",
}
MEMBERS = list(PASSPHRASES)


@pytest.fixture(autouse=True)
def cheap_kdf(settings):
    """Argon2id's minimum cost: the same code path, a fraction of the time."""
    from nacl import pwhash

    settings.OPENER_KDF_OPSLIMIT = pwhash.argon2id.OPSLIMIT_MIN
    settings.OPENER_KDF_MEMLIMIT = pwhash.argon2id.MEMLIMIT_MIN


def opener_of(tender, user) -> Opener:
    return Opener.objects.get(
        committee__tender=tender, person=user, replaced_at__isnull=True
    )


def name_committee(people, tender, threshold=2):
    return services.opening_committee_name(
        tender=tender,
        actor=people.procurement,
        members=[getattr(people, who) for who in MEMBERS],
        threshold=threshold,
    )


def accept_all(people, tender):
    for who, passphrase in PASSPHRASES.items():
        user = getattr(people, who)
        services.opener_accept(
            opener=opener_of(tender, user),
            actor=user,
            passphrase=passphrase,
            passphrase_again=passphrase,
        )


def committee_draft(people):
    """A draft tender with its committee named and accepted."""
    tender = draft_tender(people)
    name_committee(people, tender)
    accept_all(people, tender)
    return refresh(tender)


def passphrases_of(people, tender, *who, wrong=()):
    """``{opener id: passphrase}`` for the members named; those in ``wrong``
    type a wrong one."""
    return {
        opener_of(tender, getattr(people, name)).pk: (
            PASSPHRASES[name] + "!" if name in wrong else PASSPHRASES[name]
        )
        for name in who
    }


def committee_tender_with_bids(people, bidders, *, deadline_passed=True):
    """A committee tender in tendering with two bids (1400 and 1600 EUR), its
    deadline passed unless told otherwise."""
    (_maker_lv, rep_lv), (_maker_gb, rep_gb) = bidders
    tender = to_tendering(committee_draft(people), people)
    bids = {
        "lv": bid(rep_lv, tender, price="1400.00"),
        "gb": bid(rep_gb, tender, price="1600.00"),
    }
    if deadline_passed:
        tender = past_deadline(tender)
    return tender, bids
