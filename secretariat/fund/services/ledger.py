"""The common fund: pools, their ledger, commitments and adjustments.

Every movement of money locks the pool's row, checks the rule, changes the pool's
running totals and adds a ledger entry, in one transaction. Locks are always taken
in the same order (pool, then commitment, then request) so that concurrent
requests queue instead of deadlocking.
"""

import hashlib
from collections.abc import Iterable
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext as _

from members.services import contribution_recorded, contribution_reversed
from secretariat.fund.models import (
    Adjustment,
    AdjustmentStatus,
    Commitment,
    CommitmentStatus,
    LedgerEntry,
    LedgerKind,
    Pool,
    PoolKind,
)
from secretariat.kernel import formatting, policy
from secretariat.kernel.exceptions import ApplicationError, ConflictError
from secretariat.kernel.models import CapabilityCategory
from secretariat.kernel.services import require_reason, transition

CENT = Decimal("0.01")


# Money in messages as on the pages (EUR 1,250,000.00); imported from here too.
eur = formatting.eur


def _positive_eur(amount, field="amount_eur") -> Decimal:
    amount = Decimal(amount)
    if amount <= 0:
        raise ApplicationError(_("The amount must be greater than zero."), field=field)
    if amount != amount.quantize(CENT):
        raise ApplicationError(
            _("EUR amounts have at most 2 decimal places."), field=field
        )
    return amount


# ---------------------------------------------------------------- pools


def pool_for_earmark(earmark: str, categories: Iterable[CapabilityCategory]) -> Pool:
    """The pool a contribution with this earmark credits; a pool for a set of
    categories is opened the first time money arrives for it."""
    if earmark == PoolKind.UNRESTRICTED:
        return Pool.objects.get(code="unrestricted")
    if earmark == PoolKind.NON_LETHAL:
        return Pool.objects.get(code="non-lethal")
    categories = sorted(categories, key=lambda c: c.code)
    if not categories:
        raise ApplicationError(_("An earmark by category needs categories."))
    # Named by a digest of the exact set, so that two different sets can never
    # share a pool.
    digest = hashlib.sha256(",".join(c.code for c in categories).encode()).hexdigest()[
        :16
    ]
    code = f"categories-{digest}"
    pool, created = Pool.objects.get_or_create(
        code=code,
        defaults={
            "name": _("Earmarked: %(names)s")
            % {"names": ", ".join(c.name for c in categories)},
            "kind": PoolKind.CATEGORIES,
        },
    )
    if created:
        pool.categories.set(categories)
    return pool


def earmark_error(pool: Pool, categories: Iterable[CapabilityCategory]) -> str | None:
    """Why money of ``pool`` may not pay for ``categories``, or ``None``."""
    categories = list(categories)
    if not categories:
        return _("Say which capability categories the money pays for.")
    if pool.kind == PoolKind.NON_LETHAL:
        lethal = [c.name for c in categories if c.is_lethal]
        if lethal:
            return _(
                "Money of the non-lethal pool cannot pay for lethal capabilities: "
                "%(names)s."
            ) % {"names": ", ".join(lethal)}
    if pool.kind == PoolKind.CATEGORIES:
        allowed = {c.pk for c in pool.categories.all()}
        outside = [c.name for c in categories if c.pk not in allowed]
        if outside:
            return _(
                "Pool “%(pool)s” pays only for its categories, not for: %(names)s."
            ) % {
                "pool": pool.name,
                "names": ", ".join(outside),
            }
    return None


def _lock_pool(pool: Pool) -> Pool:
    return Pool.objects.select_for_update().get(pk=pool.pk)


def _post(
    *, pool: Pool, kind: str, amount_eur: Decimal, actor, memo: str, **refs
) -> LedgerEntry:
    """Apply an entry to a pool locked by the caller, and record it."""
    if kind == LedgerKind.CONTRIBUTION or kind == LedgerKind.ADJUSTMENT:
        pool.received += amount_eur
    elif kind == LedgerKind.COMMITMENT:
        pool.committed += amount_eur
    elif kind == LedgerKind.COMMITMENT_RELEASE:
        pool.committed -= amount_eur
    elif kind == LedgerKind.DISBURSEMENT:
        pool.committed -= amount_eur
        pool.disbursed += amount_eur
    if pool.available < 0 or pool.committed < 0:
        # The services check first; this is the guard of last resort (the database
        # has the same constraint).
        raise ConflictError(
            _("Pool “%(pool)s” cannot go below zero.") % {"pool": pool.name}
        )
    pool.save(update_fields=["received", "committed", "disbursed"])
    return LedgerEntry.objects.create(
        pool=pool,
        kind=kind,
        amount_eur=amount_eur,
        memo=memo[:300],
        created_by=actor,
        **refs,
    )


def fund_credit_contribution(*, contribution, actor) -> LedgerEntry:
    """Credit a received contribution to the pool its pledge's earmark names.
    Runs inside the contribution service's transaction."""
    pledge = contribution.pledge
    pool = pool_for_earmark(pledge.earmark, pledge.earmark_categories.all())
    pool = _lock_pool(pool)
    return _post(
        pool=pool,
        kind=LedgerKind.CONTRIBUTION,
        amount_eur=contribution.eur_amount,
        actor=actor,
        memo=_("Contribution of %(state)s for %(year)s")
        % {"state": pledge.member_state.name, "year": pledge.year},
        contribution=contribution,
        value_date=contribution.received_on,
        original_amount=contribution.amount.amount,
        original_currency=str(contribution.amount.currency),
        fx_rate=contribution.fx_rate,
    )


# ---------------------------------------------------------------- commitments


def commitment_create(
    *,
    pool: Pool,
    amount_eur: Decimal,
    purpose: str,
    categories: Iterable[CapabilityCategory],
    actor,
    approval_reference: str = "",
) -> Commitment:
    """Reserve money of a pool for a contract or another approved purpose."""
    policy.require("commitment.create", actor)
    return commitment_reserve(
        pool=pool, amount_eur=amount_eur, purpose=purpose, categories=categories,
        actor=actor, approval_reference=approval_reference,
    )  # fmt: skip


def commitment_reserve(
    *,
    pool: Pool,
    amount_eur: Decimal,
    purpose: str,
    categories: Iterable[CapabilityCategory],
    actor,
    approval_reference: str = "",
) -> Commitment:
    """The reservation itself, for callers whose own rule authorises it: a
    finance officer's commitment, or the signing of a contract."""
    amount_eur = _positive_eur(amount_eur)
    categories = list(categories)
    purpose = (purpose or "").strip()
    if not purpose:
        raise ApplicationError(_("Describe what the money is for."), field="purpose")
    with transaction.atomic():
        pool = _lock_pool(pool)
        error = earmark_error(pool, categories)
        if error:
            raise ApplicationError(error, field="categories")
        if amount_eur > pool.available:
            raise ConflictError(
                _(
                    "Pool “%(pool)s” has %(available)s available; it cannot commit "
                    "%(amount)s."
                )
                % {
                    "pool": pool.name,
                    "available": eur(pool.available),
                    "amount": eur(amount_eur),
                },
                field="amount_eur",
            )
        commitment = Commitment.objects.create(
            pool=pool,
            amount_eur=amount_eur,
            purpose=purpose,
            approval_reference=approval_reference.strip(),
            created_by=actor,
        )
        commitment.categories.set(categories)
        _post(
            pool=pool,
            kind=LedgerKind.COMMITMENT,
            amount_eur=amount_eur,
            actor=actor,
            memo=_("Commitment %(ref)s: %(purpose)s")
            % {"ref": commitment.reference, "purpose": purpose},
            commitment=commitment,
        )
    return commitment


def in_flight_eur(commitment: Commitment, *, statuses, exclude=None) -> Decimal:
    from secretariat.fund.models import DisbursementRequest

    requests = DisbursementRequest.objects.filter(
        commitment=commitment, status__in=statuses
    )
    if exclude is not None:
        requests = requests.exclude(pk=exclude.pk)
    return requests.aggregate(total=Sum("eur_amount"))["total"] or Decimal(0)


def commitment_release(*, commitment: Commitment, actor, reason: str) -> Commitment:
    """Return to the pool what a commitment will not pay: its remaining money less
    what requests in progress still draw on."""
    from secretariat.fund.models import IN_FLIGHT_STATUSES

    policy.require("commitment.release", actor, commitment)
    reason = require_reason(reason)
    with transaction.atomic():
        pool = _lock_pool(commitment.pool)
        commitment = Commitment.objects.select_for_update().get(pk=commitment.pk)
        policy.require("commitment.release", actor, commitment)
        spoken_for = in_flight_eur(commitment, statuses=IN_FLIGHT_STATUSES)
        releasable = commitment.remaining_eur - spoken_for
        if releasable <= 0:
            raise ConflictError(
                _(
                    "Nothing can be released: requests in progress draw on the "
                    "remaining %(amount)s."
                )
                % {"amount": eur(commitment.remaining_eur)}
            )
        commitment.released_eur += releasable
        if spoken_for == 0:
            # Nothing left to pay: the release closes the commitment.
            transition(
                commitment,
                to=CommitmentStatus.CLOSED,
                actor=actor,
                reason=reason,
                description=_("%(ref)s closed: %(amount)s released to the pool")
                % {"ref": commitment.reference, "amount": eur(releasable)},
                also=("released_eur",),
            )
        else:
            commitment.save(update_fields=["released_eur"])
        _post(
            pool=pool,
            kind=LedgerKind.COMMITMENT_RELEASE,
            amount_eur=releasable,
            actor=actor,
            memo=_("Released from %(ref)s: %(reason)s")
            % {"ref": commitment.reference, "reason": reason},
            commitment=commitment,
        )
    return commitment


# ---------------------------------------------------------------- adjustments


def adjustment_request(
    *,
    pool: Pool,
    amount_eur: Decimal | None = None,
    reason: str,
    actor,
    reverses: LedgerEntry | None = None,
) -> Adjustment:
    """Propose a correction of a pool's money in. Reversing an entry proposes the
    opposite of its effect on money in. A second person must approve it."""
    policy.require("adjustment.request", actor)
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(_("An adjustment needs a reason."), field="reason")
    if reverses is not None:
        if reverses.kind not in {LedgerKind.CONTRIBUTION, LedgerKind.ADJUSTMENT}:
            raise ApplicationError(
                _(
                    "Only money received can be reversed; a commitment is released "
                    "and a payment is corrected by a new adjustment."
                ),
                field="reverses",
            )
        if (
            Adjustment.objects.filter(reverses=reverses)
            .exclude(status=AdjustmentStatus.REJECTED)
            .exists()
        ):
            raise ConflictError(_("That entry has already been reversed."))
        pool = reverses.pool
        amount_eur = -reverses.amount_eur
    if amount_eur is None:
        raise ApplicationError(_("Enter the amount."), field="amount_eur")
    amount_eur = Decimal(amount_eur)
    if amount_eur == 0 or amount_eur != amount_eur.quantize(CENT):
        raise ApplicationError(
            _("Enter a non-zero amount with at most 2 decimal places."),
            field="amount_eur",
        )
    return Adjustment.objects.create(
        pool=pool,
        amount_eur=amount_eur,
        reason=reason,
        reverses=reverses,
        requested_by=actor,
    )


def adjustment_decide(*, adjustment: Adjustment, actor, approve: bool) -> Adjustment:
    name = "adjustment.approve" if approve else "adjustment.reject"
    policy.require(name, actor, adjustment)
    with transaction.atomic():
        pool = _lock_pool(adjustment.pool)
        adjustment = Adjustment.objects.select_for_update().get(pk=adjustment.pk)
        adjustment.pool = pool  # locked above; names the adjustment in its event
        policy.require(name, actor, adjustment)
        adjustment.decided_by = actor
        adjustment.decided_at = timezone.now()
        transition(
            adjustment,
            to=AdjustmentStatus.APPROVED if approve else AdjustmentStatus.REJECTED,
            actor=actor,
            occurred_at=adjustment.decided_at,
            also=("decided_by", "decided_at"),
        )
        if approve:
            reversed_entry = adjustment.reverses
            if reversed_entry is not None and reversed_entry.contribution_id:
                contribution_reversed(
                    contribution=reversed_entry.contribution, actor=actor
                )
            if pool.available + adjustment.amount_eur < 0:
                raise ConflictError(
                    _(
                        "Pool “%(pool)s” has %(available)s available; the adjustment "
                        "would take it below zero."
                    )
                    % {"pool": pool.name, "available": eur(pool.available)}
                )
            _post(
                pool=pool,
                kind=LedgerKind.ADJUSTMENT,
                amount_eur=adjustment.amount_eur,
                actor=actor,
                memo=(
                    _("Reversal of entry %(id)s: %(reason)s")
                    % {"id": adjustment.reverses_id, "reason": adjustment.reason}
                    if adjustment.reverses_id
                    else adjustment.reason
                ),
                adjustment=adjustment,
            )
    return adjustment


@receiver(contribution_recorded, dispatch_uid="fund_credit_contribution")
def _credit_recorded_contribution(sender, contribution, actor, **kwargs):
    fund_credit_contribution(contribution=contribution, actor=actor)
