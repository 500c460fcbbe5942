"""Requirements from the front: Ukraine's end users submit them for one of their
units; the secretariat accepts, asks or declines; the unit answers or withdraws;
everyone allowed follows a requirement through to delivery and receipt."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from procurement import services
from procurement.models import (
    MilitaryUnit,
    Receipt,
    Requirement,
    RequirementStatus,
)
from secretariat.kernel import policy
from secretariat.kernel.exceptions import ApplicationError, ConflictError
from secretariat.kernel.models import Attachment
from secretariat.notifications.models import Notification
from secretariat.reports.selectors import work_items_for
from tests.files import pdf
from tests.procurement.helpers import category
from tests.procurement.web import errors_of, html_of, url

pytestmark = pytest.mark.django_db

R = RequirementStatus


def _fields(**changes):
    fields = {
        "title": "FPV drones for the Pokrovsk direction",
        "capability": category("strike"),
        "quantity": 800,
        "specification": "7-inch FPV, thermal camera, 10 km range.",
        "priority": "critical",
        "needed_by": timezone.localdate() + dt.timedelta(days=60),
        "source_reference": "47-OMBr-2026-12",
    }
    fields.update(changes)
    return fields


def submitted(front, **changes) -> Requirement:
    return services.requirement_submit(
        actor=front.enduser, unit=front.unit, **_fields(**changes)
    )


def _form(front, **changes):
    data = {
        **_fields(),
        "unit": front.unit.pk,
        "capability": category("strike").pk,
        "needed_by": (timezone.localdate() + dt.timedelta(days=60)).isoformat(),
    }
    data.update(changes)
    return data


def _who(people, front, name):
    return getattr(front, name, None) or getattr(people, name)


PEOPLE = [
    "enduser",
    "enduser_same_unit",
    "enduser_other_unit",
    "liaison_jp",
    "manufacturer",
    "procurement",
    "outsider",
]


# ---------------------------------------------------------------- the policies


@pytest.mark.parametrize(
    "who, allowed",
    [
        ("enduser", True),
        ("enduser_same_unit", True),
        ("enduser_other_unit", False),
        ("liaison_jp", False),
        ("manufacturer", False),
        ("procurement", False),
        ("outsider", False),
    ],
)
def test_who_submits_for_the_brigade(people, front, who, allowed):
    decision = policy.decide("requirement.submit", _who(people, front, who), front.unit)
    assert decision.allowed is allowed
    if who == "enduser_other_unit":
        assert decision.reason == (
            "You are not one of the end users of 47th Mechanized Brigade."
        )
        assert not decision.hidden
    elif not allowed:
        assert decision.hidden


def test_no_one_submits_for_another_states_unit(people, front, latvia):
    latvian = MilitaryUnit.objects.create(
        member_state=latvia, code="LV-1", name="Latvian Land Forces Brigade"
    )
    latvian.people.add(front.enduser)
    decision = policy.decide("requirement.submit", front.enduser, latvian)
    assert not decision.allowed
    assert decision.reason == "Requirements are submitted for Ukraine's units only."


@pytest.mark.parametrize("who", [*PEOPLE, "admin", "officer", "finance"])
@pytest.mark.parametrize(
    "name", ["requirement.accept", "requirement.ask", "requirement.decline"]
)
def test_only_procurement_officers_review(people, front, who, name):
    requirement = submitted(front)
    decision = policy.decide(name, _who(people, front, who), requirement)
    assert decision.allowed is (who in {"procurement", "admin"})
    if not decision.allowed:
        assert decision.hidden


def test_a_review_is_not_offered_once_decided(people, front):
    requirement = submitted(front)
    services.requirement_accept(requirement=requirement, actor=people.procurement)
    requirement.refresh_from_db()
    for name in ("requirement.accept", "requirement.ask", "requirement.decline"):
        decision = policy.decide(name, people.procurement, requirement)
        assert not decision.allowed and decision.hidden


@pytest.mark.parametrize(
    "who, allowed",
    [
        ("enduser", True),
        ("enduser_same_unit", True),
        ("enduser_other_unit", False),
        ("liaison_jp", False),
        ("manufacturer", False),
        ("procurement", False),
        ("outsider", False),
    ],
)
def test_the_submitting_unit_answers_and_withdraws(people, front, who, allowed):
    requirement = submitted(front)
    services.requirement_ask(
        requirement=requirement, actor=people.procurement, question="How many sets?"
    )
    requirement.refresh_from_db()
    person = _who(people, front, who)
    assert policy.may("requirement.answer", person, requirement) is allowed
    assert policy.may("requirement.withdraw", person, requirement) is allowed


def test_a_requirement_in_a_tender_is_not_withdrawn(people, front):
    requirement = submitted(front)
    Requirement.objects.filter(pk=requirement.pk).update(status=R.IN_TENDER)
    requirement.refresh_from_db()
    decision = policy.decide("requirement.withdraw", front.enduser, requirement)
    assert not decision.allowed and not decision.hidden
    assert "is in a tender" in decision.reason


def test_a_requirement_recorded_by_the_secretariat_is_not_the_units(people, front):
    requirement = services.requirement_record(
        actor=people.procurement, **{**_fields(), "source_reference": "UAF-1"}
    )
    assert not policy.may("requirement.withdraw", front.enduser, requirement)


# ---------------------------------------------------------------- services


def test_submitting_records_it_for_review(people, front):
    requirement = submitted(front)
    assert requirement.status == R.SUBMITTED
    assert requirement.unit == front.unit
    assert requirement.recorded_by == front.enduser


def test_the_review_goes_through_the_workflow(people, front):
    requirement = submitted(front)
    services.requirement_ask(
        requirement=requirement, actor=people.procurement, question="Which band?"
    )
    requirement.refresh_from_db()
    assert (requirement.status, requirement.review_note) == (R.CLARIFY, "Which band?")
    services.requirement_answer(
        requirement=requirement, actor=front.enduser_same_unit, answer="5.8 GHz"
    )
    requirement.refresh_from_db()
    assert (requirement.status, requirement.submitter_answer) == (
        R.SUBMITTED,
        "5.8 GHz",
    )
    services.requirement_decline(
        requirement=requirement, actor=people.procurement, reason="Already covered."
    )
    requirement.refresh_from_db()
    assert (requirement.status, requirement.review_note) == (
        R.DECLINED,
        "Already covered.",
    )


def test_someone_elses_unit_is_refused_by_the_service(people, front):
    with pytest.raises(PermissionDenied) as refused:
        services.requirement_submit(
            actor=front.enduser, unit=front.other_unit, **_fields()
        )
    assert str(refused.value) == (
        "You are not one of the end users of Unmanned Systems Forces Command."
    )
    assert not Requirement.objects.exists()


def test_bad_input_is_refused_by_the_service(people, front):
    for changes, field in (
        ({"quantity": 0}, "quantity"),
        ({"needed_by": timezone.localdate() - dt.timedelta(days=1)}, "needed_by"),
        ({"title": " "}, "title"),
        ({"priority": "whenever"}, "priority"),
    ):
        with pytest.raises(ApplicationError) as refused:
            submitted(front, **changes)
        assert refused.value.field == field
    assert not Requirement.objects.exists()


def test_a_question_and_a_reason_are_required(people, front):
    requirement = submitted(front)
    with pytest.raises(ApplicationError) as refused:
        services.requirement_ask(
            requirement=requirement, actor=people.procurement, question=" "
        )
    assert refused.value.field == "question"
    with pytest.raises(ApplicationError) as refused:
        services.requirement_decline(
            requirement=requirement, actor=people.procurement, reason=""
        )
    assert refused.value.field == "reason"
    requirement.refresh_from_db()
    assert requirement.status == R.SUBMITTED


# ---------------------------------------------------------------- notifications


def test_procurement_officers_hear_of_a_submission_and_an_answer(people, front):
    requirement = submitted(front)
    told = set(
        Notification.objects.filter(url=requirement.get_absolute_url()).values_list(
            "recipient__username", flat=True
        )
    )
    assert told == {people.procurement.username}
    Notification.objects.all().delete()
    services.requirement_ask(
        requirement=requirement, actor=people.procurement, question="Which band?"
    )
    told = set(Notification.objects.values_list("recipient__username", flat=True))
    # The unit's end users, not the other unit's.
    assert told == {front.enduser.username, front.enduser_same_unit.username}
    Notification.objects.all().delete()
    services.requirement_answer(
        requirement=requirement, actor=front.enduser, answer="5.8 GHz"
    )
    told = set(Notification.objects.values_list("recipient__username", flat=True))
    assert told == {people.procurement.username}


@pytest.mark.parametrize("move", ["accept", "decline"])
def test_the_unit_hears_of_the_decision(people, front, move):
    requirement = submitted(front)
    Notification.objects.all().delete()
    if move == "accept":
        services.requirement_accept(requirement=requirement, actor=people.procurement)
    else:
        services.requirement_decline(
            requirement=requirement, actor=people.procurement, reason="Duplicate."
        )
    told = set(Notification.objects.values_list("recipient__username", flat=True))
    assert told == {front.enduser.username, front.enduser_same_unit.username}
    title = Notification.objects.first().title
    assert requirement.reference in title
    assert ("accepted" if move == "accept" else "declined") in title


# ---------------------------------------------------------------- queues


def test_waiting_for_the_procurement_officer_and_the_unit(people, front):
    requirement = submitted(front)
    (item,) = [
        i for i in work_items_for(people.procurement) if i.action.startswith("req")
    ]
    assert item.action == "requirement.review"
    assert item.url == requirement.get_absolute_url()
    assert not [
        i for i in work_items_for(front.enduser) if i.action.startswith("requirement")
    ]
    services.requirement_ask(
        requirement=requirement, actor=people.procurement, question="Which band?"
    )
    for person in (front.enduser, front.enduser_same_unit):
        (item,) = [i for i in work_items_for(person) if i.action.startswith("req")]
        assert item.action == "requirement.answer"
        assert item.action_url == url(
            "requirement_move", requirement.reference, "answer"
        )
    assert not [
        i
        for i in work_items_for(front.enduser_other_unit)
        if i.action.startswith("requirement")
    ]
    assert not [
        i
        for i in work_items_for(people.procurement)
        if i.action.startswith("requirement")
    ]


def test_the_end_users_landing_page(people, front, web):
    submitted(front)
    page = html_of(web(front.enduser).get("/"))
    assert "Your units&#x27; requirements" in page or "Your units' requirements" in page
    assert "47th Mechanized Brigade" in page
    assert "Submitted for review" in page
    assert 'href="/requirements/submit/"' in page or url("requirement_submit") in page


# ---------------------------------------------------------------- pages


@pytest.mark.parametrize("who", ["enduser", "enduser_other_unit", "procurement"])
def test_ukraine_and_the_secretariat_read_the_requirement(people, front, web, who):
    requirement = submitted(front)
    response = web(_who(people, front, who)).get(requirement.get_absolute_url())
    assert response.status_code == 200
    page = html_of(response)
    assert "FPV drones for the Pokrovsk direction" in page
    assert "47th Mechanized Brigade" in page


@pytest.mark.parametrize("who", ["liaison_jp", "manufacturer", "outsider"])
def test_others_neither_see_the_requirement_nor_who_submitted_it(
    people, front, web, who
):
    requirement = submitted(front)
    browser = web(getattr(people, who))
    for address in (
        requirement.get_absolute_url(),
        url("requirement_list"),
        url("requirement_move", requirement.reference, "accept"),
    ):
        response = browser.get(address)
        assert response.status_code in {403, 404}
        assert "47th Mechanized Brigade" not in html_of(response)
        assert "Pokrovsk" not in html_of(response)


def test_an_unknown_move_is_404(people, front, web):
    requirement = submitted(front)
    response = web(people.procurement).get(
        url("requirement_move", requirement.reference, "explode")
    )
    assert response.status_code == 404


def test_the_requirement_page_offers_the_review_buttons(people, front, web):
    requirement = submitted(front)
    page = html_of(web(people.procurement).get(requirement.get_absolute_url()))
    for move in ("accept", "ask", "decline"):
        assert url("requirement_move", requirement.reference, move) in page
    assert url("requirement_move", requirement.reference, "withdraw") not in page
    mine = html_of(web(front.enduser).get(requirement.get_absolute_url()))
    assert url("requirement_move", requirement.reference, "withdraw") in mine
    assert url("requirement_move", requirement.reference, "accept") not in mine
    theirs = html_of(web(front.enduser_other_unit).get(requirement.get_absolute_url()))
    assert url("requirement_move", requirement.reference, "withdraw") not in theirs


def test_a_requirement_in_a_tender_shows_withdraw_disabled_with_the_reason(
    people, front, web
):
    requirement = submitted(front)
    Requirement.objects.filter(pk=requirement.pk).update(status=R.IN_TENDER)
    page = html_of(web(front.enduser).get(requirement.get_absolute_url()))
    assert "disabled" in page
    assert "is in a tender: it is withdrawn only if the tender is cancelled" in page


def test_the_end_users_list_puts_their_units_first(people, front, web):
    theirs = services.requirement_submit(
        actor=front.enduser_other_unit,
        unit=front.other_unit,
        **_fields(title="Interceptors for Kyiv", needed_by=timezone.localdate()),
    )
    ours = submitted(front, needed_by=timezone.localdate() + dt.timedelta(days=300))
    response = web(front.enduser).get(url("requirement_list"))
    assert response.status_code == 200
    rows = list(response.context["page"].object_list)
    assert rows == [ours, theirs]
    page = html_of(response)
    assert "Submitted for review" in page
    assert "Submit a requirement" in page


def test_the_list_keeps_to_a_query_budget(
    people, front, web, django_assert_max_num_queries
):
    for n in range(8):
        submitted(front, title=f"Requirement {n}")
    browser = web(front.enduser)
    browser.get(url("requirement_list"))
    with django_assert_max_num_queries(16):
        assert browser.get(url("requirement_list")).status_code == 200
    officer = web(people.procurement)
    officer.get(url("requirement_list"))
    with django_assert_max_num_queries(16):
        assert officer.get(url("requirement_list")).status_code == 200


def test_the_nav_offers_the_end_user_their_places(people, front, web):
    page = html_of(web(front.enduser).get(url("requirement_list")))
    assert f'href="{url("requirement_list")}"' in page
    assert f'href="{url("requirement_submit")}"' in page


# ---------------------------------------------------------------- the form


def test_submitting_on_the_form_with_documents(people, front, web):
    response = web(front.enduser).post(
        url("requirement_submit"),
        _form(front, document_1=pdf("specification.pdf")),
    )
    requirement = Requirement.objects.get()
    assert response.status_code == 302
    assert response["Location"] == requirement.get_absolute_url()
    assert requirement.status == R.SUBMITTED
    assert requirement.unit == front.unit
    (document,) = Attachment.objects.filter(subject_id=requirement.pk)
    assert document.original_name == "specification.pdf"
    page = html_of(web(front.enduser).get(requirement.get_absolute_url()))
    assert "specification.pdf" in page


def test_all_the_errors_come_in_one_round_and_nothing_is_saved(people, front, web):
    response = web(front.enduser).post(
        url("requirement_submit"),
        _form(
            front,
            unit=front.other_unit.pk,
            quantity=0,
            needed_by=(timezone.localdate() - dt.timedelta(days=1)).isoformat(),
            title="",
            specification="",
        ),
    )
    assert response.status_code == 200
    assert errors_of(response, "unit") == [
        "You are not one of the end users of Unmanned Systems Forces Command."
    ]
    assert errors_of(response, "quantity") == [
        "Ensure this value is greater than or equal to 1."
    ]
    assert errors_of(response, "needed_by") == [
        "The date it is needed by cannot be in the past."
    ]
    assert errors_of(response, "title") == ["This field is required."]
    assert errors_of(response, "specification") == ["This field is required."]
    assert not Requirement.objects.exists()
    assert not Attachment.objects.exists()


def test_another_states_unit_is_refused_next_to_the_field(people, front, web, latvia):
    latvian = MilitaryUnit.objects.create(
        member_state=latvia, code="LV-1", name="Latvian Land Forces Brigade"
    )
    latvian.people.add(front.enduser)
    response = web(front.enduser).post(
        url("requirement_submit"), _form(front, unit=latvian.pk)
    )
    assert response.status_code == 200
    assert errors_of(response, "unit") == [
        "Requirements are submitted for Ukraine's units only."
    ]
    assert not Requirement.objects.exists()


@pytest.mark.parametrize("who", ["liaison_jp", "manufacturer", "procurement"])
def test_others_are_refused_the_submit_form(people, front, web, who):
    response = web(getattr(people, who)).get(url("requirement_submit"))
    assert response.status_code == 403


def test_the_review_on_the_pages(people, front, web):
    requirement = submitted(front)
    officer = web(people.procurement)
    ask = url("requirement_move", requirement.reference, "ask")
    response = officer.post(ask, {"question": ""})
    assert response.status_code == 200
    assert errors_of(response, "question") == ["This field is required."]
    response = officer.post(ask, {"question": "Which frequency band?"})
    assert response.status_code == 302
    requirement.refresh_from_db()
    assert requirement.status == R.CLARIFY
    # Only the unit answers.
    answer = url("requirement_move", requirement.reference, "answer")
    assert officer.get(answer).status_code == 403
    assert web(front.enduser_other_unit).get(answer).status_code == 403
    unit = web(front.enduser_same_unit)
    page = html_of(unit.get(answer))
    assert "Which frequency band?" in page
    assert unit.post(answer, {"answer": "5.8 GHz"}).status_code == 302
    requirement.refresh_from_db()
    assert requirement.status == R.SUBMITTED
    response = officer.post(url("requirement_move", requirement.reference, "accept"))
    assert response.status_code == 302
    requirement.refresh_from_db()
    assert requirement.status == R.OPEN


# ---------------------------------------------------------------- follow-through


def test_the_follow_through_counts_contracted_delivered_accepted_received(
    people, front, contract, web, django_assert_max_num_queries
):
    contract, rep = contract
    delivery = services.delivery_report(
        contract=contract, milestone=contract.milestones.get(number=1), actor=rep,
        quantity=150, note="To Sēlia",
    )  # fmt: skip
    services.delivery_decide(
        delivery=delivery, actor=people.procurement, quantity_accepted=140,
        test_site="Sēlia", tested_on=timezone.localdate(),
        report_file=pdf("acceptance.pdf"),
    )  # fmt: skip
    Receipt.objects.create(
        delivery=delivery, unit=front.unit, quantity_received=138,
        received_on=timezone.localdate(), place="Kramatorsk", serials="A1-A138",
        condition="damaged", received_by=front.enduser,
    )  # fmt: skip
    requirement = contract.award.lot.tender.requirements.get()
    for person in (people.procurement, front.enduser):
        browser = web(person)
        browser.get(requirement.get_absolute_url())
        with django_assert_max_num_queries(30):
            response = browser.get(requirement.get_absolute_url())
        follow = response.context["follow"]
        assert (
            follow.contracted,
            follow.delivered,
            follow.accepted,
            follow.received,
        ) == (contract.quantity, 150, 140, 138)
        page = html_of(response)
        assert contract.reference in page
        assert "Received by Ukraine" in page


# ---------------------------------------------------------------- the API


def test_the_api_submits_and_reviews(people, front, api_for):
    api = api_for(front.enduser)
    data = {**_form(front), "capability": "strike"}
    response = api.post("/api/requirements/submit/", data, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "submitted"
    assert body["unit"] == front.unit.pk
    assert body["allowed_actions"]["withdraw"]["allowed"] is True
    pk = body["id"]
    officer = api_for(people.procurement)
    response = officer.post(
        f"/api/requirements/{pk}/ask/", {"question": "Which band?"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["review_note"] == "Which band?"
    response = api.post(
        f"/api/requirements/{pk}/answer/", {"answer": "5.8 GHz"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "submitted"
    response = officer.post(f"/api/requirements/{pk}/accept/", {}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "open"


def test_the_api_refuses_bad_input_and_others(people, front, api_for):
    api = api_for(front.enduser)
    data = {**_form(front), "capability": "strike", "unit": front.other_unit.pk}
    # Another unit's: the policy's refusal for who the person is, with its reason.
    response = api.post("/api/requirements/submit/", data, format="json")
    assert response.status_code == 403
    assert "Unmanned Systems Forces Command" in response.content.decode()
    response = api.post(
        "/api/requirements/submit/",
        {**data, "unit": front.unit.pk, "quantity": 0, "needed_by": "2020-01-01"},
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()) >= {"quantity"}
    response = api.post(
        "/api/requirements/submit/",
        {**data, "unit": front.unit.pk, "needed_by": "2020-01-01"},
        format="json",
    )
    assert response.status_code == 400
    assert "cannot be in the past" in response.content.decode()
    assert not Requirement.objects.exists()
    for who in ("liaison_jp", "manufacturer", "procurement"):
        response = api_for(getattr(people, who)).post(
            "/api/requirements/submit/",
            {**data, "unit": front.unit.pk},
            format="json",
        )
        assert response.status_code == 403
    requirement = submitted(front)
    response = api.post(f"/api/requirements/{requirement.pk}/accept/", {})
    assert response.status_code == 403
    response = api_for(people.liaison_jp).get(f"/api/requirements/{requirement.pk}/")
    assert response.status_code in {403, 404}


# ---------------------------------------------------------------- the admin


def test_administrators_keep_the_units_and_who_belongs(client, people, front, latvia):
    from django.urls import reverse

    client.force_login(people.admin)
    assert (
        client.get(reverse("admin:procurement_militaryunit_changelist")).status_code
        == 200
    )
    ukraine = front.unit.member_state
    response = client.post(
        reverse("admin:procurement_militaryunit_add"),
        {
            "member_state": ukraine.pk,
            "code": "UA-93",
            "name": "93rd Mechanized Brigade",
            "people": [front.enduser_other_unit.pk],
        },
    )
    assert response.status_code == 302
    unit = MilitaryUnit.objects.get(code="UA-93")
    assert list(unit.people.all()) == [front.enduser_other_unit]
    # An end user of another state does not belong to Ukraine's unit.
    latvian = type(front.enduser).objects.create(
        username="enduser-lv", member_state=latvia
    )
    latvian.groups.set(front.enduser.groups.all())
    response = client.post(
        reverse("admin:procurement_militaryunit_add"),
        {
            "member_state": ukraine.pk,
            "code": "UA-95",
            "name": "95th Air Assault Brigade",
            "people": [latvian.pk],
        },
    )
    assert response.status_code == 200
    assert "Only end users of the unit&#x27;s member state belong to it" in (
        response.content.decode()
    )
    assert not MilitaryUnit.objects.filter(code="UA-95").exists()


def test_the_requirement_admin_shows_the_unit_and_the_review(client, people, front):
    from django.urls import reverse

    requirement = submitted(front)
    services.requirement_ask(
        requirement=requirement, actor=people.procurement, question="Which band?"
    )
    client.force_login(people.admin)
    page = client.get(
        reverse("admin:procurement_requirement_change", args=[requirement.pk])
    ).content.decode()
    assert "47th Mechanized Brigade" in page
    assert "Which band?" in page


def test_a_published_tender_answering_a_units_requirement_keeps_the_unit_to_itself(
    people, front, bidders, web
):
    """Liaisons and manufacturers read the published tender, as before, but not
    the requirement behind it, its unit or who submitted it."""
    from decimal import Decimal

    from secretariat.fund.models import Pool

    requirement = services.requirement_accept(
        requirement=submitted(front, capability=category("reconnaissance")),
        actor=people.procurement,
    )
    now = timezone.now()
    tender = services.tender_create(
        actor=people.procurement, title="Reconnaissance drones for the front",
        description="Lot 1: quadcopters", requirements=[requirement],
        pool=Pool.objects.get(code="unrestricted"),
        clarification_deadline=now + dt.timedelta(days=5),
        submission_deadline=now + dt.timedelta(days=10),
    )  # fmt: skip
    services.lot_add(
        tender=tender, actor=people.procurement, title="Quadcopters",
        capability=category("reconnaissance"), quantity=800,
        max_unit_price=Decimal("2000.00"), delivery_from=dt.date(2027, 1, 1),
        delivery_to=dt.date(2027, 3, 1),
    )  # fmt: skip
    services.tender_publish(tender=tender, actor=people.procurement)
    requirement.refresh_from_db()
    assert requirement.status == R.IN_TENDER
    (_maker, rep_lv), _ = bidders
    for person in (people.liaison_lv, rep_lv):
        response = web(person).get(url("tender", tender.case.reference))
        assert response.status_code == 200
        page = html_of(response)
        assert "Reconnaissance drones for the front" in page
        for secret in ("47th Mechanized Brigade", front.enduser.username, "Pokrovsk"):
            assert secret not in page
        assert web(person).get(requirement.get_absolute_url()).status_code == 403
    # Ukraine's end user follows it to the tender.
    page = html_of(web(front.enduser).get(requirement.get_absolute_url()))
    assert tender.case.reference in page


@pytest.mark.parametrize("status", [R.OPEN, R.IN_TENDER, R.CLARIFY, R.DECLINED])
def test_only_a_submitted_requirement_is_reviewed(people, front, status):
    """A requirement in a tender goes back to open when its tender is cancelled:
    that is not the secretariat accepting it."""
    requirement = submitted(front)
    Requirement.objects.filter(pk=requirement.pk).update(status=status)
    requirement.refresh_from_db()
    for name in ("requirement.accept", "requirement.ask", "requirement.decline"):
        decision = policy.decide(name, people.procurement, requirement)
        assert not decision.allowed and decision.hidden
    with pytest.raises(ConflictError):
        services.requirement_accept(requirement=requirement, actor=people.procurement)


def test_the_api_submits_with_a_document(people, front, api_for):
    data = {**_form(front), "capability": "strike", "document_1": pdf("spec.pdf")}
    response = api_for(front.enduser).post(
        "/api/requirements/submit/", data, format="multipart"
    )
    assert response.status_code == 201, response.content
    (document,) = Attachment.objects.filter(subject_id=response.json()["id"])
    assert document.original_name == "spec.pdf"
