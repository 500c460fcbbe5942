"""Where each person lands: what waits for them (the policies' queues, through
``work_items_for``, so that the page and the services never disagree), then the
overview of their role: the dashboard's key figures for the secretariat's
staff, their state's onboarding and pledges for a member's liaison, their
committees for an evaluator, tenders, bids and deliveries for a manufacturer's
representative. Each part costs a fixed number of queries."""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import rules
from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from members import selectors as members
from members.models import PledgeStatus
from procurement import selectors as procurement
from procurement.models import DeliveryStatus, TenderStatus
from secretariat.reports import dashboard
from secretariat.reports.selectors import WorkItem, work_items_for


@dataclass(frozen=True)
class StaffOverview:
    fund: dashboard.PoolFigures
    drones: dashboard.DroneFigures
    tenders: dashboard.TenderFigures
    onboarding: dashboard.OnboardingFigures


@dataclass(frozen=True)
class StateOverview:
    state: object
    onboarding: object | None  # the open (else the latest) onboarding case
    steps_done: int
    steps_total: int
    pledges: int
    pledged_eur: Decimal
    received_eur: Decimal

    @property
    def percent(self) -> int:
        if not self.steps_total:
            return 0
        return round(100 * self.steps_done / self.steps_total)


@dataclass(frozen=True)
class RepresentativeOverview:
    tenders: list  # the first open for bids, soonest deadline first
    open_tenders: int
    bids: int
    deliveries: int
    deliveries_awaiting: int


@dataclass(frozen=True)
class FrontOverview:
    units: list  # the person's units or commands
    # (status, label, count) of their units' requirements, in the workflow's
    # order, statuses with none left out.
    by_status: list
    total: int


@dataclass
class Landing:
    items: list[WorkItem]
    today: date
    staff: StaffOverview | None = None
    state: StateOverview | None = None
    seats: list = field(default_factory=list)
    evaluator: bool = False
    representative: RepresentativeOverview | None = None
    front: FrontOverview | None = None

    @property
    def overdue(self) -> int:
        return sum(1 for item in self.items if item.overdue(self.today))


def landing_for(user) -> Landing:
    may = rules.has_perm
    today = timezone.localdate()
    landing = Landing(items=work_items_for(user), today=today)
    staff = may("secretariat.view_dashboard", user)
    if staff:
        landing.staff = _staff_overview(user, today)
    state = user.member_state if user.member_state_id else None
    if state is not None and not staff and may("members.view_memberstate", user, state):
        landing.state = _state_overview(user, state)
    if may("procurement.evaluate", user):
        landing.evaluator = True
        landing.seats = _seats(user)
    if user.manufacturer_id and may("procurement.list_tenders", user):
        landing.representative = _representative_overview(user)
    if may("procurement.submit_requirement", user):
        landing.front = _front_overview(user)
    return landing


def _staff_overview(user, today) -> StaffOverview:
    """The dashboard's headline figures (six queries)."""
    return StaffOverview(
        fund=dashboard.fund_by_pool(user).total,
        drones=dashboard.drones(user),
        tenders=dashboard.open_tenders(user),
        onboarding=dashboard.onboarding_pipeline(user, today=today),
    )


def _state_overview(user, state) -> StateOverview:
    """The state's onboarding checklist at a glance and its pledges in EUR
    (three queries), read through the selectors scoped to the person."""
    onboarding = (
        members.onboarding_cases_for(user)
        .filter(member_state=state)
        .select_related("case")
        .order_by("-is_open", "-pk")
        .first()
    )
    steps = {"done": 0, "total": 0}
    if onboarding is not None:
        steps = (
            members.onboarding_steps_for(user)
            .filter(onboarding=onboarding)
            .aggregate(
                total=Count("pk"),
                done=Count("pk", filter=Q(completed_at__isnull=False)),
            )
        )
    zero = Decimal("0.00")
    pledges = (
        members.pledges_for(user)
        .filter(member_state=state)
        .exclude(status=PledgeStatus.CANCELLED)
        .aggregate(
            n=Count("pk"),
            pledged=Coalesce(Sum("eur_amount"), zero),
            received=Coalesce(Sum("received_eur"), zero),
        )
    )
    return StateOverview(
        state=state,
        onboarding=onboarding,
        steps_done=steps["done"],
        steps_total=steps["total"],
        pledges=pledges["n"],
        pledged_eur=pledges["pledged"],
        received_eur=pledges["received"],
    )


# An evaluator's overview lists at most this many of their committees; the
# evaluation queue lists them all.
SEATS_SHOWN = 10


def _seats(user) -> list:
    """The evaluator's committee seats, newest first (one query)."""
    return list(procurement.committee_seats_for(user).order_by("-pk")[:SEATS_SHOWN])


# A representative's overview lists at most this many tenders open for bids;
# the tender list has them all.
TENDERS_SHOWN = 5


def _representative_overview(user) -> RepresentativeOverview:
    """Tenders open for bids to the company, its bids and its deliveries
    (four queries)."""
    deliveries = procurement.deliveries_for(user).aggregate(
        n=Count("pk"),
        awaiting=Count("pk", filter=Q(status=DeliveryStatus.REPORTED)),
    )
    open_for_bids = procurement.tenders_for(user, kind_hint=False).filter(
        status=TenderStatus.TENDERING
    )
    return RepresentativeOverview(
        tenders=list(
            open_for_bids.order_by("submission_deadline", "pk")[:TENDERS_SHOWN]
        ),
        open_tenders=open_for_bids.count(),
        bids=procurement.bids_for(user).count(),
        deliveries=deliveries["n"],
        deliveries_awaiting=deliveries["awaiting"],
    )


def _front_overview(user) -> FrontOverview:
    """An end user's units and their requirements by status (two queries)."""
    from procurement.models import MilitaryUnit, RequirementStatus

    units = list(MilitaryUnit.objects.filter(people=user).order_by("name"))
    counts = dict(
        procurement.requirements_for(user)
        .filter(unit__in=units)
        .order_by()
        .values("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    by_status = [
        (status, label, counts[status])
        for status, label in RequirementStatus.choices
        if counts.get(status)
    ]
    return FrontOverview(units=units, by_status=by_status, total=sum(counts.values()))
