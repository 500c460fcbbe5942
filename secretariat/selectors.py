"""Reads of the secretariat's shared records."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db.models import F, Prefetch, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from secretariat.models import (
    Commitment,
    DisbursementApproval,
    DisbursementRequest,
    LedgerEntry,
    Pool,
    TimelineEvent,
)
from secretariat.roles import is_staff_reader


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
    then by due date: for each action of the policy that declares a queue,
    the objects its queue gives this person (``policy.pending``), the same
    rule the service applies. One query per action, at most ``WORK_PER_ACTION``
    objects each."""
    from secretariat.cases import case_path
    from secretariat.kernel import policy

    items = {}
    for act in list(policy.ACTIONS.values()):
        if act.queue is None or act.model is None or not act.my_work:
            continue
        path = case_path(act.model)
        for obj in _pending(policy, act, user, path):
            item = _work_item(act, obj, path)
            items.setdefault((item.url, item.what), item)
    found = list(items.values())
    found.sort(key=lambda item: (item.due_date is None, item.due_date or date.max))
    return found


# A queue longer than this shows its most urgent part: My work is a to-do
# list, not a report.
WORK_PER_ACTION = 100


def _pending(policy, act, user, path: str | None) -> list:
    queryset = policy.pending(act.name, user, act.model._default_manager.all())
    if path:
        queryset = queryset.select_related(path)
    own_due = any(f.name == "due_date" for f in act.model._meta.concrete_fields)
    by = "due_date" if own_due else (f"{path}__due_date" if path else None)
    order = [F(by).asc(nulls_last=True)] if by else []
    return list(queryset.order_by(*order, "pk")[:WORK_PER_ACTION])


def _work_item(act, obj, path: str | None) -> WorkItem:
    """The row of My work for ``obj``: its case's reference, title and due date
    (the object's own due date first, e.g. an onboarding step's), and the page
    of the nearest object on the way to the case that has one."""
    chain = [obj]
    for name in path.split("__") if path else []:
        chain.append(getattr(chain[-1], name))
    case = chain[-1] if path else None
    url = next(
        (o.get_absolute_url() for o in chain if hasattr(o, "get_absolute_url")), ""
    )
    what = act.work_text(obj)
    if path != "case" and not callable(act.work_label):
        # Not the case's own object (an onboarding step, a delivery): say which.
        what = f"{what}: {obj}"
    return WorkItem(
        reference=case.reference if case else str(obj),
        title=case.title if case else "",
        what=what,
        due_date=getattr(obj, "due_date", None) or (case.due_date if case else None),
        url=url,
    )


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
