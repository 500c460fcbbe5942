"""What procurement's lists count, total and download (see
``secretariat.kernel.listing.Table``). A bid's row holds what its list shows
and nothing sealed: no price, quantity or offer."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from secretariat.kernel.exports import DATETIME, INT, MONEY, Column
from secretariat.kernel.listing import Table, Total

TENDER_TABLE = Table(
    name="tenders",
    title=_("Tenders"),
    count=ngettext_lazy("%(count)s tender", "%(count)s tenders", "n"),
    columns=(
        Column(_("Reference"), "case.reference"),
        Column(_("Title"), "title"),
        Column(_("Status"), "get_status_display"),
        Column(_("Procedure"), "get_procedure_display"),
        Column(_("Pool"), "pool.name"),
        Column(_("Lots"), "lot_count", INT),
        Column(_("Clarifications until"), "clarification_deadline", DATETIME),
        Column(_("Bids until"), "submission_deadline", DATETIME),
    ),
)

BID_TABLE = Table(
    name="bids",
    title=_("Bids"),
    count=ngettext_lazy("%(count)s bid", "%(count)s bids", "n"),
    columns=(
        Column(_("Tender"), "lot.tender.case.reference"),
        Column(_("Tender title"), "lot.tender.title"),
        Column(_("Lot"), "lot.number", INT),
        Column(_("Lot title"), "lot.title"),
        Column(_("Status"), "get_status_display"),
        Column(_("Tender status"), "lot.tender.get_status_display"),
        Column(_("Submitted"), "submitted_at", DATETIME),
        Column(_("Bids until"), "lot.tender.submission_deadline", DATETIME),
        Column(_("Bid"), lambda bid: str(bid.public_id)),
    ),
)

CONTRACT_TABLE = Table(
    name="contracts",
    title=_("Contracts"),
    count=ngettext_lazy("%(count)s contract", "%(count)s contracts", "n"),
    columns=(
        Column(_("Contract"), "reference"),
        Column(_("Tender"), "award.lot.tender.case.reference"),
        Column(_("Lot"), "award.lot.number", INT),
        Column(_("Manufacturer"), "manufacturer.name"),
        Column(_("Quantity"), "quantity", INT),
        Column(_("Unit price (EUR)"), "unit_price", MONEY),
        Column(_("Value (EUR)"), "value_eur", MONEY),
        Column(_("Status"), "get_status_display"),
        Column(_("Signed"), "signed_at", DATETIME),
    ),
    totals=(Total("value_eur", "value_eur", currency="EUR"),),
)
