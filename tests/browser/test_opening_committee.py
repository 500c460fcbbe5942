"""The opening committee in a real browser: the procurement officer names it on
the draft; each member finds the appointment waiting and accepts with a
passphrase; the tender is published; a company bids and downloads its own copy;
after the deadline one passphrase is refused, two open the bids."""

import datetime as dt
import json

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from procurement.models import Tender, TenderStatus
from procurement.tasks import advance_tenders_by_deadlines
from tests.browser.helpers import enrol_staff
from tests.conftest import refresh
from tests.procurement.helpers import draft_tender, make_manufacturer
from tests.procurement.opening_committee import (  # noqa: F401
    MEMBERS,
    PASSPHRASES,
    cheap_kdf,
)

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def time_passes(tender, **deadlines):
    Tender.objects.filter(pk=tender.pk).update(**deadlines)
    advance_tenders_by_deadlines()
    return refresh(tender)


def test_a_committee_names_accepts_and_opens(people, latvia, sign_in):
    _maker, rep = make_manufacturer(people, latvia, "SIA Baltic UAV", "LV1")
    members = [getattr(people, who) for who in MEMBERS]
    enrol_staff(*members)
    tender = draft_tender(people)
    reference = tender.case.reference

    officer = sign_in(people.procurement)
    officer.goto(f"/tenders/{reference}/")
    officer.get_by_role("link", name="Name the opening committee").click()
    for member in members:
        officer.get_by_label(str(member)).check()
    officer.get_by_label("Members needed to open the bids").fill("2")
    officer.get_by_role("button", name="Name the committee").click()
    expect(officer.get_by_role("region", name="Opening committee")).to_contain_text(
        "has not accepted yet"
    )

    for who, member in zip(MEMBERS, members, strict=True):
        page = officer if member == people.procurement else sign_in(member)
        page.goto("/")
        page.get_by_role("link", name="Accept the appointment").first.click()
        page.get_by_label("Your passphrase").fill(PASSPHRASES[who])
        page.get_by_label("The same passphrase again").fill(PASSPHRASES[who])
        page.get_by_role("button", name="Accept the appointment").click()
        expect(page.locator("main")).to_contain_text("You accepted the appointment")

    officer.goto(f"/tenders/{reference}/")
    officer.get_by_role("link", name="Publish", exact=True).click()
    officer.get_by_role("button", name="Confirm: Publish").click()
    expect(officer.locator("h1 .status")).to_have_text("Published (clarifications)")
    tender = time_passes(
        tender, clarification_deadline=timezone.now() - dt.timedelta(seconds=1)
    )

    company = sign_in(rep)
    company.goto(f"/tenders/{reference}/")
    company.get_by_role("link", name="Bid for lot 1").click()
    company.get_by_label("Unit price (EUR)").fill("1400.00")
    company.get_by_label("Quantity offered").fill("250")
    company.get_by_label("Delivery schedule").fill("250 units by 2027-01-15")
    company.get_by_role("button", name="Submit sealed bid").click()
    expect(company.locator("h1")).to_have_text("Your bid is sealed")
    with company.expect_download() as download:
        company.get_by_role("link", name="Download your copy of the offer").click()
    copy = json.loads(download.value.path().read_text())
    assert copy["offer"]["unit_price"] == "1400.00"

    tender = time_passes(
        tender, submission_deadline=timezone.now() - dt.timedelta(seconds=1)
    )
    officer.reload()
    officer.get_by_role("link", name="Open the bids", exact=True).click()
    officer.get_by_label(f"Passphrase of {people.officer}").fill(PASSPHRASES["officer"])
    officer.get_by_label("Open every bid now", exact=False).check()
    officer.get_by_role("button", name="Confirm: Open the bids").click()
    expect(officer.locator("main")).to_contain_text("at least 2 members")
    officer.get_by_label(f"Passphrase of {people.officer}").fill(PASSPHRASES["officer"])
    officer.get_by_label(f"Passphrase of {people.evaluator}").fill(
        PASSPHRASES["evaluator"]
    )
    officer.get_by_label("Open every bid now", exact=False).check()
    officer.get_by_role("button", name="Confirm: Open the bids").click()
    bids = officer.get_by_role("table", name="Opened bids")
    expect(bids).to_contain_text("EUR 1,400.00")
    expect(officer.locator("main")).to_contain_text("Bids opened by the committee")
    assert refresh(tender).status == TenderStatus.OPENED
