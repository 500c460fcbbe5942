"""What each report holds: its tables ("sections"), each a list of typed columns
and an iterable of rows.

Long tables are read through ``values_list(...).iterator(chunk_size=...)`` and
yielded one row at a time, so a writer keeps one chunk in memory however large the
ledger grows; summaries are aggregated by the database and are small.

A report is built for a *scope*: ``None`` for the secretariat's full copy, or the
member state of a liaison's copy, which holds that state's rows only (and the
coalition's pool totals, which the fund statement shows every liaison).
"""

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import (
    Case,
    Count,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from secretariat.fund.models import LedgerEntry, LedgerKind
from secretariat.reports.models import Report, ReportKind

CHUNK_SIZE = 2000

TEXT = "text"
INT = "int"
MONEY = "money"
RATE = "rate"
# A mean of ratings, one decimal (a field rating from 1 to 5).
SCORE = "score"
DATE = "date"
MONTH = "month"
DATETIME = "datetime"
NUMERIC_TYPES = frozenset({INT, MONEY, RATE, SCORE})


@dataclass(frozen=True)
class Column:
    label: str
    type: str = TEXT


@dataclass
class Section:
    key: str
    title: str
    columns: list[Column]
    rows: Iterable[Sequence]
    # How many rows to expect, for the progress bar.
    estimate: int
    note: str = ""


@dataclass
class ReportContent:
    kind: str
    title: str
    scope_name: str
    period: date | None
    generated_at: datetime
    sections: list[Section] = field(default_factory=list)

    @property
    def estimate(self) -> int:
        return sum(section.estimate for section in self.sections)


def month_bounds(month: date) -> tuple[datetime, datetime]:
    """The first moment of the month and of the next, in the secretariat's time
    zone."""
    tz = timezone.get_current_timezone()
    first = month.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return (
        datetime.combine(first, time.min, tzinfo=tz),
        datetime.combine(following, time.min, tzinfo=tz),
    )


def _local_date(moment):
    return timezone.localtime(moment).date() if moment is not None else None


def _small(key, title, columns, rows, note=""):
    rows = list(rows)
    return Section(key, title, columns, rows, len(rows), note)


# ==================================================================== fund


def fund_statement_sections(*, reader, scope_id, period) -> list[Section]:
    """Per pool: money received, committed, disbursed and available; per member:
    pledged, received and outstanding. The statement is the one the fund page
    shows the reader; a liaison's copy keeps their own state's row only."""
    from secretariat.fund.selectors import fund_statement

    statement = fund_statement(reader)
    pool_rows = [
        (str(row.pool), row.pool.get_kind_display(), row.received, row.committed,
         row.disbursed, row.available)
        for row in statement.pools
    ]  # fmt: skip
    total = statement.total
    pool_rows.append(
        (_("Coalition total"), "", total.received, total.committed, total.disbursed,
         total.available)
    )  # fmt: skip
    members = [
        row
        for row in statement.members
        if scope_id is None or row.member_state.pk == scope_id
    ]
    member_rows = [
        (row.member_state.name, row.pledged, row.received, row.outstanding)
        for row in members
    ]
    if scope_id is None and members:
        member_rows.append(
            (
                _("All members"),
                sum((row.pledged for row in members), Decimal(0)),
                sum((row.received for row in members), Decimal(0)),
                sum((row.outstanding for row in members), Decimal(0)),
            )
        )
    sections = [
        _small(
            "pools",
            _("Pools"),
            [
                Column(_("Pool")),
                Column(_("Kind")),
                Column(_("Received (EUR)"), MONEY),
                Column(_("Committed (EUR)"), MONEY),
                Column(_("Disbursed (EUR)"), MONEY),
                Column(_("Available (EUR)"), MONEY),
            ],
            pool_rows,
            note=_(
                "Received is contributions and approved adjustments; committed is "
                "money reserved for contracts and not yet paid."
            ),
        ),
        _small(
            "members",
            _("Members"),
            [
                Column(_("Member state")),
                Column(_("Pledged (EUR)"), MONEY),
                Column(_("Received (EUR)"), MONEY),
                Column(_("Outstanding (EUR)"), MONEY),
            ],
            member_rows,
        ),
    ]
    sections.append(
        _small(
            "chain_heads",
            _("Ledger chain heads"),
            [
                Column(_("Pool")),
                Column(_("Entries"), INT),
                Column(_("Head (SHA-256)")),
            ],
            [(str(head.pool), head.entries, head.hash) for head in statement.heads],
            note=_(
                "Every ledger entry carries the hash of its content and of the "
                "entry before it. A later statement whose ledger only added "
                "entries since still contains these heads "
                "(verify_integrity --since-head)."
            ),
        )
    )
    if period is not None:
        sections.append(_ledger_movements(period))
    return sections


MOVEMENT_KINDS = [
    LedgerKind.CONTRIBUTION,
    LedgerKind.ADJUSTMENT,
    LedgerKind.COMMITMENT,
    LedgerKind.COMMITMENT_RELEASE,
    LedgerKind.DISBURSEMENT,
]


def _month_days(month: date) -> tuple[date, date]:
    """The first day of the month and of the next."""
    first = month.replace(day=1)
    return first, (first + timedelta(days=32)).replace(day=1)


def _ledger_movements(period: date) -> Section:
    """The month's ledger entries per pool and kind (coalition figures), by the
    day the money moved (the entries' value date), not the day it was booked."""
    from secretariat.fund.models import Pool

    first, following = _month_days(period)
    sums = {
        (row["pool"], row["kind"]): row["total"]
        for row in LedgerEntry.objects.filter(
            value_date__gte=first, value_date__lt=following
        )
        .values("pool", "kind")
        .annotate(total=Sum("amount_eur"))
        .order_by()
    }
    rows = [
        (str(pool), *(sums.get((pool.pk, kind), Decimal(0)) for kind in MOVEMENT_KINDS))
        for pool in Pool.objects.order_by("kind", "name")
    ]
    return _small(
        "movements",
        _("Ledger movements in %(month)s")
        % {"month": date_format(period, "YEAR_MONTH_FORMAT")},
        [
            Column(_("Pool")),
            *(
                Column(f"{LedgerKind(kind).label} (EUR)", MONEY)
                for kind in MOVEMENT_KINDS
            ),
        ],
        rows,
    )


# ==================================================================== tenders


def _opened_bids():
    """Live bids of opened tenders. Before opening nobody but the bidder may learn
    how many bids a tender has, so sealed tenders (and tenders cancelled before
    their opening) are never counted."""
    from procurement.models import Bid, BidStatus, opened_tenders

    return Bid.objects.filter(
        opened_tenders("lot__tender__"), status=BidStatus.SUBMITTED
    )


def tender_pipeline_sections(*, scope_id) -> list[Section]:
    from procurement.models import (
        SEALED_STATUSES,
        Award,
        AwardStatus,
        Contract,
        Lot,
        Tender,
        TenderStatus,
    )

    _staff_only(scope_id)
    tenders = dict(
        Tender.objects.values_list("status").annotate(n=Count("id")).order_by()
    )
    lots = {
        row["tender__status"]: row
        for row in Lot.objects.values("tender__status")
        .annotate(lots=Count("id"), units=Sum("quantity"))
        .order_by()
    }
    bids = {
        row["lot__tender__status"]: row
        for row in _opened_bids()
        .values("lot__tender__status")
        .annotate(bids=Count("id"), bidders=Count("manufacturer", distinct=True))
        .order_by()
    }
    by_status = []
    for status in TenderStatus:
        if not tenders.get(status):
            continue
        sealed = status in SEALED_STATUSES
        counted = bids.get(status, {})
        by_status.append(
            (
                status.label,
                tenders[status],
                lots.get(status, {}).get("lots", 0),
                lots.get(status, {}).get("units") or 0,
                None if sealed else counted.get("bids", 0),
                None if sealed else counted.get("bidders", 0),
            )
        )

    live = ~Q(tender__status__in=[TenderStatus.CANCELLED, TenderStatus.UNSUCCESSFUL])
    capability_rows = {
        row["capability"]: row
        for row in Lot.objects.values("capability", "capability__name")
        .annotate(
            tenders=Count("tender", distinct=True),
            live=Count("tender", filter=live, distinct=True),
            lots=Count("id"),
            units=Sum("quantity"),
        )
        .order_by()
    }
    bids_by_capability = {
        row["lot__capability"]: row
        for row in _opened_bids()
        .values("lot__capability")
        .annotate(bids=Count("id"), bidders=Count("manufacturer", distinct=True))
        .order_by()
    }
    contracted = {
        row["award__lot__capability"]: row
        for row in Contract.objects.values("award__lot__capability")
        .annotate(units=Sum("quantity"), value=Sum("value_eur"))
        .order_by()
    }
    by_capability = [
        (
            _(row["capability__name"]),
            row["tenders"],
            row["live"],
            row["lots"],
            row["units"] or 0,
            bids_by_capability.get(key, {}).get("bids", 0),
            bids_by_capability.get(key, {}).get("bidders", 0),
            contracted.get(key, {}).get("units") or 0,
            contracted.get(key, {}).get("value") or Decimal(0),
        )
        for key, row in sorted(
            capability_rows.items(), key=lambda item: item[1]["capability__name"]
        )
    ]

    by_state = {}
    for row in (
        _opened_bids()
        .values("manufacturer__member_state__name")
        .annotate(
            bidders=Count("manufacturer", distinct=True),
            bids=Count("id"),
            tenders=Count("lot__tender", distinct=True),
        )
        .order_by()
    ):
        by_state[row["manufacturer__member_state__name"]] = [
            row["bidders"], row["bids"], row["tenders"], 0, 0, Decimal(0)
        ]  # fmt: skip
    for row in (
        Award.objects.filter(status=AwardStatus.APPROVED)
        .values("bid__manufacturer__member_state__name")
        .annotate(n=Count("id"))
        .order_by()
    ):
        name = row["bid__manufacturer__member_state__name"]
        by_state.setdefault(name, [0, 0, 0, 0, 0, Decimal(0)])[3] = row["n"]
    for row in (
        Contract.objects.values("manufacturer__member_state__name")
        .annotate(n=Count("id"), value=Sum("value_eur"))
        .order_by()
    ):
        figures = by_state.setdefault(
            row["manufacturer__member_state__name"], [0, 0, 0, 0, 0, Decimal(0)]
        )
        figures[4], figures[5] = row["n"], row["value"] or Decimal(0)
    state_rows = [(name, *figures) for name, figures in sorted(by_state.items())]

    opened_note = _(
        "Bids are counted only once a tender is opened: before that nobody but "
        "the bidder may learn how many there are."
    )
    return [
        _small(
            "by status",
            _("Tenders by status"),
            [
                Column(_("Status")),
                Column(_("Tenders"), INT),
                Column(_("Lots"), INT),
                Column(_("Units sought"), INT),
                Column(_("Bids"), INT),
                Column(_("Bidders"), INT),
            ],
            by_status,
            note=opened_note,
        ),
        _small(
            "by capability",
            _("Tenders by capability"),
            [
                Column(_("Capability")),
                Column(_("Tenders"), INT),
                Column(_("Not cancelled"), INT),
                Column(_("Lots"), INT),
                Column(_("Units sought"), INT),
                Column(_("Bids in opened tenders"), INT),
                Column(_("Bidders in opened tenders"), INT),
                Column(_("Units contracted"), INT),
                Column(_("Contracted (EUR)"), MONEY),
            ],
            by_capability,
        ),
        _small(
            "by bidder state",
            _("Bidders by member state"),
            [
                Column(_("Member state")),
                Column(_("Bidders"), INT),
                Column(_("Bids"), INT),
                Column(_("Tenders"), INT),
                Column(_("Awards approved"), INT),
                Column(_("Contracts"), INT),
                Column(_("Contracted (EUR)"), MONEY),
            ],
            state_rows,
            note=opened_note,
        ),
        _tender_list(),
    ]


def _tender_list() -> Section:
    from procurement.models import (
        Bid,
        BidStatus,
        Lot,
        Procedure,
        Tender,
        TenderStatus,
        opened_tenders,
    )

    lots = Lot.objects.filter(tender=OuterRef("pk")).order_by().values("tender")
    live_bids = (
        Bid.objects.filter(lot__tender=OuterRef("pk"), status=BidStatus.SUBMITTED)
        .order_by()
        .values("lot__tender")
        .annotate(n=Count("id"))
        .values("n")
    )
    opened = opened_tenders()
    tenders = Tender.objects.annotate(
        lot_count=Coalesce(Subquery(lots.annotate(n=Count("id")).values("n")), 0),
        units=Coalesce(Subquery(lots.annotate(n=Sum("quantity")).values("n")), 0),
        # The subquery is evaluated only for opened tenders.
        bid_count=Case(
            When(opened, then=Coalesce(Subquery(live_bids), 0)),
            default=Value(None),
            output_field=IntegerField(),
        ),
    ).order_by("submission_deadline", "id")
    statuses = dict(TenderStatus.choices)
    procedures = {
        Procedure.OPEN: pgettext("procedure", "Open"),
        Procedure.RESTRICTED: _("Restricted"),
    }

    def rows() -> Iterator[tuple]:
        for values in tenders.values_list(
            "case__reference", "title", "status", "procedure", "pool__name",
            "submission_deadline", "opened_at", "lot_count", "units", "bid_count",
        ).iterator(chunk_size=CHUNK_SIZE):  # fmt: skip
            ref, title, status, procedure, pool, deadline, opened_at, *counts = values
            yield (
                ref, title, str(statuses.get(status, status)),
                str(procedures.get(procedure, procedure)), pool, deadline, opened_at,
                *counts,
            )  # fmt: skip

    return Section(
        "tenders",
        _("Tenders"),
        [
            Column(_("Reference")),
            Column(_("Title")),
            Column(_("Status")),
            Column(_("Procedure")),
            Column(_("Pool")),
            Column(_("Bids until"), DATETIME),
            Column(_("Opened"), DATETIME),
            Column(_("Lots"), INT),
            Column(_("Units sought"), INT),
            Column(_("Bids"), INT),
        ],
        rows(),
        Tender.objects.count(),
    )


# ==================================================================== deliveries


def deliveries_sections(*, scope_id) -> list[Section]:
    """Drones contracted, delivered, accepted and received by Ukraine, by
    capability and month: each figure in the month of its own event
    (signature, delivery report, acceptance, handover); the discrepancies
    Ukraine's receipts found, open or resolved."""
    from procurement.models import (
        Contract,
        Delivery,
        DeliveryStatus,
        Discrepancy,
        DiscrepancyStatus,
        Receipt,
    )

    _staff_only(scope_id)
    figures: dict[tuple[str, date], list] = {}

    def add(queryset, capability, moment, index, **sums):
        rows = (
            queryset.annotate(month=TruncMonth(moment))
            .values(capability, "month")
            .annotate(**sums)
            .order_by()
        )
        for row in rows:
            month = row["month"]
            # A date's month is a date; a moment's, the fund's local one.
            if isinstance(month, datetime):
                month = _local_date(month)
            key = (row[capability], month.replace(day=1))
            entry = figures.setdefault(key, [0, Decimal(0), 0, 0, 0])
            for offset, name in enumerate(sums):
                entry[index + offset] = row[name] or entry[index + offset]

    add(Contract.objects, "award__lot__capability__name", "signed_at", 0,
        units=Sum("quantity"), value=Sum("value_eur"))  # fmt: skip
    add(Delivery.objects, "contract__award__lot__capability__name", "reported_at", 2,
        delivered=Sum("quantity"))  # fmt: skip
    add(Delivery.objects.filter(status=DeliveryStatus.ACCEPTED),
        "contract__award__lot__capability__name", "decided_at", 3,
        accepted=Sum("quantity_accepted"))  # fmt: skip
    add(Receipt.objects, "delivery__contract__award__lot__capability__name",
        "received_on", 4, received=Sum("quantity_received"))  # fmt: skip
    # The reference data's names, in the reader's language.
    monthly = [
        (_(capability), month, *counts)
        for (capability, month), counts in sorted(figures.items())
    ]
    totals: dict[str, list] = {}
    for capability, _month, *counts in monthly:
        entry = totals.setdefault(capability, [0, Decimal(0), 0, 0, 0])
        for index, value in enumerate(counts):
            entry[index] += value
    found = {
        _(row["receipt__delivery__contract__award__lot__capability__name"]): row
        for row in Discrepancy.objects.values(
            "receipt__delivery__contract__award__lot__capability__name"
        )
        .annotate(
            open=Count("pk", filter=Q(status=DiscrepancyStatus.OPEN)),
            resolved=Count("pk", filter=Q(status=DiscrepancyStatus.RESOLVED)),
            missing=Sum("units_missing"),
            damaged=Sum("units_damaged"),
        )
        .order_by()
    }
    total_rows = [
        (
            capability, units, value, delivered, accepted, max(units - accepted, 0),
            received,
            *(found.get(capability, {}).get(key) or 0
              for key in ("open", "resolved", "missing", "damaged")),
        )
        for capability, (units, value, delivered, accepted, received) in sorted(
            totals.items()
        )
    ]  # fmt: skip
    return [
        _small(
            "by capability",
            _("By capability"),
            [
                Column(_("Capability")),
                Column(_("Drones contracted"), INT),
                Column(_("Contracted (EUR)"), MONEY),
                Column(_("Drones delivered"), INT),
                Column(_("Drones accepted"), INT),
                Column(_("Still to accept"), INT),
                Column(_("Drones received by Ukraine"), INT),
                Column(_("Discrepancies open"), INT),
                Column(_("Discrepancies resolved"), INT),
                Column(_("Drones missing"), INT),
                Column(_("Drones damaged"), INT),
            ],
            total_rows,
            note=_(
                "Received is what Ukraine's end users confirmed at the handover; "
                "a discrepancy is a receipt of fewer drones than accepted, or of "
                "damaged ones."
            ),
        ),
        _small(
            "by month",
            _("By capability and month"),
            [
                Column(_("Capability")),
                Column(_("Month"), MONTH),
                Column(_("Drones contracted"), INT),
                Column(_("Contracted (EUR)"), MONEY),
                Column(_("Drones delivered"), INT),
                Column(_("Drones accepted"), INT),
                Column(_("Drones received by Ukraine"), INT),
            ],
            monthly,
            note=_(
                "Contracted counts in the month the contract was signed, delivered "
                "in the month the delivery was reported, accepted in the month of "
                "the acceptance tests' decision, received in the month of the "
                "handover."
            ),
        ),
        _delivery_list(),
        _discrepancy_list(),
    ]


def _delivery_list() -> Section:
    from procurement.models import Delivery, DeliveryStatus, DiscrepancyStatus

    deliveries = Delivery.objects.order_by("reported_at", "id")
    statuses = dict(DeliveryStatus.choices)
    discrepancy_statuses = dict(DiscrepancyStatus.choices)

    def rows() -> Iterator[tuple]:
        for values in deliveries.values_list(
            "contract_id", "contract__manufacturer__name",
            "contract__manufacturer__member_state__name",
            "contract__award__lot__capability__name", "milestone__number",
            "reported_at", "quantity", "status", "quantity_accepted", "tested_on",
            "test_site", "receipt__quantity_received", "receipt__discrepancy__status",
        ).iterator(chunk_size=CHUNK_SIZE):  # fmt: skip
            (contract_id, *middle, status, accepted, tested_on, site, received,
             discrepancy) = values  # fmt: skip
            yield (
                f"CTR-{contract_id:05d}", *middle, str(statuses.get(status, status)),
                accepted, tested_on, site, received,
                str(discrepancy_statuses.get(discrepancy, discrepancy or "")),
            )  # fmt: skip

    return Section(
        "deliveries",
        _("Deliveries"),
        [
            Column(_("Contract")),
            Column(_("Manufacturer")),
            Column(_("Member state")),
            Column(_("Capability")),
            Column(_("Milestone"), INT),
            Column(_("Reported"), DATETIME),
            Column(_("Drones delivered"), INT),
            Column(_("Status")),
            Column(_("Drones accepted"), INT),
            Column(_("Tested on"), DATE),
            Column(_("Test site")),
            # The receipt's details are in the discrepancies' table.
            Column(_("Received"), INT),
            Column(_("Discrepancy")),
        ],
        rows(),
        deliveries.count(),
        note=_(
            "Received is what Ukraine's end users confirmed at the handover; a "
            "discrepancy's details are in the table of discrepancies."
        ),
    )


def _discrepancy_list() -> Section:
    """Each discrepancy case Ukraine's receipts opened, oldest first."""
    from procurement.models import Discrepancy, DiscrepancyStatus

    cases = Discrepancy.objects.order_by("case__opened_at", "id")
    statuses = dict(DiscrepancyStatus.choices)

    def rows() -> Iterator[tuple]:
        for values in cases.values_list(
            "case__reference", "receipt__delivery__contract_id",
            "receipt__delivery__contract__manufacturer__name",
            "receipt__delivery__contract__award__lot__capability__name",
            "receipt__received_on", "receipt__delivery__quantity_accepted",
            "receipt__quantity_received", "units_missing", "units_damaged", "status",
            "case__opened_at", "resolved_at",
        ).iterator(chunk_size=CHUNK_SIZE):  # fmt: skip
            ref, contract_id, maker, capability, *counts, status, opened, done = values
            yield (
                ref, f"CTR-{contract_id:05d}", maker, _(capability), *counts,
                str(statuses.get(status, status)), _local_date(opened),
                _local_date(done),
            )  # fmt: skip

    return Section(
        "discrepancies",
        _("Discrepancies"),
        [
            Column(_("Case")),
            Column(_("Contract")),
            Column(_("Manufacturer")),
            Column(_("Capability")),
            Column(_("Received on"), DATE),
            Column(_("Drones accepted"), INT),
            Column(_("Drones received"), INT),
            Column(_("Drones missing"), INT),
            Column(_("Drones damaged"), INT),
            Column(_("Status")),
            Column(_("Opened"), DATE),
            Column(_("Resolved"), DATE),
        ],
        rows(),
        cases.count(),
        note=_(
            "A receipt of fewer drones than accepted, or of damaged ones, opens a "
            "case for the procurement officer and holds the milestone's unpaid "
            "money until it is resolved."
        ),
    )


# ==================================================================== requirements


def _by_requirement(queryset, path: str, **sums) -> dict[int, dict]:
    """``sums`` of ``queryset`` per requirement its tender answers (``path``
    leads from the rows to the tender's requirements): a row of a tender that
    answers two requirements counts for both."""
    return {
        row[path]: row
        for row in queryset.filter(**{f"{path}__isnull": False})
        .values(path)
        .annotate(**sums)
        .order_by()
    }


def requirements_sections(*, scope_id) -> list[Section]:
    """Each requirement from request to receipt: when it was submitted or
    recorded, its status, the tenders that answer it, and the drones contracted,
    delivered, accepted and received under them, the discrepancies found and the
    field reports' mean rating."""
    from procurement.models import (
        Contract,
        ContractStatus,
        Delivery,
        DeliveryStatus,
        Discrepancy,
        DiscrepancyStatus,
        FieldReport,
        Receipt,
        Requirement,
        RequirementPriority,
        RequirementStatus,
        Tender,
    )
    from procurement.track_record import rating_aggregates, ratings_of

    _staff_only(scope_id)
    requirements = Requirement.objects.order_by("recorded_at", "id")
    statuses = dict(RequirementStatus.choices)
    priorities = dict(RequirementPriority.choices)
    tender = "award__lot__tender__requirements"

    def figures() -> dict[str, dict]:
        tenders: dict[int, list[str]] = {}
        for requirement_id, reference in (
            Tender.objects.filter(requirements__isnull=False)
            .order_by("case__reference")
            .values_list("requirements", "case__reference")
        ):
            tenders.setdefault(requirement_id, []).append(reference)
        contracted = _by_requirement(
            Contract.objects.exclude(status=ContractStatus.TERMINATED),
            tender,
            units=Sum("quantity"),
        )
        delivered = _by_requirement(
            Delivery.objects,
            f"contract__{tender}",
            units=Sum("quantity"),
            accepted=Sum("quantity_accepted", filter=Q(status=DeliveryStatus.ACCEPTED)),
        )
        received = _by_requirement(
            Receipt.objects, f"delivery__contract__{tender}",
            units=Sum("quantity_received"),
        )  # fmt: skip
        found = _by_requirement(
            Discrepancy.objects,
            f"receipt__delivery__contract__{tender}",
            cases=Count("pk"),
            open=Count("pk", filter=Q(status=DiscrepancyStatus.OPEN)),
            missing=Sum("units_missing"),
            damaged=Sum("units_damaged"),
        )
        reports = _by_requirement(
            FieldReport.objects,
            f"receipt__delivery__contract__{tender}",
            reports=Count("pk"),
            **rating_aggregates(),
        )
        return {
            "tenders": tenders, "contracted": contracted, "delivered": delivered,
            "received": received, "found": found, "reports": reports,
        }  # fmt: skip

    def rows() -> Iterator[tuple]:
        # Read when the writer asks for the first row, like the rows themselves.
        got = figures()

        def of(name, pk, key):
            return (got[name].get(pk) or {}).get(key) or 0

        for values in requirements.values_list(
            "pk", "title", "capability__name", "unit__name", "priority", "quantity",
            "needed_by", "recorded_at", "status",
        ).iterator(chunk_size=CHUNK_SIZE):  # fmt: skip
            pk, title, capability, unit, priority, quantity, needed_by, at, status = (
                values
            )
            report_row = got["reports"].get(pk)
            rating = ratings_of(report_row)[1] if report_row else None
            yield (
                f"REQ-{pk:05d}", title, _(capability),
                unit or _("Recorded by the secretariat"),
                str(priorities.get(priority, priority)), quantity, needed_by,
                _local_date(at), str(statuses.get(status, status)),
                ", ".join(got["tenders"].get(pk, [])),
                of("contracted", pk, "units"), of("delivered", pk, "units"),
                of("delivered", pk, "accepted"), of("received", pk, "units"),
                of("found", pk, "cases"), of("found", pk, "open"),
                of("found", pk, "missing"), of("found", pk, "damaged"),
                of("reports", pk, "reports"), rating,
            )  # fmt: skip

    return [
        Section(
            "requirements",
            _("Requirements"),
            [
                Column(_("Requirement")),
                Column(_("Title")),
                Column(_("Capability")),
                Column(_("Stated by")),
                Column(_("Priority")),
                Column(_("Drones requested"), INT),
                Column(_("Needed by"), DATE),
                Column(_("Submitted or recorded"), DATE),
                Column(_("Status")),
                Column(_("Tenders")),
                Column(_("Drones contracted"), INT),
                Column(_("Drones delivered"), INT),
                Column(_("Drones accepted"), INT),
                Column(_("Drones received by Ukraine"), INT),
                Column(_("Discrepancies"), INT),
                Column(_("Discrepancies open"), INT),
                Column(_("Drones missing"), INT),
                Column(_("Drones damaged"), INT),
                Column(_("Field reports"), INT),
                Column(_("Mean field rating (1-5)"), SCORE),
            ],
            rows(),
            requirements.count(),
            note=_(
                "The figures of a requirement are those of the tenders that answer "
                "it, over all their lots: a tender answering two requirements counts "
                "for both. Contracted leaves out terminated contracts; delivered "
                "counts every batch reported, rejected ones too; the mean field "
                "rating is that of every rating given on the tenders' criteria."
            ),
        )
    ]


# ==================================================================== onboarding


def onboarding_sections(*, scope_id) -> list[Section]:
    """Each state with its status and open onboarding case; each open step of an
    open case, overdue first."""
    from members.models import MemberState, MemberStatus, OnboardingCase, StepKind
    from members.models import OnboardingStep as Step

    today = timezone.localdate()
    states = MemberState.objects.all()
    steps = Step.objects.filter(onboarding__is_open=True, completed_at__isnull=True)
    if scope_id is not None:
        states = states.filter(pk=scope_id)
        steps = steps.filter(onboarding__member_state_id=scope_id)
    open_case = OnboardingCase.objects.filter(member_state=OuterRef("pk"), is_open=True)
    open_steps = Q(
        onboarding_cases__is_open=True,
        onboarding_cases__steps__completed_at__isnull=True,
    )
    states = (
        states.annotate(
            case_reference=Subquery(open_case.values("case__reference")[:1]),
            case_opened=Subquery(open_case.values("case__opened_at")[:1]),
            case_due=Subquery(open_case.values("case__due_date")[:1]),
            open_steps=Count("onboarding_cases__steps", filter=open_steps),
            overdue_steps=Count(
                "onboarding_cases__steps",
                filter=open_steps & Q(onboarding_cases__steps__due_date__lt=today),
            ),
        )
        .annotate(
            is_late=Case(
                When(overdue_steps__gt=0, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("is_late", "name")
    )
    member_statuses = dict(MemberStatus.choices)
    step_kinds = dict(StepKind.choices)

    def state_rows() -> Iterator[tuple]:
        for values in states.values_list(
            "name", "status", "joined_on", "case_reference", "case_opened",
            "case_due", "open_steps", "overdue_steps",
        ).iterator(chunk_size=CHUNK_SIZE):  # fmt: skip
            name, status, joined, ref, opened, due, open_count, late = values
            yield (
                name, str(member_statuses.get(status, status)), joined, ref or "",
                _local_date(opened), due, open_count, late,
            )  # fmt: skip

    ordered_steps = steps.annotate(
        is_late=Case(
            When(due_date__lt=today, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        ),
        no_due=Case(
            When(due_date__isnull=True, then=Value(1)),
            default=Value(0),
            output_field=IntegerField(),
        ),
    ).order_by(
        "is_late", "no_due", "due_date", "onboarding__member_state__name", "position"
    )

    def step_rows() -> Iterator[tuple]:
        for values in ordered_steps.values_list(
            "onboarding__case__reference", "onboarding__member_state__name", "kind",
            "required", "owner__first_name", "owner__last_name", "owner__username",
            "due_date", "document_id",
        ).iterator(chunk_size=CHUNK_SIZE):  # fmt: skip
            ref, state, kind, required, first, last, username, due, document = values
            owner = f"{first} {last}".strip() or (username or "")
            late = (today - due).days if due is not None and due < today else None
            yield (
                ref, state, str(step_kinds.get(kind, kind)),
                _("yes") if required else _("no"), owner, due, late,
                _("yes") if document else _("no"),
            )  # fmt: skip

    return [
        Section(
            "states",
            _("Member states"),
            [
                Column(_("Member state")),
                Column(_("Status")),
                Column(_("Member since"), DATE),
                Column(_("Open onboarding case")),
                Column(_("Case opened"), DATE),
                Column(_("Case due"), DATE),
                Column(_("Open steps"), INT),
                Column(_("Overdue steps"), INT),
            ],
            state_rows(),
            states.count(),
            note=_("States with overdue steps first."),
        ),
        Section(
            "open steps",
            _("Open steps"),
            [
                Column(_("Case")),
                Column(_("Member state")),
                Column(_("Step")),
                Column(_("Required")),
                Column(_("Owner")),
                Column(_("Due"), DATE),
                Column(_("Days overdue"), INT),
                Column(_("Document uploaded")),
            ],
            step_rows(),
            steps.count(),
            note=_("Overdue steps first, then by due date."),
        ),
    ]


# ==================================================================== ledger

LEDGER_COLUMNS = [
    Column(_("Recorded"), DATETIME),
    Column(_("Entry"), INT),
    Column(_("Pool")),
    Column(_("Kind")),
    Column(_("Amount (EUR)"), MONEY),
    Column(_("Original amount"), MONEY),
    Column(_("Original currency")),
    Column(_("Units per EUR"), RATE),
    Column(_("Member state")),
    Column(_("Commitment")),
    Column(_("Disbursement")),
    Column(_("Bank reference")),
    Column(_("Memo")),
    Column(_("Recorded by")),
    # The day the money moved; a month's copy holds the entries of that month.
    Column(_("Value date"), DATE),
]


def ledger_entries(period: date | None = None):
    """The ledger in the order it was written; a month's copy holds the entries
    whose money moved that month (their value date)."""
    entries = LedgerEntry.objects.order_by("created_at", "id")
    if period is not None:
        first, following = _month_days(period)
        entries = entries.filter(value_date__gte=first, value_date__lt=following)
    return entries


def ledger_rows(entries) -> Iterator[tuple]:
    """Every entry as read, oldest first; nothing is collected."""
    kinds = dict(LedgerKind.choices)
    for values in entries.values_list(
        "created_at", "id", "pool__name", "kind", "amount_eur", "original_amount",
        "original_currency", "fx_rate", "contribution__pledge__member_state__name",
        "commitment_id", "disbursement__case__reference",
        "contribution__bank_reference", "disbursement__bank_reference", "memo",
        "created_by__first_name", "created_by__last_name", "created_by__username",
        "value_date",
    ).iterator(chunk_size=CHUNK_SIZE):  # fmt: skip
        (at, pk, pool, kind, amount, original, currency, rate, state, commitment,
         disbursement, credit_ref, payment_ref, memo, first, last,
         username, value_date) = values  # fmt: skip
        yield (
            at, pk, pool, str(kinds.get(kind, kind)), amount, original, currency,
            rate, state or "", f"COM-{commitment:05d}" if commitment else "",
            disbursement or "", credit_ref or payment_ref or "", memo,
            f"{first} {last}".strip() or username, value_date,
        )  # fmt: skip


def _text_cell(expression: str) -> str:
    """SQL for ``csv_value`` of a text: ``safe_cell``'s leading single quote on a
    text starting with ``= + - @``, a tab or a carriage return, and NULL for an
    empty text (a CSV ``COPY`` writes NULL as an empty cell, '' as ``""``).
    ``ascii()`` (the first character's code, 0 for '') is compared as integers:
    far cheaper per row than comparing texts."""
    starts = ", ".join(str(ord(c)) for c in FORMULA_STARTS)
    return (
        f"CASE WHEN ascii({expression}) IN ({starts}) THEN '''' || {expression} "
        f"WHEN ascii({expression}) <> 0 THEN {expression} END"
    )


# The first characters ``writers.safe_cell`` escapes (its FORMULA_PREFIXES).
FORMULA_STARTS = "=+-@\t\r"


def ledger_copy_query() -> tuple[str, list]:
    """``ledger_rows`` over the whole ledger as one SELECT whose cells are already
    what ``csv_value`` makes of them, for PostgreSQL's ``COPY ... TO STDOUT`` (run
    by ``writers.csv_copy_stream``, in the current time zone): the export then
    costs what the database costs, not a Python loop per row."""
    from members.models import Contribution, MemberState, Pledge
    from secretariat.accounts.models import User
    from secretariat.fund.models import DisbursementRequest, Pool
    from secretariat.kernel.models import Case
    from secretariat.reports.writers import safe_cell

    kinds = [(value, safe_cell(str(label))) for value, label in LedgerKind.choices]
    kind_values = ", ".join("(%s, %s)" for _kind in kinds)
    # "First Last" trimmed of what Python's str.strip() trims, else the username.
    name = "COALESCE(NULLIF(btrim(first_name || ' ' || last_name, %s), ''), username)"
    commitment = (
        "CASE WHEN e.commitment_id <> 0 THEN 'COM-' || CASE "
        "WHEN e.commitment_id < 10000 THEN lpad(e.commitment_id::text, 5, '0') "
        "ELSE e.commitment_id::text END END"
    )
    # The joins are hashed and run in parallel, then sorted in memory (see
    # writers.csv_copy_stream for the session's settings). Moments and dates are
    # cast to text rather than passed through to_char(), which costs several
    # times more per row: in the session's time zone, truncated to the second as
    # strftime() truncates, written as ISO (DateStyle) as isoformat() writes them.
    sql = f"""
        SELECT
            date_trunc('second', e.created_at::timestamp)::text,
            e.id,
            pool.name,
            COALESCE(kinds.label, {_text_cell("e.kind")}),
            e.amount_eur,
            e.original_amount,
            {_text_cell("e.original_currency")},
            trim_scale(e.fx_rate),
            state.name,
            {commitment},
            {_text_cell("cas.reference")},
            CASE WHEN contribution.bank_reference <> ''
                THEN {_text_cell("contribution.bank_reference")}
                ELSE {_text_cell("disbursement.bank_reference")} END,
            {_text_cell("e.memo")},
            person.name,
            e.value_date::text
        FROM {LedgerEntry._meta.db_table} e
        JOIN (
            SELECT id, {_text_cell("name")} AS name
            FROM {Pool._meta.db_table}
        ) pool ON pool.id = e.pool_id
        JOIN (
            SELECT id, {_text_cell(name)} AS name
            FROM {User._meta.db_table}
        ) person ON person.id = e.created_by_id
        LEFT JOIN (VALUES {kind_values}) kinds (kind, label) ON kinds.kind = e.kind
        LEFT JOIN {Contribution._meta.db_table} contribution
            ON contribution.id = e.contribution_id
        LEFT JOIN (
            SELECT pledge.id, {_text_cell("state.name")} AS name
            FROM {Pledge._meta.db_table} pledge
            JOIN {MemberState._meta.db_table} state
                ON state.id = pledge.member_state_id
        ) state ON state.id = contribution.pledge_id
        LEFT JOIN {DisbursementRequest._meta.db_table} disbursement
            ON disbursement.id = e.disbursement_id
        LEFT JOIN {Case._meta.db_table} cas ON cas.id = disbursement.case_id
        ORDER BY e.created_at, e.id
    """  # noqa: S608 - table names from the models, values as parameters
    # In the order of their %s: the person's name (four times in _text_cell),
    # then the kinds.
    params = [WHITE_SPACE] * 4 + [item for pair in kinds for item in pair]
    return sql, params


# Every character Python's str.isspace() (and so str.strip()) counts as space:
# "".join(c for c in map(chr, range(0x110000)) if c.isspace()).
WHITE_SPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003"
    "\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)


def ledger_sections(*, scope_id, period) -> list[Section]:
    _staff_only(scope_id)
    entries = ledger_entries(period)
    return [
        Section(
            "ledger",
            _("Ledger entries"),
            LEDGER_COLUMNS,
            ledger_rows(entries),
            entries.count(),
        )
    ]


# ==================================================================== the report


def _staff_only(scope_id) -> None:
    if scope_id is not None:
        # The services never ask for one: these reports have no liaison's copy.
        raise ValueError("This report has no member state's copy.")


TITLES = dict(ReportKind.choices)


def report_content(report: Report, *, reader) -> ReportContent:
    """The tables of ``report``, for its scope and month, read as ``reader``."""
    scope_id, period = report.scope_id, report.period
    kind = report.kind
    if kind == ReportKind.FUND_STATEMENT:
        sections = fund_statement_sections(
            reader=reader, scope_id=scope_id, period=period
        )
    elif kind == ReportKind.TENDER_PIPELINE:
        sections = tender_pipeline_sections(scope_id=scope_id)
    elif kind == ReportKind.DELIVERIES:
        sections = deliveries_sections(scope_id=scope_id)
    elif kind == ReportKind.ONBOARDING:
        sections = onboarding_sections(scope_id=scope_id)
    elif kind == ReportKind.REQUIREMENTS:
        sections = requirements_sections(scope_id=scope_id)
    elif kind == ReportKind.LEDGER:
        sections = ledger_sections(scope_id=scope_id, period=period)
    else:
        raise ValueError(f"Unknown report kind {kind!r}")
    return ReportContent(
        kind=kind,
        title=str(TITLES[kind]),
        scope_name=report.scope.name if report.scope_id else _("All member states"),
        period=period,
        generated_at=timezone.now(),
        sections=sections,
    )
