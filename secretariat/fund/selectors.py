"""Reads of the fund, scoped to the person reading."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Prefetch, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from secretariat.fund.models import (
    Commitment,
    DisbursementApproval,
    DisbursementRequest,
    LedgerEntry,
    Pool,
)
from secretariat.kernel.roles import is_staff_reader


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
class ChainHeadRow:
    """The last entry of a pool's ledger chain (``secretariat.kernel.chain``),
    printed so that a reader who keeps it can later show that the ledger they
    were shown has only been extended since."""

    pool: Pool
    chain: str
    entries: int
    hash: str


@dataclass(frozen=True)
class FundStatement:
    pools: list[PoolRow]
    total: PoolRow
    members: list[MemberRow]
    as_of: object
    heads: list[ChainHeadRow] = field(default_factory=list)


def ledger_heads(pools) -> list[ChainHeadRow]:
    """Each pool's ledger chain head, in one query."""
    from secretariat.kernel.chain import GENESIS
    from secretariat.kernel.models import ChainHead

    names = {pool.pk: f"ledger/pool-{pool.pk}" for pool in pools}
    found = {
        head.chain: head
        for head in ChainHead.objects.filter(chain__in=list(names.values()))
    }
    rows = []
    for pool in pools:
        head = found.get(names[pool.pk])
        rows.append(
            ChainHeadRow(
                pool,
                names[pool.pk],
                head.seq if head else 0,
                head.head_hash if head else GENESIS,
            )
        )
    return rows


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
        pools=pools,
        total=total,
        members=members,
        as_of=timezone.now(),
        heads=ledger_heads([row.pool for row in pools]),
    )
