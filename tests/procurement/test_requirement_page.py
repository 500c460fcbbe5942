"""A requirement's own page: what Ukraine's Armed Forces asked for, the tenders
that answer it with the drones contracted and delivered, and "Draft a tender
from this requirement" for whoever the policy lets draft tenders."""

import datetime as dt
import html

import pytest
from django.utils import timezone

from procurement import services
from procurement.models import Requirement, RequirementStatus
from secretariat.fund.models import Pool
from tests.files import pdf
from tests.procurement.helpers import category
from tests.procurement.web import html_of, url

pytestmark = pytest.mark.django_db


def _requirement(people, **changes) -> Requirement:
    fields = {
        "title": "Interceptor drones for Kharkiv",
        "source_reference": "UAF-2026-117",
        "capability": category("interceptor"),
        "quantity": 2000,
        "specification": "Speed above 250 km/h; thermal seeker.",
        "priority": "critical",
        "needed_by": timezone.localdate() + dt.timedelta(days=90),
    }
    fields.update(changes)
    return services.requirement_record(actor=people.procurement, **fields)


def page_url(requirement) -> str:
    return url("requirement", requirement.reference)


# ---------------------------------------------------------------- who sees it


@pytest.mark.parametrize(
    "who", ["officer", "procurement", "finance", "approver_lv", "admin"]
)
def test_the_secretariat_reads_a_requirement(people, web, who):
    requirement = _requirement(people)
    response = web(getattr(people, who)).get(page_url(requirement))
    assert response.status_code == 200
    page = html_of(response)
    assert "Interceptor drones for Kharkiv" in page
    assert "UAF-2026-117" in page
    assert "2,000" in page
    assert "Critical" in page
    assert "Speed above 250 km/h; thermal seeker." in page


@pytest.mark.parametrize(
    "who", ["evaluator", "manufacturer", "liaison_lv", "liaison_jp", "outsider"]
)
def test_others_are_refused_each_requirement(people, web, who):
    """Evaluators, manufacturers' representatives and liaisons read no
    requirement (as on the list): each one answers 403, and nothing of it is
    shown."""
    first = _requirement(people)
    second = _requirement(people, title="Strike drones", capability=category("strike"))
    browser = web(getattr(people, who))
    for requirement in (first, second):
        response = browser.get(page_url(requirement))
        assert response.status_code == 403
        assert requirement.title not in html_of(response)


def test_a_requirement_that_does_not_exist_is_404(people, web):
    requirement = _requirement(people)
    browser = web(people.procurement)
    assert browser.get(url("requirement", "REQ-99999")).status_code == 404
    assert browser.get(url("requirement", "nonsense")).status_code == 404
    assert browser.get(url("requirement", "9" * 30)).status_code == 404
    assert browser.get(url("requirement", "REQ-١٢")).status_code == 404
    # By its number, it is sent on to its reference.
    response = browser.get(url("requirement", str(requirement.pk)))
    assert response.status_code == 302
    assert response["Location"] == page_url(requirement)


def test_anonymous_people_are_sent_to_sign_in(people, client):
    requirement = _requirement(people)
    response = client.get(page_url(requirement))
    assert response.status_code == 302
    assert "/login" in response["Location"] or "login" in response["Location"]


# ---------------------------------------------------------------- the list


def test_the_list_links_each_row_to_its_page(people, web):
    first = _requirement(people)
    second = _requirement(people, title="Strike drones", capability=category("strike"))
    page = html_of(web(people.officer).get(url("requirement_list")))
    for requirement in (first, second):
        assert f'href="{page_url(requirement)}"' in page


def test_recording_a_requirement_leads_to_its_page(people, web):
    response = web(people.procurement).post(
        url("requirement_create"),
        {
            "title": "Reconnaissance quadcopters",
            "capability": category("reconnaissance").pk,
            "quantity": 500,
            "specification": "Day/night camera",
            "priority": "high",
            "needed_by": (timezone.localdate() + dt.timedelta(days=60)).isoformat(),
        },
    )
    requirement = Requirement.objects.get()
    assert response.status_code == 302
    assert response["Location"] == page_url(requirement)


# ---------------------------------------------------------------- tenders


def test_the_page_lists_the_tenders_that_answer_it(people, tender, web):
    requirement = tender.requirements.get()
    _requirement(people, title="Unanswered")
    page = html_of(web(people.officer).get(page_url(requirement)))
    assert tender.case.reference in page
    assert f'href="{url("tender", tender.case.reference)}"' in page
    assert "Draft" in page  # the tender's status
    assert "No tender answers this requirement yet." not in page


def test_a_requirement_without_tenders_says_so(people, web):
    requirement = _requirement(people)
    page = html_of(web(people.officer).get(page_url(requirement)))
    assert "No tender answers this requirement yet." in page


def test_the_page_counts_drones_contracted_and_delivered(people, contract, web):
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
    tender = contract.award.lot.tender
    requirement = tender.requirements.get()
    response = web(people.procurement).get(page_url(requirement))
    (row,) = response.context["tenders"]
    assert (row.contracted, row.delivered) == (contract.quantity, 140)
    page = html_of(response)
    assert f'<td class="num">{contract.quantity}</td>' in page
    assert '<td class="num">140</td>' in page


def test_the_page_keeps_to_a_query_budget(
    people, tender, web, django_assert_max_num_queries
):
    requirement = tender.requirements.get()
    browser = web(people.procurement)
    with django_assert_max_num_queries(25):
        assert browser.get(page_url(requirement)).status_code == 200


# ---------------------------------------------------------------- drafting


def _draft_link(requirement) -> str:
    return html.escape(f"{url('tender_create')}?requirement={requirement.pk}")


def test_the_procurement_officer_drafts_a_tender_from_the_requirement(people, web):
    requirement = _requirement(people)
    browser = web(people.procurement)
    page = html_of(browser.get(page_url(requirement)))
    assert "Draft a tender from this requirement" in page
    assert f'href="{_draft_link(requirement)}"' in page
    form = browser.get(f"{url('tender_create')}?requirement={requirement.pk}")
    initial = form.context["form"].initial
    assert initial["title"] == "Interceptor drones for Kharkiv"
    assert requirement.reference in initial["description"]
    assert "2,000 units of" in initial["description"]
    assert "Speed above 250 km/h; thermal seeker." in initial["description"]
    assert initial["requirements"] == [str(requirement.pk)]
    form_page = html_of(form)
    assert 'value="Interceptor drones for Kharkiv"' in form_page
    assert f'value="{requirement.pk}"' in form_page
    assert "checked" in form_page


@pytest.mark.parametrize("who", ["officer", "finance", "approver_lv", "admin"])
def test_the_draft_button_follows_the_tender_policy(people, web, who):
    """Only who may draft tenders (``tender.create``) is offered the button:
    the administrator runs tenders, other staff read."""
    requirement = _requirement(people)
    page = html_of(web(getattr(people, who)).get(page_url(requirement)))
    shown = "Draft a tender from this requirement" in page
    assert shown == (who == "admin")


def test_a_requirement_already_in_a_tender_is_not_offered_again(people, web):
    requirement = _requirement(people)
    Requirement.objects.filter(pk=requirement.pk).update(
        status=RequirementStatus.IN_TENDER
    )
    page = html_of(web(people.procurement).get(page_url(requirement)))
    assert "Draft a tender from this requirement" not in page
    assert "A new tender answers open requirements only." in page
    # Nor is it prefilled into a tender's form by its number.
    form = web(people.procurement).get(
        f"{url('tender_create')}?requirement={requirement.pk}"
    )
    assert "title" not in form.context["form"].initial


def test_the_tender_form_says_first_when_no_requirement_is_open(people, web):
    """A tender answers at least one open requirement: with none open, the
    form says so before it is filled in, not only once it is sent."""
    requirement = _requirement(people)
    browser = web(people.procurement)
    assert "No requirement is open" not in html_of(browser.get(url("tender_create")))
    Requirement.objects.filter(pk=requirement.pk).update(
        status=RequirementStatus.IN_TENDER
    )
    page = html_of(browser.get(url("tender_create")))
    assert (
        "No requirement is open: each one already has its tender. Record a "
        "requirement first, then draft a tender from its page."
    ) in page


def test_the_page_shows_the_requirements_history(people, web):
    requirement = _requirement(people)
    page = html_of(web(people.officer).get(page_url(requirement)))
    assert f"{requirement.reference} recorded" in page


def test_the_first_lot_starts_as_the_requirement_asks(people, web):
    requirement = _requirement(people)
    now = timezone.now()
    tender = services.tender_create(
        actor=people.procurement, title="Interceptors", description="d",
        requirements=[requirement], pool=Pool.objects.get(code="unrestricted"),
        clarification_deadline=now + dt.timedelta(days=5),
        submission_deadline=now + dt.timedelta(days=10),
    )  # fmt: skip
    browser = web(people.procurement)
    initial = browser.get(url("lot_add", tender.case.reference)).context["form"].initial
    assert initial == {
        "title": "Interceptor drones for Kharkiv",
        "capability": category("interceptor").pk,
        "quantity": 2000,
    }


def test_later_lots_start_empty(people, tender, web):
    form = web(people.procurement).get(url("lot_add", tender.case.reference))
    assert form.context["form"].initial == {}
