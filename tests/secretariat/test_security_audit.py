"""Security events: sign-ins, refusals and password changes are recorded with who,
when and from where, and the record is never changed."""

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from secretariat.accounts.audit import BID_REFUSAL_WITHHELD
from secretariat.accounts.models import SecurityEvent, SecurityEventKind
from secretariat.kernel.models import AppendOnlyError
from tests.factories import PASSWORD
from tests.procurement import conftest as procurement_fixtures
from tests.procurement.api_helpers import bid_body
from tests.procurement.helpers import bid, to_tendering
from tests.procurement.web import bid_form, url

pytestmark = pytest.mark.django_db

ADDRESS = "203.0.113.7"
BROWSER = "Mozilla/5.0 (audit test)"
FROM = {"REMOTE_ADDR": ADDRESS, "HTTP_USER_AGENT": BROWSER}
ALREADY_BID = "already has a bid on this lot"

# The procurement fixtures, for the bid refusals.
bidders = procurement_fixtures.bidders
tender = procurement_fixtures.tender


def only(kind) -> SecurityEvent:
    return SecurityEvent.objects.get(kind=kind)


def assert_from_here(event, user, path):
    assert event.user == user
    assert event.username == user.username
    assert event.ip_address == ADDRESS
    assert event.user_agent == BROWSER
    assert event.path == path
    assert event.at is not None


# ---------------------------------------------------------------- sign-in


def test_login_is_recorded_with_who_and_where(client, people):
    response = client.post(
        reverse("login"), {"username": "officer", "password": PASSWORD}, **FROM
    )
    assert response.status_code == 302
    assert_from_here(only(SecurityEventKind.LOGIN), people.officer, reverse("login"))


def test_failed_login_records_the_typed_name_and_no_user(client, people):
    response = client.post(
        reverse("login"), {"username": "officer", "password": "wrong"}, **FROM
    )
    assert response.status_code == 200
    event = only(SecurityEventKind.LOGIN_FAILED)
    assert event.user is None
    assert event.username == "officer"
    assert event.ip_address == ADDRESS
    assert event.path == reverse("login")
    assert PASSWORD not in event.detail and "wrong" not in event.detail


def test_failed_login_for_an_unknown_name_is_recorded(client, db):
    client.post(reverse("login"), {"username": "nobody-here", "password": "x"}, **FROM)
    assert only(SecurityEventKind.LOGIN_FAILED).username == "nobody-here"


def test_failed_api_token_request_is_recorded(client, people):
    response = client.post(
        "/api/auth/token/", {"username": "officer", "password": "wrong"}, **FROM
    )
    assert response.status_code == 400
    event = only(SecurityEventKind.LOGIN_FAILED)
    assert (event.username, event.ip_address) == ("officer", ADDRESS)


def test_logout_is_recorded(client, people):
    client.force_login(people.officer)
    response = client.post(reverse("logout"), **FROM)
    assert response.status_code == 302
    assert_from_here(only(SecurityEventKind.LOGOUT), people.officer, reverse("logout"))


def test_forwarded_address_is_ignored_unless_behind_a_proxy(client, people, settings):
    # The client wrote 198.51.100.9; our proxy appended the address it saw.
    forged = {**FROM, "HTTP_X_FORWARDED_FOR": "198.51.100.9, 10.0.0.1"}
    settings.TRUSTED_PROXY_COUNT = 0
    client.post(reverse("login"), {"username": "officer", "password": "x"}, **forged)
    settings.TRUSTED_PROXY_COUNT = 1
    client.post(reverse("login"), {"username": "officer", "password": "y"}, **forged)
    addresses = list(
        SecurityEvent.objects.order_by("pk").values_list("ip_address", flat=True)
    )
    assert addresses == [ADDRESS, "10.0.0.1"]


# ---------------------------------------------------------------- passwords


def test_password_change_is_recorded(client, people):
    client.force_login(people.officer)
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": "a-new-long-pass-77",
         "new_password2": "a-new-long-pass-77"},
        **FROM,
    )  # fmt: skip
    assert response.status_code == 302
    event = only(SecurityEventKind.PASSWORD_CHANGED)
    assert_from_here(event, people.officer, reverse("password_change"))


def test_password_reset_request_records_the_typed_address(client, people):
    response = client.post(
        reverse("password_reset"), {"email": people.officer.email}, **FROM
    )
    assert response.status_code == 302
    event = only(SecurityEventKind.PASSWORD_RESET_REQUESTED)
    assert event.user is None
    assert event.username == people.officer.email
    assert event.ip_address == ADDRESS


def test_password_set_by_reset_link_is_recorded(client, people):
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    user = people.officer
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    link = client.get(reverse("password_reset_confirm", args=[uid, token]))
    assert link.status_code == 302
    response = client.post(
        link["Location"],
        {"new_password1": "a-new-long-pass-77", "new_password2": "a-new-long-pass-77"},
        **FROM,
    )
    assert response.status_code == 302
    event = only(SecurityEventKind.PASSWORD_CHANGED)
    assert (event.user, event.ip_address) == (user, ADDRESS)
    assert event.detail == "by reset link"


# ---------------------------------------------------------------- refusals


def test_permission_denied_on_a_web_page_is_recorded(client, people):
    client.force_login(people.manufacturer)
    response = client.get(reverse("fund_statement"), **FROM)
    assert response.status_code == 403
    event = only(SecurityEventKind.PERMISSION_DENIED)
    assert_from_here(event, people.manufacturer, reverse("fund_statement"))


def test_permission_denied_on_the_api_is_recorded(api_for, people):
    response = api_for(people.outsider).post(
        "/api/member-states/JP/transition/",
        {"to_status": "invited", "reason": "x"},
        format="json",
        **FROM,
    )
    assert response.status_code == 403
    event = only(SecurityEventKind.PERMISSION_DENIED)
    assert_from_here(event, people.outsider, "/api/member-states/JP/transition/")


def test_business_rule_refusal_through_a_web_form_is_recorded(client, people, japan):
    client.force_login(people.officer)
    path = reverse("members:transition", args=["JP", "member"])
    response = client.post(path, {"reason": "skip ahead", "confirm": "on"}, **FROM)
    assert response.status_code == 200
    event = only(SecurityEventKind.BUSINESS_RULE_REFUSED)
    assert_from_here(event, people.officer, path)
    assert "cannot move from “Prospective” to “Member”" in event.detail


def test_business_rule_refusal_through_the_api_is_recorded(api_for, people, japan):
    path = "/api/member-states/JP/transition/"
    response = api_for(people.officer).post(
        path, {"to_status": "member", "reason": "skip"}, format="json", **FROM
    )
    assert response.status_code == 409
    event = only(SecurityEventKind.BUSINESS_RULE_REFUSED)
    assert_from_here(event, people.officer, path)
    assert "cannot move from “Prospective” to “Member”" in event.detail


def test_bid_refusal_through_the_api_is_recorded_without_its_message(
    api_for, people, bidders, tender
):
    tender = to_tendering(tender, people)
    (_maker, rep), _other = bidders
    bid(rep, tender)
    response = api_for(rep).post(
        "/api/bids/", bid_body(tender.lots.get().pk), format="json", **FROM
    )
    assert response.status_code in (400, 409)
    assert ALREADY_BID in response.json()["detail"]
    event = only(SecurityEventKind.BUSINESS_RULE_REFUSED)
    assert_from_here(event, rep, "/api/bids/")
    assert event.detail == BID_REFUSAL_WITHHELD


def test_bid_refusal_through_the_web_is_recorded_without_its_message(
    client, people, bidders, tender
):
    tender = to_tendering(tender, people)
    (_maker, rep), _other = bidders
    bid(rep, tender)
    client.force_login(rep)
    path = url("bid_submit", tender.case.reference, 1)
    response = client.post(path, bid_form(), **FROM)
    assert response.status_code == 200
    assert ALREADY_BID in response.content.decode()
    event = only(SecurityEventKind.BUSINESS_RULE_REFUSED)
    # The route, not the tender and lot the company bid on (sealed until opening).
    assert_from_here(event, rep, "/tenders/<reference>/lots/<number>/bid/")
    assert event.detail == BID_REFUSAL_WITHHELD
    assert ALREADY_BID not in str(list(SecurityEvent.objects.values()))


# ---------------------------------------------------------------- append-only


@pytest.fixture
def event(people):
    return SecurityEvent.objects.create(
        kind=SecurityEventKind.LOGIN, user=people.officer, username="officer"
    )


def test_the_application_refuses_to_change_or_delete_an_event(event):
    event.detail = "edited"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        SecurityEvent.objects.filter(pk=event.pk).update(detail="edited")
    with pytest.raises(AppendOnlyError):
        SecurityEvent.objects.filter(pk=event.pk).delete()
    assert SecurityEvent.objects.get(pk=event.pk).detail == ""


def test_the_database_refuses_update_and_delete_on_postgresql(event):
    if connection.vendor != "postgresql":
        pytest.skip("the trigger is PostgreSQL's; SQLite relies on the application")
    table = SecurityEvent._meta.db_table
    for sql in (
        f"UPDATE {table} SET detail = 'edited' WHERE id = %s",  # noqa: S608
        f"DELETE FROM {table} WHERE id = %s",  # noqa: S608
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [event.pk])
    assert SecurityEvent.objects.get(pk=event.pk).detail == ""


# ---------------------------------------------------------------- admin


def test_administrators_list_events_read_only(client, people, event):
    client.force_login(people.admin)
    listing = client.get(
        reverse("admin:secretariat_securityevent_changelist"), {"q": "officer"}
    )
    assert listing.status_code == 200
    assert "officer" in listing.content.decode()
    change = reverse("admin:secretariat_securityevent_change", args=[event.pk])
    assert client.post(change, {"detail": "edited"}).status_code == 403
    delete = reverse("admin:secretariat_securityevent_delete", args=[event.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
