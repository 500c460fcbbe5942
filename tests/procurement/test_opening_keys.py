"""The committee's keys (procurement.opening_keys): what opens a bid and what
does not, below the pages and services that use them."""

import pytest
from django.conf import settings

from procurement import opening_keys as keys
from procurement import sealing

OFFER = {"unit_price": "1400.00", "currency": "EUR", "note": "Night capable."}


@pytest.fixture(autouse=True)
def _cheap_kdf(settings):
    # Argon2id's interactive limits take 64 MiB and ~0.1 s per member; the
    # tests use the minimum (the code path is the same).
    from nacl import pwhash

    settings.OPENER_KDF_OPSLIMIT = pwhash.argon2id.OPSLIMIT_MIN
    settings.OPENER_KDF_MEMLIMIT = pwhash.argon2id.MEMLIMIT_MIN


@pytest.fixture
def committee():
    passphrases = ["amber river 41", "quiet harbour 7", "north gate 19"]
    enrolled = [keys.opener_enrol(p) for p in passphrases]
    tender = keys.tender_keys(2, [public for public, _sealed in enrolled])
    return passphrases, enrolled, tender


def _share(committee, i, passphrase=None):
    passphrases, enrolled, tender = committee
    return keys.share_unlock(
        enrolled[i][1], passphrase or passphrases[i], tender.sealed_shares[i]
    )


def test_any_two_of_three_open_and_one_does_not(committee):
    _p, _e, tender = committee
    token = keys.seal(tender.public_key, OFFER)
    for pair in [(0, 1), (0, 2), (1, 2)]:
        shares = [_share(committee, i) for i in pair]
        private = keys.private_key_rebuild(shares, tender.wrapped_private_key)
        assert keys.unseal(private, token) == OFFER
    with pytest.raises(keys.OpeningRefused):
        keys.private_key_rebuild([_share(committee, 0)], tender.wrapped_private_key)
    # The same share twice is one share.
    with pytest.raises(keys.OpeningRefused):
        keys.private_key_rebuild(
            [_share(committee, 0), _share(committee, 0)], tender.wrapped_private_key
        )


def test_a_wrong_passphrase_is_refused_without_saying_more(committee):
    with pytest.raises(keys.OpeningRefused) as refusal:
        _share(committee, 1, passphrase="quiet harbour 8")
    assert str(refusal.value) == ""


def test_a_share_sealed_to_another_member_does_not_open(committee):
    passphrases, enrolled, tender = committee
    with pytest.raises(keys.OpeningRefused):
        keys.share_unlock(enrolled[0][1], passphrases[0], tender.sealed_shares[1])


def test_nothing_the_server_keeps_opens_a_bid(committee):
    """Every byte the server stores, and every server secret, tried as a key."""
    _p, enrolled, tender = committee
    token = keys.seal(tender.public_key, OFFER)
    stored = [tender.public_key, tender.wrapped_private_key, *tender.sealed_shares]
    for _public, sealed in enrolled:
        stored += [bytes.fromhex(sealed["box"]), bytes.fromhex(sealed["salt"])]
    secrets = [
        settings.SECRET_KEY.encode(),
        *map(str.encode, settings.BID_ENCRYPTION_KEYS),
    ]
    from nacl.public import PrivateKey

    for candidate in stored + secrets:
        for key in {candidate[:32].ljust(32, b"\0"), candidate[-32:].rjust(32, b"\0")}:
            with pytest.raises(ValueError):
                keys.unseal(PrivateKey(key), token)
    with pytest.raises(ValueError):
        sealing.unseal(token)


def test_tokens_are_padded_to_the_same_buckets(committee):
    _p, _e, tender = committee
    short = keys.seal(tender.public_key, {"unit_price": "1"})
    longer = keys.seal(tender.public_key, {"unit_price": "1", "note": "x" * 700})
    assert len(short) == len(longer)
    assert keys.is_committee_token(short) and not keys.is_committee_token(
        sealing.seal(OFFER)
    )


def test_members_reissue_a_share_to_a_replacement(committee):
    passphrases, enrolled, tender = committee
    token = keys.seal(tender.public_key, OFFER)
    newcomer = keys.opener_enrol("fresh start 3")
    openers = [enrolled[0][0], enrolled[1][0], newcomer[0]]
    reissued = keys.shares_reissue(
        [_share(committee, 0), _share(committee, 1)],
        tender.wrapped_private_key,
        2,
        openers,
    )
    # The newcomer and one old member now open together.
    shares = [
        keys.share_unlock(enrolled[0][1], passphrases[0], reissued[0]),
        keys.share_unlock(newcomer[1], "fresh start 3", reissued[2]),
    ]
    private = keys.private_key_rebuild(shares, tender.wrapped_private_key)
    assert keys.unseal(private, token) == OFFER
    # Wrong shares re-issue nothing.
    with pytest.raises(keys.OpeningRefused):
        keys.shares_reissue(
            [_share(committee, 0)], tender.wrapped_private_key, 2, openers
        )


def test_the_threshold_is_at_least_two_and_at_most_the_members():
    public = [keys.opener_enrol("p")[0] for _ in range(3)]
    for threshold in (1, 4):
        with pytest.raises(ValueError):
            keys.tender_keys(threshold, public)
