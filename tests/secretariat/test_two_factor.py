"""Two-factor sign-in: who must give a code, that nothing is reachable before it
(pages, the admin, the API), that a code works once, that a password alone cannot
replace the authenticator, that a password reset does not skip it, and that
approving above the one-approver limit asks for a fresh one."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django_otp.oath import hotp
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from secretariat.accounts.models import SecurityEvent, SecurityEventKind
from tests.twofactor import code_for, enrol, fresh_code, sign_in

pytestmark = [pytest.mark.django_db, pytest.mark.real_two_factor]

LOGIN = "/accounts/login/"
VERIFY = "/accounts/two-factor/verify/"
SETUP = "/accounts/two-factor/"


def password_only(client, user, password):
    response = client.post(LOGIN, {"username": user.username, "password": password})
    assert response.status_code == 302
    return response


def events(kind, user=None):
    found = SecurityEvent.objects.filter(kind=kind)
    return found.filter(user=user) if user is not None else found


@pytest.mark.parametrize(
    "who", ["officer", "procurement", "finance", "approver_lv", "evaluator", "admin"]
)
def test_staff_reach_nothing_before_the_code(client, people, password, who):
    user = getattr(people, who)
    enrol(user)
    password_only(client, user, password)
    for path in ["/", "/work/", "/members/", "/tenders/", "/admin/"]:
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith(VERIFY), (path, response["Location"])
    # The API takes no unverified session: it answers as to nobody.
    assert client.get("/api/member-states/").status_code in (401, 403)
    assert not events(SecurityEventKind.TWO_FACTOR_VERIFIED, user).exists()


@pytest.mark.parametrize("who", ["liaison_lv", "manufacturer", "outsider"])
def test_people_without_a_staff_role_sign_in_with_the_password(
    client, people, password, who
):
    user = getattr(people, who)
    password_only(client, user, password)
    response = client.get("/")
    assert not response.get("Location", "").startswith((VERIFY, SETUP))


def test_the_first_sign_in_sets_up_the_authenticator(client, people, password):
    officer = people.officer
    password_only(client, officer, password)
    to_setup = client.get("/members/")
    assert to_setup["Location"] == f"{SETUP}?next=%2Fmembers%2F"
    page = client.get(to_setup["Location"])
    assert page.status_code == 200
    html = page.content.decode()
    assert 'src="data:image/svg+xml;base64,' in html  # the QR code, no script
    device = TOTPDevice.objects.get(user=officer, confirmed=False)

    wrong = client.post(SETUP, {"otp_token": "000000", "next": "/members/"})
    assert wrong.status_code == 200
    assert "not valid" in wrong.content.decode()
    assert not TOTPDevice.objects.filter(user=officer, confirmed=True).exists()

    device.refresh_from_db()
    device.throttling_failure_count = 0
    device.throttling_failure_timestamp = None
    device.save()
    done = client.post(SETUP, {"otp_token": fresh_code(device), "next": "/members/"})
    assert done.status_code == 302 and done["Location"] == "/members/"
    assert TOTPDevice.objects.get(user=officer).confirmed
    assert client.get("/members/").status_code == 200
    assert events(SecurityEventKind.TWO_FACTOR_ENROLLED, officer).count() == 1


def test_a_wrong_code_is_refused_next_to_the_field_and_recorded(
    client, people, password
):
    device = enrol(people.finance)
    password_only(client, people.finance, password)
    wrong = client.post(VERIFY, {"otp_token": "123456", "next": "/disbursements/"})
    assert wrong.status_code == 200
    form = wrong.context["form"]
    assert form.errors["otp_token"] == [
        "This code is not valid, or has already been used. Enter the code your "
        "app shows now."
    ]
    assert client.get("/disbursements/")["Location"].startswith(VERIFY)
    assert events(SecurityEventKind.TWO_FACTOR_FAILED, people.finance).count() == 1
    # Another wrong code at once is throttled, with a message saying to wait.
    again = client.post(VERIFY, {"otp_token": "654321"})
    assert "Too many wrong codes" in again.content.decode()
    device.refresh_from_db()
    assert device.throttling_failure_count >= 1


def test_the_right_code_signs_in_with_a_new_session(client, people, password):
    device = enrol(people.officer)
    password_only(client, people.officer, password)
    before = client.session.session_key
    done = client.post(VERIFY, {"otp_token": fresh_code(device), "next": "/work/"})
    assert done.status_code == 302 and done["Location"] == "/work/"
    assert client.session.session_key != before
    assert client.get("/work/").status_code == 200
    assert client.get("/api/member-states/").status_code == 200
    assert events(SecurityEventKind.TWO_FACTOR_VERIFIED, people.officer).count() == 1


def test_a_code_cannot_be_used_twice(client, people, password):
    device = enrol(people.approver_uk)
    code = fresh_code(device)
    password_only(client, people.approver_uk, password)
    assert client.post(VERIFY, {"otp_token": code}).status_code == 302
    client.post(reverse("logout"))

    password_only(client, people.approver_uk, password)
    replayed = client.post(VERIFY, {"otp_token": code})
    assert replayed.status_code == 200
    assert "already been used" in replayed.content.decode()
    assert client.get("/dashboard/")["Location"].startswith(VERIFY)


def test_an_earlier_code_is_refused_once_a_later_one_was_used(client, people, password):
    device = enrol(people.officer)
    step = device.last_t
    later = fresh_code(device)
    password_only(client, people.officer, password)
    assert client.post(VERIFY, {"otp_token": later}).status_code == 302
    device.refresh_from_db()
    earlier = str(hotp(device.bin_key, device.last_t - 1, 6)).zfill(6)
    assert device.last_t > step
    client.post(reverse("logout"))
    password_only(client, people.officer, password)
    assert client.post(VERIFY, {"otp_token": earlier}).status_code == 200


def test_the_password_alone_cannot_replace_the_authenticator(client, people, password):
    device = enrol(people.finance)
    password_only(client, people.finance, password)
    response = client.get(SETUP)
    assert response.status_code == 302
    assert response["Location"].startswith(VERIFY)
    client.post(SETUP, {"otp_token": "000000"})
    assert list(TOTPDevice.objects.filter(user=people.finance)) == [device]


def test_a_verified_person_can_replace_the_authenticator(client, people, password):
    old = enrol(people.finance)
    sign_in(client, people.finance, password)
    assert client.get(SETUP).status_code == 200
    new = TOTPDevice.objects.get(user=people.finance, confirmed=False)
    done = client.post(SETUP, {"otp_token": fresh_code(new)})
    assert done.status_code == 302
    assert list(TOTPDevice.objects.filter(user=people.finance)) == [
        TOTPDevice.objects.get(pk=new.pk)
    ]
    assert not TOTPDevice.objects.filter(pk=old.pk).exists()


def test_the_admin_is_behind_the_code_too(client, people, password):
    enrol(people.admin)
    password_only(client, people.admin, password)
    assert client.get("/admin/")["Location"].startswith(VERIFY)
    sign_in(client, people.admin, password)
    assert client.get("/admin/").status_code == 200


def test_a_password_reset_does_not_skip_the_code(client, people, mailoutbox):
    enrol(people.officer)
    people.officer.email = "officer@secretariat.example"
    people.officer.save()
    client.post(reverse("password_reset"), {"email": "officer@secretariat.example"})
    [mail] = mailoutbox
    link = next(word for word in mail.body.split() if "/accounts/reset/" in word)
    path = link[link.index("/accounts/reset/") :]
    form_page = client.get(path, follow=True)
    new_password = "a-much-longer-new-passphrase-2026"
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": new_password, "new_password2": new_password},
    )
    assert done.status_code == 302
    # Not signed in by the reset; signing in asks for the code.
    assert client.get("/work/")["Location"].startswith(LOGIN)
    password_only(client, people.officer, new_password)
    assert client.get("/work/")["Location"].startswith(VERIFY)


def test_someone_who_chose_a_second_factor_is_asked_for_it(client, people, password):
    enrol(people.liaison_lv)
    password_only(client, people.liaison_lv, password)
    assert client.get("/members/LV/")["Location"].startswith(VERIFY)
    sign_in(client, people.liaison_lv, password)
    assert client.get("/members/LV/").status_code == 200


def test_an_administrator_removing_an_authenticator_is_recorded(
    client, people, password
):
    device = enrol(people.finance)
    admin = Client_signed_in(client, people.admin, password)
    url = reverse("admin:otp_totp_totpdevice_delete", args=[device.pk])
    assert admin.post(url, {"post": "yes"}).status_code == 302
    assert not TOTPDevice.objects.filter(pk=device.pk).exists()
    [event] = events(SecurityEventKind.TWO_FACTOR_RESET)
    assert event.user == people.finance
    assert "removed by admin" in event.detail


def Client_signed_in(client, user, password):
    enrol(user)
    sign_in(client, user, password)
    return client


# ---------------------------------------------------------------- API tokens


def test_an_api_token_for_staff_needs_the_code(people, password):
    device = enrol(people.finance)
    api = APIClient()
    body = {"username": "finance", "password": password}
    refused = api.post("/api/auth/token/", body, format="json")
    assert refused.status_code == 400
    assert "otp_token" in refused.json()
    wrong = api.post("/api/auth/token/", {**body, "otp_token": "000000"}, format="json")
    assert wrong.status_code == 400
    device.throttling_failure_count = 0
    device.throttling_failure_timestamp = None
    device.save()
    granted = api.post(
        "/api/auth/token/", {**body, "otp_token": fresh_code(device)}, format="json"
    )
    assert granted.status_code == 200, granted.content
    assert len(granted.json()["token"]) == 64


def test_an_api_token_for_a_liaison_needs_only_the_password(people, password):
    granted = APIClient().post(
        "/api/auth/token/",
        {"username": people.liaison_lv.username, "password": password},
        format="json",
    )
    assert granted.status_code == 200, granted.content


# ---------------------------------------------------------------- approvals


@pytest.fixture
def above_limit(people, draft, checker):
    from tests.secretariat.test_disbursement_api import checked

    return checked(draft("1500000.00"), people, checker)


def test_approving_above_the_limit_asks_for_a_fresh_code(
    client, people, password, above_limit
):
    approver = Client_signed_in(client, people.approver_lv, password)
    url = reverse("disbursement_approve", args=[above_limit.case.reference])
    page = approver.get(url)
    assert "otp_token" in page.context["form"].fields

    missing = approver.post(url, {"comment": "ok"})
    assert missing.status_code == 200
    assert missing.context["form"].errors["otp_token"]
    assert above_limit.approvals.count() == 0

    # The code given at sign-in is used up: it does not approve.
    device = TOTPDevice.objects.get(user=people.approver_lv)
    used = str(hotp(device.bin_key, device.last_t, 6)).zfill(6)
    replayed = approver.post(url, {"comment": "ok", "otp_token": used})
    assert "already been used" in replayed.content.decode()
    assert above_limit.approvals.count() == 0

    device.throttling_failure_count = 0
    device.throttling_failure_timestamp = None
    device.save()
    done = approver.post(url, {"comment": "ok", "otp_token": fresh_code(device)})
    assert done.status_code == 302
    assert above_limit.approvals.count() == 1
    assert events(SecurityEventKind.REAUTHENTICATED, people.approver_lv).count() == 1


def test_approving_up_to_the_limit_needs_no_second_code(
    client, people, password, draft, checker
):
    from tests.secretariat.test_disbursement_api import checked

    small = checked(draft("250000.00"), people, checker)
    assert small.approvals_needed == 1
    approver = Client_signed_in(client, people.approver_uk, password)
    url = reverse("disbursement_approve", args=[small.case.reference])
    assert "otp_token" not in approver.get(url).context["form"].fields
    assert approver.post(url, {"comment": "ok"}).status_code == 302
    small.refresh_from_db()
    assert small.status == "approved"


def test_the_api_refuses_an_approval_above_the_limit_without_a_code(
    people, api_for, above_limit
):
    api = api_for(people.approver_uk)
    url = f"/api/disbursements/{above_limit.case.reference}/approve/"
    refused = api.post(url, {"comment": "ok"}, format="json")
    assert refused.status_code == 400
    assert refused.json()["field"] == "otp_token"
    assert above_limit.approvals.count() == 0
    done = api.post(
        url, {"comment": "ok", "otp_token": code_for(people.approver_uk)}, format="json"
    )
    assert done.status_code == 200, done.content
    assert above_limit.approvals.count() == 1
    assert Decimal(done.json()["eur_amount"]) == Decimal("1500000.00")


def test_the_settings_page_links_to_two_factor_set_up(client, people, password):
    enrol(people.officer)
    sign_in(client, people.officer, password)
    page = client.get(reverse("account_settings")).content.decode()
    assert reverse("two_factor_setup") in page
    assert "Replace your authenticator app" in page
