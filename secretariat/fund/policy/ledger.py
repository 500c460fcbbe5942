"""Policies of the fund: commitments, adjustments, bank statements and the
ledger's export.

Finance officers (and the administrator) move money; a co-lead approver may
also decide an adjustment, and whoever proposed an adjustment never decides it.
Someone who holds none of these roles is not offered these actions at all.
"""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from secretariat.fund.models import (
    Adjustment,
    AdjustmentStatus,
    BankStatement,
    Commitment,
    CommitmentStatus,
    LedgerEntry,
    LineStatus,
    StatementLine,
)
from secretariat.kernel.policy import action, allow, not_now, queue, refuse
from secretariat.kernel.roles import Role, has_role

FINANCE = (Role.FINANCE_OFFICER, Role.ADMINISTRATOR)
ADJUSTMENT_DECIDERS = (*FINANCE, Role.CO_LEAD_APPROVER)


def _finance(user, reason):
    if has_role(user, *FINANCE):
        return allow()
    return refuse(reason, hidden=True)


# ---------------------------------------------------------------- commitments


@action(
    "commitment.create",
    label=gettext_lazy("Commit money of a pool"),
    model=Commitment,
    perm="secretariat.add_commitment",
)
def commitment_create(user, commitment=None):
    return _finance(user, _("Only a finance officer commits money of a pool."))


@action(
    "commitment.release",
    label=gettext_lazy("Release"),
    model=Commitment,
    perm="secretariat.release_commitment",
)
def commitment_release(user, commitment=None):
    who = _finance(user, _("Only a finance officer releases a commitment."))
    if not who or commitment is None:
        return who
    # Releasing is how a person closes a commitment: only an open one can be.
    if not Commitment.workflow.allows(commitment.status, CommitmentStatus.CLOSED):
        return not_now(
            _("The commitment %(ref)s is already closed.")
            % {"ref": commitment.reference}
        )
    # What requests in progress still draw on is counted by the service under
    # the pool's lock: it needs the other requests' rows.
    return allow()


@queue("commitment.release", my_work=False)
def releasable_commitments(user, queryset):
    if not has_role(user, *FINANCE):
        return queryset.none()
    return queryset.filter(
        status__in=Commitment.workflow.sources(CommitmentStatus.CLOSED)
    )


# ---------------------------------------------------------------- adjustments


@action(
    "adjustment.request",
    label=gettext_lazy("Propose an adjustment"),
    model=Adjustment,
    perm="secretariat.request_adjustment",
)
def adjustment_request(user, adjustment=None):
    return _finance(user, _("Only a finance officer proposes an adjustment."))


def _decide(user, adjustment, target):
    if not has_role(user, *ADJUSTMENT_DECIDERS):
        return refuse(
            _("Only a finance officer or a co-lead approver decides an adjustment."),
            hidden=True,
        )
    if adjustment is None:
        return allow()
    if not Adjustment.workflow.allows(adjustment.status, target):
        return not_now(_("The adjustment has already been decided."))
    if adjustment.requested_by_id == user.pk:
        return refuse(
            _(
                "You proposed this adjustment: someone other than its author "
                "approves or rejects it."
            )
        )
    return allow()


@action(
    "adjustment.approve",
    label=gettext_lazy("Approve"),
    model=Adjustment,
    perm="secretariat.decide_adjustment",
    work_label=gettext_lazy("Approve the adjustment"),
)
def adjustment_approve(user, adjustment=None):
    return _decide(user, adjustment, AdjustmentStatus.APPROVED)


@action(
    "adjustment.reject",
    label=gettext_lazy("Reject"),
    model=Adjustment,
    work_label=gettext_lazy("Reject the adjustment"),
)
def adjustment_reject(user, adjustment=None):
    return _decide(user, adjustment, AdjustmentStatus.REJECTED)


def _decidable(target):
    def filter_(user, queryset):
        if not has_role(user, *ADJUSTMENT_DECIDERS):
            return queryset.none()
        return queryset.filter(status__in=Adjustment.workflow.sources(target)).exclude(
            requested_by=user
        )

    return filter_


queue("adjustment.approve")(_decidable(AdjustmentStatus.APPROVED))
queue("adjustment.reject")(_decidable(AdjustmentStatus.REJECTED))


# ---------------------------------------------------------------- statements


@action("statement.import", label=gettext_lazy("Import"), model=BankStatement)
def statement_import(user, statement=None):
    return _finance(user, _("Only a finance officer imports a bank statement."))


@action("statementline.resolve", label=gettext_lazy("Resolve"), model=StatementLine)
def statement_line_resolve(user, line=None):
    who = _finance(user, _("Only a finance officer resolves a statement line."))
    if not who or line is None:
        return who
    if not StatementLine.workflow.allows(line.status, LineStatus.RESOLVED):
        return not_now(_("Line %(n)d is already settled.") % {"n": line.line_number})
    return allow()


@queue("statementline.resolve")
def lines_to_resolve(user, queryset):
    if not has_role(user, *FINANCE):
        return queryset.none()
    return queryset.filter(
        status__in=StatementLine.workflow.sources(LineStatus.RESOLVED)
    )


# ---------------------------------------------------------------- the ledger


@action(
    "ledger.export",
    label=gettext_lazy("Download the whole ledger (CSV)"),
    model=LedgerEntry,
    perm="secretariat.export_ledger",
)
def ledger_export(user, entry=None):
    return _finance(user, _("Only a finance officer exports the ledger."))
