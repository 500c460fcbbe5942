"""Helpers of the browser tests: the second factor, screenshots."""

import re
from pathlib import Path

from django.apps import apps
from django.conf import settings

from secretariat.kernel.roles import Role

SCREENSHOTS = Path(settings.BASE_DIR) / "docs" / "screenshots"
STAFF_ROLES = {
    Role.ADMINISTRATOR,
    Role.SECRETARIAT_OFFICER,
    Role.PROCUREMENT_OFFICER,
    Role.FINANCE_OFFICER,
    Role.CO_LEAD_APPROVER,
    Role.EVALUATOR,
}
OTP_FIELD = "Code from your authenticator app"
OTP_VERIFY_PATH = "/accounts/two-factor/verify/"


def two_factor_ready() -> bool:
    return apps.is_installed("django_otp") and apps.is_installed(
        "django_otp.plugins.otp_totp"
    )


def is_staff(user) -> bool:
    return user.groups.filter(name__in=STAFF_ROLES).exists()


def enrol_staff(*users):
    """Staff sign in with a second factor: give each an authenticator app,
    once two-factor sign-in is part of the app."""
    if not two_factor_ready():
        return
    from tests.twofactor import enrol

    for user in users:
        if is_staff(user):
            enrol(user)


def fill_second_factor(page, user) -> bool:
    """Type the authenticator's current code if the page asks for one."""
    field = page.get_by_label(OTP_FIELD)
    if field.count() == 0:
        return False
    from tests.twofactor import code_for

    field.fill(code_for(user))
    return True


def screenshot(page, name: str) -> Path:
    """Keep the viewport (1280 by 800) as docs/screenshots/<name>.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=False)
    return path


def path_of(page) -> str:
    return re.sub(r"^https?://[^/]+", "", page.url)


def label_is(text: str) -> re.Pattern:
    """A label that reads exactly this, with or without Django's colon."""
    return re.compile(rf"^\s*{re.escape(text)}:?\s*$")
