"""Load the demo coalition as the source documents describe it.

Facts from the sources: the 20 members, Latvia and the UK as co-leads (founded
14 February 2024), Japan invited in September 2025 and considering, non-lethal
only; Latvia's EUR 20 million for 2024 (the same planned for 2025) and its EUR 5
million in the international fund since July 2024. Every other figure is
illustrative and marked so. Running the command again changes nothing.
"""

import datetime as dt
from decimal import Decimal

from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from members import services
from members.models import (
    Earmark,
    MemberState,
    MemberStatus,
    OnboardingCase,
    ParticipationScope,
    Pledge,
    StepKind,
)
from secretariat.accounts.models import User
from secretariat.accounts.twofactor import FreshCode, role_requires
from secretariat.fund.models import Commitment, Pool
from secretariat.fund.services import disbursements
from secretariat.fund.services import ledger as fund
from secretariat.kernel.models import CapabilityCategory, ExchangeRate
from secretariat.kernel.reference_data import ensure_reference_data
from secretariat.kernel.roles import Role

DEMO_PASSWORD = "coalition-demo-2026"
# The demo's staff share one authenticator key (hex of "drone-coalition-demo"):
# add it to an authenticator app, or print the current code with
# `manage.py demo_code`. Never used outside the demo.
DEMO_TOTP_KEY = b"drone-coalition-demo".hex()
DEMO_DEVICE_NAME = "Demo authenticator"
FOUNDED = dt.date(2024, 2, 14)

MEMBERS = [
    ("LV", "Latvia", True), ("GB", "United Kingdom", True), ("AU", "Australia", False),
    ("BE", "Belgium", False), ("CZ", "Czech Republic", False), ("DK", "Denmark", False),
    ("FR", "France", False), ("EE", "Estonia", False), ("IT", "Italy", False),
    ("NZ", "New Zealand", False), ("CA", "Canada", False), ("LT", "Lithuania", False),
    ("LU", "Luxembourg", False), ("NL", "Netherlands", False), ("NO", "Norway", False),
    ("PL", "Poland", False), ("TR", "Turkey", False), ("UA", "Ukraine", False),
    ("DE", "Germany", False), ("SE", "Sweden", False),
]  # fmt: skip

# (username, first, last, email, roles, member state)
USERS = [
    ("admin", "Ada", "Admin", "admin@demo.example", [Role.ADMINISTRATOR], None),
    ("officer", "Anna", "Bērziņa", "officer@demo.example",
     [Role.SECRETARIAT_OFFICER], None),
    ("procurement", "Jānis", "Kalniņš", "procurement@demo.example",
     [Role.PROCUREMENT_OFFICER], None),
    ("finance", "Emily", "Clarke", "finance@demo.example",
     [Role.FINANCE_OFFICER], None),
    ("finance2", "Mārtiņš", "Ozols", "finance2@demo.example",
     [Role.FINANCE_OFFICER], None),
    # A payment is recorded by a finance officer who neither prepared nor
    # checked the request: the demo's third one.
    ("finance-pay", "Ingrid", "Berg", "finance-pay@demo.example",
     [Role.FINANCE_OFFICER], None),
    ("approver-lv", "Laura", "Liepa", "approver-lv@demo.example",
     [Role.CO_LEAD_APPROVER], "LV"),
    ("approver-uk", "James", "Walker", "approver-uk@demo.example",
     [Role.CO_LEAD_APPROVER], "GB"),
    ("evaluator", "Eva", "Kowalska", "evaluator@demo.example", [Role.EVALUATOR], None),
    ("evaluator2", "Lars", "Nilsson", "evaluator2@demo.example",
     [Role.EVALUATOR], None),
]  # fmt: skip
LIAISONS = [
    ("JP", "Haruto", "Sato", "liaison-jp@demo.example"),
    ("LV", "Kristaps", "Eglītis", "liaison-lv@demo.example"),
]

# The two Latvian companies of the January 2025 contracts (names illustrative).
COMPANIES = [
    ("SIA Baltic UAV (illustrative)", "40003000001"),
    ("SIA Daugava Drones (illustrative)", "40003000002"),
]

# Illustrative reference rates (units per EUR).
RATES = {
    "GBP": "0.85", "USD": "1.08", "JPY": "160", "NOK": "11.6", "SEK": "11.4",
    "DKK": "7.46", "PLN": "4.3", "CZK": "25", "CAD": "1.47", "AUD": "1.64",
    "NZD": "1.78", "TRY": "35", "UAH": "44", "CHF": "0.95",
}  # fmt: skip

# (state, year, amount, currency, earmark, received, received_on, illustrative, note)
PLEDGES = [
    ("LV", 2024, "20000000", "EUR", Earmark.UNRESTRICTED, "5000000", "2024-07-01",
     False, "Latvia's support for 2024 (source); EUR 5 million paid into the "
     "international fund in July 2024 (source)."),
    ("LV", 2025, "20000000", "EUR", Earmark.UNRESTRICTED, None, None, False,
     "Latvia plans the same support for 2025 (source)."),
    ("GB", 2024, "10000000", "GBP", Earmark.UNRESTRICTED, "10000000", "2024-07-15",
     True, ""),
    ("DK", 2024, "50000000", "DKK", Earmark.UNRESTRICTED, "50000000", "2024-08-01",
     True, ""),
    ("NL", 2024, "10000000", "EUR", Earmark.UNRESTRICTED, "10000000", "2024-08-20",
     True, ""),
    ("SE", 2024, "100000000", "SEK", Earmark.NON_LETHAL, "100000000", "2024-09-02",
     True, ""),
    ("NO", 2024, "100000000", "NOK", Earmark.UNRESTRICTED, "100000000", "2024-09-10",
     True, ""),
    ("CA", 2024, "8000000", "CAD", Earmark.UNRESTRICTED, "8000000", "2024-10-01",
     True, ""),
    ("DE", 2024, "15000000", "EUR", Earmark.UNRESTRICTED, "15000000", "2024-10-15",
     True, ""),
    ("CZ", 2024, "100000000", "CZK", Earmark.UNRESTRICTED, "100000000", "2024-11-05",
     True, ""),
    ("LT", 2025, "3000000", "EUR", Earmark.UNRESTRICTED, "1500000", "2025-02-03",
     True, ""),
    ("EE", 2025, "2000000", "EUR", Earmark.UNRESTRICTED, "2000000", "2025-03-12",
     True, ""),
    ("BE", 2024, "3000000", "EUR", Earmark.UNRESTRICTED, "3000000", "2024-12-02",
     True, ""),
]  # fmt: skip

# The smallest valid PDF: a placeholder for the demo's evidence documents.
DEMO_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 300 144]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def aware(day: str) -> dt.datetime:
    return timezone.make_aware(dt.datetime.fromisoformat(day + "T10:00:00"))


class Command(BaseCommand):
    help = "Load the demo coalition (idempotent)."

    def handle(self, *args, **options):
        with transaction.atomic():
            ensure_reference_data(Group, CapabilityCategory)
            self._rates()
            self._members()
            users = self._users()
            self._japan(users["officer"])
            self._liaisons(users["officer"])
            self._pledges(users["officer"], users["finance"])
            self._fund(users)
            self._procurement(users)
        self.stdout.write(self.style.SUCCESS("Demo coalition loaded."))

    def _rates(self):
        # One illustrative rate per currency for the first of every month since
        # January 2024, so that each contribution converts at a rate of its month.
        today = timezone.localdate()
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

    def _users(self):
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
                user.set_password(DEMO_PASSWORD)
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

    def _japan(self, officer):
        japan = MemberState.objects.get(country="JP")
        if OnboardingCase.objects.filter(member_state=japan).exists():
            return
        services.member_set_constraints(
            member_state=japan,
            actor=officer,
            scope=ParticipationScope.NON_LETHAL,
            notes=(
                "Japan can hardly supply lethal weapons; its participation would "
                "be non-lethal: detection, reconnaissance, defence and interceptor "
                "drones, electronic warfare, positioning systems."
            ),
            reason="Constraint stated when Japan was invited (source).",
        )
        services.member_transition(
            member_state=japan,
            to_status=MemberStatus.INVITED,
            actor=officer,
            reason=(
                "Latvia's Foreign Minister Baiba Braze invited Japan to join the "
                "Drone Coalition (source)."
            ),
            evidence_file=ContentFile(DEMO_PDF, name="invitation-letter-demo.pdf"),
            due_date=dt.date(2026, 3, 31),
            occurred_at=aware("2025-09-22"),
        )
        onboarding = OnboardingCase.objects.get(member_state=japan, is_open=True)
        services.onboarding_step_complete(
            step=onboarding.steps.get(kind=StepKind.ACKNOWLEDGEMENT),
            actor=officer,
            note=(
                "Japan's Ministry of Defense acknowledged the invitation and is "
                "considering it (source)."
            ),
            occurred_at=aware("2025-09-23"),
        )
        services.member_transition(
            member_state=japan,
            to_status=MemberStatus.CONSIDERING,
            actor=officer,
            reason=(
                "The decision falls to the administration formed after the October "
                "2025 party leadership election (source)."
            ),
            occurred_at=aware("2025-09-23"),
        )

    def _liaisons(self, officer):
        for code, first, last, email in LIAISONS:
            if User.objects.filter(email=email).exists():
                continue
            user = services.liaison_invite(
                member_state=MemberState.objects.get(country=code),
                actor=officer,
                email=email,
                first_name=first,
                last_name=last,
            )
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])

    def _fund(self, users):
        """The January 2025 contracts as commitments (source), and illustrative
        disbursement requests at different stages of approval."""
        if Commitment.objects.exists():
            return
        finance, checker = users["finance"], users["finance2"]
        pool = Pool.objects.get(code="unrestricted")
        categories = list(
            CapabilityCategory.objects.filter(code__in=["reconnaissance", "strike"])
        )
        latvian = fund.commitment_create(
            pool=pool, amount_eur=Decimal("17000000.00"), actor=finance,
            purpose="Contracts of January 2025 with two Latvian companies: "
            "12,000 drones (source)",
            categories=categories, approval_reference="Contracts of January 2025",
        )  # fmt: skip
        fund.commitment_create(
            pool=pool, amount_eur=Decimal("37000000.00"), actor=finance,
            purpose="Other contracts of January 2025: 18,000 drones (source)",
            categories=categories, approval_reference="Contracts of January 2025",
        )  # fmt: skip
        stages = [
            ("SIA Baltic UAV (illustrative)", "LV48HABA0000435195001",
             "1400000.00", "reconciled"),
            ("SIA Daugava Drones (illustrative)", "LV62HABA0551234567890",
             "850000.00", "checked"),
            ("SIA Baltic UAV (illustrative)", "LV48HABA0000435195001",
             "600000.00", "submitted"),
        ]  # fmt: skip
        for number, (payee, iban, amount, stage) in enumerate(stages, 1):
            request = disbursements.disbursement_prepare(
                actor=finance, commitment=latvian, payee_name=payee,
                payee_country="LV", payee_iban=iban, payee_bic="HABALV22",
                amount=Decimal(amount), currency="EUR",
                purpose=f"Milestone {number}: drones accepted at Sēlia (illustrative)",
                categories=categories[:1],
                due_date=timezone.localdate() + dt.timedelta(days=7 * number),
            )  # fmt: skip
            disbursements.disbursement_submit(request=request, actor=finance)
            if stage == "submitted":
                continue
            disbursements.disbursement_check(request=request, actor=checker)
            if stage == "checked":
                continue
            # Above the one-approver limit each approver gives the code their
            # (demo) authenticator shows now.
            disbursements.disbursement_approve(
                request=request, actor=users["approver-lv"], comment="In order.",
                second_factor=_code_now(users["approver-lv"]),
            )  # fmt: skip
            disbursements.disbursement_approve(
                request=request, actor=users["approver-uk"], comment="Agreed.",
                second_factor=_code_now(users["approver-uk"]),
            )  # fmt: skip
            # A third finance officer, neither preparer nor checker, pays.
            disbursements.disbursement_mark_paid(
                request=request, actor=users["finance-pay"],
                payment_order="PO-DEMO-1", bank_reference="DEMO-PAY-0001",
                paid_on=timezone.localdate(),
            )  # fmt: skip
            disbursements.statement_import(
                actor=finance, file_name="demo-statement.csv",
                content=(
                    "date,amount,currency,reference\n"
                    f"{timezone.localdate()},{amount},EUR,DEMO-PAY-0001\n"
                ).encode(),
            )  # fmt: skip

    def _procurement(self, users):
        """The two Latvian companies of the January 2025 contracts (source; their
        names here are illustrative), vetted, and a requirement (illustrative)."""
        from procurement import services as procurement
        from procurement.models import Manufacturer, Requirement

        officer = users["procurement"]
        latvia = MemberState.objects.get(country="LV")
        makers = []
        for name, number in COMPANIES:
            maker = Manufacturer.objects.filter(
                member_state=latvia, registration_number=number
            ).first()
            if maker is None:
                maker = procurement.manufacturer_nominate(
                    actor=officer, member_state=latvia, name=name,
                    registration_number=number, contact_name="Demo contact",
                    contact_email=f"contact-{number}@demo.example",
                )  # fmt: skip
                procurement.manufacturer_vet(
                    manufacturer=maker, actor=officer, to_status="vetted",
                    reason="Demo: registration, ownership and export licence checked.",
                )  # fmt: skip
                procurement.supply_chain_declare(
                    manufacturer=maker, actor=officer,
                    origins={"flight_controller": "LV", "motors": "PL",
                             "cameras": "JP", "radios": "LV", "batteries": "DE"},
                )  # fmt: skip
                procurement.manufacturer_test_record(
                    manufacturer=maker, actor=officer,
                    capability=CapabilityCategory.objects.get(code="reconnaissance"),
                    product="Reconnaissance quadcopter (illustrative)",
                    site="Sēlia military training ground",
                    tested_on=dt.date(2025, 6, 12), outcome="passed",
                    summary="Illustrative: range and resistance to jamming met the "
                    "requirement.",
                )  # fmt: skip
            makers.append(maker)
        user, created = User.objects.get_or_create(
            username="maker",
            defaults={
                "first_name": "Roberts", "last_name": "Liepiņš",
                "email": "maker@demo.example", "manufacturer": makers[0],
            },
        )  # fmt: skip
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
            user.groups.set(Group.objects.filter(name=Role.MANUFACTURER_REPRESENTATIVE))
        if not Requirement.objects.exists():
            procurement.requirement_record(
                actor=officer,
                title="Interceptor drones against Shahed-type attack drones "
                "(illustrative)",
                source_reference="UAF-DEMO-001",
                capability=CapabilityCategory.objects.get(code="interceptor"),
                quantity=3000,
                specification="Illustrative: speed above 250 km/h, thermal seeker, "
                "operation in heavy jamming.",
                priority="critical",
                needed_by=timezone.localdate() + dt.timedelta(days=120),
            )
        self._tender(officer)

    def _tender(self, officer):
        """An illustrative tender for the requirement, open for bids, so that the
        `maker` login can bid and the procurement officer can follow it."""
        from procurement import services as procurement
        from procurement.models import Requirement, Tender

        if Tender.objects.exists():
            return
        requirement = Requirement.objects.order_by("pk").first()
        now = timezone.now()
        tender = procurement.tender_create(
            actor=officer,
            title="Interceptor drones 2026 (illustrative)",
            description="Illustrative: interceptors against Shahed-type attack "
            "drones, delivered to Ukraine's Armed Forces in two batches.",
            requirements=[requirement],
            pool=Pool.objects.get(code="unrestricted"),
            clarification_deadline=now + dt.timedelta(days=1),
            submission_deadline=now + dt.timedelta(days=21),
            excluded_origins=["RU", "BY", "IR", "KP", "CN"],
        )
        procurement.lot_add(
            tender=tender, actor=officer, title="Interceptor drones, batch 1",
            capability=requirement.capability, quantity=1500,
            max_unit_price=Decimal("6000.00"),
            delivery_from=timezone.localdate() + dt.timedelta(days=60),
            delivery_to=timezone.localdate() + dt.timedelta(days=120),
        )  # fmt: skip
        procurement.tender_publish(tender=tender, actor=officer)
        # The demo starts after the clarification period, with tendering open:
        # published a week ago, so that its enquiry period (published until the
        # clarification deadline) starts before it ends.
        Tender.objects.filter(pk=tender.pk).update(
            published_at=now - dt.timedelta(days=7),
            clarification_deadline=now - dt.timedelta(minutes=1),
        )
        procurement.tenders_advance_by_deadlines(now=now)

    def _pledges(self, officer, finance):
        for (
            code, year, amount, currency, earmark, received, received_on,
            illustrative, note,
        ) in PLEDGES:  # fmt: skip
            member = MemberState.objects.get(country=code)
            if Pledge.objects.filter(member_state=member, year=year).exists():
                continue
            pledge = services.pledge_record(
                member_state=member,
                actor=officer,
                year=year,
                amount=Decimal(amount),
                currency=currency,
                earmark=earmark,
                note=note,
                illustrative=illustrative,
            )
            if received:
                services.contribution_record(
                    pledge=pledge,
                    actor=finance,
                    amount=Decimal(received),
                    currency=currency,
                    received_on=dt.date.fromisoformat(received_on),
                    bank_reference=f"DEMO-{code}-{year}",
                    illustrative=illustrative,
                )


def _code_now(user) -> FreshCode:
    """The code the person's demo authenticator shows now."""
    device = TOTPDevice.objects.get(user=user, name=DEMO_DEVICE_NAME)
    code = totp(device.bin_key, step=device.step, t0=device.t0, drift=device.drift)
    return FreshCode(str(code).zfill(device.digits))
