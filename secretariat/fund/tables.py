"""What the fund's lists count, total and download (see
``secretariat.kernel.listing.Table``): the same columns a page shows, money as
``Decimal`` with its currency beside it."""

from django.db.models import F
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from secretariat.kernel.exports import DATE, DATETIME, MONEY, Column
from secretariat.kernel.listing import Table, Total

DISBURSEMENT_TABLE = Table(
    name="disbursements",
    title=_("Disbursement requests"),
    count=ngettext_lazy("%(count)s request", "%(count)s requests", "n"),
    columns=(
        Column(_("Reference"), "case.reference"),
        Column(_("Payee"), "payee_name"),
        Column(_("Amount"), "amount.amount", MONEY),
        Column(_("Currency"), lambda r: str(r.amount.currency)),
        Column(_("Amount (EUR)"), "eur_amount", MONEY),
        Column(_("Commitment"), "commitment.reference"),
        Column(_("Pool"), "commitment.pool.name"),
        Column(_("Status"), "get_status_display"),
        Column(_("Prepared by"), "prepared_by"),
        Column(_("Due"), "case.due_date", DATE),
        Column(_("Opened"), "case.opened_at", DATETIME),
    ),
    totals=(
        Total("amount", "amount", currency_field="amount_currency"),
        Total("eur_amount", "eur_amount", currency="EUR"),
    ),
)

LEDGER_TABLE = Table(
    name="ledger",
    title=_("Ledger"),
    count=ngettext_lazy("%(count)s entry", "%(count)s entries", "n"),
    columns=(
        Column(_("Recorded"), "created_at", DATETIME),
        Column(_("Value date"), "value_date", DATE),
        Column(_("Pool"), "pool.name"),
        Column(_("Kind"), "get_kind_display"),
        Column(_("Amount (EUR)"), "amount_eur", MONEY),
        Column(_("Original amount"), "original_amount", MONEY),
        Column(_("Original currency"), "original_currency"),
        Column(_("Memo"), "memo"),
        Column(_("By"), "created_by"),
    ),
    totals=(Total("amount_eur", "amount_eur", currency="EUR"),),
    # Exporting the ledger is the finance officers' (as its whole-ledger CSV).
    export_action="ledger.export",
)

COMMITMENT_TABLE = Table(
    name="commitments",
    title=_("Commitments"),
    count=ngettext_lazy("%(count)s commitment", "%(count)s commitments", "n"),
    columns=(
        Column(_("Commitment"), "reference"),
        Column(_("Purpose"), "purpose"),
        Column(_("Approval reference"), "approval_reference"),
        Column(_("Pool"), "pool.name"),
        Column(_("Amount (EUR)"), "amount_eur", MONEY),
        Column(_("Paid (EUR)"), "disbursed_eur", MONEY),
        Column(_("Released (EUR)"), "released_eur", MONEY),
        Column(_("Remaining (EUR)"), "remaining_eur", MONEY),
        Column(_("Status"), "get_status_display"),
        Column(_("Created"), "created_at", DATETIME),
    ),
    totals=(
        Total("amount_eur", "amount_eur", currency="EUR"),
        Total("disbursed_eur", "disbursed_eur", currency="EUR"),
        Total("released_eur", "released_eur", currency="EUR"),
        Total(
            "remaining_eur",
            F("amount_eur") - F("disbursed_eur") - F("released_eur"),
            currency="EUR",
        ),
    ),
)

ADJUSTMENT_TABLE = Table(
    name="adjustments",
    title=_("Adjustments"),
    count=ngettext_lazy("%(count)s adjustment", "%(count)s adjustments", "n"),
    columns=(
        Column(_("Proposed"), "requested_at", DATETIME),
        Column(_("Proposed by"), "requested_by"),
        Column(_("Pool"), "pool.name"),
        Column(_("Amount (EUR)"), "amount_eur", MONEY),
        Column(_("Reason"), "reason"),
        Column(_("Status"), "get_status_display"),
        Column(_("Decided by"), "decided_by"),
        Column(_("Decided"), "decided_at", DATETIME),
    ),
    totals=(Total("amount_eur", "amount_eur", currency="EUR"),),
)
