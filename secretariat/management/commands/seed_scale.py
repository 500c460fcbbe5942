# ruff: noqa: S105, S608, E501 - a fixed benchmark password; table names from models
"""Fill a PostgreSQL database with a coalition at a multiple of today's size, for
the benchmark (``make bench``). Rows go in by COPY with ids chosen here, so that
foreign keys can be wired without reading anything back; the pools' running
totals, the commitments' paid amounts and the pledges' received amounts are
computed from the same rows, so they agree with the ledger.

At ``--scale 100`` (about 100 times today): 60 member states, 600 liaisons,
2,000 manufacturers, 10,000 requirements, 20,000 tenders with 40,000 lots and
200,000 bids, 20,000 contracts, 200,000 deliveries, 200,000 disbursement requests,
2,000,000 ledger entries, 5,000,000 timeline events and 1,000,000 notifications.
Everyone seeded here has the password ``scale-bench-2026``.
"""

import datetime as dt
import hashlib
import json
import random
import time
import uuid
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, models, transaction
from django.db.models import F
from django_countries import countries

from members.models import (
    ONBOARDING_CHECKLIST,
    Contribution,
    MemberState,
    OnboardingCase,
    OnboardingStep,
    Pledge,
)
from procurement.models import (
    CRITERIA,
    Award,
    Bid,
    BidEvent,
    CommitteeMember,
    Contract,
    Delivery,
    DeliveryMonth,
    Lot,
    Manufacturer,
    Milestone,
    Requirement,
    Score,
    Tender,
)
from procurement.sealing import seal
from secretariat.accounts.models import User
from secretariat.fund.models import (
    ApprovalPolicy,
    Commitment,
    DisbursementApproval,
    DisbursementRequest,
    LedgerEntry,
    Pool,
)
from secretariat.kernel import chain
from secretariat.kernel.models import (
    CapabilityCategory,
    Case,
    CaseSequence,
    TimelineEvent,
)
from secretariat.kernel.roles import Role
from secretariat.notifications.models import Notification, NotificationDelivery

PASSWORD = "scale-bench-2026"
MARKER = "scale-officer"  # the first user seeded; its presence marks a scale database

# Counts at --scale 100.
AT_100 = {
    "liaisons": 600,
    "manufacturers": 2_000,
    "requirements": 10_000,
    "tenders": 20_000,
    "bids": 200_000,
    "deliveries": 200_000,
    "disbursements": 200_000,
    "ledger": 2_000_000,
    "timeline": 5_000_000,
    "notifications": 1_000_000,
}
FOUNDERS = [
    "LV",
    "GB",
    "AU",
    "BE",
    "CZ",
    "DK",
    "FR",
    "EE",
    "IT",
    "NZ",
    "CA",
    "LT",
    "LU",
    "NL",
    "NO",
    "PL",
    "TR",
    "UA",
    "DE",
    "SE",
]
OTHERS = [
    "JP",
    "FI",
    "IE",
    "PT",
    "ES",
    "AT",
    "SK",
    "SI",
    "HR",
    "RO",
    "BG",
    "GR",
    "HU",
    "IS",
    "KR",
    "MT",
    "CY",
    "CH",
    "MD",
    "GE",
    "AL",
    "ME",
    "MK",
    "US",
    "CL",
    "AR",
    "BR",
    "MX",
    "SG",
    "IN",
    "ZA",
    "IL",
    "PH",
    "TW",
    "MY",
    "TH",
    "ID",
    "VN",
    "EG",
    "MA",
]
CURRENCY = {
    "GB": "GBP",
    "PL": "PLN",
    "CZ": "CZK",
    "SE": "SEK",
    "NO": "NOK",
    "DK": "DKK",
}
RATE = {
    "EUR": Decimal("1"),
    "GBP": Decimal("0.85"),
    "PLN": Decimal("4.30"),
    "CZK": Decimal("25.00"),
    "SEK": Decimal("11.40"),
    "NOK": Decimal("11.60"),
    "DKK": Decimal("7.46"),
}
# Tender statuses, with their share of tenders.
TENDER_MIX = [
    ("contracted", 50),
    ("awarded", 4),
    ("evaluation", 5),
    ("opened", 3),
    ("closed", 3),
    ("tendering", 10),
    ("published", 5),
    ("draft", 8),
    ("cancelled", 8),
    ("unsuccessful", 4),
]
DISBURSEMENT_MIX = [
    ("reconciled", 25),
    ("paid", 55),
    ("approved", 3),
    ("checked", 4),
    ("submitted", 4),
    ("draft", 4),
    ("rejected", 3),
    ("cancelled", 2),
]
DSB_FLOW = ["draft", "submitted", "checked", "approved", "paid", "reconciled"]
CENT = Decimal("0.01")
EPOCH = dt.datetime(2024, 2, 14, 9, 0, tzinfo=dt.UTC)


def _pick(mix, rng):
    return rng.choices([m[0] for m in mix], weights=[m[1] for m in mix])[0]


class Copier:
    """COPY rows into a model's table, naming fields rather than columns."""

    def __init__(self, stdout):
        self.stdout = stdout
        self.counts = {}

    def next_id(self, model):
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {model._meta.db_table}")
            return cursor.fetchone()[0] + 1

    def copy(self, model_or_table, fields, rows):
        if isinstance(model_or_table, str):
            table, columns = model_or_table, list(fields)
        else:
            table = model_or_table._meta.db_table
            columns = [
                f if f == "id" else model_or_table._meta.get_field(f).column
                for f in fields
            ]
        started = time.monotonic()
        count = 0
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(
                f"COPY {table} ({', '.join(columns)}) FROM STDIN"
            ) as copy,
        ):
            for row in rows:
                copy.write_row(row)
                count += 1
        self.counts[table] = self.counts.get(table, 0) + count
        self.stdout.write(
            f"  {table}: {count:,} rows in {time.monotonic() - started:.1f}s"
        )
        return count


class Command(BaseCommand):
    help = "Fill a PostgreSQL database with a coalition at a multiple of today's size."

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale",
            type=float,
            default=100,
            help="Multiple of today's size (100: the issue's figures).",
        )
        parser.add_argument("--seed", type=int, default=7, help="Random seed.")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Seed even though the database holds other data.",
        )

    def handle(self, *args, scale, seed, force, **options):
        if connection.vendor != "postgresql":
            raise CommandError("seed_scale fills PostgreSQL only (COPY).")
        if User.objects.filter(username=MARKER).exists():
            raise CommandError(
                "This database is already seeded at scale; drop and migrate it "
                "to seed again."
            )
        if not force and (MemberState.objects.exists() or Case.objects.exists()):
            raise CommandError(
                "This database holds data that is not scale data; use --force to "
                "add the scale data to it anyway."
            )
        self.scale = scale
        self.rng = random.Random(seed)
        self.copier = Copier(self.stdout)
        self.now = dt.datetime.now(dt.UTC).replace(microsecond=0)
        started = time.monotonic()
        with transaction.atomic():
            self._reference()
            self._members()
            self._users()
            self._manufacturers()
            self._requirements()
            self._tenders()
            self._fund()
            self._disbursements()
            # The monthly counts the dashboard reads, as the delivery services
            # keep them.
            DeliveryMonth.recount()
            self._ledger_and_pools()
            self._timeline()
            self._notifications()
            self._sequences()
        # The rows went in by COPY, past the models' hash chains: chain them
        # now, in a transaction of its own (the append-only triggers can be
        # switched off only once the COPY's deferred checks have run).
        chain.backfill_all()
        # VACUUM as well as ANALYZE: autovacuum would do it in production, but
        # a server may run without it (this bench machine does), and without
        # the visibility map an index-only scan, and so every COUNT(*) of a
        # list, reads the whole table.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE)")
        total = sum(self.copier.counts.values())
        self.stdout.write(
            self.style.SUCCESS(
                f"Seeded scale {scale:g}: {total:,} rows in "
                f"{time.monotonic() - started:.0f}s. Logins: scale-officer, "
                f"scale-procurement, scale-finance, scale-approver-lv, "
                f"scale-evaluator-1, scale-liaison-lv, scale-rep-1 "
                f"(password {PASSWORD})."
            )
        )

    # ------------------------------------------------------------------ helpers

    def n(self, key, minimum=1):
        return max(minimum, round(AT_100[key] * self.scale / 100))

    def when(self, days_ago_max=900, days_ago_min=0):
        seconds = self.rng.randint(days_ago_min * 86400, days_ago_max * 86400)
        return self.now - dt.timedelta(seconds=seconds)

    # ------------------------------------------------------------------ reference

    def _reference(self):
        self.categories = list(CapabilityCategory.objects.all())
        self.groups = dict(Group.objects.values_list("name", "id"))
        self.pools = {p.code: p for p in Pool.objects.all()}
        self.policy = ApprovalPolicy.objects.order_by("version").first().id
        self.ct = {
            m: ContentType.objects.get_for_model(m).id
            for m in (Tender, DisbursementRequest, MemberState, Manufacturer)
        }
        # One sealed offer per distinct price: sealing is the slow part of a bid.
        self.offers = {}

    def _sealed(self, price):
        if price not in self.offers:
            self.offers[price] = bytes(
                seal(
                    {
                        "unit_price": str(price),
                        "quantity": 100,
                        "delivery_schedule": "Monthly batches from contract signature.",
                        "compliance": {},
                        "documents": [],
                    }
                )
            )
        return self.offers[price]

    # ------------------------------------------------------------------ members

    def _members(self):
        total = max(21, round(20 + 40 * self.scale / 100))
        codes = (FOUNDERS + OTHERS)[:total]
        existing = dict(MemberState.objects.values_list("country", "id"))
        next_id = self.copier.next_id(MemberState)
        self.members = {}  # code -> id
        rows = []
        statuses = {}
        for i, code in enumerate(codes):
            if code in existing:
                self.members[code] = existing[code]
                continue
            if code in FOUNDERS:
                status = "member"
            elif code == "JP":
                status = "considering"
            else:
                status = self.rng.choices(
                    ["member", "invited", "considering", "accession_requested",
                     "declined", "withdrawn", "suspended"],
                    weights=[60, 8, 8, 6, 8, 5, 5],
                )[0]  # fmt: skip
            statuses[code] = status
            pk = next_id + len(rows)
            self.members[code] = pk
            joined = (
                dt.date(2024, 2, 14) + dt.timedelta(days=i * 9)
                if status in ("member", "suspended", "withdrawn")
                else None
            )
            rows.append(
                (
                    pk,
                    code,
                    str(countries.name(code)),
                    status,
                    code in ("LV", "GB"),
                    joined,
                    self.now,
                    "non_lethal" if code == "JP" else "all",
                    "Non-lethal only." if code == "JP" else "",
                    self.now,
                )
            )
        self.copier.copy(
            MemberState,
            ["id", "country", "name", "status", "is_co_lead", "joined_on",
             "status_changed_at", "participation_scope", "constraint_notes",
             "created_at"],
            rows,
        )  # fmt: skip
        self.member_statuses = statuses
        self.codes = codes
        # States that fund and make things: members, weighted so that a few large
        # states carry much, without one owning everything.
        self.member_weights = [
            3.0 if c in ("GB", "DE", "FR", "PL", "UA") else 1.0 for c in codes
        ]

    # ------------------------------------------------------------------ users

    def _users(self):
        password = make_password(PASSWORD)
        next_id = self.copier.next_id(User)
        rows, memberships = [], []
        self.users = {}

        def add(username, role, first, last, member=None, manufacturer=None):
            pk = next_id + len(rows)
            rows.append(
                (pk, password, False, username, first, last,
                 f"{username}@scale.example", False, True, self.now,
                 member, manufacturer, "Europe/Riga")
            )  # fmt: skip
            memberships.append((pk, self.groups[role]))
            self.users[username] = pk
            return pk

        add(MARKER, Role.SECRETARIAT_OFFICER, "Sofia", "Officer")
        self.officers = [self.users[MARKER]] + [
            add(f"scale-officer-{i}", Role.SECRETARIAT_OFFICER, "Officer", str(i))
            for i in range(1, 10)
        ]
        self.procurement = [
            add("scale-procurement", Role.PROCUREMENT_OFFICER, "Pavel", "Procurement")
        ] + [
            add(f"scale-procurement-{i}", Role.PROCUREMENT_OFFICER, "Proc", str(i))
            for i in range(1, 5)
        ]
        self.finance = [
            add("scale-finance", Role.FINANCE_OFFICER, "Fiona", "Finance"),
            add("scale-finance-2", Role.FINANCE_OFFICER, "Frank", "Finance"),
        ]
        self.approvers = {
            "LV": [
                add("scale-approver-lv", Role.CO_LEAD_APPROVER, "Liga", "Approver",
                    member=self.members["LV"]),
                add("scale-approver-lv-2", Role.CO_LEAD_APPROVER, "Janis", "Approver",
                    member=self.members["LV"]),
            ],
            "GB": [
                add("scale-approver-uk", Role.CO_LEAD_APPROVER, "Ursula", "Approver",
                    member=self.members["GB"]),
                add("scale-approver-uk-2", Role.CO_LEAD_APPROVER, "Ulric", "Approver",
                    member=self.members["GB"]),
            ],
        }  # fmt: skip
        self.evaluators = [
            add(f"scale-evaluator-{i}", Role.EVALUATOR, "Eva", str(i))
            for i in range(1, max(6, round(self.scale)) + 1)
        ]
        # Liaisons: at least one per state, the rest where the states are large.
        self.liaisons = {}
        for code in self.codes:
            self.liaisons[code] = [
                add(f"scale-liaison-{code.lower()}", Role.MEMBER_LIAISON, "Liaison",
                    code, member=self.members[code])
            ]  # fmt: skip
        for i in range(self.n("liaisons") - len(self.codes)):
            code = self.rng.choices(self.codes, weights=self.member_weights)[0]
            self.liaisons[code].append(
                add(f"scale-liaison-{code.lower()}-{i}", Role.MEMBER_LIAISON,
                    "Liaison", f"{code} {i}", member=self.members[code])
            )  # fmt: skip
        self.staff = self.officers + self.procurement + self.finance
        self._user_rows, self._memberships = rows, memberships

    def _write_users(self):
        self.copier.copy(
            User,
            ["id", "password", "is_superuser", "username", "first_name", "last_name",
             "email", "is_staff", "is_active", "date_joined", "member_state",
             "manufacturer", "time_zone"],
            self._user_rows,
        )  # fmt: skip
        self.copier.copy(
            "secretariat_user_groups", ["user_id", "group_id"], self._memberships
        )

    # ------------------------------------------------------------------ makers

    def _manufacturers(self):
        # Representatives reference their manufacturer and manufacturers their
        # nominating liaison: manufacturers first, then everyone in one COPY.
        next_id = self.copier.next_id(Manufacturer)
        rows, self.manufacturers = [], []
        self.manufacturer_state = {}
        for i in range(self.n("manufacturers", 20)):
            code = self.rng.choices(self.codes, weights=self.member_weights)[0]
            pk = next_id + i
            vetting = self.rng.choices(
                ["vetted", "applied", "suspended"], weights=[85, 10, 5]
            )[0]
            rows.append(
                (pk, f"{countries.name(code)} Drone Works {i}", self.members[code],
                 f"SC-{i:06d}", "1 Industrial Way", f"Contact {i}",
                 f"contact{i}@maker{i}.example", "", vetting, self.now,
                 "LV80BANK0000435195001", "HABALV22", self.liaisons[code][0],
                 self.when())
            )  # fmt: skip
            self.manufacturer_state[pk] = code
            if vetting == "vetted":
                self.manufacturers.append(pk)
        self.reps = {}
        user_rows_before = len(self._user_rows)
        next_user = self._user_rows[0][0] + user_rows_before
        for row in rows:
            pk = row[0]
            username = f"scale-rep-{pk - next_id + 1}"
            user_pk = next_user + len(self._user_rows) - user_rows_before
            self._user_rows.append(
                (user_pk, self._user_rows[0][1], False, username, "Rep", str(pk),
                 f"{username}@scale.example", False, True, self.now, None, pk,
                 "Europe/Riga")
            )  # fmt: skip
            self._memberships.append(
                (user_pk, self.groups[Role.MANUFACTURER_REPRESENTATIVE])
            )
            self.reps[pk] = user_pk
            self.users[username] = user_pk
        # The manufacturer table references users (nominated_by): users go first,
        # with the manufacturer FK checked at commit (Django's FKs are deferrable).
        self._write_users()
        self.copier.copy(
            Manufacturer,
            ["id", "name", "member_state", "registration_number", "address",
             "contact_name", "contact_email", "contact_phone", "vetting_status",
             "vetting_changed_at", "iban", "bic", "nominated_by", "nominated_at"],
            rows,
        )  # fmt: skip

    def _requirements(self):
        next_id = self.copier.next_id(Requirement)
        self.requirements = []
        rows = []
        for i in range(self.n("requirements", 10)):
            pk = next_id + i
            category = self.rng.choice(self.categories)
            rows.append(
                (pk, f"{category.name} need {i}", f"AFU-{i:06d}", category.id,
                 self.rng.choice([100, 250, 500, 1000, 5000]),
                 "Range, payload and resilience to jamming as specified.",
                 self.rng.choice(["critical", "high", "medium", "low"]),
                 (self.now + dt.timedelta(days=self.rng.randint(-400, 400))).date(),
                 self.rng.choices(["open", "in_tender", "fulfilled", "withdrawn"],
                                  weights=[20, 40, 35, 5])[0],
                 self.procurement[0], self.when(), "", "")
            )  # fmt: skip
            self.requirements.append((pk, category))
        self.copier.copy(
            Requirement,
            ["id", "title", "source_reference", "capability", "quantity",
             "specification", "priority", "needed_by", "status", "recorded_by",
             "recorded_at", "review_note", "submitter_answer"],
            rows,
        )  # fmt: skip

    # ------------------------------------------------------------------ cases

    def _new_case_ids(self, count):
        start = self.next_case_id
        self.next_case_id += count
        return start

    def _tenders(self):
        rng = self.rng
        self.next_case_id = self.copier.next_id(Case)
        self.case_rows = []
        self.sequence = {}  # (prefix, year) -> last number
        tender_id = self.copier.next_id(Tender)
        lot_id = self.copier.next_id(Lot)
        bid_id = self.copier.next_id(Bid)
        award_id = self.copier.next_id(Award)
        member_id = self.copier.next_id(CommitteeMember)
        # (committee member, [(bid, quality, price score)]) of every score sheet;
        # the scores themselves are drawn while they are written.
        self.score_sheets = []
        tenders, links, lots, bids, events, awards, committee = (
            [],
            [],
            [],
            [],
            [],
            [],
            [],
        )
        self.awarded = []  # (award id, lot, bid manufacturer, tender, status, price)
        self.tender_events = []
        n_tenders = self.n("tenders", 10)
        # Two lots per tender on average, and only tenders past publication take
        # bids; the draw below is truncated to whole bids (about half a bid less
        # than its mean), so the mean is raised to land near the target.
        bidding = sum(w for s, w in TENDER_MIX if s not in ("draft", "published"))
        share = bidding / sum(w for _s, w in TENDER_MIX)
        bids_per_lot = AT_100["bids"] / (AT_100["tenders"] * 2 * share) + 0.4
        unrestricted = self.pools["unrestricted"].id
        non_lethal = self.pools["non-lethal"].id
        self.heavy_tender = None
        for i in range(n_tenders):
            # The first tender is the heavy one: in evaluation, with hundreds of bids.
            status = "evaluation" if i == 0 else _pick(TENDER_MIX, rng)
            opened_at_ = self.when(800, 30)
            year = opened_at_.year
            reference = self._reference_for("TND", year)
            case_pk = self._new_case_ids(1)
            pk = tender_id + i
            owner = rng.choice(self.procurement)
            closed = status in ("contracted", "cancelled", "unsuccessful")
            self.case_rows.append(
                (case_pk, reference, "tender", f"Tender {i}", status, owner,
                 (opened_at_ + dt.timedelta(days=60)).date(), opened_at_,
                 opened_at_ + dt.timedelta(days=120) if closed else None, opened_at_)
            )  # fmt: skip
            requirement, category = rng.choice(self.requirements)
            pool = (
                non_lethal
                if category.lethality == "non_lethal" and rng.random() < 0.3
                else unrestricted
            )
            published = status not in ("draft",)
            is_open = status not in ("draft", "published", "tendering", "closed") and (
                status not in ("cancelled", "unsuccessful") or rng.random() < 0.5
            )
            clar = opened_at_ + dt.timedelta(days=10)
            deadline = opened_at_ + dt.timedelta(days=30)
            if status in ("published", "tendering"):
                clar = self.now + dt.timedelta(days=5 if status == "published" else -2)
                deadline = self.now + dt.timedelta(days=20)
            tenders.append(
                (pk, case_pk, f"{category.name} tender {i}",
                 "Drones to the requirements of Ukraine's Armed Forces.", status,
                 "open", pool, "[]", 40, 25, 15, 10, 10, clar, deadline, 10,
                 opened_at_ if published else None,
                 deadline + dt.timedelta(hours=2) if is_open else None,
                 owner if is_open else None)
            )  # fmt: skip
            links.append((pk, requirement))
            self.tender_events.append((case_pk, pk, status, owner, opened_at_))
            n_lots = 10 if i == 0 else rng.choice([1, 1, 2, 2, 2, 3, 3])
            takes_bids = status not in ("draft", "published")
            tender_bidders = set()
            tender_live = []  # (bid, quality, price score) of its live bids
            for number in range(1, n_lots + 1):
                lpk = lot_id + len(lots)
                max_price = Decimal(rng.choice([800, 1500, 3000, 6000, 12000]))
                quantity = rng.choice([100, 200, 500, 1000, 2000])
                lots.append(
                    (lpk, pk, number, f"Lot {number}", category.id, quantity,
                     max_price, deadline.date() + dt.timedelta(days=30),
                     deadline.date() + dt.timedelta(days=200))
                )  # fmt: skip
                if not takes_bids:
                    continue
                count = (
                    40
                    if i == 0
                    else max(1, min(60, int(rng.expovariate(1 / bids_per_lot))))
                )
                bidders = rng.sample(
                    self.manufacturers, min(count, len(self.manufacturers))
                )
                lot_bids = []
                tender_bidders.update(bidders)
                for manufacturer in bidders:
                    bpk = bid_id + len(bids)
                    withdrawn = rng.random() < 0.04
                    price = (
                        max_price * Decimal(rng.choice(range(60, 101))) / 100
                    ).quantize(CENT)
                    sealed = self._sealed(price)
                    at = opened_at_ + dt.timedelta(days=rng.randint(11, 29))
                    bids.append(
                        (bpk, uuid.uuid4(), lpk, manufacturer,
                         "withdrawn" if withdrawn else "submitted", sealed,
                         self.reps[manufacturer], at, at,
                         True if is_open else None, "")
                    )  # fmt: skip
                    digest = hashlib.sha256(sealed).hexdigest()
                    events.append(
                        (bpk, "submitted", self.reps[manufacturer], at, digest)
                    )
                    if withdrawn:
                        events.append(
                            (bpk, "withdrawn", self.reps[manufacturer],
                             at + dt.timedelta(hours=3), digest)
                        )  # fmt: skip
                    else:
                        lot_bids.append((bpk, manufacturer, price))
                        # Cheaper is better on price (60-100% of the maximum
                        # scores 100-40); the other criteria follow the bid's
                        # quality, which the evaluators judge alike, roughly.
                        ratio = float(price / max_price)
                        tender_live.append(
                            (bpk, rng.randint(35, 95), round(100 - (ratio - 0.6) * 150))
                        )
                if status in ("awarded", "contracted") and lot_bids:
                    bpk, manufacturer, price = min(lot_bids, key=lambda b: b[2])
                    apk = award_id + len(awards)
                    awarded_at = deadline + dt.timedelta(days=20)
                    awards.append(
                        (apk, lpk, bpk, "approved", "Best weighted score.", owner,
                         awarded_at, self.approvers["LV"][0], awarded_at,
                         awarded_at + dt.timedelta(days=10))
                    )  # fmt: skip
                    self.awarded.append(
                        (apk, lpk, manufacturer, pk, status, price, quantity, pool,
                         category, awarded_at + dt.timedelta(days=12))
                    )  # fmt: skip
            if status in ("evaluation", "awarded", "contracted") and takes_bids:
                # Three evaluators, all declared. Past evaluation every sheet is
                # submitted; in evaluation some are. On the heavy tender two
                # have submitted and the first is still scoring (a third of the
                # bids so far): the bench's evaluation page is theirs.
                for seat, evaluator in enumerate(rng.sample(self.evaluators, 3)):
                    mpk = member_id + len(committee)
                    if status != "evaluation":
                        submitted, scored = True, tender_live
                    elif i == 0:
                        submitted = seat > 0
                        scored = tender_live if submitted else tender_live[::3]
                    else:
                        submitted = rng.random() < 0.6
                        scored = tender_live if submitted else []
                    committee.append(
                        (mpk, pk, evaluator, "declared",
                         json.dumps(sorted(tender_bidders)), "",
                         deadline + dt.timedelta(days=3),
                         deadline + dt.timedelta(days=10) if submitted else None,
                         owner)
                    )  # fmt: skip
                    if scored:
                        self.score_sheets.append((mpk, scored))
            if i == 0:
                self.heavy_tender = reference
        self._write_cases()
        self.copier.copy(
            Tender,
            ["id", "case", "title", "description", "status", "procedure", "pool",
             "excluded_origins", "weight_price", "weight_technical",
             "weight_delivery", "weight_tests", "weight_supply_chain",
             "clarification_deadline", "submission_deadline", "standstill_days",
             "published_at", "opened_at", "opened_by"],
            tenders,
        )  # fmt: skip
        self.copier.copy(
            "procurement_tender_requirements", ["tender_id", "requirement_id"], links
        )
        self.copier.copy(
            Lot,
            ["id", "tender", "number", "title", "capability", "quantity",
             "max_unit_price", "delivery_from", "delivery_to"],
            lots,
        )  # fmt: skip
        self.copier.copy(
            Bid,
            ["id", "public_id", "lot", "manufacturer", "status", "sealed",
             "submitted_by", "submitted_at", "changed_at", "eligible",
             "ineligible_reason"],
            bids,
        )  # fmt: skip
        self.copier.copy(
            BidEvent, ["bid", "action", "actor", "at", "sealed_digest"], events
        )
        self.copier.copy(
            CommitteeMember,
            ["id", "tender", "evaluator", "standing", "declared_for", "conflict_note",
             "declared_at", "scores_submitted_at", "appointed_by"],
            committee,
        )  # fmt: skip
        self.copier.copy(
            Score, ["member", "bid", "criterion", "value", "comment"], self._scores()
        )
        self.copier.copy(
            Award,
            ["id", "lot", "bid", "status", "justification", "recommended_by",
             "recommended_at", "approved_by", "approved_at", "standstill_until"],
            awards,
        )  # fmt: skip

    def _scores(self):
        """Every score of the score sheets, drawn as they are written (millions)."""
        rng = self.rng
        for member, scored in self.score_sheets:
            for bid, quality, price_score in scored:
                for criterion in CRITERIA:
                    centre = price_score if criterion == "price" else quality
                    value = max(0, min(100, centre + rng.randint(-12, 12)))
                    yield (member, bid, criterion, value, "")

    def _reference_for(self, prefix, year):
        number = self.sequence.get((prefix, year), 0) + 1
        self.sequence[(prefix, year)] = number
        return f"{prefix}-{year}-{number:06d}"

    def _write_cases(self):
        self.copier.copy(
            Case,
            ["id", "reference", "kind", "title", "status", "owner", "due_date",
             "opened_at", "closed_at", "updated_at"],
            self.case_rows,
        )  # fmt: skip
        self.case_rows = []

    # ------------------------------------------------------------------ fund

    def _fund(self):
        """Pledges, contracts with their commitments, milestones, deliveries, and
        the onboarding cases."""
        rng = self.rng
        commitment_id = self.copier.next_id(Commitment)
        contract_id = self.copier.next_id(Contract)
        milestone_id = self.copier.next_id(Milestone)
        commitments, commitment_categories, contracts, milestones = [], [], [], []
        self.commitments = []
        for (
            apk,
            _lpk,
            manufacturer,
            _tender,
            status,
            price,
            quantity,
            pool,
            category,
            signed,
        ) in self.awarded:
            if status != "contracted":
                continue
            cpk = commitment_id + len(commitments)
            value = (price * quantity).quantize(CENT)
            completed = rng.random() < 0.3
            commitments.append(
                [cpk, pool, value, f"Contract for {category.name}", "", Decimal(0),
                 Decimal(0), "closed" if completed else "open", self.finance[0],
                 signed]
            )  # fmt: skip
            commitment_categories.append((cpk, category.id))
            kpk = contract_id + len(contracts)
            contracts.append(
                (kpk, apk, manufacturer, quantity, price, value, cpk,
                 "completed" if completed else "signed", self.procurement[0], signed)
            )  # fmt: skip
            half = quantity // 2
            first = milestone_id + len(milestones)
            milestones.append(
                (first, kpk, 1, (signed + dt.timedelta(days=60)).date(), half,
                 (value / 2).quantize(CENT))
            )  # fmt: skip
            milestones.append(
                (first + 1, kpk, 2, (signed + dt.timedelta(days=150)).date(),
                 quantity - half, value - (value / 2).quantize(CENT))
            )  # fmt: skip
            self.commitments.append(
                {"row": commitments[-1], "contract": kpk, "milestones": (first, first + 1),
                 "manufacturer": manufacturer, "category": category, "signed": signed,
                 "quantity": quantity}
            )  # fmt: skip
        self._commitment_rows = commitments
        self._commitment_categories = commitment_categories
        self._contracts = contracts
        self._milestones = milestones
        self._onboarding()

    def _onboarding(self):
        rng = self.rng
        onboarding_id = self.copier.next_id(OnboardingCase)
        cases, steps = [], []
        for code, status in self.member_statuses.items():
            if code in FOUNDERS:
                continue
            opened = self.when(700, 60)
            reference = self._reference_for("ONB", opened.year)
            case_pk = self._new_case_ids(1)
            is_open = status in ("invited", "considering", "accession_requested")
            self.case_rows.append(
                (case_pk, reference, "onboarding", f"Onboarding of {code}", status,
                 self.officers[0], (opened + dt.timedelta(days=120)).date(), opened,
                 None if is_open else opened + dt.timedelta(days=100), opened)
            )  # fmt: skip
            opk = onboarding_id + len(cases)
            cases.append((opk, case_pk, self.members[code], is_open))
            done = rng.randint(1, 6) if is_open else 7
            for position, (kind, needs_document) in enumerate(ONBOARDING_CHECKLIST):
                completed = position < done
                steps.append(
                    (opk, kind, position + 1, True, needs_document,
                     rng.choice(self.officers),
                     (opened + dt.timedelta(days=15 * (position + 1))).date(),
                     opened + dt.timedelta(days=10 * position) if completed else None,
                     self.officers[0] if completed else None, "")
                )  # fmt: skip
        self._onboarding_rows, self._step_rows = cases, steps

    def _disbursements(self):
        rng = self.rng
        dsb_id = self.copier.next_id(DisbursementRequest)
        delivery_id = self.copier.next_id(Delivery)
        requests, categories, approvals, deliveries = [], [], [], []
        self.dsb_events = []
        self.paid = []  # (request id, pool, eur, paid_at)
        per_commitment = max(
            1, round(self.n("disbursements") / max(1, len(self.commitments)))
        )
        deliveries_each = max(
            1, round(self.n("deliveries") / max(1, len(self.commitments)))
        )
        for c in self.commitments:
            row = c["row"]
            value = row[2]
            share = (value / (per_commitment + 2)).quantize(CENT)
            for k in range(deliveries_each):
                milestone = c["milestones"][k % 2]
                reported = c["signed"] + dt.timedelta(days=20 + 15 * k)
                status = rng.choices(
                    ["accepted", "reported", "rejected"], weights=[85, 10, 5]
                )[0]
                qty = max(1, c["quantity"] // (deliveries_each + 1))
                deliveries.append(
                    [delivery_id + len(deliveries), c["contract"], milestone, qty, "",
                     self.reps[c["manufacturer"]], reported, status,
                     qty if status == "accepted" else 0,
                     "Sēlia military training ground" if status != "reported" else "",
                     reported.date() if status != "reported" else None,
                     self.officers[1] if status != "reported" else None,
                     reported + dt.timedelta(days=3) if status != "reported" else None,
                     None]
                )  # fmt: skip
            first_delivery = len(deliveries) - deliveries_each
            paid_total = Decimal(0)
            for k in range(per_commitment):
                status = "paid" if row[7] == "closed" else _pick(DISBURSEMENT_MIX, rng)
                opened = c["signed"] + dt.timedelta(days=30 + 12 * k)
                year = opened.year
                reference = self._reference_for("DSB", year)
                case_pk = self._new_case_ids(1)
                pk = dsb_id + len(requests)
                final = status in ("reconciled", "rejected", "cancelled")
                self.case_rows.append(
                    (case_pk, reference, "disbursement", f"Payment {k + 1} of contract",
                     status, rng.choice(self.finance),
                     (opened + dt.timedelta(days=14)).date(), opened,
                     opened + dt.timedelta(days=20) if final else None, opened)
                )  # fmt: skip
                reached = (
                    DSB_FLOW.index(status) if status in DSB_FLOW else rng.randint(1, 2)
                )
                submitted = opened + dt.timedelta(days=1) if reached >= 1 else None
                checked = opened + dt.timedelta(days=2) if reached >= 2 else None
                approved = opened + dt.timedelta(days=3) if reached >= 3 else None
                paid = reached >= 4
                needed = 1 if share <= Decimal("1000000") else 2
                requests.append(
                    (pk, case_pk, row[0], status, f"Manufacturer {c['manufacturer']}",
                     "LV", "LV80BANK0000435195001", "HABALV22", share, "EUR", share,
                     Decimal(1), opened.date(), "Milestone payment.", self.finance[0],
                     submitted, self.policy if submitted else None,
                     needed if submitted else None,
                     self.finance[1] if checked else None, checked, approved,
                     f"PO-{pk}" if paid else "", f"SCALE-{pk}" if paid else None,
                     (opened + dt.timedelta(days=4)).date() if paid else None,
                     self.finance[0] if paid else None,
                     opened + dt.timedelta(days=10) if status == "reconciled" else None,
                     "")
                )  # fmt: skip
                categories.append((pk, c["category"].id))
                if approved:
                    states = ["LV", "GB"] if needed == 2 else [rng.choice(["LV", "GB"])]
                    for state in states:
                        approvals.append(
                            (pk, rng.choice(self.approvers[state]), self.members[state],
                             "", approved)
                        )  # fmt: skip
                if paid:
                    paid_total += share
                    self.paid.append((pk, row[1], share, opened + dt.timedelta(days=4)))
                    index = first_delivery + k
                    if index < len(deliveries) and deliveries[index][7] == "accepted":
                        deliveries[index][13] = pk
                self.dsb_events.append((case_pk, pk, reached, status, opened))
            row[5] = paid_total
            if row[7] == "closed":
                row[6] = value - paid_total
        self._write_cases()
        onboarding = self._onboarding_rows
        self.copier.copy(
            OnboardingCase, ["id", "case", "member_state", "is_open"], onboarding
        )
        self.copier.copy(
            OnboardingStep,
            ["onboarding", "kind", "position", "required", "needs_document", "owner",
             "due_date", "completed_at", "completed_by", "completion_note"],
            self._step_rows,
        )  # fmt: skip
        self.copier.copy(
            Commitment,
            ["id", "pool", "amount_eur", "purpose", "approval_reference",
             "disbursed_eur", "released_eur", "status", "created_by", "created_at"],
            self._commitment_rows,
        )  # fmt: skip
        self.copier.copy(
            "secretariat_commitment_categories",
            ["commitment_id", "capabilitycategory_id"],
            self._commitment_categories,
        )
        self.copier.copy(
            Contract,
            ["id", "award", "manufacturer", "quantity", "unit_price", "value_eur",
             "commitment", "status", "signed_by", "signed_at"],
            self._contracts,
        )  # fmt: skip
        self.copier.copy(
            Milestone,
            ["id", "contract", "number", "due_on", "quantity", "amount_eur"],
            self._milestones,
        )
        self.copier.copy(
            DisbursementRequest,
            ["id", "case", "commitment", "status", "payee_name", "payee_country",
             "payee_iban", "payee_bic", "amount", "amount_currency", "eur_amount",
             "fx_rate", "fx_date", "purpose", "prepared_by", "submitted_at", "policy",
             "approvals_needed", "checked_by", "checked_at", "approved_at",
             "payment_order", "bank_reference", "paid_on", "paid_by", "reconciled_at",
             "hold"],
            requests,
        )  # fmt: skip
        self.copier.copy(
            "secretariat_disbursementrequest_categories",
            ["disbursementrequest_id", "capabilitycategory_id"],
            categories,
        )
        self.copier.copy(
            DisbursementApproval,
            ["request", "approver", "member_state", "comment", "approved_at"],
            approvals,
        )
        self.copier.copy(
            Delivery,
            ["id", "contract", "milestone", "quantity", "note", "reported_by",
             "reported_at", "status", "quantity_accepted", "test_site", "tested_on",
             "decided_by", "decided_at", "disbursement"],
            deliveries,
        )  # fmt: skip

    def _ledger_and_pools(self):
        """Contributions make up the rest of the ledger; their amounts are set so
        that each pool keeps about a third of its money available."""
        rng = self.rng
        pools = {p.id: {"received": Decimal(0), "committed": Decimal(0),
                        "disbursed": Decimal(0)} for p in self.pools.values()}  # fmt: skip
        entries = []  # (pool, kind, eur, contribution, commitment, disbursement, memo, at)
        for row in self._commitment_rows:
            cpk, pool, value, *_ = row
            entries.append(
                (pool, "commitment", value, None, cpk, None, "Contract signed", row[9])
            )
            pools[pool]["committed"] += value
            if row[6]:
                entries.append(
                    (pool, "commitment_release", row[6], None, cpk, None,
                     "Contract completed", row[9] + dt.timedelta(days=300))
                )  # fmt: skip
                pools[pool]["committed"] -= row[6]
        for pk, pool, eur, at in self.paid:
            entries.append((pool, "disbursement", eur, None, None, pk, "Paid", at))
            pools[pool]["committed"] -= eur
            pools[pool]["disbursed"] += eur
        n_contributions = max(len(self.codes) * 3, self.n("ledger") - len(entries))
        unrestricted = self.pools["unrestricted"].id
        non_lethal = self.pools["non-lethal"].id
        need = {pool: (t["committed"] + t["disbursed"]) * Decimal("1.5") + 10_000_000
                for pool, t in pools.items()}  # fmt: skip
        # Pledges: every state pledges each year, non-lethal now and then.
        pledge_id = self.copier.next_id(Pledge)
        contribution_id = self.copier.next_id(Contribution)
        pledge_rows, pledge_plan = [], []
        for code in self.codes:
            if self.member_statuses.get(code, "member") not in (
                "member",
                "suspended",
                "withdrawn",
            ):
                continue
            for year in (2024, 2025, 2026):
                for earmark in ("unrestricted", "non_lethal"):
                    if (
                        earmark == "non_lethal"
                        and code
                        not in (
                            "JP",
                            "DE",
                            "NL",
                            "SE",
                            "CA",
                        )
                        and rng.random() < 0.7
                    ):
                        continue
                    pledge_plan.append(
                        (pledge_id + len(pledge_plan), code, year, earmark)
                    )
        weights = [self.member_weights[self.codes.index(p[1])] for p in pledge_plan]
        by_pool = {unrestricted: [], non_lethal: []}
        for p, w in zip(pledge_plan, weights, strict=True):
            by_pool[non_lethal if p[3] == "non_lethal" else unrestricted].append((p, w))
        contributions, received, received_eur = [], {}, {}
        share_nl = max(
            Decimal("0.05"), need[non_lethal] / (need[non_lethal] + need[unrestricted])
        )
        counts = {
            non_lethal: max(
                len(by_pool[non_lethal]), int(n_contributions * float(share_nl))
            ),
        }
        counts[unrestricted] = max(
            len(by_pool[unrestricted]), n_contributions - counts[non_lethal]
        )
        for pool, plans in by_pool.items():
            if not plans:
                continue
            mean = need[pool] / counts[pool]
            chosen = [p for p, _w in plans] + rng.choices(
                [p for p, _w in plans], weights=[w for _p, w in plans],
                k=counts[pool] - len(plans),
            )  # fmt: skip
            for plan in chosen:
                pk_pledge, code, year, _earmark = plan
                eur = (mean * Decimal(rng.uniform(0.5, 1.5))).quantize(Decimal(1))
                currency = CURRENCY.get(code, "EUR")
                rate = RATE[currency]
                amount = (eur * rate).quantize(CENT)
                eur = (amount / rate).quantize(CENT)
                on = dt.date(year, 1, 1) + dt.timedelta(days=rng.randint(0, 320))
                cpk = contribution_id + len(contributions)
                contributions.append(
                    (cpk, pk_pledge, amount, currency, eur, rate, on, on,
                     f"IN-{cpk}", False, "", self.finance[0],
                     dt.datetime.combine(on, dt.time(10), tzinfo=dt.UTC), None)
                )  # fmt: skip
                received[pk_pledge] = received.get(pk_pledge, Decimal(0)) + amount
                received_eur[pk_pledge] = received_eur.get(pk_pledge, Decimal(0)) + eur
                pools[pool]["received"] += eur
                entries.append(
                    (pool, "contribution", eur, cpk, None, None, f"Contribution {code}",
                     dt.datetime.combine(on, dt.time(10), tzinfo=dt.UTC))
                )  # fmt: skip
        for pk_pledge, code, year, earmark in pledge_plan:
            got = received.get(pk_pledge, Decimal(0))
            currency = CURRENCY.get(code, "EUR")
            partly = year == 2026 and got > 0
            amount = (got * Decimal("1.25")).quantize(CENT) if partly else got
            if amount <= 0:
                amount = Decimal("1000000.00")
            pledge_rows.append(
                (pk_pledge, self.members[code], year, amount, currency,
                 (amount / RATE[currency]).quantize(CENT), RATE[currency],
                 dt.date(year, 1, 1), earmark,
                 "partly_received" if partly else ("received" if got else "pledged"),
                 got, received_eur.get(pk_pledge, Decimal(0)), False, "", "",
                 self.finance[0], self.now)
            )  # fmt: skip
        self.copier.copy(
            Pledge,
            ["id", "member_state", "year", "amount", "amount_currency", "eur_amount",
             "fx_rate", "fx_date", "earmark", "status", "received_amount", "received_eur",
             "illustrative", "note", "cancel_reason", "created_by", "created_at"],
            pledge_rows,
        )  # fmt: skip
        self.copier.copy(
            Contribution,
            ["id", "pledge", "amount", "amount_currency", "eur_amount", "fx_rate",
             "fx_date", "received_on", "bank_reference", "illustrative", "note",
             "recorded_by", "recorded_at", "reversed_at"],
            contributions,
        )  # fmt: skip
        entries.sort(key=lambda e: e[7])
        creator = self.finance[0]
        # Each entry is written at the moment its money moved: that day, in the
        # fund's time zone, is its value date.
        zone = ZoneInfo(settings.TIME_ZONE)
        first_entry = self.copier.next_id(LedgerEntry)
        self.copier.copy(
            LedgerEntry,
            ["pool", "kind", "amount_eur", "contribution", "commitment",
             "disbursement", "memo", "created_at", "created_by", "original_currency",
             "value_date"],
            ((*e, creator, "", e[7].astimezone(zone).date()) for e in entries),
        )  # fmt: skip
        with connection.cursor() as cursor:
            # The monthly sums the dashboard reads (LedgerMonth), as
            # LedgerEntry.save keeps them.
            cursor.execute(
                "INSERT INTO secretariat_ledgermonth (pool_id, kind, month, total_eur) "
                "SELECT pool_id, kind, "
                "date_trunc('month', value_date)::date, "
                "SUM(amount_eur) FROM secretariat_ledgerentry WHERE id >= %s "
                "GROUP BY 1, 2, 3 ON CONFLICT (month, pool_id, kind) DO UPDATE SET "
                "total_eur = secretariat_ledgermonth.total_eur + EXCLUDED.total_eur",
                [first_entry],
            )
        for pool_id, totals in pools.items():
            Pool.objects.filter(pk=pool_id).update(
                **{name: F(name) + amount for name, amount in totals.items()}
            )

    # ------------------------------------------------------------------ timeline

    def _timeline(self):
        rng = self.rng
        tender_ct, dsb_ct = self.ct[Tender], self.ct[DisbursementRequest]
        target = self.n("timeline")
        per_tender = 8
        base_dsb = sum(e[2] + 1 for e in self.dsb_events)
        extra = max(0, target - per_tender * len(self.tender_events) - base_dsb)
        # The rest are notes and reminders on the disbursement cases, skewed.
        extra_each = extra / max(1, len(self.dsb_events))

        def rows():
            for case_pk, pk, status, owner, at in self.tender_events:
                for k in range(per_tender):
                    yield (case_pk, tender_ct, pk, "note" if k else "created",
                           f"Tender step {k}", "", status if k == per_tender - 1 else "",
                           "", owner, at + dt.timedelta(hours=k), at)  # fmt: skip
            for case_pk, pk, reached, status, at in self.dsb_events:
                actor = self.finance[0]
                for k in range(reached + 1):
                    to = DSB_FLOW[k] if k < reached or status in DSB_FLOW else status
                    yield (case_pk, dsb_ct, pk, "status" if k else "created",
                           f"Moved to {to}", DSB_FLOW[k - 1] if k else "", to, "",
                           actor, at + dt.timedelta(days=k), at)  # fmt: skip
                for k in range(
                    int(rng.expovariate(1 / extra_each)) if extra_each else 0
                ):
                    yield (case_pk, dsb_ct, pk, "comment", "Note added", "", "",
                           "", actor, at + dt.timedelta(hours=k, minutes=30), at)  # fmt: skip

        self.copier.copy(
            TimelineEvent,
            ["case", "subject_type", "subject_id", "action", "description",
             "from_status", "to_status", "reason", "actor", "occurred_at",
             "recorded_at"],
            rows(),
        )  # fmt: skip

    def _notifications(self):
        rng = self.rng
        target = self.n("notifications")
        notification_id = self.copier.next_id(Notification)
        # Staff get most; every representative and liaison gets some.
        people = self.staff + [a for v in self.approvers.values() for a in v]
        weights = [200.0] * len(people)
        for group in self.liaisons.values():
            people += group
            weights += [20.0] * len(group)
        people += list(self.reps.values())
        weights += [5.0] * len(self.reps)
        recipients = rng.choices(people, weights=weights, k=target)
        deliveries = []

        def rows():
            for i, recipient in enumerate(recipients):
                pk = notification_id + i
                at = self.when(700)
                read = rng.random() < 0.85
                if rng.random() < 0.3:
                    deliveries.append((pk, "email", "sent", 1, at, at, ""))
                yield (pk, recipient, "tender_published", f"Tender {i} published",
                       "A tender you may bid for was published.", "/tenders/", None, at,
                       at + dt.timedelta(hours=5) if read else None, "")  # fmt: skip

        self.copier.copy(
            Notification,
            ["id", "recipient", "kind", "title", "body", "url", "key", "created_at",
             "read_at", "action"],
            rows(),
        )  # fmt: skip
        self.copier.copy(
            NotificationDelivery,
            ["notification", "channel", "status", "attempts", "created_at", "sent_at",
             "last_error"],
            deliveries,
        )  # fmt: skip

    def _sequences(self):
        for (prefix, year), number in self.sequence.items():
            sequence, _ = CaseSequence.objects.get_or_create(prefix=prefix, year=year)
            if sequence.last_number < number:
                sequence.last_number = number
                sequence.save(update_fields=["last_number"])
        with connection.cursor() as cursor:
            for model in models_with_ids():
                table = model._meta.db_table
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"GREATEST((SELECT MAX(id) FROM {table}), 1))"
                )


def models_with_ids():
    from django.apps import apps

    for model in apps.get_models():
        pk = model._meta.pk
        if pk.name == "id" and isinstance(pk, models.AutoField) and model._meta.managed:
            yield model
