"""Print how to sign in to the demo (used by ``make run``)."""

import base64

from django.core.management.base import BaseCommand

from secretariat.demo.facts import (
    COMPANIES,
    DEMO_PASSWORD,
    DEMO_TOTP_KEY,
    END_USERS,
    LIAISONS,
    USERS,
)
from secretariat.kernel.roles import Role


def demo_secret() -> str:
    return base64.b32encode(bytes.fromhex(DEMO_TOTP_KEY)).decode()


class Command(BaseCommand):
    help = "Print the demo logins."

    def add_arguments(self, parser):
        parser.add_argument("--url", default="http://127.0.0.1:8000/")

    def handle(self, *args, url, **options):
        rows = [
            (username, ", ".join(str(Role(role).label) for role in roles)
             + (f" ({state})" if state else ""))
            for username, _first, _last, _email, roles, state in USERS
        ]  # fmt: skip
        rows += [
            (email, f"{Role.MEMBER_LIAISON.label} ({code})")
            for code, _first, _last, email in LIAISONS
        ]
        rows += [
            (username, f"{Role.MANUFACTURER_REPRESENTATIVE.label} ({company})")
            for company, _state, _number, _iban, _bic, username, *_name in COMPANIES
        ]
        rows += [
            (username, f"{Role.END_USER.label} ({', '.join(units)}; {language})")
            for username, _first, _last, _email, units, language in END_USERS
        ]
        width = max(len(name) for name, _ in rows)
        out = [
            "",
            "Drone Coalition secretariat: demo",
            f"  Open {url} and sign in with one of these (password: {DEMO_PASSWORD})",
            "",
        ]
        out += [f"  {name.ljust(width)}  {what}" for name, what in rows]
        out += [
            "",
            "  Staff accounts (all but the liaisons, makers and end users) then ask",
            "  for a code from an authenticator app. Print the current one with",
            "    .venv/bin/python manage.py demo_code <user name>",
            f"  or add the demo key {demo_secret()} (time-based, 6 digits)",
            "  to an authenticator app.",
            "",
            f"  Django admin: {url}admin/ (user admin)",
            f"  API docs:     {url}api/docs/",
            "",
        ]
        self.stdout.write("\n".join(out))
