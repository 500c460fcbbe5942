"""Rotating SECRET_KEY (README "Operating it"): with the old key in
``SECRET_KEY_FALLBACKS`` people stay signed in, and a visit moves their session
to the new key; once the old key is retired, only sessions not seen since end."""

from django.contrib.auth import get_user_model
from django.test import Client

PAGE = "/accounts/settings/"


def test_a_rotated_secret_key_keeps_active_people_signed_in(settings, db):
    users = get_user_model().objects
    active, away = Client(), Client()
    active.force_login(users.create(username="active", email="active@example.org"))
    away.force_login(users.create(username="away", email="away@example.org"))

    old = settings.SECRET_KEY
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = "a-new-key-" + "x" * 50, [old]
    assert active.get(PAGE).status_code == 200  # still signed in, now on the new key

    settings.SECRET_KEY_FALLBACKS = []  # the old key retired
    assert active.get(PAGE).status_code == 200
    assert away.get(PAGE).status_code == 302  # signs in again
