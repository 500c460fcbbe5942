"""Every action says what it did. Across onboarding, procurement and the fund, a
successful form ends on a page with a success message; a refused one stays on
the form, says which field is wrong, and keeps what the person typed."""

import datetime as dt
import html
from dataclasses import dataclass, field

import pytest
from django.contrib.messages import constants
from django.urls import reverse
from django.utils import timezone

from procurement import services as procurement_services
from secretariat.fund.models import Pool
from tests.procurement.helpers import category

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


@dataclass
class Action:
    who: str
    url: object  # world -> URL
    ok: object  # world -> the POST data that succeeds
    refused: object  # world -> the POST data the form refuses
    field: str  # the field the refusal is about
    kept: str = ""  # typed in the refused form, and shown again
    needs: list = field(default_factory=list)  # fixtures the action reads


def _requirement(people):
    return procurement_services.requirement_record(
        actor=people.procurement, title="Reconnaissance quadcopters",
        capability=category("reconnaissance"), quantity=500,
        specification="Day/night camera", priority="high",
        needed_by=TODAY + dt.timedelta(days=200),
    )  # fmt: skip


def _draft_tender(people):
    now = timezone.now()
    return procurement_services.tender_create(
        actor=people.procurement, title="Reconnaissance drones 2026",
        description="Lot 1", requirements=[_requirement(people)],
        pool=Pool.objects.get(code="unrestricted"),
        clarification_deadline=now + dt.timedelta(days=5),
        submission_deadline=now + dt.timedelta(days=10),
    )  # fmt: skip


def _requirement_data(title="Strike drones", needed_by=None):
    return {
        "title": title, "source_reference": "AFU-2026-17",
        "capability": category("reconnaissance").pk, "quantity": 200,
        "specification": "Thermal camera", "priority": "high",
        "needed_by": needed_by or (TODAY + dt.timedelta(days=200)).isoformat(),
    }  # fmt: skip


def _lot_data(price="2000.00"):
    return {
        "title": "Fixed-wing drones", "capability": category("reconnaissance").pk,
        "quantity": 500, "max_unit_price": price, "delivery_from": "2026-12-01",
        "delivery_to": "2027-03-01",
    }  # fmt: skip


def _commitment_data(w, amount="100000.00"):
    return {
        "pool": w.unrestricted.pk, "amount_eur": amount,
        "purpose": "Contract lot 2, fixed-wing", "approval_reference": "CTR-9",
        "categories": [category("reconnaissance").pk],
    }  # fmt: skip


ACTIONS = {
    # Onboarding and members
    "move a member state": Action(
        "officer",
        lambda w: reverse("members:transition", args=["JP", "invited"]),
        lambda w: {"reason": "Talks started in Tokyo", "confirm": "on"},
        lambda w: {"reason": "Talks started in Tokyo"},
        "confirm",
        kept="Talks started in Tokyo",
    ),
    "record a pledge": Action(
        "officer",
        lambda w: reverse("members:pledge_create", args=["LV"]),
        lambda w: {
            "year": 2026,
            "amount": "1000000",
            "currency": "EUR",
            "earmark": "unrestricted",
            "note": "Cabinet decision 12",
        },
        lambda w: {
            "year": 2026,
            "amount": "a million",
            "currency": "EUR",
            "earmark": "unrestricted",
            "note": "Cabinet decision 12",
        },
        "amount",
        kept="Cabinet decision 12",
    ),
    "invite a liaison": Action(
        "officer",
        lambda w: reverse("members:liaison_invite", args=["LV"]),
        lambda w: {
            "first_name": "Ilze",
            "last_name": "Ozola",
            "email": "ilze@mod.example.lv",
        },
        lambda w: {"first_name": "Ilze", "last_name": "Ozola", "email": "ilze-at-mod"},
        "email",
        kept="Ozola",
    ),
    # Procurement
    "record a requirement": Action(
        "procurement",
        lambda w: reverse("procurement:requirement_create"),
        lambda w: _requirement_data(),
        lambda w: _requirement_data(needed_by="some day soon"),
        "needed_by",
        kept="Strike drones",
    ),
    "nominate a manufacturer": Action(
        "liaison_lv",
        lambda w: reverse("procurement:manufacturer_nominate"),
        lambda w: {
            "name": "SIA Riga Drones",
            "registration_number": "40003",
            "contact_name": "Anna",
            "contact_email": "anna@riga.example",
        },
        lambda w: {
            "name": "SIA Riga Drones",
            "registration_number": "40003",
            "contact_name": "Anna",
            "contact_email": "anna",
        },
        "contact_email",
        kept="SIA Riga Drones",
    ),
    "add a lot": Action(
        "procurement",
        lambda w: reverse("procurement:lot_add", args=[w.tender.case.reference]),
        lambda w: _lot_data(),
        lambda w: _lot_data(price="cheap"),
        "max_unit_price",
        kept="Fixed-wing drones",
        needs=["tender"],
    ),
    "appoint an evaluator": Action(
        "procurement",
        lambda w: reverse(
            "procurement:committee_appoint", args=[w.tender.case.reference]
        ),
        lambda w: {"evaluator": w.people.evaluator.pk},
        lambda w: {"evaluator": "somebody"},
        "evaluator",
        needs=["tender"],
    ),
    # The fund
    "commit money of a pool": Action(
        "finance",
        lambda w: reverse("commitment_create"),
        lambda w: _commitment_data(w),
        lambda w: _commitment_data(w, amount="6000000.00"),
        "amount_eur",
        kept="Contract lot 2, fixed-wing",
        needs=["funded"],
    ),
    "release a commitment": Action(
        "finance",
        lambda w: reverse("commitment_release", args=[w.commitment.pk]),
        lambda w: {"reason": "Lot 2 cancelled"},
        lambda w: {"reason": ""},
        "reason",
        needs=["commitment"],
    ),
    "propose an adjustment": Action(
        "finance",
        lambda w: reverse("adjustment_create"),
        lambda w: {
            "pool": w.unrestricted.pk,
            "amount_eur": "-1000.00",
            "reason": "Bank charges on the Latvian transfer",
        },
        lambda w: {
            "pool": w.unrestricted.pk,
            "amount_eur": "minus a thousand",
            "reason": "Bank charges on the Latvian transfer",
        },
        "amount_eur",
        kept="Bank charges on the Latvian transfer",
        needs=["funded"],
    ),
    "comment on a disbursement request": Action(
        "finance",
        lambda w: reverse("case_comment", args=[w.draft.case.reference]),
        lambda w: {"body": "The bank asked for the invoice."},
        lambda w: {"body": ""},
        "body",
        needs=["draft"],
    ),
    "ask for a report": Action(
        "officer",
        lambda w: reverse("report_list"),
        lambda w: {"kind": "fund_statement", "format": "csv"},
        lambda w: {"kind": "fund_statement", "format": "docx"},
        "format",
    ),
    "subscribe to a monthly report": Action(
        "officer",
        lambda w: reverse("report_subscribe"),
        lambda w: {"subscribe-kind": "fund_statement", "subscribe-format": "csv"},
        lambda w: {"subscribe-kind": "fund_statement", "subscribe-format": "docx"},
        "format",
    ),
    "choose a time zone": Action(
        "officer",
        lambda w: reverse("account_settings"),
        lambda w: {"time_zone": "Asia/Tokyo"},
        lambda w: {"time_zone": "Mars/Olympus_Mons"},
        "time_zone",
    ),
}


@dataclass
class World:
    people: object
    unrestricted: object = None
    tender: object = None
    commitment: object = None
    draft: object = None


@pytest.fixture
def world(request, people, latvia, japan):
    action = ACTIONS[request.node.callspec.params["action"]]
    built = World(people=people)
    for need in action.needs:
        if need == "tender":
            built.tender = _draft_tender(people)
        elif need == "funded":
            request.getfixturevalue("funded")
            built.unrestricted = request.getfixturevalue("unrestricted")
        elif need == "commitment":
            built.commitment = request.getfixturevalue("commitment")
        elif need == "draft":
            built.draft = request.getfixturevalue("draft")()
    return built


def _messages(response):
    return [(m.level, str(m)) for m in response.context["messages"]]


def _form_with_errors(response, name):
    for key in ("form", "subscribe_form", "comment_form"):
        form = response.context.get(key)
        if form is not None and form.errors:
            return form
    raise AssertionError(f"{name}: no form with errors on the refused page")


@pytest.mark.parametrize("action", list(ACTIONS))
def test_an_action_says_it_is_done(client_for, world, action):
    spec = ACTIONS[action]
    client = client_for(getattr(world.people, spec.who))
    response = client.post(spec.url(world), spec.ok(world), follow=True)
    assert response.status_code == 200, action
    assert response.redirect_chain, f"{action}: no redirect after success"
    said = _messages(response)
    successes = [text for level, text in said if level == constants.SUCCESS]
    assert successes, f"{action}: no success message, only {said}"
    page = response.content.decode()
    assert html.escape(successes[0]) in page or successes[0] in page


@pytest.mark.parametrize("action", list(ACTIONS))
def test_a_refused_action_says_why_and_keeps_the_input(client_for, world, action):
    spec = ACTIONS[action]
    client = client_for(getattr(world.people, spec.who))
    response = client.post(spec.url(world), spec.refused(world))
    assert response.status_code in (200, 400), action
    form = _form_with_errors(response, action)
    assert form.errors.get(spec.field), f"{action}: {form.errors}"
    page = response.content.decode()
    assert "field-errors" in page or "errorlist" in page
    assert not [m for m in _messages(response) if m[0] == constants.SUCCESS], (
        f"{action}: a success message after a refusal"
    )
    if spec.kept:
        assert html.escape(spec.kept) in page, f"{action}: the input is lost"
