"""The pledge form offers only what the state's participation constraint lets
it fund (the service's rule, asked), chooses it first, and starts in the
state's own currency; a refused form lists its errors in a summary on top."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from members import services
from members.models import MemberStatus
from secretariat.kernel.models import CapabilityCategory

pytestmark = pytest.mark.django_db


@pytest.fixture
def non_lethal_japan(people, japan):
    japan.status = MemberStatus.CONSIDERING
    japan.participation_scope = "non_lethal"
    japan.save()
    return japan


def form_of(client, code):
    return client.get(reverse("members:pledge_create", args=[code])).context["form"]


def test_a_non_lethal_state_is_offered_no_lethal_earmark(
    client, people, non_lethal_japan
):
    client.force_login(people.officer)
    response = client.get(reverse("members:pledge_create", args=["JP"]))
    form = response.context["form"]
    earmarks = dict(form.fields["earmark"].choices)
    assert "unrestricted" not in earmarks
    assert "non_lethal" in earmarks
    assert form["earmark"].value() == "non_lethal"
    offered = list(form.fields["earmark_categories"].queryset)
    assert offered, "the non-lethal categories are offered"
    assert not [c for c in offered if c.is_lethal]
    strike = CapabilityCategory.objects.get(code="strike")
    assert strike.is_lethal
    html = response.content.decode()
    assert 'value="unrestricted"' not in html
    assert f'value="{strike.pk}"' not in html
    # The currency is the euro until the state has pledged in its own.
    assert form["currency"].value() == "EUR"


def test_a_state_without_constraint_keeps_every_earmark(client, people, latvia):
    client.force_login(people.officer)
    form = form_of(client, "LV")
    assert set(dict(form.fields["earmark"].choices)) == {
        "unrestricted", "non_lethal", "categories",
    }  # fmt: skip
    assert form["earmark"].value() == "unrestricted"
    assert form.fields["earmark_categories"].queryset.count() == (
        CapabilityCategory.objects.count()
    )


def test_the_currency_is_the_one_of_the_states_last_pledge(
    client, people, non_lethal_japan, jpy_rate
):
    services.pledge_record(
        member_state=non_lethal_japan, actor=people.officer, year=2026,
        amount=Decimal("1000"), currency="JPY", earmark="non_lethal",
    )  # fmt: skip
    client.force_login(people.liaison_jp)
    assert form_of(client, "JP")["currency"].value() == "JPY"


def test_a_refused_pledge_lists_its_errors_on_top(client, people, non_lethal_japan):
    client.force_login(people.officer)
    response = client.post(
        reverse("members:pledge_create", args=["JP"]),
        {"year": "", "amount": "-5", "currency": "EUR", "earmark": "unrestricted"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    summary = re.search(r'<div[^>]*id="error-summary".*?</div>', html, re.DOTALL)
    assert summary, "no error summary"
    summary = summary.group(0)
    for field in ("year", "earmark"):
        assert f'href="#id_{field}' in summary
    # The summary comes before the first field.
    assert html.index('id="error-summary"') < html.index('name="year"')
