"""Who may open each procurement page and who may act, object by object: staff
without the role get 403, people to whom the record does not exist get 404
(Japan's liaison on a Latvian manufacturer, another company's representative on
a bid), anonymous visitors are sent to sign in."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from procurement import services
from procurement.models import Award, Bid, Complaint, Delivery, Tender
from tests.conftest import refresh
from tests.procurement.web import tender_url, url

pytestmark = pytest.mark.django_db

STAFF = ["officer", "procurement", "finance", "approver_lv", "approver_uk", "admin"]
OTHERS = ["evaluator", "liaison_jp", "liaison_lv", "manufacturer", "outsider",
          "rep_lv", "rep_gb"]  # fmt: skip
EVERYONE = [*STAFF, *OTHERS]
PROCUREMENT = ["procurement", "admin"]
LIAISONS = ["liaison_jp", "liaison_lv"]
REPS = ["rep_lv", "rep_gb"]


@pytest.fixture
def records(people, contract, bidders):
    """A contracted tender (its bids opened and scored by the evaluator), a
    reported delivery, a pending complaint on a second, recommended award, and
    the evaluator's seat."""
    signed, rep_lv = contract
    (maker_lv, _), (maker_gb, rep_gb) = bidders
    tender = signed.award.lot.tender
    delivery = services.delivery_report(
        contract=signed, milestone=signed.milestones.first(), actor=rep_lv,
        quantity=10,
    )  # fmt: skip
    return {
        "tender": tender,
        "contract": signed,
        "award": signed.award,
        "delivery": delivery,
        "lv_bid": Bid.objects.get(manufacturer=maker_lv),
        "maker_lv": maker_lv,
        "maker_gb": maker_gb,
        "seat": tender.committee.get(evaluator=people.evaluator),
        "clarification": tender.clarifications.create(
            question="Night camera?", asked_by=rep_lv
        ),
        "rep_lv": rep_lv,
        "rep_gb": rep_gb,
    }


def user_of(people, records, who):
    return records[who] if who.startswith("rep_") else getattr(people, who)


def ref(r):
    return r["tender"].case.reference


def lv(r):
    return r["maker_lv"].pk


IN_SCOPE_OF_LV_MAKER = [*STAFF, "liaison_lv", "rep_lv"]
TENDER_READERS = [*STAFF, *LIAISONS, *REPS]
CONTRACT_READERS = [*STAFF, "rep_lv"]

# page: (url, who gets 200, who sees the record and gets 403 instead)
PAGES = {
    "requirements": (lambda r: url("requirement_list"), STAFF, OTHERS),
    "record requirement": (lambda r: url("requirement_create"), PROCUREMENT,
                           EVERYONE),
    "manufacturers": (
        lambda r: url("manufacturer_list"), [*STAFF, *LIAISONS, *REPS], EVERYONE),
    "nominate": (
        lambda r: url("manufacturer_nominate"), [*PROCUREMENT, *LIAISONS],
        EVERYONE),
    "Latvian manufacturer": (
        lambda r: url("manufacturer", lv(r)), IN_SCOPE_OF_LV_MAKER, []),
    "vet": (lambda r: url("manufacturer_vet", lv(r), "suspended"), PROCUREMENT,
            IN_SCOPE_OF_LV_MAKER),
    "supply chain": (lambda r: url("manufacturer_supply_chain", lv(r)),
                     [*PROCUREMENT, "rep_lv"], IN_SCOPE_OF_LV_MAKER),
    "test result": (lambda r: url("manufacturer_test_record", lv(r)),
                    PROCUREMENT, IN_SCOPE_OF_LV_MAKER),
    "bank account": (lambda r: url("manufacturer_bank_account", lv(r)),
                     [*PROCUREMENT, "rep_lv"], IN_SCOPE_OF_LV_MAKER),
    "tenders": (lambda r: url("tender_list"), TENDER_READERS, EVERYONE),
    "draft tender": (lambda r: url("tender_create"), PROCUREMENT, EVERYONE),
    "tender": (lambda r: tender_url(r["tender"]), TENDER_READERS, []),
    "cancel tender": (lambda r: url("tender_cancel", ref(r)), PROCUREMENT,
                      TENDER_READERS),
    "open bids": (lambda r: url("tender_open", ref(r)), PROCUREMENT,
                  TENDER_READERS),
    "add lot": (lambda r: url("lot_add", ref(r)), PROCUREMENT, TENDER_READERS),
    "appoint": (lambda r: url("committee_appoint", ref(r)), PROCUREMENT,
                TENDER_READERS),
    "answer": (lambda r: url("clarification_answer", ref(r),
                             r["clarification"].pk), PROCUREMENT, TENDER_READERS),
    "ask": (lambda r: url("clarification_ask", ref(r)), REPS, TENDER_READERS),
    "bid form": (lambda r: url("bid_submit", ref(r), 1), REPS, TENDER_READERS),
    "recommend": (lambda r: url("award_recommend", ref(r), 1), PROCUREMENT,
                  TENDER_READERS),
    "opened bid": (lambda r: url("bid", r["lv_bid"].public_id),
                   [*STAFF, "rep_lv", "evaluator"], []),
    "change bid": (lambda r: url("bid_change", r["lv_bid"].public_id), ["rep_lv"],
                   [*STAFF, "evaluator"]),
    "withdraw bid": (lambda r: url("bid_withdraw", r["lv_bid"].public_id), ["rep_lv"],
                     [*STAFF, "evaluator"]),
    "my bids": (lambda r: url("bid_list"), REPS, EVERYONE),
    "approve award": (lambda r: url("award_approve", r["award"].pk),
                      ["approver_lv", "approver_uk"], TENDER_READERS),
    # The losing bidder only: the winner is refused (it used to get the form,
    # refused once sent).
    "complain": (lambda r: url("complaint_file", r["award"].pk), ["rep_gb"],
                 TENDER_READERS),
    "sign contract": (lambda r: url("contract_sign", r["award"].pk), PROCUREMENT,
                      TENDER_READERS),
    "contracts": (lambda r: url("contract_list"), [*STAFF, *REPS], EVERYONE),
    "contract": (lambda r: url("contract", r["contract"].pk), CONTRACT_READERS,
                 []),
    "report delivery": (lambda r: url("delivery_report", r["contract"].pk),
                        ["rep_lv"], CONTRACT_READERS),
    "decide delivery": (lambda r: url("delivery_decide", r["delivery"].pk),
                        PROCUREMENT, CONTRACT_READERS),
    "evaluation queue": (lambda r: url("evaluation_queue"), ["evaluator"],
                         EVERYONE),
    "evaluation": (lambda r: url("evaluation", r["seat"].pk), ["evaluator"], []),
}  # fmt: skip


def expected(who, allowed, refused):
    if who in allowed:
        return 200
    return 403 if who in refused else 404


@pytest.mark.parametrize("who", EVERYONE)
def test_who_may_open_each_page(people, records, web, who):
    browser = web(user_of(people, records, who))
    answers, wanted = {}, {}
    for page, (url_of, allowed, refused) in PAGES.items():
        response = browser.get(url_of(records))
        answers[page] = response.status_code
        wanted[page] = expected(who, allowed, refused)
        if response.status_code != 200:
            assert b"1,400.00" not in response.content, page
    assert answers == wanted


def test_anonymous_is_sent_to_sign_in(client, records):
    for page, (url_of, _allowed, _refused) in PAGES.items():
        response = client.get(url_of(records))
        assert response.status_code == 302, page
        assert response["Location"].startswith(reverse("login")), page


def test_a_draft_tender_is_the_secretariats_only(people, tender, bidders, web):
    for who in ["procurement", "officer", "finance", "approver_lv"]:
        assert web(getattr(people, who)).get(tender_url(tender)).status_code == 200
    (_m, rep_lv), _ = bidders
    for user in [people.liaison_lv, rep_lv, people.evaluator, people.outsider]:
        assert web(user).get(tender_url(tender)).status_code == 404
        listed = web(user).get(url("tender_list"))
        assert tender.case.reference.encode() not in listed.content


def test_a_restricted_tender_is_hidden_from_those_not_invited(
    people, bidders, tender, web
):
    (maker_lv, rep_lv), (_m, rep_gb) = bidders
    Tender.objects.filter(pk=tender.pk).update(procedure="restricted")
    tender.invited.set([maker_lv])
    services.tender_publish(tender=tender, actor=people.procurement)
    assert web(rep_lv).get(tender_url(tender)).status_code == 200
    assert web(rep_gb).get(tender_url(tender)).status_code == 404


# ---------------------------------------------------------------- acting


def test_others_cannot_act_by_posting(people, records, web):
    tender, award = records["tender"], records["award"]
    for who in ["liaison_lv", "rep_lv", "evaluator", "outsider"]:
        browser = web(user_of(people, records, who))
        browser.post(url("tender_cancel", ref(records)),
                     {"reason": "x", "confirm": "on"})  # fmt: skip
        browser.post(url("delivery_decide", records["delivery"].pk), {
            "quantity_accepted": 10, "test_site": "x",
            "tested_on": timezone.localdate().isoformat()})  # fmt: skip
        browser.post(url("manufacturer_vet", lv(records), "suspended"),
                     {"reason": "x"})  # fmt: skip
    assert refresh(tender).status == "contracted"
    assert refresh(records["delivery"]).status == "reported"
    assert refresh(records["maker_lv"]).vetting_status == "vetted"
    assert refresh(award).status == "approved"


@pytest.mark.parametrize("who", ["officer", "finance", "approver_uk"])
def test_staff_without_the_role_cannot_act(people, records, web, who):
    browser = web(getattr(people, who))
    response = browser.post(
        url("tender_cancel", ref(records)), {"reason": "x", "confirm": "on"}
    )
    assert response.status_code == 403
    response = browser.post(url("manufacturer_vet", lv(records), "suspended"),
                            {"reason": "x"})  # fmt: skip
    assert response.status_code == 403
    assert refresh(records["tender"]).status == "contracted"


def test_the_superuser_neither_bids_nor_approves_awards(people, evaluated, web):
    tender, bids, _rep_gb = evaluated
    admin = web(people.admin)
    lot = tender.lots.get()
    response = admin.post(
        url("bid_submit", tender.case.reference, 1),
        {"unit_price": "1.00", "quantity": 1, "delivery_schedule": "x"},
    )
    assert response.status_code == 403
    award = services.award_recommend(
        lot=lot, bid=bids["lv"], actor=people.procurement, justification="Best"
    )
    response = admin.post(url("award_approve", award.pk), {"confirm": "on"})
    assert response.status_code == 403
    assert refresh(award).status == "recommended"


def test_the_recommender_cannot_approve(people, evaluated, web):
    tender, bids, _rep_gb = evaluated
    # A co-lead approver who also holds the procurement role recommends...
    people.approver_lv.groups.add(*people.procurement.groups.all())
    recommender = refresh(people.approver_lv)
    award = services.award_recommend(
        lot=tender.lots.get(), bid=bids["lv"], actor=recommender,
        justification="Best",
    )  # fmt: skip
    browser = web(recommender)
    # Refused before the form is filled in (it used to be offered, then
    # refused once sent); the tender page says why, next to the disabled button.
    assert browser.get(url("award_approve", award.pk)).status_code == 403
    response = browser.post(url("award_approve", award.pk), {"confirm": "on"})
    assert response.status_code == 403
    assert refresh(award).status == "recommended"
    page = browser.get(tender_url(tender)).content.decode()
    assert url("award_approve", award.pk) not in page
    assert "You recommended this award; another person must approve it." in page


def test_only_a_losing_bidder_complains(people, records, web):
    award = records["award"]
    Award.objects.filter(pk=award.pk).update(
        standstill_until=timezone.now() + dt.timedelta(days=5)
    )
    winner = web(records["rep_lv"])
    response = winner.post(url("complaint_file", award.pk), {"text": "Unfair"})
    assert response.status_code == 403
    loser = web(records["rep_gb"])
    assert (
        url("complaint_file", award.pk)
        in loser.get(tender_url(records["tender"])).content.decode()
    )
    response = loser.post(url("complaint_file", award.pk), {"text": "Unfair"})
    assert response.status_code == 302
    assert Complaint.objects.get().manufacturer == records["maker_gb"]


def test_a_delivery_is_reported_only_by_the_contractor(people, records, web):
    contract = records["contract"]
    before = Delivery.objects.count()
    for user in [records["rep_gb"], people.procurement]:
        response = web(user).post(url("delivery_report", contract.pk), {
            "milestone": contract.milestones.first().pk, "quantity": 1})  # fmt: skip
        assert response.status_code in {403, 404}
    assert Delivery.objects.count() == before


def test_nav_links_per_role(people, records, web):
    def nav(user):
        return web(user).get(reverse("start"), follow=True).content.decode()

    staff = nav(people.finance)
    assert f'href="{url("tender_list")}"' in staff
    assert f'href="{url("manufacturer_list")}"' in staff
    liaison = nav(people.liaison_lv)
    assert f'href="{url("manufacturer_list")}"' in liaison
    assert f'href="{url("requirement_list")}"' not in liaison
    evaluator = nav(people.evaluator)
    assert f'href="{url("evaluation_queue")}"' in evaluator
    assert f'href="{url("tender_list")}"' not in evaluator
    rep = nav(records["rep_lv"])
    assert f'href="{url("bid_list")}"' in rep
    assert f'href="{url("manufacturer", lv(records))}"' in rep


def test_my_work_shows_what_procurement_awaits(people, records, web):
    html = web(people.procurement).get(reverse("my_work")).content.decode()
    assert ref(records) in html
    assert "Test and accept the delivery" in html
