"""Bids that only an opening committee can open (k of n): naming it, each
member's acceptance, publication, sealing, what a full database dump and the
servers' settings give (nothing that opens a bid), the opening with k
passphrases and not fewer, wrong passphrases, the deadline, re-issuing a share
to a replacement, and the bidder's side."""

import base64
import binascii
import contextlib
import hashlib
import json

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import connection
from nacl.public import PrivateKey
from nacl.secret import SecretBox

from procurement import opening_keys, sealing, services
from procurement.models import Bid, BidEvent, Opener, TenderStatus
from secretariat.backups import _bid_receipts
from secretariat.kernel import policy
from secretariat.kernel.exceptions import ApplicationError, ConflictError
from secretariat.kernel.models import TimelineEvent
from secretariat.kernel.roles import Role
from tests.conftest import refresh
from tests.factories import UserFactory
from tests.procurement.helpers import (
    bid,
    draft_tender,
    past_deadline,
    to_tendering,
)
from tests.procurement.opening_committee import (  # noqa: F401
    MEMBERS,
    PASSPHRASES,
    accept_all,
    cheap_kdf,
    committee_draft,
    committee_tender_with_bids,
    name_committee,
    opener_of,
    passphrases_of,
)

pytestmark = pytest.mark.django_db


def _open(people, tender, *who, wrong=()):
    return services.tender_open(
        tender=tender,
        actor=people.procurement,
        passphrases=passphrases_of(people, tender, *who, wrong=wrong),
    )


def _tokens(tender) -> dict:
    return {b.pk: bytes(b.sealed) for b in Bid.objects.filter(lot__tender=tender)}


# ---------------------------------------------------------------- naming


def test_the_procurement_officer_names_a_committee_of_people_who_may_open(
    people, tender
):
    committee = name_committee(people, tender)
    assert committee.threshold == 2
    assert sorted(o.person.username for o in committee.openers.all()) == sorted(
        ["officer", "procurement", "evaluator"]
    )
    assert TimelineEvent.objects.filter(
        action="opening_committee_named", description__contains="any 2 of them"
    ).exists()


def test_each_person_named_is_asked_to_accept_until_they_have(people, tender):
    from secretariat.notifications.models import Notification, NotificationKind

    committee = name_committee(people, tender)
    asked = Notification.objects.filter(kind=NotificationKind.OPENER_NAMED)
    assert sorted(n.recipient.username for n in asked) == sorted(
        ["officer", "procurement", "evaluator"]
    )
    mine = asked.get(recipient=people.evaluator)
    opener = committee.openers.get(person=people.evaluator)
    assert mine.url == opener.get_absolute_url()
    assert tender.case.reference in mine.title
    # Naming the same committee again asks nobody twice.
    name_committee(people, tender)
    assert asked.count() == 3


@pytest.mark.parametrize("who", ["officer", "evaluator", "finance", "manufacturer",
                                 "liaison_lv", "outsider", "approver_uk"])  # fmt: skip
def test_only_a_procurement_officer_names_the_committee(people, tender, who):
    decision = policy.decide(
        "tender.name_opening_committee", getattr(people, who), tender
    )
    assert not decision.allowed and decision.hidden
    with pytest.raises(PermissionDenied):
        services.opening_committee_name(
            tender=tender,
            actor=getattr(people, who),
            members=[people.officer, people.procurement, people.evaluator],
            threshold=2,
        )
    assert not Opener.objects.exists()


def test_the_committee_is_named_on_the_draft_only(people, tender):
    name_committee(people, tender)
    accept_all(people, tender)
    tender = to_tendering(tender, people)
    decision = policy.decide(
        "tender.name_opening_committee", people.procurement, tender
    )
    assert not decision.allowed and "named while" in decision.reason
    with pytest.raises(ConflictError):
        name_committee(people, tender)


def test_people_who_may_not_open_bids_are_refused_by_name(people, tender, bidders):
    _maker, rep = bidders[0]
    # A staff account bound to a manufacturer may not sit on it either.
    bound = UserFactory(
        username="bound", roles=[Role.EVALUATOR], manufacturer=bidders[1][0]
    )
    for outsider in (rep, people.liaison_lv, people.finance, bound):
        with pytest.raises(ApplicationError) as refusal:
            services.opening_committee_name(
                tender=tender,
                actor=people.procurement,
                members=[people.officer, people.procurement, outsider],
                threshold=2,
            )
        assert refusal.value.field == "members"
        assert str(outsider) in refusal.value.message
    assert not Opener.objects.exists()


@pytest.mark.parametrize(
    ("members", "threshold", "field"),
    [
        (["officer", "procurement"], 2, "members"),
        (["officer", "procurement", "evaluator"], 1, "threshold"),
        (["officer", "procurement", "evaluator"], 4, "threshold"),
    ],
)
def test_at_least_three_members_and_a_threshold_from_two_to_n(
    people, tender, members, threshold, field
):
    with pytest.raises(ApplicationError) as refusal:
        services.opening_committee_name(
            tender=tender,
            actor=people.procurement,
            members=[getattr(people, who) for who in members],
            threshold=threshold,
        )
    assert refusal.value.field == field
    assert not Opener.objects.exists()


# ---------------------------------------------------------------- accepting


def test_each_named_person_accepts_with_a_passphrase_nobody_stores(people, tender):
    name_committee(people, tender)
    opener = opener_of(tender, people.evaluator)
    assert policy.may("opener.accept", people.evaluator, opener)
    queue = policy.pending("opener.accept", people.evaluator, Opener.objects.all())
    assert list(queue) == [opener]
    services.opener_accept(
        opener=opener,
        actor=people.evaluator,
        passphrase=PASSPHRASES["evaluator"],
        passphrase_again=PASSPHRASES["evaluator"],
    )
    opener = refresh(opener)
    assert opener.accepted_at and opener.public_key
    assert PASSPHRASES["evaluator"] not in json.dumps(opener.sealed_private_key)
    assert not policy.pending("opener.accept", people.evaluator, Opener.objects.all())


@pytest.mark.parametrize("who", ["procurement", "officer", "admin", "outsider",
                                 "manufacturer", "finance"])  # fmt: skip
def test_nobody_else_accepts_a_members_appointment(people, tender, who):
    name_committee(people, tender)
    opener = opener_of(tender, people.evaluator)
    decision = policy.decide("opener.accept", getattr(people, who), opener)
    assert not decision.allowed and decision.hidden
    with pytest.raises(PermissionDenied):
        services.opener_accept(
            opener=opener,
            actor=getattr(people, who),
            passphrase="a long enough passphrase",
            passphrase_again="a long enough passphrase",
        )
    assert refresh(opener).accepted_at is None


@pytest.mark.parametrize(
    ("passphrase", "again", "field"),
    [
        ("too short", "too short", "passphrase"),
        ("a long enough passphrase", "a long enough passphrasE", "passphrase_again"),
    ],
)
def test_a_short_or_mistyped_passphrase_is_refused(
    people, tender, passphrase, again, field
):
    name_committee(people, tender)
    opener = opener_of(tender, people.evaluator)
    with pytest.raises(ApplicationError) as refusal:
        services.opener_accept(
            opener=opener,
            actor=people.evaluator,
            passphrase=passphrase,
            passphrase_again=again,
        )
    assert refusal.value.field == field
    assert refresh(opener).accepted_at is None


def test_an_appointment_is_accepted_before_publication_only(people, tender):
    name_committee(people, tender, threshold=2)
    for who in ("officer", "procurement"):
        user = getattr(people, who)
        services.opener_accept(
            opener=opener_of(tender, user), actor=user,
            passphrase=PASSPHRASES[who], passphrase_again=PASSPHRASES[who],
        )  # fmt: skip
    # Publication waits for the third member...
    decision = policy.decide("tender.publish", people.procurement, tender)
    assert not decision.allowed and str(people.evaluator) in decision.reason
    with pytest.raises(ConflictError):
        services.tender_publish(tender=tender, actor=people.procurement)
    # ... who accepts; then the tender is published and accepting is over.
    accept_all_rest = opener_of(tender, people.evaluator)
    services.opener_accept(
        opener=accept_all_rest, actor=people.evaluator,
        passphrase=PASSPHRASES["evaluator"], passphrase_again=PASSPHRASES["evaluator"],
    )  # fmt: skip
    services.tender_publish(tender=tender, actor=people.procurement)
    committee = refresh(tender).opening_committee
    assert committee.public_key and committee.wrapped_private_key
    assert all(o.sealed_share for o in committee.openers.all())


# ---------------------------------------------------------------- publication


def test_publication_is_refused_without_a_committee_when_one_is_required(
    people, tender, settings
):
    settings.OPENING_COMMITTEE = True
    decision = policy.decide("tender.publish", people.procurement, tender)
    assert not decision.allowed
    assert "Name the opening committee first" in decision.reason
    with pytest.raises(ConflictError):
        services.tender_publish(tender=tender, actor=people.procurement)
    assert refresh(tender).status == TenderStatus.DRAFT
    name_committee(people, tender)
    accept_all(people, tender)
    services.tender_publish(tender=tender, actor=people.procurement)
    assert refresh(tender).status == TenderStatus.PUBLISHED


def test_without_the_requirement_a_tender_publishes_with_the_server_keys(
    people, bidders, tender, settings
):
    settings.OPENING_COMMITTEE = False
    tender = to_tendering(tender, people)
    sealed_bid = bid(bidders[0][1], tender, price="1400.00")
    assert not opening_keys.is_committee_token(sealed_bid.sealed)
    tender = past_deadline(tender)
    services.tender_open(tender=tender, actor=people.procurement)
    assert sealing.unseal(refresh(sealed_bid).sealed)["unit_price"] == "1400.00"
    assert refresh(sealed_bid).committee_sealed is None


# ---------------------------------------------------------------- the seal


def _values(value):
    """Every value a row holds, as bytes: raw, and decoded from base64 or hex
    where a text may be an encoding of bytes; JSON walked."""
    if value is None:
        return
    if isinstance(value, memoryview | bytes | bytearray):
        yield bytes(value)
        return
    if isinstance(value, dict):
        for item in value.values():
            yield from _values(item)
        return
    if isinstance(value, list | tuple):
        for item in value:
            yield from _values(item)
        return
    text = str(value)
    yield text.encode()
    for decode in (bytes.fromhex, base64.b64decode, base64.urlsafe_b64decode):
        with contextlib.suppress(ValueError, binascii.Error):
            yield decode(text)
    if text[:1] in "[{":
        with contextlib.suppress(ValueError):
            yield from _values(json.loads(text))


def _database_dump() -> list[bytes]:
    """Every value of every row of every table, as a superuser of the database
    would read them."""
    found = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 - our names
            for row in cursor.fetchall():
                for value in row:
                    found.extend(_values(value))
    return found


def _server_settings() -> list[bytes]:
    found = []
    for name in dir(settings):
        if name.isupper():
            found.extend(_values(getattr(settings, name)))
    return found


def test_nothing_in_a_database_dump_or_the_settings_opens_a_committee_bid(
    people, bidders
):
    tender, bids = committee_tender_with_bids(people, bidders)
    tokens = [bytes(refresh(b).sealed) for b in bids.values()]
    assert all(opening_keys.is_committee_token(t) for t in tokens)
    dump = _database_dump()
    secrets = _server_settings()
    assert settings.SECRET_KEY.encode() in secrets
    candidates = {c for c in dump + secrets if c}
    assert len(candidates) > 200
    # The prices are nowhere in the clear.
    assert not any(b"1400.00" in c or b"1600.00" in c for c in candidates)
    wrapped = bytes(tender.opening_committee.wrapped_private_key)
    for candidate in candidates:
        for key in {candidate[:32].ljust(32, b"\0"), candidate[-32:].rjust(32, b"\0")}:
            for token in tokens:
                with pytest.raises(ValueError):
                    opening_keys.unseal(PrivateKey(key), token)
            # Nor as the key that unwraps the tender's private key, nor as
            # the secret the shares rebuild.
            for box_key in (key, opening_keys._wrap_key(candidate[:16])):
                with pytest.raises(Exception):  # noqa: B017 - any refusal
                    SecretBox(box_key).decrypt(wrapped)
    # The bid keys of the servers do not open it either.
    for token in tokens:
        with pytest.raises(ValueError):
            sealing.unseal(token)
    # Nor do the passphrases' boxes open with anything stored as a passphrase.
    sealed = opener_of(tender, people.evaluator).sealed_private_key
    for candidate in list(candidates)[:300]:
        try:
            text = candidate.decode()
        except UnicodeDecodeError:
            continue
        with pytest.raises(opening_keys.OpeningRefused):
            opening_keys.share_unlock(
                sealed, text, bytes(opener_of(tender, people.evaluator).sealed_share)
            )


def test_tokens_are_padded_like_the_server_keys_tokens(people, bidders):
    _tender, bids = committee_tender_with_bids(people, bidders)
    lengths = {len(bytes(refresh(b).sealed)) for b in bids.values()}
    assert len(lengths) == 1


# ---------------------------------------------------------------- opening


def test_fewer_than_k_passphrases_are_refused_and_nothing_opens(people, bidders):
    tender, _bids = committee_tender_with_bids(people, bidders)
    before = _tokens(tender)
    with pytest.raises(ApplicationError) as refusal:
        _open(people, tender, "evaluator")
    assert "at least 2 members" in refusal.value.message
    tender = refresh(tender)
    assert tender.status != TenderStatus.OPENED and tender.opened_at is None
    assert _tokens(tender) == before
    with pytest.raises(ApplicationError):
        services.tender_open(tender=tender, actor=people.procurement)


def test_k_passphrases_open_every_bid_in_one_step(people, bidders):
    tender, bids = committee_tender_with_bids(people, bidders)
    before = _tokens(tender)
    _open(people, tender, "officer", "evaluator")
    tender = refresh(tender)
    assert tender.status == TenderStatus.OPENED
    for key, price in (("lv", "1400.00"), ("gb", "1600.00")):
        opened = refresh(bids[key])
        # The token the bidder sealed is kept as it was: their receipt holds.
        assert bytes(opened.committee_sealed) == before[opened.pk]
        receipt = BidEvent.objects.filter(bid=opened).latest("at").sealed_digest
        assert hashlib.sha256(bytes(opened.committee_sealed)).hexdigest() == receipt
        # Everything after the opening reads it with the bid keys.
        assert sealing.unseal(opened.sealed)["unit_price"] == price
        assert services.bid_offer(opened, user=people.procurement)["unit_price"] == (
            price
        )
    assert _bid_receipts("default") == []
    event = TimelineEvent.objects.get(action="opened_by_committee")
    assert str(people.officer) in event.description
    assert str(people.evaluator) in event.description
    assert str(people.procurement) not in event.description.replace(
        str(people.officer), ""
    ).replace(str(people.evaluator), "")


def test_every_k_of_n_opens(people, bidders):
    tender, _bids = committee_tender_with_bids(people, bidders)
    for pair in [("officer", "procurement"), ("procurement", "evaluator")]:
        with pytest.raises(RuntimeError):
            from django.db import transaction

            with transaction.atomic():
                _open(people, tender, *pair)
                assert refresh(tender).status == TenderStatus.OPENED
                raise RuntimeError  # roll back: try the next pair
    _open(people, tender, *MEMBERS)
    assert refresh(tender).status == TenderStatus.OPENED


@pytest.mark.parametrize("wrong", ["officer", "evaluator"])
def test_a_wrong_passphrase_is_refused_without_saying_whose(people, bidders, wrong):
    tender, _bids = committee_tender_with_bids(people, bidders)
    before = _tokens(tender)
    with pytest.raises(ApplicationError) as refusal:
        _open(people, tender, "officer", "evaluator", wrong=[wrong])
    message = refusal.value.message
    assert "at least one of them is wrong" in message
    for who in MEMBERS:
        assert str(getattr(people, who)) not in message
    assert refresh(tender).opened_at is None
    assert _tokens(tender) == before


def test_before_the_deadline_every_share_is_refused(people, bidders):
    tender, _bids = committee_tender_with_bids(people, bidders, deadline_passed=False)
    before = _tokens(tender)
    with pytest.raises(ConflictError) as refusal:
        _open(people, tender, *MEMBERS)
    assert "Bids are open for submission until" in refusal.value.message
    assert refresh(tender).status == TenderStatus.TENDERING
    assert _tokens(tender) == before


@pytest.mark.parametrize("who", ["officer", "evaluator", "finance", "outsider",
                                 "approver_lv"])  # fmt: skip
def test_only_a_procurement_officer_runs_the_opening(people, bidders, who):
    """Members type their passphrases; a procurement officer runs the opening
    (members who are not procurement officers do not, as for any tender)."""
    tender, _bids = committee_tender_with_bids(people, bidders)
    user = getattr(people, who)
    with pytest.raises(PermissionDenied):
        services.tender_open(
            tender=tender,
            actor=user,
            passphrases=passphrases_of(people, tender, *MEMBERS),
        )
    assert refresh(tender).opened_at is None


def test_the_server_cannot_read_a_committee_bid_before_opening(people, bidders):
    _tender, bids = committee_tender_with_bids(people, bidders)
    lv = refresh(bids["lv"])
    rep_lv = bidders[0][1]
    decision = policy.decide("bid.read_offer", rep_lv, lv)
    assert not decision.allowed and "opening committee" in decision.reason
    with pytest.raises(ConflictError):
        services.bid_offer(lv, user=rep_lv)
    with pytest.raises(PermissionDenied):
        services.opened_bid_offer(lv)


# ---------------------------------------------------------------- bidders


def test_a_change_replaces_the_whole_offer(people, bidders):
    tender, bids = committee_tender_with_bids(people, bidders, deadline_passed=False)
    rep_lv = bidders[0][1]
    with pytest.raises(ApplicationError) as refusal:
        services.bid_change(
            bid=bids["lv"], actor=rep_lv, unit_price="1300.00", quantity=250,
            delivery_schedule="Soon", keep_documents=True,
        )  # fmt: skip
    assert refusal.value.field == "keep_documents"
    assert "upload the documents again" in refusal.value.message
    changed = services.bid_change(
        bid=bids["lv"], actor=rep_lv, unit_price="1300.00", quantity=250,
        delivery_schedule="Soon",
    )  # fmt: skip
    assert changed.own_copy["unit_price"] == "1300.00"
    assert opening_keys.is_committee_token(refresh(changed).sealed)
    tender = past_deadline(tender)
    _open(people, tender, "procurement", "evaluator")
    assert sealing.unseal(refresh(changed).sealed)["unit_price"] == "1300.00"


def test_a_withdrawn_bid_is_opened_with_the_others(people, bidders):
    tender, bids = committee_tender_with_bids(people, bidders, deadline_passed=False)
    services.bid_withdraw(bid=bids["gb"], actor=bidders[1][1])
    tender = past_deadline(tender)
    _open(people, tender, "procurement", "evaluator")
    assert sealing.unseal(refresh(bids["gb"]).sealed)["unit_price"] == "1600.00"


# ---------------------------------------------------------------- re-issue


def test_k_members_reissue_a_share_to_a_replacement(people, bidders):
    tender, _bids = committee_tender_with_bids(people, bidders, deadline_passed=False)
    newcomer = UserFactory(username="newcomer", roles=[Role.EVALUATOR])
    lost = opener_of(tender, people.officer)
    assert policy.decide("tender.reissue_share", people.procurement, tender).hidden
    replacement = services.opener_replace(
        tender=tender, actor=people.procurement, replaced=lost, person=newcomer
    )
    decision = policy.decide("tender.reissue_share", people.procurement, tender)
    assert not decision.allowed and "not accepted" in decision.reason
    # The replacement is asked to accept, after publication.
    assert list(policy.pending("opener.accept", newcomer, Opener.objects.all())) == [
        replacement
    ]
    services.opener_accept(
        opener=replacement, actor=newcomer,
        passphrase="fresh start three", passphrase_again="fresh start three",
    )  # fmt: skip
    # One member alone re-issues nothing.
    with pytest.raises(ApplicationError):
        services.opener_shares_reissue(
            tender=tender,
            actor=people.procurement,
            passphrases=passphrases_of(people, tender, "evaluator"),
        )
    services.opener_shares_reissue(
        tender=tender,
        actor=people.procurement,
        passphrases=passphrases_of(people, tender, "procurement", "evaluator"),
    )
    lost = refresh(lost)
    assert lost.replaced_at is not None and lost.sealed_share is None
    assert refresh(replacement).sealed_share is not None
    # The member replaced can no longer take part.
    tender = past_deadline(tender)
    with pytest.raises(ApplicationError):
        services.tender_open(
            tender=tender,
            actor=people.procurement,
            passphrases={
                lost.pk: PASSPHRASES["officer"],
                **passphrases_of(people, tender, "evaluator"),
            },
        )
    # The newcomer and one old member open the bids.
    services.tender_open(
        tender=tender,
        actor=people.procurement,
        passphrases={
            replacement.pk: "fresh start three",
            **passphrases_of(people, tender, "evaluator"),
        },
    )
    assert refresh(tender).status == TenderStatus.OPENED
    assert TimelineEvent.objects.filter(action="opener_share_reissued").exists()


@pytest.mark.parametrize("who", ["officer", "evaluator", "outsider", "finance"])
def test_only_a_procurement_officer_names_a_replacement(people, bidders, who):
    tender, _bids = committee_tender_with_bids(people, bidders, deadline_passed=False)
    decision = policy.decide("tender.replace_opener", getattr(people, who), tender)
    assert not decision.allowed
    with pytest.raises(PermissionDenied):
        services.opener_replace(
            tender=tender, actor=getattr(people, who),
            replaced=opener_of(tender, people.officer),
            person=UserFactory(roles=[Role.EVALUATOR]),
        )  # fmt: skip


def test_no_replacement_for_a_tender_without_a_committee(people, tender):
    tender = to_tendering(tender, people)
    decision = policy.decide("tender.replace_opener", people.procurement, tender)
    assert not decision.allowed and decision.hidden


def test_a_draft_is_published_and_its_committee_keys_made_once(people):
    tender = committee_draft(people)
    services.tender_publish(tender=tender, actor=people.procurement)
    committee = refresh(tender).opening_committee
    assert len(bytes(committee.public_key)) == 32
    assert opening_keys.is_committee_token(
        opening_keys.seal(bytes(committee.public_key), {"x": 1})
    )


def test_a_tender_without_a_committee_does_not_ask_for_passphrases(
    people, bidders, tender
):
    tender = to_tendering(draft_tender(people), people)
    sealed_bid = bid(bidders[0][1], tender)
    tender = past_deadline(tender)
    services.tender_open(tender=tender, actor=people.procurement, passphrases=None)
    assert refresh(tender).status == TenderStatus.OPENED
    assert refresh(sealed_bid).committee_sealed is None
