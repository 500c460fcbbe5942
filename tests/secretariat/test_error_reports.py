"""Error reports to Sentry: sent when a DSN is set, without personal data,
request bodies, cookies or a frame's variables."""

import json

import pytest
import sentry_sdk
from sentry_sdk.transport import Transport

from secretariat import error_reports
from tests.factories import PASSWORD

# (Kept away from the failing function: a report shows the source lines around it.)
SESSION_COOKIE = "a-session-cookie-value"
API_TOKEN = "a-secret-api-token"


class Recorder(Transport):
    """Keeps the events instead of sending them."""

    def __init__(self, options=None):
        super().__init__(options)
        self.events = []

    def capture_envelope(self, envelope):
        for item in envelope.items:
            if item.type == "event":
                self.events.append(item.payload.json)


@pytest.fixture
def sentry():
    recorder = Recorder()
    error_reports.init(
        dsn="https://public@sentry.invalid/1",
        environment="test",
        release="test-release",
        transport=recorder,
    )
    yield recorder
    sentry_sdk.get_client().close()
    sentry_sdk.get_global_scope().set_client(None)


@pytest.mark.django_db
def test_a_failing_request_is_reported_without_body_cookies_or_variables(
    client, sentry, monkeypatch, people
):
    def boom(request=None, **credentials):  # the password among its variables
        raise RuntimeError("sign-in backend failed")

    monkeypatch.setattr("django.contrib.auth.forms.authenticate", boom)
    client.raise_request_exception = False
    client.cookies["sessionid"] = SESSION_COOKIE
    response = client.post(
        "/accounts/login/?next=/fund/",
        {"username": "officer", "password": PASSWORD},
        HTTP_AUTHORIZATION=f"Token {API_TOKEN}",
    )
    assert response.status_code == 500
    sentry_sdk.flush()
    [event] = [e for e in sentry.events if e.get("exception")]
    assert event["exception"]["values"][0]["value"] == "sign-in backend failed"
    assert event["environment"] == "test" and event["release"] == "test-release"
    request = event["request"]
    assert event["transaction"] == "/accounts/login/"  # the route, never ids
    text = json.dumps(event)
    for secret in (PASSWORD, SESSION_COOKIE, API_TOKEN,
                   "next=", "officer"):  # fmt: skip
        assert secret not in text, secret
    assert "data" not in request and "cookies" not in request
    assert "user" not in event


def test_the_scrubber_keeps_a_sealed_path_as_its_route():
    event = error_reports.scrub(
        {
            "request": {
                "url": "https://sec.example/bids/4f1c2d/withdraw/",
                "headers": {"User-Agent": "x", "Cookie": "c"},
            }
        }
    )
    assert "4f1c2d" not in event["request"]["url"]
    assert event["request"]["headers"] == {"User-Agent": "x"}
