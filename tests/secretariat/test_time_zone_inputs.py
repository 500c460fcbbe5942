"""A date-time typed in a form is read in the person's own time zone, and the
form says which: "Bids until (Europe/Riga time)". One field class does it
(``secretariat.kernel.forms.LocalDateTimeField``), for every form."""

import datetime as dt
import importlib
import inspect
import zoneinfo
from pathlib import Path

import pytest
from django import forms
from django.conf import settings
from django.utils import timezone

from procurement import services
from procurement.models import Tender
from secretariat.fund.models import Pool
from secretariat.kernel.forms import LocalDateTimeField
from secretariat.kernel.roles import Role
from tests.factories import UserFactory
from tests.procurement.helpers import category, draft_tender
from tests.procurement.web import html_of, url

BASE = Path(settings.BASE_DIR)


def _form_modules():
    for root in ("secretariat", "members", "procurement"):
        for path in sorted((BASE / root).rglob("forms.py")):
            relative = path.relative_to(BASE).with_suffix("")
            yield importlib.import_module(".".join(relative.parts))


def test_every_date_time_field_names_the_time_zone():
    """A form field that takes a date-time is a ``LocalDateTimeField``, so
    that its label names the zone the value is read in."""
    offenders, zoned = [], []
    for module in _form_modules():
        for name, form in inspect.getmembers(module, inspect.isclass):
            if not issubclass(form, forms.BaseForm):
                continue
            if form.__module__ != module.__name__:
                continue
            for field_name, field in form.base_fields.items():
                where = f"{module.__name__}.{name}.{field_name}"
                if isinstance(field, LocalDateTimeField):
                    zoned.append(where)
                elif isinstance(field, forms.DateTimeField):
                    offenders.append(where)
    assert offenders == []
    assert "procurement.forms.TenderForm.submission_deadline" in zoned


def _officer(zone: str):
    return UserFactory(
        username=f"procurement-{zone.replace('/', '-').lower()}",
        roles=[Role.PROCUREMENT_OFFICER],
        time_zone=zone,
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("zone", "shown"),
    [("Europe/Riga", "Europe/Riga"), ("Asia/Tokyo", "Asia/Tokyo"),
     ("America/New_York", "America/New York")],
)  # fmt: skip
def test_the_tender_form_names_the_persons_time_zone(client, zone, shown):
    client.force_login(_officer(zone))
    page = html_of(client.get(url("tender_create")))
    assert f"Bids until ({shown} time)" in page
    assert f"Clarifications until ({shown} time)" in page


@pytest.mark.django_db
def test_two_people_see_their_own_zones_on_the_same_form(people, client):
    tender = draft_tender(people)
    edit = url("tender_edit", tender.case.reference)
    client.force_login(_officer("Europe/Riga"))
    assert "Bids until (Europe/Riga time)" in html_of(client.get(edit))
    client.force_login(_officer("Asia/Tokyo"))
    page = html_of(client.get(edit))
    assert "Bids until (Asia/Tokyo time)" in page
    assert "Europe/Riga" not in page
    # The deadline is shown in the zone named beside it.
    tokyo = timezone.localtime(
        tender.submission_deadline, zoneinfo.ZoneInfo("Asia/Tokyo")
    )
    assert f'value="{tokyo:%Y-%m-%dT%H:%M}"' in page


@pytest.mark.django_db
def test_a_typed_date_time_is_read_in_the_zone_the_label_names(people, client):
    """12:00 typed by someone in Riga (UTC+2 in winter) is 10:00 UTC."""
    requirement = services.requirement_record(
        actor=people.procurement, title="Drones", quantity=100,
        capability=category("reconnaissance"),
        specification="x", priority="high",
        needed_by=timezone.localdate() + dt.timedelta(days=400),
    )  # fmt: skip
    client.force_login(_officer("Europe/Riga"))
    year = timezone.now().year + 1
    response = client.post(url("tender_create"), {
        "title": "Drones", "description": "x", "requirements": [requirement.pk],
        "pool": Pool.objects.get(code="unrestricted").pk, "procedure": "open",
        "clarification_deadline": f"{year}-01-10T12:00",
        "submission_deadline": f"{year}-01-20T12:00",
        "weight_price": 40, "weight_technical": 25, "weight_delivery": 15,
        "weight_tests": 10, "weight_supply_chain": 10, "standstill_days": 10,
        "price_formula": "lowest_ratio",
    })  # fmt: skip
    assert response.status_code == 302, response.context["form"].errors
    tender = Tender.objects.get()
    assert tender.submission_deadline == dt.datetime(year, 1, 20, 10, 0, tzinfo=dt.UTC)


@pytest.mark.django_db
def test_a_field_error_names_the_zone_too(client):
    client.force_login(_officer("Europe/Riga"))
    response = client.post(url("tender_create"), {"submission_deadline": "soon"})
    page = html_of(response)
    assert "Bids until (Europe/Riga time)" in page
    assert response.context["form"].errors["submission_deadline"]
