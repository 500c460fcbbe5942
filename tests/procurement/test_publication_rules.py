"""Publication checks every lot against the tender's pool and the requirements it
answers, all broken lots in one error; a capability's lethality (and code) is
locked while an open tender, an open commitment or a pool depends on it.
Through the service, the web page, the API and the admin."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from procurement import services
from procurement.models import Lot, Tender, TenderStatus
from secretariat.fund import reference as reference_services
from secretariat.fund.models import Pool
from secretariat.fund.services import ledger as fund
from secretariat.kernel.exceptions import ApplicationError
from secretariat.kernel.models import CapabilityCategory, TimelineEvent
from tests.conftest import refresh
from tests.procurement.api_helpers import post, refused
from tests.procurement.helpers import category, draft_tender, to_tendering
from tests.procurement.web import errors_of, html_of, url
from tests.secretariat.fund_fixtures import receive

pytestmark = pytest.mark.django_db


def _requirement(people, code, title=None):
    return services.requirement_record(
        actor=people.procurement, title=title or f"{code} drones",
        capability=category(code), quantity=100, specification="s",
        priority="high", needed_by=timezone.localdate() + dt.timedelta(days=90),
    )  # fmt: skip


def _draft(people, requirements, pool="non-lethal"):
    now = timezone.now()
    return services.tender_create(
        actor=people.procurement, title="Drones", description="d",
        requirements=requirements, pool=Pool.objects.get(code=pool),
        clarification_deadline=now + dt.timedelta(days=5),
        submission_deadline=now + dt.timedelta(days=10),
    )  # fmt: skip


def _lot(people, tender, code, title="Lot"):
    return services.lot_add(
        tender=tender, actor=people.procurement, title=title,
        capability=category(code), quantity=10, max_unit_price=Decimal("1000.00"),
        delivery_from=dt.date(2027, 1, 1), delivery_to=dt.date(2027, 2, 1),
    )  # fmt: skip


def _sneak_lot(tender, code, number, title="Sneaked"):
    """A lot as an older version of the product let through (no comparison with
    the requirement), written directly."""
    return Lot.objects.create(
        tender=tender, number=number, title=title, capability=category(code),
        quantity=10, max_unit_price=Decimal("1000.00"),
        delivery_from=dt.date(2027, 1, 1), delivery_to=dt.date(2027, 2, 1),
    )  # fmt: skip


def _make_lethal(code):
    CapabilityCategory.objects.filter(code=code).update(lethality="lethal")


# ---------------------------------------------------------------- the service


def test_a_lot_must_answer_a_requirement_of_its_capability(people):
    tender = _draft(people, [_requirement(people, "strike")], pool="unrestricted")
    with pytest.raises(ApplicationError) as refusal:
        _lot(people, tender, "reconnaissance")
    assert refusal.value.field == "capability"
    assert "is not that of a requirement the tender answers" in refusal.value.message
    assert "Strike" in refusal.value.message
    assert not tender.lots.exists()


def test_a_reconnaissance_lot_for_a_strike_requirement_is_not_published(people):
    """The case found: a reconnaissance lot answering a strike requirement,
    published from the non-lethal pool."""
    tender = _draft(people, [_requirement(people, "strike")])
    _sneak_lot(tender, "reconnaissance", 1)
    with pytest.raises(ApplicationError) as refusal:
        services.tender_publish(tender=tender, actor=people.procurement)
    message = refusal.value.message
    assert message.startswith(f"{tender.case.reference} cannot be published")
    assert "Lot 1 “Sneaked”" in message
    assert "REQ-" in message and "(Strike) is answered by no lot" in message
    assert refresh(tender).status == TenderStatus.DRAFT
    assert refresh(tender).published_at is None


def test_publication_checks_the_earmark_again(people):
    """Lethality changed after the lot was added (the draft did not lock it)."""
    tender = _draft(people, [_requirement(people, "reconnaissance")])
    _lot(people, tender, "reconnaissance", title="Quadcopters")
    reference_services.capability_category_change(
        category=category("reconnaissance"), actor=people.admin,
        changes={"lethality": "lethal"},
    )  # fmt: skip
    with pytest.raises(ApplicationError) as refusal:
        services.tender_publish(tender=tender, actor=people.procurement)
    assert "Lot 1 “Quadcopters”" in refusal.value.message
    assert "cannot pay for lethal capabilities" in refusal.value.message
    assert refresh(tender).status == TenderStatus.DRAFT


def test_every_broken_lot_is_reported_in_one_error(people):
    tender = _draft(
        people,
        [_requirement(people, "reconnaissance"), _requirement(people, "interceptor")],
    )
    _lot(people, tender, "reconnaissance", title="Quadcopters")
    _lot(people, tender, "interceptor", title="Interceptors")
    _sneak_lot(tender, "training", 3, title="Simulators")
    _make_lethal("reconnaissance")
    _make_lethal("interceptor")
    with pytest.raises(ApplicationError) as refusal:
        services.tender_publish(tender=tender, actor=people.procurement)
    message = refusal.value.message
    assert "Lot 1 “Quadcopters”" in message
    assert "Lot 2 “Interceptors”" in message
    assert "Lot 3 “Simulators”" in message and "Training" in message
    assert message.count("cannot pay for lethal capabilities") == 2


def test_an_earmarked_pool_publishes_only_its_categories(people, latvia):
    receive(people, latvia, "100000.00", earmark="categories",
            categories=[category("interceptor")])  # fmt: skip
    earmarked = Pool.objects.get(kind="categories")
    tender = _draft(
        people,
        [_requirement(people, "interceptor"), _requirement(people, "counter_drone")],
        pool=earmarked.code,
    )
    _lot(people, tender, "interceptor")
    _sneak_lot(tender, "counter_drone", 2, title="Detectors")
    with pytest.raises(ApplicationError) as refusal:
        services.tender_publish(tender=tender, actor=people.procurement)
    assert "Lot 2 “Detectors”" in refusal.value.message
    assert "pays only for its categories" in refusal.value.message
    assert "Lot 1" not in refusal.value.message


def test_a_fitting_tender_is_published(people):
    tender = _draft(people, [_requirement(people, "reconnaissance")])
    _lot(people, tender, "reconnaissance")
    services.tender_publish(tender=tender, actor=people.procurement)
    assert refresh(tender).status == TenderStatus.PUBLISHED


def test_an_amendment_checks_the_lots_again(people):
    tender = _draft(people, [_requirement(people, "reconnaissance")])
    _lot(people, tender, "reconnaissance", title="Quadcopters")
    services.tender_publish(tender=tender, actor=people.procurement)
    _make_lethal("reconnaissance")  # as data from before the lock
    with pytest.raises(ApplicationError) as refusal:
        services.tender_amend(
            tender=tender, actor=people.procurement, reason="r", description="new"
        )
    assert "cannot be amended" in refusal.value.message
    assert "Lot 1 “Quadcopters”" in refusal.value.message
    assert refresh(tender).description == "d"


def test_editing_a_draft_keeps_its_lots_within_the_new_pool(people):
    tender = _draft(people, [_requirement(people, "strike")], pool="unrestricted")
    _lot(people, tender, "strike", title="Strike drones")
    with pytest.raises(ApplicationError) as refusal:
        services.tender_update(
            tender=tender, actor=people.procurement,
            pool=Pool.objects.get(code="non-lethal"),
        )  # fmt: skip
    assert refusal.value.field == "pool"
    assert "cannot pay for lethal capabilities" in refusal.value.message
    assert refresh(tender).pool.code == "unrestricted"


# ---------------------------------------------------------------- web and API


def test_the_publish_page_tells_why_and_refuses(people, web):
    tender = _draft(people, [_requirement(people, "strike")])
    _sneak_lot(tender, "reconnaissance", 1)
    browser = web(people.procurement)
    page = html_of(browser.get(url("tender_publish", tender.case.reference)))
    assert "is not that of a requirement the tender answers" in page
    response = browser.post(url("tender_publish", tender.case.reference), {})
    assert response.status_code == 200
    [error] = errors_of(response)
    assert "cannot be published" in error and "Lot 1 “Sneaked”" in error
    assert refresh(tender).status == TenderStatus.DRAFT


def test_the_api_refuses_to_publish_with_every_broken_lot(people, api_for):
    tender = _draft(people, [_requirement(people, "strike")])
    _sneak_lot(tender, "reconnaissance", 1, title="Recon one")
    _sneak_lot(tender, "electronic_warfare", 2, title="Jammers")
    body = refused(
        post(api_for(people.procurement),
             f"/api/tenders/{tender.case.reference}/publish/"),
        400,
    )  # fmt: skip
    assert body["field"] == "lots"
    assert "Lot 1 “Recon one”" in body["detail"]
    assert "Lot 2 “Jammers”" in body["detail"]
    assert refresh(tender).status == TenderStatus.DRAFT


def test_the_api_refuses_a_lot_for_another_capability(people, api_for):
    tender = _draft(people, [_requirement(people, "strike")], pool="unrestricted")
    body = refused(
        post(api_for(people.procurement),
             f"/api/tenders/{tender.case.reference}/lots/",
             {"title": "Recon", "capability": "reconnaissance", "quantity": 5,
              "max_unit_price": "100.00", "delivery_from": "2027-01-01",
              "delivery_to": "2027-02-01"}),
        400,
    )  # fmt: skip
    assert body["field"] == "capability"
    assert not tender.lots.exists()


def test_the_admin_publish_action_refuses_a_broken_tender(client, people):
    tender = _draft(people, [_requirement(people, "strike")])
    _sneak_lot(tender, "reconnaissance", 1)
    client.force_login(people.admin)
    page = client.post(
        reverse("admin:procurement_tender_changelist"),
        {"action": "publish", "_selected_action": [tender.pk]},
        follow=True,
    ).content.decode()
    assert "cannot be published" in page
    assert refresh(tender).status == TenderStatus.DRAFT


# ---------------------------------------------------------------- the lethality lock


def _admin_change(client, which, **changes):
    target = CapabilityCategory.objects.get(code=which)
    data = {
        "name": target.name,
        "code": target.code,
        "lethality": target.lethality,
        "description": target.description,
        "position": target.position,
        **changes,
    }
    return client.post(
        reverse("admin:secretariat_capabilitycategory_change", args=[target.pk]), data
    )


def test_the_admin_cannot_change_lethality_under_an_open_tender(client, people):
    tender = to_tendering(draft_tender(people), people)
    client.force_login(people.admin)
    response = _admin_change(client, "reconnaissance", lethality="lethal")
    assert response.status_code == 200  # the form again, with the reason
    errors = response.context["adminform"].form.errors["lethality"]
    assert len(errors) == 1
    assert "cannot change while open tenders" in errors[0]
    assert tender.case.reference in errors[0]
    assert category("reconnaissance").lethality == "non_lethal"
    # Nor its code, which earmarks and integrators name it by.
    response = _admin_change(client, "reconnaissance", code="recon")
    assert "cannot change while" in response.context["adminform"].form.errors["code"][0]
    assert CapabilityCategory.objects.filter(code="reconnaissance").exists()
    # Its description is not checked against anything: it may change.
    response = _admin_change(client, "reconnaissance", description="ISR drones")
    assert response.status_code == 302
    assert category("reconnaissance").description == "ISR drones"


def test_the_admin_may_change_lethality_when_nothing_depends(client, people):
    # A draft is checked again at publication.
    draft = _draft(people, [_requirement(people, "reconnaissance")])
    _lot(people, draft, "reconnaissance")
    cancelled = to_tendering(draft_tender(people), people)
    services.tender_cancel(tender=cancelled, actor=people.procurement, reason="r")
    client.force_login(people.admin)
    response = _admin_change(client, "reconnaissance", lethality="lethal")
    assert response.status_code == 302
    assert category("reconnaissance").lethality == "lethal"
    assert TimelineEvent.objects.filter(action="capability_changed").exists()
    with pytest.raises(ApplicationError, match="cannot pay for lethal"):
        services.tender_publish(tender=draft, actor=people.procurement)


def test_an_open_commitment_locks_the_lethality(client, people, latvia):
    receive(people, latvia, "100000.00")
    commitment = fund.commitment_create(
        pool=Pool.objects.get(code="unrestricted"), amount_eur=Decimal("1000.00"),
        purpose="Training", categories=[category("training")], actor=people.finance,
    )  # fmt: skip
    client.force_login(people.admin)
    response = _admin_change(client, "training", lethality="lethal")
    [error] = response.context["adminform"].form.errors["lethality"]
    assert f"COM-{commitment.pk:05d}" in error
    assert category("training").lethality == "non_lethal"


def test_an_earmarked_pool_locks_the_lethality(client, people, latvia):
    receive(people, latvia, "1000.00", earmark="categories",
            categories=[category("positioning")])  # fmt: skip
    client.force_login(people.admin)
    response = _admin_change(client, "positioning", lethality="lethal")
    [error] = response.context["adminform"].form.errors["lethality"]
    assert "pools Earmarked" in error
    assert category("positioning").lethality == "non_lethal"


def test_the_service_refuses_under_its_lock_too(people):
    """What the admin's form asked is asked again when the change is made (a
    tender may have been published in between)."""
    to_tendering(draft_tender(people), people)
    with pytest.raises(ApplicationError) as refusal:
        reference_services.capability_category_change(
            category=category("reconnaissance"), actor=people.admin,
            changes={"lethality": "lethal"},
        )  # fmt: skip
    assert refusal.value.field == "lethality"
    assert category("reconnaissance").lethality == "non_lethal"


def test_only_who_may_change_reference_data_changes_it(people):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        reference_services.capability_category_change(
            category=category("training"), actor=people.procurement,
            changes={"lethality": "lethal"},
        )  # fmt: skip
    assert category("training").lethality == "non_lethal"
    assert Tender.objects.count() == 0
