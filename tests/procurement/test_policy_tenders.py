"""One rule per action on requirements, manufacturers and tenders (up to the
opening of the bids): the policy's answer, the service's outcome, the page's
button and the API's ``allowed_actions`` agree, for each role, own and other
objects, and the superuser."""

import datetime as dt
import re

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from members.models import MemberState
from procurement import services
from procurement.models import Tender, TenderStatus, VettingStatus
from secretariat.fund.models import Pool
from secretariat.kernel import policy
from secretariat.kernel.exceptions import ConflictError
from tests.conftest import refresh
from tests.procurement.helpers import (
    category,
    draft_tender,
    past_deadline,
    to_tendering,
)
from tests.procurement.web import html_of, tender_url, url

# Everyone who is not a procurement officer (nor the administrator).
NOT_OFFICERS = [
    "officer", "finance", "approver_lv", "evaluator", "liaison_lv", "manufacturer",
    "outsider",
]  # fmt: skip


def _who(people, name):
    return getattr(people, name)


def _empty_draft(people) -> Tender:
    requirement = services.requirement_record(
        actor=people.procurement, title="Interceptors",
        capability=category("reconnaissance"), quantity=10, specification="Fast",
        priority="high", needed_by=timezone.localdate() + dt.timedelta(days=90),
    )  # fmt: skip
    now = timezone.now()
    return services.tender_create(
        actor=people.procurement, title="Interceptors 2026", description="d",
        requirements=[requirement], pool=Pool.objects.get(code="unrestricted"),
        clarification_deadline=now + dt.timedelta(days=5),
        submission_deadline=now + dt.timedelta(days=10),
    )  # fmt: skip


def _disabled(html: str, label: str) -> bool:
    return bool(
        re.search(
            rf"<button\b[^>]*\bdisabled\b[^>]*>\s*{re.escape(label)}\s*</button>", html
        )
    )


def _allowed_actions(api_for, user, tender):
    response = api_for(user).get(f"/api/tenders/{tender.case.reference}/")
    assert response.status_code == 200, response.content
    return response.json()["allowed_actions"]


# ------------------------------------------- the drift: Publish before a lot


def test_publish_is_not_offered_before_the_tender_has_a_lot(people, web, api_for):
    """Before, the page offered "Publish" on a draft without lots, and only the
    service refused it. Now the page shows it disabled with the reason, the API
    says why, and the service refuses with the same words."""
    tender = _empty_draft(people)
    officer = people.procurement
    reason = "Add at least one lot before publishing."
    decision = policy.decide("tender.publish", officer, tender)
    assert not decision.allowed and decision.reason == reason
    assert decision.kind == policy.STATE and not decision.hidden

    page = html_of(web(officer).get(tender_url(tender)))
    publish_url = url("tender_publish", tender.case.reference)
    assert f'href="{publish_url}"' not in page
    assert _disabled(page, "Publish") and reason in page

    assert _allowed_actions(api_for, officer, tender)["publish"] == {
        "allowed": False,
        "reason": reason,
    }
    with pytest.raises(ConflictError) as refusal:
        services.tender_publish(tender=tender, actor=officer)
    assert refusal.value.message == reason
    # The publish page says why, with no form to fill in.
    form_page = web(officer).get(publish_url)
    assert reason in html_of(form_page) and form_page.context["form"] is None

    services.lot_add(
        tender=tender, actor=officer, title="Interceptors",
        capability=category("reconnaissance"), quantity=10,
        max_unit_price="1000.00", delivery_from=dt.date(2027, 1, 1),
        delivery_to=dt.date(2027, 2, 1),
    )  # fmt: skip
    tender = Tender.objects.get(pk=tender.pk)
    assert policy.may("tender.publish", officer, tender)
    assert f'href="{publish_url}"' in html_of(web(officer).get(tender_url(tender)))
    assert _allowed_actions(api_for, officer, tender)["publish"] == {
        "allowed": True,
        "reason": "",
    }
    services.tender_publish(tender=tender, actor=officer)
    assert refresh(tender).status == TenderStatus.PUBLISHED


def test_publish_with_passed_deadlines_is_disabled_with_the_reason(people, web):
    tender = draft_tender(people)
    past = timezone.now() - dt.timedelta(days=2)
    Tender.objects.filter(pk=tender.pk).update(
        clarification_deadline=past, submission_deadline=past + dt.timedelta(days=1)
    )
    tender = Tender.objects.get(pk=tender.pk)
    decision = policy.decide("tender.publish", people.procurement, tender)
    assert "The clarification deadline has passed" in decision.reason
    page = html_of(web(people.procurement).get(tender_url(tender)))
    assert _disabled(page, "Publish") and escape(decision.reason) in page
    with pytest.raises(ConflictError, match="The clarification deadline has passed"):
        services.tender_publish(tender=tender, actor=people.procurement)


# ---------------------------------------------------- who runs the tenders


@pytest.mark.parametrize("name", NOT_OFFICERS)
def test_only_a_procurement_officer_runs_tenders(people, tender, name, api_for):
    user = _who(people, name)
    for action in ["tender.edit", "tender.add_lot", "tender.publish", "tender.cancel"]:
        decision = policy.decide(action, user, tender)
        assert not decision.allowed and decision.hidden, (action, decision)
        assert decision.kind == policy.WHO
    assert not user.has_perm("procurement.manage_tender", tender)
    with pytest.raises(PermissionDenied, match="Tenders are run by a procurement"):
        services.tender_publish(tender=tender, actor=user)
    with pytest.raises(PermissionDenied):
        services.tender_cancel(tender=tender, actor=user, reason="r")
    assert refresh(tender).status == TenderStatus.DRAFT


def test_the_officer_and_the_superuser_run_tenders(people, tender, web, api_for):
    """A superuser holds the Administrator role: administration, which here
    runs tenders as a procurement officer does, but never asks as a bidder."""
    for user in [people.procurement, people.admin]:
        assert user.has_perm("procurement.manage_tender")
        assert user.has_perm("procurement.manage_tender", tender)
        for action in ["tender.edit", "tender.add_lot", "tender.publish"]:
            assert policy.may(action, user, tender), action
        actions = _allowed_actions(api_for, user, tender)
        assert actions["publish"] == {"allowed": True, "reason": ""}
        assert "ask" not in actions  # hidden: not a bidder
        page = html_of(web(user).get(tender_url(tender)))
        assert f'href="{url("tender_publish", tender.case.reference)}"' in page
    decision = policy.decide("clarification.ask", people.admin, tender)
    assert not decision.allowed and decision.hidden


def test_a_superuser_does_not_ask_questions_as_a_bidder(people, bidders, tender):
    services.tender_publish(tender=tender, actor=people.procurement)
    tender = refresh(tender)
    with pytest.raises(PermissionDenied, match="manufacturer's representative"):
        services.clarification_ask(tender=tender, actor=people.admin, question="Q?")
    assert not tender.clarifications.exists()


# ------------------------------------------------------ the tender's state


def test_a_published_tender_offers_amend_and_says_why_not_edit(
    people, tender, web, api_for
):
    services.tender_publish(tender=tender, actor=people.procurement)
    tender = Tender.objects.get(pk=tender.pk)
    officer = people.procurement
    edit = policy.decide("tender.edit", officer, tender)
    assert not edit.allowed and not edit.hidden
    assert "only a draft tender is edited" in edit.reason
    # Publishing again, adding lots, opening: not actions of a published tender.
    for action in ["tender.publish", "tender.add_lot", "tender.open"]:
        assert policy.decide(action, officer, tender).hidden, action
    assert policy.may("tender.amend", officer, tender)
    assert policy.may("tender.cancel", officer, tender)

    page = html_of(web(officer).get(tender_url(tender)))
    assert _disabled(page, "Edit") and escape(edit.reason) in page
    assert f'href="{url("tender_amend", tender.case.reference)}"' in page
    assert "Publish" not in re.findall(r"<button[^>]*>([^<]*)</button>", page)
    actions = _allowed_actions(api_for, officer, tender)
    assert actions["edit"] == edit.as_dict()
    assert actions["amend"] == {"allowed": True, "reason": ""}
    assert "publish" not in actions and "add_lot" not in actions
    with pytest.raises(ConflictError) as refusal:
        services.tender_update(tender=tender, actor=officer, title="New")
    assert refusal.value.message == edit.reason
    with pytest.raises(ConflictError, match="“Publish” is not possible now"):
        services.tender_publish(tender=tender, actor=officer)


def test_opening_before_the_deadline_is_shown_disabled_with_the_reason(
    people, tender, web, api_for
):
    tender = to_tendering(tender, people)
    officer = people.procurement
    decision = policy.decide("tender.open", officer, tender)
    assert not decision.allowed and not decision.hidden
    assert decision.reason.startswith("Bids are open for submission until")
    page = html_of(web(officer).get(tender_url(tender)))
    assert _disabled(page, "Open the bids") and escape(decision.reason) in page
    assert _allowed_actions(api_for, officer, tender)["open"] == decision.as_dict()
    with pytest.raises(ConflictError) as refusal:
        services.tender_open(tender=tender, actor=officer)
    assert refusal.value.message == decision.reason
    # Past the deadline it is enabled, and the queue of tenders to open has it.
    tender = Tender.objects.get(pk=past_deadline(tender).pk)
    assert policy.may("tender.open", officer, tender)
    assert tender in policy.pending("tender.open", officer, Tender.objects.all())
    services.tender_open(tender=tender, actor=officer)
    assert refresh(tender).status == TenderStatus.OPENED


def test_the_open_queue_agrees_with_the_check(people, bidders):
    drafts = [draft_tender(people) for _ in range(3)]
    to_tendering(drafts[1], people)
    past_deadline(to_tendering(drafts[2], people))
    for user in [people.procurement, people.admin, people.liaison_lv]:
        queue = set(policy.pending("tender.open", user, Tender.objects.all()))
        for tender in Tender.objects.select_related("case"):
            assert (tender in queue) == policy.may("tender.open", user, tender)


# ------------------------------------------------------------ clarifications


def test_a_bidder_asks_during_the_clarification_period_only(
    people, bidders, tender, web, api_for
):
    (_maker, rep_lv), _ = bidders
    services.tender_publish(tender=tender, actor=people.procurement)
    tender = Tender.objects.get(pk=tender.pk)
    assert policy.may("clarification.ask", rep_lv, tender)
    ask_url = url("clarification_ask", tender.case.reference)
    assert f'href="{ask_url}"' in html_of(web(rep_lv).get(tender_url(tender)))
    assert _allowed_actions(api_for, rep_lv, tender)["ask"] == {
        "allowed": True,
        "reason": "",
    }
    for user in [people.procurement, people.liaison_lv]:
        assert policy.decide("clarification.ask", user, tender).hidden
        page = html_of(web(user).get(tender_url(tender)))
        assert ask_url not in page and not _disabled(page, "Ask a question")

    services.tenders_advance_by_deadlines(
        now=tender.clarification_deadline + dt.timedelta(seconds=1)
    )
    tender = Tender.objects.get(pk=tender.pk)
    decision = policy.decide("clarification.ask", rep_lv, tender)
    assert decision.reason == "The clarification period is over."
    page = html_of(web(rep_lv).get(tender_url(tender)))
    assert _disabled(page, "Ask a question") and decision.reason in page
    assert f'href="{ask_url}"' not in page
    assert _allowed_actions(api_for, rep_lv, tender)["ask"] == decision.as_dict()
    with pytest.raises(ConflictError, match=r"The clarification period is over\."):
        services.clarification_ask(tender=tender, actor=rep_lv, question="Late?")


# -------------------------------------------------------------- requirements


def test_only_a_procurement_officer_records_requirements(people, web, api_for):
    requirement = _empty_draft(people).requirements.get()
    for user in [people.procurement, people.admin]:
        assert policy.may("requirement.record", user)
        body = api_for(user).get(f"/api/requirements/{requirement.pk}/").json()
        assert body["allowed_actions"]["record"] == {"allowed": True, "reason": ""}
    for name in ["officer", "finance", "approver_lv"]:
        user = _who(people, name)
        decision = policy.decide("requirement.record", user)
        assert decision.hidden
        body = api_for(user).get(f"/api/requirements/{requirement.pk}/").json()
        assert "record" not in body["allowed_actions"]
        page = html_of(web(user).get(url("requirement_list")))
        assert url("requirement_create") not in page
        with pytest.raises(PermissionDenied):
            services.requirement_record(
                actor=user, title="t", capability=category("reconnaissance"),
                quantity=1, specification="s", priority="high",
                needed_by=timezone.localdate() + dt.timedelta(days=9),
            )  # fmt: skip


# ------------------------------------------------------------- manufacturers


def test_a_liaison_nominates_for_their_own_member_state(people, latvia, uk, japan):
    liaison = people.liaison_lv
    assert policy.may("manufacturer.nominate", liaison, latvia)
    other = policy.decide("manufacturer.nominate", liaison, uk)
    assert not other.allowed and not other.hidden and other.kind == policy.WHO
    with pytest.raises(PermissionDenied, match="their own state only"):
        services.manufacturer_nominate(
            actor=liaison, member_state=uk, name="UK Co", registration_number="9",
            contact_name="C", contact_email="c@x.example",
        )  # fmt: skip
    not_member = policy.decide("manufacturer.nominate", people.liaison_jp, japan)
    assert not_member.kind == policy.STATE
    assert not_member.reason.startswith("Japan is not a member")
    for name in ["finance", "manufacturer", "outsider"]:
        assert policy.decide("manufacturer.nominate", _who(people, name)).hidden


def test_the_nomination_queue_agrees_with_the_check(people):
    states = MemberState.objects.all()
    for name in ["procurement", "admin", "liaison_lv", "liaison_jp", "finance"]:
        user = _who(people, name)
        queue = set(policy.pending("manufacturer.nominate", user, states))
        for state in states:
            assert (state in queue) == policy.may("manufacturer.nominate", user, state)


def test_a_company_declares_for_itself_only(people, bidders, web, api_for):
    (maker_lv, rep_lv), (maker_gb, _rep_gb) = bidders
    assert policy.may("manufacturer.declare_supply_chain", rep_lv, maker_lv)
    assert policy.may("manufacturer.set_bank_account", rep_lv, maker_lv)
    assert policy.decide("manufacturer.declare_supply_chain", rep_lv, maker_gb).hidden
    with pytest.raises(PermissionDenied):
        services.supply_chain_declare(
            manufacturer=maker_gb, actor=rep_lv, origins={"motors": "LV"}
        )
    # A liaison reads their state's companies but declares nothing for them.
    liaison = people.liaison_lv
    assert policy.decide("manufacturer.declare_supply_chain", liaison, maker_lv).hidden
    page = html_of(web(liaison).get(url("manufacturer", maker_lv.pk)))
    assert url("manufacturer_supply_chain", maker_lv.pk) not in page
    body = api_for(liaison).get(f"/api/manufacturers/{maker_lv.pk}/").json()
    assert "declare_supply_chain" not in body["allowed_actions"]
    assert body["allowed_actions"]["invite_representative"]["allowed"] is True
    # The company's own page offers it to its representative.
    page = html_of(web(rep_lv).get(url("manufacturer", maker_lv.pk)))
    assert url("manufacturer_supply_chain", maker_lv.pk) in page
    body = api_for(rep_lv).get(f"/api/manufacturers/{maker_lv.pk}/").json()
    assert body["allowed_actions"]["declare_supply_chain"]["allowed"] is True
    assert "vet" not in body["allowed_actions"]


def test_a_suspended_company_is_not_offered_new_representatives(
    people, bidders, web, api_for
):
    (maker, _rep), _ = bidders
    services.manufacturer_vet(
        manufacturer=maker, actor=people.procurement, to_status="suspended",
        reason="Audit",
    )  # fmt: skip
    maker = refresh(maker)
    assert maker.vetting_status == VettingStatus.SUSPENDED
    decision = policy.decide(
        "manufacturer.invite_representative", people.liaison_lv, maker
    )
    assert decision.kind == policy.STATE and "is suspended" in decision.reason
    page = web(people.liaison_lv).get(url("manufacturer", maker.pk))
    assert escape(decision.reason) in html_of(page)
    assert page.context["invite"] == decision
    body = api_for(people.liaison_lv).get(f"/api/manufacturers/{maker.pk}/").json()
    assert body["allowed_actions"]["invite_representative"] == decision.as_dict()
    invite_page = web(people.liaison_lv).get(url("representative_invite", maker.pk))
    assert invite_page.context["form"] is None
    with pytest.raises(ConflictError) as refusal:
        services.representative_invite(
            manufacturer=maker, actor=people.liaison_lv, email="n@x.example",
            first_name="N", last_name="M",
        )  # fmt: skip
    assert refusal.value.message == decision.reason


def test_vetting_and_tests_are_for_procurement_officers(people, bidders):
    (maker, rep), _ = bidders
    for user in [people.procurement, people.admin]:
        assert policy.may("manufacturer.vet", user, maker)
        assert policy.may("manufacturer.record_test", user, maker)
    for user in [rep, people.liaison_lv, people.finance]:
        assert policy.decide("manufacturer.vet", user, maker).hidden
        assert policy.decide("manufacturer.record_test", user, maker).hidden
        with pytest.raises(PermissionDenied):
            services.manufacturer_vet(
                manufacturer=maker, actor=user, to_status="suspended", reason="r"
            )


def test_unanswered_questions_are_the_procurement_officers_work(
    client, people, bidders, tender
):
    """A bidder's question is on the officers' My work until it is answered."""
    from procurement.models import Clarification

    (_m, rep_lv), _ = bidders
    services.tender_publish(tender=tender, actor=people.procurement)
    reference = tender.case.reference

    def my_work(user):
        client.force_login(user)
        return client.get(reverse("my_work")).content.decode()

    assert reference not in my_work(people.procurement)
    services.clarification_ask(
        tender=tender, actor=rep_lv, question="Is a thermal camera required?"
    )
    work = my_work(people.procurement)
    assert reference in work and "Answer the bidders&#x27; questions" in work
    for other in (people.finance, people.evaluator, rep_lv):
        assert "Answer the bidders" not in my_work(other)
    services.clarification_answer(
        clarification=Clarification.objects.get(), actor=people.procurement,
        answer="Yes, for night operations.",
    )  # fmt: skip
    assert reference not in my_work(people.procurement)
