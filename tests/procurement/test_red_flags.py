"""Integrity red flags (``procurement.red_flags``): each indicator raised by a
tender built to raise it and not by one built not to, nothing bid-related from
sealed bids, who may read them (page and API), and the page's query budget."""

import datetime as dt

import pytest
from django.urls import reverse

from procurement import red_flags, services
from procurement.models import TYPED_CRITERIA, Manufacturer, Tender
from procurement.red_flags import (
    DISQUALIFIED_SHARE,
    LOWEST_DISQUALIFIED,
    NEAR_ESTIMATE,
    REPEAT_WINNER,
    SHARED_DETAILS,
    SHORT_PERIOD,
    SINGLE_BIDDER,
)
from secretariat.kernel import policy
from tests.conftest import refresh
from tests.procurement.helpers import (
    BIC,
    IBAN,
    bid,
    draft_tender,
    make_manufacturer,
    past_deadline,
    to_tendering,
)
from tests.secretariat.fund_fixtures import receive

pytestmark = pytest.mark.django_db

BID_BASED = {i.code for i in red_flags.indicators() if i.bid_based}
OTHER_IBAN = "LV80BANK0000435195001"


@pytest.fixture
def makers(people, latvia, uk):
    """Three vetted companies and their representatives: lv, gb, lv2."""
    return {
        "lv": make_manufacturer(people, latvia, "SIA Baltic UAV", "LV1"),
        "gb": make_manufacturer(people, uk, "UK Drones Ltd", "GB1"),
        "lv2": make_manufacturer(people, latvia, "SIA Daugava Drones", "LV2"),
    }


def _rep(makers, key):
    return makers[key][1]


def tendering(people, *, period_days=None):
    """A tender open for bids; published ``period_days`` before its submission
    deadline if given (the helpers publish it ten days before)."""
    tender = to_tendering(draft_tender(people), people)
    if period_days is not None:
        Tender.objects.filter(pk=tender.pk).update(
            published_at=tender.submission_deadline - dt.timedelta(days=period_days)
        )
    return refresh(tender)


def opened(people, makers, offers, *, suspend=()):
    """A tender whose bids (``offers``: company key -> unit price) were opened;
    the companies in ``suspend`` were suspended before the opening, so their
    bids are found ineligible."""
    tender = tendering(people)
    bids = {key: bid(_rep(makers, key), tender, price=price)
            for key, price in offers.items()}  # fmt: skip
    for key in suspend:
        services.manufacturer_vet(
            manufacturer=makers[key][0], actor=people.procurement,
            to_status="suspended", reason="Export licence withdrawn",
        )  # fmt: skip
    tender = past_deadline(tender)
    services.tender_open(tender=tender, actor=people.procurement)
    for key in suspend:
        services.manufacturer_vet(
            manufacturer=makers[key][0], actor=people.procurement,
            to_status="vetted", reason="Licence restored",
        )  # fmt: skip
    return refresh(tender), {k: refresh(v) for k, v in bids.items()}


def awarded(people, makers, offers, winner):
    """An opened tender, evaluated, its lot awarded to ``winner``'s bid."""
    tender, bids = opened(people, makers, offers)
    member = services.committee_appoint(
        tender=tender, actor=people.procurement, evaluator=people.evaluator
    )
    services.committee_declare(member=member, actor=people.evaluator, conflict=False)
    services.tender_start_evaluation(tender=tender, actor=people.procurement)
    for each in bids.values():
        for criterion in TYPED_CRITERIA:
            services.score_record(
                member=member, actor=people.evaluator, bid=refresh(each),
                criterion=criterion, value=80,
            )  # fmt: skip
    services.scoresheet_submit(member=member, actor=people.evaluator)
    award = services.award_recommend(
        lot=tender.lots.get(), bid=bids[winner], actor=people.procurement,
        justification="Best score",
    )  # fmt: skip
    return refresh(tender), award


def flags_of(tender) -> dict[str, list[str]]:
    """{indicator: [evidence]} of one tender, computed now."""
    [entry] = red_flags.flags_for([refresh(tender)])
    found = {}
    for flag in entry.flags:
        found.setdefault(flag.indicator.code, []).append(flag.evidence)
    return found


# ------------------------------------------------------------ the indicators


def test_definitions_cite_their_source_and_threshold(settings):
    settings.RED_FLAG_SHORT_SUBMISSION_DAYS = 12
    definitions = {i.code: i.definition for i in red_flags.indicators()}
    assert set(definitions) == {
        SHORT_PERIOD, SINGLE_BIDDER, LOWEST_DISQUALIFIED, DISQUALIFIED_SHARE,
        SHARED_DETAILS, NEAR_ESTIMATE, REPEAT_WINNER,
    }  # fmt: skip
    assert "Fewer than 12 days" in definitions[SHORT_PERIOD]
    assert "Cardinal R003" in definitions[SHORT_PERIOD]
    assert "Cardinal R018" in definitions[SINGLE_BIDDER]
    assert "Cardinal R036" in definitions[LOWEST_DISQUALIFIED]
    assert "Cardinal R038" in definitions[DISQUALIFIED_SHARE]
    assert "Cardinal R044" in definitions[SHARED_DETAILS]
    assert "IACRC" in definitions[NEAR_ESTIMATE]
    assert "IACRC" in definitions[REPEAT_WINNER]


def test_short_submission_period_is_flagged(people):
    tender = tendering(people, period_days=10)
    [evidence] = flags_of(tender)[SHORT_PERIOD]
    assert evidence.startswith("10 days from the publication")
    assert "the threshold is 15 days" in evidence


def test_submission_period_of_fifteen_days_is_not_flagged(people):
    assert SHORT_PERIOD not in flags_of(tendering(people, period_days=15))


def test_short_period_follows_the_setting(people, settings):
    tender = tendering(people, period_days=10)
    settings.RED_FLAG_SHORT_SUBMISSION_DAYS = 7
    assert SHORT_PERIOD not in flags_of(tender)


def test_a_draft_raises_no_flag(people):
    """Not published: there is no submission period yet."""
    assert flags_of(draft_tender(people)) == {}


def test_single_bidder_is_flagged(people, makers):
    tender, _bids = opened(people, makers, {"lv": "1400.00"})
    assert flags_of(tender)[SINGLE_BIDDER] == ["Lot 1: one bid, from SIA Baltic UAV."]


def test_two_bidders_are_not_a_single_bidder(people, makers):
    tender, _bids = opened(people, makers, {"lv": "1400.00", "gb": "1600.00"})
    assert SINGLE_BIDDER not in flags_of(tender)


def test_a_withdrawn_bid_does_not_count(people, makers):
    tender = tendering(people)
    bid(_rep(makers, "lv"), tender, price="1400.00")
    withdrawn = bid(_rep(makers, "gb"), tender, price="1600.00")
    services.bid_withdraw(bid=withdrawn, actor=_rep(makers, "gb"))
    tender = past_deadline(tender)
    services.tender_open(tender=tender, actor=people.procurement)
    assert SINGLE_BIDDER in flags_of(tender)


def test_lowest_bid_disqualified_is_flagged(people, makers):
    tender, _bids = opened(
        people, makers, {"lv": "1400.00", "gb": "1600.00"}, suspend=["lv"]
    )
    [evidence] = flags_of(tender)[LOWEST_DISQUALIFIED]
    assert evidence.startswith("Lot 1: the lowest unit price, ")
    assert "1,400.00" in evidence
    assert "SIA Baltic UAV" in evidence
    assert "not vetted" in evidence


def test_a_higher_bid_disqualified_is_not_the_lowest(people, makers):
    tender, _bids = opened(
        people, makers, {"lv": "1400.00", "gb": "1600.00"}, suspend=["gb"]
    )
    assert LOWEST_DISQUALIFIED not in flags_of(tender)


def test_half_the_bids_disqualified_is_flagged(people, makers):
    tender, _bids = opened(
        people, makers, {"lv": "1400.00", "gb": "1600.00"}, suspend=["gb"]
    )
    assert flags_of(tender)[DISQUALIFIED_SHARE] == [
        "1 of 2 bids found ineligible (50.0%); the threshold is 50%."
    ]


def test_a_third_of_the_bids_disqualified_is_not_flagged(people, makers):
    tender, _bids = opened(
        people, makers,
        {"lv": "1400.00", "gb": "1600.00", "lv2": "1500.00"}, suspend=["gb"],
    )  # fmt: skip
    assert DISQUALIFIED_SHARE not in flags_of(tender)


def test_no_bid_disqualified_raises_neither(people, makers):
    tender, _bids = opened(people, makers, {"lv": "1400.00", "gb": "1600.00"})
    flags = flags_of(tender)
    assert DISQUALIFIED_SHARE not in flags
    assert LOWEST_DISQUALIFIED not in flags


def test_bidders_sharing_an_address_are_flagged(people, makers):
    Manufacturer.objects.filter(pk=makers["lv"][0].pk).update(
        address="Brīvības iela 1, Rīga"
    )
    Manufacturer.objects.filter(pk=makers["gb"][0].pk).update(
        address="  brīvības  iela 1 rīga "
    )
    tender, _bids = opened(people, makers, {"lv": "1400.00", "gb": "1600.00"})
    assert flags_of(tender)[SHARED_DETAILS] == [
        "Lot 1: SIA Baltic UAV, UK Drones Ltd have the same address."
    ]


def test_bidders_sharing_a_bank_account_are_flagged(people, makers):
    for key in ("lv", "gb"):
        services.manufacturer_bank_account_set(
            manufacturer=makers[key][0], actor=_rep(makers, key), iban=IBAN, bic=BIC
        )
    tender, _bids = opened(people, makers, {"lv": "1400.00", "gb": "1600.00"})
    assert flags_of(tender)[SHARED_DETAILS] == [
        "Lot 1: SIA Baltic UAV, UK Drones Ltd have the same bank account (IBAN)."
    ]


def test_bidders_with_their_own_details_are_not_flagged(people, makers):
    Manufacturer.objects.filter(pk=makers["lv"][0].pk).update(address="Rīga 1")
    Manufacturer.objects.filter(pk=makers["gb"][0].pk).update(address="London 1")
    services.manufacturer_bank_account_set(
        manufacturer=makers["lv"][0], actor=_rep(makers, "lv"), iban=IBAN, bic=BIC
    )
    services.manufacturer_bank_account_set(
        manufacturer=makers["gb"][0], actor=_rep(makers, "gb"), iban=OTHER_IBAN,
        bic=BIC,
    )  # fmt: skip
    tender, _bids = opened(people, makers, {"lv": "1400.00", "gb": "1600.00"})
    assert SHARED_DETAILS not in flags_of(tender)


def test_award_price_near_the_estimate_is_flagged(people, makers, latvia):
    receive(people, latvia, "1000000.00")
    # The lot's maximum unit price is 2,000.00: 1,980.00 is 1% below it.
    tender, _award = awarded(
        people, makers, {"lv": "1980.00", "gb": "1990.00"}, winner="lv"
    )
    [evidence] = flags_of(tender)[NEAR_ESTIMATE]
    assert "awarded to SIA Baltic UAV" in evidence
    assert "1.0% below the maximum unit price" in evidence


def test_award_price_well_below_the_estimate_is_not_flagged(people, makers, latvia):
    receive(people, latvia, "1000000.00")
    tender, _award = awarded(
        people, makers, {"lv": "1400.00", "gb": "1600.00"}, winner="lv"
    )
    assert NEAR_ESTIMATE not in flags_of(tender)


def test_the_same_manufacturer_winning_repeatedly_is_flagged(people, makers, latvia):
    receive(people, latvia, "1000000.00")
    offers = {"lv": "1400.00", "gb": "1600.00"}
    first, _ = awarded(people, makers, offers, winner="lv")
    second, _ = awarded(people, makers, offers, winner="lv")
    for tender in (first, second):
        [evidence] = flags_of(tender)[REPEAT_WINNER]
        assert "SIA Baltic UAV, which won 2 of the 2 live awards" in evidence


def test_awards_shared_between_manufacturers_are_not_flagged(people, makers, latvia):
    receive(people, latvia, "1000000.00")
    offers = {"lv": "1400.00", "gb": "1600.00"}
    first, _ = awarded(people, makers, offers, winner="lv")
    second, _ = awarded(people, makers, offers, winner="gb")
    assert REPEAT_WINNER not in flags_of(first)
    assert REPEAT_WINNER not in flags_of(second)


def test_a_flag_is_information_not_a_block(people, makers, latvia):
    """A tender raising flags goes on: the award is recommended as usual."""
    receive(people, latvia, "1000000.00")
    tender, award = awarded(people, makers, {"lv": "1990.00"}, winner="lv")
    assert {SINGLE_BIDDER, NEAR_ESTIMATE} <= set(flags_of(tender))
    assert award.pk and refresh(tender).status == "evaluation"


# ------------------------------------------------------------ sealed bids


def test_a_sealed_tender_raises_no_bid_based_flag(people, makers):
    """One bid (a single bidder), from companies sharing an address and a bank
    account, the lowest from a suspended company: nothing of it shows while the
    bids are sealed, and the flags appear once they are opened."""
    for key in ("lv", "gb"):
        Manufacturer.objects.filter(pk=makers[key][0].pk).update(address="Rīga 1")
    tender = tendering(people, period_days=10)
    bid(_rep(makers, "lv"), tender, price="1999.00")
    bid(_rep(makers, "gb"), tender, price="1998.00")
    services.manufacturer_vet(
        manufacturer=makers["gb"][0], actor=people.procurement,
        to_status="suspended", reason="r",
    )  # fmt: skip
    tender = past_deadline(tender)
    assert tender.is_sealed
    assert set(flags_of(tender)) == {SHORT_PERIOD}
    for code in BID_BASED:
        assert tender not in red_flags.flagged(Tender.objects.all(), code), code

    services.tender_open(tender=tender, actor=people.procurement)
    assert {SHARED_DETAILS, LOWEST_DISQUALIFIED, DISQUALIFIED_SHARE} <= set(
        flags_of(tender)
    )


def test_bids_of_a_tender_cancelled_before_opening_stay_unread(people, makers):
    tender = tendering(people)
    bid(_rep(makers, "lv"), tender, price="1400.00")
    services.tender_cancel(tender=tender, actor=people.procurement, reason="r")
    tender = refresh(tender)
    assert tender.is_sealed
    assert not set(flags_of(tender)) & BID_BASED


# ------------------------------------------------------------ who reads them

ALLOWED = ["procurement", "approver_lv", "approver_uk", "admin"]
REFUSED = ["officer", "finance", "evaluator", "liaison_lv", "liaison_jp",
           "manufacturer", "outsider"]  # fmt: skip


@pytest.fixture
def flagged_tender(people, makers):
    tender, _bids = opened(people, makers, {"lv": "1400.00"})
    return tender


@pytest.mark.parametrize("who", ALLOWED)
def test_the_page_shows_each_flag_with_its_evidence(who, people, flagged_tender, web):
    assert policy.may("tender.view_red_flags", getattr(people, who))
    response = web(getattr(people, who)).get(reverse("procurement:red_flags"))
    assert response.status_code == 200
    page = response.content.decode()
    assert flagged_tender.case.reference in page
    assert "Lot 1: one bid, from SIA Baltic UAV." in page
    assert "Cardinal R018" in page
    assert reverse("procurement:red_flags") in page.split("</nav>")[0]


@pytest.mark.parametrize("who", REFUSED)
def test_the_page_is_refused(who, people, flagged_tender, web):
    user = getattr(people, who)
    decision = policy.decide("tender.view_red_flags", user)
    assert not decision.allowed and decision.hidden
    response = web(user).get(reverse("procurement:red_flags"))
    assert response.status_code == 403
    assert flagged_tender.case.reference not in response.content.decode()


def test_the_representative_of_a_bidder_is_refused(makers, flagged_tender, web):
    response = web(_rep(makers, "lv")).get(reverse("procurement:red_flags"))
    assert response.status_code == 403


def test_anonymous_is_sent_to_sign_in(client, flagged_tender):
    response = client.get(reverse("procurement:red_flags"))
    assert response.status_code == 302
    assert "/login" in response["Location"]


@pytest.mark.parametrize("who", ALLOWED)
def test_the_api_lists_the_flags(who, people, flagged_tender, api_for):
    response = api_for(getattr(people, who)).get("/api/red-flags/")
    assert response.status_code == 200
    [entry] = response.json()["results"]
    assert entry["tender"] == flagged_tender.case.reference
    single = [f for f in entry["flags"] if f["indicator"] == SINGLE_BIDDER]
    assert single == [{
        "indicator": SINGLE_BIDDER, "title": "Single bidder", "lot": 1,
        "evidence": "Lot 1: one bid, from SIA Baltic UAV.",
        "definition": red_flags.indicator(SINGLE_BIDDER).definition,
    }]  # fmt: skip


@pytest.mark.parametrize("who", REFUSED)
def test_the_api_is_refused(who, people, flagged_tender, api_for):
    response = api_for(getattr(people, who)).get("/api/red-flags/")
    assert response.status_code == 403
    assert flagged_tender.case.reference not in response.content.decode()


def test_the_api_refuses_the_bidders_representative(makers, flagged_tender, api_for):
    assert api_for(_rep(makers, "lv")).get("/api/red-flags/").status_code == 403


def test_the_api_refuses_anonymous_callers(flagged_tender):
    from rest_framework.test import APIClient

    assert APIClient().get("/api/red-flags/").status_code == 403


# ------------------------------------------------------------ filtering


def test_the_page_and_api_filter_by_indicator(people, makers, web, api_for):
    single, _ = opened(people, makers, {"lv": "1400.00"})
    pair, _ = opened(people, makers, {"lv": "1400.00", "gb": "1600.00"},
                     suspend=["gb"])  # fmt: skip
    url = reverse("procurement:red_flags")
    page = web(people.procurement).get(url, {"indicator": SINGLE_BIDDER})
    html = page.content.decode()
    assert single.case.reference in html
    assert pair.case.reference not in html
    body = (
        api_for(people.approver_lv)
        .get("/api/red-flags/", {"indicator": DISQUALIFIED_SHARE})
        .json()
    )
    assert [e["tender"] for e in body["results"]] == [pair.case.reference]
    bad = api_for(people.approver_lv).get("/api/red-flags/", {"indicator": "nope"})
    assert bad.status_code == 400


def test_flags_follow_the_tender_as_it_moves(people, makers):
    """Computed from the current data: the single bidder shows once opened."""
    tender = tendering(people)
    bid(_rep(makers, "lv"), tender, price="1400.00")
    tender = past_deadline(tender)
    assert SINGLE_BIDDER not in flags_of(tender)
    services.tender_open(tender=tender, actor=people.procurement)
    assert SINGLE_BIDDER in flags_of(tender)


# ------------------------------------------------------------ query budget


def test_the_page_reads_in_a_bounded_number_of_queries(
    people, makers, web, django_assert_max_num_queries
):
    browser = web(people.procurement)
    url = reverse("procurement:red_flags")
    opened(people, makers, {"lv": "1400.00"}, suspend=())
    browser.get(url)  # the session and the prices' cache, warmed
    with django_assert_max_num_queries(14):
        assert browser.get(url).status_code == 200
    for _n in range(3):
        opened(people, makers, {"lv": "1400.00", "gb": "1600.00"}, suspend=["lv"])
    with django_assert_max_num_queries(14):
        response = browser.get(url)
    assert response.content.decode().count('class="flags"') == 4
