"""A draft tender is editable until it is published (its deadlines too, once
they have passed), through one service, on the web and through the API; only
whoever may publish it edits it, and a published tender is amended instead."""

import datetime as dt

import pytest
from django.utils import timezone

from procurement import services
from procurement.models import Tender, TenderStatus
from secretariat.fund.models import Pool
from secretariat.kernel.exceptions import ApplicationError, ConflictError
from secretariat.kernel.models import TimelineEvent
from tests.conftest import refresh
from tests.procurement.api_helpers import iso, ok, refused
from tests.procurement.helpers import category
from tests.procurement.web import errors_of, html_of, local, tender_url, url

pytestmark = pytest.mark.django_db


def _expire(tender):
    """The draft's deadlines have passed while it waited."""
    past = timezone.now() - dt.timedelta(days=1)
    Tender.objects.filter(pk=tender.pk).update(
        clarification_deadline=past - dt.timedelta(days=1), submission_deadline=past
    )
    return refresh(tender)


def _form(tender, **changes):
    data = {
        "title": tender.title, "description": tender.description,
        "requirements": list(tender.requirements.values_list("pk", flat=True)),
        "pool": tender.pool_id, "procedure": tender.procedure,
        "clarification_deadline": local(tender.clarification_deadline),
        "submission_deadline": local(tender.submission_deadline),
        "weight_price": 40, "weight_technical": 25, "weight_delivery": 15,
        "weight_tests": 10, "weight_supply_chain": 10,
        "excluded_origins": "RU, BY", "standstill_days": tender.standstill_days,
    }  # fmt: skip
    data.update(changes)
    return data


# ---------------------------------------------------------------- the service


def test_a_draft_whose_deadlines_passed_gets_new_ones_and_is_published(people, tender):
    tender = _expire(tender)
    with pytest.raises(ConflictError, match="edit the draft to set new deadlines"):
        services.tender_publish(tender=tender, actor=people.procurement)
    now = timezone.now()
    services.tender_update(
        tender=tender, actor=people.procurement,
        clarification_deadline=now + dt.timedelta(days=3),
        submission_deadline=now + dt.timedelta(days=20),
    )  # fmt: skip
    tender = refresh(tender)
    assert tender.submission_deadline > now + dt.timedelta(days=19)
    # A draft is published before its clarification period ends: due then.
    assert tender.case.due_date == timezone.localdate(tender.clarification_deadline)
    event = TimelineEvent.objects.get(action="edited")
    assert event.actor == people.procurement
    assert event.description == "Draft edited: clarifications until, bids until"
    services.tender_publish(tender=tender, actor=people.procurement)
    assert refresh(tender).status == TenderStatus.PUBLISHED
    # Each stage is due at its own deadline; past bidding, none.
    assert refresh(tender).case.due_date == timezone.localdate(
        tender.clarification_deadline
    )
    services.tenders_advance_by_deadlines(
        now=tender.clarification_deadline + dt.timedelta(seconds=1)
    )
    tender = refresh(tender)
    assert tender.status == TenderStatus.TENDERING
    assert tender.case.due_date == timezone.localdate(tender.submission_deadline)


def test_a_draft_may_hold_past_dates_but_is_not_published_with_them(people, tender):
    past = timezone.now() - dt.timedelta(days=2)
    services.tender_update(
        tender=tender, actor=people.procurement, clarification_deadline=past,
        submission_deadline=past + dt.timedelta(days=1),
    )  # fmt: skip
    with pytest.raises(ConflictError) as refusal:
        services.tender_publish(tender=tender, actor=people.procurement)
    # The policy's reason (the tender's page shows it beside a disabled button).
    assert "The clarification deadline has passed" in refusal.value.message
    assert refresh(tender).status == TenderStatus.DRAFT


def test_the_deadlines_stay_in_order(people, tender):
    with pytest.raises(ApplicationError) as refusal:
        services.tender_update(
            tender=tender, actor=people.procurement,
            submission_deadline=tender.clarification_deadline - dt.timedelta(hours=1),
        )  # fmt: skip
    assert refusal.value.field == "submission_deadline"
    assert refresh(tender).submission_deadline > tender.clarification_deadline


def test_every_field_is_checked_as_when_drafting(people, tender):
    for changes, field in (
        ({"title": "  "}, "title"),
        ({"requirements": []}, "requirements"),
        ({"procedure": "restricted"}, "invited"),
        ({"weights": {"price": 90, "technical": 25, "delivery": 15, "tests": 10,
                      "supply_chain": 10}}, "weights"),
        ({"excluded_origins": ["XX"]}, "excluded_origins"),
        ({"standstill_days": 2}, "standstill_days"),
    ):  # fmt: skip
        with pytest.raises(ApplicationError) as refusal:
            services.tender_update(tender=tender, actor=people.procurement, **changes)
        assert refusal.value.field == field, changes
    assert not TimelineEvent.objects.filter(action="edited").exists()


def test_a_published_tender_is_not_edited(people, tender):
    services.tender_publish(tender=tender, actor=people.procurement)
    with pytest.raises(ConflictError) as refusal:
        services.tender_update(tender=tender, actor=people.procurement, title="New")
    assert "is published: only a draft tender is edited. Amend it" in (
        refusal.value.message
    )
    assert refresh(tender).title == "Reconnaissance drones 2026"


def test_only_a_procurement_officer_edits(people, tender):
    from django.core.exceptions import PermissionDenied

    for person in (people.finance, people.officer, people.liaison_lv,
                   people.manufacturer):  # fmt: skip
        with pytest.raises(PermissionDenied):
            services.tender_update(tender=tender, actor=person, title="Mine")
    assert refresh(tender).title == "Reconnaissance drones 2026"


# ---------------------------------------------------------------- web


def test_the_procurement_officer_edits_a_draft_on_its_page(people, tender, web):
    tender = _expire(tender)
    browser = web(people.procurement)
    page = html_of(browser.get(tender_url(tender)))
    edit_url = url("tender_edit", tender.case.reference)
    assert f'href="{edit_url}"' in page
    form_page = html_of(browser.get(edit_url))
    assert 'value="Reconnaissance drones 2026"' in form_page
    now = timezone.now()
    response = browser.post(edit_url, _form(
        tender, title="Reconnaissance drones 2027",
        clarification_deadline=local(now + dt.timedelta(days=4)),
        submission_deadline=local(now + dt.timedelta(days=30)),
    ))  # fmt: skip
    assert response.status_code == 302
    tender = refresh(tender)
    assert tender.title == tender.case.title == "Reconnaissance drones 2027"
    assert tender.clarification_deadline > now
    assert tender.excluded_origins == ["BY", "RU"]
    assert (
        "title, clarifications until, bids until"
        in TimelineEvent.objects.get(action="edited").description
    )


def test_a_refused_edit_shows_next_to_its_field(people, tender, web):
    response = web(people.procurement).post(
        url("tender_edit", tender.case.reference),
        _form(tender, submission_deadline=local(
            tender.clarification_deadline - dt.timedelta(days=1))),
    )  # fmt: skip
    assert response.status_code == 200
    assert errors_of(response, "submission_deadline") == [
        "The clarification deadline must be before the submission deadline."
    ]


@pytest.mark.parametrize("who", ["finance", "officer", "liaison_lv", "manufacturer"])
def test_others_cannot_edit_a_draft(people, tender, web, who):
    browser = web(getattr(people, who))
    edit_url = url("tender_edit", tender.case.reference)
    # Staff who read the draft are refused; others do not even see it.
    expected = 403 if who in {"finance", "officer"} else 404
    assert browser.get(edit_url).status_code == expected
    assert browser.post(edit_url, _form(tender, title="Mine")).status_code == (expected)
    assert refresh(tender).title == "Reconnaissance drones 2026"
    if expected == 403:
        assert edit_url not in html_of(browser.get(tender_url(tender)))


@pytest.mark.parametrize("who", ["liaison_lv", "manufacturer"])
def test_those_who_read_a_published_tender_cannot_edit_it(people, tender, web, who):
    services.tender_publish(tender=tender, actor=people.procurement)
    edit_url = url("tender_edit", tender.case.reference)
    browser = web(getattr(people, who))
    assert browser.get(edit_url).status_code in {403, 404}
    assert browser.post(edit_url, _form(tender, title="Mine")).status_code in {
        403,
        404,
    }
    assert refresh(tender).title == "Reconnaissance drones 2026"


def test_a_published_tender_is_refused_with_a_clear_message(people, tender, web):
    services.tender_publish(tender=tender, actor=people.procurement)
    browser = web(people.procurement)
    edit_url = url("tender_edit", tender.case.reference)
    assert edit_url not in html_of(browser.get(tender_url(tender)))
    page = html_of(browser.get(edit_url))
    assert "is published: only a draft tender is edited. Amend it instead" in page
    response = browser.post(edit_url, _form(tender, title="Changed"))
    assert response.status_code == 200
    [error] = errors_of(response)
    assert "only a draft tender is edited" in error
    assert refresh(tender).title == "Reconnaissance drones 2026"


# ---------------------------------------------------------------- API


def test_the_api_edits_a_draft_with_patch_and_put(people, tender, api_for):
    api = api_for(people.procurement)
    path = f"/api/tenders/{tender.case.reference}/"
    tender = _expire(tender)
    later = timezone.now() + dt.timedelta(days=6)
    edited = ok(api.patch(path, {
        "title": "Patched", "clarification_deadline": iso(later),
        "submission_deadline": iso(later + dt.timedelta(days=7)),
    }, format="json"))  # fmt: skip
    assert edited["title"] == "Patched"
    assert edited["status"] == "draft"
    tender = refresh(tender)
    assert tender.clarification_deadline == later
    assert tender.excluded_origins == ["BY", "IR", "KP", "RU"]  # not given: kept

    requirement = services.requirement_record(
        actor=people.procurement, title="More", capability=category("reconnaissance"),
        quantity=5, specification="s", priority="low",
        needed_by=timezone.localdate() + dt.timedelta(days=100),
    )  # fmt: skip
    put = ok(api.put(path, {
        "title": "Put", "description": "All of it",
        "requirements": [requirement.pk], "pool": "unrestricted",
        "clarification_deadline": iso(later),
        "submission_deadline": iso(later + dt.timedelta(days=9)),
        "standstill_days": 15,
    }, format="json"))  # fmt: skip
    assert put["requirements"] == [requirement.pk]
    assert put["standstill_days"] == 15
    assert put["excluded_origins"] == []  # PUT replaces what it does not give
    assert TimelineEvent.objects.filter(action="edited").count() == 2


@pytest.mark.parametrize("who", ["finance", "liaison_lv", "manufacturer"])
def test_the_api_refuses_others(people, tender, api_for, who):
    response = api_for(getattr(people, who)).patch(
        f"/api/tenders/{tender.case.reference}/", {"title": "Mine"}, format="json"
    )
    assert response.status_code == 403
    assert refresh(tender).title == "Reconnaissance drones 2026"


def test_the_api_refuses_to_edit_a_published_tender(people, tender, api_for):
    services.tender_publish(tender=tender, actor=people.procurement)
    body = refused(
        api_for(people.procurement).patch(
            f"/api/tenders/{tender.case.reference}/", {"title": "New"}, format="json"
        ),
        409,
        "only a draft tender is edited",
    )
    assert "Amend it instead" in body["detail"]
    assert refresh(tender).title == "Reconnaissance drones 2026"


def test_the_api_puts_the_error_on_the_field(people, tender, api_for):
    body = refused(
        api_for(people.procurement).patch(
            f"/api/tenders/{tender.case.reference}/",
            {"pool": Pool.objects.get(code="non-lethal").code,
             "requirements": []}, format="json",
        ),
        400,
    )  # fmt: skip
    assert "requirements" in body or body.get("field") == "requirements"
