"""Behind a reverse proxy that appends to X-Forwarded-For (nginx's
``$proxy_add_x_forwarded_for``), the client's address is the one the proxy
added, never what the client wrote to the left of it: a password guesser cannot
pick a fresh address per attempt, nor lock out someone else's."""

import os
import subprocess
import sys

import pytest
from axes.models import AccessAttempt, AccessFailureLog
from django.test import RequestFactory
from django.urls import reverse
from rest_framework.test import APIClient
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from secretariat.accounts.audit import client_ip
from secretariat.accounts.models import SecurityEvent, SecurityEventKind

pytestmark = [pytest.mark.django_db, pytest.mark.real_two_factor]

PROXY = "10.0.0.2"
ATTACKER = "203.0.113.66"
VICTIM = "198.51.100.10"  # the office the attacker would like to lock out
FORGED = [f"192.0.2.{n}" for n in range(1, 22)]


@pytest.fixture(autouse=True)
def behind_one_proxy(settings):
    settings.BEHIND_PROXY = True
    settings.TRUSTED_PROXY_COUNT = 1


def through_proxy(client_address, written_by_client=""):
    """What the app sees: the proxy's connection, and the client's header with
    the proxy's entry appended."""
    hops = [hop for hop in (written_by_client, client_address) if hop]
    return {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": ", ".join(hops)}


def web_attempt(client, password, address, forged=""):
    return client.post(
        reverse("login"),
        {"username": "officer", "password": password},
        **through_proxy(address, forged),
    )


def test_forged_addresses_do_not_escape_the_lockout(client, people, password):
    answers = [
        web_attempt(client, f"guess-{n}", ATTACKER, forged).status_code
        for n, forged in enumerate(FORGED)
    ]
    assert answers[:4] == [200] * 4
    assert set(answers[4:]) == {429}
    # The attacker's own address is locked for this name, the right password too.
    assert web_attempt(client, password, ATTACKER, "192.0.2.99").status_code == 429
    failed = SecurityEvent.objects.filter(kind=SecurityEventKind.LOGIN_FAILED)
    assert set(failed.values_list("ip_address", flat=True)) == {ATTACKER}
    locked = SecurityEvent.objects.filter(kind=SecurityEventKind.LOCKED_OUT)
    assert set(locked.values_list("username", "ip_address")) == {("officer", ATTACKER)}
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {ATTACKER}
    assert not AccessFailureLog.objects.filter(ip_address__in=FORGED).exists()
    recorded = set(SecurityEvent.objects.values_list("ip_address", flat=True))
    assert not recorded & set(FORGED)


def test_a_forged_victim_address_does_not_lock_the_victim_out(client, people, password):
    for n in range(21):
        web_attempt(client, f"guess-{n}", ATTACKER, forged=VICTIM)
    assert not AccessAttempt.objects.filter(ip_address=VICTIM).exists()
    signed_in = web_attempt(client, password, VICTIM)
    assert signed_in.status_code == 302
    assert client.session["_auth_user_id"] == str(people.officer.pk)


def test_the_token_endpoint_locks_the_real_address(people, password):
    api = APIClient()
    answers = []
    for forged in FORGED:
        answers.append(
            api.post(
                "/api/auth/token/",
                {"username": "officer", "password": "wrong"},
                format="json",
                **through_proxy(ATTACKER, forged),
            ).status_code
        )
    assert answers[:4] == [400] * 4
    assert set(answers[4:]) == {429}
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {ATTACKER}
    failed = SecurityEvent.objects.filter(kind=SecurityEventKind.LOGIN_FAILED)
    assert set(failed.values_list("ip_address", flat=True)) == {ATTACKER}


@pytest.mark.parametrize(
    ("proxies", "remote", "forwarded", "expected"),
    [
        (0, "203.0.113.5", "192.0.2.1", "203.0.113.5"),
        (1, PROXY, "192.0.2.1, 203.0.113.5", "203.0.113.5"),
        (1, PROXY, "", PROXY),
        (1, PROXY, "not-an-address", PROXY),
        # Two proxies: the outer one appended the client, the inner one the
        # outer proxy's address.
        (2, PROXY, "192.0.2.1, 203.0.113.5, 10.0.0.1", "203.0.113.5"),
        (2, PROXY, "203.0.113.5", "203.0.113.5"),
    ],
)
def test_client_ip_counts_trusted_proxies_from_the_right(
    settings, proxies, remote, forwarded, expected
):
    settings.TRUSTED_PROXY_COUNT = proxies
    request = RequestFactory().get(
        "/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded
    )
    assert client_ip(request) == expected


def test_rate_limits_see_the_same_address(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "NUM_PROXIES": settings.TRUSTED_PROXY_COUNT,
    }
    request = APIView().initialize_request(
        RequestFactory().get("/", **through_proxy(ATTACKER, "192.0.2.1"))
    )
    assert AnonRateThrottle().get_ident(request) == client_ip(request) == ATTACKER


@pytest.mark.parametrize(
    ("environment", "expected"),
    [
        ({"BEHIND_PROXY": "on"}, "1 1"),
        ({"BEHIND_PROXY": "off"}, "0 0"),
        ({"BEHIND_PROXY": "on", "TRUSTED_PROXY_COUNT": "2"}, "2 2"),
    ],
)
def test_the_proxy_count_follows_behind_proxy(environment, expected):
    """One setting, read by the lockout, the audit and DRF's throttles."""
    code = (
        "from secretariat import settings as s; "
        "print(s.TRUSTED_PROXY_COUNT, s.REST_FRAMEWORK['NUM_PROXIES'])"
    )
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"BEHIND_PROXY", "TRUSTED_PROXY_COUNT"}
    }
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={**env, "DEBUG": "on", **environment},
        cwd=settings_dir(),
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == expected


def settings_dir():
    from django.conf import settings

    return settings.BASE_DIR
