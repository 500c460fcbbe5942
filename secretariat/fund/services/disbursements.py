"""Disbursement requests: prepared, submitted, checked, approved by co-lead
approvers, paid exactly once, reconciled against the bank statement.

Who may take each step, now (roles, the request's state, separation of duties)
is the policy's: ``secretariat/fund/policy/disbursements.py``. Each service asks
it inside its lock, after re-reading the row. Above the approval policy's
one-approver threshold two approvers from different co-lead states approve, each
with a fresh second-factor code that the approval service checks itself. Funds
are checked at submission, and again under lock at approval and at payment.
"""

import csv
import hashlib
import io
from collections.abc import Iterable
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import partial

from django.db import IntegrityError, transaction
from django.db.models import prefetch_related_objects
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from djmoney.money import Money
from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException

from secretariat.accounts import twofactor
from secretariat.fund.models import (
    IN_FLIGHT_STATUSES,
    ApprovalPolicy,
    BankStatement,
    Commitment,
    CommitmentStatus,
    DisbursementApproval,
    DisbursementRequest,
    DisbursementStatus,
    LedgerKind,
    LineStatus,
    StatementLine,
)
from secretariat.fund.policy.disbursements import forget_last_moves
from secretariat.fund.services.ledger import (
    _lock_pool,
    _post,
    earmark_error,
    eur,
    in_flight_eur,
)
from secretariat.kernel import policy
from secretariat.kernel.edits import edit_record
from secretariat.kernel.exceptions import ApplicationError, ConflictError
from secretariat.kernel.formatting import day_text, money
from secretariat.kernel.models import CapabilityCategory, CaseKind
from secretariat.kernel.money import money_error, money_errors, to_eur
from secretariat.kernel.roles import Role
from secretariat.kernel.services import (
    case_open,
    require_reason,
    timeline_record,
    transition,
)
from secretariat.notifications.models import NotificationKind
from secretariat.notifications.services import notify, users_with_role

S = DisbursementStatus
LABELS = dict(DisbursementStatus.choices)


def clean_iban(value: str) -> str:
    try:
        return IBAN(value).compact
    except SchwiftyException as exc:
        raise ApplicationError(
            _("“%(value)s” is not a valid IBAN: %(why)s")
            % {"value": value, "why": exc},
            field="payee_iban",
        ) from exc


def clean_bic(value: str) -> str:
    try:
        return BIC(value).compact
    except SchwiftyException as exc:
        raise ApplicationError(
            _("“%(value)s” is not a valid BIC: %(why)s") % {"value": value, "why": exc},
            field="payee_bic",
        ) from exc


def _lock(request: DisbursementRequest, *, pool=False, commitment=False):
    """Lock, in the fixed order pool, commitment, request; return fresh rows."""
    # Read the current commitment (a draft may have moved to another one since
    # the caller loaded it), lock in order, then make sure it did not move again.
    current = DisbursementRequest.objects.select_related("commitment").get(
        pk=request.pk
    )
    locked_pool = _lock_pool(current.commitment.pool) if pool else None
    locked_commitment = (
        Commitment.objects.select_for_update().get(pk=current.commitment_id)
        if commitment
        else None
    )
    request = (
        DisbursementRequest.objects.select_for_update(of=("self",))
        .select_related("case", "commitment__pool")
        .get(pk=request.pk)
    )
    if request.commitment_id != current.commitment_id:
        raise ConflictError(
            _("%(ref)s changed while you were acting on it; try again.")
            % {"ref": request.case.reference}
        )
    return locked_pool, locked_commitment, request


def _move(request, *, to_status, actor, reason="", description=None) -> None:
    forget_last_moves(request)
    transition(
        request, to=to_status, actor=actor, reason=reason, description=description
    )
    _tell_who_acts_next(request, to_status=to_status, actor=actor, reason=reason)


def _amount_to_payee(request) -> str:
    return _("%(amount)s to %(payee)s") % {
        "amount": money(request.amount.amount, request.amount.currency),
        "payee": request.payee_name,
    }


def _tell_who_acts_next(request, *, to_status, actor, reason="") -> None:
    """In the same transaction as the move: whoever must act on the request now,
    or whoever prepared it, hears of it."""
    ref = request.case.reference
    url = request.get_absolute_url()
    amount = partial(_amount_to_payee, request)
    if to_status == S.SUBMITTED:
        notify(
            recipients=policy.who_may(
                "disbursement.check", request, users_with_role(Role.FINANCE_OFFICER)
            ),
            kind=NotificationKind.DISBURSEMENT_TO_CHECK,
            title=lambda: _("%(ref)s awaits a check") % {"ref": ref}, body=amount,
            url=url,
            action="disbursement.check", subject=request,
        )  # fmt: skip
    elif to_status == S.CHECKED:
        _tell_approvers(request, body=amount)
    elif to_status in {S.DRAFT, S.REJECTED} and request.prepared_by_id:
        returned = to_status == S.DRAFT
        notify(
            recipients=[request.prepared_by],
            kind=NotificationKind.DISBURSEMENT_RETURNED
            if returned
            else NotificationKind.DISBURSEMENT_REJECTED,
            title=lambda: (_("%(ref)s was returned for changes") if returned
                           else _("%(ref)s was rejected")) % {"ref": ref},
            body=reason, url=url,
        )  # fmt: skip
    elif to_status == S.PAID:
        notify(
            recipients=[request.prepared_by, request.checked_by],
            kind=NotificationKind.DISBURSEMENT_PAID,
            title=lambda: _("%(ref)s has been paid") % {"ref": ref}, body=amount,
            url=url,
        )  # fmt: skip


def _tell_approvers(request, *, body) -> None:
    """The co-lead approvers whom the policy lets approve it now: the same rule as
    their "My work" and the service."""
    prefetch_related_objects([request], "approvals")
    candidates = users_with_role(Role.CO_LEAD_APPROVER).select_related("member_state")
    notify(
        recipients=policy.who_may("disbursement.approve", request, candidates),
        kind=NotificationKind.DISBURSEMENT_TO_APPROVE,
        title=lambda: (
            _("%(ref)s awaits your approval") % {"ref": request.case.reference}
        ),
        body=body,
        url=request.get_absolute_url(),
        # A task: settled once the request is no longer theirs to approve.
        action="disbursement.approve",
        subject=request,
    )


def _check_earmark(commitment, categories) -> None:
    error = earmark_error(commitment.pool, categories)
    if error:
        raise ApplicationError(error, field="categories")
    allowed = {c.pk for c in commitment.categories.all()}
    outside = [c.name for c in categories if c.pk not in allowed]
    if outside:
        raise ApplicationError(
            _("Commitment %(ref)s was not made for: %(names)s.")
            % {"ref": commitment.reference, "names": ", ".join(outside)},
            field="categories",
        )


def funds_error(commitment, eur_amount, *, statuses, stage, exclude=None) -> str:
    """Why ``eur_amount`` cannot be drawn on the commitment now, beside what the
    requests in ``statuses`` (but ``exclude``) already draw on; "" if it can."""
    others = in_flight_eur(commitment, statuses=statuses, exclude=exclude)
    free = commitment.remaining_eur - others
    if eur_amount <= free:
        return ""
    return _(
        "Not enough money at %(stage)s: commitment %(ref)s has %(free)s free "
        "(%(remaining)s remaining, %(others)s drawn on by other requests); "
        "this request needs %(amount)s."
    ) % {
        "stage": stage,
        "ref": commitment.reference,
        "free": eur(free),
        "remaining": eur(commitment.remaining_eur),
        "others": eur(others),
        "amount": eur(eur_amount),
    }


def _check_funds(request, commitment, *, statuses, stage) -> None:
    error = funds_error(
        commitment, request.eur_amount, statuses=statuses, stage=stage, exclude=request
    )
    if error:
        raise ConflictError(error, field="amount")


def _refuse_drafting_beyond_funds(fields, *, request=None) -> None:
    """A draft asking for more than its commitment has free is refused as it is
    typed, at today's recorded rate, as submission would refuse it."""
    error = funds_error(
        fields["commitment"], fields["eur_amount"], statuses=IN_FLIGHT_STATUSES,
        stage=_("drafting"), exclude=request,
    )  # fmt: skip
    if error:
        raise ApplicationError(error, field="amount")


# ---------------------------------------------------------------- preparing


def _validated_fields(
    *, commitment, payee_name, payee_country, payee_iban, payee_bic, amount,
    currency, purpose, categories,
) -> dict:  # fmt: skip
    if commitment.status != CommitmentStatus.OPEN:
        raise ApplicationError(
            _("Commitment %(ref)s is closed.") % {"ref": commitment.reference},
            field="commitment",
        )
    if not (payee_name or "").strip():
        raise ApplicationError(_("Enter the payee's name."), field="payee_name")
    if not (purpose or "").strip():
        raise ApplicationError(_("Describe the purpose."), field="purpose")
    for field, error in money_errors(amount, currency).items():
        raise ApplicationError(error, field=field)
    categories = list(categories)
    _check_earmark(commitment, categories)
    # Always the recorded rate: whoever prepares a request cannot choose the EUR
    # figure that decides how many approvers it needs.
    conversion = to_eur(Decimal(amount), currency)
    return {
        "commitment": commitment,
        "payee_name": payee_name.strip(),
        "payee_country": payee_country,
        "payee_iban": clean_iban(payee_iban),
        "payee_bic": clean_bic(payee_bic),
        "amount": Money(Decimal(amount), currency),
        "eur_amount": conversion.eur_amount,
        "fx_rate": conversion.rate,
        "fx_date": conversion.rate_date,
        "purpose": purpose.strip(),
        "categories": categories,
    }


def disbursement_prepare(
    *,
    actor,
    commitment: Commitment,
    payee_name: str,
    payee_country: str,
    payee_iban: str,
    payee_bic: str,
    amount: Decimal,
    currency: str,
    purpose: str,
    categories: Iterable[CapabilityCategory],
    due_date: date | None = None,
) -> DisbursementRequest:
    """Draft a disbursement request (a case, DSB-YYYY-NNNN)."""
    policy.require("disbursement.prepare", actor, commitment)
    return disbursement_draft(
        actor=actor, commitment=commitment, payee_name=payee_name,
        payee_country=payee_country, payee_iban=payee_iban, payee_bic=payee_bic,
        amount=amount, currency=currency, purpose=purpose, categories=categories,
        due_date=due_date, within_funds=True,
    )  # fmt: skip


def disbursement_draft(
    *,
    actor,
    commitment: Commitment,
    payee_name: str,
    payee_country: str,
    payee_iban: str,
    payee_bic: str,
    amount: Decimal,
    currency: str,
    purpose: str,
    categories: Iterable[CapabilityCategory],
    due_date: date | None = None,
    within_funds: bool = False,
) -> DisbursementRequest:
    """The draft itself, for callers whose own rule authorises it: a finance
    officer preparing a request, or an accepted delivery making its milestone
    payable. ``within_funds``: refuse more than the commitment has free (an
    accepted delivery's draft is made whatever it finds; submission checks)."""
    fields = _validated_fields(
        commitment=commitment, payee_name=payee_name, payee_country=payee_country,
        payee_iban=payee_iban, payee_bic=payee_bic, amount=amount, currency=currency,
        purpose=purpose, categories=categories,
    )  # fmt: skip
    if within_funds:
        _refuse_drafting_beyond_funds(fields)
    categories = fields.pop("categories")
    with transaction.atomic():
        case = case_open(
            kind=CaseKind.DISBURSEMENT,
            title=_("Payment to %(payee)s") % {"payee": fields["payee_name"]},
            status=S.DRAFT,
            actor=actor,
            due_date=due_date,
        )
        request = DisbursementRequest.objects.create(
            case=case, prepared_by=actor, **fields
        )
        request.categories.set(categories)
        timeline_record(
            subject=request,
            case=case,
            actor=actor,
            action="prepared",
            description=_("%(ref)s prepared: %(amount)s to %(payee)s")
            % {
                "ref": case.reference,
                "amount": money(amount, currency),
                "payee": fields["payee_name"],
            },
        )
    return request


def disbursement_adopt(*, request: DisbursementRequest, actor) -> DisbursementRequest:
    """A finance officer takes over a draft made for them (by an accepted
    delivery): they become its preparer, with all that forbids them after."""
    with transaction.atomic():
        _pool, _commitment, request = _lock(request)
        policy.require("disbursement.adopt", actor, request)
        before = request.prepared_by
        request.prepared_by = actor
        request.save(update_fields=["prepared_by"])
        case = request.case
        case.owner = actor
        case.save(update_fields=["owner", "updated_at"])
        timeline_record(
            subject=request,
            case=case,
            actor=actor,
            action="adopted",
            description=_("%(who)s took over the draft from %(before)s")
            % {"who": actor, "before": before},
        )
    return request


def disbursement_update(*, request: DisbursementRequest, actor, **changes):
    """Change a draft. Only its preparer may, and only while it is a draft."""
    with transaction.atomic():
        _pool, _commitment, request = _lock(request)
        policy.require("disbursement.edit", actor, request)
        current = {
            "commitment": request.commitment,
            "payee_name": request.payee_name,
            "payee_country": str(request.payee_country),
            "payee_iban": request.payee_iban,
            "payee_bic": request.payee_bic,
            "amount": request.amount.amount,
            "currency": str(request.amount.currency),
            "purpose": request.purpose,
            "categories": list(request.categories.all()),
        }
        unknown = set(changes) - set(current)
        if unknown:
            raise ApplicationError(
                _("These fields cannot be changed: %(f)s") % {"f": ", ".join(unknown)}
            )
        _refuse_changing_what_a_delivery_set(request, current, changes)
        fields = _validated_fields(**{**current, **changes})
        if {"commitment", "amount", "currency"} & set(changes):
            _refuse_drafting_beyond_funds(fields, request=request)
        before = _as_shown(request, current["categories"])
        categories = fields.pop("categories")
        for name, value in fields.items():
            setattr(request, name, value)
        request.save()
        request.categories.set(categories)
        edit_record(
            subject=request,
            case=request.case,
            actor=actor,
            action="changed",
            before=before,
            after=_as_shown(request, categories),
            labels={name: _label(name) for name in before},
            summary=_("Draft changed: %(fields)s"),
        )
    return request


def _label(name: str) -> str:
    return DisbursementRequest._meta.get_field(name).verbose_name


def _as_shown(request, categories) -> dict[str, str]:
    """A draft's editable fields as people read them, for its timeline's
    old → new."""
    return {
        "commitment": request.commitment.reference,
        "payee_name": request.payee_name,
        "payee_country": str(request.payee_country.name or request.payee_country),
        "payee_iban": request.payee_iban,
        "payee_bic": request.payee_bic,
        "amount": money(request.amount),
        "purpose": request.purpose,
        "categories": ", ".join(sorted(str(c) for c in categories)) or "—",
    }


# What an accepted delivery's draft takes from the contract and the acceptance:
# the units accepted at the contract's price, paid to the manufacturer's account
# on record, from the contract's commitment.
SET_BY_DELIVERY = ("commitment", "payee_name", "payee_country", "payee_iban",
                   "payee_bic", "amount", "currency")  # fmt: skip


def _same(new, old) -> bool:
    """Whether a submitted value is the one held (an amount typed as 435000 is
    435000.00; a commitment is its row)."""
    if hasattr(old, "pk"):
        return getattr(new, "pk", new) == old.pk
    if isinstance(old, Decimal):
        try:
            return Decimal(str(new)) == old
        except InvalidOperation:
            return False
    return str(new).strip() == str(old)


def _refuse_changing_what_a_delivery_set(request, current, changes) -> None:
    """A milestone's payment is what was accepted, to whom the contract names:
    neither more money nor another account. (``delivery`` is the reverse of
    procurement's link to the request it drafted.)"""
    delivery = getattr(request, "delivery", None)
    if delivery is None:
        return
    changed = [
        name
        for name in SET_BY_DELIVERY
        if name in changes and not _same(changes[name], current[name])
    ]
    if changed:
        raise ApplicationError(
            _(
                "%(ref)s pays the units accepted from a delivery: its amount, "
                "currency, payee and bank account come from the contract and the "
                "acceptance and cannot be changed."
            )
            % {"ref": request.case.reference},
            field=changed[0],
        )


def policy_in_force(at=None) -> ApprovalPolicy:
    policy = (
        ApprovalPolicy.objects.filter(effective_from__lte=at or timezone.now())
        .order_by("-version")
        .first()
    )
    if policy is None:
        raise ConflictError(
            _("No approval policy is in force; an administrator must set one.")
        )
    return policy


def disbursement_submit(*, request: DisbursementRequest, actor):
    with transaction.atomic():
        _pool, commitment, request = _lock(request, commitment=True)
        policy.require("disbursement.submit", actor, request)
        approval_policy = policy_in_force()
        currency = str(request.amount.currency)
        if currency not in approval_policy.currency_list:
            raise ApplicationError(
                _("The approval policy allows payments in %(list)s, not %(currency)s.")
                % {
                    "list": ", ".join(approval_policy.currency_list),
                    "currency": currency,
                },
                field="currency",
            )
        _check_earmark(commitment, list(request.categories.all()))
        if commitment.status != CommitmentStatus.OPEN:
            raise ConflictError(
                _("Commitment %(ref)s is closed.") % {"ref": commitment.reference}
            )
        # The EUR figure is fixed now, at the rate recorded for today; it decides
        # the funds check and the number of approvers.
        conversion = to_eur(request.amount.amount, currency)
        request.eur_amount = conversion.eur_amount
        request.fx_rate = conversion.rate
        request.fx_date = conversion.rate_date
        _check_funds(
            request, commitment, statuses=IN_FLIGHT_STATUSES, stage=_("submission")
        )
        request.policy = approval_policy
        request.approvals_needed = approval_policy.approvals_needed(request.eur_amount)
        request.submitted_at = timezone.now()
        request.save(
            update_fields=[
                "eur_amount", "fx_rate", "fx_date", "policy", "approvals_needed",
                "submitted_at",
            ]
        )  # fmt: skip
        _move(request, to_status=S.SUBMITTED, actor=actor)
    return request


# ---------------------------------------------------------------- deciding


def disbursement_check(*, request: DisbursementRequest, actor, comment: str = ""):
    with transaction.atomic():
        _pool, _commitment, request = _lock(request)
        policy.require("disbursement.check", actor, request)
        request.checked_by = actor
        request.checked_at = timezone.now()
        request.save(update_fields=["checked_by", "checked_at"])
        _move(request, to_status=S.CHECKED, actor=actor, reason=comment)
    return request


def _confirm_presence(request, actor, second_factor) -> bool:
    """Above the one-approver limit the approver proves, with a fresh code, that
    they are in front of the screen. Checked here, not by each interface, so that
    no interface can skip it. Outside the transaction: a refused code stays
    recorded, and a used code stays used, whatever happens to the approval."""
    if not twofactor.approval_needs_code(request):
        return False
    refusal = twofactor.fresh_code_refusal(second_factor, actor)
    if refusal:
        raise ApplicationError(refusal, field="otp_token")
    return True


def disbursement_approve(
    *,
    request: DisbursementRequest,
    actor,
    comment: str = "",
    second_factor: twofactor.FreshCode | None = None,
):
    """Record a co-lead approver's approval; the last one needed approves the
    request, after checking the funds under lock. Above the approval policy's
    one-approver limit, ``second_factor`` carries the approver's fresh code."""
    # Asked before the code, of the row as it is now: a code is not used up on
    # an approval that the policy refuses anyway.
    current = DisbursementRequest.objects.select_related("case").get(pk=request.pk)
    policy.require("disbursement.approve", actor, current)
    present = _confirm_presence(current, actor, second_factor)
    with transaction.atomic():
        _pool, commitment, request = _lock(request, commitment=True)
        policy.require("disbursement.approve", actor, request)
        if twofactor.approval_needs_code(request) and not present:
            raise ConflictError(
                _("%(ref)s changed while you were acting on it; try again.")
                % {"ref": request.case.reference}
            )
        _check_earmark(commitment, list(request.categories.all()))
        _check_funds(request, commitment, statuses={S.APPROVED}, stage=_("approval"))
        # The request row is locked and the checks above saw every earlier
        # approval, so the unique constraints here are the last line of defence.
        DisbursementApproval.objects.create(
            request=request,
            approver=actor,
            member_state_id=actor.member_state_id,
            comment=comment,
        )
        count = request.approvals.count()
        timeline_record(
            subject=request,
            case=request.case,
            actor=actor,
            action="approval",
            description=_("Approved by %(who)s for %(state)s (%(n)d of %(needed)d)")
            % {
                "who": actor,
                "state": actor.member_state.name,
                "n": count,
                "needed": request.approvals_needed,
            },
            reason=comment,
        )
        if count >= request.approvals_needed:
            request.approved_at = timezone.now()
            request.save(update_fields=["approved_at"])
            _move(request, to_status=S.APPROVED, actor=actor)
        else:
            _tell_approvers(
                request,
                body=lambda: (
                    _("Approved for %(state)s by %(who)s; one more approval needed.")
                    % {"state": actor.member_state.name, "who": actor}
                ),
            )
    return request


def disbursement_return(*, request: DisbursementRequest, actor, reason: str):
    """Send a submitted or checked request back to its preparer as a draft."""
    reason = require_reason(reason)
    with transaction.atomic():
        _pool, _commitment, request = _lock(request)
        policy.require("disbursement.return", actor, request)
        request.approvals.all().delete()
        request.checked_by = None
        request.checked_at = None
        request.policy = None
        request.approvals_needed = None
        request.submitted_at = None
        request.save(
            update_fields=[
                "checked_by", "checked_at", "policy", "approvals_needed",
                "submitted_at",
            ]
        )  # fmt: skip
        _move(
            request,
            to_status=S.DRAFT,
            actor=actor,
            reason=reason,
            description=_("%(ref)s returned for changes")
            % {"ref": request.case.reference},
        )
    return request


def disbursement_reject(*, request: DisbursementRequest, actor, reason: str):
    reason = require_reason(reason)
    with transaction.atomic():
        _pool, _commitment, request = _lock(request)
        policy.require("disbursement.reject", actor, request)
        _move(request, to_status=S.REJECTED, actor=actor, reason=reason)
    return request


def disbursement_cancel(*, request: DisbursementRequest, actor, reason: str):
    reason = require_reason(reason)
    with transaction.atomic():
        _pool, _commitment, request = _lock(request)
        policy.require("disbursement.cancel", actor, request)
        _move(request, to_status=S.CANCELLED, actor=actor, reason=reason)
    return request


# ---------------------------------------------------------------- paying


def disbursement_mark_paid(
    *,
    request: DisbursementRequest,
    actor,
    payment_order: str,
    bank_reference: str,
    paid_on: date,
):
    """Record the payment of an approved request: exactly once, whoever sends it
    and however often."""
    bank_reference = (bank_reference or "").strip()
    payment_order = (payment_order or "").strip()
    if not bank_reference:
        raise ApplicationError(_("Enter the bank reference."), field="bank_reference")
    if not payment_order:
        raise ApplicationError(_("Enter the payment order."), field="payment_order")
    if paid_on > timezone.localdate():
        raise ApplicationError(
            _("The payment date cannot be in the future."), field="paid_on"
        )
    with transaction.atomic():
        pool, commitment, request = _lock(request, pool=True, commitment=True)
        # Paid already: the policy says so with the bank reference, rather than
        # the table's "cannot move".
        policy.require("disbursement.pay", actor, request)
        if request.approved_at and paid_on < timezone.localdate(request.approved_at):
            raise ApplicationError(
                _("The payment date cannot be before the approval (%(date)s).")
                % {"date": day_text(timezone.localdate(request.approved_at))},
                field="paid_on",
            )
        if request.eur_amount > commitment.remaining_eur:
            raise ConflictError(
                _("Commitment %(ref)s has only %(free)s left to pay.")
                % {"ref": commitment.reference, "free": eur(commitment.remaining_eur)}
            )
        if DisbursementRequest.objects.filter(bank_reference=bank_reference).exists():
            raise ApplicationError(
                _("The bank reference %(bank)s is already recorded on another payment.")
                % {"bank": bank_reference},
                field="bank_reference",
            )
        request.payment_order = payment_order
        request.bank_reference = bank_reference
        request.paid_on = paid_on
        request.paid_by = actor
        try:
            # Two payments recorded at once with the same bank reference: the
            # unique index lets one through and refuses the other here.
            with transaction.atomic():
                request.save(
                    update_fields=[
                        "payment_order", "bank_reference", "paid_on", "paid_by"
                    ]
                )  # fmt: skip
        except IntegrityError as exc:
            raise ApplicationError(
                _("The bank reference %(bank)s is already recorded on another payment.")
                % {"bank": bank_reference},
                field="bank_reference",
            ) from exc
        commitment.disbursed_eur += request.eur_amount
        if commitment.remaining_eur == 0:
            # Paid in full: nothing is left to pay, the commitment closes.
            transition(
                commitment,
                to=CommitmentStatus.CLOSED,
                actor=actor,
                reason=_("Paid in full by %(ref)s") % {"ref": request.case.reference},
                also=("disbursed_eur",),
            )
        else:
            commitment.save(update_fields=["disbursed_eur"])
        _post(
            pool=pool,
            kind=LedgerKind.DISBURSEMENT,
            amount_eur=request.eur_amount,
            actor=actor,
            memo=_("Payment %(ref)s to %(payee)s")
            % {"ref": request.case.reference, "payee": request.payee_name},
            disbursement=request,
            commitment=commitment,
            value_date=request.paid_on,
            original_amount=request.amount.amount,
            original_currency=str(request.amount.currency),
            fx_rate=request.fx_rate,
        )
        _move(
            request,
            to_status=S.PAID,
            actor=actor,
            reason=_("Payment order %(order)s, bank reference %(bank)s, %(date)s")
            % {
                "order": payment_order,
                "bank": bank_reference,
                "date": day_text(paid_on),
            },
        )
    return request


# ---------------------------------------------------------------- reconciling

STATEMENT_COLUMNS = ["date", "amount", "currency", "reference"]


def _parse_statement(content: bytes) -> list[dict]:
    """Every line or nothing: a malformed file is refused with the line number and
    the reason of its first fault."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ApplicationError(_("The file is not UTF-8 text."), field="file") from exc
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    if header != STATEMENT_COLUMNS:
        raise ApplicationError(
            _("Line 1: the columns must be %(expected)s, not %(found)s.")
            % {
                "expected": ", ".join(STATEMENT_COLUMNS),
                "found": ", ".join(header) or _("nothing"),
            },
            field="file",
        )
    rows, seen = [], set()
    for raw in reader:
        # The physical line where the record ends (a quoted field may span lines).
        number = reader.line_num
        row = {k.strip().lower(): (v or "").strip() for k, v in raw.items() if k}
        if None in raw:
            raise ApplicationError(
                _("Line %(n)d: more fields than the 4 columns.") % {"n": number},
                field="file",
            )
        try:
            booked_on = parse_date(row["date"]) if row["date"] else None
        except ValueError:  # well formed but impossible, e.g. 2026-02-30
            booked_on = None
        if booked_on is None:
            raise ApplicationError(
                _("Line %(n)d: “%(v)s” is not a date (YYYY-MM-DD).")
                % {"n": number, "v": row["date"]},
                field="file",
            )
        try:
            amount = Decimal(row["amount"])
        except InvalidOperation:
            amount = None
        currency = row["currency"].upper()
        error = (
            _("“%(v)s” is not an amount.") % {"v": row["amount"]}
            if amount is None
            else money_error(amount, currency)
        )
        if error:
            raise ApplicationError(
                _("Line %(n)d: %(error)s") % {"n": number, "error": error},
                field="file",
            )
        if not row["reference"]:
            raise ApplicationError(
                _("Line %(n)d: the reference is empty.") % {"n": number},
                field="file",
            )
        if row["reference"] in seen:
            raise ApplicationError(
                _("Line %(n)d: the reference %(ref)s appears twice.")
                % {"n": number, "ref": row["reference"]},
                field="file",
            )
        seen.add(row["reference"])
        rows.append(
            {
                "line_number": number,
                "booked_on": booked_on,
                "amount": amount,
                "currency": currency,
                "reference": row["reference"][:60],
            }
        )
    if not rows:
        raise ApplicationError(_("The statement has no lines."), field="file")
    return rows


def statement_import(*, actor, file_name: str, content: bytes) -> BankStatement:
    """Import a bank statement CSV (date, amount, currency, reference) and match
    its lines to payments by reference and amount."""
    policy.require("statement.import", actor)
    rows = _parse_statement(content)
    digest = hashlib.sha256(content).hexdigest()
    with transaction.atomic():
        if BankStatement.objects.filter(sha256=digest).exists():
            raise ConflictError(_("This statement has already been imported."))
        statement = BankStatement.objects.create(
            file_name=file_name[:200], sha256=digest, imported_by=actor
        )
        payments = {
            r.bank_reference: r
            for r in DisbursementRequest.objects.select_for_update(of=("self",))
            .select_related("case")
            .filter(bank_reference__in=[row["reference"] for row in rows])
        }
        for row in rows:
            request = payments.get(row["reference"])
            status, note = _classify(row, request)
            line = StatementLine.objects.create(
                statement=statement, request=request, status=status, note=note, **row
            )
            if status == LineStatus.MATCHED:
                _reconcile(request, actor=actor, line=line)
    return statement


def _classify(row, request) -> tuple[str, str]:
    """A new line's status, and the note that explains a mismatch: how the
    import classifies it once, on creation, not a move
    (``STATEMENT_LINE_TRANSITIONS``). Lines are matched here only."""
    if request is None:
        return LineStatus.UNMATCHED, ""
    if (
        request.amount.amount == row["amount"]
        and str(request.amount.currency) == row["currency"]
        and request.status == S.PAID
    ):
        return LineStatus.MATCHED, ""
    return LineStatus.MISMATCHED, _(
        "The bank shows %(bank)s; %(ref)s is %(ours)s (%(status)s)."
    ) % {
        "bank": money(row["amount"], row["currency"]),
        "ref": request.case.reference,
        "ours": money(request.amount.amount, request.amount.currency),
        "status": LABELS[request.status],
    }


def _reconcile(request, *, actor, line) -> None:
    request.reconciled_at = timezone.now()
    request.save(update_fields=["reconciled_at"])
    _move(
        request,
        to_status=S.RECONCILED,
        actor=actor,
        reason=_("Statement %(file)s, line %(n)d")
        % {"file": line.statement.file_name, "n": line.line_number},
    )


def statement_line_resolve(
    *, line: StatementLine, actor, note: str, request: DisbursementRequest | None = None
) -> StatementLine:
    """A person settles a mismatched or unmatched line, optionally reconciling the
    paid request it belongs to."""
    if request is not None:
        # Asked first, of the row as it is now: the reconciling is what the
        # caller asks for, the line only where it is recorded.
        current = DisbursementRequest.objects.select_related("case").get(pk=request.pk)
        policy.require("disbursement.reconcile", actor, current)
    policy.require("statementline.resolve", actor, line)
    note = (note or "").strip()
    if not note:
        raise ApplicationError(_("Say how the line was resolved."), field="note")
    with transaction.atomic():
        line = (
            StatementLine.objects.select_for_update(of=("self",))
            .select_related("statement")
            .get(pk=line.pk)
        )
        policy.require("statementline.resolve", actor, line)
        if request is not None:
            _p, _c, request = _lock(request)
            policy.require("disbursement.reconcile", actor, request)
            line.request = request
            _reconcile(request, actor=actor, line=line)
        line.note = note
        line.resolved_by = actor
        transition(
            line,
            to=LineStatus.RESOLVED,
            actor=actor,
            reason=note,
            also=("note", "resolved_by", "request"),
        )
    return line


# ---------------------------------------------------------------- documents


def disbursement_document_add(
    *, request: DisbursementRequest, actor, uploaded_file, description: str = ""
):
    """Attach a supporting document (an invoice, an acceptance report) to an open
    request's case."""
    from secretariat.kernel.services import attachment_store

    description = (description or "").strip()
    with transaction.atomic():
        _pool, _commitment, request = _lock(request)
        policy.require("disbursement.add_document", actor, request)
        attachment = attachment_store(
            subject=request,
            case=request.case,
            uploaded_file=uploaded_file,
            actor=actor,
            description=description,
        )
        timeline_record(
            subject=request,
            case=request.case,
            actor=actor,
            action="document_added",
            description=_("Document added: %(name)s")
            % {"name": attachment.original_name},
            reason=description,
            evidence=attachment,
        )
    return attachment
