"""Lockout after failed sign-ins: per user name and address together, with a
message a person can act on, lifted by time or by an administrator, and recorded."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from secretariat.accounts.models import SecurityEvent, SecurityEventKind
from tests.twofactor import enrol, sign_in

pytestmark = [pytest.mark.django_db, pytest.mark.real_two_factor]

ATTACKER = "203.0.113.66"
OFFICE = "198.51.100.10"


def attempt(client, username, password, address):
    return client.post(
        reverse("login"),
        {"username": username, "password": password},
        REMOTE_ADDR=address,
    )


def lock_out(client, user, address=ATTACKER, limit=5):
    for _ in range(limit):
        refused = attempt(client, user.username, "wrong-guess", address)
        assert refused.status_code in (200, 429)
    return refused


def test_five_failures_lock_the_name_from_that_address(client, people, password):
    for number in range(1, 5):
        refused = attempt(client, "officer", f"guess-{number}", ATTACKER)
        assert refused.status_code == 200  # the sign-in form with its error
    locked = attempt(client, "officer", "guess-5", ATTACKER)
    assert locked.status_code == 429
    assert "Too many failed sign-ins" in locked.content.decode()
    # Even the right password is refused from there now.
    right = attempt(client, "officer", password, ATTACKER)
    assert right.status_code == 429
    assert "_auth_user_id" not in client.session
    event = SecurityEvent.objects.filter(kind=SecurityEventKind.LOCKED_OUT).first()
    assert event.username == "officer"
    assert event.ip_address == ATTACKER


def test_the_real_person_elsewhere_is_not_locked_out(client, people, password):
    lock_out(client, people.officer)
    assert attempt(client, "officer", password, ATTACKER).status_code == 429
    signed_in = attempt(client, "officer", password, OFFICE)
    assert signed_in.status_code == 302
    assert client.session["_auth_user_id"] == str(people.officer.pk)


def test_other_names_from_the_attacking_address_are_not_locked(
    client, people, password
):
    lock_out(client, people.officer)
    assert attempt(client, "finance", password, ATTACKER).status_code == 302


def test_the_lockout_lifts_after_the_cool_off(client, people, password, settings):
    lock_out(client, people.liaison_lv)
    assert attempt(client, "liaison-lv", password, ATTACKER).status_code == 429
    AccessAttempt.objects.update(
        attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - timedelta(seconds=1)
    )
    assert attempt(client, "liaison-lv", password, ATTACKER).status_code == 302


def test_a_success_clears_earlier_failures(client, people, password):
    for _ in range(4):
        attempt(client, "liaison-lv", "wrong", ATTACKER)
    assert attempt(client, "liaison-lv", password, ATTACKER).status_code == 302
    client.post(reverse("logout"))
    for _ in range(4):
        assert attempt(client, "liaison-lv", "wrong", ATTACKER).status_code == 200


def test_an_administrator_unlocks_and_it_is_recorded(client, people, password):
    lock_out(client, people.liaison_lv)
    [locked] = AccessAttempt.objects.filter(username="liaison-lv")
    admin = client.__class__()
    enrol(people.admin)
    sign_in(admin, people.admin, password)
    listing = admin.get(reverse("admin:axes_accessattempt_changelist"))
    assert "liaison-lv" in listing.content.decode()
    deleted = admin.post(
        reverse("admin:axes_accessattempt_delete", args=[locked.pk]), {"post": "yes"}
    )
    assert deleted.status_code == 302
    assert attempt(client, "liaison-lv", password, ATTACKER).status_code == 302
    event = SecurityEvent.objects.get(kind=SecurityEventKind.UNLOCKED)
    assert event.user == people.admin
    assert event.username == "liaison-lv"
    assert ATTACKER in event.detail


def test_the_api_token_endpoint_locks_out_too(people, password):
    api = APIClient(REMOTE_ADDR=ATTACKER)
    body = {"username": "liaison-lv", "password": "wrong"}
    for _ in range(4):
        assert api.post("/api/auth/token/", body, format="json").status_code == 400
    locked = api.post("/api/auth/token/", body, format="json")
    assert locked.status_code == 429
    assert "Too many failed sign-ins" in locked.json()["detail"]
    right = api.post(
        "/api/auth/token/",
        {"username": "liaison-lv", "password": password},
        format="json",
    )
    assert right.status_code == 429
