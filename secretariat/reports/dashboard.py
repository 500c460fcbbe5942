"""The figures of the staff dashboard.

Every reader here costs a small, fixed number of aggregate queries, however many
rows there are: the database sums and counts, Python only arranges the answers.
Each takes the user and answers nothing to someone who is not staff, like the
other selectors.

Bids never appear here, not even their number: before opening, how many bids a
tender has is itself a secret. The tender figures count tenders only.

The figures are the same for everyone in a visibility scope (``dashboard_scope``),
so they are kept in the cache per scope under their data version, which every
write they read bumps (``secretariat.reports.freshness``); the person's own
overdue work is read on every request.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from members.models import MemberState, MemberStatus, OnboardingStep
from procurement.models import (
    Contract,
    ContractStatus,
    DeliveryMonth,
    Tender,
    TenderStatus,
)
from secretariat.fund.models import LedgerKind, LedgerMonth, Pool
from secretariat.kernel import versions
from secretariat.kernel.roles import is_staff_reader
from secretariat.reports.charts import (
    Chart,
    Series,
    format_count,
    format_eur,
    monthly_chart,
)
from secretariat.reports.selectors import WorkItem, work_items_for

ZERO = Decimal("0.00")
# The charts span the last twelve months, or back to the fund's first money
# when it is older, up to three years.
MONTHS = 12
MAX_MONTHS = 36

# Tenders under way, in the order they move. Drafts are the procurement officer's
# own business; contracted, cancelled and unsuccessful tenders are over.
OPEN_TENDER_STATUSES = [
    TenderStatus.PUBLISHED,
    TenderStatus.TENDERING,
    TenderStatus.CLOSED,
    TenderStatus.OPENED,
    TenderStatus.EVALUATION,
    TenderStatus.AWARDED,
]
# A terminated contract's drones are no longer expected; a completed one's were.
CONTRACTED_STATUSES = [ContractStatus.SIGNED, ContractStatus.COMPLETED]
# Delivered drones are counted per month by the delivery services
# (``DeliveryMonth``): a rejected batch goes back and is delivered again, so only
# batches awaiting or past their acceptance count as delivered.


# The figures' visibility scopes: staff read every workflow's figures, anyone
# else none of them. Shared by everyone in the scope, so cached per scope.
STAFF_SCOPE = ("staff",)
NO_SCOPE = ("none",)


def dashboard_scope(user) -> tuple:
    """Whose figures ``user`` reads: the scope every reader here filters by
    (``_scoped``), and the key their cached figures are shared under."""
    return STAFF_SCOPE if is_staff_reader(user) else NO_SCOPE


def _scoped(queryset: QuerySet, user) -> QuerySet:
    return queryset if dashboard_scope(user) == STAFF_SCOPE else queryset.none()


# ---------------------------------------------------------------- the fund


@dataclass(frozen=True)
class PoolFigures:
    name: str
    received: Decimal
    committed: Decimal
    disbursed: Decimal
    available: Decimal


@dataclass(frozen=True)
class FundFigures:
    pools: list[PoolFigures]
    total: PoolFigures


def fund_by_pool(user) -> FundFigures:
    """The pools' running totals, in EUR (one query)."""
    rows = _scoped(Pool.objects.order_by("kind", "name"), user).values_list(
        "name", "received", "committed", "disbursed"
    )
    pools = [
        PoolFigures(
            name, received, committed, disbursed, received - committed - disbursed
        )
        for name, received, committed, disbursed in rows
    ]

    def total(attribute):
        return sum((getattr(p, attribute) for p in pools), ZERO)

    return FundFigures(
        pools=pools,
        total=PoolFigures(
            "",
            total("received"),
            total("committed"),
            total("disbursed"),
            total("available"),
        ),
    )


# ---------------------------------------------------------------- drones


@dataclass(frozen=True)
class DroneFigures:
    contracted: int
    delivered: int
    accepted: int


def drones(user) -> DroneFigures:
    """Drones under signed contracts, reported delivered (less rejected
    batches), and accepted after their tests (two queries; the deliveries from
    their monthly counts, ``DeliveryMonth``)."""
    contracted = _scoped(
        Contract.objects.filter(status__in=CONTRACTED_STATUSES), user
    ).aggregate(total=Coalesce(Sum("quantity"), 0))["total"]
    delivered = _scoped(DeliveryMonth.objects.all(), user).aggregate(
        delivered=Coalesce(Sum("delivered"), 0),
        accepted=Coalesce(Sum("accepted"), 0),
    )
    return DroneFigures(
        contracted=contracted,
        delivered=delivered["delivered"],
        accepted=delivered["accepted"],
    )


# ---------------------------------------------------------------- tenders


@dataclass(frozen=True)
class StatusCount:
    status: str
    label: str
    count: int


@dataclass(frozen=True)
class TenderFigures:
    statuses: list[StatusCount]
    total: int


def open_tenders(user) -> TenderFigures:
    """Tenders under way, counted by status (one query, on tenders alone)."""
    counts = dict(
        _scoped(Tender.objects.filter(status__in=OPEN_TENDER_STATUSES), user)
        .order_by()
        .values("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    statuses = [
        StatusCount(status.value, status.label, counts.get(status.value, 0))
        for status in OPEN_TENDER_STATUSES
    ]
    return TenderFigures(statuses=statuses, total=sum(s.count for s in statuses))


# ---------------------------------------------------------------- onboarding


@dataclass(frozen=True)
class OnboardingFigures:
    states: list[StatusCount]
    open_steps: int
    overdue_steps: int


def onboarding_pipeline(user, *, today: date | None = None) -> OnboardingFigures:
    """Member states by status, and the open cases' steps still to do and those
    past their due date (two queries)."""
    today = today or timezone.localdate()
    counts = dict(
        _scoped(MemberState.objects.all(), user)
        .order_by()
        .values("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    # A step without its own due date is due with its case, as on "my work".
    steps = _scoped(
        OnboardingStep.objects.filter(
            completed_at__isnull=True, onboarding__is_open=True
        ),
        user,
    ).aggregate(
        open=Count("id"),
        overdue=Count(
            "id",
            filter=Q(due_date__lt=today)
            | Q(due_date__isnull=True, onboarding__case__due_date__lt=today),
        ),
    )
    return OnboardingFigures(
        states=[
            StatusCount(status.value, status.label, counts.get(status.value, 0))
            for status in MemberStatus
        ],
        open_steps=steps["open"],
        overdue_steps=steps["overdue"],
    )


# ---------------------------------------------------------------- my work


def my_overdue_work(user, *, today: date | None = None) -> list[WorkItem]:
    """What awaits the user and is past due, oldest first (the fixed number of
    bounded queries of ``work_items_for``)."""
    today = today or timezone.localdate()
    return [
        item
        for item in work_items_for(user)
        if item.due_date is not None and item.due_date < today
    ]


# ---------------------------------------------------------------- over time


@dataclass(frozen=True)
class MonthlySeries:
    """Values per month, oldest month first; ``series`` maps a name to one value
    per month."""

    months: list[date]
    series: dict[str, list] = field(default_factory=dict)

    def total(self, name):
        return sum(self.series[name])


def last_months(today: date | None = None, count: int = MONTHS) -> list[date]:
    """The first days of the last ``count`` months, this one included."""
    today = today or timezone.localdate()
    index = today.year * 12 + today.month - 1
    return [date(i // 12, i % 12 + 1, 1) for i in range(index - count + 1, index + 1)]


def _since(month: date) -> datetime:
    return timezone.make_aware(datetime(month.year, month.month, 1))


def _month_of(value) -> date:
    # TruncMonth truncates in the current time zone and answers an aware
    # datetime: its month is the local month.
    if isinstance(value, datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    return date(value.year, value.month, 1)


def _by_month(queryset, *, when: str, amount: str, extra=()) -> dict:
    """{(month, *extra values): sum of amount}, one query."""
    rows = (
        queryset.annotate(month=TruncMonth(when))
        .order_by()
        .values("month", *extra)
        .annotate(total=Sum(amount))
        .values_list("month", *extra, "total")
    )
    found = defaultdict(int)
    for month, *rest in rows:
        *keys, total = rest
        found[(_month_of(month), *keys)] += total or 0
    return found


# The ledger's kinds, as the fund's three monthly flows. Money in is
# contributions and adjustments (which may be negative); newly committed is
# commitments less the releases of the month; disbursed is payments.
FUND_FLOWS = {
    LedgerKind.CONTRIBUTION: ("received", 1),
    LedgerKind.ADJUSTMENT: ("received", 1),
    LedgerKind.COMMITMENT: ("committed", 1),
    LedgerKind.COMMITMENT_RELEASE: ("committed", -1),
    LedgerKind.DISBURSEMENT: ("disbursed", 1),
}


def fund_by_month(user, *, today: date | None = None) -> MonthlySeries:
    """Money received, newly committed and disbursed per month over the last
    twelve months (or since the first money, up to ``MAX_MONTHS``), in EUR,
    from the ledger's monthly sums (one query): each
    amount in the month of its value date (received, paid), not of the day it
    was booked.

    Over a pool's whole life, received sums to its ``received``, disbursed to its
    ``disbursed``, and committed to its ``committed`` plus ``disbursed`` (a
    payment moves money from committed to disbursed)."""
    longest = last_months(today, MAX_MONTHS)
    found = defaultdict(int)
    # The monthly sums kept with the ledger (``LedgerMonth``), not the entries.
    rows = (
        _scoped(LedgerMonth.objects.filter(month__gte=longest[0]), user)
        .order_by()
        .values("month", "kind")
        .annotate(total=Sum("total_eur"))
        .values_list("month", "kind", "total")
    )
    for month, kind, total in rows:
        found[(month, kind)] += total or 0
    first = min((month for month, _kind in found), default=longest[-1])
    months = [m for m in longest if m >= first] if first < longest[-MONTHS] else []
    months = months or longest[-MONTHS:]
    series = {
        name: [ZERO] * len(months) for name in ("received", "committed", "disbursed")
    }
    for i, month in enumerate(months):
        for kind, (name, sign) in FUND_FLOWS.items():
            series[name][i] += sign * Decimal(found.get((month, kind), 0))
    return MonthlySeries(months=months, series=series)


def drones_by_month(
    user, *, today: date | None = None, months: list[date] | None = None
) -> MonthlySeries:
    """Drones contracted (by signing date), delivered (by report date) and
    accepted (by decision date) per month over ``months`` (the fund chart's)
    or the last twelve (two queries)."""
    months = months or last_months(today)
    since = _since(months[0])
    contracted = _by_month(
        _scoped(
            Contract.objects.filter(
                status__in=CONTRACTED_STATUSES, signed_at__gte=since
            ),
            user,
        ),
        when="signed_at",
        amount="quantity",
    )
    # The monthly counts kept by the delivery services, not the deliveries.
    counted = {
        month: (delivered, accepted)
        for month, delivered, accepted in _scoped(
            DeliveryMonth.objects.filter(month__gte=months[0]), user
        ).values_list("month", "delivered", "accepted")
    }
    delivered = {(m,): d for m, (d, _a) in counted.items()}
    accepted = {(m,): a for m, (_d, a) in counted.items()}
    return MonthlySeries(
        months=months,
        series={
            "contracted": [int(contracted.get((m,), 0)) for m in months],
            "delivered": [int(delivered.get((m,), 0)) for m in months],
            "accepted": [int(accepted.get((m,), 0)) for m in months],
        },
    )


# ---------------------------------------------------------------- the page


@dataclass(frozen=True)
class Dashboard:
    fund: FundFigures
    drones: DroneFigures
    tenders: TenderFigures
    onboarding: OnboardingFigures
    overdue: list[WorkItem]
    fund_months: MonthlySeries
    drone_months: MonthlySeries
    as_of: datetime


@dataclass(frozen=True)
class SharedFigures:
    """The figures everyone in a scope reads alike, and when they were
    computed."""

    fund: FundFigures
    drones: DroneFigures
    tenders: TenderFigures
    onboarding: OnboardingFigures
    fund_months: MonthlySeries
    drone_months: MonthlySeries
    as_of: datetime


# The data version of the figures: bumped by every write they read
# (``secretariat.reports.freshness``). The timeout is only a backstop.
VERSION = "dashboard"
CACHE_SECONDS = 5 * 60


def _shared_figures(user, today: date) -> SharedFigures:
    fund_months = fund_by_month(user, today=today)
    return SharedFigures(
        fund=fund_by_pool(user),
        drones=drones(user),
        tenders=open_tenders(user),
        onboarding=onboarding_pipeline(user, today=today),
        fund_months=fund_months,
        drone_months=drones_by_month(user, today=today, months=fund_months.months),
        as_of=timezone.now(),
    )


def shared_figures(user, today: date) -> SharedFigures:
    """The scope's figures, from the cache while no write has changed them
    since (their version), on the same day (the overdue steps and the
    months are today's) in the same time zone (months are local) and
    language."""
    version = versions.current(VERSION)
    if version is None:  # the cache is down
        return _shared_figures(user, today)
    key = ":".join(
        map(
            str,
            (
                "dashboard",
                version,
                *dashboard_scope(user),
                today.isoformat(),
                timezone.get_current_timezone_name(),
                get_language(),
            ),
        )
    )
    figures = versions.safe_get(key)
    if figures is None:
        figures = _shared_figures(user, today)
        versions.safe_set(key, figures, CACHE_SECONDS)
    return figures


def dashboard_for(user) -> Dashboard:
    today = timezone.localdate()
    shared = shared_figures(user, today)
    return Dashboard(
        fund=shared.fund,
        drones=shared.drones,
        tenders=shared.tenders,
        onboarding=shared.onboarding,
        # The person's own work is theirs alone: never shared, never cached.
        overdue=my_overdue_work(user, today=today),
        fund_months=shared.fund_months,
        drone_months=shared.drone_months,
        as_of=shared.as_of,
    )


def charts_for(board: Dashboard) -> list[Chart]:
    fund, made = board.fund_months, board.drone_months
    return [
        monthly_chart(
            chart_id="chart-fund",
            kind="bar",
            title=_("The fund per month"),
            unit="EUR",
            months=fund.months,
            series=[
                Series("received", _("Received"), fund.series["received"]),
                Series("committed", _("Newly committed"), fund.series["committed"]),
                Series("disbursed", _("Disbursed"), fund.series["disbursed"]),
            ],
            fmt=format_eur,
        ),
        monthly_chart(
            chart_id="chart-drones",
            kind="line",
            title=_("Drones per month"),
            unit=_("drones"),
            months=made.months,
            series=[
                Series("contracted", _("Contracted"), made.series["contracted"]),
                Series("delivered", _("Delivered"), made.series["delivered"]),
                Series("accepted", _("Accepted"), made.series["accepted"]),
            ],
            fmt=format_count,
        ),
    ]
