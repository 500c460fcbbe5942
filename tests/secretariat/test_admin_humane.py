"""The admin speaks as the rest of the product: apps and columns under human
names, money as money, dates as 31 Mar 2026, and no way to delete a record the
coalition's history rests on."""

import re
from decimal import Decimal
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from members import services as member_services
from members.models import MemberState
from secretariat.kernel import formatting
from secretariat.kernel.models import ExchangeRate, TimelineEvent
from tests.procurement.conftest import (  # noqa: F401 (a signed contract)
    bidders,
    contract,
    evaluated,
    tender,
)

pytestmark = pytest.mark.django_db

NEVER_DELETED = [
    "members_memberstate",
    "members_pledge",
    "members_contribution",
    "procurement_tender",
    "procurement_bid",
    "procurement_contract",
    "secretariat_ledgerentry",
    "secretariat_disbursementrequest",
    "secretariat_timelineevent",
]


@pytest.fixture
def admin_client_(client, people):
    client.force_login(people.admin)
    return client


def changelist(client, name):
    response = client.get(reverse(f"admin:{name}_changelist"))
    assert response.status_code == 200, name
    return response


def cells(html: str, column: int) -> list[str]:
    """The text of one column of the change list, row by row."""
    table = re.search(r'<table id="result_list">.*?<tbody>(.*?)</tbody>', html, re.S)
    assert table, "no change list on the page"
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", table[1], re.S)
    return [
        unescape(
            re.sub(
                r"<[^>]+>",
                "",
                re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S)[column],
            )
        ).strip()
        for row in rows
    ]


def headers(html: str) -> list[str]:
    head = re.search(r'<table id="result_list">.*?<thead>(.*?)</thead>', html, re.S)
    return [
        unescape(re.sub(r"<[^>]+>|\s+", " ", th)).strip()
        for th in re.findall(r"<th[^>]*>(.*?)</th>", head[1], re.S)
    ]


def test_the_admin_index_names_every_app_for_people(admin_client_):
    html = admin_client_.get(reverse("admin:index")).content.decode()
    apps = [
        unescape(name)
        for name in re.findall(r"<caption>\s*<a[^>]*>(.*?)</a>", html, re.S)
    ]
    assert "Two-factor authentication" in apps
    assert "Sign-in lockouts" in apps
    assert "API tokens" in apps
    for label in ("Otp_Totp", "OTP_TOTP", "Axes", "Knox"):
        assert label not in apps
    assert "Notification deliveries" in html and "deliverys" not in html


@pytest.mark.parametrize("name", NEVER_DELETED)
def test_records_the_history_rests_on_offer_no_bulk_delete(admin_client_, name):
    response = changelist(admin_client_, name)
    # The actions the list offers (no form at all when there are none).
    form = response.context["action_form"]
    actions = dict(form.fields["action"].choices) if form else {}
    assert "delete_selected" not in actions, name
    assert 'value="delete_selected"' not in response.content.decode()


def test_a_member_state_cannot_be_deleted_in_the_admin(admin_client_, japan):
    html = changelist(admin_client_, "members_memberstate").content.decode()
    assert 'value="apply_transition"' in html  # the workflow's action is offered
    assert 'value="delete_selected"' not in html
    delete_url = reverse("admin:members_memberstate_delete", args=[japan.pk])
    assert admin_client_.post(delete_url, {"post": "yes"}).status_code == 403
    assert MemberState.objects.filter(pk=japan.pk).exists()


def test_change_lists_show_money_as_money(admin_client_, funded):
    html = changelist(admin_client_, "members_pledge").content.decode()
    columns = headers(html)
    amounts = cells(html, columns.index("Amount"))
    assert sorted(amounts) == ["EUR 3,000,000.00", "EUR 5,000,000.00"]
    assert sorted(cells(html, columns.index("EUR equivalent"))) == sorted(amounts)
    assert "5000000.00" not in html and "€" not in html

    html = changelist(admin_client_, "secretariat_pool").content.decode()
    columns = headers(html)
    assert "EUR 5,000,000.00" in cells(html, columns.index("Received"))
    assert "EUR 3,000,000.00" in cells(html, columns.index("Available"))


def test_change_lists_write_dates_and_names_for_people(admin_client_, funded):
    html = changelist(admin_client_, "secretariat_ledgerentry").content.decode()
    columns = headers(html)
    recorded = cells(html, columns.index("Recorded"))
    today = date_format(timezone.localdate(), "j M Y")
    assert recorded and all(re.fullmatch(rf"{today}, \d\d:\d\d", r) for r in recorded)
    assert "a.m." not in html and "p.m." not in html

    html = changelist(admin_client_, "secretariat_user").content.decode()
    columns = headers(html)
    assert "Name" in columns and "Get full name" not in columns
    assert "Co-lead approver" in cells(html, columns.index("Roles"))


def test_the_timeline_writes_money_once(admin_client_, funded):
    event = TimelineEvent.objects.get(
        action="contribution_recorded", description__contains="5,000,000"
    )
    assert event.description == "Contribution received: EUR 5,000,000.00"


# ------------------------------------------------- change pages and inlines


def page(client, name, pk) -> str:
    response = client.get(reverse(f"admin:{name}_change", args=[pk]))
    assert response.status_code == 200, name
    return unescape(response.content.decode())


def readonly_values(html: str) -> list[str]:
    """The text of every field a change page shows without a form field, its
    inlines' rows included."""
    values = re.findall(r'<div class="readonly">(.*?)</div>', html, re.S)
    values += re.findall(r'<td class="field-[^"]*">\s*<p>(.*?)</p>', html, re.S)
    return [re.sub(r"<[^>]+>|\s+", " ", value).strip() for value in values]


def test_a_pledge_page_writes_money_as_money_in_its_own_currency(
    admin_client_, people, latvia, jpy_rate
):
    pledge = member_services.pledge_record(
        member_state=latvia, actor=people.officer, year=2026,
        amount=Decimal("150000000"), currency="JPY", earmark="unrestricted",
    )  # fmt: skip
    member_services.contribution_record(
        pledge=pledge, actor=people.finance, amount=Decimal("40000000"),
        currency="JPY", received_on=pledge.fx_date,
    )  # fmt: skip
    values = readonly_values(page(admin_client_, "members_pledge", pledge.pk))
    assert "JPY 150,000,000" in values  # the pledge
    assert "EUR 937,500.00" in values  # its EUR equivalent at 160
    assert "JPY 40,000,000" in values  # what was received, in yen
    # The contribution's row in the inline, amount and EUR equivalent.
    assert values.count("JPY 40,000,000") == 2
    assert "EUR 250,000.00" in values
    for raw in ("150000000", "40000000.00", "937500.00", "250000.00", "¥"):
        assert raw not in " ".join(values)


def test_a_contract_and_a_tender_page_write_money_as_money(admin_client_, request):
    signed, _rep = request.getfixturevalue("contract")
    values = readonly_values(page(admin_client_, "procurement_contract", signed.pk))
    unit = formatting.eur(signed.unit_price)
    assert unit in values and formatting.eur(signed.value_eur) in values
    milestones = [formatting.eur(m.amount_eur) for m in signed.milestones.all()]
    assert len(milestones) == 2 and all(m in values for m in milestones)
    assert str(signed.milestones.first().amount_eur) not in " ".join(values)

    tendered = signed.award.lot.tender
    values = readonly_values(page(admin_client_, "procurement_tender", tendered.pk))
    lot = tendered.lots.get()
    assert formatting.eur(lot.max_unit_price) in values
    assert str(lot.max_unit_price) not in " ".join(values)


def test_the_timeline_names_statuses_by_their_labels(admin_client_, people, japan):
    member_services.member_transition(
        member_state=japan, to_status="invited", actor=people.officer,
        reason="Invited by the co-leads",
    )  # fmt: skip
    html = changelist(admin_client_, "secretariat_timelineevent").content.decode()
    columns = headers(html)
    moves = list(
        zip(
            cells(html, columns.index("From")),
            cells(html, columns.index("To")),
            strict=True,
        )
    )
    assert ("Prospective", "Invited") in moves
    assert not any("prospective" in move or "invited" in move for move in moves)

    event = TimelineEvent.objects.get(subject_id=japan.pk, to_status="invited")
    values = readonly_values(page(admin_client_, "secretariat_timelineevent", event.pk))
    assert "Prospective" in values and "Invited" in values
    assert "prospective" not in values

    # A case's own timeline, inline on the case page.
    html = page(admin_client_, "secretariat_case", event.case_id)
    inline = readonly_values(html.split('id="events-group"', 1)[1])
    assert "Invited" in inline and "invited" not in inline


def test_an_exchange_rate_cannot_be_deleted(admin_client_, jpy_rate):
    html = changelist(admin_client_, "secretariat_exchangerate").content.decode()
    assert 'value="delete_selected"' not in html
    delete_url = reverse("admin:secretariat_exchangerate_delete", args=[jpy_rate.pk])
    assert admin_client_.post(delete_url, {"post": "yes"}).status_code == 403
    assert ExchangeRate.objects.filter(pk=jpy_rate.pk).exists()
