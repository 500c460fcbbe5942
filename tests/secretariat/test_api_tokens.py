"""API tokens end: after their lifetime, when their holder signs out, and when
the password changes, the account is deactivated or a role is taken away. Each
sign-in gives a new token; only a digest of it is stored."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from secretariat.accounts.models import SecurityEvent, SecurityEventKind
from secretariat.kernel.roles import Role

pytestmark = pytest.mark.django_db

LIST = "/api/notifications/"


def sign_in(user, password) -> dict:
    """A token for ``user`` (a liaison: no second factor asked)."""
    response = APIClient().post(
        "/api/auth/token/",
        {"username": user.username, "password": password},
        format="json",
    )
    assert response.status_code == 200, response.content
    return response.json()


def works(token: str) -> bool:
    response = APIClient().get(LIST, headers={"Authorization": f"Token {token}"})
    assert response.status_code in {200, 403}, response.content
    return response.status_code == 200


def test_a_token_is_new_at_each_sign_in_and_stored_hashed(people, password):
    first = sign_in(people.liaison_lv, password)
    second = sign_in(people.liaison_lv, password)
    assert first["token"] != second["token"]
    assert works(first["token"]) and works(second["token"])
    stored = AuthToken.objects.filter(user=people.liaison_lv)
    assert stored.count() == 2
    for row in stored:
        assert first["token"] not in row.digest and second["token"] not in row.digest
    event = SecurityEvent.objects.filter(kind=SecurityEventKind.LOGIN).last()
    assert (event.user, event.detail) == (people.liaison_lv, "API token issued")


def test_the_answer_says_when_the_token_ends(people, password, settings):
    before = timezone.now()
    body = sign_in(people.liaison_lv, password)
    expiry = AuthToken.objects.get(user=people.liaison_lv).expiry
    assert body["expiry"].startswith(timezone.localtime(expiry).date().isoformat())
    idle = timedelta(seconds=settings.API_TOKEN_IDLE_TIMEOUT)
    assert before + idle <= expiry <= timezone.now() + idle


def test_an_idle_token_expires(people, password):
    token = sign_in(people.liaison_lv, password)["token"]
    AuthToken.objects.update(expiry=timezone.now() - timedelta(seconds=1))
    assert not works(token)
    assert not AuthToken.objects.exists()


def test_a_used_token_still_ends_after_its_lifetime(people, password, settings):
    token = sign_in(people.liaison_lv, password)["token"]
    lifetime = timedelta(seconds=settings.API_TOKEN_TTL)
    # Used a minute ago, so its expiry is ahead; but issued longer ago than the
    # absolute lifetime.
    AuthToken.objects.update(
        created=timezone.now() - lifetime - timedelta(minutes=1),
        expiry=timezone.now() + timedelta(minutes=29),
    )
    refused = APIClient().get(LIST, headers={"Authorization": f"Token {token}"})
    assert refused.status_code == 403
    assert refused.json()["detail"] == "The token has expired; ask for a new one."
    assert not AuthToken.objects.exists()


def test_use_moves_the_expiry_on_up_to_the_lifetime(people, password, settings):
    token = sign_in(people.liaison_lv, password)["token"]
    issued = timezone.now() - timedelta(hours=7, minutes=50)
    AuthToken.objects.update(
        created=issued, expiry=timezone.now() + timedelta(minutes=1)
    )
    assert works(token)
    expiry = AuthToken.objects.get().expiry
    assert expiry == issued + timedelta(seconds=settings.API_TOKEN_TTL)


def test_the_oldest_token_gives_way_beyond_the_cap(people, password, settings):
    settings.API_TOKEN_LIMIT_PER_USER = 2
    first, second, third = (
        sign_in(people.liaison_lv, password)["token"] for _ in range(3)
    )
    assert not works(first)
    assert works(second) and works(third)
    assert AuthToken.objects.filter(user=people.liaison_lv).count() == 2


def test_logout_ends_only_this_token(people, password):
    mine, other = (sign_in(people.liaison_lv, password)["token"] for _ in range(2))
    api = APIClient(headers={"Authorization": f"Token {mine}"})
    assert api.post("/api/auth/logout/").status_code == 204
    assert not works(mine)
    assert works(other)
    event = SecurityEvent.objects.get(kind=SecurityEventKind.LOGOUT)
    assert (event.user, event.detail) == (people.liaison_lv, "API token ended")


def test_logout_all_ends_every_token(people, password):
    mine, other = (sign_in(people.liaison_lv, password)["token"] for _ in range(2))
    api = APIClient(headers={"Authorization": f"Token {mine}"})
    assert api.post("/api/auth/logout-all/").status_code == 204
    assert not works(mine) and not works(other)


def test_a_password_change_ends_every_token(people, password, client):
    token = sign_in(people.liaison_lv, password)["token"]
    client.force_login(people.liaison_lv)
    changed = client.post(
        reverse("password_change"),
        {
            "old_password": password,
            "new_password1": "a-new-long-pass-77",
            "new_password2": "a-new-long-pass-77",
        },
    )
    assert changed.status_code == 302
    assert not works(token)
    assert not AuthToken.objects.filter(user=people.liaison_lv).exists()


def test_a_password_set_in_code_ends_every_token(people, password):
    token = sign_in(people.liaison_lv, password)["token"]
    people.liaison_lv.set_password("another-long-pass-88")
    people.liaison_lv.save()
    assert not works(token)


def test_deactivation_ends_every_token_for_good(people, password):
    token = sign_in(people.liaison_lv, password)["token"]
    people.liaison_lv.is_active = False
    people.liaison_lv.save(update_fields=["is_active"])
    assert not AuthToken.objects.filter(user=people.liaison_lv).exists()
    people.liaison_lv.is_active = True
    people.liaison_lv.save()
    assert not works(token)


def test_removing_a_role_ends_every_token(people, password):
    token = sign_in(people.liaison_lv, password)["token"]
    people.liaison_lv.groups.remove(Group.objects.get(name=Role.MEMBER_LIAISON))
    assert not works(token)


def test_taking_a_person_off_a_role_ends_their_tokens(people, password):
    token = sign_in(people.liaison_lv, password)["token"]
    kept = sign_in(people.liaison_jp, password)["token"]
    Group.objects.get(name=Role.MEMBER_LIAISON).user_set.remove(people.liaison_lv)
    assert not works(token)
    assert works(kept)


def test_clearing_a_role_ends_its_holders_tokens(people, password):
    token = sign_in(people.liaison_lv, password)["token"]
    Group.objects.get(name=Role.MEMBER_LIAISON).user_set.clear()
    assert not works(token)


def test_adding_a_role_or_signing_in_keeps_tokens(people, password, client):
    token = sign_in(people.liaison_lv, password)["token"]
    people.liaison_lv.groups.add(Group.objects.get(name=Role.EVALUATOR))
    client.post(
        reverse("login"), {"username": people.liaison_lv.username, "password": password}
    )
    people.liaison_lv.first_name = "Renamed"
    people.liaison_lv.save()
    assert works(token)


@pytest.mark.parametrize(
    "header",
    ["Token abc", "Token " + "g" * 64, "Token " + "a" * 64, "Token " + "\u00e9" * 64],
)
def test_a_malformed_or_unknown_token_is_refused(people, header):
    response = APIClient().get(LIST, headers={"Authorization": header})
    assert response.status_code == 403
    assert response.json()["detail"] == "Invalid token."
