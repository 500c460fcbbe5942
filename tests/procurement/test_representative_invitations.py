"""Manufacturers' representatives are invited through the product, as liaisons
are: by a procurement officer or by the liaison of the company's state, on the
manufacturer's page or through the API. The invited person gets the same
one-time link, sets a password and signs in as the company's representative."""

import re

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from procurement import services
from procurement.models import VettingStatus
from secretariat.accounts.models import User
from secretariat.kernel.exceptions import ApplicationError, ConflictError
from secretariat.kernel.models import TimelineEvent
from secretariat.kernel.roles import Role, has_role
from tests.conftest import refresh

pytestmark = pytest.mark.django_db

EMAIL = "anna.ozola@balticuav.example.lv"
FORM = {"first_name": "Anna", "last_name": "Ozola", "email": EMAIL}


@pytest.fixture
def makers(bidders):
    """(SIA Baltic UAV of Latvia, UK Drones Ltd of the UK, Baltic's own rep)."""
    (lv, rep_lv), (gb, _rep_gb) = bidders
    return lv, gb, rep_lv


def _invite(maker, actor, email=EMAIL):
    return services.representative_invite(
        manufacturer=maker, actor=actor, email=email,
        first_name="Anna", last_name="Ozola",
    )  # fmt: skip


def _invite_url(maker):
    return reverse("procurement:representative_invite", args=[maker.pk])


def _api_url(maker, tail=""):
    return f"/api/manufacturers/{maker.pk}/representatives/{tail}"


def _link_path(message) -> str:
    link = re.search(r"http://\S+/accounts/activate/\S+/", message.body).group(0)
    return link.split("127.0.0.1:8000", 1)[1]


# ---------------------------------------------------------------- the service


@pytest.mark.parametrize("who", ["procurement", "liaison_lv"])
def test_procurement_officer_and_own_states_liaison_invite(
    people, makers, who, django_capture_on_commit_callbacks
):
    lv, _gb, _rep = makers
    actor = getattr(people, who)
    with django_capture_on_commit_callbacks(execute=True):
        user = _invite(lv, actor)
    user = User.objects.get(pk=user.pk)
    assert user.username == EMAIL and user.manufacturer == lv
    assert has_role(user, Role.MANUFACTURER_REPRESENTATIVE)
    assert not has_role(user, Role.MEMBER_LIAISON)
    assert user.member_state is None
    assert not user.has_usable_password()
    message = mail.outbox[-1]
    assert message.to == [EMAIL]
    assert message.subject == (
        "Drone Coalition: you are invited as SIA Baltic UAV's representative"
    )
    assert "a representative of SIA Baltic UAV" in message.body
    assert "/accounts/activate/" in message.body
    event = TimelineEvent.objects.get(action="representative_invited")
    assert event.subject_id == lv.pk and event.actor == actor
    assert EMAIL in event.description


def test_procurement_officer_invites_for_any_state(people, makers):
    _lv, gb, _rep = makers
    assert _invite(gb, people.procurement).manufacturer == gb


@pytest.mark.parametrize(
    "who", ["liaison_lv", "liaison_jp", "officer", "finance", "evaluator",
            "approver_uk", "manufacturer", "outsider"],
)  # fmt: skip
def test_others_cannot_invite_for_the_uk_company(people, makers, who):
    _lv, gb, _rep = makers
    with pytest.raises(PermissionDenied):
        _invite(gb, getattr(people, who))
    assert not User.objects.filter(email=EMAIL).exists()


def test_the_companys_own_representative_cannot_invite(people, makers):
    lv, _gb, rep_lv = makers
    with pytest.raises(PermissionDenied):
        _invite(lv, rep_lv)


def test_suspended_manufacturer_is_refused(people, makers):
    lv, _gb, _rep = makers
    services.manufacturer_vet(
        manufacturer=lv, actor=people.procurement,
        to_status=VettingStatus.SUSPENDED, reason="Export licence withdrawn",
    )  # fmt: skip
    with pytest.raises(ConflictError, match="SIA Baltic UAV is suspended"):
        _invite(lv, people.procurement)
    assert not User.objects.filter(email=EMAIL).exists()


def test_email_in_use_is_refused_next_to_the_email(people, makers):
    lv, _gb, _rep = makers
    with pytest.raises(ApplicationError, match="already exists") as refused:
        _invite(lv, people.procurement, email=people.finance.email.upper())
    assert refused.value.field == "email"


# ---------------------------------------------------------------- the web page


def test_the_invited_person_sets_a_password_and_lands_on_the_tenders(
    client, people, makers, django_capture_on_commit_callbacks
):
    lv, _gb, _rep = makers
    client.force_login(people.liaison_lv)
    page = client.get(reverse("procurement:manufacturer", args=[lv.pk]))
    assert "Invite a representative" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_invite_url(lv), FORM)
    assert response.status_code == 302
    assert response["Location"] == reverse("procurement:manufacturer", args=[lv.pk])
    client.logout()

    path = _link_path(mail.outbox[-1])
    form_page = client.get(path, follow=True)
    assert form_page.status_code == 200
    new_password = "Baltic-drones-2026-strong"
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": new_password, "new_password2": new_password},
    )
    assert done.status_code == 302
    again = client.get(path, follow=True)
    assert "already been used or has expired" in again.content.decode()

    signed_in = client.post(
        reverse("login"), {"username": EMAIL, "password": new_password}
    )
    assert signed_in.status_code == 302
    landing = client.get(reverse("start"))
    assert landing.status_code == 200
    assert f'href="{reverse("procurement:tender_list")}"' in landing.content.decode()
    me = client.get(reverse("procurement:manufacturer", args=[lv.pk]))
    assert me.status_code == 200
    assert me.context["user"].manufacturer == lv
    assert has_role(me.context["user"], Role.MANUFACTURER_REPRESENTATIVE)


@pytest.mark.parametrize(
    "who, maker, expected",
    [
        ("procurement", "lv", 200),
        ("procurement", "gb", 200),
        ("liaison_lv", "lv", 200),
        ("liaison_lv", "gb", 404),
        ("rep_lv", "lv", 403),
        ("finance", "lv", 403),
        ("officer", "lv", 403),
        ("outsider", "lv", 404),
    ],
)
def test_who_may_open_the_invitation_form(client, people, makers, who, maker,
                                          expected):  # fmt: skip
    lv, gb, rep_lv = makers
    user = rep_lv if who == "rep_lv" else getattr(people, who)
    client.force_login(user)
    target = lv if maker == "lv" else gb
    assert client.get(_invite_url(target)).status_code == expected
    posted = client.post(_invite_url(target), FORM)
    assert posted.status_code == (302 if expected == 200 else expected)
    assert User.objects.filter(email=EMAIL).exists() == (expected == 200)


@pytest.mark.parametrize("who", ["rep_lv", "finance", "officer"])
def test_the_section_is_shown_only_to_those_who_may_invite(client, people,
                                                           makers, who):  # fmt: skip
    lv, _gb, rep_lv = makers
    client.force_login(rep_lv if who == "rep_lv" else getattr(people, who))
    page = client.get(reverse("procurement:manufacturer", args=[lv.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Invite a representative" not in html
    assert rep_lv.email not in html or who == "rep_lv"


def test_the_page_lists_the_representatives(client, people, makers):
    lv, _gb, rep_lv = makers
    _invite(lv, people.procurement)
    client.force_login(people.procurement)
    html = client.get(reverse("procurement:manufacturer", args=[lv.pk])).content
    html = html.decode()
    assert "Representatives" in html
    assert rep_lv.email in html and EMAIL in html
    assert "invitation sent" in html


def test_duplicate_email_is_a_field_error_on_the_form(client, people, makers):
    lv, _gb, _rep = makers
    client.force_login(people.procurement)
    response = client.post(_invite_url(lv), {**FORM, "email": people.finance.email})
    assert response.status_code == 200
    assert response.context["form"].errors["email"] == [
        f"An account with the email address {people.finance.email} already exists."
    ]


def test_suspended_manufacturer_is_refused_on_the_form(client, people, makers):
    lv, _gb, _rep = makers
    services.manufacturer_vet(
        manufacturer=lv, actor=people.procurement,
        to_status=VettingStatus.SUSPENDED, reason="Export licence withdrawn",
    )  # fmt: skip
    client.force_login(people.liaison_lv)
    response = client.post(_invite_url(lv), FORM)
    assert response.status_code == 200
    assert "SIA Baltic UAV is suspended" in str(response.context["form"].errors)
    assert not User.objects.filter(email=EMAIL).exists()


def test_liaison_deactivates_a_representative_who_can_no_longer_sign_in(
    client, people, makers, password
):
    lv, _gb, rep_lv = makers
    client.force_login(people.liaison_lv)
    url = reverse("procurement:representative_deactivate", args=[lv.pk, rep_lv.pk])
    assert client.get(url).status_code == 200
    response = client.post(url)
    assert response.status_code == 302
    assert not refresh(rep_lv).is_active
    event = TimelineEvent.objects.get(action="representative_deactivated")
    assert event.actor == people.liaison_lv and rep_lv.email in event.description
    client.logout()
    refused = client.post(
        reverse("login"), {"username": rep_lv.username, "password": password}
    )
    assert refused.status_code == 200


@pytest.mark.parametrize("who, expected", [("liaison_jp", 404), ("rep_lv", 403),
                                           ("finance", 403)])  # fmt: skip
def test_others_cannot_deactivate(client, people, makers, who, expected):
    lv, _gb, rep_lv = makers
    client.force_login(rep_lv if who == "rep_lv" else getattr(people, who))
    url = reverse("procurement:representative_deactivate", args=[lv.pk, rep_lv.pk])
    assert client.post(url).status_code == expected
    assert refresh(rep_lv).is_active


def test_uk_liaison_cannot_deactivate_through_the_latvian_company(people, makers):
    lv, gb, rep_lv = makers
    with pytest.raises(PermissionDenied):
        services.representative_deactivate(
            manufacturer=gb, representative=rep_lv, actor=people.liaison_lv
        )
    with pytest.raises(ApplicationError, match="not a representative of"):
        services.representative_deactivate(
            manufacturer=lv, representative=people.finance, actor=people.procurement
        )


# ---------------------------------------------------------------- the API


def test_liaison_invites_through_the_api(
    api_for, people, makers, django_capture_on_commit_callbacks
):
    lv, _gb, rep_lv = makers
    api = api_for(people.liaison_lv)
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(_api_url(lv), FORM, format="json")
    assert response.status_code == 201, response.data
    assert response.data["email"] == EMAIL
    assert response.data["invitation_pending"] is True
    assert mail.outbox[-1].to == [EMAIL]
    listed = api.get(_api_url(lv))
    assert listed.status_code == 200
    assert {r["email"] for r in listed.data} == {EMAIL, rep_lv.email}
    user = User.objects.get(email=EMAIL)
    assert user.manufacturer == lv
    assert has_role(user, Role.MANUFACTURER_REPRESENTATIVE)


@pytest.mark.parametrize(
    "who, maker, expected",
    [
        ("procurement", "gb", 201),
        ("liaison_lv", "gb", 404),
        ("rep_lv", "lv", 403),
        ("finance", "lv", 403),
        ("officer", "lv", 403),
        ("outsider", "lv", 403),
    ],
)
def test_who_may_invite_through_the_api(api_for, people, makers, who, maker,
                                        expected):  # fmt: skip
    lv, gb, rep_lv = makers
    api = api_for(rep_lv if who == "rep_lv" else getattr(people, who))
    target = lv if maker == "lv" else gb
    assert api.post(_api_url(target), FORM, format="json").status_code == expected
    listed = api.get(_api_url(target)).status_code
    assert listed == (200 if expected == 201 else expected)
    assert User.objects.filter(email=EMAIL).exists() == (expected == 201)


def test_duplicate_email_is_refused_through_the_api(api_for, people, makers):
    lv, _gb, rep_lv = makers
    api = api_for(people.procurement)
    response = api.post(_api_url(lv), {**FORM, "email": rep_lv.email}, format="json")
    assert response.status_code == 400
    assert response.data["field"] == "email"
    assert "already exists" in response.data["detail"]


def test_suspended_manufacturer_is_refused_through_the_api(api_for, people, makers):
    lv, _gb, _rep = makers
    services.manufacturer_vet(
        manufacturer=lv, actor=people.procurement,
        to_status=VettingStatus.SUSPENDED, reason="Export licence withdrawn",
    )  # fmt: skip
    response = api_for(people.procurement).post(_api_url(lv), FORM, format="json")
    assert response.status_code == 409
    assert "SIA Baltic UAV is suspended" in response.data["detail"]


def test_deactivate_through_the_api(api_for, people, makers):
    lv, _gb, rep_lv = makers
    api = api_for(people.procurement)
    url = _api_url(lv, "deactivate/")
    response = api.post(url, {"user": rep_lv.pk}, format="json")
    assert response.status_code == 200, response.data
    assert response.data["is_active"] is False
    assert not refresh(rep_lv).is_active
    again = api.post(url, {"user": rep_lv.pk}, format="json")
    assert again.status_code == 409
    assert "already deactivated" in again.data["detail"]
    # Someone who is not the company's representative cannot be named.
    other = api.post(url, {"user": people.finance.pk}, format="json")
    assert other.status_code == 400 and "user" in other.data


def test_the_companys_representative_cannot_deactivate_through_the_api(
    api_for, people, makers
):
    lv, _gb, rep_lv = makers
    response = api_for(rep_lv).post(
        _api_url(lv, "deactivate/"), {"user": rep_lv.pk}, format="json"
    )
    assert response.status_code == 403
    assert refresh(rep_lv).is_active
