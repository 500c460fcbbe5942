"""The writes that change what the opened tender's page shows of its bids
beyond the keys of its cached fragments (``procurement.views.tenders``: the
ranking's key, the page's bids as read, the policies' answers): the bidders'
names and their track records, which their contracts, milestones, deliveries,
receipts, discrepancies and field reports anywhere make. A save or a delete of
any of them bumps the fragments' data version. (The bids themselves and the
lots are settled at the opening, which is in the keys.)"""

from procurement.models import (
    Contract,
    Delivery,
    Discrepancy,
    FieldReport,
    Manufacturer,
    Milestone,
    Receipt,
)
from secretariat.kernel.versions import bump_on_change

TENDER_PAGE_VERSION = "tender_page"

bump_on_change(
    TENDER_PAGE_VERSION,
    Manufacturer,
    Contract,
    Milestone,
    Delivery,
    Receipt,
    Discrepancy,
    FieldReport,
)
