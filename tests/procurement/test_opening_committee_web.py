"""The opening committee through the web pages: naming it on the draft,
"Waiting for you" and the acceptance page, the bidder's own copy, and the
opening ceremony form (k-1 refused, a wrong passphrase refused without saying
whose, before the deadline refused, k open)."""

import base64
import json

import pytest

from procurement.models import Opener, OpeningCommittee, TenderStatus
from secretariat.kernel.roles import Role
from tests.conftest import refresh
from tests.factories import UserFactory
from tests.procurement.helpers import to_tendering
from tests.procurement.opening_committee import (  # noqa: F401
    MEMBERS,
    PASSPHRASES,
    cheap_kdf,
    committee_draft,
    committee_tender_with_bids,
    name_committee,
    opener_of,
)
from tests.procurement.web import bid_form, errors_of, html_of, tender_url, url

pytestmark = pytest.mark.django_db


def _members_form(people, threshold=2, members=MEMBERS):
    return {
        "members": [getattr(people, who).pk for who in members],
        "threshold": threshold,
    }


def test_the_officer_names_the_committee_from_the_draft_page(people, tender, web):
    browser = web(people.procurement)
    page = html_of(browser.get(tender_url(tender)))
    name_url = url("opening_committee_name", tender.case.reference)
    assert f'href="{name_url}"' in page
    form_page = html_of(browser.get(name_url))
    # Only people who may open bids are offered.
    assert str(people.evaluator) in form_page
    assert str(people.finance) not in form_page
    response = browser.post(name_url, _members_form(people))
    assert response.status_code == 302
    committee = OpeningCommittee.objects.get(tender=tender)
    assert committee.openers.count() == 3
    assert "has not accepted yet" in html_of(browser.get(tender_url(tender)))


def test_every_problem_of_the_committee_form_at_once(people, tender, web):
    browser = web(people.procurement)
    response = browser.post(
        url("opening_committee_name", tender.case.reference),
        _members_form(people, threshold=5, members=["officer", "evaluator"]),
    )
    assert response.status_code == 200
    assert errors_of(response, "members")
    assert errors_of(response, "threshold")
    assert not Opener.objects.exists()


@pytest.mark.parametrize("who", ["officer", "evaluator", "finance", "outsider"])
def test_nobody_else_names_the_committee(people, tender, web, who):
    browser = web(getattr(people, who))
    response = browser.post(
        url("opening_committee_name", tender.case.reference), _members_form(people)
    )
    assert response.status_code in (403, 404)
    assert not Opener.objects.exists()


def test_the_member_finds_the_appointment_waiting_and_accepts(people, tender, web):
    name_committee(people, tender)
    opener = opener_of(tender, people.evaluator)
    browser = web(people.evaluator)
    start = html_of(browser.get("/"))
    accept_url = url("opener_accept", opener.pk)
    assert "Accept your appointment to the opening committee" in start
    assert accept_url in start
    mismatch = browser.post(
        accept_url,
        {"passphrase": "short", "passphrase_again": "other"},
    )
    assert errors_of(mismatch, "passphrase") and errors_of(mismatch, "passphrase_again")
    # The passphrase typed is never sent back into the page.
    assert "short" not in html_of(mismatch).split("<form", 1)[1].split("</form>")[0]
    done = browser.post(
        accept_url,
        {
            "passphrase": PASSPHRASES["evaluator"],
            "passphrase_again": PASSPHRASES["evaluator"],
        },
    )
    assert done.status_code == 302
    assert refresh(opener).accepted_at is not None
    assert accept_url not in html_of(browser.get("/"))


@pytest.mark.parametrize("who", ["procurement", "officer", "outsider", "admin"])
def test_another_persons_appointment_is_not_found(people, tender, web, who):
    name_committee(people, tender)
    opener = opener_of(tender, people.evaluator)
    response = web(getattr(people, who)).post(
        url("opener_accept", opener.pk),
        {"passphrase": "a long passphrase", "passphrase_again": "a long passphrase"},
    )
    assert response.status_code == 404
    assert refresh(opener).accepted_at is None


def test_the_bidder_downloads_their_copy_at_submission(people, bidders, web):
    tender = to_tendering(committee_draft(people), people)
    rep_lv = bidders[0][1]
    browser = web(rep_lv)
    response = browser.post(
        url("bid_submit", tender.case.reference, 1), bid_form(price="1400.00")
    )
    assert response.status_code == 200
    page = html_of(response)
    assert "Download your copy of the offer" in page
    encoded = page.split("data:application/json;base64,", 1)[1].split('"', 1)[0]
    copy = json.loads(base64.b64decode(encoded))
    assert copy["offer"]["unit_price"] == "1400.00"
    bid = tender.lots.get().bids.get()
    assert copy["bid"] == str(bid.public_id)
    # The bid's page says the server cannot show it, and does not crash.
    bid_page = html_of(browser.get(bid.get_absolute_url()))
    assert "sealed to the tender&#x27;s opening committee" in bid_page
    assert "1,400.00" not in bid_page
    assert "sealed to the tender&#x27;s opening committee" in html_of(
        browser.get(tender_url(tender))
    )
    # A change replaces the whole offer: the form says so, and keeps nothing.
    change_page = html_of(browser.get(url("bid_change", bid.public_id)))
    assert "upload the documents again" in change_page
    assert "keep_documents" not in change_page
    changed = browser.post(url("bid_change", bid.public_id), bid_form(price="1300.00"))
    assert changed.status_code == 200
    assert "Download your copy of the offer" in html_of(changed)
    assert browser.get(url("bid_withdraw", bid.public_id)).status_code == 200


def _ceremony(people, tender, who, wrong=()):
    data = {"confirm": "on"}
    for name in who:
        opener = opener_of(tender, getattr(people, name))
        data[f"passphrase_{opener.pk}"] = PASSPHRASES[name] + (
            "!" if name in wrong else ""
        )
    return data


def test_the_opening_ceremony_on_the_web(people, bidders, web):
    tender, _bids = committee_tender_with_bids(people, bidders)
    browser = web(people.procurement)
    open_url = url("tender_open", tender.case.reference)
    page = html_of(browser.get(open_url))
    for name in MEMBERS:
        assert f"Passphrase of {getattr(people, name)}" in page
    fewer = browser.post(open_url, _ceremony(people, tender, ["officer"]))
    assert "at least 2 members" in " ".join(errors_of(fewer))
    wrong = browser.post(
        open_url, _ceremony(people, tender, ["officer", "evaluator"], wrong=["officer"])
    )
    message = " ".join(errors_of(wrong))
    assert "at least one of them is wrong" in message
    assert str(people.officer) not in message
    assert refresh(tender).opened_at is None
    done = browser.post(open_url, _ceremony(people, tender, ["officer", "evaluator"]))
    assert done.status_code == 302
    assert refresh(tender).status == TenderStatus.OPENED
    tender_page = html_of(browser.get(tender_url(tender)))
    assert "1,400.00" in tender_page or "1400.00" in tender_page
    assert "Bids opened by the committee" in tender_page


def test_before_the_deadline_the_ceremony_is_refused(people, bidders, web):
    tender, _bids = committee_tender_with_bids(people, bidders, deadline_passed=False)
    browser = web(people.procurement)
    open_url = url("tender_open", tender.case.reference)
    assert "Bids are open for submission until" in html_of(browser.get(open_url))
    response = browser.post(open_url, _ceremony(people, tender, MEMBERS))
    assert response.status_code == 200
    assert "Bids are open for submission until" in " ".join(errors_of(response))
    assert refresh(tender).opened_at is None


def test_a_replacement_is_named_and_receives_a_share_on_the_web(people, bidders, web):
    tender, _bids = committee_tender_with_bids(people, bidders, deadline_passed=False)
    newcomer = UserFactory(username="newcomer", roles=[Role.SECRETARIAT_OFFICER])
    browser = web(people.procurement)
    lost = opener_of(tender, people.officer)
    assert url("opener_replace", tender.case.reference) in html_of(
        browser.get(tender_url(tender))
    )
    named = browser.post(
        url("opener_replace", tender.case.reference),
        {"replaced": lost.pk, "person": newcomer.pk},
    )
    assert named.status_code == 302
    replacement = opener_of(tender, newcomer)
    accepted = web(newcomer).post(
        url("opener_accept", replacement.pk),
        {"passphrase": "fresh start three", "passphrase_again": "fresh start three"},
    )
    assert accepted.status_code == 302
    reissue_url = url("opener_reissue", tender.case.reference)
    done = browser.post(
        reissue_url, _ceremony(people, tender, ["procurement", "evaluator"])
    )
    assert done.status_code == 302, errors_of(done)
    assert refresh(lost).replaced_at is not None
    assert refresh(replacement).sealed_share is not None
