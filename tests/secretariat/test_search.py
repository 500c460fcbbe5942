"""The header's search: it finds cases, member states, manufacturers and tenders
by reference or name, and each person finds only what they may open. Sealed bids
are never searched, nor counted."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from members import services as member_services
from members.models import OnboardingCase
from procurement import services as procurement_services
from secretariat.fund.models import Pool
from tests.procurement import conftest as procurement_fixtures
from tests.procurement.helpers import bid, category, make_manufacturer, to_tendering
from tests.procurement.web import leaks

pytestmark = pytest.mark.django_db


def _tender(people, title):
    now = timezone.now()
    requirement = procurement_services.requirement_record(
        actor=people.procurement, title=title, capability=category("reconnaissance"),
        quantity=500, specification="Day/night camera", priority="high",
        needed_by=timezone.localdate() + dt.timedelta(days=200),
    )  # fmt: skip
    tender = procurement_services.tender_create(
        actor=people.procurement, title=title, description="Lot 1",
        requirements=[requirement], pool=Pool.objects.get(code="unrestricted"),
        clarification_deadline=now + dt.timedelta(days=5),
        submission_deadline=now + dt.timedelta(days=10),
    )  # fmt: skip
    procurement_services.lot_add(
        tender=tender, actor=people.procurement, title="Quadcopters",
        capability=category("reconnaissance"), quantity=500,
        max_unit_price=Decimal("2000.00"), delivery_from=dt.date(2026, 12, 1),
        delivery_to=dt.date(2027, 3, 1),
    )  # fmt: skip
    return tender


@pytest.fixture
def world(people, latvia, uk, japan, draft):
    """Japan invited (an onboarding case), two vetted companies,
    a draft tender and a tender open for bids with a sealed bid in it, and a
    disbursement request."""
    (baltic, rep_lv) = make_manufacturer(people, latvia, "SIA Baltic UAV", "LV1")
    (british, _rep_gb) = make_manufacturer(people, uk, "UK Drones Ltd", "GB1")
    member_services.member_transition(
        member_state=japan, to_status="invited", actor=people.officer, reason="r"
    )
    draft_tender = _tender(people, "Interceptor drones (draft)")
    open_tender = to_tendering(_tender(people, "Interceptor drones 2026"), people)
    sealed = bid(rep_lv, open_tender)
    return {
        "onb_jp": OnboardingCase.objects.get(member_state=japan).case.reference,
        "baltic": baltic,
        "british": british,
        "rep_lv": rep_lv,
        "draft": draft_tender,
        "open": open_tender,
        "bid": sealed,
        "disbursement": draft().case.reference,
    }


def search(client_for, user, q):
    response = client_for(user).get(reverse("search"), {"q": q})
    assert response.status_code == 200
    return response


def found(response, kind):
    groups = {group.key: group for group in response.context["groups"]}
    if kind not in groups:
        return set()
    return {hit["reference"] for hit in groups[kind].hits}


def test_staff_find_every_kind_by_reference_or_name(client_for, people, world):
    officer = people.officer
    assert found(search(client_for, officer, "ONB-"), "onboarding") == {world["onb_jp"]}
    assert found(search(client_for, officer, "japan"), "members") == {"JP"}
    assert found(search(client_for, officer, "baltic"), "manufacturers") == {"LV1"}
    interceptors = search(client_for, officer, "Interceptor")
    assert found(interceptors, "tenders") == {
        world["draft"].case.reference,
        world["open"].case.reference,
    }
    by_reference = search(client_for, people.finance, world["disbursement"])
    assert found(by_reference, "disbursements") == {world["disbursement"]}


def test_a_liaison_finds_only_their_own_states_cases(client_for, people, world):
    response = search(client_for, people.liaison_jp, "ONB-")
    assert found(response, "onboarding") == {world["onb_jp"]}
    assert found(response, "members") == set()
    assert search(client_for, people.liaison_lv, "ONB-").context["groups"] == []
    japan = search(client_for, people.liaison_lv, "Japan")
    assert japan.context["groups"] == []
    assert world["onb_jp"] not in japan.content.decode()


def test_a_liaison_finds_published_tenders_only(client_for, people, world):
    response = search(client_for, people.liaison_jp, "Interceptor")
    assert found(response, "tenders") == {world["open"].case.reference}


def test_a_liaison_never_finds_disbursements_or_other_states_companies(
    client_for, people, world
):
    assert (
        search(client_for, people.liaison_jp, world["disbursement"]).context["groups"]
        == []
    )
    response = search(client_for, people.liaison_jp, "Drones")
    assert found(response, "manufacturers") == set()
    response = search(client_for, people.liaison_lv, "UAV")
    assert found(response, "manufacturers") == {"LV1"}


def test_a_manufacturer_finds_published_tenders_and_their_own_company_only(
    client_for, people, world
):
    rep = world["rep_lv"]
    tenders = search(client_for, rep, "Interceptor")
    assert found(tenders, "tenders") == {world["open"].case.reference}
    assert found(search(client_for, rep, "Ltd"), "manufacturers") == set()
    assert found(search(client_for, rep, "Baltic"), "manufacturers") == {"LV1"}
    assert search(client_for, rep, "ONB-").context["groups"] == []
    assert search(client_for, rep, "Latvia").context["groups"] == []
    assert search(client_for, rep, world["disbursement"]).context["groups"] == []


def test_search_never_gives_away_a_sealed_bid(client_for, people, world):
    for user in (people.officer, people.procurement, people.liaison_lv):
        for q in ("Interceptor", "Baltic", "Quadcopters"):
            response = search(client_for, user, q)
            assert "bids" not in {g.key for g in response.context["groups"]}
            assert leaks(response.content.decode()) == []
        # What only the sealed offer holds finds nothing at all.
        for q in ("1234.56", "night_camera", "2027-01-15"):
            assert search(client_for, user, q).context["groups"] == []


def test_an_outsider_finds_nothing(client_for, people, world):
    response = search(client_for, people.outsider, "Interceptor")
    assert response.context["groups"] == []
    assert "Nothing you may see matches" in response.content.decode()


def test_search_asks_for_sign_in(client):
    response = client.get(reverse("search"), {"q": "Japan"})
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_a_single_letter_is_too_short(client_for, people, world):
    response = search(client_for, people.officer, "J")
    assert response.context["groups"] == []
    assert "Type at least 2 characters." in response.content.decode()


def test_the_header_has_the_search_box(client_for, people):
    html = client_for(people.liaison_lv).get(reverse("notification_list")).content
    html = html.decode()
    assert f'action="{reverse("search")}"' in html
    assert 'role="search"' in html and 'name="q"' in html


def test_search_reads_a_fixed_number_of_queries(
    client_for, people, world, django_assert_max_num_queries
):
    client = client_for(people.officer)
    with django_assert_max_num_queries(14):
        client.get(reverse("search"), {"q": "dr"})


# ------------------------------------------------- requirements and contracts

# The procurement tests' signed contract (Latvia's company, from an evaluated
# tender with a British rival), shared here rather than built a second time.
bidders = procurement_fixtures.bidders
tender = procurement_fixtures.tender
evaluated = procurement_fixtures.evaluated
contract = procurement_fixtures.contract


def test_procurement_staff_find_a_requirement_by_reference_or_title(
    client_for, people, tender
):
    requirement = tender.requirements.get()
    for q in (requirement.reference, requirement.reference.lower(), "Reconnaissance"):
        response = search(client_for, people.procurement, q)
        assert found(response, "requirements") == {requirement.reference}, q
    assert found(search(client_for, people.officer, "REQ-"), "requirements") == {
        requirement.reference
    }
    assert found(search(client_for, people.officer, "REQ-99999"), "requirements") == (
        set()
    )
    response = search(client_for, people.procurement, requirement.reference)
    hits = {group.key: group for group in response.context["groups"]}["requirements"]
    # A hit opens the requirement's own page.
    assert [hit["url"] for hit in hits.hits] == [
        f"/requirements/{requirement.reference}/"
    ]


def test_nobody_outside_the_secretariat_finds_requirements(
    client_for, people, tender, bidders
):
    requirement = tender.requirements.get()
    (_maker, rep_lv), _ = bidders
    for user in (people.liaison_lv, rep_lv, people.outsider):
        for q in (requirement.reference, "Reconnaissance drones"):
            response = search(client_for, user, q)
            assert found(response, "requirements") == set()
            assert 'id="results-requirements"' not in response.content.decode()


def test_staff_find_a_contract_by_reference_or_company(client_for, people, contract):
    signed, _rep_lv = contract
    for q in (signed.reference, f"ctr-{signed.pk}", "Baltic"):
        response = search(client_for, people.finance, q)
        assert found(response, "contracts") == {signed.reference}, q
    page = search(client_for, people.officer, signed.reference).content.decode()
    assert f'href="{reverse("procurement:contract", args=[signed.pk])}"' in page


def test_only_the_contractor_and_staff_find_a_contract(
    client_for, people, contract, bidders
):
    signed, rep_lv = contract
    assert found(search(client_for, rep_lv, signed.reference), "contracts") == {
        signed.reference
    }
    _lv, (_maker_gb, rep_gb) = bidders
    for user in (rep_gb, people.liaison_lv, people.liaison_jp, people.outsider):
        for q in (signed.reference, "Baltic"):
            response = search(client_for, user, q)
            assert found(response, "contracts") == set()
            page = response.content.decode()
            assert 'id="results-contracts"' not in page
            assert reverse("procurement:contract", args=[signed.pk]) not in page


def test_the_losing_bid_stays_out_of_contract_search(client_for, people, contract):
    _signed, _rep_lv = contract
    for q in ("UK Drones", "GB1", "1600", "1600.00"):
        response = search(client_for, people.procurement, q)
        assert found(response, "contracts") == set()
        assert "bids" not in {g.key for g in response.context["groups"]}
