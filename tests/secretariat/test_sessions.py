"""Session lifetime: idle timeout, absolute lifetime, deactivated accounts and a
new session key on sign-in. Time is moved by rewriting the stamps in the session."""

import time

from django.contrib.auth import SESSION_KEY
from django.contrib.auth.backends import ModelBackend
from django.contrib.sessions.models import Session
from django.urls import reverse

from secretariat.accounts.sessions import LAST_ACTIVITY, SIGNED_IN_AT

MY_WORK = "/work/"


def _shift(client, **seconds_back):
    """Move the session's stamps into the past, as if that much time had passed."""
    session = client.session
    for key, name in ((LAST_ACTIVITY, "idle"), (SIGNED_IN_AT, "signed_in")):
        if name in seconds_back:
            session[key] = time.time() - seconds_back[name]
    session.save()


def _signed_in(client_for, user):
    client = client_for(user)
    assert client.get(MY_WORK).status_code == 200
    return client


def test_idle_session_ends_with_a_message(client_for, people):
    client = _signed_in(client_for, people.officer)
    _shift(client, idle=31 * 60)

    response = client.get(MY_WORK)

    login = reverse("login")
    assert response.status_code == 302
    assert response["Location"] == f"{login}?next={MY_WORK}"
    page = client.get(response["Location"])
    assert "Your session expired after 30 minutes without activity" in (
        page.content.decode()
    )
    assert SESSION_KEY not in client.session
    assert client.get(MY_WORK)["Location"].startswith(login)


def test_activity_within_the_idle_timeout_keeps_the_session(client_for, people):
    client = _signed_in(client_for, people.officer)
    _shift(client, idle=29 * 60)

    assert client.get(MY_WORK).status_code == 200
    # The request counts as activity: the stamp moved to now.
    assert time.time() - client.session[LAST_ACTIVITY] < 60


def test_idle_timeout_is_configurable(client_for, people, settings):
    settings.SESSION_IDLE_TIMEOUT = 5 * 60
    client = _signed_in(client_for, people.officer)
    _shift(client, idle=6 * 60)

    response = client.get(MY_WORK, follow=True)

    assert response.redirect_chain[0][1] == 302
    assert "Your session expired after 5 minutes without activity" in (
        response.content.decode()
    )


def test_api_request_with_an_idle_session_is_refused_not_redirected(client_for, people):
    client = _signed_in(client_for, people.officer)
    _shift(client, idle=31 * 60)

    response = client.get("/api/")

    assert response.status_code in (401, 403)
    assert SESSION_KEY not in client.session


def test_absolute_lifetime_is_not_extended_by_activity(client_for, people, settings):
    assert settings.SESSION_SAVE_EVERY_REQUEST is False
    client = _signed_in(client_for, people.officer)
    key = client.session.session_key
    expires = Session.objects.get(session_key=key).expire_date
    signed_in = client.session[SIGNED_IN_AT]
    assert abs(expires.timestamp() - (signed_in + settings.SESSION_COOKIE_AGE)) < 1

    # Activity an hour later rewrites the session, but not its end.
    _shift(client, idle=10 * 60, signed_in=3600)
    signed_in = client.session[SIGNED_IN_AT]
    client.get(MY_WORK)
    assert time.time() - client.session[LAST_ACTIVITY] < 60
    assert client.session[SIGNED_IN_AT] == signed_in
    assert Session.objects.get(session_key=key).expire_date == expires


def test_session_ends_after_the_absolute_lifetime_despite_activity(
    client_for, people, settings
):
    client = _signed_in(client_for, people.officer)
    _shift(client, idle=60, signed_in=settings.SESSION_COOKIE_AGE + 1)

    response = client.get(MY_WORK, follow=True)

    assert response.redirect_chain[0][0].startswith(reverse("login"))
    assert "Your session ended after 8 hours" in response.content.decode()
    assert SESSION_KEY not in client.session


def test_model_backend_refuses_an_inactive_user(people):
    people.officer.is_active = False
    people.officer.save(update_fields=["is_active"])

    assert ModelBackend().get_user(people.officer.pk) is None


def test_deactivating_an_account_ends_its_sessions(client_for, people):
    client = _signed_in(client_for, people.officer)
    key = client.session.session_key
    people.officer.is_active = False
    people.officer.save(update_fields=["is_active"])

    response = client.get(MY_WORK)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert not Session.objects.filter(session_key=key).exists()
    # Reactivating the account does not revive the old session.
    people.officer.is_active = True
    people.officer.save(update_fields=["is_active"])
    assert client.get(MY_WORK)["Location"].startswith(reverse("login"))


def test_sign_in_gives_a_new_session_key(client, people, password):
    session = client.session
    session["anonymous-note"] = "kept across sign-in"
    session.save()
    anonymous_key = session.session_key

    response = client.post(
        reverse("login"), {"username": "officer", "password": password}
    )

    assert response.status_code == 302
    signed_in = client.session
    assert signed_in.session_key != anonymous_key
    assert not Session.objects.filter(session_key=anonymous_key).exists()
    assert signed_in[SESSION_KEY] == str(people.officer.pk)
    # The lifetime clocks start at sign-in.
    assert time.time() - signed_in[SIGNED_IN_AT] < 5
    assert signed_in.get_expiry_age() > 0
