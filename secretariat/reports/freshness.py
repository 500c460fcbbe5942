"""The writes that change the dashboard's figures: every table its readers
(``secretariat.reports.dashboard``) sum or count. A save or a delete of any of
them bumps the figures' data version, so the next request computes them
afresh.

The counters kept by ``update()`` change with a saved row of these models in the
same transaction: the ledger's monthly sums (``LedgerMonth.add``) with the pool
a posting saves (``secretariat.fund.services.ledger._post``), the monthly
delivery counts (``DeliveryMonth.add``) with the delivery reported or decided.
"""

from members.models import MemberState, OnboardingCase, OnboardingStep
from procurement.models import Contract, Delivery, DeliveryMonth, Tender
from secretariat.fund.models import LedgerEntry, LedgerMonth, Pool
from secretariat.kernel.models import Case
from secretariat.kernel.versions import bump_on_change
from secretariat.reports.dashboard import VERSION

bump_on_change(
    VERSION,
    # The fund, and its months.
    Pool,
    LedgerEntry,
    LedgerMonth,
    # Drones contracted, delivered and accepted, and their months.
    Contract,
    Delivery,
    DeliveryMonth,
    # Tenders under way.
    Tender,
    # Member states by status; onboarding steps open and overdue (a step
    # without its own due date is due with its case).
    MemberState,
    OnboardingCase,
    OnboardingStep,
    Case,
)
