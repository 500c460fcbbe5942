"""The signed-in floor (issue 21): a signed-in request reads its session, roles
and second-factor device from the cache (one query: the person's row), the bell
its count; and every change of what those say (a role taken or given, an account
deactivated, a device removed, a logout, a new password) takes effect on the very
next request, on the pages and in the API. A Redis that is down or frozen costs
the cache, never a page."""

import socket
import threading

import pytest
from django.contrib.auth.models import Group
from django.core.cache import caches
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from secretariat.accounts import grants
from secretariat.kernel import cache as safe_cache
from secretariat.kernel.roles import Role
from secretariat.notifications import services as notifications
from secretariat.notifications.models import NotificationKind
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.secretariat.floor_urls")]

BARE = "/test-floor/bare/"
DASHBOARD = reverse("dashboard")
MY_WORK = reverse("my_work")
DISBURSEMENTS = reverse("disbursement_list")
API_LIST = "/api/disbursements/"


@pytest.fixture(autouse=True)
def _breaker_closed():
    safe_cache.reset_breaker()
    yield
    safe_cache.reset_breaker()


@pytest.fixture
def shared_cache(settings):
    """The shared cache, Redis (REDIS_URL), with sessions read through it, as in
    production. (The tests of changes taking effect run with either cache.)"""
    if not settings.SHARED_CACHE:
        pytest.skip("needs Redis (REDIS_URL)")
    assert settings.SESSION_ENGINE == "secretariat.accounts.session_store"


def sql(context) -> list[str]:
    return [query["sql"] for query in context.captured_queries]


def tables(context) -> list[str]:
    """The table each query reads first (after FROM or UPDATE)."""
    found = []
    for text in sql(context):
        words = text.replace('"', "").split()
        for keyword in ("FROM", "UPDATE", "INTO"):
            if keyword in words:
                found.append(words[words.index(keyword) + 1])
                break
    return found


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# ---------------------------------------------------------------- the floor


def test_a_warm_signed_in_request_costs_one_query_the_persons_row(people, shared_cache):
    client = signed_in(people.officer)
    with CaptureQueriesContext(connection) as cold:
        assert client.get(BARE).status_code == 200
    with CaptureQueriesContext(connection) as warm:
        assert client.get(BARE).status_code == 200
    # Cold: the device comes from the database once (the session was cached
    # when it was saved at sign-in).
    assert "otp_totp_totpdevice" in tables(cold)
    assert tables(warm) == ["secretariat_user"]
    # The cache knows which device verified the session, never its secret.
    device = TOTPDevice.objects.get(user=people.officer)
    redis = caches["default"]._cache.get_client()
    pattern = f"{caches['default'].key_prefix}:*otpdev:{people.officer.pk}:*"
    stored = [redis.get(key) for key in redis.scan_iter(match=pattern)]
    assert len(stored) == 1 and b"confirmed" in stored[0]
    assert device.key.encode() not in stored[0]


def test_a_warm_page_reads_no_roles_device_session_or_bell_count(people, shared_cache):
    client = signed_in(people.officer)
    notifications.notify(
        recipients=[people.officer], kind=NotificationKind.DISBURSEMENT_TO_CHECK,
        title="DSB-2026-0001 awaits your check", body="", url="/",
    )  # fmt: skip
    client.get(MY_WORK)
    with CaptureQueriesContext(connection) as warm:
        page = client.get(MY_WORK)
    assert page.status_code == 200
    assert '1<span class="visually-hidden"> unread</span>' in page.content.decode()
    read = tables(warm)
    assert read.count("secretariat_user") == 1
    for table in (
        "django_session",
        "otp_totp_totpdevice",
        "auth_group",
        "secretariat_notification",
    ):
        assert table not in read, (table, sql(warm))


# ---------------------------------------------------------------- next request


def test_a_removed_role_takes_effect_on_the_next_request_on_pages_and_api(people):
    web = signed_in(people.officer)
    api = signed_in(people.officer)  # the API through the browser's session
    assert web.get(DASHBOARD).status_code == 200
    assert "Dashboard" in web.get(MY_WORK).content.decode()
    assert api.get(API_LIST).status_code == 200
    grants.role_remove(
        user=people.officer, role=Role.SECRETARIAT_OFFICER, actor=people.admin
    )
    assert web.get(DASHBOARD).status_code == 403
    assert f'href="{DASHBOARD}"' not in web.get(MY_WORK).content.decode()
    assert api.get(API_LIST).status_code == 403


def test_a_role_taken_from_the_groups_side_takes_effect_at_once(people):
    web = signed_in(people.officer)
    assert web.get(DASHBOARD).status_code == 200
    Group.objects.get(name=Role.SECRETARIAT_OFFICER).user_set.remove(people.officer)
    assert web.get(DASHBOARD).status_code == 403


def test_a_token_stops_working_when_its_role_goes(people, password):
    token = (
        APIClient()
        .post(
            "/api/auth/token/",
            {"username": people.liaison_lv.username, "password": password},
            format="json",
        )
        .json()["token"]
    )
    api = APIClient(headers={"Authorization": f"Token {token}"})
    assert api.get("/api/member-states/").status_code == 200
    assert api.get("/api/member-states/").status_code == 200  # warm
    grants.role_remove(
        user=people.liaison_lv, role=Role.MEMBER_LIAISON, actor=people.admin
    )
    assert api.get("/api/member-states/").status_code in {401, 403}


def test_a_confirmed_grant_gives_the_role_on_the_next_request(people, latvia):
    candidate = UserFactory(username="candidate", member_state=latvia)
    web = signed_in(candidate)
    state_menu = f'href="{latvia.get_absolute_url()}"'
    assert state_menu not in web.get(MY_WORK).content.decode()
    grants.role_grant_request(
        user=candidate, role=Role.MEMBER_LIAISON, actor=people.admin
    )
    assert state_menu in web.get(MY_WORK).content.decode()
    # A sensitive role waits for a second administrator; once confirmed, the
    # role's demands (a second factor) apply on the next request.
    admin2 = UserFactory(
        username="admin2", roles=[Role.ADMINISTRATOR], is_staff=True, is_superuser=True
    )
    grant = grants.role_grant_request(
        user=candidate, role=Role.EVALUATOR, actor=people.admin
    )
    assert web.get(MY_WORK).status_code == 200
    grants.role_grant_confirm(grant=grant, actor=admin2)
    refused = web.get(MY_WORK)
    assert refused.status_code == 302
    assert refused["Location"].startswith(reverse("two_factor_setup"))


def test_a_deactivated_account_is_signed_out_on_the_next_request(people):
    web = signed_in(people.officer)
    api = signed_in(people.officer)
    assert web.get(DASHBOARD).status_code == 200
    assert api.get(API_LIST).status_code == 200
    people.officer.is_active = False
    people.officer.save()
    response = web.get(DASHBOARD)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert api.get(API_LIST).status_code in {401, 403}


def test_a_removed_device_sends_the_person_back_to_the_code(people):
    web = signed_in(people.officer)
    api = signed_in(people.officer)
    assert web.get(DASHBOARD).status_code == 200
    assert api.get(API_LIST).status_code == 200
    TOTPDevice.objects.filter(user=people.officer).delete()
    response = web.get(DASHBOARD)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/two-factor/")
    assert api.get(API_LIST).status_code in {401, 403}


def test_a_logout_ends_the_session_everywhere_it_is_used(people):
    first = signed_in(people.officer)
    second = Client()
    second.cookies = first.cookies  # the same session, in another window
    assert first.get(DASHBOARD).status_code == 200
    assert second.get(DASHBOARD).status_code == 200
    assert second.post(reverse("logout")).status_code == 302
    response = first.get(DASHBOARD)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_changed_password_ends_the_other_sessions(people, password):
    here, elsewhere = signed_in(people.officer), signed_in(people.officer)
    assert elsewhere.get(DASHBOARD).status_code == 200
    changed = here.post(
        reverse("password_change"),
        {
            "old_password": password,
            "new_password1": "a-new-long-pass-77",
            "new_password2": "a-new-long-pass-77",
        },
    )
    assert changed.status_code == 302
    assert here.get(DASHBOARD).status_code == 200
    response = elsewhere.get(DASHBOARD)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


# ---------------------------------------------------------------- the bell


def bell(client) -> str:
    return client.get(MY_WORK).content.decode()


def test_the_bell_counts_a_new_notification_and_a_read_one_at_once(
    people, shared_cache
):
    client = signed_in(people.finance)

    def tell():
        return notifications.notify(
            recipients=[people.finance], kind=NotificationKind.DISBURSEMENT_TO_CHECK,
            title="DSB-2026-0001 awaits your check", body="", url="/",
        )[0]  # fmt: skip

    first = tell()
    assert '1<span class="visually-hidden"> unread</span>' in bell(client)
    tell()
    assert '2<span class="visually-hidden"> unread</span>' in bell(client)
    client.post(reverse("notification_read"), {"id": first.pk, "next": "/"})
    assert '1<span class="visually-hidden"> unread</span>' in bell(client)
    client.post(reverse("notification_read"))
    assert 'visually-hidden"> unread' not in bell(client)
    with CaptureQueriesContext(connection) as warm:
        bell(client)
    assert "secretariat_notification" not in tables(warm)


def test_a_fanned_out_notification_reaches_the_bell_at_once(people, shared_cache):
    client = signed_in(people.finance)
    assert 'visually-hidden"> unread' not in bell(client)
    many = [people.finance, people.officer, people.procurement]
    notifications.notify(
        recipients=many, kind=NotificationKind.TENDER_PUBLISHED,
        title="A tender", body="", url="/",
    )  # fmt: skip
    assert '1<span class="visually-hidden"> unread</span>' in bell(client)


# ---------------------------------------------------------------- Redis gone

DOWN = "redis://127.0.0.1:6399/0"


def redis_cache(url):
    return {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": "floor-test",
            "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.25},
        }
    }


@pytest.fixture
def frozen_redis():
    """A server that takes connections and never answers, as a frozen Redis."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    accepted = []
    stop = threading.Event()

    def serve():
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"redis://127.0.0.1:{server.getsockname()[1]}/0", accepted
    stop.set()
    thread.join()
    for conn in accepted:
        conn.close()
    server.close()


@pytest.mark.parametrize("state", ["down", "frozen"])
def test_without_redis_pages_answer_with_the_right_permissions(
    people, settings, state, request, shared_cache
):
    url, accepted = (
        (DOWN, None) if state == "down" else request.getfixturevalue("frozen_redis")
    )
    settings.CACHES = redis_cache(url)
    caches["default"]  # the handler is rebuilt for the new setting
    officer, liaison = signed_in(people.officer), signed_in(people.liaison_lv)
    for _ in range(3):
        assert officer.get(DISBURSEMENTS).status_code == 200
        assert officer.get(API_LIST).status_code == 200
        assert liaison.get(DASHBOARD).status_code == 403
        assert liaison.get(MY_WORK).status_code == 200
    grants.role_remove(
        user=people.officer, role=Role.SECRETARIAT_OFFICER, actor=people.admin
    )
    assert officer.get(DASHBOARD).status_code == 403
    assert officer.get(API_LIST).status_code == 403
    if accepted is not None:
        # The breaker: after the first timeout the cache is left alone (deletes,
        # which keep it from going stale, are still tried).
        assert len(accepted) <= 4, len(accepted)
