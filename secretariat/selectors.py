"""Reads of the secretariat's shared records."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db.models import Prefetch, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from secretariat.models import (
    Commitment,
    DisbursementApproval,
    DisbursementRequest,
    DisbursementStatus,
    LedgerEntry,
    Pool,
    TimelineEvent,
)
from secretariat.roles import Role, has_role, is_staff_reader


def broker_state() -> str:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return "eager (no broker configured)"
    import redis

    try:
        client = redis.Redis.from_url(
            settings.CELERY_BROKER_URL, socket_connect_timeout=1, socket_timeout=1
        )
        client.ping()
    except Exception as exc:  # noqa: BLE001 - reported, never fatal
        return f"unavailable: {exc.__class__.__name__}"
    return "ok"


@dataclass(frozen=True)
class WorkItem:
    reference: str
    title: str
    what: str
    due_date: date | None
    url: str


def work_items_for(user) -> list[WorkItem]:
    """Everything awaiting the user's action across workflows, overdue first,
    then by due date."""
    from members.models import OnboardingStep
    from procurement.selectors import work_for as procurement_work_for

    if not is_staff_reader(user):
        return []
    items = []
    steps = (
        OnboardingStep.objects.filter(
            Q(owner=user) | Q(owner__isnull=True, onboarding__case__owner=user),
            completed_at__isnull=True,
            onboarding__is_open=True,
        )
        .select_related("onboarding__case", "onboarding__member_state")
        .order_by("due_date", "position")[:200]
    )
    for step in steps:
        case = step.onboarding.case
        items.append(
            WorkItem(
                reference=case.reference,
                title=case.title,
                what=step.get_kind_display(),
                due_date=step.due_date or case.due_date,
                url=step.onboarding.get_absolute_url(),
            )
        )
    for tender, what in procurement_work_for(user):
        items.append(
            WorkItem(
                reference=tender.case.reference,
                title=tender.case.title,
                what=what,
                due_date=tender.case.due_date,
                url=reverse("procurement:tender", args=[tender.case.reference]),
            )
        )
    for request, what in _disbursements_awaiting(user):
        items.append(
            WorkItem(
                reference=request.case.reference,
                title=request.case.title,
                what=what,
                due_date=request.case.due_date,
                url=request.get_absolute_url(),
            )
        )
    items.sort(key=lambda item: (item.due_date is None, item.due_date or date.max))
    return items


def _disbursements_awaiting(user):
    S = DisbursementStatus
    requests = DisbursementRequest.objects.select_related("case")
    found = []
    if has_role(user, Role.FINANCE_OFFICER):
        found += [
            (r, _("Revise and submit"))
            for r in requests.filter(status=S.DRAFT, prepared_by=user)[:100]
        ]
        found += [
            (r, _("Check"))
            for r in requests.filter(status=S.SUBMITTED).exclude(prepared_by=user)[:100]
        ]
        found += [
            (r, _("Record the payment"))
            for r in requests.filter(status=S.APPROVED)
            .exclude(prepared_by=user)
            .exclude(checked_by=user)[:100]
        ]
    if has_role(user, Role.CO_LEAD_APPROVER) and user.member_state_id:
        awaiting = (
            requests.filter(status=S.CHECKED)
            .exclude(prepared_by=user)
            .exclude(checked_by=user)
            .exclude(approvals__member_state_id=user.member_state_id)
        )
        found += [(r, _("Approve")) for r in awaiting[:100]]
    return found


# ---------------------------------------------------------------- the fund


def pools_for(user) -> QuerySet[Pool]:
    if not is_staff_reader(user):
        return Pool.objects.none()
    return Pool.objects.prefetch_related("categories")


def ledger_entries_for(user) -> QuerySet[LedgerEntry]:
    if not is_staff_reader(user):
        return LedgerEntry.objects.none()
    return LedgerEntry.objects.select_related("pool", "created_by")


def commitments_for(user) -> QuerySet[Commitment]:
    if not is_staff_reader(user):
        return Commitment.objects.none()
    return Commitment.objects.select_related("pool").prefetch_related("categories")


def case_timeline(case) -> QuerySet[TimelineEvent]:
    """A case's timeline, newest first, as its page and the API show it. Bids
    write nothing to a tender's case, so it tells no one how many there are
    before opening."""
    return (
        TimelineEvent.objects.filter(case=case)
        .select_related("actor", "evidence")
        .order_by("-occurred_at", "-id")
    )


def disbursements_for(user) -> QuerySet[DisbursementRequest]:
    if not is_staff_reader(user):
        return DisbursementRequest.objects.none()
    return DisbursementRequest.objects.select_related(
        "case", "commitment__pool", "prepared_by", "checked_by", "paid_by"
    )


def disbursement_detail(request: DisbursementRequest) -> DisbursementRequest:
    return (
        DisbursementRequest.objects.select_related(
            "case", "case__owner", "commitment__pool", "prepared_by", "checked_by",
            "paid_by", "policy",
        )
        .prefetch_related(
            "categories",
            Prefetch(
                "approvals",
                queryset=DisbursementApproval.objects.select_related(
                    "approver", "member_state"
                ),
            ),
        )
        .get(pk=request.pk)
    )  # fmt: skip


@dataclass(frozen=True)
class PoolRow:
    pool: Pool
    received: Decimal
    committed: Decimal
    disbursed: Decimal
    available: Decimal


@dataclass(frozen=True)
class MemberRow:
    member_state: object
    pledged: Decimal
    received: Decimal
    outstanding: Decimal


@dataclass(frozen=True)
class FundStatement:
    pools: list[PoolRow]
    total: PoolRow
    members: list[MemberRow]
    as_of: object


def fund_statement(user) -> FundStatement:
    """Per pool and per member, in EUR. Everyone allowed sees the coalition's
    figures; a liaison sees the detail of their own state only."""
    from members.models import MemberState, PledgeStatus

    pools = [
        PoolRow(p, p.received, p.committed, p.disbursed, p.available)
        for p in Pool.objects.order_by("kind", "name")
    ]
    total = PoolRow(
        None,
        sum((p.received for p in pools), Decimal(0)),
        sum((p.committed for p in pools), Decimal(0)),
        sum((p.disbursed for p in pools), Decimal(0)),
        sum((p.available for p in pools), Decimal(0)),
    )
    states = MemberState.objects.all()
    if not is_staff_reader(user):
        states = states.filter(pk=user.member_state_id or 0)
    # Received money is summed from the pledges' running ``received_eur`` (kept
    # by the contribution services), not from every contribution.
    states = states.annotate(
        pledged_eur=Coalesce(
            Sum(
                "pledges__eur_amount", filter=~Q(pledges__status=PledgeStatus.CANCELLED)
            ),
            Decimal(0),
        ),
        received_eur=Sum("pledges__received_eur"),
    ).order_by("name")
    members = []
    for state in states:
        got = state.received_eur or Decimal(0)
        if state.pledged_eur or got:
            members.append(
                MemberRow(
                    state, state.pledged_eur, got, max(state.pledged_eur - got, 0)
                )
            )
    return FundStatement(
        pools=pools, total=total, members=members, as_of=timezone.now()
    )


# ---------------------------------------------------------------- reports


def reports_for(user):
    """The reports built for the user: those they asked for and their monthly
    statements. Nobody else's, whatever their role ("not yours" is 404)."""
    from secretariat.models import Report

    if not getattr(user, "is_authenticated", False):
        return Report.objects.none()
    return Report.objects.filter(
        Q(requested_by=user) | Q(subscriber=user)
    ).select_related("scope")


def report_subscriptions_for(user):
    from secretariat.models import ReportSubscription

    if not getattr(user, "is_authenticated", False):
        return ReportSubscription.objects.none()
    return ReportSubscription.objects.filter(user=user)
