"""Asking the app as each person, each request in a savepoint rolled back after
it, so that one world serves every row and column."""

import copy

from django.db import transaction
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

REFUSED = {"L", "401", "403", "404", "405"}


def web_client(user) -> Client:
    """A browser signed in as ``user`` (anonymous for ``None``); the shared
    conftest counts a forced sign-in as having given the second factor."""
    browser = Client()
    if user is not None:
        browser.force_login(user)
    return browser


def api_client(user) -> APIClient:
    api = APIClient()
    if user is not None:
        api.force_authenticate(user)
    return api


def answer_of(response) -> str:
    if response.status_code == 302:
        login = reverse("login")
        return "L" if response["Location"].startswith(login) else "R"
    return str(response.status_code)


def ask(client, method, url, **kwargs) -> str:
    """The answer to one request, its writes undone: the database's in a
    savepoint, the browser's by restoring its cookies (signing out or changing
    the password would otherwise leave it with a new session)."""
    cookies = copy.deepcopy(client.cookies)
    try:
        with transaction.atomic():
            response = getattr(client, method.lower())(url, **kwargs)
            transaction.set_rollback(True)
    except Exception as exc:  # noqa: BLE001 - a crash is an answer to report
        return f"crash:{type(exc).__name__}:{exc}"
    finally:
        client.cookies = cookies
    return answer_of(response)


def agrees(expected: str, got: str) -> bool:
    if expected == "ok":
        return got not in REFUSED and got[0] not in "5c"
    return expected == got
