"""Load the demo coalition as the source documents describe it.

The facts are in ``secretariat.demo.facts``: the 20 members and Japan, the
staff, the money, the companies (every figure and name that is not the
sources' is marked illustrative). Its history is told through the services on
the dates the documents give (``secretariat.demo.story``): the money of 2024
and 2025 on the days it came in, the contracts of January 2025 with their
deliveries, acceptances and payments through 2025, Japan's invitation of
September 2025; then, dated back from the day it loads, a tender in each stage
and work waiting for every role, with nothing overdue. Running the command
again changes nothing.
"""

import datetime as dt
import logging
from contextlib import contextmanager
from decimal import Decimal

from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from members.models import MemberState, MemberStatus, Pledge
from procurement.models import Tender
from secretariat.accounts.models import User
from secretariat.accounts.twofactor import role_requires
from secretariat.demo.clock import DemoClock, installed
from secretariat.demo.facts import (  # noqa: F401 - the demo's names, used elsewhere
    COMPANIES,
    DEMO_DEVICE_NAME,
    DEMO_PASSWORD,
    DEMO_TOTP_KEY,
    END_USERS,
    FOUNDED,
    LIAISONS,
    MEMBERS,
    RATES,
    UNITS,
    USERS,
    demo_password_hash,
)
from secretariat.demo.story import Story
from secretariat.fund.models import ApprovalPolicy, DisbursementRequest
from secretariat.kernel.models import CapabilityCategory, ExchangeRate
from secretariat.kernel.reference_data import ensure_reference_data
from secretariat.kernel.roles import Role

# What the tasks run in-process (no broker) say about each run: not the
# loader's business.
QUIET_LOGGERS = ("celery.app.trace", "secretariat.tasks", "kombu.connection")


def aware(day: str) -> dt.datetime:
    return timezone.make_aware(dt.datetime.fromisoformat(day + "T10:00:00"))


@contextmanager
def _quiet():
    loggers = [logging.getLogger(name) for name in QUIET_LOGGERS]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


class Command(BaseCommand):
    help = "Load the demo coalition and its history (idempotent)."

    def handle(self, *args, **options):
        clock = DemoClock()
        with _quiet(), transaction.atomic(), installed(clock):
            ensure_reference_data(Group, CapabilityCategory)
            self._rates(timezone.localdate())
            told = Tender.objects.exists() or Pledge.objects.exists()
            clock.travel_to(aware(FOUNDED.isoformat()))
            self._members()
            users = self._users()
            users.update(self._end_users())
            self._approval_policy_since_founding()
            clock.back_to_present()
            if not told:
                Story(clock, users).tell()
        self.stdout.write(
            self.style.SUCCESS(
                "Demo coalition already loaded: nothing changed (to load it afresh, "
                "start from an empty database, e.g. delete db.sqlite3)."
                if told
                else "Demo coalition loaded."
            )
        )

    def _rates(self, today):
        # One illustrative rate per currency for the first of every month since
        # January 2024, so that each contribution converts at a rate of its month.
        months = [
            dt.date(year, month, 1)
            for year in range(2024, today.year + 1)
            for month in range(1, 13)
            if dt.date(year, month, 1) <= today
        ]
        ExchangeRate.objects.bulk_create(
            [
                ExchangeRate(
                    currency=currency,
                    rate_date=month,
                    units_per_eur=Decimal(rate),
                    source="Illustrative demo rate",
                )
                for month in months
                for currency, rate in RATES.items()
            ],
            ignore_conflicts=True,
        )

    def _members(self):
        for code, name, co_lead in MEMBERS:
            MemberState.objects.get_or_create(
                country=code,
                defaults={
                    "name": name,
                    "status": MemberStatus.MEMBER,
                    "is_co_lead": co_lead,
                    "joined_on": FOUNDED if co_lead else None,
                    "status_changed_at": aware(FOUNDED.isoformat()),
                },
            )
        MemberState.objects.get_or_create(
            country="JP", defaults={"name": "Japan", "status": MemberStatus.PROSPECTIVE}
        )

    def _users(self) -> dict[str, User]:
        users = {}
        for username, first, last, email, roles, state in USERS:
            user, created = User.objects.get_or_create(
                username=username,
                defaults={
                    "first_name": first,
                    "last_name": last,
                    "email": email,
                    "member_state": (
                        MemberState.objects.get(country=state) if state else None
                    ),
                },
            )
            if created:
                user.password = demo_password_hash()
                if Role.ADMINISTRATOR in roles:
                    user.is_staff = user.is_superuser = True
                user.save()
                user.groups.set(Group.objects.filter(name__in=roles))
            if role_requires(user):
                TOTPDevice.objects.get_or_create(
                    user=user,
                    name=DEMO_DEVICE_NAME,
                    defaults={"key": DEMO_TOTP_KEY, "confirmed": True},
                )
            users[username] = user
        return users

    def _end_users(self) -> dict[str, User]:
        """Ukraine's units and their end users (reference data the
        administrators keep)."""
        from procurement.models import MilitaryUnit

        ukraine = MemberState.objects.get(country="UA")
        units = {
            code: MilitaryUnit.objects.get_or_create(
                code=code, defaults={"member_state": ukraine, "name": name}
            )[0]
            for code, name in UNITS
        }
        users = {}
        for username, first, last, email, unit_codes, language in END_USERS:
            user, created = User.objects.get_or_create(
                username=username,
                defaults={
                    "first_name": first,
                    "last_name": last,
                    "email": email,
                    "member_state": ukraine,
                    "language": language,
                },
            )
            if created:
                user.password = demo_password_hash()
                user.save()
                user.groups.set(Group.objects.filter(name=Role.END_USER))
                for code in unit_codes:
                    units[code].people.add(user)
            users[username] = user
        return users

    def _approval_policy_since_founding(self):
        """The first approval policy (a migration's) is dated the day the
        database was made; in the demo it has been in force since the founding,
        so that the payments of 2025 were approved under it."""
        if not DisbursementRequest.objects.exists():
            ApprovalPolicy.objects.filter(
                version=1, effective_from__gt=timezone.now()
            ).update(effective_from=timezone.now())
