"""Second factor for tests: a confirmed authenticator (TOTP) device per person, and
codes computed the way the person's authenticator app would, never one already
used (the server refuses a replayed code)."""

import time

from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import hotp
from django_otp.plugins.otp_totp.models import TOTPDevice


def enrol(user, name="Authenticator app") -> TOTPDevice:
    """The person's confirmed authenticator, created on first use."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=name, confirmed=True)
    return device


def fresh_code(device: TOTPDevice) -> str:
    """A code the server accepts now and still accepts after the clock crosses
    into the next time step: the earliest step from the current one up to the
    tolerance that is later than the last step it accepted, waiting for the next
    step when each of those has been used. A step before the current one is never
    taken: it may leave the server's window before the server reads the code."""
    while True:
        device.refresh_from_db()
        now_step = int((time.time() - device.t0) // device.step) + device.drift
        for step in range(now_step, now_step + device.tolerance + 1):
            if step > device.last_t:
                return str(hotp(device.bin_key, step, device.digits)).zfill(
                    device.digits
                )
        time.sleep(device.step - (time.time() - device.t0) % device.step + 0.05)


def code_for(user) -> str:
    return fresh_code(enrol(user))


def mark_verified(client, user) -> None:
    """Record in the client's session that the person has passed the second
    factor, as the sign-in's second step does."""
    device = enrol(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


def sign_in(client, user, password):
    """Sign in through the pages as a person does: the password, then the code
    when the account asks for one. Returns where the person ends up."""
    from django.urls import reverse

    response = client.post(
        reverse("login"), {"username": user.get_username(), "password": password}
    )
    assert response.status_code == 302, response.content.decode()[:500]
    target = response["Location"]
    landing = client.get(target)
    if (
        landing.status_code == 302
        and "/accounts/two-factor/verify/" in landing["Location"]
    ):
        verified = client.post(landing["Location"], {"otp_token": code_for(user)})
        assert verified.status_code == 302, verified.content.decode()[:500]
        landing = client.get(verified["Location"])
    return landing


def proof_for(user):
    """What an interface hands the approval service above the one-approver
    limit: the code the person's app shows now."""
    from secretariat.accounts.twofactor import FreshCode

    return FreshCode(code_for(user))
