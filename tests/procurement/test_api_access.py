"""Who may do what through the procurement API, endpoint by endpoint: 403 for a
role that may never do it, 404 for an object outside what the caller sees (a
Latvian manufacturer to Japan's liaison, another company's bid), the service's
refusal for the rest."""

import datetime as dt

import pytest
from django.utils import timezone

from procurement import services
from procurement.models import Award, Bid, Manufacturer, Requirement, Tender
from tests.conftest import refresh
from tests.files import pdf
from tests.procurement.api_helpers import (
    TODAY,
    bid_body,
    lot_body,
    ok,
    post,
    refused,
    requirement_body,
    results,
    tender_body,
)
from tests.procurement.helpers import (
    BIC,
    IBAN,
    bid,
    make_manufacturer,
    past_deadline,
    to_tendering,
)
from tests.secretariat.fund_fixtures import receive

pytestmark = pytest.mark.django_db

STAFF = ["officer", "procurement", "finance", "approver_lv", "approver_uk", "admin"]
NOT_STAFF = ["evaluator", "liaison_jp", "liaison_lv", "manufacturer", "outsider"]
NOT_PROCUREMENT = ["officer", "finance", "approver_lv", "evaluator", "liaison_lv",
                   "manufacturer", "outsider"]  # fmt: skip


def _as(people, name):
    return getattr(people, name)


# ---------------------------------------------------------------- requirements


@pytest.mark.parametrize("name", STAFF)
def test_staff_read_requirements(people, tender, api_for, name):
    api = api_for(_as(people, name))
    requirement = Requirement.objects.get()
    assert [r["id"] for r in results(api.get("/api/requirements/"))] == [requirement.pk]
    assert ok(api.get(f"/api/requirements/{requirement.pk}/"))["title"] == (
        "Reconnaissance drones"
    )


@pytest.mark.parametrize("name", NOT_STAFF)
def test_others_never_read_requirements(people, tender, api_for, name):
    api = api_for(_as(people, name))
    assert api.get("/api/requirements/").status_code == 403
    requirement = Requirement.objects.get()
    assert api.get(f"/api/requirements/{requirement.pk}/").status_code == 403


@pytest.mark.parametrize("name", ["procurement", "admin"])
def test_procurement_officers_record_requirements(people, api_for, name):
    ok(post(api_for(_as(people, name)), "/api/requirements/", requirement_body()), 201)


@pytest.mark.parametrize("name", NOT_PROCUREMENT)
def test_others_do_not_record_requirements(people, api_for, name):
    response = post(
        api_for(_as(people, name)), "/api/requirements/", requirement_body()
    )
    assert response.status_code == 403
    assert not Requirement.objects.exists()


def test_a_requirement_cannot_be_needed_in_the_past(people, api_for):
    yesterday = str(TODAY - dt.timedelta(days=1))
    response = post(
        api_for(people.procurement),
        "/api/requirements/",
        requirement_body(needed_by=yesterday),
    )
    refused(response, 400, "cannot be in the past")


# ---------------------------------------------------------------- manufacturers


def test_who_reads_which_manufacturer(people, bidders, api_for):
    (maker_lv, rep_lv), (maker_gb, rep_gb) = bidders

    def seen(user):
        return {m["name"] for m in results(api_for(user).get("/api/manufacturers/"))}

    both = {"SIA Baltic UAV", "UK Drones Ltd"}
    for name in STAFF:
        assert seen(_as(people, name)) == both
    assert seen(people.liaison_lv) == {"SIA Baltic UAV"}
    assert seen(people.liaison_jp) == set()
    assert seen(rep_lv) == {"SIA Baltic UAV"}
    assert seen(rep_gb) == {"UK Drones Ltd"}
    for name in ["evaluator", "outsider"]:
        assert api_for(_as(people, name)).get("/api/manufacturers/").status_code == 403

    # Object by object: out of scope answers like a company that does not exist.
    for user, own, other in [
        (people.liaison_lv, maker_lv, maker_gb),
        (rep_lv, maker_lv, maker_gb),
        (rep_gb, maker_gb, maker_lv),
    ]:
        api = api_for(user)
        detail = ok(api.get(f"/api/manufacturers/{own.pk}/"))
        assert len(detail["supply_chain"]) == 5
        assert api.get(f"/api/manufacturers/{other.pk}/").status_code == 404
    api = api_for(people.liaison_jp)
    assert api.get(f"/api/manufacturers/{maker_lv.pk}/").status_code == 404
    assert api.get("/api/manufacturers/99999/").status_code == 404


def _nominate(api, state="LV", number="LV5"):
    return post(
        api,
        "/api/manufacturers/",
        {
            "member_state": state,
            "name": f"Company {number}",
            "registration_number": number,
            "contact_name": "C",
            "contact_email": "c@x.example",
        },
    )


def test_who_nominates_manufacturers(people, bidders, api_for):
    (_maker, rep_lv), _ = bidders
    assert ok(_nominate(api_for(people.liaison_lv)), 201)["vetting_status"] == (
        "applied"
    )
    ok(_nominate(api_for(people.procurement), "GB", "GB5"), 201)
    # A liaison nominates for their own state only.
    refused(
        _nominate(api_for(people.liaison_lv), "GB", "GB6"),
        403,
        "A liaison nominates manufacturers of their own state only.",
    )
    # Japan is not a member: its liaison may ask, the service says why not.
    refused(
        _nominate(api_for(people.liaison_jp), "JP", "JP1"),
        409,
        "Japan is not a member (prospective)",
    )
    for name in ["officer", "finance", "approver_lv", "evaluator", "outsider"]:
        assert _nominate(api_for(_as(people, name)), "LV", "LV9").status_code == 403
    assert _nominate(api_for(rep_lv), "LV", "LV9").status_code == 403
    refused(
        _nominate(api_for(people.procurement), "LV", "LV5"),
        400,
        "registration number LV5 is already registered",
    )
    assert Manufacturer.objects.filter(registration_number="LV9").count() == 0


def test_who_vets_manufacturers(people, bidders, api_for):
    (maker_lv, rep_lv), _ = bidders
    body = {"to_status": "suspended", "reason": "Export licence lapsed"}
    for user in [people.liaison_lv, rep_lv, people.officer, people.approver_lv]:
        response = post(api_for(user), f"/api/manufacturers/{maker_lv.pk}/vet/", body)
        assert response.status_code == 403
    suspended = ok(
        post(
            api_for(people.procurement), f"/api/manufacturers/{maker_lv.pk}/vet/", body
        )
    )
    assert suspended["vetting_status"] == "suspended"
    refused(
        post(
            api_for(people.procurement),
            f"/api/manufacturers/{maker_lv.pk}/vet/",
            {"to_status": "applied", "reason": "back"},
        ),
        409,
        "SIA Baltic UAV cannot move from “Suspended” to “Applied”.",
    )


def test_who_declares_the_supply_chain(people, bidders, api_for):
    (maker_lv, rep_lv), (maker_gb, rep_gb) = bidders
    body = {"origins": {"motors": "de"}}
    declared = ok(
        post(api_for(rep_lv), f"/api/manufacturers/{maker_lv.pk}/supply-chain/", body)
    )
    assert {"component": "motors", "origin_country": "DE"} in [
        {k: d[k] for k in ("component", "origin_country")}
        for d in declared["supply_chain"]
    ]
    assert (
        post(
            api_for(rep_gb), f"/api/manufacturers/{maker_lv.pk}/supply-chain/", body
        ).status_code
        == 404
    )
    assert (
        post(
            api_for(people.liaison_lv),
            f"/api/manufacturers/{maker_lv.pk}/supply-chain/",
            body,
        ).status_code
        == 403
    )
    ok(
        post(
            api_for(people.procurement),
            f"/api/manufacturers/{maker_gb.pk}/supply-chain/",
            body,
        )
    )
    refused(
        post(
            api_for(rep_lv),
            f"/api/manufacturers/{maker_lv.pk}/supply-chain/",
            {"origins": {"wings": "LV"}},
        ),
        400,
        "“wings” is not a critical component",
    )


def test_who_records_test_results(people, bidders, api_for):
    (maker_lv, rep_lv), _ = bidders
    body = {
        "capability": "reconnaissance",
        "product": "Quad-7",
        "site": "Sēlia military training ground",
        "tested_on": str(TODAY),
        "outcome": "passed",
        "summary": "Range and night camera as specified",
    }
    url = f"/api/manufacturers/{maker_lv.pk}/test-results/"
    for user in [rep_lv, people.liaison_lv, people.officer]:
        response = post(
            api_for(user), url, {**body, "report": pdf("t.pdf")}, multipart=True
        )
        assert response.status_code == 403
    result = ok(
        post(
            api_for(people.procurement),
            url,
            {**body, "report": pdf("selia-test.pdf")},
            multipart=True,
        ),
        201,
    )
    assert result["outcome"] == "passed"
    assert result["report"] is not None
    detail = ok(api_for(rep_lv).get(f"/api/manufacturers/{maker_lv.pk}/"))
    assert [r["product"] for r in detail["test_results"]] == ["Quad-7"]


def test_who_sets_the_bank_account(people, bidders, api_for):
    (maker_lv, rep_lv), (_maker_gb, rep_gb) = bidders
    body = {"iban": IBAN, "bic": BIC}
    url = f"/api/manufacturers/{maker_lv.pk}/bank-account/"
    assert post(api_for(rep_gb), url, body).status_code == 404
    for user in [people.finance, people.liaison_lv, people.officer]:
        assert post(api_for(user), url, body).status_code == 403
    assert ok(post(api_for(rep_lv), url, body))["iban"] == IBAN
    refused(post(api_for(rep_lv), url, {"iban": "LV00NOTANIBAN", "bic": BIC}), 400)


# ---------------------------------------------------------------- tenders


def test_who_reads_which_tender(people, bidders, tender, api_for):
    (maker_lv, rep_lv), (_maker_gb, rep_gb) = bidders
    ref = tender.case.reference

    def seen(user):
        return [t["reference"] for t in results(api_for(user).get("/api/tenders/"))]

    # A draft is the secretariat's.
    for name in STAFF:
        assert seen(_as(people, name)) == [ref]
    for user in [people.liaison_lv, people.liaison_jp, rep_lv]:
        assert seen(user) == []
        assert api_for(user).get(f"/api/tenders/{ref}/").status_code == 404
    for name in ["evaluator", "outsider"]:
        assert api_for(_as(people, name)).get("/api/tenders/").status_code == 403
    services.tender_publish(tender=tender, actor=people.procurement)
    for user in [people.liaison_lv, people.liaison_jp, rep_lv, rep_gb]:
        assert seen(user) == [ref]
    # Invited manufacturers are the secretariat's to know.
    assert "invited" in ok(api_for(people.procurement).get(f"/api/tenders/{ref}/"))
    assert "invited" not in ok(api_for(rep_lv).get(f"/api/tenders/{ref}/"))
    # A restricted tender is seen by the invited only.
    Tender.objects.filter(pk=tender.pk).update(procedure="restricted")
    refresh(tender).invited.set([maker_lv])
    assert seen(rep_lv) == [ref]
    assert seen(rep_gb) == []
    assert api_for(rep_gb).get(f"/api/tenders/{ref}/").status_code == 404
    assert api_for(rep_gb).get("/api/tenders/TND-2026-9999/").status_code == 404


@pytest.mark.parametrize(
    "name", ["officer", "finance", "approver_lv", "approver_uk", "liaison_lv"]
)
def test_only_procurement_officers_run_tenders(people, tender, api_for, name):
    api = api_for(_as(people, name))
    ref = tender.case.reference
    requirement = Requirement.objects.get()
    calls = [
        ("/api/tenders/", tender_body(requirement.pk)),
        (f"/api/tenders/{ref}/lots/", lot_body()),
        (f"/api/tenders/{ref}/publish/", {}),
        (f"/api/tenders/{ref}/amend/", {"reason": "r"}),
        (f"/api/tenders/{ref}/cancel/", {"reason": "r"}),
        (f"/api/tenders/{ref}/open/", {}),
        (f"/api/tenders/{ref}/start-evaluation/", {}),
        (f"/api/tenders/{ref}/clarifications/answer/", {"clarification": 1,
                                                        "answer": "a"}),
    ]  # fmt: skip
    for path, body in calls:
        refused(post(api, path, body), 403, "You are not allowed to do this.")
    assert refresh(tender).status == "draft"
    assert tender.lots.count() == 1
    assert Tender.objects.count() == 1


def test_a_manufacturer_neither_runs_tenders_nor_reads_rankings(
    people, bidders, tender, api_for
):
    (_maker, rep_lv), _ = bidders
    services.tender_publish(tender=tender, actor=people.procurement)
    api = api_for(rep_lv)
    ref = tender.case.reference
    assert post(api, f"/api/tenders/{ref}/cancel/", {"reason": "r"}).status_code == 403
    assert api.get(f"/api/tenders/{ref}/ranking/").status_code == 403


def test_only_bidders_ask_questions(people, bidders, tender, api_for):
    (_maker, rep_lv), _ = bidders
    services.tender_publish(tender=tender, actor=people.procurement)
    ref = tender.case.reference
    for user in [people.procurement, people.liaison_lv, people.officer]:
        response = post(
            api_for(user), f"/api/tenders/{ref}/clarifications/", {"question": "Q?"}
        )
        assert response.status_code == 403
    ok(
        post(
            api_for(rep_lv), f"/api/tenders/{ref}/clarifications/", {"question": "Q?"}
        ),
        201,
    )
    # A question of another tender cannot be answered through this one.
    other = Tender.objects.get(pk=tender.pk).clarifications.get()
    response = post(
        api_for(people.procurement),
        "/api/tenders/TND-2026-9999/clarifications/answer/",
        {"clarification": other.pk, "answer": "A"},
    )
    assert response.status_code == 404
    # The clarification period over, no more questions.
    services.tenders_advance_by_deadlines(
        now=tender.clarification_deadline + dt.timedelta(seconds=1)
    )
    refused(
        post(
            api_for(rep_lv),
            f"/api/tenders/{ref}/clarifications/",
            {"question": "Late?"},
        ),
        409,
        "The clarification period is over.",
    )


# ---------------------------------------------------------------- bids


def test_who_submits_changes_and_withdraws_bids(people, bidders, tender, api_for):
    (_m1, rep_lv), (_m2, rep_gb) = bidders
    tender = to_tendering(tender, people)
    lot = tender.lots.get()
    for name in ["procurement", "evaluator"]:
        response = post(api_for(_as(people, name)), "/api/bids/", bid_body(lot.pk))
        refused(response, 403, "You are not allowed to do this.")
    # A superuser bids for nobody: refused at the door, as the other roles.
    response = post(api_for(people.admin), "/api/bids/", bid_body(lot.pk))
    refused(response, 403, "You are not allowed to do this.")
    for name in ["liaison_lv", "outsider"]:
        assert (
            post(api_for(_as(people, name)), "/api/bids/", bid_body(lot.pk)).status_code
            == 403
        )
    # A representative without a company is refused too.
    assert (
        post(api_for(people.manufacturer), "/api/bids/", bid_body(lot.pk)).status_code
        == 403
    )
    own = ok(post(api_for(rep_lv), "/api/bids/", bid_body(lot.pk)), 201)
    refused(
        post(api_for(rep_lv), "/api/bids/", bid_body(lot.pk)),
        409,
        "already has a bid on this lot",
    )
    # The other company: its bid is not theirs to see, change or withdraw.
    rival = api_for(rep_gb)
    assert rival.get(f"/api/bids/{own['id']}/").status_code == 404
    assert (
        post(
            rival, f"/api/bids/{own['id']}/change/", bid_body(lot.pk, "1.00")
        ).status_code
        == 404
    )
    assert post(rival, f"/api/bids/{own['id']}/withdraw/").status_code == 404
    # The bidder changes and withdraws their own.
    changed = ok(
        post(
            api_for(rep_lv),
            f"/api/bids/{own['id']}/change/",
            {
                "unit_price": "1300.00",
                "quantity": 100,
                "delivery_schedule": "100 by March",
            },
        )
    )
    assert changed["changed_at"] >= own["changed_at"]
    offer = ok(api_for(rep_lv).get(f"/api/bids/{own['id']}/offer/"))
    assert (offer["unit_price"], offer["quantity"]) == ("1300.00", 100)
    assert ok(post(api_for(rep_lv), f"/api/bids/{own['id']}/withdraw/"))["status"] == (
        "withdrawn"
    )
    refused(
        post(api_for(rep_lv), f"/api/bids/{own['id']}/withdraw/"),
        409,
        "This bid has been withdrawn.",
    )
    # A lot of a tender the representative cannot read does not exist for them.
    Tender.objects.filter(pk=tender.pk).update(procedure="restricted")
    refused(post(rival, "/api/bids/", bid_body(lot.pk)), 400, "object does not exist")


def test_bids_after_opening_are_not_changed(people, bidders, tender, api_for):
    (_m1, rep_lv), _ = bidders
    tender = to_tendering(tender, people)
    own = bid(rep_lv, tender)
    services.tender_open(tender=past_deadline(tender), actor=people.procurement)
    api = api_for(rep_lv)
    refused(
        post(api, f"/api/bids/{own.public_id}/withdraw/"),
        409,
        "accepted while tendering",
    )
    assert refresh(own).status == "submitted"


# ---------------------------------------------------------------- evaluation


def test_who_sits_on_committees(people, bidders, tender, api_for):
    (_m1, rep_lv), (_m2, _rep_gb) = bidders
    tender = to_tendering(tender, people)
    bid(rep_lv, tender)
    services.tender_open(tender=past_deadline(tender), actor=people.procurement)
    body = {"tender": tender.case.reference, "evaluator": people.evaluator.pk}
    for name in ["officer", "finance", "approver_lv", "evaluator"]:
        refused(post(api_for(_as(people, name)), "/api/committee-members/", body), 403)
    for user in [rep_lv, people.liaison_lv, people.outsider]:
        assert post(api_for(user), "/api/committee-members/", body).status_code == 403
    refused(
        post(
            api_for(people.procurement),
            "/api/committee-members/",
            {**body, "evaluator": people.finance.pk},
        ),
        400,
        "is not an evaluator",
    )
    seat = ok(post(api_for(people.procurement), "/api/committee-members/", body), 201)
    refused(
        post(api_for(people.procurement), "/api/committee-members/", body),
        409,
        "already on the committee",
    )
    # Staff read every seat, an evaluator their own, nobody else any.
    assert len(results(api_for(people.officer).get("/api/committee-members/"))) == 1
    assert len(results(api_for(people.evaluator).get("/api/committee-members/"))) == 1
    for user in [rep_lv, people.liaison_lv, people.outsider]:
        assert api_for(user).get("/api/committee-members/").status_code == 403
    from tests.factories import UserFactory

    other = UserFactory(username="evaluator-2", roles=["evaluator"])
    api = api_for(other)
    assert results(api.get("/api/committee-members/")) == []
    url = f"/api/committee-members/{seat['id']}/"
    assert api.get(url).status_code == 404
    assert post(api, f"{url}declare/", {"conflict": False}).status_code == 404
    assert api.get(f"{url}bidders/").status_code == 404
    # The procurement officer does not declare for the evaluator.
    refused(
        post(api_for(people.procurement), f"{url}declare/", {"conflict": False}), 403
    )
    ok(post(api_for(people.evaluator), f"{url}declare/", {"conflict": False}))


# ---------------------------------------------------------------- awards


@pytest.fixture
def recommended(people, evaluated):
    tender, bids, rep_gb = evaluated
    award = services.award_recommend(
        lot=tender.lots.get(), bid=bids["lv"], actor=people.procurement,
        justification="Best score",
    )  # fmt: skip
    return award, bids, rep_gb


def test_who_recommends_and_approves_awards(people, evaluated, bidders, api_for):
    _tender, bids, rep_gb = evaluated
    (_m, rep_lv), _ = bidders
    body = {
        "lot": bids["lv"].lot_id,
        "bid": str(bids["lv"].public_id),
        "justification": "Best",
    }
    for user in [people.officer, people.approver_uk, rep_lv, people.evaluator]:
        assert post(api_for(user), "/api/awards/", body).status_code == 403
    award = ok(post(api_for(people.procurement), "/api/awards/", body), 201)
    # A recommended award is the secretariat's business until approved.
    for user in [rep_lv, rep_gb, people.liaison_lv]:
        assert api_for(user).get(f"/api/awards/{award['id']}/").status_code == 404
    url = f"/api/awards/{award['id']}/approve/"
    for user in [people.procurement, people.finance, people.officer, rep_lv]:
        refused(post(api_for(user), url, {}), 403)
    # A co-lead approver of a state that is not a co-lead does not approve.
    assert Award.objects.get().status == "recommended"
    ok(post(api_for(people.approver_uk), url, {"comment": "Agreed"}))
    refused(post(api_for(people.approver_lv), url, {}), 409, "not awaiting approval")
    for user in [rep_lv, rep_gb, people.liaison_jp]:
        assert ok(api_for(user).get(f"/api/awards/{award['id']}/"))["status"] == (
            "approved"
        )
    assert api_for(people.evaluator).get("/api/awards/").status_code == 403


def test_who_files_and_decides_complaints(people, recommended, bidders, api_for):
    award, _bids, rep_gb = recommended
    (_m, rep_lv), _ = bidders
    services.award_approve(award=award, actor=people.approver_lv)
    body = {"award": award.pk, "text": "Our delivery time was scored too low."}
    refused(
        post(api_for(rep_lv), "/api/complaints/", body), 403, "Only a losing bidder"
    )
    for user in [people.procurement, people.liaison_lv, people.evaluator]:
        assert post(api_for(user), "/api/complaints/", body).status_code == 403
    complaint = ok(post(api_for(rep_gb), "/api/complaints/", body), 201)
    # The winner does not read the loser's complaint; staff do.
    assert api_for(rep_lv).get(f"/api/complaints/{complaint['id']}/").status_code == 404
    assert results(api_for(rep_lv).get("/api/complaints/")) == []
    assert len(results(api_for(people.officer).get("/api/complaints/"))) == 1
    decide = f"/api/complaints/{complaint['id']}/decide/"
    decision = {"uphold": True, "decision": "The price was scored on a wrong basis."}
    for user in [people.approver_uk, people.officer, rep_gb]:
        assert post(api_for(user), decide, decision).status_code == 403
    upheld = ok(post(api_for(people.procurement), decide, decision))
    assert upheld["status"] == "upheld"
    assert refresh(award).status == "cancelled"
    assert ok(api_for(rep_gb).get(f"/api/complaints/{complaint['id']}/"))["decision"]
    refused(
        post(api_for(people.procurement), decide, decision), 409, "has been decided"
    )


# ---------------------------------------------------------------- contracts


def test_who_signs_and_reads_contracts(people, latvia, recommended, bidders, api_for):
    award, _bids, rep_gb = recommended
    (_maker_lv, rep_lv), _ = bidders
    receive(people, latvia, "1000000.00")
    services.award_approve(award=award, actor=people.approver_uk)
    Award.objects.filter(pk=award.pk).update(
        standstill_until=timezone.now() - dt.timedelta(minutes=1)
    )
    body = {
        "award": award.pk,
        "milestones": [{"due_on": "2027-01-15", "quantity": 250}],
    }
    for user in [people.finance, people.approver_uk, rep_lv, people.officer]:
        assert post(api_for(user), "/api/contracts/", body).status_code == 403
    refused(
        post(
            api_for(people.procurement),
            "/api/contracts/",
            {**body, "milestones": [{"due_on": "2027-01-15", "quantity": 100}]},
        ),
        400,
        "The milestones must add up to the 250 units offered.",
    )
    contract = ok(post(api_for(people.procurement), "/api/contracts/", body), 201)
    refused(
        post(api_for(people.procurement), "/api/contracts/", body),
        409,
        "already has a contract",
    )
    assert [c["id"] for c in results(api_for(rep_lv).get("/api/contracts/"))] == [
        contract["id"]
    ]
    assert results(api_for(rep_gb).get("/api/contracts/")) == []
    assert api_for(rep_gb).get(f"/api/contracts/{contract['id']}/").status_code == 404
    for name in ["liaison_lv", "evaluator", "outsider"]:
        assert api_for(_as(people, name)).get("/api/contracts/").status_code == 403
    for name in STAFF:
        assert len(results(api_for(_as(people, name)).get("/api/contracts/"))) == 1


def test_who_reports_and_decides_deliveries(people, contract, bidders, api_for):
    contract, rep_lv = contract
    _, (_maker_gb, rep_gb) = bidders
    milestone = contract.milestones.get(number=1)
    body = {"contract": contract.pk, "milestone": milestone.pk, "quantity": 100}
    # Another company's contract does not exist for them.
    refused(post(api_for(rep_gb), "/api/deliveries/", body), 400, "does not exist")
    for user in [people.procurement, people.finance, people.liaison_lv]:
        assert post(api_for(user), "/api/deliveries/", body).status_code == 403
    # (A milestone of another contract is refused by the service: see
    # test_review_fixes.test_a_milestone_of_another_contract_is_refused.)
    delivery = ok(post(api_for(rep_lv), "/api/deliveries/", body), 201)
    assert api_for(rep_gb).get(f"/api/deliveries/{delivery['id']}/").status_code == 404
    decision = {"quantity_accepted": 100, "test_site": "Sēlia", "tested_on": str(TODAY)}
    url = f"/api/deliveries/{delivery['id']}/decide/"
    for user in [people.finance, people.officer, rep_lv, people.approver_lv]:
        assert post(api_for(user), url, decision).status_code == 403
    future = {**decision, "tested_on": str(TODAY + dt.timedelta(days=1))}
    refused(
        post(api_for(people.procurement), url, future), 400, "cannot be in the future"
    )
    accepted = ok(post(api_for(people.procurement), url, decision))
    assert accepted["status"] == "accepted"
    assert accepted["disbursement"].startswith("DSB-")
    refused(
        post(api_for(people.procurement), url, decision), 409, "already been decided"
    )


def test_acceptance_needs_the_bank_account(people, latvia, evaluated, bidders, api_for):
    tender, bids, _rep = evaluated
    (maker_lv, rep_lv), _ = bidders
    receive(people, latvia, "1000000.00")
    award = services.award_recommend(
        lot=tender.lots.get(), bid=bids["lv"], actor=people.procurement,
        justification="Best",
    )  # fmt: skip
    services.award_approve(award=award, actor=people.approver_uk)
    Award.objects.filter(pk=award.pk).update(
        standstill_until=timezone.now() - dt.timedelta(minutes=1)
    )
    signed = services.contract_sign(
        award=refresh(award), actor=people.procurement,
        milestones=[(dt.date(2027, 1, 15), 250)],
    )  # fmt: skip
    delivery = services.delivery_report(
        contract=signed, milestone=signed.milestones.get(), actor=rep_lv, quantity=10
    )
    refused(
        post(
            api_for(people.procurement),
            f"/api/deliveries/{delivery.pk}/decide/",
            {"quantity_accepted": 10, "test_site": "Sēlia", "tested_on": str(TODAY)},
        ),
        409,
        "SIA Baltic UAV has no bank account on record",
    )
    assert refresh(maker_lv).iban == ""


def test_a_third_company_sees_nothing_of_the_others(people, latvia, contract, api_for):
    _contract, _rep = contract
    _maker, rep_x = make_manufacturer(people, latvia, "SIA Trešais", "LV3")
    api = api_for(rep_x)
    assert results(api.get("/api/bids/")) == []
    assert results(api.get("/api/contracts/")) == []
    assert results(api.get("/api/deliveries/")) == []
    assert results(api.get("/api/complaints/")) == []
    assert [m["name"] for m in results(api.get("/api/manufacturers/"))] == [
        "SIA Trešais"
    ]
    for bid_id in Bid.objects.values_list("public_id", flat=True):
        assert api.get(f"/api/bids/{bid_id}/").status_code == 404
