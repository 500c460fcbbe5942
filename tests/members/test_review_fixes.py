"""Exchange rates, money limits, sorting, timelines, admin registration and
invitations that survive a broker outage."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from members import services
from members.models import MemberState, MemberStatus, Pledge
from secretariat.accounts.models import User
from secretariat.kernel.exceptions import ApplicationError, ConflictError
from secretariat.kernel.models import ExchangeRate, TimelineEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def considering_japan(japan):
    japan.status = MemberStatus.CONSIDERING
    japan.save()
    return japan


def test_a_liaison_cannot_enter_the_exchange_rate(people, considering_japan,
                                                  jpy_rate):  # fmt: skip
    with pytest.raises(ApplicationError, match="Only secretariat and finance") as e:
        services.pledge_record(
            member_state=considering_japan, actor=people.liaison_jp, year=2026,
            amount=Decimal("1000"), currency="JPY", fx_rate=Decimal("0.00000001"),
        )  # fmt: skip
    assert e.value.field == "fx_rate"
    assert not Pledge.objects.exists()


def test_the_liaisons_pledge_form_has_no_rate_field(client, people, considering_japan):
    client.force_login(people.liaison_jp)
    form = client.get(reverse("members:pledge_create", args=["JP"])).context["form"]
    assert "fx_rate" not in form.fields
    client.force_login(people.officer)
    form = client.get(reverse("members:pledge_create", args=["JP"])).context["form"]
    assert "fx_rate" in form.fields


def test_a_rate_far_from_the_recorded_one_is_refused(people, considering_japan,
                                                     jpy_rate):  # fmt: skip
    with pytest.raises(ApplicationError, match="more than 20% away"):
        services.pledge_record(
            member_state=considering_japan, actor=people.officer, year=2026,
            amount=Decimal("1000"), currency="JPY", fx_rate=Decimal("1.6"),
        )  # fmt: skip
    pledge = services.pledge_record(
        member_state=considering_japan, actor=people.officer, year=2026,
        amount=Decimal("1600"), currency="JPY", fx_rate=Decimal("170"),
    )  # fmt: skip
    assert pledge.eur_amount == Decimal("9.41")


def test_a_stale_recorded_rate_is_not_used(people, considering_japan, settings):
    too_old = dt.timedelta(days=settings.FX_RATE_MAX_AGE_DAYS + 1)
    ExchangeRate.objects.create(
        currency="JPY", rate_date=timezone.localdate() - too_old, units_per_eur=160
    )
    with pytest.raises(ApplicationError, match="Record a current rate"):
        services.pledge_record(
            member_state=considering_japan, actor=people.liaison_jp, year=2026,
            amount=Decimal("1000"), currency="JPY",
        )  # fmt: skip


def test_an_enormous_amount_is_a_clear_error_not_a_crash(api_for, people, latvia):
    ExchangeRate.objects.create(
        currency="GBP", rate_date=timezone.localdate(), units_per_eur="0.5"
    )
    response = api_for(people.officer).post(
        "/api/pledges/",
        {"member_state": "LV", "year": 2026, "amount": "9000000000000000",
         "currency": "GBP", "fx_rate": "0.5"},
        format="json",
    )  # fmt: skip
    assert response.status_code == 400
    assert "too large" in str(response.json())
    assert not Pledge.objects.exists()


@pytest.mark.parametrize("sort", ["--name", "password", "-status", "joined_on"])
def test_member_list_ignores_unknown_sorts(client, people, sort):
    client.force_login(people.officer)
    assert client.get(reverse("members:list"), {"sort": sort}).status_code == 200


def test_sort_links_keep_the_filters(client, people):
    client.force_login(people.officer)
    page = client.get(reverse("members:list"), {"status": "member", "q": "a"})
    header = page.content.decode().split('<th scope="col" aria-sort="ascending">')[1]
    link = header.split('<a href="', 1)[1].split('"')[0].replace("&amp;", "&")
    assert link.startswith("?") and link.endswith("sort=-name")
    assert "status=member" in link and "q=a" in link


def test_a_contribution_records_the_pledge_status_change(people, latvia):
    pledge = services.pledge_record(
        member_state=latvia, actor=people.officer, year=2026,
        amount=Decimal("100"), currency="EUR",
    )  # fmt: skip
    services.contribution_record(
        pledge=pledge, actor=people.finance, amount=Decimal("40"), currency="EUR",
        received_on=pledge.fx_date,
    )  # fmt: skip
    # The pledge's own move (the contribution's event says what was received).
    event = TimelineEvent.objects.get(
        action="status_changed", to_status="partly_received"
    )
    assert (event.from_status, event.to_status) == ("pledged", "partly_received")
    assert event.actor == people.finance
    assert event.reason.startswith("Contribution received: EUR 40.00")


def test_admin_registers_a_state_through_the_service(client, people):
    client.force_login(people.admin)
    response = client.post(
        reverse("admin:members_memberstate_add"),
        {"country": "KR", "name": "Republic of Korea"},
    )
    assert response.status_code == 302
    korea = MemberState.objects.get(country="KR")
    assert korea.status == MemberStatus.PROSPECTIVE
    assert TimelineEvent.objects.filter(
        action="registered", actor=people.admin
    ).exists()


def test_invitation_survives_an_unreachable_broker(
    client, people, latvia, unreachable_broker, django_capture_on_commit_callbacks
):
    client.force_login(people.officer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("members:liaison_invite", args=["LV"]),
            {"first_name": "Ilze", "last_name": "Ozola",
             "email": "ilze@mfa.example.lv"},
        )  # fmt: skip
    assert response.status_code == 302
    assert User.objects.filter(email="ilze@mfa.example.lv").exists()
    assert not mail.outbox


def test_an_invitation_can_be_sent_again(
    client, people, latvia, django_capture_on_commit_callbacks
):
    liaison = services.liaison_invite(
        member_state=latvia, actor=people.officer, email="ilze@mfa.example.lv",
        first_name="Ilze", last_name="Ozola",
    )  # fmt: skip
    client.force_login(people.officer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("members:liaison_resend", args=["LV", liaison.pk])
        )
    assert response.status_code == 302
    assert mail.outbox[-1].to == ["ilze@mfa.example.lv"]
    assert "/accounts/activate/" in mail.outbox[-1].body


def test_resend_is_refused_once_the_password_is_set(people, latvia):
    with pytest.raises(ConflictError, match="already set a password"):
        services.liaison_invitation_resend(user=people.liaison_lv, actor=people.officer)


def test_plain_text_email_is_not_html_escaped(
    people, latvia, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.liaison_invite(
            member_state=latvia, actor=people.officer, email="sean@example.ie",
            first_name="Seán", last_name="O'Brien",
        )  # fmt: skip
    assert "Dear Seán O'Brien," in mail.outbox[-1].body
